package display_test

import (
	"fmt"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/display"
)

func ExamplePyrShow() {
	// The bands of a one-scale pyramid with two orientations of a 16×16
	// image (in a notebook: nb.PyrShow(coeffs, ...) with the coefficients of
	// pyramid.Steerable.EvalForward).
	band := func(n int) *tensors.Tensor {
		v := make([]float32, n*n)
		for i := range v {
			v[i] = float32(i % n)
		}
		return tensors.FromFlatDataAndDimensions(v, 1, 1, n, n)
	}
	bands := []display.PyrBand{
		{Residual: display.ResidualHighpass, Coeffs: band(16)},
		{Scale: 0, Orientation: 0, Coeffs: band(16)},
		{Scale: 0, Orientation: 1, Coeffs: band(16)},
		{Residual: display.ResidualLowpass, Coeffs: band(8)},
	}
	fig, err := display.PyrShow(bands, display.PyrShowOptions{Zoom: 4})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ax := range fig.Axes {
		fmt.Println(ax.Rect.Min, strings.ReplaceAll(ax.Title, "\n", "|"))
	}
	// Output:
	// (0,16) height 00, band 00| range: [0.0e+00, 1.5e+01] | dims: [16, 16] * 4
	// (74,16) height 00, band 01| range: [0.0e+00, 1.5e+01] | dims: [16, 16] * 4
	// (0,106) residual highpass| range: [0.0e+00, 1.5e+01] | dims: [16, 16] * 4
	// (74,106) residual lowpass| range: [0.0e+00, 7.0e+00] | dims: [8, 8] * 8
}

func ExampleAnimShow() {
	// A video of 4 frames of an 8×8 image growing brighter, made from a list
	// of [B,C,H,W] frames.
	var frames []*tensors.Tensor
	for t := range 4 {
		v := make([]float32, 64)
		for i := range v {
			v[i] = float32(t) + float32(i)/64
		}
		frames = append(frames, tensors.FromFlatDataAndDimensions(v, 1, 1, 8, 8))
	}
	video, err := display.StackFrames(frames)
	if err != nil {
		fmt.Println(err)
		return
	}
	anim, err := display.AnimShow([]*tensors.Tensor{video}, display.AnimShowOptions{Zoom: 8, Title: "brighter"})
	if err != nil {
		fmt.Println(err)
		return
	}
	// In a notebook: anim.Show() plays it (an HTML5 player).
	fmt.Println(video.Shape().Dimensions, anim.Len(), anim.FrameRate)
	// Output: [1 1 4 8 8] 4 2
}
