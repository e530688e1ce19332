package metric

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/internal/reftest"
	"github.com/goplenoptic/goplenoptic/plenoptic/filters"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/backendtest"
	"github.com/goplenoptic/goplenoptic/plenoptic/tools"
)

// crops64 returns the 64×64 crops the generator's shape cases use:
// einstein e, its noisy version en, and the batch [e, en, blur(e),
// contrast(e)].
func crops64(t *testing.T) (e, en, batch image[float32]) {
	im := testImages(t)
	n, _ := reftest.Load(t, "metric/noise_256x256")
	e = crop(im["einstein"], 96, 160, 96, 160)
	en = addNoise(e, crop(image[float32]{v: n, dims: []int{1, 1, 256, 256}}, 96, 160, 96, 160).v)
	return e, en, concat(e, en, blur(e), contrast(e))
}

// evalNamed runs the Eval function of a reference metric name.
func evalNamed(name string, a, b *tensors.Tensor, log io.Writer) (*tensors.Tensor, error) {
	switch name {
	case "ssim":
		return EvalSSIM(a, b, SSIMOptions{Log: log})
	case "ssim_weighted_reflect":
		return EvalSSIM(a, b, SSIMOptions{Weighted: true, Pad: filters.Reflect, Log: log})
	case "msssim":
		return EvalMSSSIM(a, b, MSSSIMOptions{Log: log})
	case "nlpd":
		return EvalNLPD(a, b, NLPDOptions{Log: log})
	case "mse":
		return EvalMSE(a, b)
	}
	panic(name)
}

// checkVector compares a float32 result with plenoptic's vector, allowing
// plenoptic's own float32 error (t64_<name>).
func checkVector(t *testing.T, name string, got []float64) {
	t.Helper()
	want := reftest.Vector(t, "metric/"+name)
	w64 := reftest.Vector(t, "metric/t64_"+name)
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	for i := range want {
		d, own, d64 := math.Abs(got[i]-want[i]), math.Abs(want[i]-w64[i]), math.Abs(got[i]-w64[i])
		if scale := max(1, math.Abs(w64[i])); d > tolValue*scale+own || d64 > tolValue*scale {
			t.Errorf("%s[%d] = %.9g, plenoptic %.9g, its float64 answer %.9g (plenoptic's own float32 error %.3g)", name, i, got[i], want[i], w64[i], own)
		}
	}
}

// TestBroadcastingAndChannels checks batch and channel broadcasting (4
// images against 1 and 1 against 4, 2×1 against 1×3) and colour images
// (channels compared separately, with plenoptic's warnings), through the
// Eval functions on both backends.
func TestBroadcastingAndChannels(t *testing.T) {
	e, en, batch := crops64(t)
	im := testImages(t)
	pc := crop(im["parrot_color"], 100, 164, 90, 154)
	if got, want := shaOf(pc.v), metaString(t, "parrot_color_crop", "sha256"); got != want {
		t.Fatalf("colour parrot crop differs from plenoptic's (sha256 %s, want %s)", got, want)
	}
	n, _ := reftest.Load(t, "metric/noise_256x256")
	noise := crop(image[float32]{v: n, dims: []int{1, 1, 256, 256}}, 96, 160, 96, 160).v
	pcn := image[float32]{v: make([]float32, len(pc.v)), dims: pc.dims}
	for c := range 3 {
		copy(pcn.v[c*64*64:], addNoise(image[float32]{v: pc.v[c*64*64 : (c+1)*64*64], dims: []int{1, 1, 64, 64}}, noise).v)
	}
	two := concat(e, en)
	forEachBackend(t, func(t *testing.T, b backends.Backend) {
		withDefault(t, b, func() {
			metrics := []string{"ssim", "ssim_weighted_reflect", "msssim", "nlpd", "mse"}
			if b.String() != "go" {
				metrics = []string{"ssim", "mse"} // XLA compiles are slow: the graphs are the same
			}
			for _, m := range metrics {
				got, err := evalNamed(m, batch.tensor(), e.tensor(), io.Discard)
				if err != nil {
					t.Fatal(err)
				}
				if d := got.Shape().Dimensions; fmt.Sprint(d) != "[4 1]" {
					t.Fatalf("%s: 4 against 1 gives shape %v, want [4 1]", m, d)
				}
				checkVector(t, "batch4_vs_1_"+m, flat(t, got))
				got, err = evalNamed(m, e.tensor(), batch.tensor(), io.Discard)
				if err != nil {
					t.Fatal(err)
				}
				checkVector(t, "1_vs_batch4_"+m, flat(t, got))
			}
			if b.String() != "go" {
				return
			}
			for _, m := range []string{"ssim", "msssim", "nlpd"} {
				var log bytes.Buffer
				got, err := evalNamed(m, pcn.tensor(), pc.tensor(), &log)
				if err != nil {
					t.Fatal(err)
				}
				if d := got.Shape().Dimensions; fmt.Sprint(d) != "[1 3]" {
					t.Fatalf("%s: colour gives shape %v, want [1 3]", m, d)
				}
				checkVector(t, "color_"+m, flat(t, got))
				checkWarnings(t, "color_"+m, log.String())
			}
			for _, m := range []string{"ssim", "nlpd"} {
				got, err := evalNamed(m, two.tensor(), pc.tensor(), io.Discard)
				if err != nil {
					t.Fatal(err)
				}
				if d := got.Shape().Dimensions; fmt.Sprint(d) != "[2 3]" {
					t.Fatalf("%s: [2 1] against [1 3] gives shape %v, want [2 3]", m, d)
				}
				checkVector(t, "bcast_2x1_vs_1x3_"+m, flat(t, got))
			}
		})
	})
}

