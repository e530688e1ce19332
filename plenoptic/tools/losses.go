package tools

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// The losses, the range penalty and Rescale come in two forms: graph
// functions (MSE, L2Norm, RelativeMSE, PenalizeRange, Rescale) for use inside
// a synthesis graph, built from elementwise operations and reductions only,
// so their gradients work on every backend; and eager functions on tensors
// (EvalMSE, EvalL2Norm, EvalRelativeMSE, EvalPenalizeRange, EvalRescale)
// computed on the host in float64.

// SumAll sums all elements of x, accumulating float32 values in float64 so
// the result is accurate to float32 rounding on every backend (the pure-Go
// backend adds float32 values in sequence, which loses about 1e-4 relative
// on a 256×256 image); short rows are summed in float32 first (see
// WidenForSum).
func SumAll(x *graph.Node) *graph.Node {
	if x.DType() == dtypes.Float32 {
		return graph.ConvertDType(graph.ReduceAllSum(WidenForSum(x)), dtypes.Float32)
	}
	return graph.ReduceAllSum(x)
}

// shortRow is the longest last axis that WidenForSum sums in float32.
const shortRow = 512

// WidenForSum returns a float32 x ready for a float64 sum of its elements:
// x in float64, with its last axis first summed in float32 when that axis
// is short (at most 512 values, whose float32 sum is within about 1e-7·√n
// relative). XLA CPU writes the float64 copy of a tensor out in full
// before reducing it (it does not fuse the conversion into its tree
// reduction); summing the rows first makes that copy a row's length
// smaller, which takes 10% off a LuminanceGainControl metamer step on
// 3×256×256 images. Other dtypes are returned as they are.
func WidenForSum(x *graph.Node) *graph.Node {
	if x.DType() != dtypes.Float32 {
		return x
	}
	if x.Rank() >= 2 && x.Shape().Dim(-1) <= shortRow {
		x = graph.ReduceSum(x, -1)
	}
	return graph.ConvertDType(x, dtypes.Float64)
}

// MSE is plenoptic's mse: the mean of (a − b)² over all elements (all batch
// items jointly), as a scalar. a and b must have the same shape.
func MSE(a, b *graph.Node) *graph.Node {
	d := graph.Sub(a, b)
	return graph.DivScalar(SumAll(graph.Square(d)), float64(d.Shape().Size()))
}

// L2Norm is plenoptic's l2_norm: ‖a − b‖₂ over all elements, as a scalar.
// Where a = b its gradient is 0 (as torch's norm), not NaN.
func L2Norm(a, b *graph.Node) *graph.Node {
	s := SumAll(graph.Square(graph.Sub(a, b)))
	zero := graph.Equal(s, graph.ZerosLike(s))
	root := graph.Sqrt(graph.Where(zero, graph.OnesLike(s), s))
	return graph.Where(zero, graph.ZerosLike(s), root)
}

// RelativeMSE is plenoptic's relative_MSE(synth, ref): ‖ref − synth‖² / ‖ref‖²,
// as a scalar.
func RelativeMSE(synth, ref *graph.Node) *graph.Node {
	return graph.Div(SumAll(graph.Square(graph.Sub(ref, synth))), SumAll(graph.Square(ref)))
}

// PenalizeRange is plenoptic's penalize_range(x, (lo, hi)): the sum over all
// elements of the squared distance outside [lo, hi] (min(x−lo, 0)² +
// max(x−hi, 0)²), as a scalar. It is zero inside the range; its gradient is
// 2(x−lo) below the range and 2(x−hi) above it.
func PenalizeRange(x *graph.Node, lo, hi float64) *graph.Node {
	g, dt := x.Graph(), x.DType()
	return PenalizeRangeNodes(x, graph.Scalar(g, dt, lo), graph.Scalar(g, dt, hi))
}

// PenalizeRangeNodes is PenalizeRange with the range ends given as scalar
// nodes (so a compiled graph can take them as inputs).
func PenalizeRangeNodes(x, lo, hi *graph.Node) *graph.Node {
	zero := graph.ScalarZero(x.Graph(), x.DType())
	below := graph.Min(graph.Sub(x, lo), zero)
	above := graph.Max(graph.Sub(x, hi), zero)
	return SumAll(graph.Add(graph.Square(below), graph.Square(above)))
}

// Rescale is plenoptic's rescale(x, a, b): a + (x − min)/(max − min)·(b − a)
// with the minimum and maximum over the whole tensor (all batches and
// channels); a constant tensor becomes the constant a.
func Rescale(x *graph.Node, a, b float64) *graph.Node {
	lo, hi := graph.ReduceAllMin(x), graph.ReduceAllMax(x)
	span := graph.Sub(hi, lo)
	zero := graph.Equal(span, graph.ZerosLike(span))
	safe := graph.Where(zero, graph.OnesLike(span), span) // avoid 0/0 where the result is a anyway
	scaled := graph.Div(graph.Sub(x, lo), safe)
	scaled = graph.Where(graph.BroadcastToShape(zero, x.Shape()), graph.ZerosLike(x), scaled)
	return graph.AddScalar(graph.MulScalar(scaled, b-a), a)
}

