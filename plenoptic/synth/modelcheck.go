package synth

import (
	"fmt"
	"math/rand/v2"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/models"
)

// forward calls model.Forward, turning a nil output into a clear panic
// (recovered at the API boundary).
func forward(model models.Model, x *Node) *Node {
	y := model.Forward(x)
	if y == nil {
		panic(fmt.Errorf("model %T returned no output (Forward returned nil)", model))
	}
	return y
}

// evalOn evaluates model on img with backend be, sharing the compiled
// graph with models.Eval (same cache kind).
func evalOn(be backends.Backend, model models.Model, img *tensors.Tensor) (out *tensors.Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("model %T failed on input of shape %v: %v", model, img.Shape().Dimensions, r)
		}
	}()
	e, release, err := acquireExec(be, model, "apply", func() (*Exec, error) {
		return NewExec(be, func(x *Node) *Node { return forward(model, x) })
	})
	if err != nil {
		return nil, err
	}
	defer release()
	return e.Exec1(img)
}

// checkedRepresentation evaluates a model and validates its output (3-D or
// 4-D, same float dtype, finite).
func checkedRepresentation(be backends.Backend, model models.Model, img hostTensor) (hostTensor, error) {
	rep, err := evalOn(be, model, img.tensor())
	if err != nil {
		return hostTensor{}, err
	}
	if r := rep.Rank(); r != 3 && r != 4 {
		return hostTensor{}, fmt.Errorf("model output must be 3-D or 4-D, but got %d-D shape %v", r, rep.Shape().Dimensions)
	}
	if rep.DType() != img.dtype() {
		return hostTensor{}, fmt.Errorf("model changes precision of the input: %s image gives a %s representation", img.dtype(), rep.DType())
	}
	h, err := newHost(rep)
	if err != nil {
		return hostTensor{}, err
	}
	if i, ok := allFinite(h.Data); !ok {
		return hostTensor{}, fmt.Errorf("model output has a non-finite value %v at flat index %d", h.Data[i], i)
	}
	return h, nil
}

// checkDependsOnInput refuses a model whose output does not depend on its
// input at img (plenoptic's validate_model "strips gradient" check for a
// model that ignores its input): the model's output on img and on img plus a
// fixed random perturbation (±0.05) must differ. It evaluates the model with
// the graph already compiled for it (no gradient graph is compiled here:
// for a large model that is tens of seconds); a model whose output depends
// on its input but whose gradient is zero is refused at the first step of a
// synthesis, or by the first Fisher product of an eigendistortion.
func checkDependsOnInput(be backends.Backend, model models.Model, img hostTensor, rep hostTensor) error {
	r := rand.New(rand.NewPCG(0x5eed, 2))
	moved := hostTensor{DType: img.DType, Dims: img.Dims, Data: make([]float64, len(img.Data))}
	for i, v := range img.Data {
		moved.Data[i] = v + 0.1*(r.Float64()-0.5)
	}
	out, err := evalOn(be, model, moved.tensor())
	if err != nil {
		return err
	}
	vals, err := float64s(out)
	finalize(out)
	if err != nil {
		return err
	}
	for i, v := range vals {
		if v != rep.Data[i] {
			return nil
		}
	}
	return fmt.Errorf("model %T output does not depend on its input (it is the same for the image and a perturbed image): %w", model, ErrDegenerate)
}