// checkWarnings checks that the log holds each of plenoptic's distinct
// warnings for the case (warnings_<name>), once.
func checkWarnings(t *testing.T, name, log string) {
	t.Helper()
	seen := map[string]bool{}
	for _, w := range reftest.Text(t, "metric/warnings_"+name) {
		if seen[w] {
			continue
		}
		seen[w] = true
		if c := strings.Count(log, w); c != 1 {
			t.Errorf("%s: warning %q appears %d times in the log:\n%s", name, w, c, log)
		}
	}
	if len(seen) == 0 && log != "" {
		t.Errorf("%s: plenoptic gives no warning, but the log has:\n%s", name, log)
	}
	if got := strings.Count(log, "\n"); got != len(seen) {
		t.Errorf("%s: %d warnings in the log, want %d:\n%s", name, got, len(seen), log)
	}
}

// TestSmallImagesAndOptions checks the window cut to small images (SSIM on
// 8×8, 6×9 and 11×30, MS-SSIM down to 17×23, NLPD at its 33-pixel
// minimum), MS-SSIM's power factors, values outside [0, 1], and the
// warnings, on the pure-Go backend (the graphs are the ones the
// full-image tests run on XLA).
func TestSmallImagesAndOptions(t *testing.T) {
	e, en, _ := crops64(t)
	b := backendtest.Get(t, "go")
	withDefault(t, b, func() {
		gradOf := func(f func(x, y *Node) *Node, a, c image[float32]) []float64 {
			g, err := ExecOnce(b, func(x, y *Node) *Node { return Gradient(ReduceAllSum(f(x, y)), x)[0] }, a.tensor(), c.tensor())
			if err != nil {
				t.Fatal(err)
			}
			return flat(t, g)
		}
		checkGrad := func(name string, got []float64) {
			want, _ := reftest.Load64(t, "metric/"+name)
			if rel := maxAbsDiff(t, got, want) / maxAbs(want); rel > tolGrad {
				t.Errorf("%s: relative max |diff| %.3g", name, rel)
			}
		}
		for _, hw := range [][2]int{{8, 8}, {6, 9}, {11, 30}} {
			tag := fmt.Sprintf("%dx%d", hw[0], hw[1])
			a, c := crop(en, 0, hw[0], 0, hw[1]), crop(e, 0, hw[0], 0, hw[1])
			var log bytes.Buffer
			v, err := EvalSSIM(a.tensor(), c.tensor(), SSIMOptions{Log: &log})
			if err != nil {
				t.Fatal(err)
			}
			checkValue(t, "small_ssim_"+tag, flat(t, v)[0], new(float64))
			checkWarnings(t, "small_ssim_"+tag, log.String())
			m, err := EvalSSIMMap(a.tensor(), c.tensor(), SSIMMapOptions{Log: io.Discard})
			if err != nil {
				t.Fatal(err)
			}
			want, shape := reftest.Load64(t, "metric/small_ssimmap_"+tag)
			if fmt.Sprint(m.Shape().Dimensions) != fmt.Sprint(shape) {
				t.Errorf("map %s: shape %v, want %v", tag, m.Shape().Dimensions, shape)
			} else if d := maxAbsDiff(t, flat(t, m), want); d > tolValue+reftest.Scalar(t, "metric/t64err_small_ssimmap_"+tag) {
				t.Errorf("map %s: max |diff| %.3g", tag, d)
			}
			checkGrad("small_grad_ssim_"+tag, gradOf(metricFns["ssim"], a, c))
		}
		for _, hw := range [][2]int{{40, 48}, {17, 23}, {64, 64}} {
			tag := fmt.Sprintf("%dx%d", hw[0], hw[1])
			a, c := crop(en, 0, hw[0], 0, hw[1]), crop(e, 0, hw[0], 0, hw[1])
			var log bytes.Buffer
			v, err := EvalMSSSIM(a.tensor(), c.tensor(), MSSSIMOptions{Log: &log})
			if err != nil {
				t.Fatal(err)
			}
			checkValue(t, "small_msssim_"+tag, flat(t, v)[0], new(float64))
			checkWarnings(t, "small_msssim_"+tag, log.String())
			checkGrad("small_grad_msssim_"+tag, gradOf(metricFns["msssim"], a, c))
		}
		for name, pf := range map[string][]float64{"msssim_pf3_c64": {0.5, 0.3, 0.2}, "msssim_pf1_c64": {1}} {
			v, err := EvalMSSSIM(en.tensor(), e.tensor(), MSSSIMOptions{PowerFactors: pf, Log: io.Discard})
			if err != nil {
				t.Fatal(err)
			}
			checkValue(t, name, flat(t, v)[0], new(float64))
		}
		for _, hw := range [][2]int{{33, 40}, {33, 33}} {
			tag := fmt.Sprintf("%dx%d", hw[0], hw[1])
			a, c := crop(en, 0, hw[0], 0, hw[1]), crop(e, 0, hw[0], 0, hw[1])
			v, err := EvalNLPD(a.tensor(), c.tensor(), NLPDOptions{})
			if err != nil {
				t.Fatal(err)
			}
			checkValue(t, "small_nlpd_"+tag, flat(t, v)[0], new(float64))
			checkGrad("small_grad_nlpd_"+tag, gradOf(metricFns["nlpd"], a, c))
		}
		// values outside [0, 1]: computed anyway, with plenoptic's warning
		for _, m := range []string{"ssim", "nlpd"} {
			var log bytes.Buffer
			v, err := evalNamed(m, scale(en, 255).tensor(), scale(e, 255).tensor(), &log)
			if err != nil {
				t.Fatal(err)
			}
			checkValue(t, "range_"+m+"_x255", flat(t, v)[0], new(float64))
			want := reftest.Text(t, "metric/warnings_range_"+m)[0]
			prefix := want[:strings.Index(want, "img1")]
			if !strings.Contains(log.String(), prefix) || !strings.Contains(log.String(), "img1: [0, 255], img2: [25, 244]. Continuing anyway...") {
				t.Errorf("%s: range warning %q, plenoptic says %q", m, log.String(), want)
			}
		}
	})
}

