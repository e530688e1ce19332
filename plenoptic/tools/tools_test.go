package tools

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/internal/reftest"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/backendtest"
)

func maxAbsDiff(a, b []float64) float64 {
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

// TestRandomStateAnchors compares the NumPy RandomState with numpy 1.24's
// own draws after np.random.seed(1) (spec Appendix A and the reference
// vectors), including the cached Gaussian that survives a rand call.
func TestRandomStateAnchors(t *testing.T) {
	appendixA := []float64{1.6243453636632417, -0.6117564136500754, -0.5281717522634557, -1.0729686221561705}
	if got := NewRandomState(1).Randn(4); maxAbsDiff(got, appendixA) != 0 {
		t.Errorf("randn(4) after seed 1 = %v, want %v", got, appendixA)
	}
	check := func(name string, got []float64) {
		t.Helper()
		want := reftest.Vector(t, name)
		if len(got) != len(want) {
			t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s[%d] = %.17g, numpy %.17g", name, i, got[i], want[i])
			}
		}
	}
	check("np_seed1_randn8", NewRandomState(1).Randn(8))
	check("np_seed1_rand8", NewRandomState(1).Rand(8))
	check("np_seed1_randn_5x3_rowmajor", NewRandomState(1).Randn(15))
	r := NewRandomState(1)
	mixed := append(append(r.Randn(3), r.Rand(2)...), r.Randn(2)...)
	check("np_seed1_randn3_rand2_randn2", mixed)

	// Seed drives the global NumPy state and resets the cached Gaussian.
	Seed(1)
	NumPyRandn(3)
	Seed(1)
	check("np_seed1_randn8", NumPyRandn(8))
}

func TestSeedRepeatsGoStream(t *testing.T) {
	Seed(7)
	a, an := Rand(5), Randn(5)
	Seed(7)
	b, bn := Rand(5), Randn(5)
	if maxAbsDiff(a, b) != 0 || maxAbsDiff(an, bn) != 0 {
		t.Errorf("Seed(7) does not repeat the Go stream: %v %v vs %v %v", a, an, b, bn)
	}
	for _, v := range a {
		if v < 0 || v >= 1 {
			t.Errorf("Rand value %v outside [0, 1)", v)
		}
	}
	Seed(8)
	if c := Rand(5); maxAbsDiff(a, c) == 0 {
		t.Error("seeds 7 and 8 give the same stream")
	}
}

// TestPinkNoise reproduces pyrtools' pink_noise((256, 256)) after
// np.random.seed(1) (spec §7.4) and the tutorial's rescaled float32 image.
func TestPinkNoise(t *testing.T) {
	Seed(1)
	got, err := PinkNoise(256, 256, 1)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := reftest.Load64(t, "pink_noise_raw")
	d := maxAbsDiff(got, want)
	t.Logf("pink noise: max |Go − pyrtools| = %.3g", d)
	if d > 1e-12 {
		t.Errorf("pink noise differs from pyrtools by %g", d)
	}
	mean, lo, hi := 0.0, math.Inf(1), math.Inf(-1)
	for _, v := range got {
		mean += v
		lo, hi = min(lo, v), max(hi, v)
	}
	mean /= float64(len(got))
	ss := 0.0
	for _, v := range got {
		ss += (v - mean) * (v - mean)
	}
	spec := []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"mean", mean, 0.26189, 5e-6},
		{"sample variance", ss / float64(len(got)-1), 1, 1e-12},
		{"min", lo, -3.4924, 5e-5},
		{"max", hi, 3.2806, 5e-5},
		{"[0,0]", got[0], 0.841552, 5e-7},
		{"[0,1]", got[1], 0.457310, 5e-7},
		{"[0,2]", got[2], 0.167876, 5e-7},
		{"reference mean", mean, reftest.Scalar(t, "pink_noise_raw_mean"), 1e-13},
	}
	for _, c := range spec {
		if math.Abs(c.got-c.want) > c.tol {
			t.Errorf("pink noise %s = %.9g, want %.9g", c.name, c.got, c.want)
		}
	}

	Seed(1)
	img, err := PinkNoiseImage(256, 256, 1)
	if err != nil {
		t.Fatal(err)
	}
	if dims := img.Shape().Dimensions; img.DType() != dtypes.Float32 || len(dims) != 4 || dims[0] != 1 || dims[1] != 1 || dims[2] != 256 || dims[3] != 256 {
		t.Fatalf("pink image is %s, want float32 [1 1 256 256]", img.Shape())
	}
	gotImg, _ := Float64s(img)
	wantImg, _ := reftest.Load64(t, "pink_noise_rescaled")
	if d := maxAbsDiff(gotImg, wantImg); d > 6e-8 {
		t.Errorf("rescaled pink image differs from the tutorial's by %g", d)
	}
}

