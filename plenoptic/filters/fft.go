package filters

import (
	"math"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// The FFT formulation of the convolution block, for circular padding on
// backends with an FFT (XLA). With circular padding the "same" correlation
// of an H×W image is the correlation on the H×W torus, so
//
//	y = IRFFT2( RFFT2(x) · conj(Ĝ) ),  Ĝ = DFT of the kernel placed on the torus
//
// exactly (taps that wrap onto the same torus position add up, as circular
// padding repeats the image). The adjoint multiplies by Ĝ instead. float32
// images are transformed in single precision: on 256×256 images with the
// tutorial's 31×31 kernels its rounding error is no larger than the
// Toeplitz products' (max 2e-7 of the output's maximum against 3e-7 for
// the Gaussian, 2e-7 against 1.5e-6 for the center-surround filter, measured
// against float64). Its cost does not depend on the kernel's size or rank,
// which makes it the faster choice for large kernels (see chooseFFT).

// cyclicSpectrum returns the DFT of the 1-D filter g placed on a cycle of n
// samples for a "same" correlation (tap t at (t − before) mod n), its first
// m coefficients, conjugated or not.
func cyclicSpectrum(g []float64, n, m int, conjugated bool) []complex128 {
	before, _ := SamePad(len(g))
	out := make([]complex128, m)
	for p := range m {
		var re, im float64
		for t, v := range g {
			pos := ((t-before)%n + n) % n
			// The angle's argument reduced mod n first, for accuracy.
			s, c := math.Sincos(-2 * math.Pi * float64(p*pos%n) / float64(n))
			re += v * c
			im += v * s
		}
		if conjugated {
			im = -im
		}
		out[p] = complex(re, im)
	}
	return out
}

// fftSpectra returns the 2-D half spectra of kernels on the h×w torus as a
// [1, len(kernels), h, w/2+1] node, complex64 for float32 images (dt), else
// complex128, conjugated for the forward correlation, as is for its adjoint.
// The spectrum of a separable term col ⊗ row is the outer product of the
// terms' 1-D spectra, so the graph holds only those factors (r·(h + w/2+1)
// values per kernel, r its number of terms) and one small matrix product
// forms the spectra, instead of an h×(w/2+1) constant per kernel (which
// made compiling slow: constants are written out as text).
func fftSpectra(g *Graph, dt dtypes.DType, kernels []Kernel, h, w int, conjugated bool) *Node {
	wf := w/2 + 1
	r := 1
	for _, k := range kernels {
		r = max(r, k.Rank())
	}
	c := len(kernels)
	cols := make([]complex128, c*h*r)  // [c, h, r]
	rows := make([]complex128, c*r*wf) // [c, r, wf]
	for ki, k := range kernels {
		for ti, term := range k.terms {
			cs := cyclicSpectrum(term.col, h, h, conjugated)
			rs := cyclicSpectrum(term.row, w, wf, conjugated)
			for p, v := range cs {
				cols[(ki*h+p)*r+ti] = v
			}
			copy(rows[(ki*r+ti)*wf:], rs)
		}
	}
	ct := dtypes.Complex128
	if dt == dtypes.Float32 {
		ct = dtypes.Complex64
	}
	colN := Const(g, tensors.FromFlatDataAndDimensions(cols, c, h, r))
	rowN := Const(g, tensors.FromFlatDataAndDimensions(rows, c, r, wf))
	spec := DotGeneral(colN, []int{2}, []int{0}, rowN, []int{1}, []int{0}) // [c, h, wf]
	return Reshape(ConvertDType(spec, ct), 1, c, h, wf)
}

// fftFilter multiplies the 2-D spectrum of x ([B, C, H, W]) by spec ([1, C
// or K, H, W/2+1], from fftSpectra for x's dtype); sum adds the products
// over the channel axis (the adjoint of a filter bank). float32 images are
// transformed in complex64, others in complex128; the result has x's dtype.
func fftFilter(x, spec *Node, sum bool) *Node {
	dims := x.Shape().Dimensions
	h, w := dims[2], dims[3]
	dt := x.DType()
	xf := x
	if dt != dtypes.Float32 && dt != dtypes.Float64 {
		xf = ConvertDType(x, dtypes.Float64)
	}
	y := Mul(RealFFT(xf, h, w), spec)
	if sum {
		y = ReduceAndKeep(y, ReduceSum, 1)
	}
	y = InverseRealFFT(y, h, w)
	if y.DType() != dt {
		y = ConvertDType(y, dt)
	}
	return y
}

// fftDepthwise is Depthwise with circular padding by FFT: kernels[c] on
// channel c, or kernels[0] on every channel.
func fftDepthwise(x *Node, kernels []Kernel) *Node {
	dims := x.Shape().Dimensions
	h, w := dims[2], dims[3]
	fwd := fftSpectra(x.Graph(), x.DType(), kernels, h, w, true)
	adj := fftSpectra(x.Graph(), x.DType(), kernels, h, w, false)
	return linear(x,
		func(v *Node) *Node { return fftFilter(v, fwd, false) },
		func(v *Node) *Node { return fftFilter(v, adj, false) })
}

// fftBank applies every kernel to the single channel of x ([B, 1, H, W]),
// giving [B, len(kernels), H, W], with circular padding by FFT; the image's
// transform is computed once for all kernels, and the adjoint sums the
// channels' products before one inverse transform.
func fftBank(x *Node, kernels []Kernel) *Node {
	dims := x.Shape().Dimensions
	b, h, w := dims[0], dims[2], dims[3]
	k := len(kernels)
	fwd := fftSpectra(x.Graph(), x.DType(), kernels, h, w, true)
	adj := fftSpectra(x.Graph(), x.DType(), kernels, h, w, false)
	// linear needs a map that keeps its input's shape: it is applied to x
	// broadcast to the K channels and reads channel 0 only; its adjoint
	// writes channel 0 only, so that the broadcast's gradient (the sum over
	// the channels) is exactly the bank's adjoint.
	return linear(BroadcastToDims(x, b, k, h, w),
		func(v *Node) *Node {
			return fftFilter(Slice(v, AxisRange(), AxisRange(0, 1), AxisRange(), AxisRange()), fwd, false)
		},
		func(v *Node) *Node {
			s := fftFilter(v, adj, true)
			if k == 1 {
				return s
			}
			return Concatenate([]*Node{s, Zeros(v.Graph(), shapes.Make(v.DType(), b, k-1, h, w))}, 1)
		})
}

// formulation is how the convolution block computes a filter.
type formulation int

const (
	autoFormulation formulation = iota
	toeplitzFormulation
	fftFormulation
)

// forceFormulation overrides the automatic choice (tests and benchmarks).
var forceFormulation = autoFormulation

// chooseFFT reports whether Depthwise uses the FFT formulation for kernels
// on x: only with circular padding, on a backend with an FFT, and when the
// kernels are large enough for it to be faster than the Toeplitz products
// (measured on XLA CPU, see the README's speed section): when the Toeplitz
// formulation would cost at least fftMinTaps multiply-adds per pixel for
// some channel (Σ over its separable terms of kh + kw).
func chooseFFT(x *Node, kernels []Kernel, m PadMode) bool {
	if m != Circular || forceFormulation == toeplitzFormulation {
		return false
	}
	if !x.Graph().Backend().Capabilities().Operations[backends.OpTypeFFT] {
		return false
	}
	if forceFormulation == fftFormulation {
		return true
	}
	for _, k := range kernels {
		if k.Rank()*(k.H+k.W) >= fftMinTaps {
			return true
		}
	}
	return false
}

// fftMinTaps is the Toeplitz cost from which the FFT is faster.
const fftMinTaps = 32
