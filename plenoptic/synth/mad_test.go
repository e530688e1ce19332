package synth

import (
	"bytes"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/tools"
)

func l2Metric(a, b *Node) *Node { return tools.L2Norm(a, b) }

func l1Metric(a, b *Node) *Node { return tools.SumAll(Abs(Sub(a, b))) }

// TestMADTwoPixels is MAD_Competition_1: two-pixel images, L2 against L1.
// The four MAD images land where the level sets say: maximizing L2 at fixed
// L1 reaches a corner of the L1 diamond (one pixel unchanged), minimizing L2
// at fixed L1 the middle of its edge (equal changes); maximizing L1 at fixed
// L2 reaches the circle's diagonal (equal changes), minimizing it an axis
// (one pixel unchanged).
func TestMADTwoPixels(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backends.Backend) {
		img := makeTensor([]float64{0.5, 0.5}, dtypes.Float32, []int{1, 1, 1, 2})
		start := makeTensor([]float64{0.55, 0.47}, dtypes.Float32, []int{1, 1, 1, 2})
		d0 := []float64{0.05, -0.03}
		l1, l2 := math.Abs(d0[0])+math.Abs(d0[1]), math.Hypot(d0[0], d0[1])
		metrics := map[string]Metric{"l2": l2Metric, "l1": l1Metric}
		for _, c := range []struct {
			opt, ref string
			target   MADTarget
			check    func(d [2]float64) (got, want float64, what string)
		}{
			{"l2", "l1", Maximize, func(d [2]float64) (float64, float64, string) {
				return math.Min(math.Abs(d[0]), math.Abs(d[1])), 0, "the smaller change (corner of the L1 diamond)"
			}},
			{"l2", "l1", Minimize, func(d [2]float64) (float64, float64, string) {
				return math.Abs(d[0]) - math.Abs(d[1]), 0, "|d0| − |d1| (middle of the diamond's edge)"
			}},
			{"l1", "l2", Maximize, func(d [2]float64) (float64, float64, string) {
				return math.Abs(d[0]) - math.Abs(d[1]), 0, "|d0| − |d1| (diagonal of the L2 circle)"
			}},
			{"l1", "l2", Minimize, func(d [2]float64) (float64, float64, string) {
				return math.Min(math.Abs(d[0]), math.Abs(d[1])), 0, "the smaller change (axis of the L2 circle)"
			}},
		} {
			name := c.opt + "_" + string(c.target)
			m, err := NewMADCompetition(img, metrics[c.opt], metrics[c.ref], c.target,
				MADOptions{Backend: b, InitialImage: start, MetricTradeoffLambda: 1e4, Log: &bytes.Buffer{}})
			if err != nil {
				t.Fatal(err)
			}
			opt := must(NewAdam(AdamOptions{LR: 1e-4, AMSGrad: true}))
			if err := m.Synthesize(SynthesizeOptions{MaxIter: 2000, StopCriterion: 1e-10, Optimizer: opt, StoreProgress: 1}); err != nil {
				t.Fatal(err)
			}
			x := flat(t, m.MADImage())
			d := [2]float64{x[0] - 0.5, x[1] - 0.5}
			if got, want, what := c.check(d); math.Abs(got-want) > 2e-3 {
				t.Errorf("%s: %s = %.4g, want %.4g (change %v)", name, what, got, want, d)
			}
			// The reference metric stays at its start.
			ref := m.ReferenceMetricLoss()
			start := l1
			if c.ref == "l2" {
				start = l2
			}
			if last := ref[len(ref)-1]; math.Abs(last-start) > 2e-3*start+1e-4 {
				t.Errorf("%s: reference metric %g at the end, %g at the start", name, last, start)
			}
			if n := len(m.Losses()); len(ref) != n+1 || len(m.OptimizedMetricLoss()) != n+1 || len(m.SavedMADImages()) != n {
				t.Errorf("%s: %d losses, %d and %d metric losses, %d saved images", name, n, len(ref), len(m.OptimizedMetricLoss()), len(m.SavedMADImages()))
			}
		}
	})
}

