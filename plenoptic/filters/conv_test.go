package filters

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/backendtest"
)

// hostSame2D is the reference: pad as torch (padSource, the index map that
// SamePadding gathers with; Depthwise pads with slices instead), then a
// valid correlation.
func hostSame2D(x []float64, h, w int, k Kernel, m PadMode) []float64 {
	bh, _ := SamePad(k.H)
	bw, _ := SamePad(k.W)
	out := make([]float64, h*w)
	for i := range h {
		for j := range w {
			s := 0.0
			for u := range k.H {
				si := padSource(i+u, h, bh, m)
				if si < 0 {
					continue
				}
				for v := range k.W {
					sj := padSource(j+v, w, bw, m)
					if sj < 0 {
						continue
					}
					s += k.At(u, v) * x[si*w+sj]
				}
			}
			out[i*w+j] = s
		}
	}
	return out
}

func randSlice(r *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = r.Float64()
	}
	return x
}

func toF32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

func testKernels(t *testing.T) map[string]Kernel {
	r := rand.New(rand.NewPCG(1, 2))
	g31, _ := CircularGaussian2D(31, 31, 3)
	g4, _ := CircularGaussian2D(4, 4, 1)
	g32, _ := CircularGaussian2D(3, 2, 1)
	c, _ := CircularGaussian2D(7, 7, 1)
	s, _ := CircularGaussian2D(7, 7, 2.5)
	dog, err := SumOf([]float64{1.25, -1.25}, []Kernel{c, s})
	if err != nil {
		t.Fatal(err)
	}
	full, err := NewKernel(5, 4, randSlice(r, 20))
	if err != nil {
		t.Fatal(err)
	}
	one, _ := NewKernel(1, 1, []float64{0.7})
	return map[string]Kernel{"gauss31": g31, "gauss4x4": g4, "gauss3x2": g32, "dog7": dog, "random5x4": full, "1x1": one}
}

// formulations lists the formulations the convolution block has on b: the
// Toeplitz products everywhere, the FFT where the backend has one (it serves
// circular padding only).
func formulations(b backends.Backend) []formulation {
	fs := []formulation{toeplitzFormulation}
	if b.Capabilities().Operations[backends.OpTypeFFT] {
		fs = append(fs, fftFormulation)
	}
	return fs
}

func (f formulation) String() string {
	switch f {
	case toeplitzFormulation:
		return "toeplitz"
	case fftFormulation:
		return "fft"
	}
	return "auto"
}

// forEachFormulation runs f as a subtest with each formulation of b forced.
func forEachFormulation(t *testing.T, b backends.Backend, f func(t *testing.T, form formulation)) {
	for _, form := range formulations(b) {
		t.Run(form.String(), func(t *testing.T) {
			forceFormulation = form
			defer func() { forceFormulation = autoFormulation }()
			f(t, form)
		})
	}
}

// modesFor returns the pad modes a formulation computes (the FFT only
// circular padding; the others fall back to Toeplitz products).
func modesFor(form formulation) []PadMode {
	if form == fftFormulation {
		return []PadMode{Circular}
	}
	return []PadMode{Circular, Reflect, Replicate, Constant}
}

// TestDepthwiseMatchesReference compares the convolution block with the host
// reference for every pad mode and several kernels, odd and even, on both
// backends and in every formulation.
func TestDepthwiseMatchesReference(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backends.Backend) {
		forEachFormulation(t, b, func(t *testing.T, form formulation) { depthwiseMatchesReference(t, b, form) })
	})
}

