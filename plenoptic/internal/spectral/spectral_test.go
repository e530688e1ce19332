package spectral

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/backendtest"
)

// modes runs f on XLA (native FFT) and on pure Go (matrix products,
// custom gradients for the crops).
func modes(t *testing.T, f func(t *testing.T, b backends.Backend)) {
	for _, name := range backendtest.Names {
		t.Run(name, func(t *testing.T) { f(t, backendtest.Get(t, name)) })
	}
}

func randSlice(r *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = r.Float64()*2 - 1
	}
	return v
}

func tensor32(v []float64, dims ...int) *tensors.Tensor {
	f := make([]float32, len(v))
	for i, x := range v {
		f[i] = float32(x)
	}
	return tensors.FromFlatDataAndDimensions(f, dims...)
}

func flat(t *testing.T, x *tensors.Tensor) []float64 {
	t.Helper()
	out := make([]float64, x.Shape().Size())
	tensors.ConstFlatData(x, func(d []float32) {
		for i, v := range d {
			out[i] = float64(v)
		}
	})
	return out
}

// naiveDFT2 is the 2-D DFT of z ([batch][h*w]) with exp(sign·2πi…), scaled,
// computed in float64 as two passes of 1-D sums.
func naiveDFT2(z []complex128, h, w int, sign, scale float64) []complex128 {
	tw := func(n int) []complex128 {
		e := make([]complex128, n)
		for i := range e {
			e[i] = cmplx.Exp(complex(0, sign*2*math.Pi*float64(i)/float64(n)))
		}
		return e
	}
	eh, ew := tw(h), tw(w)
	tmp := make([]complex128, len(z))
	out := make([]complex128, len(z))
	for b := 0; b < len(z)/(h*w); b++ {
		o := b * h * w
		for y := range h {
			for kx := range w {
				var s complex128
				for x := range w {
					s += z[o+y*w+x] * ew[(kx*x)%w]
				}
				tmp[o+y*w+kx] = s
			}
		}
		for ky := range h {
			for kx := range w {
				var s complex128
				for y := range h {
					s += tmp[o+y*w+kx] * eh[(ky*y)%h]
				}
				out[o+ky*w+kx] = s * complex(scale, 0)
			}
		}
	}
	return out
}

func maxRel(got []float64, want []float64) float64 {
	var d, m float64
	for i := range want {
		d = math.Max(d, math.Abs(got[i]-want[i]))
		m = math.Max(m, math.Abs(want[i]))
	}
	return d / m
}

func TestTransforms(t *testing.T) {
	modes(t, func(t *testing.T, b backends.Backend) {
		r := rand.New(rand.NewPCG(1, 2))
		for _, sz := range [][2]int{{16, 16}, {15, 12}, {64, 72}, {128, 8}} {
			h, w := sz[0], sz[1]
			dims := []int{2, 1, h, w}
			n := 2 * h * w
			re, im := randSlice(r, n), randSlice(r, n)
			z := make([]complex128, n)
			for i := range z {
				z[i] = complex(re[i], im[i])
			}
			type tcase struct {
				name  string
				inv   bool
				norm  Norm
				sign  float64
				scale float64
			}
			cases := []tcase{
				{"fft2", false, Backward, -1, 1},
				{"ifft2", true, Backward, 1, 1 / float64(h*w)},
				{"fft2-ortho", false, Ortho, -1, 1 / math.Sqrt(float64(h*w))},
				{"ifft2-ortho", true, Ortho, 1, 1 / math.Sqrt(float64(h*w))},
			}
			e := graph.MustNewExec(b, func(a, bb *graph.Node) []*graph.Node {
				var outs []*graph.Node
				for _, tc := range cases {
					var out C
					if tc.inv {
						out = IFFT2(C{a, bb}, tc.norm)
					} else {
						out = FFT2(C{a, bb}, tc.norm)
					}
					outs = append(outs, out.Re, out.Im)
				}
				return outs
			})
			res := e.MustExec(tensor32(re, dims...), tensor32(im, dims...))
			for i, tc := range cases {
				want := naiveDFT2(z, h, w, tc.sign, tc.scale)
				wr, wi := make([]float64, n), make([]float64, n)
				for i, v := range want {
					wr[i], wi[i] = real(v), imag(v)
				}
				if d := max(maxRel(flat(t, res[2*i]), wr), maxRel(flat(t, res[2*i+1]), wi)); d > 2e-6 {
					t.Errorf("%s %dx%d: max error %.3g of the largest value, want ≤ 2e-6", tc.name, h, w, d)
				}
			}
		}
	})
}

