package models_test

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/goplenoptic/goplenoptic/plenoptic/data"
	"github.com/goplenoptic/goplenoptic/plenoptic/filters"
	"github.com/goplenoptic/goplenoptic/plenoptic/models"
)

// RectifiedDoG is a user-defined model: a difference of Gaussians followed by
// a rectifier. Anything with a Forward graph function is a models.Model; use
// a pointer so models.Eval can cache its compiled graph.
type RectifiedDoG struct{ Kernel filters.Kernel }

// Forward filters x with circular padding and keeps the positive part.
func (m *RectifiedDoG) Forward(x *graph.Node) *graph.Node {
	y := filters.Conv2D(x, [][]filters.Kernel{{m.Kernel}}, 1, filters.Circular)
	return graph.Max(y, graph.ZerosLike(y))
}

// A user-defined model is evaluated (and synthesized for) like a built-in one.
func Example_customModel() {
	center, _ := filters.CircularGaussian2D(31, 31, 2)
	surround, _ := filters.CircularGaussian2D(31, 31, 6)
	dog, _ := filters.SumOf([]float64{1, -1}, []filters.Kernel{center, surround})
	model := &RectifiedDoG{Kernel: dog}

	img, err := data.Einstein()
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
	// Output: shape [1 1 256 256], mean 0.0154, min 0.0000, max 0.2958
}
