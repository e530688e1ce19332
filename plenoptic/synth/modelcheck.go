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
// input at img (plenoptic's validate_model "strips gradient" check): the
// gradient of a fixed random projection of the output must not vanish.
func checkDependsOnInput(be backends.Backend, model models.Model, img hostTensor) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("model %T is not differentiable with respect to its input: %v", model, r)
		}
	}()
	e, release, err := acquireExec(be, model, "dependency-check", func() (*Exec, error) {
		return NewExec(be, func(x, w *Node) *Node {
			y := forward(model, x)
			return Gradient(ReduceAllSum(Mul(y, Reshape(ConvertDType(w, y.DType()), y.Shape().Dimensions...))), x)[0]
		})
	})
	if err != nil {
		return err
	}
	defer release()
	// The projection has one weight per output element; the output size is
	// the representation's, which the caller computed: evaluate it again
	// cheaply from the cached apply graph.
	rep, err := evalOn(be, model, img.tensor())
	if err != nil {
		return err
	}
	n := rep.Shape().Size()
	finalize(rep)
	r := rand.New(rand.NewPCG(0x5eed, 2))
	w := make([]float64, n)
	for i := range w {
		w[i] = 2*r.Float64() - 1
	}
	g, err := e.Exec1(img.tensor(), makeTensor(w, img.dtype(), []int{n}))
	if err != nil {
		return err
	}
	vals, err := float64s(g)
	finalize(g)
	if err != nil {
		return err
	}
	for _, v := range vals {
		if v != 0 {
			return nil
		}
	}
	return fmt.Errorf("model %T output does not depend on its input (its gradient is zero everywhere at the image): %w", model, ErrDegenerate)
}
