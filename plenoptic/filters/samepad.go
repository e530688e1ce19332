package filters

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/backend"
)

// SamePadding is plenoptic's same_padding(x, (kh, kw), pad_mode=m) with
// stride and dilation 1: it extends the last two axes of x ([B, C, H, W]) by
// k−1 samples each, before = (k−1)/2 and after = the rest (k=31 → 15/15,
// k=4 → 1/2, k=1 → no padding), so that a valid correlation with a kh×kw
// kernel gives back H×W. The result is [B, C, H+kh−1, W+kw−1].
//
// Its value and its gradients of every order are exact on every backend. It
// is one Gather of the padded positions from the input's (the gradient is a
// ScatterSum, which folds each padded sample back onto the one it was copied
// from; the gradient of that is the Gather again), so it needs neither the
// Pad operation, missing on the pure-Go backend, that GoMLX's gradient of
// Slice uses, nor a custom gradient. It panics (GoMLX style) on bad input;
// see CheckSamePadding for the conditions.
func SamePadding(x *Node, kh, kw int, m PadMode) *Node {
	if err := CheckSamePadding(x.Shape().Dimensions, x.DType(), kh, kw, m); err != nil {
		panic(err)
	}
	bh, ah := SamePad(kh)
	bw, aw := SamePad(kw)
	if bh+ah+bw+aw == 0 {
		return x
	}
	dims := x.Shape().Dimensions
	h, w := dims[2], dims[3]
	ph, pw := h+bh+ah, w+bw+aw
	// indices[i][j] = source (row, column) of padded position (i, j); zero
	// (constant mode) positions read (0, 0) and are masked out.
	indices := make([][][]int32, ph)
	var mask [][]float64
	if m == Constant {
		mask = make([][]float64, ph)
	}
	for i := range ph {
		indices[i] = make([][]int32, pw)
		si := padSource(i, h, bh, m)
		if mask != nil {
			mask[i] = make([]float64, pw)
		}
		for j := range pw {
			sj := padSource(j, w, bw, m)
			if si < 0 || sj < 0 {
				indices[i][j] = []int32{0, 0}
				continue
			}
			indices[i][j] = []int32{int32(si), int32(sj)}
			if mask != nil {
				mask[i][j] = 1
			}
		}
	}
	xt := Transpose(Transpose(x, 0, 2), 1, 3)  // [H, W, B, C]
	y := Gather(xt, Const(x.Graph(), indices)) // [H', W', B, C]
	if mask != nil {
		maskNode := Reshape(ConvertDType(Const(x.Graph(), mask), x.DType()), ph, pw, 1, 1)
		y = Mul(y, BroadcastToDims(maskNode, ph, pw, dims[0], dims[1]))
	}
	return Transpose(Transpose(y, 1, 3), 0, 2) // [B, C, H', W']
}

// padSource maps a padded coordinate p (0..n+before+after−1) of an axis of
// length n to the coordinate it copies in mode m, or −1 for a zero, as
// torch's F.pad does.
func padSource(p, n, before int, m PadMode) int {
	i := p - before
	if i >= 0 && i < n {
		return i
	}
	switch m {
	case Circular:
		return ((i % n) + n) % n
	case Reflect:
		if i < 0 {
			return -i
		}
		return 2*(n-1) - i
	case Replicate:
		if i < 0 {
			return 0
		}
		return n - 1
	}
	return -1
}

// CheckSamePadding returns an error describing why SamePadding cannot pad an
// input of the given dimensions and dtype for a kh×kw kernel in mode m, or
// nil. The input must be a 4-D float tensor, the kernel sizes positive and
// the mode known; torch's limits apply: reflect padding must be shorter than
// the axis, circular padding at most as long.
func CheckSamePadding(dims []int, dtype dtypes.DType, kh, kw int, m PadMode) error {
	if len(dims) != 4 {
		return fmt.Errorf("filters: input must be 4-D [B, C, H, W], got shape %v", dims)
	}
	if !dtype.IsFloat() {
		return fmt.Errorf("filters: input must be a float tensor, got %s", dtype)
	}
	if kh <= 0 || kw <= 0 {
		return fmt.Errorf("filters: kernel size must be positive, got %d×%d", kh, kw)
	}
	bh, ah := SamePad(kh)
	bw, aw := SamePad(kw)
	if err := checkPad(m, dims[2], bh, ah, "height"); err != nil {
		return err
	}
	return checkPad(m, dims[3], bw, aw, "width")
}

// EvalSamePadding is the eager SamePadding on the default backend: it
// returns the padded copy of x (float32 or float64, [B, C, H, W]).
func EvalSamePadding(x *tensors.Tensor, kh, kw int, m PadMode) (out *tensors.Tensor, err error) {
	if x == nil {
		return nil, fmt.Errorf("filters: SamePadding of a nil tensor")
	}
	if err := CheckSamePadding(x.Shape().Dimensions, x.DType(), kh, kw, m); err != nil {
		return nil, err
	}
	b, err := backend.Default()
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("filters: SamePadding failed: %v", r)
		}
	}()
	return ExecOnce(b, func(x *Node) *Node { return SamePadding(x, kh, kw, m) }, x)
}
