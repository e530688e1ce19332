package synth

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/goplenoptic/goplenoptic/internal/reftest"
	"github.com/goplenoptic/goplenoptic/plenoptic/filters"
	"github.com/goplenoptic/goplenoptic/plenoptic/metric"
)

// oneMinusSSIM is the MAD_Competition_2 tutorial's model1: 1 − SSIM
// (weighted, reflect padding). Like plenoptic's it returns a [1, 1] tensor,
// which MAD Competition takes as its one value.
func oneMinusSSIM(a, b *Node) *Node {
	return OneMinus(metric.SSIM(a, b, metric.SSIMOptions{Weighted: true, Pad: filters.Reflect}))
}

// madParityMetrics are the two metrics of testdata/reference/make_reference_mad.py.
var madParityMetrics = map[string]Metric{"mse": metric.MSE, "ssim": oneMinusSSIM}

// madRuns are the four reference runs: the optimized metric and the target.
var madRuns = []struct {
	opt, ref string
	target   MADTarget
}{{"mse", "ssim", Minimize}, {"mse", "ssim", Maximize}, {"ssim", "mse", Minimize}, {"ssim", "mse", Maximize}}

// madSeries are the per-iteration records compared with plenoptic's.
func madSeries(m *MADCompetition) map[string][]float64 {
	return map[string][]float64{
		"losses":                m.Losses(),
		"optimized_metric_loss": m.OptimizedMetricLoss(),
		"reference_metric_loss": m.ReferenceMetricLoss(),
		"gradient_norm":         m.GradientNorm(),
		"pixel_change_norm":     m.PixelChangeNorm(),
	}
}