// TestGradients checks that the gradient of <v, op(x)> is op's adjoint applied
// to v, computed on the host, for the transforms, Crop and Embed, and that
// second-order gradients go through.
func TestGradients(t *testing.T) {
	modes(t, func(t *testing.T, b backends.Backend) {
		r := rand.New(rand.NewPCG(3, 4))
		h, w := 12, 10
		dims := []int{1, 2, h, w}
		n := 2 * h * w
		xr, xi := randSlice(r, n), randSlice(r, n)
		vr, vi := randSlice(r, n), randSlice(r, n)
		// <v, F x> (real inner product of the parts); gradient wrt (xr, xi) = F^H v.
		e := graph.MustNewExec(b, func(a, bb, va, vb *graph.Node) (*graph.Node, *graph.Node) {
			y := FFT2(C{a, bb}, Backward)
			l := graph.ReduceAllSum(graph.Add(graph.Mul(y.Re, va), graph.Mul(y.Im, vb)))
			gr := graph.Gradient(l, a, bb)
			return gr[0], gr[1]
		})
		res := e.MustExec(tensor32(xr, dims...), tensor32(xi, dims...), tensor32(vr, dims...), tensor32(vi, dims...))
		v := make([]complex128, n)
		for i := range v {
			v[i] = complex(vr[i], vi[i])
		}
		want := naiveDFT2(v, h, w, +1, 1) // F^H v
		wr, wi := make([]float64, n), make([]float64, n)
		for i, z := range want {
			wr[i], wi[i] = real(z), imag(z)
		}
		if d := max(maxRel(flat(t, res[0]), wr), maxRel(flat(t, res[1]), wi)); d > 2e-6 {
			t.Errorf("FFT2 gradient: max error %.3g, want ≤ 2e-6", d)
		}

		// Crop then Embed: the gradient of <v, Embed(Crop(x))> is Embed(Crop(v)),
		// for sizes that divide (6 of 12 rows... 5 of 10 columns: 4 blocks) and
		// sizes that do not (5×5).
		for _, hw := range [][2]int{{6, 5}, {5, 5}} {
			ch, cw := hw[0], hw[1]
			e2 := graph.MustNewExec(b, func(a, va *graph.Node) (*graph.Node, *graph.Node) {
				c := Crop(Real(a), ch, cw)
				y := Embed(c, h, w)
				return y.Re, graph.Gradient(graph.ReduceAllSum(graph.Mul(y.Re, va)), a)[0]
			})
			res := e2.MustExec(tensor32(xr, dims...), tensor32(vr, dims...))
			val, g2 := flat(t, res[0]), flat(t, res[1])
			for i := range g2 {
				y, x := (i/w)%h, i%w
				keep := (y < (ch+1)/2 || y >= h-ch/2) && (x < (cw+1)/2 || x >= w-cw/2)
				want, wantVal := 0.0, 0.0
				if keep {
					want, wantVal = float64(float32(vr[i])), float64(float32(xr[i]))
				}
				if g2[i] != want || val[i] != wantVal {
					t.Fatalf("Crop %dx%d/Embed at %d (row %d col %d): value %v gradient %v, want %v and %v", ch, cw, i, y, x, val[i], g2[i], wantVal, want)
				}
			}
		}

		// Second order (the pure-Go formulation only: on XLA the complex
		// transforms' gradients are first-order, GoMLX's gradient of Real
		// not being differentiable): d/dx of ||∇_x ½||FFT2(x)||²||² = 2N²·x.
		if HasComplex(graph.NewGraph(b, "probe")) {
			return
		}
		e3 := graph.MustNewExec(b, func(a *graph.Node) *graph.Node {
			y := FFT2(Real(a), Backward)
			l := graph.MulScalar(graph.ReduceAllSum(AbsSquared(y)), 0.5)
			g := graph.Gradient(l, a)[0]
			return graph.Gradient(graph.ReduceAllSum(graph.Square(g)), a)[0]
		})
		g3 := flat(t, e3.MustExec1(tensor32(xr, dims...)))
		nn := float64(h * w)
		for i, v := range g3 {
			want := 2 * nn * nn * float64(float32(xr[i]))
			if math.Abs(v-want) > 1e-4*math.Abs(2*nn*nn) {
				t.Fatalf("second-order gradient at %d: %v, want %v", i, v, want)
			}
		}
	})
}

// TestChunkedTransforms checks the XLA transforms of batches larger than
// fftChunkBytes, which run as several FFTs (three 256×256 images, one per
// transform; five 128×128 images, four then one): values and gradients
// against the float64 DFT.
func TestChunkedTransforms(t *testing.T) {
	for size, want := range map[int]int{256: 1, 128: 4} {
		if per := fftChunkBytes / (size * size * 8); per != want {
			t.Fatalf("the test assumes %d %d×%d complex64 images per transform, chunks hold %d", want, size, size, per)
		}
	}
	b := backendtest.Get(t, backendtest.Names[0])
	r := rand.New(rand.NewPCG(5, 6))
	for _, tc := range []struct{ images, size int }{{3, 256}, {5, 128}} {
		h, w := tc.size, tc.size
		dims := []int{tc.images, 1, h, w}
		n := tc.images * h * w
		re, im, vr, vi := randSlice(r, n), randSlice(r, n), randSlice(r, n), randSlice(r, n)
		e := graph.MustNewExec(b, func(a, bb, va, vb *graph.Node) []*graph.Node {
			y := FFT2(C{a, bb}, Backward)
			l := graph.ReduceAllSum(graph.Add(graph.Mul(y.Re, va), graph.Mul(y.Im, vb)))
			gr := graph.Gradient(l, a, bb)
			return []*graph.Node{y.Re, y.Im, gr[0], gr[1]}
		})
		res := e.MustExec(tensor32(re, dims...), tensor32(im, dims...), tensor32(vr, dims...), tensor32(vi, dims...))
		z, v := make([]complex128, n), make([]complex128, n)
		for i := range z {
			z[i], v[i] = complex(re[i], im[i]), complex(vr[i], vi[i])
		}
		for k, want := range [][]complex128{naiveDFT2(z, h, w, -1, 1), naiveDFT2(v, h, w, +1, 1)} {
			wr, wi := make([]float64, n), make([]float64, n)
			for i, c := range want {
				wr[i], wi[i] = real(c), imag(c)
			}
			if d := max(maxRel(flat(t, res[2*k]), wr), maxRel(flat(t, res[2*k+1]), wi)); d > 2e-6 {
				t.Errorf("%d×%d²: %s max error %.3g of the largest value, want ≤ 2e-6", tc.images, tc.size, []string{"FFT2", "its gradient"}[k], d)
			}
		}
	}
}
