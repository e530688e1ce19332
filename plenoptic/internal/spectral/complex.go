package spectral

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// C is a complex tensor on the graph as its real and imaginary parts, two
// real nodes of the same shape. A nil Im means an imaginary part of zero.
type C struct {
	Re, Im *graph.Node
}

// Real wraps a real node as a complex value with zero imaginary part.
func Real(x *graph.Node) C { return C{Re: x} }

// IsReal reports whether c is known to have a zero imaginary part.
func (c C) IsReal() bool { return c.Im == nil }

// ImOrZero returns the imaginary part, materializing zeros for a real c.
func (c C) ImOrZero() *graph.Node {
	if c.Im == nil {
		return graph.ZerosLike(c.Re)
	}
	return c.Im
}

// Add returns a + b.
func Add(a, b C) C {
	out := C{Re: graph.Add(a.Re, b.Re)}
	switch {
	case a.Im == nil:
		out.Im = b.Im
	case b.Im == nil:
		out.Im = a.Im
	default:
		out.Im = graph.Add(a.Im, b.Im)
	}
	return out
}

// MulReal multiplies both parts by the real node m (broadcast by GoMLX's
// rules: same rank, dimensions equal or 1).
func MulReal(c C, m *graph.Node) C {
	out := C{Re: graph.Mul(c.Re, m)}
	if c.Im != nil {
		out.Im = graph.Mul(c.Im, m)
	}
	return out
}

// Scale multiplies c by the real number s.
func Scale(c C, s float64) C {
	if s == 1 {
		return c
	}
	out := C{Re: graph.MulScalar(c.Re, s)}
	if c.Im != nil {
		out.Im = graph.MulScalar(c.Im, s)
	}
	return out
}

// MulIPow multiplies c by i^k (k any integer).
func MulIPow(c C, k int) C {
	im := c.ImOrZero()
	switch ((k % 4) + 4) % 4 {
	case 0:
		return c
	case 1: // i(a+ib) = -b + ia
		return C{Re: graph.Neg(im), Im: c.Re}
	case 2:
		return C{Re: graph.Neg(c.Re), Im: graph.Neg(im)}
	default: // -i(a+ib) = b - ia
		return C{Re: im, Im: graph.Neg(c.Re)}
	}
}

// AbsSquared returns re² + im².
func AbsSquared(c C) *graph.Node {
	s := graph.Square(c.Re)
	if c.Im != nil {
		s = graph.Add(s, graph.Square(c.Im))
	}
	return s
}

// Abs returns |c| = sqrt(re² + im²), with a zero gradient where c is 0 (as
// torch's abs of a complex tensor).
func Abs(c C) *graph.Node {
	if c.Im == nil {
		return graph.Abs(c.Re)
	}
	return SafeSqrt(AbsSquared(c))
}

// SafeSqrt is sqrt(s) for s ≥ 0 whose gradient is 0 (not NaN) where s = 0.
func SafeSqrt(s *graph.Node) *graph.Node {
	zero := graph.Equal(s, graph.ZerosLike(s))
	root := graph.Sqrt(graph.Where(zero, graph.OnesLike(s), s))
	return graph.Where(zero, graph.ZerosLike(s), root)
}

// Map applies f to both parts (f must be real-linear, e.g. a slice or a
// reshape).
func Map(c C, f func(*graph.Node) *graph.Node) C {
	out := C{Re: f(c.Re)}
	if c.Im != nil {
		out.Im = f(c.Im)
	}
	return out
}

// Complex returns c as one complex node (backends with complex numbers only).
func (c C) Complex() *graph.Node {
	if c.Im == nil {
		dt := dtypes.Complex64
		if c.Re.DType() == dtypes.Float64 {
			dt = dtypes.Complex128
		}
		return graph.ConvertDType(c.Re, dt)
	}
	return graph.Complex(c.Re, c.Im)
}

// FromComplex splits a complex node into its parts.
func FromComplex(z *graph.Node) C { return C{Re: graph.Real(z), Im: graph.Imag(z)} }

// HasComplex reports whether g's backend has complex numbers and an FFT
// (XLA does; the pure-Go backend does not), unless ForceMatmul is set.
func HasComplex(g *graph.Graph) bool {
	if ForceMatmul {
		return false
	}
	caps := g.Backend().Capabilities()
	return caps.Operations[backends.OpTypeFFT] && caps.Operations[backends.OpTypeComplex] &&
		caps.Operations[backends.OpTypeReal] && caps.DTypes[dtypes.Complex64]
}

// ForceMatmul makes every operation use the formulation of the pure-Go
// backend (matrix-product transforms, custom gradients for crops) even where
// the backend has an FFT and Pad (for tests and measurements). Set it before
// building graphs.
var ForceMatmul bool

// Const returns the host values data (row-major, dims) as a constant of
// dtype dt.
func Const(g *graph.Graph, dt dtypes.DType, data []float64, dims ...int) *graph.Node {
	var t *tensors.Tensor
	switch dt {
	case dtypes.Float64:
		t = tensors.FromFlatDataAndDimensions(append([]float64(nil), data...), dims...)
	default:
		f := make([]float32, len(data))
		for i, v := range data {
			f[i] = float32(v)
		}
		t = tensors.FromFlatDataAndDimensions(f, dims...)
		if dt != dtypes.Float32 {
			return graph.ConvertDType(graph.Const(g, t), dt)
		}
	}
	return graph.Const(g, t)
}