// TestMADReference: plenoptic 1.1.0's four 10-step MAD Competition runs
// (MSE against 1 − SSIM, each minimized and maximized, default Adam, from
// an injected start on a 64×64 crop of curie), and the automatic
// metric_tradeoff_lambda of each pair.
//
// In float64 (on the pure-Go backend; XLA runs the same graphs) every record (losses, both metric losses, gradient and
// pixel-change norms) and the final image are within 1e-4 relative of
// plenoptic's float64 run (measured: about 1e-12).
//
// In float32 both metric losses and the pixel-change norms are within 1e-4
// relative of plenoptic's float32 run. The objective subtracts two nearly
// equal terms (the reference metric's change is held near 0 by a large
// weight), so its float32 value, its gradient and, through Adam, the image
// carry round-off that plenoptic's own float32 run shows too (up to 5e-4
// relative against its float64 run). There the allowance is 1e-4 relative
// plus twice the round-off plenoptic's float32 run shows in that series
// (max |float32 − float64| over the run); the image is compared in absolute
// terms (its values lie in [0, 1]).
func TestMADReference(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backends.Backend) {
		for _, f64 := range []bool{false, true} {
			if f64 && b != backendtestGet(t, "go") {
				continue // the same graphs as float32: the algorithm is checked once, where nothing compiles
			}
			prefix, dt := "mad/", dtypes.Float32
			if f64 {
				prefix, dt = "mad/f64_", dtypes.Float64
			}
			load := func(name string) []float64 { d, _ := reftest.Load64(t, name); return d }
			imgData, shape := reftest.Load64(t, "mad/image")
			img := makeTensor(imgData, dt, shape)
			init := makeTensor(load("mad/initial"), dt, shape)
			worst := map[string]float64{}
			for _, c := range madRuns {
				run := fmt.Sprintf("%s_%s", c.opt, c.target)
				name := prefix + run
				m, err := NewMADCompetition(img, madParityMetrics[c.opt], madParityMetrics[c.ref], c.target, MADOptions{
					Backend: b, InitialImage: init, MetricTradeoffLambda: reftest.Scalar(t, name+"_lambda"), Log: &bytes.Buffer{}})
				if err != nil {
					t.Fatal(err)
				}
				if err := m.Synthesize(SynthesizeOptions{MaxIter: 10, StopCriterion: -1}); err != nil {
					t.Fatal(err)
				}
				for series, got := range madSeries(m) {
					want := reftest.Vector(t, name+"_"+series)
					if len(got) != len(want) {
						t.Errorf("%s_%s: %d values, want %d", name, series, len(got), len(want))
						continue
					}
					// float32 round-off of plenoptic's own run, in this series.
					roundoff := 0.0
					if !f64 && (series == "losses" || series == "gradient_norm") {
						w64 := reftest.Vector(t, "mad/f64_"+run+"_"+series)
						for i := range want {
							roundoff = math.Max(roundoff, math.Abs(want[i]-w64[i]))
						}
					}
					for i := range want {
						d := math.Abs(got[i] - want[i])
						if d > 1e-4*math.Abs(want[i])+2*roundoff {
							t.Errorf("%s_%s[%d] = %.9g, want %.9g (|diff| %.2g, allowed %.2g)", name, series, i, got[i], want[i], d, 1e-4*math.Abs(want[i])+2*roundoff)
						}
						worst[series] = math.Max(worst[series], d/math.Abs(want[i]))
					}
				}
				want := load(name + "_mad_image")
				allowed := 1e-4
				if !f64 {
					allowed += 2 * maxAbsDiff(load(name+"_mad_image"), load("mad/f64_"+run+"_mad_image"))
				}
				d := maxAbsDiff(flat(t, m.MADImage()), want)
				if d > allowed {
					t.Errorf("%s final MAD image max |diff| = %.3g, allowed %.3g", name, d, allowed)
				}
				worst["image (abs)"] = math.Max(worst["image (abs)"], d)

				// The automatic weight from the same start, with plenoptic's
				// warning (it depends only on the metrics at the start, which
				// the records above compare; the noisy-start case runs on the
				// pure-Go backend only, which compiles nothing).
				var log bytes.Buffer
				auto, err := NewMADCompetition(img, madParityMetrics[c.opt], madParityMetrics[c.ref], c.target, MADOptions{
					Backend: b, InitialImage: init, Log: &log})
				if err != nil {
					t.Fatal(err)
				}
				if got, want := auto.MetricTradeoffLambda(), reftest.Scalar(t, name+"_auto_lambda"); got != want {
					t.Errorf("%s automatic metric_tradeoff_lambda %v, want %v", name, got, want)
				}
				if w := fmt.Sprintf("automatically set to %s to roughly balance metrics", pyRepr(auto.MetricTradeoffLambda())); !strings.Contains(log.String(), w) {
					t.Errorf("%s: warning %q, want it to contain %q", name, log.String(), w)
				}
				if f64 || b != backendtestGet(t, "go") {
					continue
				}
				// From a noisy start of its own (std 0.1), the power of ten
				// plenoptic picked from its noisy start.
				auto, err = NewMADCompetition(img, madParityMetrics[c.opt], madParityMetrics[c.ref], c.target, MADOptions{
					Backend: b, Seed: 3, Log: &log})
				if err != nil {
					t.Fatal(err)
				}
				if got, want := auto.MetricTradeoffLambda(), reftest.Scalar(t, fmt.Sprintf("mad/%s_%s_auto_lambda_default_start", c.opt, c.ref)); got != want {
					t.Errorf("%s automatic metric_tradeoff_lambda from a noisy start %v, want %v", name, got, want)
				}
			}
			t.Logf("%s: worst relative differences from plenoptic: %v", dt, worst)
		}
	})
}

// TestMADMetricNames: the names the displays use for the metrics.
func TestMADMetricNames(t *testing.T) {
	b := backendtestGet(t, "go")
	img := refTensor(t, "mad/image")
	m, err := NewMADCompetition(img, metric.MSE, oneMinusSSIM, Minimize, MADOptions{Backend: b, Seed: 1, MetricTradeoffLambda: 1, Log: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.OptimizedMetricName(), "MSE"; got != want {
		t.Errorf("OptimizedMetricName %q, want %q", got, want)
	}
	if got, want := m.ReferenceMetricName(), "oneMinusSSIM"; got != want {
		t.Errorf("ReferenceMetricName %q, want %q", got, want)
	}
	closure := func(a, b *Node) *Node { return metric.MSE(a, b) }
	if got := funcName(closure); got != "" {
		t.Errorf("a closure is named %q, want \"\"", got)
	}
}
