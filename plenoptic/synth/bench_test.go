package synth

import (
	"fmt"
	"io"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// BenchmarkMetamerStep times one metamer iteration (objective, gradient,
// Adam/AMSGrad update and the recorded norms in one execution) for the
// three tutorial models at batch 1 and 3 on 256×256 images, on XLA CPU and
// pure Go. ns/op is the time per iteration.
func BenchmarkMetamerStep(b *testing.B) {
	for _, be := range []string{"xla:cpu", "go"} {
		for _, tm := range tutorialModels {
			for _, batch := range []int{1, 3} {
				b.Run(fmt.Sprintf("%s/%s/B=%d", be, tm.name, batch), func(b *testing.B) {
					back := backendtestGet(b, be)
					img, init := einstein(b), curie(b)
					if batch > 1 {
						img = concatBatch(b, img, img, img)
						init = concatBatch(b, init, init, init)
					}
					m, err := NewMetamer(img, tm.model, MetamerOptions{InitialImage: init, Backend: back})
					if err != nil {
						b.Fatal(err)
					}
					opts := SynthesizeOptions{MaxIter: 3, StopCriterion: -1, ProgressBar: ProgressBarOff}
					if err := m.Synthesize(opts); err != nil { // compile
						b.Fatal(err)
					}
					b.ResetTimer()
					opts.MaxIter = b.N
					if err := m.Synthesize(opts); err != nil {
						b.Fatal(err)
					}
				})
			}
		}
	}
}

// BenchmarkFisherProduct times one fused power-method step (one Fisher
// product F v = Jᵀ(J v), the shift, the normalisation and the Rayleigh
// quotient) on a 256×256 image.
func BenchmarkFisherProduct(b *testing.B) {
	for _, be := range []string{"xla:cpu", "go"} {
		for _, tm := range tutorialModels {
			b.Run(fmt.Sprintf("%s/%s", be, tm.name), func(b *testing.B) {
				back := backendtestGet(b, be)
				e, _ := newEig(b, back, flat(b, einstein(b)), []int{1, 1, 256, 256}, tm.model)
				ex, release, err := e.powerStep()
				if err != nil {
					b.Fatal(err)
				}
				defer release()
				v := makeTensor(flat(b, curie(b)), dtypes.Float32, []int{1, 1, 256, 256})
				fv := makeTensor(flat(b, curie(b)), dtypes.Float32, []int{1, 1, 256, 256})
				shift := makeTensor([]float64{0}, dtypes.Float32, nil)
				outs, err := ex.Exec(e.x, v, fv, shift)
				if err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for range b.N {
					next, err := ex.Exec(e.x, outs[0], outs[1], shift)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := float64s(next[2]); err != nil {
						b.Fatal(err)
					}
					finalize(outs[2])
					outs = next
				}
			})
		}
	}
}

// BenchmarkMADStep times one MAD Competition iteration on 256×256 curie:
// 1 − SSIM (weighted, reflect padding) minimized at fixed MSE, the
// MAD_Competition_2 tutorial's first synthesis (λ = 10⁴, initial noise
// 0.04, default Adam): objective, gradient, update, the recorded norms and
// both metrics of the new image, in one execution.
func BenchmarkMADStep(b *testing.B) {
	for _, be := range []string{"xla:cpu", "go"} {
		b.Run(be+"/ssim_mse", func(b *testing.B) {
			m, err := NewMADCompetition(curie(b), oneMinusSSIM, madParityMetrics["mse"], Minimize, MADOptions{
				Backend: backendtestGet(b, be), InitialNoise: 0.04, Seed: 1, MetricTradeoffLambda: 1e4, Log: io.Discard})
			if err != nil {
				b.Fatal(err)
			}
			opts := SynthesizeOptions{MaxIter: 3, StopCriterion: -1, ProgressBar: ProgressBarOff}
			if err := m.Synthesize(opts); err != nil { // compile
				b.Fatal(err)
			}
			b.ResetTimer()
			opts.MaxIter = b.N
			if err := m.Synthesize(opts); err != nil {
				b.Fatal(err)
			}
		})
	}
}
