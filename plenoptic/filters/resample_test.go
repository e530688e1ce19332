package filters

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/internal/reftest"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/backendtest"
)

// runOne evaluates f on one float32 input on backend b and returns the
// outputs as float64 slices with their shapes.
func runOne(t *testing.T, b backends.Backend, x []float32, dims []int, f func(*Node) []*Node) ([][]float64, [][]int) {
	t.Helper()
	var outs []*tensors.Tensor
	if err := catch(func() {
		outs = MustExecOnceN(b, func(x *Node) []*Node { return f(x) }, tensors.FromFlatDataAndDimensions(x, dims...))
	}); err != nil {
		t.Fatal(err)
	}
	vals := make([][]float64, len(outs))
	shapes := make([][]int, len(outs))
	for i, o := range outs {
		for _, v := range tensors.MustCopyFlatData[float32](o) {
			vals[i] = append(vals[i], float64(v))
		}
		shapes[i] = o.Shape().Dimensions
	}
	return vals, shapes
}

// compareRef checks got against the float32 reference array name: same
// shape, max |diff| ≤ tol·max(1, max|ref|).
func compareRef(t *testing.T, name string, got []float64, shape []int, tol float64) {
	t.Helper()
	want, wshape := reftest.Load64(t, "metric/"+name)
	if !slices.Equal(shape, wshape) {
		t.Errorf("%s: shape %v, want %v", name, shape, wshape)
		return
	}
	if d, s := maxAbsDiff(got, want), maxAbs(want); d > tol*max(1, s) {
		t.Errorf("%s: max |diff| = %.3g (max |ref| %.3g)", name, d, s)
	}
}

// TestResamplingMatchesPlenoptic compares CorrelateDownsample,
// UpsampleConvolve, BlurDownsample and UpsampleBlur with plenoptic's
// tools.conv on random 7×8, 8×7 and 2×9×5 inputs, every pad mode and odd
// flag, on both backends (float32 round-off: 1e-6 of the output scale).
func TestResamplingMatchesPlenoptic(t *testing.T) {
	k35d, _ := reftest.Load64(t, "metric/resample_kernel_3x5")
	k35, err := NewKernel(3, 5, k35d)
	if err != nil {
		t.Fatal(err)
	}
	backendtest.ForEach(t, func(t *testing.T, b backends.Backend) {
		for _, n := range []string{"7x8", "8x7", "2x9x5"} {
			x, dims := reftest.Load(t, "metric/resample_input_"+n)
			type op struct {
				name string
				f    func(*Node) *Node
			}
			ops := []op{
				{"blur_downsample_" + n, func(x *Node) *Node { return BlurDownsample(x, BlurOptions{}) }},
				{"blur_downsample_unscaled_" + n, func(x *Node) *Node { return BlurDownsample(x, BlurOptions{UnscaledFilter: true}) }},
				{"blur_downsample_2scales_" + n, func(x *Node) *Node { return BlurDownsample(x, BlurOptions{Scales: 2}) }},
			}
			for _, odd := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				tag := fmt.Sprintf("%d%d", odd[0], odd[1])
				ops = append(ops,
					op{"upsample_blur_" + n + "_odd" + tag, func(x *Node) *Node { return UpsampleBlur(x, odd, BlurOptions{}) }},
					op{"upsample_blur_unscaled_" + n + "_odd" + tag, func(x *Node) *Node { return UpsampleBlur(x, odd, BlurOptions{UnscaledFilter: true}) }})
			}
			for _, m := range []PadMode{Reflect, Circular, Replicate, Constant} {
				ops = append(ops,
					op{fmt.Sprintf("correlate_downsample_k3x5_%s_%s", m, n), func(x *Node) *Node { return CorrelateDownsample(x, k35, m) }},
					op{fmt.Sprintf("upsample_convolve_k3x5_%s_%s_odd10", m, n), func(x *Node) *Node { return UpsampleConvolve(x, [2]int{1, 0}, k35, m) }})
			}
			fs := func(x *Node) []*Node {
				out := make([]*Node, len(ops))
				for i, o := range ops {
					out[i] = o.f(x)
				}
				return out
			}
			got, shapes := runOne(t, b, x, dims, fs)
			for i, o := range ops {
				compareRef(t, o.name, got[i], shapes[i], 1e-6)
			}
		}
	})
}

