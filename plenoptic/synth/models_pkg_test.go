package synth

import (
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/goplenoptic/goplenoptic/internal/reftest"
	"github.com/goplenoptic/goplenoptic/plenoptic/filters"
	"github.com/goplenoptic/goplenoptic/plenoptic/models"
)

// The models package's tutorial models (what users build), as in the
// notebook: GaussianBlur, CenterSurround(31, 1.962, 4.235, circular) and
// the pretrained LuminanceGainControl with circular padding.
func packageModels(t testing.TB) (gauss, cs, lg models.Model) {
	t.Helper()
	g, err := models.NewGaussianBlur(models.GaussianBlurOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := models.NewCenterSurround(models.CenterSurroundOptions{KernelSize: models.Square(31),
		CenterStd: []float64{1.962}, SurroundStd: []float64{4.235}, PadMode: filters.Circular})
	if err != nil {
		t.Fatal(err)
	}
	l, err := models.NewLuminanceGainControl(models.FrontEndOptions{KernelSize: models.Square(31), PadMode: filters.Circular, Pretrained: true})
	if err != nil {
		t.Fatal(err)
	}
	return g, c, l
}

// The reference metamers with the models package's models; the second
// metamer of a model reuses the compiled step, and changed parameters get a
// new one.
func TestMetamerWithPackageModels(t *testing.T) {
	b := backendtestGet(t, "xla:cpu")
	gauss, cs, _ := packageModels(t)
	for _, c := range []struct {
		prefix string
		model  models.Model
	}{{"metamer_gauss_curie", gauss}, {"metamer_cs_curie", cs}} {
		m, err := NewMetamer(einstein(t), c.model, MetamerOptions{InitialImage: curie(t), Backend: b})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Synthesize(SynthesizeOptions{MaxIter: 10}); err != nil {
			t.Fatal(err)
		}
		checkSeries(t, c.prefix+"_losses", m.Losses(), reftest.Vector(t, c.prefix+"_losses"), 1e-4)
	}
	m1, _ := NewMetamer(einstein(t), cs, MetamerOptions{Backend: b})
	m2, _ := NewMetamer(curie(t), cs, MetamerOptions{Backend: b})
	_ = m1.Synthesize(SynthesizeOptions{MaxIter: 1})
	_ = m2.Synthesize(SynthesizeOptions{MaxIter: 1})
	step := func(m *Metamer) *graph.Exec {
		e, release, err := m.buildStep(m)
		if err != nil {
			t.Fatal(err)
		}
		release()
		return e
	}
	s1 := step(m1)
	if s1 == nil || s1 != step(m2) {
		t.Errorf("the step of a second metamer of the same model was not shared")
	}
	p := cs.(*models.CenterSurround)
	if err := p.LoadParams(map[string][]float64{"center_std": {1.5}}); err != nil {
		t.Fatal(err)
	}
	m3, _ := NewMetamer(curie(t), cs, MetamerOptions{Backend: b})
	_ = m3.Synthesize(SynthesizeOptions{MaxIter: 1})
	if step(m3) == s1 {
		t.Errorf("a model with changed parameters reused the old compiled step")
	}
}
