package metric

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/internal/reftest"
	"github.com/goplenoptic/goplenoptic/plenoptic/filters"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/backendtest"
)

// The parity tolerances. plenoptic computes in the images' dtype; in float32
// its own results are off the exact (float64) answer by up to 1.4e-3 on an
// SSIM map and 1e-2 (relative) on a gradient (t64err_* in the reference
// data: SSIM's variances are differences of nearly equal averages). So:
//
//   - float32 values must be within tolValue of plenoptic's float64 answer,
//     and within tolValue plus plenoptic's own float32 error of its float32
//     value (relative to the value when it is above 1);
//   - float32 maps and gradients are compared with plenoptic's float64 results
//     and must be within tolValue (maps, absolute) or tolGrad (gradients,
//     relative to the largest entry) plus twice plenoptic's own float32 error:
//     as accurate as plenoptic, give or take;
//   - float64 values, maps and gradients (crops) are compared with
//     plenoptic's float64 results within tol64 (relative to the largest
//     entry): the same algorithm, up to round-off. (plenoptic's SSIM window
//     is float32 even for float64 images; ssimWindow matches its sum, and
//     the float32 rounding of each entry, ≤ 3e-8, leaves ~1e-8 on SSIM
//     maps and gradients. NLPD agrees to ~1e-14.)
const (
	tolValue = 1e-5
	tolGrad  = 1e-4
	tol64    = 1e-7
)

// metricFns are the metrics the parity tests evaluate, by reference name.
var metricFns = map[string]func(a, b *Node) *Node{
	"ssim":          func(a, b *Node) *Node { return SSIM(a, b, SSIMOptions{Log: io.Discard}) },
	"ssim_weighted": func(a, b *Node) *Node { return SSIM(a, b, SSIMOptions{Weighted: true, Log: io.Discard}) },
	"ssim_reflect":  func(a, b *Node) *Node { return SSIM(a, b, SSIMOptions{Pad: filters.Reflect, Log: io.Discard}) },
	"ssim_weighted_reflect": func(a, b *Node) *Node {
		return SSIM(a, b, SSIMOptions{Weighted: true, Pad: filters.Reflect, Log: io.Discard})
	},
	"ssim_circular": func(a, b *Node) *Node { return SSIM(a, b, SSIMOptions{Pad: filters.Circular, Log: io.Discard}) },
	"ssim_constant": func(a, b *Node) *Node { return SSIM(a, b, SSIMOptions{Pad: filters.Constant, Log: io.Discard}) },
	"msssim":        func(a, b *Node) *Node { return MSSSIM(a, b, MSSSIMOptions{Log: io.Discard}) },
	"nlpd":          func(a, b *Node) *Node { return NLPD(a, b, NLPDOptions{Log: io.Discard}) },
	"mse":           MSE,
}

// job is one graph of the parity tests: metric values, the SSIM map and the
// gradients (of the summed metric with respect to the first image) asked for.
type job struct {
	values  []string
	ssimMap bool
	grads   []string
}

// outputs evaluates the job on backend b for the pair (a, b0) and returns
// values[name] ([B·C] flat), the map and gradients[name].
type outputs struct {
	values map[string][]float64
	ssim   []float64
	mapDim []int
	grads  map[string][]float64
}

func (j job) exec(t testing.TB, b backends.Backend) func(a, b0 *tensors.Tensor) outputs {
	t.Helper()
	var mapDims []int
	exec, err := NewExec(b, func(x, y *Node) []*Node {
		var out []*Node
		for _, m := range j.values {
			out = append(out, metricFns[m](x, y))
		}
		if j.ssimMap {
			m := SSIMMap(x, y, SSIMMapOptions{Log: io.Discard})
			mapDims = m.Shape().Dimensions
			out = append(out, m)
		}
		for _, m := range j.grads {
			out = append(out, Gradient(ReduceAllSum(metricFns[m](x, y)), x)[0])
		}
		return out
	})
	if err != nil {
		t.Fatal(err)
	}
	return func(a, b0 *tensors.Tensor) outputs {
		res, err := exec.Exec(a, b0)
		if err != nil {
			t.Fatal(err)
		}
		o := outputs{values: map[string][]float64{}, grads: map[string][]float64{}}
		i := 0
		for _, m := range j.values {
			o.values[m] = flat(t, res[i])
			i++
		}
		if j.ssimMap {
			o.ssim, o.mapDim = flat(t, res[i]), mapDims
			i++
		}
		for _, m := range j.grads {
			o.grads[m] = flat(t, res[i])
			i++
		}
		return o
	}
}