func TestPinkNoiseOddAndErrors(t *testing.T) {
	r := NewRandomState(3)
	x, err := PinkNoiseFrom(r, 7, 10, 1.3)
	if err != nil {
		t.Fatalf("odd size: %v", err)
	}
	if len(x) != 70 {
		t.Fatalf("got %d values", len(x))
	}
	if _, err := PinkNoise(0, 5, 1); err == nil || !strings.Contains(err.Error(), "0×5") {
		t.Errorf("size 0×5: error %v", err)
	}
}

func f32Tensor(vals []float64, dims ...int) *tensors.Tensor {
	f := make([]float32, len(vals))
	for i, v := range vals {
		f[i] = float32(v)
	}
	return tensors.FromFlatDataAndDimensions(f, dims...)
}

// TestEagerToolsMatchPlenoptic compares the eager losses, penalty and
// rescale with plenoptic's on the reference inputs.
func TestEagerToolsMatchPlenoptic(t *testing.T) {
	av, shape := reftest.Load64(t, "tools_input_a")
	bv, _ := reftest.Load64(t, "tools_input_b")
	a, b := f32Tensor(av, shape...), f32Tensor(bv, shape...)
	scalar := func(name string, got float64, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := reftest.Scalar(t, name)
		if math.Abs(got-want) > 1e-6*max(1, math.Abs(want)) {
			t.Errorf("%s = %.9g, plenoptic %.9g", name, got, want)
		}
	}
	v, err := EvalMSE(a, b)
	scalar("tools_mse_a_b", v, err)
	v, err = EvalL2Norm(a, b)
	scalar("tools_l2_norm_a_b", v, err)
	v, err = EvalRelativeMSE(a, b)
	scalar("tools_relative_MSE_a_b", v, err)
	v, err = EvalPenalizeRange(a, 0, 1)
	scalar("tools_penalize_range_a", v, err)
	v, err = EvalPenalizeRange(a, 0.2, 0.8)
	scalar("tools_penalize_range_a_0p2_0p8", v, err)
	for _, row := range []float64{2, -1} {
		x := make([]float64, 16)
		for i := range x {
			x[i] = 0.5
			if i < 4 {
				x[i] = row
			}
		}
		if p, err := EvalPenalizeRange(f32Tensor(x, 1, 1, 4, 4), 0, 1); err != nil || p != 4 {
			t.Errorf("penalty of a row of %v = %v, %v; want 4", row, p, err)
		}
	}

	rescaled := func(name string, x *tensors.Tensor, lo, hi float64) {
		t.Helper()
		got, err := EvalRescale(x, lo, hi)
		if err != nil {
			t.Fatal(err)
		}
		if got.DType() != x.DType() {
			t.Errorf("rescale changed dtype %s → %s", x.DType(), got.DType())
		}
		g, _ := Float64s(got)
		want, _ := reftest.Load64(t, name)
		if d := maxAbsDiff(g, want); d > 3e-7 {
			t.Errorf("%s differs by %g", name, d)
		}
	}
	rescaled("tools_rescale_a", a, 0, 1)
	rescaled("tools_rescale_a_m1_2", a, -1, 2)
	rescaled("tools_rescale_const", f32Tensor([]float64{0.7, 0.7, 0.7, 0.7, 0.7, 0.7}, 1, 1, 2, 3), 0.25, 4)

	if _, err := EvalMSE(a, f32Tensor([]float64{1, 2}, 1, 2)); err == nil || !strings.Contains(err.Error(), "same shape") {
		t.Errorf("shape mismatch: error %v", err)
	}
}

