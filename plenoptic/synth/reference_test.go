package synth

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/internal/reftest"
)

// refTensor loads a reference array as a float32 tensor.
func refTensor(t testing.TB, name string) *tensors.Tensor {
	t.Helper()
	d, shape := reftest.Load64(t, name)
	return makeTensor(d, dtypes.Float32, shape)
}

// maxAbsDiff is max_i |a_i − b_i|.
func maxAbsDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

func checkMetamerAgainst(t *testing.T, m *Metamer, prefix string, rtol float64) {
	t.Helper()
	checkSeries(t, prefix+"_losses", m.Losses(), reftest.Vector(t, prefix+"_losses"), rtol)
	checkSeries(t, prefix+"_gradient_norm", m.GradientNorm(), reftest.Vector(t, prefix+"_gradient_norm"), rtol)
	checkSeries(t, prefix+"_pixel_change_norm", m.PixelChangeNorm(), reftest.Vector(t, prefix+"_pixel_change_norm"), rtol)
	obj, err := m.Objective()
	if err != nil {
		t.Fatal(err)
	}
	if want := reftest.Scalar(t, prefix+"_final_objective"); !relClose(obj, want, rtol) {
		t.Errorf("%s final objective %.9g, want %.9g", prefix, obj, want)
	}
	if want := int(reftest.Scalar(t, prefix+"_adam_step")); m.Optimizer().Steps() != want {
		t.Errorf("%s adam step %d, want %d", prefix, m.Optimizer().Steps(), want)
	}
	want, _ := reftest.Load64(t, prefix+"_final")
	if d := maxAbsDiff(flat(t, m.Metamer()), want); d > 1e-4 {
		t.Errorf("%s final metamer max |diff| = %.3g", prefix, d)
	}
}

// Real plenoptic 1.1.0 outputs (testdata/reference): 10 steps of the
// Gaussian and CenterSurround metamers from curie, store_progress 3.
func TestMetamerReference(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backends.Backend) {
		m, err := NewMetamer(einstein(t), notebookGaussian, MetamerOptions{InitialImage: curie(t), Backend: b})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Synthesize(SynthesizeOptions{MaxIter: 10, StoreProgress: 3}); err != nil {
			t.Fatal(err)
		}
		checkMetamerAgainst(t, m, "metamer_gauss_curie", 1e-4)
		saved := m.SavedMetamers()
		if len(saved) != int(reftest.Scalar(t, "metamer_gauss_curie_sp3_saved_count")) {
			t.Errorf("saved %d", len(saved))
		}
		want, _ := reftest.Load64(t, "metamer_gauss_curie_sp3_saved_crop16")
		for j, s := range saved {
			if d := maxAbsDiff(flat(t, crop(t, s, 0, 0, 16, 16)), want[j*256:(j+1)*256]); d > 1e-4 {
				t.Errorf("saved[%d][..., :16, :16] max |diff| = %.3g", j, d)
			}
		}

		m, err = NewMetamer(einstein(t), centerSurround, MetamerOptions{InitialImage: curie(t), Backend: b})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Synthesize(SynthesizeOptions{MaxIter: 10}); err != nil {
			t.Fatal(err)
		}
		checkMetamerAgainst(t, m, "metamer_cs_curie", 1e-4)
	})
}

// LG, batch of 3 (targets einstein×3, initial curie, 1−curie, torch noise),
// a user Adam with lr 0.007 and AMSGrad, 5 steps.
func TestMetamerReferenceLGBatch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backends.Backend) { testLGBatch(t, b) })
}

func testLGBatch(t *testing.T, b backends.Backend) {
	c := flat(t, curie(t))
	inv := make([]float64, len(c))
	for i, v := range c {
		inv[i] = float64(1 - float32(v))
	}
	init := concatBatch(t, curie(t), makeTensor(inv, dtypes.Float32, []int{1, 1, 256, 256}), refTensor(t, "metamer_lg_batch3_init_rand"))
	img := einstein(t)
	m, err := NewMetamer(concatBatch(t, img, img, img), lumGainControl, MetamerOptions{InitialImage: init, Backend: b})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Synthesize(SynthesizeOptions{MaxIter: 5, Optimizer: must(NewAdam(AdamOptions{LR: 0.007, AMSGrad: true}))}); err != nil {
		t.Fatal(err)
	}
	checkMetamerAgainst(t, m, "metamer_lg_batch3", 1e-4)
}