// EvalRescale is the eager Rescale: it returns a new tensor of the same
// shape and dtype (float32 or float64), computed in float64.
func EvalRescale(x *tensors.Tensor, a, b float64) (*tensors.Tensor, error) {
	if x == nil {
		return nil, fmt.Errorf("tools: rescale of a nil tensor")
	}
	vals, err := Float64s(x)
	if err != nil {
		return nil, fmt.Errorf("tools: rescale: %w", err)
	}
	return fromFloat64s(rescaleSlice(vals, a, b), x)
}

func rescaleSlice(vals []float64, a, b float64) []float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		lo, hi = min(lo, v), max(hi, v)
	}
	out := make([]float64, len(vals))
	for i, v := range vals {
		if hi == lo {
			out[i] = a
		} else {
			out[i] = a + (v-lo)/(hi-lo)*(b-a)
		}
	}
	return out
}

// fromFloat64s builds a tensor shaped and typed like like from float64 values.
func fromFloat64s(vals []float64, like *tensors.Tensor) (*tensors.Tensor, error) {
	dims := like.Shape().Dimensions
	switch like.DType() {
	case dtypes.Float32:
		f := make([]float32, len(vals))
		for i, v := range vals {
			f[i] = float32(v)
		}
		return tensors.FromFlatDataAndDimensions(f, dims...), nil
	case dtypes.Float64:
		return tensors.FromFlatDataAndDimensions(vals, dims...), nil
	}
	return nil, fmt.Errorf("tools: expected a float32 or float64 tensor, got %s", like.DType())
}

// pair reads two tensors of the same shape as float64s.
func pair(name string, a, b *tensors.Tensor) ([]float64, []float64, error) {
	if a == nil || b == nil {
		return nil, nil, fmt.Errorf("tools: %s of a nil tensor", name)
	}
	if !a.Shape().Equal(b.Shape()) {
		return nil, nil, fmt.Errorf("tools: %s needs tensors of the same shape, got %v and %v: %w", name, a.Shape().Dimensions, b.Shape().Dimensions, ErrShape)
	}
	av, err := Float64s(a)
	if err != nil {
		return nil, nil, fmt.Errorf("tools: %s: %w", name, err)
	}
	bv, err := Float64s(b)
	if err != nil {
		return nil, nil, fmt.Errorf("tools: %s: %w", name, err)
	}
	return av, bv, nil
}

// EvalMSE is the eager MSE of two tensors of the same shape.
func EvalMSE(a, b *tensors.Tensor) (float64, error) {
	av, bv, err := pair("MSE", a, b)
	if err != nil {
		return 0, err
	}
	if len(av) == 0 {
		return math.NaN(), nil
	}
	s := 0.0
	for i := range av {
		d := av[i] - bv[i]
		s += d * d
	}
	return s / float64(len(av)), nil
}

// EvalL2Norm is the eager L2Norm: ‖a − b‖₂ of two tensors of the same shape.
func EvalL2Norm(a, b *tensors.Tensor) (float64, error) {
	av, bv, err := pair("L2 norm", a, b)
	if err != nil {
		return 0, err
	}
	s := 0.0
	for i := range av {
		d := av[i] - bv[i]
		s += d * d
	}
	return math.Sqrt(s), nil
}

// EvalRelativeMSE is the eager RelativeMSE: ‖ref − synth‖² / ‖ref‖².
func EvalRelativeMSE(synth, ref *tensors.Tensor) (float64, error) {
	sv, rv, err := pair("relative MSE", synth, ref)
	if err != nil {
		return 0, err
	}
	num, den := 0.0, 0.0
	for i := range sv {
		d := rv[i] - sv[i]
		num += d * d
		den += rv[i] * rv[i]
	}
	return num / den, nil
}

// EvalPenalizeRange is the eager PenalizeRange of x for the range [lo, hi].
func EvalPenalizeRange(x *tensors.Tensor, lo, hi float64) (float64, error) {
	if x == nil {
		return 0, fmt.Errorf("tools: range penalty of a nil tensor")
	}
	vals, err := Float64s(x)
	if err != nil {
		return 0, fmt.Errorf("tools: range penalty: %w", err)
	}
	s := 0.0
	for _, v := range vals {
		if v < lo {
			s += (v - lo) * (v - lo)
		} else if v > hi {
			s += (v - hi) * (v - hi)
		}
	}
	return s, nil
}
