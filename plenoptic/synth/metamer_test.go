package synth

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/goplenoptic/goplenoptic/plenoptic/models"
)

// Spec Appendix A: notebook Gaussian, target einstein, initial curie,
// defaults, 10 iterations, fully deterministic.
func TestMetamerAppendixA(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backends.Backend) {
		m, err := NewMetamer(einstein(t), notebookGaussian, MetamerOptions{InitialImage: curie(t), Backend: b})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Synthesize(SynthesizeOptions{MaxIter: 10}); err != nil {
			t.Fatal(err)
		}
		checkSeries(t, "losses", m.Losses(), []float64{0.0952687263, 0.0901175663, 0.085146755, 0.0803583711,
			0.075753957, 0.0713342875, 0.0671013668, 0.0630575567, 0.0591832735, 0.0554945432}, 1e-4)
		checkSeries(t, "gradient_norm", m.GradientNorm(), []float64{0.00233838, 0.00227306, 0.0022082, 0.00214389, 0.00208019}, 1e-4)
		checkSeries(t, "pixel_change_norm", m.PixelChangeNorm(), []float64{2.55078, 2.54375, 2.53385, 2.52083, 2.50442}, 1e-4)
		obj, err := m.Objective()
		if err != nil {
			t.Fatal(err)
		}
		if !relClose(obj, 0.0519854575, 1e-4) {
			t.Errorf("objective = %.9g, want 0.0519854575", obj)
		}
		px := flat(t, m.Metamer())
		checkSeries(t, "metamer[0,0,0,0:3]", px[:3], []float64{0.16364996, 0.16733456, 0.17894155}, 1e-4)
		if n := len(m.Losses()); n != 10 {
			t.Errorf("len(losses) = %d", n)
		}
		if s := m.Optimizer().Steps(); s != 10 {
			t.Errorf("optimizer steps = %d", s)
		}
		if lr := m.Optimizer().LR(); lr != 0.01 {
			t.Errorf("lr = %g", lr)
		}
	})
}

// store_progress ∈ {1, 2, 3}: ceil(N/sp) saved metamers, N losses, and 2N
// after resuming; the first saved image is the initial image.
func TestMetamerStoreProgress(t *testing.T) {
	b := backendtestGet(t, "xla:cpu")
	img := crop(t, einstein(t), 100, 100, 32, 32)
	init := crop(t, curie(t), 100, 100, 32, 32)
	const n = 7
	for _, sp := range []int{1, 2, 3} {
		m, err := NewMetamer(img, notebookGaussian, MetamerOptions{InitialImage: init, Backend: b})
		if err != nil {
			t.Fatal(err)
		}
		for call := 1; call <= 2; call++ {
			if err := m.Synthesize(SynthesizeOptions{MaxIter: n, StoreProgress: sp}); err != nil {
				t.Fatal(err)
			}
			want := (call*n + sp - 1) / sp
			if got := len(m.SavedMetamers()); got != want {
				t.Errorf("store_progress %d, call %d: %d saved, want %d", sp, call, got, want)
			}
			if got := len(m.Losses()); got != call*n {
				t.Errorf("store_progress %d, call %d: %d losses", sp, call, got)
			}
		}
		first := flat(t, m.SavedMetamers()[0])
		for i, v := range flat(t, init) {
			if float32(first[i]) != float32(v) {
				t.Fatalf("saved[0] differs from the initial image at %d", i)
			}
		}
		if err := m.Synthesize(SynthesizeOptions{MaxIter: 1, StoreProgress: sp + 1}); err == nil ||
			!strings.Contains(err.Error(), "same StoreProgress") {
			t.Errorf("changing store_progress: err = %v", err)
		}
	}
}

