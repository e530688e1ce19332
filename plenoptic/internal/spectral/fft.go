package spectral

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

// Norm is the normalization of a transform pair, as torch.fft's norm.
type Norm int

const (
	// Backward leaves the forward transform unscaled and divides the inverse
	// by the number of elements (torch's "backward", the default).
	Backward Norm = iota
	// Ortho scales both directions by 1/sqrt(number of elements).
	Ortho
)

// FFT2 is the 2-D discrete Fourier transform over the last two axes,
// X[k] = Σₙ x[n]·exp(−2πi k·n/N), in natural (unshifted) order, as
// torch.fft.fft2 with the given normalization.
func FFT2(c C, norm Norm) C { return transform2(c, -1, norm) }

// IFFT2 is the inverse of FFT2 (torch.fft.ifft2).
func IFFT2(c C, norm Norm) C { return transform2(c, +1, norm) }

func transform2(c C, sign float64, norm Norm) C {
	x := c.Re
	if x.Rank() < 2 {
		panic(fmt.Errorf("spectral: a 2-D transform needs at least 2 axes, got shape %v", x.Shape().Dimensions))
	}
	if c.Im != nil && !c.Im.Shape().Equal(x.Shape()) {
		panic(fmt.Errorf("spectral: real and imaginary parts differ in shape: %s and %s", x.Shape(), c.Im.Shape()))
	}
	h, w := x.Shape().Dim(-2), x.Shape().Dim(-1)
	n := float64(h * w)
	scale := 1.0
	switch {
	case norm == Ortho:
		scale = 1 / math.Sqrt(n)
	case sign > 0:
		scale = 1 / n
	}
	if HasComplex(x.Graph()) {
		// XLA: the transform of the complex value, with its adjoint as a
		// custom gradient (GoMLX v0.26's gradient of a multi-axis FFT is
		// wrong: it inverts the last axis only).
		op := func(s float64) func(*graph.Node) *graph.Node {
			return func(v *graph.Node) *graph.Node {
				if s < 0 {
					return scaleComplex(chunked(v, func(c *graph.Node) *graph.Node { return graph.FFT(c, h, w) }), scale)
				}
				return scaleComplex(chunked(v, func(c *graph.Node) *graph.Node { return graph.InverseFFT(c, h, w) }), scale*n)
			}
		}
		z := c.Complex()
		return FromComplex(complexLinear(z, op(sign), op(-sign)))
	}
	// Pure Go: the parts stacked on a new leading axis, so that one custom
	// gradient covers the whole complex map; inside, matrix products.
	p := stack(x, c.ImOrZero())
	op := func(s float64) func(*graph.Node) *graph.Node {
		return func(v *graph.Node) *graph.Node {
			re, im := unstack(v)
			re, im = dft2Matmul(re, im, s)
			if scale != 1 {
				re, im = graph.MulScalar(re, scale), graph.MulScalar(im, scale)
			}
			return graph.Stack([]*graph.Node{re, im}, 0)
		}
	}
	y := Linear(p, p.Shape(), op(sign), op(-sign))
	return C{Re: pick(y, 0), Im: pick(y, 1)}
}

// fftChunkBytes is the most data one XLA FFT is given (an image larger than
// that is transformed alone). XLA's CPU FFT
// (DUCC) transforms a batch axis by axis, each pass over the whole batch:
// once the batch outgrows the core's cache, every pass goes to memory.
// Measured on this project's 2-core machine, a 256×256 complex64 pair
// FFT+IFFT costs 1.0–1.2 ms alone and 5.7–6.5 ms for a batch of four, but
// 4.5–5.1 ms as four separate transforms; batches of four 128×128 images
// (512 KiB) are as fast batched as split.
const fftChunkBytes = 512 << 10

