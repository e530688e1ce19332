package synth

import (
	"bytes"
	"math"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/goplenoptic/goplenoptic/plenoptic/tools"
)

func TestHouseholderQRSigns(t *testing.T) {
	a := [][]float64{{2, -1, 0.5, 3}, {1, 4, -2, 0.25}, {-3, 0.5, 1, 1}}
	q := householderQR(a)
	for i := range q {
		for j := range q {
			want := 0.0
			if i == j {
				want = 1
			}
			if d := dot(q[i], q[j]); math.Abs(d-want) > 1e-12 {
				t.Errorf("QᵀQ[%d,%d] = %g", i, j, d)
			}
		}
	}
	// R = QᵀA is upper triangular with diagonal signs opposite to LAPACK's
	// pivots; the first pivot is a[0][0] = 2 > 0, so R[0,0] < 0 and Q's first
	// column has a negative first element.
	for i := range q {
		for j := range a {
			r := dot(q[i], a[j])
			if j < i && math.Abs(r) > 1e-12 {
				t.Errorf("R[%d,%d] = %g, want 0", i, j, r)
			}
		}
	}
	if r00 := dot(q[0], a[0]); r00 >= 0 || q[0][0] >= 0 {
		t.Errorf("R[0,0] = %g, Q[0,0] = %g: want both negative", r00, q[0][0])
	}
	// k = 1: q = −sign(a₀)·a/‖a‖, with +1 for a₀ = 0.
	for _, v := range [][]float64{{3, 4}, {-3, 4}, {0, 5}} {
		q := householderQR([][]float64{v})[0]
		s := 1.0
		if v[0] < 0 {
			s = -1
		}
		for i := range v {
			if want := -s * v[i] / 5; math.Abs(q[i]-want) > 1e-15 {
				t.Errorf("QR(%v) = %v", v, q)
			}
		}
	}
}

func TestReduceLROnPlateau(t *testing.T) {
	r := must(NewReduceLROnPlateau(PlateauOptions{Patience: 2}))
	lr := 1.0
	// Improves twice, then more than Patience=2 iterations without a 1e-4
	// relative improvement (8.9999 is not below 9·(1−1e-4)): reduced at step 4.
	for i, loss := range []float64{10, 9, 9, 8.9999, 9, 9, 9} {
		lr = r.Step(loss, lr)
		want := 1.0
		if i >= 4 {
			want = 0.1
		}
		if math.Abs(lr-want) > 1e-15 {
			t.Fatalf("step %d (loss %g): lr %g, want %g", i, loss, lr, want)
		}
	}
}

func TestMetamerOptimizersAndProgress(t *testing.T) {
	b := backendtestGet(t, "xla:cpu")
	img := crop(t, einstein(t), 100, 100, 32, 32)
	init := crop(t, curie(t), 100, 100, 32, 32)
	for _, tc := range []struct {
		name string
		opt  func() Optimizer
	}{
		{"sgd", func() Optimizer { return must(NewSGD(SGDOptions{LR: 50})) }},
		{"sgd-momentum", func() Optimizer { return must(NewSGD(SGDOptions{LR: 20, Momentum: 0.9, Nesterov: true})) }},
		{"adam", func() Optimizer { return must(NewAdam(AdamOptions{LR: 0.01, WeightDecay: 1e-4})) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewMetamer(img, notebookGaussian, MetamerOptions{InitialImage: init, Backend: b})
			if err != nil {
				t.Fatal(err)
			}
			var reports []Progress
			var bar bytes.Buffer
			barFn := NewProgressBar(&bar)
			cb := func(p Progress) {
				reports = append(reports, p)
				barFn(p)
				if p.Iteration == 5 && !p.Done {
					cur, err := p.Current()
					if err != nil || cur.Shape().Dimensions[2] != 32 {
						t.Errorf("Current: %v", err)
					}
				}
			}
			if err := m.Synthesize(SynthesizeOptions{MaxIter: 20, Optimizer: tc.opt(), Progress: cb}); err != nil {
				t.Fatal(err)
			}
			l := m.Losses()
			if !(l[19] < l[0]) {
				t.Errorf("loss did not decrease: %g -> %g", l[0], l[19])
			}
			if len(reports) != 21 || !reports[20].Done || reports[19].Iteration != 20 || reports[0].Loss != l[0] {
				t.Errorf("%d reports, last %+v", len(reports), reports[len(reports)-1])
			}
			if !strings.HasSuffix(bar.String(), "\n") || !regexp.MustCompile(`\r100%\|██████████\| 20/20 \[\d\d:\d\d<00:00, [\d.]+(it/s|s/it), loss=\d\.\d{4}e-\d\d, learning_rate=[\d.e-]+, gradient_norm=\d\.\d{4}e[-+]\d\d, pixel_change_norm=\d\.\d{4}e[-+]\d\d\]\n$`).MatchString(bar.String()) {
				t.Errorf("bar output %q", bar.String())
			}
		})
	}
}

