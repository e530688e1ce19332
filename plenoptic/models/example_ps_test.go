package models_test

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/models"
)

// The Portilla–Simoncelli statistics of a 64×64 image with two scales, and
// the same representation split into named statistics.
func ExampleNewPortillaSimoncelli() {
	m, err := models.NewPortillaSimoncelli([2]int{64, 64}, models.PortillaSimoncelliOptions{NScales: 2, SpatialCorrWidth: 7})
	if err != nil {
		panic(err)
	}
	img := make([]float32, 64*64)
	for i := range img {
		img[i] = float32(0.5 + 0.4*math.Sin(float64(i%64)/3+float64(i/64)/5))
	}
	rep, err := models.Eval(m, tensors.FromFlatDataAndDimensions(img, 1, 1, 64, 64))
	if err != nil {
		panic(err)
	}
	fmt.Println("representation:", rep.Shape().Dimensions)
	d, err := m.ConvertToDict(rep)
	if err != nil {
		panic(err)
	}
	for _, k := range d.Keys[:3] {
		fmt.Println(k, d.Values[k].Shape().Dimensions)
	}
	fmt.Println("scales, coarse to fine:", m.Scales())
	// Output:
	// representation: [1 1 348]
	// pixel_statistics [1 1 6]
	// auto_correlation_magnitude [1 1 7 7 4 2]
	// skew_reconstructed [1 1 3]
	// scales, coarse to fine: [pixel_statistics residual_lowpass 1 0 residual_highpass]
}
