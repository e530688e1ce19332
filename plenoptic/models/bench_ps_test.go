package models_test

import (
	"io"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/data"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/backendtest"
	"github.com/goplenoptic/goplenoptic/plenoptic/models"
	"github.com/goplenoptic/goplenoptic/plenoptic/synth"
)

func reptileSkin(b *testing.B) *tensors.Tensor {
	img, err := data.ReptileSkin()
	if err != nil {
		b.Fatal(err)
	}
	return img
}

// BenchmarkPSForwardGradient times the Portilla–Simoncelli statistics of a
// 256×256 texture (default model) with the gradient of the loss
// PortillaSimoncelliLoss(model(x), target) with respect to x at uniform
// noise x, one execution per iteration (loss and gradient copied to the host).
//
//	go test -run '^$' -bench PSForwardGradient -benchtime 20x ./plenoptic/models/
func BenchmarkPSForwardGradient(b *testing.B) {
	img := tensors.MustCopyFlatData[float32](reptileSkin(b))
	m, err := models.NewPortillaSimoncelli([2]int{256, 256}, models.PortillaSimoncelliOptions{})
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range backendtest.Names {
		b.Run(name+"/256", func(b *testing.B) {
			be := backendtest.Get(b, name)
			target := graph.MustNewExec(be, m.Forward).MustExec1(tensors.FromFlatDataAndDimensions(img, 1, 1, 256, 256))
			exec := graph.MustNewExec(be, func(x, tgt *graph.Node) (*graph.Node, *graph.Node) {
				l := models.PortillaSimoncelliLoss(m.Forward(x), tgt)
				return l, graph.Gradient(l, x)[0]
			})
			r := rand.New(rand.NewPCG(1, 2)) // uniform noise, as a metamer's start
			x := make([]float32, len(img))
			for i := range x {
				x[i] = r.Float32()
			}
			in := tensors.FromFlatDataAndDimensions(x, 1, 1, 256, 256)
			run := func() {
				res := exec.MustExec(in, target)
				tensors.MustCopyFlatData[float32](res[0])
				tensors.MustCopyFlatData[float32](res[1])
			}
			run()
			b.ResetTimer()
			for range b.N {
				run()
			}
		})
	}
}

// BenchmarkPSMetamerStep times one iteration of a Portilla–Simoncelli
// texture metamer of reptile_skin (256×256) with synth.Metamer: loss
// (PortillaSimoncelliLoss plus the range penalty), gradient, Adam/AMSGrad
// step and the recorded norms. ns/op is the mean, ms/median the median
// iteration (what compare.sh reports).
//
//	go test -run '^$' -bench PSMetamerStep -benchtime 20x ./plenoptic/models/
func BenchmarkPSMetamerStep(b *testing.B) {
	m, err := models.NewPortillaSimoncelli([2]int{256, 256}, models.PortillaSimoncelliOptions{})
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range backendtest.Names {
		b.Run(name+"/256", func(b *testing.B) {
			be := backendtest.Get(b, name)
			met, err := synth.NewMetamer(reptileSkin(b), m, synth.MetamerOptions{
				LossFunction: models.PortillaSimoncelliLoss, Backend: be, Seed: 1, Log: io.Discard})
			if err != nil {
				b.Fatal(err)
			}
			opts := synth.SynthesizeOptions{MaxIter: 2, StopCriterion: -1, ProgressBar: synth.ProgressBarOff}
			if err := met.Synthesize(opts); err != nil { // compile
				b.Fatal(err)
			}
			var st backendtest.StepTimer
			opts.MaxIter = b.N
			opts.Progress = func(p synth.Progress) {
				if !p.Done {
					st.Tick()
				}
			}
			b.ResetTimer()
			st.Start()
			if err := met.Synthesize(opts); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			st.ReportMedian(b)
		})
	}
}
