// Package models holds the image models plenoptic synthesizes for: a model is
// a fixed, differentiable function from images [B, C, H, W] to a
// representation (3-D or 4-D), written as a GoMLX graph function.
package models

import (
	"fmt"
	"reflect"
	"sync"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/backend"
	"github.com/goplenoptic/goplenoptic/plenoptic/tools"
)

// Model is an image model. Forward builds the model's computation on the
// graph; its parameters are Go values baked in as constants, so a model has
// nothing trainable (plenoptic's remove_grad is the natural state).
// Forward may panic on inputs it cannot handle (as GoMLX does); Apply and the
// synthesis methods turn that into an error.
type Model interface {
	Forward(x *Node) *Node
}

// ModelFunc adapts a plain function to the Model interface.
type ModelFunc func(x *Node) *Node

// Forward calls f.
func (f ModelFunc) Forward(x *Node) *Node { return f(x) }

var (
	execMu    sync.Mutex
	execCache = map[execKey]*Exec{}
)

type execKey struct {
	backend backends.Backend
	model   any
}

// Apply evaluates m on img with the default backend (see package backend).
func Apply(m Model, img *tensors.Tensor) (*tensors.Tensor, error) {
	b, err := backend.Default()
	if err != nil {
		return nil, err
	}
	return ApplyOn(b, m, img)
}

// ApplyOn evaluates m on img with backend b. The input is validated first
// (float, 4-D, finite); the compiled model is cached per model and shape when
// the model value is comparable (pointers and plain structs are).
func ApplyOn(b backends.Backend, m Model, img *tensors.Tensor) (out *tensors.Tensor, err error) {
	if m == nil {
		return nil, fmt.Errorf("models: model is nil")
	}
	if err := tools.ValidateInput(img, tools.InputOptions{}); err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	exec, err := execFor(b, m)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("models: %T failed on input of shape %v: %v", m, img.Shape().Dimensions, r)
		}
	}()
	return exec.Exec1(img)
}

func execFor(b backends.Backend, m Model) (*Exec, error) {
	build := func(x *Node) *Node { return m.Forward(x) }
	if !reflect.TypeOf(m).Comparable() {
		return NewExec(b, build)
	}
	execMu.Lock()
	defer execMu.Unlock()
	key := execKey{b, m}
	if e, ok := execCache[key]; ok {
		return e, nil
	}
	e, err := NewExec(b, build)
	if err != nil {
		return nil, err
	}
	execCache[key] = e
	return e, nil
}