// TestMSEIsToolsMSEForOneImage checks MSE against tools.MSE (all elements
// jointly), which it equals for a single image, and its [B, C] shape.
func TestMSEIsToolsMSEForOneImage(t *testing.T) {
	e, en, batch := crops64(t)
	b := backendtest.Get(t, "go")
	var got []*tensors.Tensor
	if err := catchPanic(func() {
		got = MustExecOnceN(b, func(x, y, bx *Node) []*Node {
			return []*Node{MSE(x, y), tools.MSE(x, y), MSE(bx, y)}
		}, en.tensor(), e.tensor(), batch.tensor())
	}); err != nil {
		t.Fatal(err)
	}
	if m, tm := flat(t, got[0])[0], flat(t, got[1])[0]; math.Abs(m-tm) > 1e-7*tm {
		t.Errorf("MSE %.9g, tools.MSE %.9g", m, tm)
	}
	if d := got[2].Shape().Dimensions; fmt.Sprint(d) != "[4 1]" {
		t.Errorf("MSE of 4 images against 1: shape %v", d)
	}
}

// TestNormalizedLaplacianPyramidMatchesPlenoptic compares every scale of
// the normalized Laplacian pyramid with plenoptic: float32 on a random
// 40×37 image, float64 on the 64×64 and 61×67 crops (pure Go).
func TestNormalizedLaplacianPyramidMatchesPlenoptic(t *testing.T) {
	withDefault(t, backendtest.Get(t, "go"), func() {
		x, dims := reftest.Load(t, "metric/lpyr_input_40x37")
		ys, err := EvalNormalizedLaplacianPyramid(tensors.FromFlatDataAndDimensions(x, dims...))
		if err != nil {
			t.Fatal(err)
		}
		if len(ys) != 6 {
			t.Fatalf("%d scales, want 6", len(ys))
		}
		for s, y := range ys {
			want, shape := reftest.Load64(t, fmt.Sprintf("metric/nlp_40x37_scale%d", s))
			if fmt.Sprint(y.Shape().Dimensions) != fmt.Sprint(shape) {
				t.Fatalf("scale %d: shape %v, want %v", s, y.Shape().Dimensions, shape)
			}
			if d := maxAbsDiff(t, flat(t, y), want); d > 1e-5*max(1, maxAbs(want)) {
				t.Errorf("scale %d: max |diff| %.3g (max |ref| %.3g)", s, d, maxAbs(want))
			}
		}
		im := testImages(t)
		for name, box := range map[string][4]int{"einstein_noise_c64": {96, 160, 96, 160}, "parrot_blur_c61x67": {100, 161, 90, 157}} {
			img := "einstein"
			if strings.HasPrefix(name, "parrot") {
				img = "parrot"
			}
			c := crop(to64(im[img]), box[0], box[1], box[2], box[3])
			ys, err := EvalNormalizedLaplacianPyramid(c.tensor())
			if err != nil {
				t.Fatal(err)
			}
			for s, y := range ys {
				want, _ := reftest.Load64(t, fmt.Sprintf("metric/f64_nlp_%s_scale%d", name, s))
				if d := maxAbsDiff(t, flat(t, y), want); d > tol64*maxAbs(want) {
					t.Errorf("%s scale %d: max |diff| %.3g", name, s, d)
				}
			}
		}
	})
}