// chunked applies the 2-D transform fft (over the last two axes) to v in
// groups of images of at most fftChunkBytes each (or one image, if larger),
// concatenated back: the same values, computed in cache-sized pieces. The
// graph holds one FFT per group, so a batch of n large images adds n FFTs.
func chunked(v *graph.Node, fft func(*graph.Node) *graph.Node) *graph.Node {
	dims := v.Shape().Dimensions
	r := len(dims)
	h, w := dims[r-2], dims[r-1]
	if h*w == 0 {
		return fft(v)
	}
	images := v.Shape().Size() / (h * w)
	per := max(1, fftChunkBytes/(h*w*v.DType().Size()))
	if images <= per {
		return fft(v)
	}
	flat := graph.Reshape(v, images, h, w)
	var parts []*graph.Node
	for i := 0; i < images; i += per {
		parts = append(parts, fft(graph.Slice(flat, graph.AxisRange(i, min(i+per, images)))))
	}
	return graph.Reshape(graph.Concatenate(parts, 0), dims...)
}

// complexLinear is the shape-preserving Linear on a complex node. Its
// gradient is first-order only: GoMLX v0.26's gradient of Real and Imag
// cannot itself be differentiated.
func complexLinear(z *graph.Node, fwd, adj func(*graph.Node) *graph.Node) *graph.Node {
	value := graph.StopGradient(fwd(z))
	withGrad := graph.IdentityWithCustomGradient(z, func(_, v *graph.Node) *graph.Node { return adj(v) })
	return graph.Add(value, graph.Sub(withGrad, graph.StopGradient(z)))
}

// scaleComplex multiplies a complex node by a real number.
func scaleComplex(z *graph.Node, s float64) *graph.Node {
	if s == 1 {
		return z
	}
	return graph.Mul(z, graph.ConvertDType(graph.Scalar(z.Graph(), realOf(z.DType()), s), z.DType()))
}

func realOf(dt dtypes.DType) dtypes.DType {
	if dt == dtypes.Complex128 {
		return dtypes.Float64
	}
	return dtypes.Float32
}

// stack returns [re, im] on a new leading axis as a masked sum (differentiable
// to any order on every backend, unlike a concatenation).
func stack(re, im *graph.Node) *graph.Node {
	dims := make([]int, re.Rank()+1)
	for j := range dims {
		dims[j] = 1
	}
	dims[0] = 2
	g, dt := re.Graph(), re.DType()
	e0 := Const(g, dt, []float64{1, 0}, dims...)
	e1 := Const(g, dt, []float64{0, 1}, dims...)
	return graph.Add(graph.Mul(graph.InsertAxes(re, 0), e0), graph.Mul(graph.InsertAxes(im, 0), e1))
}

// unstack splits v [2, ...] into its two parts (forward only: no gradient).
func unstack(v *graph.Node) (*graph.Node, *graph.Node) {
	dims := v.Shape().Dimensions[1:]
	part := func(i int) *graph.Node {
		return graph.Reshape(graph.Slice(v, graph.AxisRange(i, i+1)), dims...)
	}
	return part(0), part(1)
}

// pick returns part i of y [2, ...] as a masked sum: its gradient works on
// every backend and is itself differentiable (GoMLX's gradient of Slice is a
// Pad, which the pure-Go backend lacks and which has no gradient of its own).
func pick(y *graph.Node, i int) *graph.Node {
	m := []float64{1, 0}
	if i == 1 {
		m = []float64{0, 1}
	}
	dims := make([]int, y.Rank())
	for j := range dims {
		dims[j] = 1
	}
	dims[0] = 2
	mask := Const(y.Graph(), y.DType(), m, dims...)
	return graph.ReduceSum(graph.Mul(y, mask), 0)
}

// dft2Matmul is the unscaled 2-D DFT with exp(sign·2πi k·n/N) over the last
// two axes as matrix products (no gradient is ever taken through it).
func dft2Matmul(re, im *graph.Node, sign float64) (*graph.Node, *graph.Node) {
	r := re.Rank()
	re, im = dftLast(re, im, sign)
	re, im = graph.Transpose(re, r-2, r-1), graph.Transpose(im, r-2, r-1)
	re, im = dftLast(re, im, sign)
	return graph.Transpose(re, r-2, r-1), graph.Transpose(im, r-2, r-1)
}

