package synth

import (
	"bytes"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/goplenoptic/goplenoptic/plenoptic/filters"
)

// blurScales is a model with three scales: the image blurred with Gaussians
// of decreasing width, each flattened; the representation is the scales
// asked for, concatenated ([B, 1, n·scales]).
type blurScales struct{ kernels map[string]filters.Kernel }

func newBlurScales(t testing.TB) *blurScales {
	t.Helper()
	m := &blurScales{kernels: map[string]filters.Kernel{}}
	for name, std := range map[string]float64{"0": 4, "1": 2, "2": 0.7} {
		m.kernels[name] = must(filters.CircularGaussian2D(9, 9, std))
	}
	return m
}

func (m *blurScales) Scales() []string { return []string{"0", "1", "2"} }

func (m *blurScales) Forward(x *Node) *Node { return m.ForwardScales(x, nil) }

func (m *blurScales) ForwardScales(x *Node, scales []string) *Node {
	if scales == nil {
		scales = m.Scales()
	}
	d := x.Shape().Dimensions
	var parts []*Node
	for _, s := range m.Scales() { // in the model's order, whatever the order asked
		if slices.Contains(scales, s) {
			y := filters.Depthwise(x, []filters.Kernel{m.kernels[s]}, filters.Circular)
			parts = append(parts, Reshape(y, d[0], 1, d[2]*d[3]))
		}
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return Concatenate(parts, -1)
}

// TestMetamerCTFSchedule checks plenoptic's coarse-to-fine rules on a model
// with three scales: stages coarse to fine then "all", a change only after
// CtfItersToCheck iterations at a scale, the timing records, the learning
// rate back to its initial value at each change, Losses on the whole
// representation and ScalesLoss on the optimized scales, and a resumable
// save.
func TestMetamerCTFSchedule(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backends.Backend) {
		img := crop(t, einstein(t), 60, 60, 32, 32)
		model := newBlurScales(t)
		for _, mode := range []CoarseToFine{Together, Separate} {
			newCTF := func() *MetamerCTF {
				m, err := NewMetamerCTF(img, model, MetamerCTFOptions{
					MetamerOptions: MetamerOptions{Backend: b, Seed: 1, Log: &bytes.Buffer{}},
					CoarseToFine:   mode, NoChangeScaleCriterion: true, CtfItersToCheck: 10,
				})
				if err != nil {
					t.Fatal(err)
				}
				return m
			}
			m := newCTF()
			wantStages := []string{"0", "1", allScales}
			if mode == Separate {
				wantStages = []string{"0", "1", "2", allScales}
			}
			if !slices.Equal(m.Scales(), wantStages) {
				t.Fatalf("%s: stages %v, want %v", mode, m.Scales(), wantStages)
			}
			sched := must(NewReduceLROnPlateau(PlateauOptions{Patience: 2, Threshold: 0.5}))
			opt := must(NewAdam(AdamOptions{LR: 0.02, AMSGrad: true}))
			if err := m.Synthesize(SynthesizeOptions{MaxIter: 45, Optimizer: opt, Scheduler: sched, StopCriterion: -1}); err != nil {
				t.Fatal(err)
			}
			// Without a criterion a stage lasts exactly CtfItersToCheck iterations.
			timing := m.ScalesTiming()
			stages := len(wantStages)
			for i, s := range wantStages[:stages-1] {
				if want := []int{10 * i, 10*i + 9}; !slices.Equal(timing[s], want) {
					t.Errorf("%s: timing[%s] = %v, want %v", mode, s, timing[s], want)
				}
			}
			if got := timing[allScales]; len(got) != 1 || got[0] != 10*(stages-1) {
				t.Errorf("%s: timing[all] = %v", mode, got)
			}
			if !slices.Equal(m.ScalesFinished(), wantStages[:stages-1]) || m.Scales()[0] != allScales {
				t.Errorf("%s: finished %v, stages left %v", mode, m.ScalesFinished(), m.Scales())
			}
			if n := len(m.Losses()); n != 45 || len(m.ScalesLoss()) != 45 {
				t.Fatalf("%s: %d losses, %d scale losses", mode, n, len(m.ScalesLoss()))
			}
			// While a scale is optimized, the whole loss exceeds the scale's
			// loss (which covers part of the representation); on "all" they agree.
			l, sl := m.Losses(), m.ScalesLoss()
			if !(l[5] > sl[5]) {
				t.Errorf("%s: iteration 5: whole loss %g, scale loss %g", mode, l[5], sl[5])
			}
			if last := len(l) - 1; math.Abs(l[last]-sl[last]) > 1e-9*math.Abs(l[last]) {
				t.Errorf("%s: on all scales the losses differ: %g vs %g", mode, l[last], sl[last])
			}

			// Save after 25, load, 20 more equal 45 uninterrupted.
			m2 := newCTF()
			if err := m2.Synthesize(SynthesizeOptions{MaxIter: 25, Optimizer: must(NewAdam(AdamOptions{LR: 0.02, AMSGrad: true})),
				Scheduler: must(NewReduceLROnPlateau(PlateauOptions{Patience: 2, Threshold: 0.5})), StopCriterion: -1}); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "ctf.gps")
			if err := m2.Save(path); err != nil {
				t.Fatal(err)
			}
			l2, err := LoadMetamerCTF(path, model, LoadOptions{Backend: b})
			if err != nil {
				t.Fatal(err)
			}
			if err := l2.Synthesize(SynthesizeOptions{MaxIter: 20, StopCriterion: -1}); err != nil {
				t.Fatal(err)
			}
			checkSeries(t, string(mode)+" losses", l2.Losses(), m.Losses(), 1e-6)
			checkSeries(t, string(mode)+" scale losses", l2.ScalesLoss(), m.ScalesLoss(), 1e-6)
			if d := maxAbsDiff(flat(t, l2.Metamer()), flat(t, m.Metamer())); d > 1e-6 {
				t.Errorf("%s: resumed metamer differs by %g", mode, d)
			}
		}
	})
}