// TestMADErrors: bad input gets clear errors.
func TestMADErrors(t *testing.T) {
	b := backendtestGet(t, "go")
	img := crop(t, einstein(t), 60, 60, 16, 16)
	mse := Metric(tools.MSE)
	for name, c := range map[string]struct {
		build func() error
		want  string
	}{
		"target": {func() error {
			_, err := NewMADCompetition(img, mse, l1Metric, "median", MADOptions{Backend: b})
			return err
		}, "synthesis_target must be one of"},
		"lambda": {func() error {
			_, err := NewMADCompetition(img, mse, l1Metric, Minimize, MADOptions{Backend: b, MetricTradeoffLambda: -1})
			return err
		}, "metric_tradeoff_lambda must be non-negative"},
		"not a scalar": {func() error {
			_, err := NewMADCompetition(img, func(a, b *Node) *Node { return Sub(a, b) }, l1Metric, Minimize, MADOptions{Backend: b})
			return err
		}, "metric should return a scalar"},
		"not zero on equal images": {func() error {
			_, err := NewMADCompetition(img, func(a, b *Node) *Node { return AddScalar(tools.MSE(a, b), 1) }, l1Metric, Minimize, MADOptions{Backend: b})
			return err
		}, "<= 5e-7 on two identical images"},
		"negative": {func() error {
			_, err := NewMADCompetition(img, func(a, b *Node) *Node { return Neg(tools.MSE(a, b)) }, l1Metric, Minimize, MADOptions{Backend: b})
			return err
		}, "non-negative"},
		"wrong rank": {func() error {
			_, err := NewMADCompetition(makeTensor(make([]float64, 4), dtypes.Float32, []int{2, 2}), mse, l1Metric, Minimize, MADOptions{Backend: b})
			return err
		}, "4-D"},
		"mismatched initial image": {func() error {
			_, err := NewMADCompetition(img, mse, l1Metric, Minimize, MADOptions{Backend: b, InitialImage: crop(t, einstein(t), 0, 0, 8, 8)})
			return err
		}, "same size"},
		"non-float": {func() error {
			_, err := NewMADCompetition(makeIntImage(), mse, l1Metric, Minimize, MADOptions{Backend: b})
			return err
		}, "float32 or float64"},
	} {
		err := c.build()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want it to mention %q", name, err, c.want)
		}
	}
}

// TestMADAutoLambdaSaveLoadResume: the automatic trade-off weight is the
// power of ten of the initial metric ratio (with plenoptic's warning); 10
// iterations, save, load, 10 more equal 20 uninterrupted.
func TestMADAutoLambdaSaveLoadResume(t *testing.T) {
	b := backendtestGet(t, "xla:cpu")
	img := crop(t, einstein(t), 60, 60, 32, 32)
	var log bytes.Buffer
	newMAD := func() *MADCompetition {
		m, err := NewMADCompetition(img, Metric(tools.MSE), l1Metric, Maximize, MADOptions{Backend: b, Seed: 4, Log: &log})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	ref := newMAD()
	opt0, ref0 := ref.OptimizedMetricLoss()[0], ref.ReferenceMetricLoss()[0]
	want := float64(float32(math.Pow(10, math.RoundToEven(math.Log10(opt0/ref0)))))
	if got := ref.MetricTradeoffLambda(); math.Abs(got-want) > 1e-12*want {
		t.Errorf("automatic lambda %g, want %g", got, want)
	}
	if !strings.Contains(log.String(), "Since metric_tradeoff_lamda was None, automatically set to") {
		t.Errorf("no warning: %q", log.String())
	}
	if err := ref.Synthesize(SynthesizeOptions{MaxIter: 20, StoreProgress: 2}); err != nil {
		t.Fatal(err)
	}
	m := newMAD()
	if err := m.Synthesize(SynthesizeOptions{MaxIter: 10, StoreProgress: 2}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "mad.gps")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	l, err := LoadMADCompetition(path, Metric(tools.MSE), l1Metric, LoadOptions{Backend: b})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Synthesize(SynthesizeOptions{MaxIter: 10, StoreProgress: 2}); err != nil {
		t.Fatal(err)
	}
	checkSeries(t, "losses", l.Losses(), ref.Losses(), 1e-6)
	checkSeries(t, "optimized metric", l.OptimizedMetricLoss(), ref.OptimizedMetricLoss(), 1e-6)
	checkSeries(t, "reference metric", l.ReferenceMetricLoss(), ref.ReferenceMetricLoss(), 1e-6)
	if d := maxAbsDiff(flat(t, l.MADImage()), flat(t, ref.MADImage())); d > 1e-6 {
		t.Errorf("resumed MAD image differs by %g", d)
	}
	// Other metrics are refused.
	if _, err := LoadMADCompetition(path, l1Metric, Metric(tools.MSE), LoadOptions{Backend: b}); !errors.Is(err, ErrMismatch) {
		t.Errorf("swapped metrics: %v", err)
	}
}

func makeIntImage() *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(make([]int32, 16), 1, 1, 4, 4)
}