func depthwiseMatchesReference(t *testing.T, b backends.Backend, form formulation) {
	{
		r := rand.New(rand.NewPCG(3, 4))
		kernels := testKernels(t)
		for _, name := range slices.Sorted(maps.Keys(kernels)) {
			k := kernels[name]
			for _, m := range modesFor(form) {
				h, w := 37, 40
				if name == "gauss31" && m == Reflect {
					h, w = 33, 34 // reflect needs the image longer than the pad
				}
				x := randSlice(r, 2*h*w)
				got, err := eagerDepthwise(b, x, []int{2, 1, h, w}, []Kernel{k}, m)
				if err != nil {
					t.Fatalf("%s %s: %v", name, m, err)
				}
				for bi := range 2 {
					want := hostSame2D(x[bi*h*w:(bi+1)*h*w], h, w, k, m)
					// float32 rounding: relative to the output's magnitude.
					if d, scale := maxAbsDiff(got[bi*h*w:(bi+1)*h*w], want), maxAbs(want); d > 1e-6*max(1, scale) {
						t.Errorf("%s %s batch %d: max |diff| = %g (max |output| %g)", name, m, bi, d, scale)
					}
				}
			}
		}
		// A kernel larger than the image: circular padding wraps more than
		// once around the torus (taps fold onto the same pixel).
		k := kernels["gauss31"]
		h, w := 16, 17
		x := randSlice(r, h*w)
		got, err := eagerDepthwise(b, x, []int{1, 1, h, w}, []Kernel{k}, Circular)
		if err != nil {
			t.Fatal(err)
		}
		want := hostSame2D(x, h, w, k, Circular)
		if d := maxAbsDiff(got, want); d > 1e-6 {
			t.Errorf("gauss31 on 16×17, circular: max |diff| = %g", d)
		}
	}
}

func eagerDepthwise(b backends.Backend, x []float64, dims []int, ks []Kernel, m PadMode) ([]float64, error) {
	in := tensors.FromFlatDataAndDimensions(toF32(x), dims...)
	var out *tensors.Tensor
	err := catch(func() {
		out = MustExecOnce(b, func(x *Node) *Node { return Depthwise(x, ks, m) }, in)
	})
	if err != nil {
		return nil, err
	}
	f := tensors.MustCopyFlatData[float32](out)
	res := make([]float64, len(f))
	for i, v := range f {
		res[i] = float64(v)
	}
	return res, nil
}

func maxAbs(a []float64) float64 {
	m := 0.0
	for _, v := range a {
		m = max(m, math.Abs(v))
	}
	return m
}

func maxAbsDiff(a, b []float64) float64 {
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

// TestGradientIsAdjoint checks the gradient of ⟨w, K x⟩ against finite
// differences of the host reference (exact for a linear map), in float64,
// in every formulation.
func TestGradientIsAdjoint(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backends.Backend) {
		forEachFormulation(t, b, func(t *testing.T, form formulation) { gradientIsAdjoint(t, b, form) })
	})
}

func gradientIsAdjoint(t *testing.T, b backends.Backend, form formulation) {
	{
		r := rand.New(rand.NewPCG(5, 6))
		for name, k := range testKernels(t) {
			if k.H > 8 {
				continue
			}
			for _, m := range modesFor(form) {
				h, w := 9, 10
				x, wt := randSlice(r, h*w), randSlice(r, h*w)
				exec := MustNewExec(b, func(x, wt *Node) *Node {
					y := Depthwise(x, []Kernel{k}, m)
					return Gradient(ReduceAllSum(Mul(y, wt)), x)[0]
				})
				grad := tensors.MustCopyFlatData[float64](exec.MustExec1(
					tensors.FromFlatDataAndDimensions(x, 1, 1, h, w), tensors.FromFlatDataAndDimensions(wt, 1, 1, h, w)))
				f := func(x []float64) float64 {
					y := hostSame2D(x, h, w, k, m)
					s := 0.0
					for i := range y {
						s += y[i] * wt[i]
					}
					return s
				}
				for i := range x {
					xp, xm := append([]float64(nil), x...), append([]float64(nil), x...)
					xp[i] += 1e-3
					xm[i] -= 1e-3
					fd := (f(xp) - f(xm)) / 2e-3
					if math.Abs(fd-grad[i]) > 1e-9 {
						t.Fatalf("%s %s pixel %d: gradient %.12g, finite difference %.12g", name, m, i, grad[i], fd)
					}
				}
			}
		}
	}
}

// TestSecondOrder checks that the gradient of the gradient works (needed for
// Fisher products): for L = ½‖Kx‖², ∇L = KᵀKx and ∇⟨∇L, v⟩ = KᵀKv, in every
// formulation.
func TestSecondOrder(t *testing.T) {
	k := testKernels(t)["dog7"]
	backendtest.ForEach(t, func(t *testing.T, b backends.Backend) {
		forEachFormulation(t, b, func(t *testing.T, form formulation) { secondOrder(t, b, form, k) })
	})
}

