package filters

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// The convolution block: a "same"-size 2-D cross-correlation with padding,
//
//	y[i,j] = Σ_{u,v} K[u,v] · xpad[i+u, j+v]   (torch's conv2d, no kernel flip),
//
// applied to the last two axes of a tensor. It is written so that its value
// and its gradients of every order are exact on every GoMLX backend:
//
//   - a kernel is used through its separable terms Σ_r col_r ⊗ row_r, and each
//     1-D correlation is a product of image windows with a small banded
//     (Toeplitz) matrix: one DotGeneral per axis, fast on XLA and on pure Go
//     (where kernels of up to 11 taps are sums of shifted copies instead);
//   - the operation is linear, so its gradient is its adjoint (padding folded
//     back, kernel flipped), built from the same forward pieces and attached
//     as a custom gradient. The pure-Go backend lacks the Pad and Reverse ops
//     that GoMLX's own gradients of Slice and ConvGeneral need; this way none
//     are needed, and second-order products (Fisher matrices) work too.

// linear returns fwd(x) with gradient v ↦ adj(v), itself differentiable with
// gradient fwd. fwd must keep x's shape.
func linear(x *Node, fwd, adj func(*Node) *Node) *Node {
	value := StopGradient(fwd(x))
	withGrad := IdentityWithCustomGradient(x, func(_, v *Node) *Node { return linear(v, adj, fwd) })
	return Add(value, Sub(withGrad, StopGradient(x)))
}

// blockSize is the number of outputs each Toeplitz block computes.
func blockSize(k, n int) int {
	bs := (k + 7) / 8 * 8
	bs = max(bs, 8)
	return min(bs, n)
}

// correlateLast computes the valid correlation of the last axis of xp (length
// n+len(g)−1) with g, giving length n.
func correlateLast(xp *Node, g []float64, n int) *Node {
	k := len(g)
	if k == 1 {
		return MulScalar(xp, g[0])
	}
	if k <= shiftedSumTaps && pureGo(xp) {
		return shiftedSum(xp, g, n)
	}
	bs := blockSize(k, n)
	nb := (n + bs - 1) / bs
	win := bs + k - 1
	pieces := (win + bs - 1) / bs
	need := (nb + pieces - 1) * bs
	have := n + k - 1
	if need > have {
		xp = Concatenate([]*Node{xp, zerosLast(xp, need-have)}, -1)
	}
	lead := xp.Shape().Dimensions[:xp.Rank()-1]
	blocked := func(x *Node) *Node { return Reshape(x, append(append([]int{}, lead...), nb, bs)...) }
	parts := make([]*Node, pieces)
	for j := range parts {
		parts[j] = blocked(sliceLast(xp, j*bs, j*bs+nb*bs))
	}
	windows := concatNonEmpty(parts)
	if pieces*bs > win {
		windows = sliceLast(windows, 0, win)
	}
	toeplitz := make([][]float64, win)
	for i := range toeplitz {
		toeplitz[i] = make([]float64, bs)
		for j := range bs {
			if u := i - j; u >= 0 && u < k {
				toeplitz[i][j] = g[u]
			}
		}
	}
	t := ConvertDType(Const(xp.Graph(), toeplitz), xp.DType())
	y := DotGeneral(windows, []int{windows.Rank() - 1}, nil, t, []int{0}, nil)
	y = Reshape(y, append(append([]int{}, lead...), nb*bs)...)
	if nb*bs > n {
		y = sliceLast(y, 0, n)
	}
	return y
}

// shiftedSumTaps is the longest kernel that correlateLast computes, on the
// pure-Go backend, as a sum of shifted copies (Σᵤ g[u]·xp[u : u+n]) instead
// of Toeplitz products. Measured on 256×256 images (SSIM's 11 taps, the
// normalized Laplacian pyramid's 5), loss and gradient: 2–4× faster there;
// on XLA the Toeplitz products are several times faster, and compile faster.
const shiftedSumTaps = 11