// TestGraphToolsOnBothBackends checks the graph versions' values against the
// eager ones and their gradients against the closed forms, on both backends.
func TestGraphToolsOnBothBackends(t *testing.T) {
	av, shape := reftest.Load64(t, "tools_input_a")
	bv, _ := reftest.Load64(t, "tools_input_b")
	n := float64(len(av))
	backendtest.ForEach(t, func(t *testing.T, be backends.Backend) {
		exec := graph.MustNewExec(be, func(a, b *graph.Node) []*graph.Node {
			mse, l2, rel, pen := MSE(a, b), L2Norm(a, b), RelativeMSE(a, b), PenalizeRange(a, 0.2, 0.8)
			return []*graph.Node{
				mse, l2, rel, pen,
				graph.Gradient(mse, a)[0], graph.Gradient(pen, a)[0],
				Rescale(a, -1, 2), Rescale(graph.ZerosLike(a), 0.25, 4),
				graph.Gradient(L2Norm(a, a), a)[0],
			}
		})
		out := exec.MustExec(tensors.FromFlatDataAndDimensions(av, shape...), tensors.FromFlatDataAndDimensions(bv, shape...))
		scalars := []string{"tools_mse_a_b", "tools_l2_norm_a_b", "tools_relative_MSE_a_b", "tools_penalize_range_a_0p2_0p8"}
		for i, name := range scalars {
			got := out[i].Value().(float64)
			if want := reftest.Scalar(t, name); math.Abs(got-want) > 1e-6*max(1, math.Abs(want)) {
				t.Errorf("%s = %.9g, plenoptic %.9g", name, got, want)
			}
		}
		gm, gp := tensors.MustCopyFlatData[float64](out[4]), tensors.MustCopyFlatData[float64](out[5])
		for i := range av {
			wantM := 2 * (av[i] - bv[i]) / n
			wantP := 0.0
			if av[i] < 0.2 {
				wantP = 2 * (av[i] - 0.2)
			} else if av[i] > 0.8 {
				wantP = 2 * (av[i] - 0.8)
			}
			if math.Abs(gm[i]-wantM) > 1e-12 || math.Abs(gp[i]-wantP) > 1e-12 {
				t.Fatalf("gradients at %d: mse %g (want %g), penalty %g (want %g)", i, gm[i], wantM, gp[i], wantP)
			}
		}
		want, _ := reftest.Load64(t, "tools_rescale_a_m1_2")
		if d := maxAbsDiff(tensors.MustCopyFlatData[float64](out[6]), want); d > 3e-7 {
			t.Errorf("graph Rescale differs from plenoptic by %g", d)
		}
		for _, v := range tensors.MustCopyFlatData[float64](out[8]) {
			if v != 0 {
				t.Fatalf("gradient of L2Norm(a, a) = %v, want 0", v)
			}
		}
		for _, v := range tensors.MustCopyFlatData[float64](out[7]) {
			if v != 0.25 {
				t.Fatalf("Rescale of a constant = %v, want 0.25", v)
			}
		}
	})
}

