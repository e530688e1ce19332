package spectral

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Crop keeps the h×w lowest frequencies of a spectrum in natural order over
// the last two axes: along an axis of length N it keeps the frequencies
// −⌊n/2⌋ … ⌈n/2⌉−1, i.e. indices [0, ⌈n/2⌉) and [N−⌊n/2⌋, N). This is the
// centred crop plenoptic's pyramid takes of its fftshift-ed spectra.
func Crop(c C, h, w int) C {
	dims := c.Re.Shape().Dimensions
	r := len(dims)
	if h > dims[r-2] || w > dims[r-1] || h < 1 || w < 1 {
		panic(fmt.Errorf("spectral: cannot crop %v to %d×%d", dims, h, w))
	}
	if h == dims[r-2] && w == dims[r-1] {
		return c
	}
	fwd := func(x *graph.Node) *graph.Node { return cropAxis(cropAxis(x, r-2, h), r-1, w) }
	H, W := dims[r-2], dims[r-1]
	adj := func(x *graph.Node) *graph.Node { return embedAxis(embedAxis(x, r-2, H), r-1, W) }
	return applyLinear(c, h, w, fwd, adj)
}

// Embed is Crop's adjoint: it places an h×w spectrum (natural order) in an
// H×W one, zero elsewhere.
func Embed(c C, H, W int) C {
	dims := c.Re.Shape().Dimensions
	r := len(dims)
	h, w := dims[r-2], dims[r-1]
	if H < h || W < w {
		panic(fmt.Errorf("spectral: cannot embed %v in %d×%d", dims, H, W))
	}
	if h == H && w == W {
		return c
	}
	fwd := func(x *graph.Node) *graph.Node { return embedAxis(embedAxis(x, r-2, H), r-1, W) }
	adj := func(x *graph.Node) *graph.Node { return cropAxis(cropAxis(x, r-2, h), r-1, w) }
	return applyLinear(c, H, W, fwd, adj)
}

// applyLinear applies the real-linear fwd (adjoint adj) to both parts of c:
// with GoMLX's own gradients on XLA (that of Slice is a Pad), with a custom
// gradient on pure Go (no Pad there). The result's last two dimensions are
// h×w.
func applyLinear(c C, h, w int, fwd, adj func(*graph.Node) *graph.Node) C {
	if HasComplex(c.Re.Graph()) {
		return Map(c, fwd)
	}
	return Map(c, func(x *graph.Node) *graph.Node {
		dims := append([]int(nil), x.Shape().Dimensions...)
		dims[len(dims)-2], dims[len(dims)-1] = h, w
		return Linear(x, shapes.Make(x.DType(), dims...), fwd, adj)
	})
}

func cropAxis(x *graph.Node, axis, n int) *graph.Node {
	N := x.Shape().Dim(axis)
	if n == N {
		return x
	}
	lo := (n + 1) / 2
	hi := n / 2
	first := graph.SliceAxis(x, axis, graph.AxisRange(0, lo))
	if hi == 0 {
		return first
	}
	last := graph.SliceAxis(x, axis, graph.AxisRange(N-hi, N))
	return graph.Concatenate([]*graph.Node{first, last}, axis)
}

func embedAxis(x *graph.Node, axis, N int) *graph.Node {
	n := x.Shape().Dim(axis)
	if n == N {
		return x
	}
	lo := (n + 1) / 2
	zdims := append([]int(nil), x.Shape().Dimensions...)
	zdims[axis] = N - n
	z := graph.Zeros(x.Graph(), shapes.Make(x.DType(), zdims...))
	parts := []*graph.Node{graph.SliceAxis(x, axis, graph.AxisRange(0, lo)), z}
	if lo < n {
		parts = append(parts, graph.SliceAxis(x, axis, graph.AxisRange(lo, n)))
	}
	return graph.Concatenate(parts, axis)
}

// SliceAxis returns x[..., start:end, ...] along axis, differentiable to any
// order on every backend (its adjoint, a zero-fill, is a custom gradient).
func SliceAxis(x *graph.Node, axis, start, end int) *graph.Node {
	if axis < 0 {
		axis += x.Rank()
	}
	n := x.Shape().Dim(axis)
	if start == 0 && end == n {
		return x
	}
	dims := append([]int(nil), x.Shape().Dimensions...)
	dims[axis] = end - start
	fwd := func(v *graph.Node) *graph.Node { return graph.SliceAxis(v, axis, graph.AxisRange(start, end)) }
	adj := func(v *graph.Node) *graph.Node {
		parts := []*graph.Node{}
		zeros := func(k int) *graph.Node {
			zd := append([]int(nil), dims...)
			zd[axis] = k
			return graph.Zeros(v.Graph(), shapes.Make(v.DType(), zd...))
		}
		if start > 0 {
			parts = append(parts, zeros(start))
		}
		parts = append(parts, v)
		if end < n {
			parts = append(parts, zeros(n-end))
		}
		return graph.Concatenate(parts, axis)
	}
	return Linear(x, shapes.Make(x.DType(), dims...), fwd, adj)
}