func TestProgressFormatting(t *testing.T) {
	p := Progress{Stage: "Metamer", Iteration: 37, MaxIter: 100, Loss: 0.012345, LearningRate: 0.01,
		GradientNorm: 0.00233838, PixelChangeNorm: 2.55078, Elapsed: 1230 * time.Millisecond}
	got := formatBar(p)
	want := " 37%|███▋      | 37/100 [00:01<00:02, 30.08it/s, loss=1.2345e-02, learning_rate=0.01, gradient_norm=2.3384e-03, pixel_change_norm=2.5508e+00]"
	if got != want {
		t.Errorf("bar\n%q\nwant\n%q", got, want)
	}
	e := formatBar(Progress{Stage: "Bottom", K: 1, Iteration: 40, MaxIter: 1000, Delta: 1.234e-5, Elapsed: 100 * time.Millisecond})
	if want := "Bottom k=1 eigendists:   4%|▍         | 40/1000 [00:00<00:02, 400.00it/s, delta_eigenval=1.23E-05]"; e != want {
		t.Errorf("eigen bar\n%q\nwant\n%q", e, want)
	}
	for v, want := range map[float64]string{0.01: "0.01", 0.007: "0.007", 0.0010000000000000002: "0.001", 1e-5: "1e-5", 0.1: "0.1"} {
		if got := tqdmNum(v); got != want {
			t.Errorf("tqdmNum(%v) = %q, want %q", v, got, want)
		}
	}
	if got := pyE(1e-7, 2, true); got != "1.00E-07" {
		t.Errorf("pyE = %q", got)
	}
}