// worstValues tracks, over float32 values, the largest |Go − plenoptic
// float32|, |Go − plenoptic float64| and |plenoptic float32 − float64|.
var worstValues [3]float64

// checkValue compares a float32 metric value with plenoptic's, allowing
// plenoptic's own float32 error (t64_<name> is its float64 value).
func checkValue(t *testing.T, name string, got float64, worst *float64) {
	t.Helper()
	want := reftest.Scalar(t, "metric/"+name)
	w64 := reftest.Scalar(t, "metric/t64_"+name)
	own := math.Abs(want - w64)
	d := math.Abs(got - want)
	*worst = max(*worst, d)
	worstValues[0], worstValues[1], worstValues[2] = max(worstValues[0], d), max(worstValues[1], math.Abs(got-w64)), max(worstValues[2], own)
	scale := max(1, math.Abs(w64)) // relative for values above 1 (NLPD of ×255 images)
	if d > tolValue*scale+own {
		t.Errorf("%s = %.9g, plenoptic %.9g: |diff| %.3g > %.1g + %.3g (plenoptic's float32 error)", name, got, want, d, tolValue*scale, own)
	}
	if d64 := math.Abs(got - w64); d64 > tolValue*scale {
		t.Errorf("%s = %.9g, plenoptic's float64 answer %.9g: |diff| %.3g > %.1g", name, got, w64, d64, tolValue*scale)
	}
}

