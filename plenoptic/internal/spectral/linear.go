// Package spectral holds the building blocks of goplenoptic's Fourier-domain
// models (the steerable pyramid and the Portilla–Simoncelli statistics):
// complex tensors as pairs of real graph nodes, 2-D discrete Fourier
// transforms over the last two axes, and frequency-domain crops and
// embeddings, all with exact gradients on every GoMLX backend.
//
// XLA has complex numbers and an FFT; GoMLX's pure-Go backend has neither.
// Every operation here is written on real/imaginary pairs (type C) and the
// transforms pick their formulation from the graph's backend: XLA's FFT where
// the backend has it, otherwise the DFT as products with precomputed cosine
// and sine matrices (four-step for large sizes). The linear operations carry
// their adjoints as custom gradients (see Linear), so no gradient goes through
// GoMLX's own VJPs of DotGeneral (slow), Slice (needs Pad, missing on pure Go)
// or multi-axis FFT (wrong in GoMLX v0.26 for more than one axis).
package spectral

import (
	"slices"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Linear returns fwd(x), where fwd is a linear map from x's shape to out
// (same dtype), with the gradient v ↦ adj(v): adj must be fwd's adjoint. The
// result is itself differentiable with gradient fwd, so second-order
// gradients work too. fwd and adj build plain forward graphs: nothing in
// them is ever differentiated, so they may use any operation of the backend.
//
// GoMLX attaches custom gradients only to shape-preserving identities; a map
// that changes the size runs in a flat space of the larger size. A growing
// map's input enters it repeated (a broadcast, when the sizes divide) or
// zero-padded (a scatter); a shrinking map writes its output at the start of
// the input's flat space, and a gather takes it out (the gather's gradient,
// a scatter into zeros, hands the adjoint the cotangent there). No slice or
// concatenation is ever differentiated: their gradients need Pad, which the
// pure-Go backend lacks and which has no gradient in GoMLX v0.26; gathers
// and scatters are each other's gradients, to any order.
func Linear(x *graph.Node, out shapes.Shape, fwd, adj func(*graph.Node) *graph.Node) *graph.Node {
	same := sameShape
	in := x.Shape()
	if out.DType != in.DType {
		panic("spectral: Linear needs the same dtype in and out, got " + in.String() + " and " + out.String())
	}
	if slices.Equal(in.Dimensions, out.Dimensions) {
		return same(x, fwd, adj)
	}
	ns, nt := in.Size(), out.Size()
	toIn := func(v *graph.Node) *graph.Node { return graph.Reshape(v, in.Dimensions...) }
	toOut := func(v *graph.Node) *graph.Node { return graph.Reshape(v, out.Dimensions...) }
	flat := graph.Reshape(x, ns)
	if nt >= ns {
		// Growing: the flat space has nt elements. x enters as j copies
		// when nt = j·ns (the sum of a broadcast's gradient), else padded.
		var xs *graph.Node
		if nt%ns == 0 {
			xs = graph.Reshape(graph.BroadcastToDims(graph.Reshape(flat, 1, ns), nt/ns, ns), nt)
		} else {
			xs = padTo(flat, nt)
		}
		f := func(v *graph.Node) *graph.Node { return graph.Reshape(fwd(toIn(head(v, ns))), nt) }
		a := func(v *graph.Node) *graph.Node { return zeroPad(graph.Reshape(adj(toOut(v)), ns), nt) }
		return toOut(same(xs, f, a))
	}
	// Shrinking: the flat space is the input's; fwd fills its first nt
	// elements, which a gather takes out (the gather's gradient, a scatter
	// into zeros, hands the cotangent to the adjoint in those places).
	f := func(v *graph.Node) *graph.Node { return zeroPad(graph.Reshape(fwd(toIn(v)), nt), ns) }
	a := func(v *graph.Node) *graph.Node { return graph.Reshape(adj(toOut(head(v, nt))), ns) }
	y := same(flat, f, a)
	idx := graph.Iota(x.Graph(), shapes.Make(dtypes.Int32, nt, 1), 0)
	return toOut(graph.Gather(y, idx, true))
}

// sameShape is Linear for a map that keeps x's shape.
func sameShape(x *graph.Node, fwd, adj func(*graph.Node) *graph.Node) *graph.Node {
	value := graph.StopGradient(fwd(x))
	withGrad := graph.IdentityWithCustomGradient(x, func(_, v *graph.Node) *graph.Node {
		return sameShape(v, adj, fwd)
	})
	return graph.Add(value, graph.Sub(withGrad, graph.StopGradient(x)))
}

// head returns the first n elements of the 1-D node v.
func head(v *graph.Node, n int) *graph.Node {
	if v.Shape().Dimensions[0] == n {
		return v
	}
	return graph.Slice(v, graph.AxisRange(0, n))
}

// zeroPad zero-pads the 1-D node v to length n (forward graphs only: the
// gradient of a concatenation is a slice, whose own gradient is a Pad).
func zeroPad(v *graph.Node, n int) *graph.Node {
	m := v.Shape().Dimensions[0]
	if m == n {
		return v
	}
	z := graph.Zeros(v.Graph(), shapes.Make(v.DType(), n-m))
	return graph.Concatenate([]*graph.Node{v, z}, 0)
}

// padTo zero-pads the 1-D node v to length n with a scatter, whose gradient
// (a gather) is differentiable to any order on every backend.
func padTo(v *graph.Node, n int) *graph.Node {
	m := v.Shape().Dimensions[0]
	if m == n {
		return v
	}
	g := v.Graph()
	idx := graph.Iota(g, shapes.Make(dtypes.Int32, m, 1), 0)
	return graph.ScatterSum(graph.Zeros(g, shapes.Make(v.DType(), n)), idx, v, true, true)
}