// dftLast is the unscaled 1-D DFT along the last axis. Lengths that split
// as n = n1·n2 with n1, n2 ≥ 8 use the four-step factorization (two short
// DFTs and a twiddle), the others one n×n product.
func dftLast(re, im *graph.Node, sign float64) (*graph.Node, *graph.Node) {
	n := re.Shape().Dim(-1)
	if n1 := splitLength(n); n1 > 0 {
		return fourStep(re, im, n1, n/n1, sign)
	}
	c, s := dftMatrix(re.Graph(), re.DType(), n, n, sign, func(j, k int) float64 { return float64((j*k)%n) / float64(n) })
	return cmatmul(re, im, c, s, re.Rank()-1)
}

// splitLength returns a factor n1 of n near sqrt(n) with n1, n/n1 ≥ 8, or 0.
func splitLength(n int) int {
	best := 0
	for n1 := 8; n1*8 <= n; n1++ {
		if n%n1 == 0 && n1*n1 <= n {
			best = n1
		}
	}
	return best
}

// fourStep computes the length-n DFT along the last axis with n = n1·n2:
// index n = n2·a + b (a < n1, b < n2), output k = k1 + n1·k2.
func fourStep(re, im *graph.Node, n1, n2 int, sign float64) (*graph.Node, *graph.Node) {
	g, dt := re.Graph(), re.DType()
	n := n1 * n2
	lead := re.Shape().Dimensions[:re.Rank()-1]
	shape := func(d ...int) []int { return append(append([]int{}, lead...), d...) }
	re, im = graph.Reshape(re, shape(n1, n2)...), graph.Reshape(im, shape(n1, n2)...)
	r := re.Rank()
	// DFT over a (axis r-2): output [..., b, k1].
	c1, s1 := dftMatrix(g, dt, n1, n1, sign, func(a, k int) float64 { return float64((a*k)%n1) / float64(n1) })
	re, im = cmatmul(re, im, c1, s1, r-2)
	// Twiddle exp(sign·2πi b·k1/n) on [b, k1].
	tc, ts := dftMatrix(g, dt, n2, n1, sign, func(b, k int) float64 { return float64((b*k)%n) / float64(n) })
	tc, ts = graph.ExpandLeftToRank(tc, r), graph.ExpandLeftToRank(ts, r)
	re, im = graph.Sub(graph.Mul(re, tc), graph.Mul(im, ts)), graph.Add(graph.Mul(re, ts), graph.Mul(im, tc))
	// DFT over b (axis r-2): output [..., k1, k2].
	c2, s2 := dftMatrix(g, dt, n2, n2, sign, func(b, k int) float64 { return float64((b*k)%n2) / float64(n2) })
	re, im = cmatmul(re, im, c2, s2, r-2)
	// k = k1 + n1·k2: k2 major.
	re, im = graph.Transpose(re, r-2, r-1), graph.Transpose(im, r-2, r-1)
	return graph.Reshape(re, shape(n)...), graph.Reshape(im, shape(n)...)
}

// dftMatrix returns cos and sign·sin of 2π·frac(j, k) as [rows, cols] constants.
func dftMatrix(g *graph.Graph, dt dtypes.DType, rows, cols int, sign float64, frac func(j, k int) float64) (*graph.Node, *graph.Node) {
	c := make([]float64, rows*cols)
	s := make([]float64, rows*cols)
	for j := range rows {
		for k := range cols {
			a := 2 * math.Pi * frac(j, k)
			c[j*cols+k] = math.Cos(a)
			s[j*cols+k] = sign * math.Sin(a)
		}
	}
	return Const(g, dt, c, rows, cols), Const(g, dt, s, rows, cols)
}

// cmatmul multiplies the complex x (re, im) along axis by the complex matrix
// c + i·s ([len(axis), m]): the contracted axis is replaced by the matrix's
// columns, appended last (DotGeneral's order).
func cmatmul(re, im, c, s *graph.Node, axis int) (*graph.Node, *graph.Node) {
	mm := func(x, m *graph.Node) *graph.Node { return graph.DotGeneral(x, []int{axis}, nil, m, []int{0}, nil) }
	if im == nil {
		return mm(re, c), mm(re, s)
	}
	return graph.Sub(mm(re, c), mm(im, s)), graph.Add(mm(re, s), mm(im, c))
}