// TestFullImagesMatchPlenoptic evaluates SSIM (plain, weighted, reflect
// padded, both), MS-SSIM, NLPD, MSE and the SSIM map on einstein, curie and
// parrot (gray, 254×266) against their noise, blur and contrast
// distortions, identical images and einstein against curie, in float32;
// and the gradients of SSIM, weighted reflect-padded SSIM (the MAD
// tutorial's), MS-SSIM and NLPD on five pairs.
//
// On pure Go everything runs, the values through the Eval functions. XLA
// compiles a graph per image size, slowly (seconds for NLPD's gradient), so
// there the 256×256 pairs run through the Eval functions (the Examples then
// find those graphs compiled) without the weighted-only and reflect-only
// SSIM, and the parrot pairs run values and all gradients in one graph;
// the graphs are the ones pure Go runs.
func TestFullImagesMatchPlenoptic(t *testing.T) {
	pairs := distorted(t)
	names := make([]string, 0, len(pairs))
	for name := range pairs {
		names = append(names, name)
	}
	sort.Strings(names)
	grads := []string{"ssim", "ssim_weighted_reflect", "msssim", "nlpd"}
	forEachBackend(t, func(t *testing.T, b backends.Backend) {
		xla := b.String() != "go"
		values := []string{"ssim", "ssim_weighted", "ssim_reflect", "ssim_weighted_reflect", "msssim", "nlpd", "mse"}
		if xla {
			values = []string{"ssim", "ssim_weighted_reflect", "msssim", "nlpd", "mse"}
		}
		worstV := 0.0
		worstMap, worstGrad := map[string]float64{}, map[string]float64{}
		var gradJob func(a, b0 *tensors.Tensor) outputs
		var oneGraph func(a, b0 *tensors.Tensor) outputs
		withDefault(t, b, func() {
			for _, pname := range names {
				p := pairs[pname]
				var o outputs
				if xla && p[0].dims[2] != 256 {
					if oneGraph == nil {
						oneGraph = job{values: values, ssimMap: true, grads: grads}.exec(t, b)
					}
					o = oneGraph(p[0].tensor(), p[1].tensor())
				} else {
					o = evalOutputs(t, values, p[0].tensor(), p[1].tensor())
					needGrads := false
					for _, m := range grads {
						needGrads = needGrads || reftest.Has(t, "metric/grad_"+m+"_"+pname)
					}
					if needGrads && !xla {
						if gradJob == nil {
							gradJob = job{grads: grads}.exec(t, b)
						}
						o.grads = gradJob(p[0].tensor(), p[1].tensor()).grads
					}
				}
				for _, m := range values {
					checkValue(t, m+"_"+pname, o.values[m][0], &worstV)
				}
				if reftest.Has(t, "metric/ssimmap_"+pname) {
					want, shape := reftest.Load64(t, "metric/ssimmap_"+pname)
					if fmt.Sprint(shape) != fmt.Sprint(o.mapDim) {
						t.Fatalf("ssim map %s: shape %v, want %v", pname, o.mapDim, shape)
					}
					d := maxAbsDiff(t, o.ssim, want)
					own := reftest.Scalar(t, "metric/t64err_ssimmap_"+pname)
					worstMap[pname] = d
					if d > tolValue+2*own {
						t.Errorf("ssim map %s: max |diff| %.3g > %.1g + 2×%.3g", pname, d, tolValue, own)
					}
				}
				for _, m := range grads {
					ref := "metric/grad_" + m + "_" + pname
					if o.grads[m] == nil || !reftest.Has(t, ref) {
						continue
					}
					want, _ := reftest.Load64(t, ref)
					rel := maxAbsDiff(t, o.grads[m], want) / maxAbs(want)
					own := reftest.Scalar(t, "metric/t64err_grad_"+m+"_"+pname)
					worstGrad[m+"_"+pname] = rel
					if rel > tolGrad+2*own {
						t.Errorf("gradient of %s on %s: relative max |diff| %.3g > %.1g + 2×%.3g", m, pname, rel, tolGrad, own)
					}
				}
			}
		})
		t.Logf("values: max |Go − plenoptic float32| %.3g, max |Go − plenoptic float64| %.3g, max |plenoptic float32 − float64| %.3g",
			worstValues[0], worstValues[1], worstValues[2])
		worstValues = [3]float64{}
		t.Logf("SSIM maps, max |diff| vs plenoptic float64: %s", fmtMap(worstMap))
		t.Logf("gradients, relative max |diff| vs plenoptic float64: %s", fmtMap(worstGrad))
	})
}

// evalOutputs computes the values (and the SSIM map) with the Eval
// functions on the default backend.
func evalOutputs(t *testing.T, values []string, a, b *tensors.Tensor) outputs {
	t.Helper()
	o := outputs{values: map[string][]float64{}, grads: map[string][]float64{}}
	for _, m := range values {
		got, err := evalValue(m, a, b)
		if err != nil {
			t.Fatal(err)
		}
		o.values[m] = flat(t, got)
	}
	m, err := EvalSSIMMap(a, b, SSIMMapOptions{Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	o.ssim, o.mapDim = flat(t, m), m.Shape().Dimensions
	return o
}

// evalValue runs the Eval function of a reference metric name quietly.
func evalValue(name string, a, b *tensors.Tensor) (*tensors.Tensor, error) {
	switch name {
	case "ssim_weighted":
		return EvalSSIM(a, b, SSIMOptions{Weighted: true, Log: io.Discard})
	case "ssim_reflect":
		return EvalSSIM(a, b, SSIMOptions{Pad: filters.Reflect, Log: io.Discard})
	}
	return evalNamed(name, a, b, io.Discard)
}

func fmtMap(m map[string]float64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&sb, "%s %.2g; ", k, m[k])
	}
	return sb.String()
}

