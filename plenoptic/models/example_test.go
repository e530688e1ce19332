package models_test

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/data"
	"github.com/goplenoptic/goplenoptic/plenoptic/filters"
	"github.com/goplenoptic/goplenoptic/plenoptic/models"
	"github.com/goplenoptic/goplenoptic/plenoptic/tools"
)

// summary prints a representation's shape and value range.
func summary(rep *tensors.Tensor) {
	v, _ := tools.Float64s(rep)
	mean, lo, hi := 0.0, math.Inf(1), math.Inf(-1)
	for _, x := range v {
		mean += x
		lo, hi = min(lo, x), max(hi, x)
	}
	mean /= float64(len(v))
	if math.Abs(mean) < 1e-6 {
		mean = 0
	}
	fmt.Printf("shape %v, mean %.4f, min %.4f, max %.4f\n", rep.Shape().Dimensions, mean, lo, hi)
}

// The tutorial's own Gaussian model: a 31×31 circular blur with std 3.
func ExampleGaussianBlur() {
	img, err := data.Einstein()
	if err != nil {
		fmt.Println(err)
		return
	}
	model, err := models.NewGaussianBlur(models.GaussianBlurOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := models.Eval(model, img)
	if err != nil {
		fmt.Println(err)
		return
	}
	summary(rep)
	// Output: shape [1 1 256 256], mean 0.4567, min 0.1679, max 0.8674
}

// The tutorial's CenterSurround: a balanced difference of Gaussians, blind to
// the mean luminance.
func ExampleCenterSurround() {
	img, err := data.Einstein()
	if err != nil {
		fmt.Println(err)
		return
	}
	model, err := models.NewCenterSurround(models.CenterSurroundOptions{
		KernelSize:  models.Square(31),
		CenterStd:   []float64{1.962},
		SurroundStd: []float64{4.235},
		PadMode:     filters.Circular,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := models.Eval(model, img)
	if err != nil {
		fmt.Println(err)
		return
	}
	summary(rep)
	fmt.Printf("filter sum %.1f\n", math.Abs(model.Kernels()[0].Sum()))
	// Output:
	// shape [1 1 256 256], mean 0.0000, min -0.2251, max 0.2612
	// filter sum 0.0
}

// The tutorial's LuminanceGainControl: built with circular padding, then
// given the five values the tutorial loads with load_state_dict.
func ExampleLuminanceGainControl() {
	img, err := data.Einstein()
	if err != nil {
		fmt.Println(err)
		return
	}
	lg, err := models.NewLuminanceGainControl(models.FrontEndOptions{
		KernelSize: models.Square(31),
		PadMode:    filters.Circular,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	err = lg.LoadParams(map[string][]float64{
		"luminance_scalar":                {14.95},
		"luminance.std":                   {4.235},
		"center_surround.center_std":      {1.962},
		"center_surround.surround_std":    {4.235},
		"center_surround.amplitude_ratio": {1.25},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := models.Eval(lg, img)
	if err != nil {
		fmt.Println(err)
		return
	}
	summary(rep)

	// Nearly, not exactly, invariant to the overall luminance:
	pixels, _ := tools.Float64s(img)
	for i := range pixels {
		pixels[i] *= 2
	}
	doubled := make([]float32, len(pixels))
	for i, v := range pixels {
		doubled[i] = float32(v)
	}
	rep2, err := models.Eval(lg, tensors.FromFlatDataAndDimensions(doubled, 1, 1, 256, 256))
	if err != nil {
		fmt.Println(err)
		return
	}
	a, _ := tools.Float64s(rep)
	b, _ := tools.Float64s(rep2)
	change := 0.0
	for i := range a {
		change = max(change, math.Abs(b[i]-a[i]))
	}
	fmt.Printf("max |LG(2·img) − LG(img)| = %.4f\n", change)
	// Output:
	// shape [1 1 256 256], mean 0.6929, min 0.6785, max 0.7072
	// max |LG(2·img) − LG(img)| = 0.0017
}