// The stop rule: stop once |losses[−k] − losses[−1]| < c, and not earlier.
func TestMetamerStopCriterion(t *testing.T) {
	b := backendtestGet(t, "xla:cpu")
	img := crop(t, einstein(t), 100, 100, 32, 32)
	var warn bytes.Buffer
	m, err := NewMetamer(img, notebookGaussian, MetamerOptions{Backend: b, Seed: 3, Log: &warn})
	if err != nil {
		t.Fatal(err)
	}
	const c, k = 1e-4, 5
	if err := m.Synthesize(SynthesizeOptions{MaxIter: 500, StopCriterion: c, StopItersToCheck: k}); err != nil {
		t.Fatal(err)
	}
	l := m.Losses()
	n := len(l)
	if n >= 500 || n < 20 {
		t.Fatalf("stopped after %d iterations: want convergence between 20 and 500", n)
	}
	t.Logf("converged after %d iterations", n)
	if !strings.Contains(warn.String(), "Loss has converged, stopping synthesis") || !m.Converged() {
		t.Errorf("warning = %q", warn.String())
	}
	if d := math.Abs(l[n-k] - l[n-1]); !(d < c) {
		t.Errorf("|losses[-k] - losses[-1]| = %g, want < %g", d, c)
	}
	if d := math.Abs(l[n-k-1] - l[n-2]); !(d > c) {
		t.Errorf("|losses[-k-1] - losses[-2]| = %g, want > %g", d, c)
	}
}

func TestMetamerErrors(t *testing.T) {
	b := backendtestGet(t, "xla:cpu")
	img := crop(t, einstein(t), 100, 100, 16, 16)
	if _, err := NewMetamer(img, notebookGaussian, MetamerOptions{Backend: b, RangePenaltyLambda: -1}); err == nil ||
		!strings.Contains(err.Error(), "range_penalty_lambda must be non-negative") {
		t.Errorf("negative lambda: %v", err)
	}
	if _, err := NewMetamer(img, notebookGaussian, MetamerOptions{Backend: b, InitialImage: crop(t, curie(t), 0, 0, 16, 15)}); err == nil ||
		!strings.Contains(err.Error(), "initial_image and image must be same size") {
		t.Errorf("initial image size: %v", err)
	}
	if _, err := NewMetamer(img, notebookGaussian, MetamerOptions{Backend: b, AllowedRange: [2]float64{0.5, 1}}); err == nil ||
		!strings.Contains(err.Error(), "range must lie within") {
		t.Errorf("range: %v", err)
	}
	flatModel := models.ModelFunc(func(x *Node) *Node { return Reshape(x, -1) })
	if _, err := NewMetamer(img, flatModel, MetamerOptions{Backend: b}); err == nil || !strings.Contains(err.Error(), "3-D or 4-D") {
		t.Errorf("1-D model output: %v", err)
	}
	panicky := models.ModelFunc(func(x *Node) *Node { panic("boom") })
	if _, err := NewMetamer(img, panicky, MetamerOptions{Backend: b}); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("panicking model: %v", err)
	}
	badLoss := func(rep, target *Node) *Node { return Sub(rep, target) }
	if _, err := NewMetamer(img, notebookGaussian, MetamerOptions{Backend: b, LossFunction: badLoss}); err == nil || !strings.Contains(err.Error(), "scalar") {
		t.Errorf("non-scalar loss: %v", err)
	}

	// Optimizer on a resumed call.
	m, err := NewMetamer(img, notebookGaussian, MetamerOptions{Backend: b})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Synthesize(SynthesizeOptions{MaxIter: 2}); err != nil {
		t.Fatal(err)
	}
	if err := m.Synthesize(SynthesizeOptions{MaxIter: 2, Optimizer: must(NewAdam(AdamOptions{}))}); err == nil ||
		!strings.Contains(err.Error(), "when resuming synthesis, the Optimizer option must be nil") {
		t.Errorf("optimizer on resume: %v", err)
	}

	// NaN loss: a model that is finite on the image but not on the start.
	nanModel := models.ModelFunc(func(x *Node) *Node { return Sqrt(AddScalar(x, -0.5)) })
	bright := makeTensor(fill(256, 0.75), img.DType(), []int{1, 1, 16, 16})
	dark := makeTensor(fill(256, 0.25), img.DType(), []int{1, 1, 16, 16})
	m, err = NewMetamer(bright, nanModel, MetamerOptions{Backend: b, InitialImage: dark})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Synthesize(SynthesizeOptions{MaxIter: 3}); !errors.Is(err, ErrNaNLoss) || !strings.Contains(err.Error(), "Found a NaN in loss during optimization.") {
		t.Errorf("NaN loss: %v", err)
	}
	// The failed step is rolled back: nothing recorded, the start kept.
	if n := len(m.Losses()); n != 0 {
		t.Errorf("NaN loss recorded %d losses, want 0 (the step is rolled back)", n)
	}
	if d := maxAbsDiff(flat(t, m.Metamer()), flat(t, dark)); d != 0 {
		t.Errorf("the metamer changed by %g in a rolled-back step", d)
	}
}

func fill(n int, v float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}
