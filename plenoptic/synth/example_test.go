package synth_test

import (
	"fmt"
	"io"
	"log"
	"os"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/goplenoptic/goplenoptic/plenoptic/data"
	"github.com/goplenoptic/goplenoptic/plenoptic/filters"
	"github.com/goplenoptic/goplenoptic/plenoptic/models"
	"github.com/goplenoptic/goplenoptic/plenoptic/synth"
	"github.com/goplenoptic/goplenoptic/plenoptic/tools"
)

// A metamer of the tutorial's Gaussian model: 20 iterations from curie
// towards einstein, storing every iteration, then 10 more (resuming with the
// same optimizer state).
func ExampleNewMetamer() {
	img, err := data.Einstein()
	if err != nil {
		log.Fatal(err)
	}
	curie, err := data.Curie()
	if err != nil {
		log.Fatal(err)
	}
	model, err := models.NewGaussianBlur(models.GaussianBlurOptions{})
	if err != nil {
		log.Fatal(err)
	}
	met, err := synth.NewMetamer(img, model, synth.MetamerOptions{InitialImage: curie})
	if err != nil {
		log.Fatal(err)
	}
	if err := met.Synthesize(synth.SynthesizeOptions{MaxIter: 20, StoreProgress: 1}); err != nil {
		log.Fatal(err)
	}
	if err := met.Synthesize(synth.SynthesizeOptions{MaxIter: 10, StoreProgress: 1}); err != nil {
		log.Fatal(err)
	}
	losses := met.Losses()
	fmt.Printf("%d iterations, %d saved images\n", len(losses), len(met.SavedMetamers()))
	fmt.Printf("first loss %.4f, last recorded loss %.4f\n", losses[0], losses[len(losses)-1])
	// Output:
	// 30 iterations, 30 saved images
	// first loss 0.0953, last recorded loss 0.0126
}

// The most and least noticeable distortions of the tutorial's
// CenterSurround model at einstein, by the power method (here at most 200
// iterations for each end).
func ExampleNewEigendistortion() {
	tools.Seed(1) // plenoptic's po.tools.set_seed(1): the starting vectors are random
	img, err := data.Einstein()
	if err != nil {
		log.Fatal(err)
	}
	model, err := models.NewCenterSurround(models.CenterSurroundOptions{
		KernelSize: models.Square(31), CenterStd: []float64{1.962}, SurroundStd: []float64{4.235},
		PadMode: filters.Circular,
	})
	if err != nil {
		log.Fatal(err)
	}
	eig, err := synth.NewEigendistortion(img, model, synth.EigendistortionOptions{Log: os.Stdout})
	if err != nil {
		log.Fatal(err)
	}
	if err := eig.Synthesize(synth.EigenSynthesizeOptions{MaxIter: 200}); err != nil {
		log.Fatal(err)
	}
	fmt.Println(eig.Eigendistortions().Shape().Dimensions, eig.Eigenindex())
	fmt.Printf("largest eigenvalue %.2f\n", eig.Eigenvalues()[0])
	// Output:
	// Initializing Eigendistortion -- Input dim: 65536 | Output dim: 65536
	// [2 1 256 256] [0 65535]
	// largest eigenvalue 0.42
}

// A MAD Competition image: maximize the mean squared error between einstein
// and the synthesized image while holding the mean absolute difference near
// its starting value (a larger MetricTradeoffLambda holds it closer: finding
// the weight is part of using MAD Competition).
func ExampleNewMADCompetition() {
	img, err := data.Einstein()
	if err != nil {
		log.Fatal(err)
	}
	meanAbs := func(a, b *graph.Node) *graph.Node { return graph.ReduceAllMean(graph.Abs(graph.Sub(a, b))) }
	mad, err := synth.NewMADCompetition(img, tools.MSE, meanAbs, synth.Maximize,
		synth.MADOptions{Seed: 1, MetricTradeoffLambda: 100, Log: io.Discard})
	if err != nil {
		log.Fatal(err)
	}
	if err := mad.Synthesize(synth.SynthesizeOptions{MaxIter: 20}); err != nil {
		log.Fatal(err)
	}
	opt, ref := mad.OptimizedMetricLoss(), mad.ReferenceMetricLoss()
	fmt.Printf("%d iterations: MSE %.4f → %.4f, mean |difference| %.3f → %.3f\n", len(mad.Losses()),
		opt[0], opt[len(opt)-1], ref[0], ref[len(ref)-1])
	// Output:
	// 20 iterations: MSE 0.0099 → 0.0126, mean |difference| 0.079 → 0.082
}

// The same eigendistortions by Lanczos: one Krylov run gives both ends, to
// residuals below Tolerance·λ_max, in about 200 Fisher products (the power
// method spends about 1800 on this model and stops 4e-4 below the top).
func ExampleEigendistortion_Synthesize_lanczos() {
	img, err := data.Einstein()
	if err != nil {
		log.Fatal(err)
	}
	model, err := models.NewCenterSurround(models.CenterSurroundOptions{
		KernelSize: models.Square(31), CenterStd: []float64{1.962}, SurroundStd: []float64{4.235},
		PadMode: filters.Circular,
	})
	if err != nil {
		log.Fatal(err)
	}
	eig, err := synth.NewEigendistortion(img, model, synth.EigendistortionOptions{Log: io.Discard})
	if err != nil {
		log.Fatal(err)
	}
	if err := eig.Synthesize(synth.EigenSynthesizeOptions{Method: synth.Lanczos, Seed: 1}); err != nil {
		log.Fatal(err)
	}
	v := eig.Eigenvalues()
	fmt.Printf("largest eigenvalue %.6f, smallest below 1e-6: %v\n", v[0], v[1] < 1e-6)
	fmt.Println("residuals within tolerance:", eig.Residuals()[0] <= 5e-5*v[0] && eig.Residuals()[1] <= 5e-5*v[0])
	fmt.Println("fewer than 300 Fisher products:", eig.FisherProducts() < 300)
	// Output:
	// largest eigenvalue 0.415686, smallest below 1e-6: true
	// residuals within tolerance: true
	// fewer than 300 Fisher products: true
}