// TestMakeDisk compares MakeDisk with every po.tools.make_disk reference.
func TestMakeDisk(t *testing.T) {
	n := 0
	for _, name := range reftest.Names(t) {
		if !strings.HasPrefix(name, "make_disk_") {
			continue
		}
		want, shape := reftest.Load64(t, name)
		if d := maxAbsDiff(MakeDisk(shape[0], shape[1]), want); d > 6e-8 {
			t.Errorf("%s differs by %g", name, d)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no make_disk reference cases")
	}
}

// Models for the ValidateModel tests.
type fwd func(x *graph.Node) *graph.Node

func (f fwd) Forward(x *graph.Node) *graph.Node { return f(x) }

func TestValidateModel(t *testing.T) {
	good := fwd(func(x *graph.Node) *graph.Node { return graph.Square(x) })
	bad := map[string]struct {
		m    Forwarder
		want string
	}{
		"2-D output":      {fwd(func(x *graph.Node) *graph.Node { return graph.ReduceSum(x, 0, 1) }), "3-D or 4-D"},
		"precision":       {fwd(func(x *graph.Node) *graph.Node { return graph.ConvertDType(x, dtypes.Float64) }), "changes precision"},
		"stops gradient":  {fwd(func(x *graph.Node) *graph.Node { return graph.StopGradient(x) }), "strips the gradient"},
		"constant output": {fwd(func(x *graph.Node) *graph.Node { return graph.OnesLike(x) }), "strips the gradient"},
		"non-finite":      {fwd(func(x *graph.Node) *graph.Node { return graph.Log(graph.AddScalar(x, -10)) }), "non-finite"},
		"panics":          {fwd(func(x *graph.Node) *graph.Node { panic("boom") }), "boom"},
		"variables": {fwd(func(x *graph.Node) *graph.Node {
			w := graph.Parameter(x.Graph(), "weight", shapes.Make(x.DType()))
			return graph.Mul(x, w)
		}), "adds 1 parameter"},
	}
	backendtest.ForEach(t, func(t *testing.T, be backends.Backend) {
		if err := ValidateModel(good, ValidateModelOptions{}); err != nil {
			t.Errorf("valid model refused: %v", err)
		}
		if err := ValidateModel(good, ValidateModelOptions{Shape: []int{2, 3, 8, 9}, DType: dtypes.Float64}); err != nil {
			t.Errorf("valid float64 model refused: %v", err)
		}
		for name, c := range bad {
			err := ValidateModel(c.m, ValidateModelOptions{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: error %v, want it to mention %q", name, err, c.want)
			}
		}
	})
	if err := ValidateModel(good, ValidateModelOptions{Shape: []int{16, 16}}); err == nil || !strings.Contains(err.Error(), "4-D") {
		t.Errorf("2-D shape: error %v", err)
	}
	if err := ValidateModel(nil, ValidateModelOptions{}); err == nil {
		t.Error("nil model accepted")
	}
}

// SumAll of float32 tensors with short rows (summed in float32 first, see
// WidenForSum), long rows and a vector: within 1e-6 relative of the float64
// sum, on every backend, for values of mixed sign and magnitude.
func TestSumAllAccuracy(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backends.Backend) {
		for _, dims := range [][]int{{3, 1, 256, 256}, {5, 700}, {65536}, {2, 1}} {
			n := 1
			for _, d := range dims {
				n *= d
			}
			vals := make([]float64, n)
			want := 0.0
			for i := range vals {
				vals[i] = float64(float32(math.Sin(float64(i)*0.731)*math.Exp(float64(i%97)/20) + 0.3))
				want += vals[i]
			}
			out, err := graph.ExecOnce(b, SumAll, f32Tensor(vals, dims...))
			if err != nil {
				t.Fatal(err)
			}
			got := float64(tensors.MustCopyFlatData[float32](out)[0])
			if math.Abs(got-want) > 1e-6*math.Abs(want) {
				t.Errorf("%v: SumAll %.9g, float64 sum %.9g (rel err %.2g)", dims, got, want, math.Abs(got-want)/math.Abs(want))
			}
		}
	})
}