// TestBadInput checks that bad input gets clear errors, from the Check
// functions, the Eval functions (never a panic) and graph building (a
// panic with the same error).
func TestBadInput(t *testing.T) {
	f32 := func(dims ...int) shapes.Shape { return shapes.Make(dtypes.Float32, dims...) }
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"rank", CheckSSIM(f32(1, 64, 64), f32(1, 64, 64), SSIMOptions{}), "Input images should have four dimensions"},
		{"hw", CheckSSIM(f32(1, 1, 64, 64), f32(1, 1, 64, 32), SSIMOptions{}), "img1 and img2 must have the same height and width"},
		{"batch", CheckSSIM(f32(2, 1, 64, 64), f32(3, 1, 64, 64), SSIMOptions{}), "Either img1 and img2 should have the same number of elements in each dimension, or one of them should be 1"},
		{"dtype", CheckSSIM(f32(1, 1, 8, 8), shapes.Make(dtypes.Float64, 1, 1, 8, 8), SSIMOptions{}), "Input images must have same dtype"},
		{"int", CheckSSIM(shapes.Make(dtypes.Int32, 1, 1, 8, 8), shapes.Make(dtypes.Int32, 1, 1, 8, 8), SSIMOptions{}), "must be float32 or float64, got int32"},
		{"empty", CheckSSIM(f32(1, 1, 0, 8), f32(1, 1, 0, 8), SSIMOptions{}), "must not be empty"},
		{"pad", CheckSSIM(f32(1, 1, 8, 8), f32(1, 1, 8, 8), SSIMOptions{Pad: "wrap"}), `unknown pad mode "wrap"`},
		{"pf", CheckMSSSIM(f32(1, 1, 8, 8), f32(1, 1, 8, 8), MSSSIMOptions{PowerFactors: []float64{}}), "PowerFactors is empty"},
		{"pfnan", CheckMSSSIM(f32(1, 1, 8, 8), f32(1, 1, 8, 8), MSSSIMOptions{PowerFactors: []float64{math.NaN()}}), "power factor 0 is NaN"},
		{"nlpd32", CheckNLPD(f32(1, 1, 32, 40), f32(1, 1, 32, 40)), "NLPD: images must be at least 33×33, got 32×40"},
		{"nlpdhw", CheckNLPD(f32(1, 1, 64, 64), f32(1, 1, 64, 32)), "img1 and img2 must have the same height and width"},
		{"mse", CheckMSE(f32(1, 1, 8, 8), f32(1, 1, 8, 9)), "MSE: img1 and img2 must have the same height and width"},
	}
	for _, c := range cases {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) || !strings.HasPrefix(c.err.Error(), "metric: ") {
			t.Errorf("%s: error %v, want it to start with \"metric: \" and mention %q", c.name, c.err, c.want)
		}
	}
	// plenoptic's own words, for the errors it raises
	for name, ref := range map[string]string{"rank": "error_ssim_rank3", "hw": "error_ssim_hw", "dtype": "error_ssim_dtype"} {
		words := reftest.Text(t, "metric/"+ref)[1]
		for _, c := range cases {
			if c.name == name && !strings.Contains(c.err.Error(), strings.TrimSuffix(words, "!")) {
				t.Errorf("%s: %v does not contain plenoptic's %q", name, c.err, words)
			}
		}
	}
	withDefault(t, backendtest.Get(t, "go"), func() {
		x := tensors.FromFlatDataAndDimensions(make([]float32, 64), 1, 1, 8, 8)
		y := tensors.FromFlatDataAndDimensions(make([]float32, 32), 1, 1, 4, 8)
		nan := tensors.FromFlatDataAndDimensions(append(make([]float32, 63), float32(math.NaN())), 1, 1, 8, 8)
		ints := tensors.FromFlatDataAndDimensions(make([]int32, 64), 1, 1, 8, 8)
		evals := map[string]func(a, b *tensors.Tensor) error{
			"SSIM": func(a, b *tensors.Tensor) error { _, err := EvalSSIM(a, b, SSIMOptions{Log: io.Discard}); return err },
			"SSIMMap": func(a, b *tensors.Tensor) error {
				_, err := EvalSSIMMap(a, b, SSIMMapOptions{Log: io.Discard})
				return err
			},
			"MS-SSIM": func(a, b *tensors.Tensor) error {
				_, err := EvalMSSSIM(a, b, MSSSIMOptions{Log: io.Discard})
				return err
			},
			"NLPD": func(a, b *tensors.Tensor) error { _, err := EvalNLPD(a, b, NLPDOptions{Log: io.Discard}); return err },
			"MSE":  func(a, b *tensors.Tensor) error { _, err := EvalMSE(a, b); return err },
		}
		for name, f := range evals {
			for what, c := range map[string]struct {
				a, b *tensors.Tensor
				want string
			}{
				"size": {x, y, "same height and width"},
				"nan":  {nan, x, "img1 has a non-finite value NaN at flat index 63"},
				"int":  {ints, ints, "must be float32 or float64"},
				"nil":  {nil, x, "nil image tensor"},
			} {
				err := f(c.a, c.b)
				if name == "NLPD" && what != "nil" && what != "int" && what != "size" {
					c.want = "at least 33×33" // 8×8 is too small before the values are read
				}
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Errorf("Eval %s with %s: error %v, want it to mention %q", name, what, err, c.want)
				}
			}
		}
		if _, err := EvalNormalizedLaplacianPyramid(x); err == nil || !strings.Contains(err.Error(), "at least 33×33") {
			t.Errorf("NormalizedLaplacianPyramid of 8×8: error %v", err)
		}
		// graph building panics with the Check error
		err := catchPanic(func() {
			MustExecOnce(backendtest.Get(t, "go"), func(a, b *Node) *Node { return SSIM(a, b, SSIMOptions{}) }, x, y)
		})
		if err == nil || !strings.Contains(err.Error(), "metric: SSIM: img1 and img2 must have the same height and width") {
			t.Errorf("graph SSIM on bad shapes: panic %v", err)
		}
	})
}

func catchPanic(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	f()
	return nil
}

// TestGraphWarnings checks the warnings the graph functions give when built
// (colour and small images; the range warning needs values) and that a nil
// Log means stderr does not break anything.
func TestGraphWarnings(t *testing.T) {
	b := backendtest.Get(t, "go")
	var log bytes.Buffer
	g := NewGraph(b, "warnings")
	x := Parameter(g, "x", shapes.Make(dtypes.Float32, 1, 3, 8, 8))
	SSIM(x, x, SSIMOptions{Log: &log})
	if got := log.String(); !strings.Contains(got, "metric: SSIM: warning: SSIM was designed for grayscale images") ||
		!strings.Contains(got, "metric: SSIM: warning: SSIM uses 11x11 convolutional kernel") || strings.Count(got, "\n") != 2 {
		t.Errorf("graph SSIM warnings:\n%s", got)
	}
	log.Reset()
	MSSSIM(x, x, MSSSIMOptions{Log: &log})
	if got := log.String(); strings.Count(got, "grayscale") != 1 || !strings.Contains(got, "for some scales") {
		t.Errorf("graph MS-SSIM warnings:\n%s", got)
	}
}
