package filters

import (
	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// Conv2DGram applies AᵀA to v, where A is Conv2D(·, weights, groups, m) on
// inputs of v's shape: the Gram operator of the convolution, which is the
// Fisher information matrix of a model that is this convolution alone. It
// does so in one transform pair, v ↦ IRFFT2(RFFT2(v) · Σₒ |Ĝₒ|²), where
// Conv2D itself would use the FFT formulation (circular padding, a backend
// with an FFT, large kernels) and the input has one channel; differentiating
// Conv2D twice, as a generic Fisher product does, costs two pairs. ok is
// false where this formulation does not apply; the caller then
// differentiates. The result is exact (up to rounding) and differentiable.
func Conv2DGram(v *Node, weights [][]Kernel, groups int, m PadMode) (out *Node, ok bool) {
	dims := v.Shape().Dimensions
	if len(dims) != 4 || dims[1] != 1 || groups != 1 || len(weights) == 0 {
		return nil, false
	}
	flat := make([]Kernel, 0, len(weights))
	for _, w := range weights {
		if len(w) != 1 {
			return nil, false
		}
		flat = append(flat, w...)
	}
	// The checks and the choice Conv2D makes for the same bank.
	if !chooseFFT(v, flat, m) || CheckDepthwise([]int{dims[0], len(flat), dims[2], dims[3]}, v.DType(), flat, m) != nil {
		return nil, false
	}
	h, w := dims[2], dims[3]
	spec := fftSpectra(v.Graph(), v.DType(), flat, h, w, true) // [1, K, h, w/2+1]
	re, im := Real(spec), Imag(spec)
	power := ReduceAndKeep(Add(Mul(re, re), Mul(im, im)), ReduceSum, 1) // [1, 1, h, w/2+1]
	power = ConvertDType(power, spec.DType())
	gram := func(x *Node) *Node { return fftFilter(x, power, false) }
	return linear(v, gram, gram), true
}