// pureGo reports whether x's graph runs on GoMLX's pure-Go backend.
func pureGo(x *Node) bool { return x.Graph().Backend().String() == "go" }

// shiftedSum is correlateLast as a sum of shifted copies (zero taps are
// skipped).
func shiftedSum(xp *Node, g []float64, n int) *Node {
	var y *Node
	for u, c := range g {
		if c == 0 {
			continue
		}
		term := MulScalar(sliceLast(xp, u, u+n), c)
		if y == nil {
			y = term
		} else {
			y = Add(y, term)
		}
	}
	if y == nil {
		s := xp.Shape().Clone()
		s.Dimensions[len(s.Dimensions)-1] = n
		return Zeros(xp.Graph(), s)
	}
	return y
}

// same1D pads the last axis for a kernel of len(g) and correlates with g.
func same1D(x *Node, g []float64, m PadMode) *Node {
	n := x.Shape().Dimensions[x.Rank()-1]
	before, after := SamePad(len(g))
	return correlateLast(padLast(x, before, after, m), g, n)
}

// same1DAdjoint is the transpose of same1D.
func same1DAdjoint(y *Node, g []float64, m PadMode) *Node {
	n := y.Shape().Dimensions[y.Rank()-1]
	k := len(g)
	before, after := SamePad(k)
	flipped := reversed(g)
	switch m {
	case Circular, Constant: // the adjoint is the same kind of operation with the split swapped
		return correlateLast(padLast(y, after, before, m), flipped, n)
	}
	full := correlateLast(padLast(y, k-1, k-1, Constant), flipped, n+k-1)
	return padLastAdjoint(full, n, before, after, m)
}

// swapLastTwo exchanges the last two axes.
func swapLastTwo(x *Node) *Node { return Transpose(x, x.Rank()-2, x.Rank()-1) }

// same2D applies kernel k to the last two axes of x (forward, no gradient).
func same2D(x *Node, k Kernel, m PadMode) *Node {
	var out *Node
	xt := swapLastTwo(x) // columns first: the H axis becomes the last one
	for _, t := range k.terms {
		y := swapLastTwo(same1D(xt, t.col, m))
		y = same1D(y, t.row, m)
		if out == nil {
			out = y
		} else {
			out = Add(out, y)
		}
	}
	if out == nil { // an all-zero kernel
		return ZerosLike(x)
	}
	return out
}

// same2DAdjoint is the transpose of same2D.
func same2DAdjoint(y *Node, k Kernel, m PadMode) *Node {
	var out *Node
	for _, t := range k.terms {
		z := same1DAdjoint(y, t.row, m)
		z = swapLastTwo(same1DAdjoint(swapLastTwo(z), t.col, m))
		if out == nil {
			out = z
		} else {
			out = Add(out, z)
		}
	}
	if out == nil {
		return ZerosLike(y)
	}
	return out
}

// perChannel applies op(x[:, c], kernels[c]) to each channel of a [B, C, H, W]
// tensor, or op(x, kernels[0]) to all channels when one kernel is given.
func perChannel(x *Node, kernels []Kernel, op func(*Node, Kernel) *Node) *Node {
	if len(kernels) == 1 {
		return op(x, kernels[0])
	}
	parts := make([]*Node, len(kernels))
	for c, k := range kernels {
		xc := Slice(x, AxisRange(), AxisRange(c, c+1), AxisRange(), AxisRange())
		parts[c] = op(xc, k)
	}
	return Concatenate(parts, 1)
}

// Depthwise applies kernels[c] to channel c of x ([B, C, H, W]) with "same"
// padding in mode m (one kernel applies to every channel), returning
// [B, C, H, W]. Value and gradients are exact on every backend.
// It panics (GoMLX style) on bad shapes; see CheckDepthwise.
func Depthwise(x *Node, kernels []Kernel, m PadMode) *Node {
	if err := CheckDepthwise(x.Shape().Dimensions, x.DType(), kernels, m); err != nil {
		panic(err)
	}
	if chooseFFT(x, kernels, m) {
		return fftDepthwise(x, kernels)
	}
	fwd := func(v *Node) *Node {
		return perChannel(v, kernels, func(v *Node, k Kernel) *Node { return same2D(v, k, m) })
	}
	adj := func(v *Node) *Node {
		return perChannel(v, kernels, func(v *Node, k Kernel) *Node { return same2DAdjoint(v, k, m) })
	}
	return linear(x, fwd, adj)
}

