package synth

import (
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/backend"
	"github.com/goplenoptic/goplenoptic/plenoptic/filters"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/backendtest"
)

// The matrix-product FLOP limit of this machine: a GoMLX DotGeneral of two
// 2048×2048 float32 matrices on the first test backend (XLA CPU unless
// $GOPLENOPTIC_TEST_BACKENDS says otherwise; best of 7 after a warm-up),
// measured once per test binary and reported by BenchmarkMatmulPeak and
// beside every step (the x-limit metric).
var (
	peakOnce  sync.Once
	peakGFLOP float64
)

func matmulPeak(b *testing.B) float64 {
	peakOnce.Do(func() {
		be := backendtestGet(b, backendtest.Names[0])
		const n = 2048
		r := rand.New(rand.NewPCG(1, 2))
		data := func() []float32 {
			d := make([]float32, n*n)
			for i := range d {
				d[i] = r.Float32()
			}
			return d
		}
		x, y := tensors.FromFlatDataAndDimensions(data(), n, n), tensors.FromFlatDataAndDimensions(data(), n, n)
		ex := MustNewExec(be, func(x, y *Node) *Node {
			return ReduceAllSum(DotGeneral(x, []int{1}, nil, y, []int{0}, nil))
		})
		best := time.Duration(1 << 62)
		for i := range 8 {
			t0 := time.Now()
			out := ex.MustExec1(x, y)
			_ = out.Value()
			out.FinalizeAll()
			if d := time.Since(t0); i > 0 && d < best {
				best = d
			}
		}
		peakGFLOP = 2 * n * n * n / best.Seconds() / 1e9
	})
	return peakGFLOP
}

// BenchmarkMatmulPeak reports the machine's matrix-product FLOP limit
// (GFLOP/s) as the step benchmarks use it.
func BenchmarkMatmulPeak(b *testing.B) {
	for b.Loop() {
		matmulPeak(b)
	}
	b.ReportMetric(matmulPeak(b), "GFLOP/s")
}

// toeplitzFLOPs is the reference work of one application of kernel k to
// `pixels` pixels: the matrix products of the separable Toeplitz
// formulation, where for each separable term and each axis a block of bs
// outputs (bs = 32 for k = 31) is a window of bs+k−1 samples times a
// (bs+k−1)×bs matrix: bs+k−1 multiply-adds per output, 2 FLOPs each. It
// does not depend on the formulation a step actually uses, so the step's
// time over toeplitzFLOPs/peak says how far it is from the matrix-product
// limit.
func toeplitzFLOPs(k filters.Kernel, pixels int) float64 {
	block := func(n int) int { return max((n+7)/8*8, 8) }
	per := float64(k.H+block(k.H)-1) + float64(k.W+block(k.W)-1)
	return float64(k.Rank()) * per * float64(pixels) * 2
}

// stepFLOPs is the reference work of a step of the tutorial model named
// name on batch images of 256×256: a metamer step applies each filter
// twice (the value and the gradient's adjoint); a Fisher product F v =
// Jᵀ(J v) twice for the linear models (J v and Jᵀ), three times for LG
// (its forward pass too, for the nonlinearity's derivatives).
func stepFLOPs(name string, batch int, fisher bool) float64 {
	px := batch * 256 * 256
	switch name {
	case "gauss":
		return 2 * toeplitzFLOPs(notebookGaussian.k, px)
	case "cs":
		return 2 * toeplitzFLOPs(centerSurround.k, px)
	}
	apps := 2.0
	if fisher {
		apps = 3
	}
	return apps * (toeplitzFLOPs(lumGainControl.cs, px) + toeplitzFLOPs(lumGainControl.lum, px))
}

// benchModels are the tutorial models as the models package builds them
// (what users run: the linear ones apply their Fisher matrix with their Gram
// operator), with the kernels and names of tutorialModels.
func benchModels(tb testing.TB) []namedModel {
	g, c, l := packageModels(tb)
	return []namedModel{{"gauss", g}, {"cs", c}, {"lg", l}}
}

// reportStep adds the reference MFLOP and the ratio of the step's median
// time to the FLOP limit.
func reportStep(b *testing.B, st *backendtest.StepTimer, flops float64) {
	med := st.Median()
	st.ReportMedian(b)
	b.ReportMetric(flops/1e6, "MFLOP")
	if peak := matmulPeak(b); peak > 0 {
		b.ReportMetric(med.Seconds()/(flops/(peak*1e9)), "x-limit")
	}
}

// BenchmarkMetamerStep times one metamer iteration (objective, gradient,
// Adam/AMSGrad update and the recorded norms in one execution) for the
// three tutorial models at batch 1 and 3 on 256×256 images, on XLA CPU and
// pure Go. ns/op is the mean time per iteration; ms/median the median;
// MFLOP the reference work (stepFLOPs) and x-limit the median over the
// time that work takes at the measured FLOP limit.
func BenchmarkMetamerStep(b *testing.B) {
	for _, be := range backendtest.Names {
		for _, tm := range benchModels(b) {
			for _, batch := range []int{1, 3} {
				b.Run(fmt.Sprintf("%s/%s/B=%d", be, tm.name, batch), func(b *testing.B) {
					back := backendtestGet(b, be)
					if be != backend.PureGo {
						matmulPeak(b)
					}
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
					var st backendtest.StepTimer
					opts.MaxIter = b.N
					opts.Progress = func(p Progress) {
						if !p.Done {
							st.Tick()
						}
					}
					b.ResetTimer()
					st.Start()
					if err := m.Synthesize(opts); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					if be != backend.PureGo {
						reportStep(b, &st, stepFLOPs(tm.name, batch, false))
					}
				})
			}
		}
	}
}

// BenchmarkFisherProduct times one fused power-method step (one Fisher
// product F v = Jᵀ(J v), by their Gram operator for the linear models; the
// shift, the normalisation and the Rayleigh quotient) on a 256×256 image;
// metrics as BenchmarkMetamerStep's.
func BenchmarkFisherProduct(b *testing.B) {
	for _, be := range backendtest.Names {
		for _, tm := range benchModels(b) {
			b.Run(fmt.Sprintf("%s/%s", be, tm.name), func(b *testing.B) {
				back := backendtestGet(b, be)
				if be != backend.PureGo {
					matmulPeak(b)
				}
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
				var st backendtest.StepTimer
				b.ResetTimer()
				st.Start()
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
					st.Tick()
				}
				b.StopTimer()
				if be != backend.PureGo {
					reportStep(b, &st, stepFLOPs(tm.name, 1, true))
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
	for _, be := range backendtest.Names {
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