// TestLaplacianPyramidMatchesPlenoptic compares every scale of
// LaplacianPyramid (6 scales scaled, 5 unscaled, 3 scaled) on a 40×37 random
// image with plenoptic, and checks that ReconLaplacianPyramid inverts it.
func TestLaplacianPyramidMatchesPlenoptic(t *testing.T) {
	x, dims := reftest.Load(t, "metric/lpyr_input_40x37")
	xs := make([]float64, len(x))
	for i, v := range x {
		xs[i] = float64(v)
	}
	cases := []struct {
		n      int
		scaled bool
		opts   PyramidOptions
	}{
		{6, true, PyramidOptions{Scales: 6, ScaleFilter: true}},
		{5, false, PyramidOptions{}}, // the default: 5 scales, unscaled
		{3, true, PyramidOptions{Scales: 3, ScaleFilter: true}},
	}
	backendtest.ForEach(t, func(t *testing.T, b backends.Backend) {
		// one graph for the three pyramids and their reconstructions
		got, shapes := runOne(t, b, x, dims, func(x *Node) []*Node {
			var out []*Node
			for _, c := range cases {
				y := LaplacianPyramid(x, c.opts)
				out = append(append(out, y...), ReconLaplacianPyramid(y, c.opts))
			}
			return out
		})
		i := 0
		for _, c := range cases {
			tag := "unscaled"
			if c.scaled {
				tag = "scaled"
			}
			for s := range c.n {
				compareRef(t, fmt.Sprintf("lpyr_40x37_n%d_%s_scale%d", c.n, tag, s), got[i], shapes[i], 1e-6)
				i++
			}
			if d := maxAbsDiff(got[i], xs); d > 1e-6 {
				t.Errorf("%d scales %s: reconstruction max |diff| = %g", c.n, tag, d)
			}
			i++
		}
		if i != len(got) {
			t.Fatalf("%d outputs, want %d", len(got), i)
		}
	})
}

// TestResamplingGradientsAreAdjoints checks, for every resampling operation
// and the pyramid's first scale, in float64 on both backends, that the
// gradient of ⟨A x, r⟩ is Aᵀr: ⟨A x, r⟩ = ⟨x, Aᵀ r⟩, and it does not change
// with x; and that a second-order gradient (∇ₓ⟨∇ₓ ½‖Ax‖², v⟩ = AᵀA v) builds,
// runs and matches.
func TestResamplingGradientsAreAdjoints(t *testing.T) {
	k35, _ := NewKernel(3, 5, randSlice(rand.New(rand.NewPCG(1, 1)), 15))
	names := []string{"DepthwiseValid", "CorrelateDownsample", "UpsampleConvolveReflect", "UpsampleConvolveCirc", "UpsampleBlur", "LaplacianScale0"}
	ops := []func(*Node) *Node{
		func(x *Node) *Node { return DepthwiseValid(x, []Kernel{k35}) },
		func(x *Node) *Node { return CorrelateDownsample(x, k35, Reflect) },
		func(x *Node) *Node { return UpsampleConvolve(x, [2]int{1, 0}, k35, Reflect) },
		func(x *Node) *Node { return UpsampleConvolve(x, [2]int{0, 1}, k35, Circular) },
		func(x *Node) *Node { return UpsampleBlur(x, [2]int{1, 1}, BlurOptions{}) },
		func(x *Node) *Node { return LaplacianPyramid(x, PyramidOptions{Scales: 2})[0] },
	}
	const h, w = 9, 8
	backendtest.ForEach(t, func(t *testing.T, b backends.Backend) {
		r := rand.New(rand.NewPCG(2, 3))
		rw := randSlice(r, 4*h*w)
		var exec *Exec
		if err := catch(func() {
			exec = MustNewExec(b, func(x, rw, v *Node) []*Node {
				var outs []*Node
				for _, f := range ops {
					y := f(x)
					n := y.Shape().Size()
					rr := Reshape(Slice(rw, AxisRange(0, n)), y.Shape().Dimensions...)
					dot := ReduceAllSum(Mul(y, rr))
					outs = append(outs, dot, Gradient(dot, x)[0])
				}
				f := ops[len(ops)-1]
				g := Gradient(MulScalar(ReduceAllSum(Square(f(x))), 0.5), x)[0]
				hv := Gradient(ReduceAllSum(Mul(g, v)), x)[0]
				atav := Gradient(ReduceAllSum(Mul(f(x), StopGradient(f(v)))), x)[0]
				return append(outs, hv, atav)
			})
		}); err != nil {
			t.Fatal(err)
		}
		run := func(x, v []float64) [][]float64 {
			var res [][]float64
			if err := catch(func() {
				outs := exec.MustExec(tensors.FromFlatDataAndDimensions(x, 1, 1, h, w), rw, tensors.FromFlatDataAndDimensions(v, 1, 1, h, w))
				for _, o := range outs {
					res = append(res, tensors.MustCopyFlatData[float64](o))
				}
			}); err != nil {
				t.Fatal(err)
			}
			return res
		}
		x := randSlice(r, h*w)
		first, second := run(x, randSlice(r, h*w)), run(randSlice(r, h*w), randSlice(r, h*w))
		for i, name := range names {
			dot, grad := first[2*i][0], first[2*i+1]
			s := 0.0
			for j := range x {
				s += x[j] * grad[j]
			}
			if math.Abs(s-dot) > 1e-12*max(1, math.Abs(dot)) {
				t.Errorf("%s: <Ax, r> = %.15g but <x, A^T r> = %.15g", name, dot, s)
			}
			if d := maxAbsDiff(grad, second[2*i+1]); d > 1e-12 {
				t.Errorf("%s: gradient depends on x (max diff %g)", name, d)
			}
		}
		n := 2 * len(names)
		if d := maxAbsDiff(first[n], first[n+1]); d > 1e-12 {
			t.Errorf("second-order gradient differs from AᵀAv by %g", d)
		}
	})
}