// CheckDepthwise returns an error describing why Depthwise cannot apply
// kernels to an input of the given dimensions, or nil.
func CheckDepthwise(dims []int, dtype dtypes.DType, kernels []Kernel, m PadMode) error {
	if len(dims) != 4 {
		return fmt.Errorf("filters: input must be 4-D [B, C, H, W], got shape %v", dims)
	}
	if !dtype.IsFloat() {
		return fmt.Errorf("filters: input must be a float tensor, got %s", dtype)
	}
	if len(kernels) == 0 {
		return fmt.Errorf("filters: no kernels given")
	}
	if len(kernels) != 1 && len(kernels) != dims[1] {
		return fmt.Errorf("filters: %d kernels for %d channels (give one, or one per channel)", len(kernels), dims[1])
	}
	for _, k := range kernels {
		bh, ah := SamePad(k.H)
		bw, aw := SamePad(k.W)
		if err := checkPad(m, dims[2], bh, ah, "height"); err != nil {
			return err
		}
		if err := checkPad(m, dims[3], bw, aw, "width"); err != nil {
			return err
		}
	}
	return nil
}

// Conv2D is plenoptic's same_padding followed by conv2d: x is [B, Cin, H, W],
// weights[o][i] is the kernel from input channel i (of its group) to output
// channel o, groups splits the channels as torch does (groups must be 1, or
// equal Cin and Cout). The result is [B, Cout, H, W].
func Conv2D(x *Node, weights [][]Kernel, groups int, m PadMode) *Node {
	dims := x.Shape().Dimensions
	if len(dims) != 4 {
		panicf("filters: input must be 4-D [B, C, H, W], got shape %v", dims)
	}
	cin, cout := dims[1], len(weights)
	if cout == 0 {
		panicf("filters: Conv2D needs at least one output channel")
	}
	switch {
	case groups == cin && groups == cout:
		ks := make([]Kernel, cout)
		for o, w := range weights {
			if len(w) != 1 {
				panicf("filters: grouped Conv2D needs one kernel per output channel, got %d for channel %d", len(w), o)
			}
			ks[o] = w[0]
		}
		return Depthwise(x, ks, m)
	case groups != 1:
		panicf("filters: groups=%d is supported only when it equals the input (%d) and output (%d) channels", groups, cin, cout)
	}
	flat := make([]Kernel, 0, cout*cin)
	for o, w := range weights {
		if len(w) != cin {
			panicf("filters: output channel %d has %d kernels for %d input channels", o, len(w), cin)
		}
		flat = append(flat, w...)
	}
	b, h, wd := dims[0], dims[2], dims[3]
	if cin == 1 {
		if cout > 1 && chooseFFT(x, flat, m) {
			if err := CheckDepthwise([]int{b, cout, h, wd}, x.DType(), flat, m); err != nil {
				panic(err)
			}
			return fftBank(x, flat)
		}
		return Depthwise(BroadcastToDims(x, b, cout, h, wd), flat, m)
	}
	x5 := BroadcastToDims(Reshape(x, b, 1, cin, h, wd), b, cout, cin, h, wd)
	y := Depthwise(Reshape(x5, b, cout*cin, h, wd), flat, m)
	return ReduceSum(Reshape(y, b, cout, cin, h, wd), 2)
}

// panicf panics with a formatted error; graph-building code reports misuse
// this way, as GoMLX does, and the eager entry points turn it into an error.
func panicf(format string, args ...any) { panic(fmt.Errorf(format, args...)) }
