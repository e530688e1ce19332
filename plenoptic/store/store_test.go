package store

import (
	"bytes"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/data"
	"github.com/goplenoptic/goplenoptic/plenoptic/models"
	"github.com/goplenoptic/goplenoptic/plenoptic/synth"
	"github.com/goplenoptic/goplenoptic/plenoptic/tools"
)

func init() { os.Setenv("GOPLENOPTIC_QUIET", "1") }

// crop returns the top-left n×n pixels of einstein.
func crop(t testing.TB, n int) *tensors.Tensor {
	t.Helper()
	img, err := data.Einstein()
	if err != nil {
		t.Fatal(err)
	}
	v := tensors.MustCopyFlatData[float32](img)
	out := make([]float32, 0, n*n)
	for i := range n {
		out = append(out, v[(60+i)*256+60:(60+i)*256+60+n]...)
	}
	return tensors.FromFlatDataAndDimensions(out, 1, 1, n, n)
}

func gauss(t testing.TB, std float64) models.Model {
	t.Helper()
	m, err := models.NewGaussianBlur(models.GaussianBlurOptions{KernelSize: models.Square(9), Std: std})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func flat(t testing.TB, x *tensors.Tensor) []float64 {
	t.Helper()
	v, err := tools.Float64s(x)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func maxDiff(a, b []float64) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

// run builds a metamer through s and synthesizes it with opts.
func run(t *testing.T, s *Store, img *tensors.Tensor, model models.Model, mo synth.MetamerOptions, so synth.SynthesizeOptions) (*Metamer, Outcome) {
	t.Helper()
	m, err := s.NewMetamer(img, model, mo)
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.Synthesize(so)
	if err != nil {
		t.Fatal(err)
	}
	return m, out
}

func openStore(t *testing.T) (*Store, *bytes.Buffer) {
	t.Helper()
	var log bytes.Buffer
	s, err := Open(t.TempDir(), Options{Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	return s, &log
}

// TestLoadResumeRecompute checks the three outcomes: same inputs load
// without synthesis; only a larger MaxIter resumes for exactly the missing
// iterations and equals an uninterrupted run; any other change recomputes.
func TestLoadResumeRecompute(t *testing.T) {
	s, log := openStore(t)
	img := crop(t, 32)
	mo := synth.MetamerOptions{Seed: 7, Log: &bytes.Buffer{}}
	so := synth.SynthesizeOptions{MaxIter: 150, StopCriterion: -1, StoreProgress: 10}

	first, out := run(t, s, img, gauss(t, 3), mo, so)
	if out != Computed || len(first.Losses()) != 150 {
		t.Fatalf("first run: %s, %d iterations", out, len(first.Losses()))
	}
	if !strings.Contains(log.String(), "computed (150 iterations)") {
		t.Errorf("log: %q", log.String())
	}

	// Same inputs: loaded, and no step runs (a progress callback would see one).
	calls := 0
	again := so
	again.Progress = func(synth.Progress) { calls++ }
	m, out := run(t, s, img, gauss(t, 3), mo, again)
	if out != Loaded || calls != 0 {
		t.Errorf("same inputs: %s with %d progress reports, want loaded without synthesis", out, calls)
	}
	if d := maxDiff(flat(t, m.Metamer()), flat(t, first.Metamer())); d != 0 {
		t.Errorf("loaded metamer differs by %g", d)
	}

	// MaxIter 150 → 200: resumed for exactly 50 more iterations.
	longer := so
	longer.MaxIter = 200
	calls = 0
	longer.Progress = func(synth.Progress) { calls++ }
	resumed, out := run(t, s, img, gauss(t, 3), mo, longer)
	if out != Resumed || calls != 50+1 || len(resumed.Losses()) != 200 { // 50 iterations + the final report
		t.Fatalf("MaxIter 200: %s, %d progress reports, %d iterations; want resumed for 50", out, calls, len(resumed.Losses()))
	}
	if !strings.Contains(log.String(), "resumed from iteration 150 to 200") {
		t.Errorf("log: %q", log.String())
	}
	// ... equal to an uninterrupted 200-iteration run (in a store of its own).
	other, _ := openStore(t)
	longer.Progress = nil
	straight, out := run(t, other, img, gauss(t, 3), mo, longer)
	if out != Computed {
		t.Fatalf("fresh store: %s", out)
	}
	if d := maxDiff(flat(t, resumed.Metamer()), flat(t, straight.Metamer())); d > 1e-6 {
		t.Errorf("resumed metamer differs from the uninterrupted one by %g", d)
	}
	if d := maxDiff(resumed.Losses(), straight.Losses()); d > 1e-6 {
		t.Errorf("resumed losses differ by %g", d)
	}
	if len(resumed.SavedMetamers()) != len(straight.SavedMetamers()) {
		t.Errorf("saved metamers: %d vs %d", len(resumed.SavedMetamers()), len(straight.SavedMetamers()))
	}

	// Anything else changed: computed afresh.
	lr := func(v float64) synth.Optimizer {
		a, err := synth.NewAdam(synth.AdamOptions{LR: v, AMSGrad: true})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	init := crop(t, 32)
	for name, c := range map[string]struct {
		model models.Model
		mo    synth.MetamerOptions
		so    synth.SynthesizeOptions
	}{
		"std":           {gauss(t, 2.5), mo, so},
		"seed":          {gauss(t, 3), synth.MetamerOptions{Seed: 8, Log: mo.Log}, so},
		"initial image": {gauss(t, 3), synth.MetamerOptions{InitialImage: init, Log: mo.Log}, so},
		"lr":            {gauss(t, 3), mo, synth.SynthesizeOptions{MaxIter: 150, StopCriterion: -1, StoreProgress: 10, Optimizer: lr(0.02)}},
		"loss": {gauss(t, 3), synth.MetamerOptions{Seed: 7, Log: mo.Log, LossFunction: func(a, b *graph.Node) *graph.Node {
			return tools.L2Norm(a, b)
		}}, so},
		"stop rule":      {gauss(t, 3), mo, synth.SynthesizeOptions{MaxIter: 150, StopCriterion: -1, StopItersToCheck: 20, StoreProgress: 10}},
		"store progress": {gauss(t, 3), mo, synth.SynthesizeOptions{MaxIter: 150, StopCriterion: -1, StoreProgress: 5}},
		"penalty":        {gauss(t, 3), synth.MetamerOptions{Seed: 7, Log: mo.Log, RangePenaltyLambda: 0.2}, so},
	} {
		if _, out := run(t, s, img, c.model, c.mo, c.so); out != Computed {
			t.Errorf("changed %s: %s, want computed", name, out)
		}
	}
	// A smaller MaxIter is another synthesis too.
	shorter := so
	shorter.MaxIter = 100
	if _, out := run(t, s, img, gauss(t, 3), mo, shorter); out != Computed {
		t.Errorf("MaxIter 100 after 150 and 200: %s", out)
	}
}

// TestConvergedLoadsForLargerMaxIter: a run that stopped on convergence
// equals any longer uninterrupted run, so it is loaded, not resumed.
func TestConvergedLoadsForLargerMaxIter(t *testing.T) {
	s, _ := openStore(t)
	img := crop(t, 16)
	mo := synth.MetamerOptions{Seed: 3, Log: &bytes.Buffer{}}
	so := synth.SynthesizeOptions{MaxIter: 400, StopCriterion: 1e-4, StopItersToCheck: 5}
	m, _ := run(t, s, img, gauss(t, 3), mo, so)
	if !m.Converged() || len(m.Losses()) >= 400 {
		t.Fatalf("did not converge (%d iterations)", len(m.Losses()))
	}
	so.MaxIter = 800
	if l, out := run(t, s, img, gauss(t, 3), mo, so); out != Loaded || len(l.Losses()) != len(m.Losses()) {
		t.Errorf("larger MaxIter after convergence: %s", out)
	}
}

// TestTwoCallsChain follows the tutorial's two calls (20, then 150 more):
// both load on a second run, and growing the second call resumes it.
func TestTwoCallsChain(t *testing.T) {
	s, _ := openStore(t)
	img := crop(t, 16)
	mo := synth.MetamerOptions{Seed: 5, Log: &bytes.Buffer{}}
	twoCalls := func(second int) (*Metamer, []Outcome) {
		m, err := s.NewMetamer(img, gauss(t, 3), mo)
		if err != nil {
			t.Fatal(err)
		}
		var outs []Outcome
		for _, n := range []int{20, second} {
			out, err := m.Synthesize(synth.SynthesizeOptions{MaxIter: n, StopCriterion: -1, StoreProgress: 1})
			if err != nil {
				t.Fatal(err)
			}
			outs = append(outs, out)
		}
		return m, outs
	}
	_, outs := twoCalls(30)
	if outs[0] != Computed || outs[1] != Computed {
		t.Fatalf("first run: %v", outs)
	}
	m, outs := twoCalls(30)
	if outs[0] != Loaded || outs[1] != Loaded || len(m.Losses()) != 50 {
		t.Errorf("second run: %v, %d iterations", outs, len(m.Losses()))
	}
	m, outs = twoCalls(40)
	if outs[0] != Loaded || outs[1] != Resumed || len(m.Losses()) != 60 || len(m.SavedMetamers()) != 60 {
		t.Errorf("second call grown: %v, %d iterations, %d saved", outs, len(m.Losses()), len(m.SavedMetamers()))
	}
}

// TestFailingStore: a result whose store fails is returned with a warning,
// and no temporary file is left behind.
func TestFailingStore(t *testing.T) {
	s, log := openStore(t)
	img := crop(t, 16)
	// A folder in the way of the entry's name makes the rename fail.
	m, err := s.NewMetamer(img, gauss(t, 3), synth.MetamerOptions{Seed: 1, Log: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(s.Dir(), 0o500); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(s.Dir(), 0o755)
	if os.Getuid() == 0 { // root ignores permissions: block the entry's path instead
		os.Chmod(s.Dir(), 0o755)
		s.dir = filepath.Join(s.Dir(), "missing", "folder")
	}
	out, err := m.Synthesize(synth.SynthesizeOptions{MaxIter: 5})
	if err != nil || out != Computed || len(m.Losses()) != 5 {
		t.Fatalf("failing store: %s, %v, %d iterations", out, err, len(m.Losses()))
	}
	if !strings.Contains(log.String(), "could not be stored") || !strings.Contains(log.String(), "returned anyway") {
		t.Errorf("no warning: %q", log.String())
	}
	left, _ := filepath.Glob(filepath.Join(s.Dir(), "*.tmp"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestCorruptEntry: a damaged entry is refused, removed and recomputed.
func TestCorruptEntry(t *testing.T) {
	s, log := openStore(t)
	img := crop(t, 16)
	mo := synth.MetamerOptions{Seed: 1, Log: &bytes.Buffer{}}
	so := synth.SynthesizeOptions{MaxIter: 5}
	run(t, s, img, gauss(t, 3), mo, so)
	names, _ := filepath.Glob(filepath.Join(s.Dir(), "*"+entrySuffix))
	if len(names) != 1 {
		t.Fatalf("entries: %v", names)
	}
	b, _ := os.ReadFile(names[0])
	b[len(b)-10] ^= 0x10
	os.WriteFile(names[0], b, 0o644)
	if _, out := run(t, s, img, gauss(t, 3), mo, so); out != Computed {
		t.Errorf("corrupt entry: %s, want computed", out)
	}
	if !strings.Contains(log.String(), "does not load") {
		t.Errorf("log: %q", log.String())
	}
}

// TestTwoWriters: two processes computing and storing the same key at the
// same time both end with a loadable, correct entry.
func TestTwoWriters(t *testing.T) {
	if os.Getenv("STORE_WRITER") != "" {
		return // in a child: see helperWriter
	}
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	outs := make([][]byte, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$", "-test.count=1")
			cmd.Env = append(os.Environ(), "STORE_WRITER="+dir)
			outs[i], errs[i] = cmd.CombinedOutput()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v\n%s", i, err, outs[i])
		}
	}
	s, err := Open(dir, Options{Log: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	m, out := run(t, s, crop(t, 32), gauss(t, 3), synth.MetamerOptions{Seed: 11, Log: &bytes.Buffer{}}, synth.SynthesizeOptions{MaxIter: 60})
	if out != Loaded {
		t.Fatalf("after two writers: %s", out)
	}
	fresh, _ := openStore(t)
	want, _ := run(t, fresh, crop(t, 32), gauss(t, 3), synth.MetamerOptions{Seed: 11, Log: &bytes.Buffer{}}, synth.SynthesizeOptions{MaxIter: 60})
	if d := maxDiff(flat(t, m.Metamer()), flat(t, want.Metamer())); d != 0 {
		t.Errorf("stored entry differs from a fresh run by %g", d)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestHelperWriter is the child of TestTwoWriters.
func TestHelperWriter(t *testing.T) {
	dir := os.Getenv("STORE_WRITER")
	if dir == "" {
		t.Skip("run by TestTwoWriters")
	}
	s, err := Open(dir, Options{Log: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.NewMetamer(crop(t, 32), gauss(t, 3), synth.MetamerOptions{Seed: 11, Log: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Synthesize(synth.SynthesizeOptions{MaxIter: 60}); err != nil {
		t.Fatal(err)
	}
}

// TestEigendistortionStore: loaded on the second run, recomputed when an
// option changes.
func TestEigendistortionStore(t *testing.T) {
	s, _ := openStore(t)
	img := crop(t, 16)
	e1, err := s.NewEigendistortion(img, gauss(t, 3), synth.EigendistortionOptions{Log: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	if out, err := e1.Synthesize(synth.EigenSynthesizeOptions{MaxIter: 50}); err != nil || out != Computed {
		t.Fatalf("first: %s %v", out, err)
	}
	e2, _ := s.NewEigendistortion(img, gauss(t, 3), synth.EigendistortionOptions{Log: &bytes.Buffer{}})
	if out, err := e2.Synthesize(synth.EigenSynthesizeOptions{MaxIter: 50}); err != nil || out != Loaded {
		t.Fatalf("second: %s %v", out, err)
	}
	if d := maxDiff(e1.Eigenvalues(), e2.Eigenvalues()); d != 0 {
		t.Errorf("eigenvalues differ by %g", d)
	}
	e3, _ := s.NewEigendistortion(img, gauss(t, 3), synth.EigendistortionOptions{Log: &bytes.Buffer{}})
	if out, _ := e3.Synthesize(synth.EigenSynthesizeOptions{MaxIter: 60}); out != Computed {
		t.Errorf("changed MaxIter: %s", out)
	}
	e4, _ := s.NewEigendistortion(img, gauss(t, 2), synth.EigendistortionOptions{Log: &bytes.Buffer{}})
	if out, _ := e4.Synthesize(synth.EigenSynthesizeOptions{MaxIter: 50}); out != Computed {
		t.Errorf("changed model: %s", out)
	}
	// The power method ignores Tolerance: setting it loads the same entry.
	e5, _ := s.NewEigendistortion(img, gauss(t, 3), synth.EigendistortionOptions{Log: &bytes.Buffer{}})
	if out, _ := e5.Synthesize(synth.EigenSynthesizeOptions{MaxIter: 50, Tolerance: 1e-3}); out != Loaded {
		t.Errorf("power with a Tolerance: %s", out)
	}
	// Lanczos: a new method, then keyed by its Tolerance.
	for i, c := range []struct {
		tol  float64
		want Outcome
	}{{0, Computed}, {5e-5, Loaded}, {1e-6, Computed}, {1e-6, Loaded}} {
		e, _ := s.NewEigendistortion(img, gauss(t, 3), synth.EigendistortionOptions{Log: &bytes.Buffer{}})
		out, err := e.Synthesize(synth.EigenSynthesizeOptions{Method: synth.Lanczos, Tolerance: c.tol})
		if err != nil || out != c.want {
			t.Errorf("Lanczos call %d (Tolerance %g): %s %v, want %s", i, c.tol, out, err, c.want)
		}
		if e.Method() != synth.Lanczos || len(e.Residuals()) != 2 {
			t.Errorf("Lanczos call %d: method %q, residuals %v", i, e.Method(), e.Residuals())
		}
	}
}

// TestClosureModel: a model whose Forward is a closure is keyed by what it
// computes, so a changed captured value is a new synthesis.
func TestClosureModel(t *testing.T) {
	s, log := openStore(t)
	img := crop(t, 16)
	scaled := func(c float64) models.Model {
		return models.ModelFunc(func(x *graph.Node) *graph.Node { return graph.MulScalar(graph.Square(x), c) })
	}
	so := synth.SynthesizeOptions{MaxIter: 3}
	mo := synth.MetamerOptions{Seed: 1, Log: &bytes.Buffer{}}
	run(t, s, img, scaled(2), mo, so)
	if _, out := run(t, s, img, scaled(2), mo, so); out != Loaded {
		t.Errorf("same closure: %s (log %q)", out, log.String())
	}
	if _, out := run(t, s, img, scaled(3), mo, so); out != Computed {
		t.Errorf("closure with another captured value: %s, want computed", out)
	}
}

// TestMADStore: a MAD Competition is loaded on the second run, resumed when
// only MaxIter grows, recomputed with another metric or target.
func TestMADStore(t *testing.T) {
	s, _ := openStore(t)
	img := crop(t, 16)
	l1 := func(a, b *graph.Node) *graph.Node { return tools.SumAll(graph.Abs(graph.Sub(a, b))) }
	l1Scaled := func(a, b *graph.Node) *graph.Node {
		return graph.MulScalar(tools.SumAll(graph.Abs(graph.Sub(a, b))), 2)
	}
	mad := func(ref synth.Metric, target synth.MADTarget, iters int) Outcome {
		m, err := s.NewMADCompetition(img, synth.Metric(tools.MSE), ref, target, synth.MADOptions{Seed: 1, MetricTradeoffLambda: 10, Log: &bytes.Buffer{}})
		if err != nil {
			t.Fatal(err)
		}
		out, err := m.Synthesize(synth.SynthesizeOptions{MaxIter: iters, StopCriterion: -1})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, c := range []struct {
		ref    synth.Metric
		target synth.MADTarget
		iters  int
		want   Outcome
	}{
		{l1, synth.Minimize, 10, Computed},
		{l1, synth.Minimize, 10, Loaded},
		{l1, synth.Minimize, 15, Resumed},
		{l1Scaled, synth.Minimize, 10, Computed},
		{l1, synth.Maximize, 10, Computed},
	} {
		if got := mad(c.ref, c.target, c.iters); got != c.want {
			t.Errorf("%s %d iterations: %s, want %s", c.target, c.iters, got, c.want)
		}
	}
}
