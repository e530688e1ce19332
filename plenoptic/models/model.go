// Package models holds the image models plenoptic synthesizes for: a model is
// a fixed, differentiable function from images [B, C, H, W] to a
// representation (3-D or 4-D), written as a GoMLX graph function.
//
// The models of plenoptic 1.1.0 and the tutorial, with their plenoptic names:
//
//	GaussianBlur                  the tutorial's own Gaussian (31×31, std 3, circular)
//	Gaussian                      po.simulate.Gaussian
//	CenterSurround                po.simulate.CenterSurround
//	LinearNonlinear               po.simulate.LinearNonlinear
//	LuminanceGainControl          po.simulate.LuminanceGainControl
//	LuminanceContrastGainControl  po.simulate.LuminanceContrastGainControl
//	OnOff                         po.simulate.OnOff
//	PortillaSimoncelli            po.simulate.PortillaSimoncelli (texture statistics, on package pyramid's
//	                              steerable pyramid; ConvertToDict, PlotData, Scales/ForwardScales)
//
// Each is built from an options struct whose zero fields take plenoptic's
// defaults, validates its arguments with errors that name the bad value, and
// exposes its state dict with plenoptic's keys through Params and LoadParams
// (the tutorial's load_state_dict). Parameters are Go values baked into the
// graph as constants: nothing is trainable, and a graph compiled before
// LoadParams keeps the old values (Eval recompiles by itself). Any type with
// a Forward method is a Model, so user-defined models work the same way.
package models

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/backend"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/compiled"
	"github.com/goplenoptic/goplenoptic/plenoptic/tools"
)

// Model is an image model. Forward builds the model's computation on the
// graph; its parameters are Go values baked in as constants, so a model has
// nothing trainable (plenoptic's remove_grad is the natural state).
// Forward may panic on inputs it cannot handle (as GoMLX does); Eval and the
// synthesis methods turn that into an error. Forward must build the same
// computation every time for a model value: compiled graphs are reused per
// model (and per its Params values, for models that report them).
type Model interface {
	Forward(x *graph.Node) *graph.Node
}

// Gramian is implemented by the linear models (GaussianBlur, Gaussian,
// CenterSurround). A linear model's Fisher information matrix F = JᵀJ is
// the same at every image, and Gram applies it to v (the input's shape)
// directly: for circular padding on a backend with an FFT, in one transform
// pair instead of the two that differentiating Forward twice costs.
// Eigendistortion uses it when present; ok is false where the model cannot
// (other padding, the pure-Go backend), and synthesis then differentiates.
type Gramian interface {
	Gram(v *graph.Node) (fv *graph.Node, ok bool)
}

// ModelFunc adapts a plain function to the Model interface.
type ModelFunc func(x *graph.Node) *graph.Node

// Forward calls f.
func (f ModelFunc) Forward(x *graph.Node) *graph.Node { return f(x) }

// Eval evaluates m on img eagerly, on the default backend (see package
// backend): plenoptic's model(img). The input is validated first (float,
// 4-D, finite); the compiled model is cached per model and shape when the
// model value is comparable (pointers and plain structs are).
func Eval(m Model, img *tensors.Tensor) (out *tensors.Tensor, err error) {
	if m == nil {
		return nil, fmt.Errorf("models: model is nil")
	}
	if err := tools.ValidateInput(img, tools.InputOptions{}); err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	b, err := backend.Default()
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("models: %T failed on input of shape %v: %v", m, img.Shape().Dimensions, r)
		}
	}()
	exec, release, err := compiled.Acquire(b, m, "apply", func() (*graph.Exec, error) {
		return graph.NewExec(b, func(x *graph.Node) *graph.Node {
			y := m.Forward(x)
			if y == nil {
				panic(fmt.Errorf("model returned no output"))
			}
			return y
		})
	})
	if err != nil {
		return nil, err
	}
	defer release()
	return exec.Exec1(img)
}