func TestResamplingBadInput(t *testing.T) {
	k35, _ := NewKernel(3, 5, randSlice(rand.New(rand.NewPCG(1, 1)), 15))
	cases := []struct {
		err  error
		want string
	}{
		{CheckDepthwiseValid([]int{1, 1, 2, 8}, dtypes.Float32, []Kernel{k35}), "larger than the 2×8 image"},
		{CheckDepthwiseValid([]int{1, 8, 8}, dtypes.Float32, []Kernel{k35}), "must be 4-D"},
		{CheckCorrelateDownsample([]int{1, 1, 8, 8}, dtypes.Int32, k35, Reflect), "float tensor"},
		{CheckUpsampleConvolve([]int{1, 1, 8, 8}, dtypes.Float32, [2]int{2, 0}, k35, Reflect), "odd must hold 0s and 1s"},
		{CheckUpsampleBlur([]int{1, 1, 1, 8}, dtypes.Float32, [2]int{0, 0}), "reflect padding of 1/1"},
		{CheckBlurDownsample([]int{1, 1, 2, 8}, dtypes.Float32, BlurOptions{}), "reflect padding of 2/2"},
		{CheckBlurDownsample([]int{1, 1, 8, 8}, dtypes.Float32, BlurOptions{Scales: 3}), "reflect padding of 2/2"},
		{CheckLaplacianPyramid([]int{1, 1, 32, 32}, dtypes.Float32, PyramidOptions{Scales: 6}), "scale 4 of the 32×32 image is 2×2"},
		{CheckLaplacianPyramid([]int{1, 1, 32, 32}, dtypes.Float32, PyramidOptions{Scales: -1}), "Scales must be positive"},
	}
	for i, c := range cases {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("case %d: error %v, want it to mention %q", i, c.err, c.want)
		}
	}
	if err := CheckLaplacianPyramid([]int{1, 1, 33, 33}, dtypes.Float32, PyramidOptions{Scales: 6}); err != nil {
		t.Errorf("33×33 with 6 scales: %v", err)
	}
	if err := catch(func() {
		g := NewGraph(backendtest.Get(t, backendtest.Names[1]), "bad")
		BlurDownsample(Parameter(g, "x", shapes.Make(dtypes.Float32, 1, 1, 2, 2)), BlurOptions{})
	}); err == nil || !strings.Contains(err.Error(), "filters:") {
		t.Errorf("BlurDownsample on 2×2: panic %v, want a filters error", err)
	}
}
