package tools

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/backend"
)

// Forwarder is what ValidateModel checks: anything with a graph Forward
// function from an image [B, C, H, W] to a representation. Every
// models.Model is a Forwarder.
type Forwarder interface {
	Forward(x *graph.Node) *graph.Node
}

// ValidateModelOptions configures ValidateModel.
type ValidateModelOptions struct {
	// Shape is the input's dimensions [B, C, H, W] (default [1, 1, 16, 16],
	// plenoptic's default image_shape).
	Shape []int
	// DType is the input's dtype, float32 (default) or float64.
	DType dtypes.DType
}

// ValidateModel checks, on the default backend, that m can be used by the
// synthesis methods, as plenoptic's validate_model does. The input is uniform
// noise from a fixed private generator (the package's random streams are not
// touched). It returns an error saying what is wrong when:
//
//   - Forward panics (on the input shape, or building its gradient);
//   - the graph has parameters besides the input (a model carrying trainable
//     variables; goplenoptic models bake their parameters in as constants);
//   - the output is not 3-D or 4-D;
//   - the output changes precision (a float32 input must give float32, or
//     complex64, and likewise for float64);
//   - the model cannot be compiled or run on b (for example an operation, or
//     the gradient of one, that the pure-Go backend lacks);
//   - the output or its gradient is not finite;
//   - the output does not depend on the input (its gradient is zero
//     everywhere: plenoptic's "model strips gradient");
//   - two runs on the same input differ (the model is not deterministic).
func ValidateModel(m Forwarder, o ValidateModelOptions) (err error) {
	if m == nil {
		return fmt.Errorf("tools: model is nil")
	}
	b, err := backend.Default()
	if err != nil {
		return err
	}
	shape, dtype := o.Shape, o.DType
	if dtype == dtypes.InvalidDType {
		dtype = dtypes.Float32
	}
	if len(shape) == 0 {
		shape = []int{1, 1, 16, 16}
	}
	if len(shape) != 4 {
		return fmt.Errorf("tools: model input shape must be 4-D [batch, channel, height, width], got %v", shape)
	}
	n := 1
	for _, d := range shape {
		if d <= 0 {
			return fmt.Errorf("tools: model input shape must have positive dimensions, got %v", shape)
		}
		n *= d
	}
	if dtype != dtypes.Float32 && dtype != dtypes.Float64 {
		return fmt.Errorf("tools: model input dtype must be float32 or float64, got %s", dtype)
	}

	r := rand.New(rand.NewPCG(0x5eed, 1))
	input := make([]float64, n)
	for i := range input {
		input[i] = r.Float64()
	}
	inputTensor := func() *tensors.Tensor {
		if dtype == dtypes.Float64 {
			return tensors.FromFlatDataAndDimensions(input, shape...)
		}
		f := make([]float32, n)
		for i, v := range input {
			f[i] = float32(v)
		}
		return tensors.FromFlatDataAndDimensions(f, shape...)
	}

	g := graph.NewGraph(b, "ValidateModel")
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("tools: model %T failed: %v", m, r)
		}
		g.Finalize()
	}()

	// Build.
	x := graph.Parameter(g, "image", shapes.Make(dtype, shape...))
	y, perr := forwardCatching(m, x)
	if perr != nil {
		return fmt.Errorf("tools: model %T failed on an input of shape %v: %v", m, shape, perr)
	}
	if y == nil {
		return fmt.Errorf("tools: model %T returned no output", m)
	}
	if np := g.NumParameters(); np != 1 {
		return fmt.Errorf("tools: model %T adds %d parameter(s) to the graph besides the input image; "+
			"a model must not carry trainable variables (bake its parameters in as constants)", m, np-1)
	}
	if y.Rank() != 3 && y.Rank() != 4 {
		return fmt.Errorf("tools: model %T output must be 3-D or 4-D, got %d-D shape %v", m, y.Rank(), y.Shape().Dimensions)
	}
	if want := complexOf(dtype); y.DType() != dtype && y.DType() != want {
		return fmt.Errorf("tools: model %T changes precision: input %s, output %s (want %s or %s)", m, dtype, y.DType(), dtype, want)
	}
	yReal := y
	if y.DType().IsComplex() {
		yReal = graph.Real(y)
	}
	weights := make([]float64, y.Shape().Size())
	for i := range weights {
		weights[i] = 2*r.Float64() - 1
	}
	wNode := graph.ConvertDType(graph.Const(g, tensors.FromFlatDataAndDimensions(weights, y.Shape().Dimensions...)), yReal.DType())
	var grad *graph.Node
	if gerr := catchPanic(func() { grad = graph.Gradient(graph.ReduceAllSum(graph.Mul(yReal, wNode)), x)[0] }); gerr != nil {
		return fmt.Errorf("tools: model %T output is not differentiable with respect to its input: %v", m, gerr)
	}

	// Compile and run twice.
	var out1, out2 []*tensors.Tensor
	if cerr := catchPanic(func() { g.Compile(yReal, grad) }); cerr != nil {
		return fmt.Errorf("tools: model %T (with its gradient) does not compile on backend %s: %v", m, b.Name(), cerr)
	}
	if rerr := catchPanic(func() {
		out1 = g.Run(inputTensor())
		out2 = g.Run(inputTensor())
	}); rerr != nil {
		return fmt.Errorf("tools: model %T (with its gradient) failed to run on backend %s: %v", m, b.Name(), rerr)
	}
	y1, err := Float64s(out1[0])
	if err != nil {
		return fmt.Errorf("tools: model %T output: %w", m, err)
	}
	g1, err := Float64s(out1[1])
	if err != nil {
		return fmt.Errorf("tools: model %T gradient: %w", m, err)
	}
	y2, _ := Float64s(out2[0])
	for i, v := range y1 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("tools: model %T output has a non-finite value %v at flat index %d", m, v, i)
		}
	}
	for i, v := range y1 {
		if y2[i] != v {
			return fmt.Errorf("tools: model %T is not deterministic: two runs on the same input differ at flat index %d (%v and %v)", m, i, v, y2[i])
		}
	}
	nonzero := false
	for i, v := range g1 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("tools: model %T gradient has a non-finite value %v at flat index %d", m, v, i)
		}
		if v != 0 {
			nonzero = true
		}
	}
	if !nonzero {
		return fmt.Errorf("tools: model %T strips the gradient: its output does not depend on the input (the gradient is zero everywhere)", m)
	}
	return nil
}

func complexOf(dt dtypes.DType) dtypes.DType {
	if dt == dtypes.Float64 {
		return dtypes.Complex128
	}
	return dtypes.Complex64
}

func forwardCatching(m Forwarder, x *graph.Node) (y *graph.Node, err error) {
	err = catchPanic(func() { y = m.Forward(x) })
	return y, err
}

// catchPanic runs f and returns a panic as an error.
func catchPanic(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = e
			} else {
				err = fmt.Errorf("%v", r)
			}
		}
	}()
	f()
	return nil
}