// TestMetamerCTFLearningRateReset: at each change of scale the learning
// rate goes back to the optimizer's initial value.
func TestMetamerCTFLearningRateReset(t *testing.T) {
	b := backendtestGet(t, "xla:cpu")
	img := crop(t, einstein(t), 60, 60, 32, 32)
	m, err := NewMetamerCTF(img, newBlurScales(t), MetamerCTFOptions{
		MetamerOptions: MetamerOptions{Backend: b, Seed: 1, Log: &bytes.Buffer{}}, NoChangeScaleCriterion: true, CtfItersToCheck: 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	halve := &halving{}
	var lrs []float64
	err = m.Synthesize(SynthesizeOptions{MaxIter: 25, Scheduler: halve, StopCriterion: -1,
		Progress: func(p Progress) {
			if !p.Done {
				lrs = append(lrs, p.LearningRate)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	// Reported after each step: halved every step, back to 0.01 before
	// iterations 10 and 20.
	if math.Abs(lrs[9]-0.01*math.Pow(0.5, 10)) > 1e-15 || math.Abs(lrs[10]-0.005) > 1e-15 || math.Abs(lrs[20]-0.005) > 1e-15 {
		t.Errorf("learning rates %v", lrs)
	}
}

// halving is a scheduler that halves the learning rate at every step.
type halving struct{}

func (h *halving) Step(loss, lr float64) float64 { return lr / 2 }

// TestMetamerCTFErrors: bad options and models without scales.
func TestMetamerCTFErrors(t *testing.T) {
	b := backendtestGet(t, "go")
	img := crop(t, einstein(t), 60, 60, 16, 16)
	model := newBlurScales(t)
	if _, err := NewMetamerCTF(img, model, MetamerCTFOptions{MetamerOptions: MetamerOptions{Backend: b}, CoarseToFine: "sideways"}); err == nil || !strings.Contains(err.Error(), "sideways") {
		t.Errorf("unknown schedule: %v", err)
	}
	m, err := NewMetamerCTF(img, model, MetamerCTFOptions{MetamerOptions: MetamerOptions{Backend: b, Log: &bytes.Buffer{}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Synthesize(SynthesizeOptions{StopCriterion: 0.1}); err == nil || !strings.Contains(err.Error(), "strictly less than change_scale_criterion") {
		t.Errorf("stop criterion above the scale criterion: %v", err)
	}
	same := &sameShape{newBlurScales(t)}
	if _, err := NewMetamerCTF(img, same, MetamerCTFOptions{MetamerOptions: MetamerOptions{Backend: b}}); err == nil || !strings.Contains(err.Error(), "doesn't change shape") {
		t.Errorf("a model whose scales all have one shape: %v", err)
	}
}

// sameShape computes every scale set as the whole representation.
type sameShape struct{ *blurScales }

func (s *sameShape) ForwardScales(x *Node, _ []string) *Node {
	return s.blurScales.ForwardScales(x, nil)
}

// maskedBlur is blurScales with a ScaleMask: coarse-to-fine synthesis then
// compiles one step for every stage.
type maskedBlur struct{ *blurScales }

func (m *maskedBlur) ScaleMask(scales []string) ([]float64, error) {
	var w []float64
	for _, s := range m.Scales() {
		v := 0.0
		if slices.Contains(scales, s) {
			v = 1
		}
		for range 32 * 32 {
			w = append(w, v)
		}
	}
	return w, nil
}

// TestMetamerCTFMasked: with a ScaleMask and the L2 norm as the loss, the
// masked single step gives the same synthesis as one ForwardScales step per
// stage.
func TestMetamerCTFMasked(t *testing.T) {
	b := backendtestGet(t, "xla:cpu")
	img := crop(t, einstein(t), 60, 60, 32, 32)
	base := newBlurScales(t)
	run := func(model ScaledModel) *MetamerCTF {
		m, err := NewMetamerCTF(img, model, MetamerCTFOptions{
			MetamerOptions:         MetamerOptions{Backend: b, Seed: 1, Log: &bytes.Buffer{}, LossFunction: l2Metric},
			NoChangeScaleCriterion: true, CtfItersToCheck: 8,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Synthesize(SynthesizeOptions{MaxIter: 30, StopCriterion: -1}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	plain, withMask := run(base), run(&maskedBlur{base})
	checkSeries(t, "losses", withMask.Losses(), plain.Losses(), 1e-5)
	checkSeries(t, "scale losses", withMask.ScalesLoss(), plain.ScalesLoss(), 1e-5)
	if d := maxAbsDiff(flat(t, withMask.Metamer()), flat(t, plain.Metamer())); d > 1e-5 {
		t.Errorf("metamers differ by %g", d)
	}
}
