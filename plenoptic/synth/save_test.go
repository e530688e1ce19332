package synth

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/goplenoptic/goplenoptic/plenoptic/tools"
)

// Run 10, save, load, run 10 more == run 20 uninterrupted (with a scheduler,
// store_progress and the Adam state).
func TestMetamerSaveLoadResume(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backends.Backend) {
		img := crop(t, einstein(t), 60, 60, 64, 64)
		init := crop(t, curie(t), 60, 60, 64, 64)
		newM := func() *Metamer {
			m, err := NewMetamer(img, lumGainControl, MetamerOptions{InitialImage: init, Backend: b})
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		sched := func() Scheduler { return must(NewReduceLROnPlateau(PlateauOptions{Patience: 2, Threshold: 0.5})) }
		ref := newM()
		if err := ref.Synthesize(SynthesizeOptions{MaxIter: 20, StoreProgress: 3, Scheduler: sched()}); err != nil {
			t.Fatal(err)
		}
		m := newM()
		if err := m.Synthesize(SynthesizeOptions{MaxIter: 10, StoreProgress: 3, Scheduler: sched()}); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "metamer.gob")
		if err := m.Save(path); err != nil {
			t.Fatal(err)
		}
		l, err := LoadMetamer(path, lumGainControl, LoadOptions{Backend: b, Image: img})
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Synthesize(SynthesizeOptions{MaxIter: 10, StoreProgress: 3}); err != nil {
			t.Fatal(err)
		}
		checkSeries(t, "losses", l.Losses(), ref.Losses(), 1e-6)
		checkSeries(t, "gradient_norm", l.GradientNorm(), ref.GradientNorm(), 1e-6)
		checkSeries(t, "pixel_change_norm", l.PixelChangeNorm(), ref.PixelChangeNorm(), 1e-6)
		if d := maxAbsDiff(flat(t, l.Metamer()), flat(t, ref.Metamer())); d > 1e-6 {
			t.Errorf("metamer differs by %g", d)
		}
		if l.Optimizer().LR() != ref.Optimizer().LR() || l.Optimizer().LR() == 0.01 {
			t.Errorf("lr %g vs %g (the scheduler should have reduced it)", l.Optimizer().LR(), ref.Optimizer().LR())
		}
		if len(l.SavedMetamers()) != len(ref.SavedMetamers()) {
			t.Errorf("saved %d vs %d", len(l.SavedMetamers()), len(ref.SavedMetamers()))
		}

		// Mismatches are refused.
		if _, err := LoadMetamer(path, centerSurround, LoadOptions{Backend: b}); !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), "model of type") {
			t.Errorf("other model: %v", err)
		}
		if _, err := LoadMetamer(path, lumGainControl, LoadOptions{Backend: b, Image: init}); err == nil || !strings.Contains(err.Error(), "differs from the saved image") {
			t.Errorf("other image: %v", err)
		}
		if _, err := LoadMetamer(path, lumGainControl, LoadOptions{Backend: b, LossFunction: func(a, b *Node) *Node { return tools.MSE(a, b) }}); err == nil {
			t.Errorf("custom loss accepted for an MSE metamer")
		}
	})
}