func secondOrder(t *testing.T, b backends.Backend, form formulation, k Kernel) {
	{
		r := rand.New(rand.NewPCG(7, 8))
		h, w := 12, 11
		x, v := randSlice(r, h*w), randSlice(r, h*w)
		modes := []PadMode{Circular, Reflect}
		if form == fftFormulation {
			modes = modes[:1]
		}
		for _, m := range modes {
			exec := MustNewExec(b, func(x, v *Node) *Node {
				y := Depthwise(x, []Kernel{k}, m)
				g := Gradient(MulScalar(ReduceAllSum(Square(y)), 0.5), x)[0]
				return Gradient(ReduceAllSum(Mul(g, v)), x)[0]
			})
			got := tensors.MustCopyFlatData[float64](exec.MustExec1(
				tensors.FromFlatDataAndDimensions(x, 1, 1, h, w), tensors.FromFlatDataAndDimensions(v, 1, 1, h, w)))
			// KᵀK v by finite differences of the host map: column i of Kᵀ(Kv).
			kv := hostSame2D(v, h, w, k, m)
			for i := range x {
				e := make([]float64, h*w)
				e[i] = 1
				ke := hostSame2D(e, h, w, k, m)
				want := 0.0
				for j := range ke {
					want += ke[j] * kv[j]
				}
				if math.Abs(want-got[i]) > 1e-9 {
					t.Fatalf("%s pixel %d: Hessian-vector %.12g, want %.12g", m, i, got[i], want)
				}
			}
		}
	}
}

// TestConvModelLossGradientAgreesAcrossBackends runs the loss and gradient of
// a 31×31 circular Gaussian model on a 256×256 image on XLA CPU (every
// formulation) and on pure Go: they must agree to 1e-5.
func TestConvModelLossGradientAgreesAcrossBackends(t *testing.T) {
	k, _ := CircularGaussian2D(31, 31, 3)
	r := rand.New(rand.NewPCG(9, 10))
	imgData, targetData := toF32(randSlice(r, 256*256)), toF32(randSlice(r, 256*256))
	results := map[string][]float32{}
	losses := map[string]float32{}
	var names []string
	for _, name := range backendtest.Names {
		b := backendtest.Get(t, name)
		for _, form := range formulations(b) {
			forceFormulation = form
			// A tensor belongs to one backend: make fresh ones for each.
			img := tensors.FromFlatDataAndDimensions(imgData, 1, 1, 256, 256)
			target := tensors.FromFlatDataAndDimensions(targetData, 1, 1, 256, 256)
			loss, grad := lossAndGradient(b, k)(img, target)
			forceFormulation = autoFormulation
			key := name + "/" + form.String()
			names = append(names, key)
			results[key] = tensors.MustCopyFlatData[float32](grad)
			losses[key] = loss.Value().(float32)
		}
	}
	if len(names) < 3 {
		t.Fatalf("expected XLA with two formulations and pure Go, got %v", names)
	}
	ref := names[0]
	for _, other := range names[1:] {
		a, g := results[ref], results[other]
		d, scale := 0.0, 0.0
		for i := range a {
			d = max(d, math.Abs(float64(a[i]-g[i])))
			scale = max(scale, math.Abs(float64(a[i])))
		}
		t.Logf("loss %s=%.8g %s=%.8g; gradient max |diff| = %.3g (max |grad| = %.3g)", ref, losses[ref], other, losses[other], d, scale)
		if math.Abs(float64(losses[ref]-losses[other])) > 1e-5 {
			t.Errorf("losses differ: %v", losses)
		}
		if d > 1e-5*scale {
			t.Errorf("gradients of %s and %s differ by %g (relative %g)", ref, other, d, d/scale)
		}
	}
}