// TestFloat64CropsMatchPlenoptic runs the metrics, the SSIM map and the
// gradients in float64 on three crops (64×64, 61×67 and 48×40: even, odd
// and non-square sizes) and checks them against plenoptic's float64 results
// within tol64: the algorithm, beyond float32 round-off. It runs on the
// pure-Go backend (the same graphs run on XLA in float32 above).
func TestFloat64CropsMatchPlenoptic(t *testing.T) {
	im := testImages(t)
	n, _ := reftest.Load64(t, "metric/noise_256x256")
	noise := image[float64]{v: n, dims: []int{1, 1, 256, 256}}
	type cropCase struct {
		name, img, dist string
		box             [4]int
	}
	cases := []cropCase{
		{"einstein_noise_c64", "einstein", "noise", [4]int{96, 160, 96, 160}},
		{"parrot_blur_c61x67", "parrot", "blur", [4]int{100, 161, 90, 157}},
		{"curie_contrast_c48x40", "curie", "contrast", [4]int{60, 108, 150, 190}},
	}
	func(b backends.Backend) {
		worst := map[string]float64{}
		for _, c := range cases {
			orig := crop(to64(im[c.img]), c.box[0], c.box[1], c.box[2], c.box[3])
			var dist image[float64]
			switch c.dist {
			case "noise":
				dist = addNoise(orig, crop(noise, c.box[0], c.box[1], c.box[2], c.box[3]).v)
			case "blur":
				dist = blur(orig)
			default:
				dist = contrast(orig)
			}
			if got, want := shaOf(dist.v), metaString(t, "f64_crops", c.name, "sha256"); got != want {
				t.Fatalf("%s: distorted crop differs from the generator's", c.name)
			}
			j := job{values: []string{"ssim", "ssim_weighted_reflect", "ssim_circular", "ssim_constant", "msssim", "nlpd", "mse"},
				ssimMap: true, grads: []string{"ssim", "ssim_weighted_reflect", "msssim", "nlpd"}}
			o := j.exec(t, b)(dist.tensor(), orig.tensor())
			rel := func(got, want []float64) float64 { return maxAbsDiff(t, got, want) / max(maxAbs(want), 1e-300) }
			for _, m := range j.values {
				want := reftest.Scalar(t, "metric/f64_"+m+"_"+c.name)
				d := rel(o.values[m], []float64{want})
				worst["values"] = max(worst["values"], d)
				if d > tol64 {
					t.Errorf("%s %s = %.15g, plenoptic %.15g", c.name, m, o.values[m][0], want)
				}
			}
			wantMap, _ := reftest.Load64(t, "metric/f64_ssimmap_"+c.name)
			if d := rel(o.ssim, wantMap); d > tol64 {
				t.Errorf("%s: SSIM map relative max |diff| %.3g", c.name, d)
			} else {
				worst["map"] = max(worst["map"], d)
			}
			for _, m := range j.grads {
				if !reftest.Has(t, "metric/f64_grad_"+m+"_"+c.name) {
					continue // NLPD on clipped images: see make_reference_metric.py
				}
				want, _ := reftest.Load64(t, "metric/f64_grad_"+m+"_"+c.name)
				d := rel(o.grads[m], want)
				worst["grad_"+m] = max(worst["grad_"+m], d)
				if d > tol64 {
					t.Errorf("%s: gradient of %s relative max |diff| %.3g", c.name, m, d)
				}
			}
		}
		t.Logf("float64 crops, worst relative |diff|: %s", fmtMap(worst))
	}(backendtest.Get(t, "go"))
}

// TestWindowSums checks plenopticWindowSum against plenoptic's windows.
func TestWindowSums(t *testing.T) {
	for k := 1; k <= windowSize; k++ {
		want := reftest.Scalar(t, fmt.Sprintf("metric/window_sum_k%d", k))
		if plenopticWindowSum[k-1] != want {
			t.Errorf("window %d: sum %.17g, plenoptic %.17g", k, plenopticWindowSum[k-1], want)
		}
		w := ssimWindow(k)
		if d := math.Abs(w.Sum() - want); d > 1e-15 {
			t.Errorf("window %d sums to %.17g, want %.17g", k, w.Sum(), want)
		}
	}
}