func TestEigenSaveLoad(t *testing.T) {
	b := backendtestGet(t, "xla:cpu")
	img := flat(t, crop(t, einstein(t), 100, 100, 32, 32))
	e, _ := newEig(t, b, img, []int{1, 1, 32, 32}, centerSurround)
	var lines bytes.Buffer
	if err := e.Synthesize(EigenSynthesizeOptions{MaxIter: 30, ProgressEvery: 10, Progress: NewProgressPrinter(&lines)}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(lines.String(), "\n"); n != 6 || !strings.HasPrefix(lines.String(), "Top k=1 | iteration 10/30 | eigenvalue ") {
		t.Errorf("progress lines %q", lines.String())
	}
	path := filepath.Join(t.TempDir(), "eig.gob")
	if err := e.Save(path); err != nil {
		t.Fatal(err)
	}
	l, err := LoadEigendistortion(path, centerSurround, LoadOptions{Backend: b})
	if err != nil {
		t.Fatal(err)
	}
	if maxAbsDiff(flat(t, l.Eigendistortions()), flat(t, e.Eigendistortions())) != 0 ||
		maxAbsDiff(l.Eigenvalues(), e.Eigenvalues()) != 0 || l.Eigenindex()[1] != 1023 {
		t.Errorf("loaded results differ")
	}
	if _, err := LoadEigendistortion(path, notebookGaussian, LoadOptions{Backend: b}); err == nil {
		t.Errorf("loaded with another model")
	}
	if _, err := LoadMetamer(path, centerSurround, LoadOptions{Backend: b}); err == nil || !strings.Contains(err.Error(), `holds a "Eigendistortion", not a Metamer`) {
		t.Errorf("an eigendistortion file loaded as a metamer: %v", err)
	}
	_ = dtypes.Float32
}

// A custom loss function (L2 norm, plenoptic's l2_norm) and no range penalty.
func TestMetamerCustomLoss(t *testing.T) {
	b := backendtestGet(t, "go")
	img := crop(t, einstein(t), 100, 100, 32, 32)
	init := crop(t, curie(t), 100, 100, 32, 32)
	l2 := func(rep, target *Node) *Node { return Sqrt(tools.SumAll(Square(Sub(rep, target)))) }
	m, err := NewMetamer(img, centerSurround, MetamerOptions{InitialImage: init, Backend: b, LossFunction: l2, NoRangePenalty: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.RangePenaltyLambda() != 0 {
		t.Errorf("lambda %g", m.RangePenaltyLambda())
	}
	obj, _ := m.Objective()
	rep := flat(t, must(m.RepresentationError(-1)))
	if want := norm2(rep); math.Abs(obj-want) > 1e-5*want {
		t.Errorf("objective %g, ‖rep error‖ %g", obj, want)
	}
	if err := m.Synthesize(SynthesizeOptions{MaxIter: 5, StoreProgress: 2}); err != nil {
		t.Fatal(err)
	}
	// Saved before iterations 0, 2 and 4.
	if _, err := m.RepresentationError(4); err != nil {
		t.Error(err)
	}
	if _, err := m.RepresentationError(3); err == nil {
		t.Error("RepresentationError(3) with StoreProgress 2 succeeded")
	}
	if _, err := m.RepresentationError(6); err == nil {
		t.Error("RepresentationError(6) after 5 iterations succeeded")
	}
	path := filepath.Join(t.TempDir(), "m.gob")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadMetamer(path, centerSurround, LoadOptions{Backend: b}); err == nil || !strings.Contains(err.Error(), "custom loss") {
		t.Errorf("load without the loss: %v", err)
	}
	if _, err := LoadMetamer(path, centerSurround, LoadOptions{Backend: b, LossFunction: l2}); err != nil {
		t.Error(err)
	}
}

// float64 images run in float64 end to end.
func TestMetamerFloat64(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backends.Backend) {
		img := makeTensor(flat(t, crop(t, einstein(t), 100, 100, 32, 32)), dtypes.Float64, []int{1, 1, 32, 32})
		init := makeTensor(flat(t, crop(t, curie(t), 100, 100, 32, 32)), dtypes.Float64, []int{1, 1, 32, 32})
		m, err := NewMetamer(img, lumGainControl, MetamerOptions{InitialImage: init, Backend: b})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Synthesize(SynthesizeOptions{MaxIter: 5}); err != nil {
			t.Fatal(err)
		}
		if m.Metamer().DType() != dtypes.Float64 || !(m.Losses()[4] < m.Losses()[0]) {
			t.Errorf("dtype %s, losses %v", m.Metamer().DType(), m.Losses())
		}
		e, err := NewEigendistortion(img, lumGainControl, EigendistortionOptions{Backend: b, Log: &bytes.Buffer{}})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Synthesize(EigenSynthesizeOptions{MaxIter: 20, Seed: 1}); err != nil {
			t.Fatal(err)
		}
		if e.Eigendistortions().DType() != dtypes.Float64 {
			t.Errorf("eigendistortions dtype %s", e.Eigendistortions().DType())
		}
	})
}
