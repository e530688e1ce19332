package pyramid_test

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/backend"
	"github.com/goplenoptic/goplenoptic/plenoptic/pyramid"
)

// A steerable pyramid of a 64×64 image, its coefficients by key, and the
// reconstruction from all of them (exact for even sizes).
func ExampleNewSteerable() {
	p, err := pyramid.NewSteerable([2]int{64, 64}, pyramid.Options{Height: 2, IsComplex: true})
	if err != nil {
		panic(err)
	}
	img := make([]float32, 64*64)
	for i := range img {
		img[i] = float32(math.Sin(float64(i%64)/5) * math.Cos(float64(i/64)/7))
	}
	coeffs, err := p.EvalForward(tensors.FromFlatDataAndDimensions(img, 1, 1, 64, 64))
	if err != nil {
		panic(err)
	}
	for _, k := range coeffs.Keys {
		band, _ := coeffs.Get(k)
		fmt.Println(k, band.Shape().Dimensions, band.DType())
	}
	rec, err := p.EvalReconPyr(coeffs, pyramid.ReconOptions{})
	if err != nil {
		panic(err)
	}
	var maxErr float64
	for i, v := range tensors.MustCopyFlatData[float32](rec) {
		maxErr = math.Max(maxErr, math.Abs(float64(v-img[i])))
	}
	fmt.Println("reconstruction error below 1e-5:", maxErr < 1e-5)
	// Output:
	// residual_highpass [1 1 64 64] Float32
	// (0, 0) [1 1 64 64] Complex64
	// (0, 1) [1 1 64 64] Complex64
	// (0, 2) [1 1 64 64] Complex64
	// (0, 3) [1 1 64 64] Complex64
	// (1, 0) [1 1 32 32] Complex64
	// (1, 1) [1 1 32 32] Complex64
	// (1, 2) [1 1 32 32] Complex64
	// (1, 3) [1 1 32 32] Complex64
	// residual_lowpass [1 1 16 16] Float32
	// reconstruction error below 1e-5: true
}

// The pyramid on the graph: Forward gives the bands (real and imaginary
// parts as nodes), ReconPyr inverts them, and both are differentiable.
func ExampleSteerable_Forward() {
	p, err := pyramid.NewSteerable([2]int{32, 32}, pyramid.Options{Height: 1})
	if err != nil {
		panic(err)
	}
	be, err := backend.Default()
	if err != nil {
		panic(err)
	}
	exec, err := graph.NewExec(be, func(x *graph.Node) (*graph.Node, *graph.Node) {
		c := p.Forward(x)
		band, _ := c.Get(pyramid.BandKey(0, 1))
		energy := graph.ReduceAllSum(graph.Square(band.Re))
		return energy, graph.Gradient(energy, x)[0]
	})
	if err != nil {
		panic(err)
	}
	img := make([]float32, 32*32)
	img[16*32+16] = 1 // an impulse
	res := exec.MustExec(tensors.FromFlatDataAndDimensions(img, 1, 1, 32, 32))
	fmt.Println("energy positive:", tensors.MustCopyFlatData[float32](res[0])[0] > 0)
	fmt.Println("gradient shape:", res[1].Shape().Dimensions)
	// Output:
	// energy positive: true
	// gradient shape: [1 1 32 32]
}