// TestFilterBank checks Conv2D with one input and several output channels
// (a filter bank, which the FFT formulation computes from one transform of
// the image) against the host reference, its gradient against the adjoint
// and its second derivative, in every formulation.
func TestFilterBank(t *testing.T) {
	ks := testKernels(t)
	bank := []Kernel{ks["dog7"], ks["gauss4x4"], ks["random5x4"]}
	backendtest.ForEach(t, func(t *testing.T, b backends.Backend) {
		forEachFormulation(t, b, func(t *testing.T, form formulation) {
			r := rand.New(rand.NewPCG(11, 12))
			h, w := 10, 9
			x, wt := randSlice(r, 2*h*w), randSlice(r, 2*3*h*w)
			weights := [][]Kernel{{bank[0]}, {bank[1]}, {bank[2]}}
			exec := MustNewExec(b, func(x, wt *Node) (*Node, *Node, *Node) {
				y := Conv2D(x, weights, 1, Circular)
				obj := ReduceAllSum(Mul(y, wt))
				g := Gradient(obj, x)[0]
				// ∇_x ⟨∇_x ½‖y‖², x⟩ = KᵀK x: the second derivative.
				g2 := Gradient(ReduceAllSum(Mul(Gradient(MulScalar(ReduceAllSum(Square(y)), 0.5), x)[0], StopGradient(x))), x)[0]
				return y, g, g2
			})
			outs := exec.MustExec(tensors.FromFlatDataAndDimensions(x, 2, 1, h, w), tensors.FromFlatDataAndDimensions(wt, 2, 3, h, w))
			y, g, g2 := tensors.MustCopyFlatData[float64](outs[0]), tensors.MustCopyFlatData[float64](outs[1]), tensors.MustCopyFlatData[float64](outs[2])
			for bi := range 2 {
				img := x[bi*h*w : (bi+1)*h*w]
				wantG := make([]float64, h*w)
				kk := make([]float64, h*w) // KᵀK x
				for c, k := range bank {
					want := hostSame2D(img, h, w, k, Circular)
					got := y[(bi*3+c)*h*w : (bi*3+c+1)*h*w]
					if d := maxAbsDiff(got, want); d > 1e-12 {
						t.Fatalf("batch %d channel %d: max |diff| %g", bi, c, d)
					}
					wc := wt[(bi*3+c)*h*w : (bi*3+c+1)*h*w]
					for i := range h * w {
						e := make([]float64, h*w)
						e[i] = 1
						ke := hostSame2D(e, h, w, k, Circular)
						for j := range ke {
							wantG[i] += ke[j] * wc[j]
							kk[i] += ke[j] * want[j]
						}
					}
				}
				if d := maxAbsDiff(g[bi*h*w:(bi+1)*h*w], wantG); d > 1e-10 {
					t.Errorf("batch %d: gradient differs from the adjoint by %g", bi, d)
				}
				// g2 = ∇⟨KᵀKx, x⟩ (x held fixed in the second factor) = KᵀK x.
				if d := maxAbsDiff(g2[bi*h*w:(bi+1)*h*w], kk); d > 1e-10 {
					t.Errorf("batch %d: second derivative differs from KᵀK x by %g", bi, d)
				}
			}
		})
	})
}

// lossAndGradient returns the MSE loss of a circular conv model and its
// gradient, compiled for b.
func lossAndGradient(b backends.Backend, k Kernel) func(img, target *tensors.Tensor) (*tensors.Tensor, *tensors.Tensor) {
	exec := MustNewExec(b, func(x, target *Node) (*Node, *Node) {
		y := Depthwise(x, []Kernel{k}, Circular)
		loss := ReduceAllMean(Square(Sub(y, target)))
		return loss, Gradient(loss, x)[0]
	})
	return func(img, target *tensors.Tensor) (*tensors.Tensor, *tensors.Tensor) {
		return exec.MustExec2(img, target)
	}
}

func TestBadInput(t *testing.T) {
	k, _ := CircularGaussian2D(31, 31, 3)
	cases := []struct {
		dims  []int
		dtype dtypes.DType
		mode  PadMode
		want  string
	}{
		{[]int{256, 256}, dtypes.Float32, Circular, "must be 4-D"},
		{[]int{1, 1, 256, 256}, dtypes.Int32, Circular, "must be a float tensor"},
		{[]int{1, 1, 10, 256}, dtypes.Float32, Reflect, "reflect padding of 15/15"},
		{[]int{1, 1, 256, 256}, dtypes.Float32, PadMode("wrap"), "unknown pad mode"},
	}
	for _, c := range cases {
		err := CheckDepthwise(c.dims, c.dtype, []Kernel{k}, c.mode)
		if err == nil || !contains(err.Error(), c.want) {
			t.Errorf("%v %s %s: error %v, want it to mention %q", c.dims, c.dtype, c.mode, err, c.want)
		}
	}
	if _, err := CircularGaussian2D(31, 31, 0); err == nil {
		t.Error("std 0 accepted")
	}
	if _, err := ParsePadMode("wrap"); err == nil {
		t.Error("pad mode wrap accepted")
	}
	if _, err := NewKernel(2, 2, []float64{1, 2, 3}); err == nil {
		t.Error("short kernel accepted")
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// catch runs f and returns a panic as an error.
func catch(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	f()
	return nil
}
