package synth

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/goplenoptic/goplenoptic/internal/reftest"
	"github.com/goplenoptic/goplenoptic/plenoptic/data"
	"github.com/goplenoptic/goplenoptic/plenoptic/models"
)

// TestPSMetamerReference: plenoptic 1.1.0's deterministic 20-iteration
// Portilla–Simoncelli metamer of reptile_skin (256×256, default model,
// l2_norm loss, default Adam with AMSGrad, range penalty 0.1) from its
// stored initial image: every loss, gradient norm and pixel-change norm
// within 1e-3 relative, and the final metamer within 2e-4 of plenoptic's.
func TestPSMetamerReference(t *testing.T) {
	img, err := data.ReptileSkin()
	if err != nil {
		t.Fatal(err)
	}
	ps, err := models.NewPortillaSimoncelli([2]int{256, 256}, models.PortillaSimoncelliOptions{})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"xla:cpu"}
	if os.Getenv("PS_REF_BACKENDS") == "all" {
		names = append(names, "go")
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			b := backendtestGet(t, name)
			start := time.Now()
			m, err := NewMetamer(img, ps, MetamerOptions{LossFunction: models.PortillaSimoncelliLoss,
				InitialImage: refTensor(t, "pyramid/metamer/init"), Backend: b, Log: &bytes.Buffer{}})
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Synthesize(SynthesizeOptions{MaxIter: 20, StopCriterion: -1, ProgressBar: ProgressBarOff}); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: 20 iterations in %.1f s", name, time.Since(start).Seconds())
			const rtol = 1e-3
			checkSeries(t, "losses", m.Losses(), reftest.Vector(t, "pyramid/metamer/losses"), rtol)
			checkSeries(t, "gradient_norm", m.GradientNorm(), reftest.Vector(t, "pyramid/metamer/gradient_norm"), rtol)
			checkSeries(t, "pixel_change_norm", m.PixelChangeNorm(), reftest.Vector(t, "pyramid/metamer/pixel_change_norm"), rtol)
			worst := 0.0
			for i, w := range reftest.Vector(t, "pyramid/metamer/losses") {
				worst = max(worst, abs(m.Losses()[i]-w)/abs(w))
			}
			want, _ := reftest.Load64(t, "pyramid/metamer/final")
			d := maxAbsDiff(flat(t, m.Metamer()), want)
			if d > 2e-4 {
				t.Errorf("final metamer max |diff| = %.3g, want ≤ 2e-4", d)
			}
			t.Logf("worst loss relative difference %.2g; final metamer max |diff| %.2g", worst, d)
		})
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
