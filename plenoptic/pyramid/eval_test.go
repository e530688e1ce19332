package pyramid

import (
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/internal/reftest"
)

// TestEval checks the eager API (default backend) against plenoptic: complex
// coefficients as complex64 tensors, a scale selection, and recon_pyr with
// and without a selection.
func TestEval(t *testing.T) {
	c := loadPyrCase(t, "e64_complex")
	img := tensors.FromFlatDataAndDimensions(c.x, 1, 1, c.h, c.w)
	co, err := c.p.EvalForward(img)
	if err != nil {
		t.Fatal(err)
	}
	if len(co.Keys) != len(c.p.Keys()) {
		t.Fatalf("%d keys, want %d", len(co.Keys), len(c.p.Keys()))
	}
	for _, k := range co.Keys {
		band, ok := co.Get(k)
		if !ok {
			t.Fatalf("band %s missing", k)
		}
		re, im := splitComplexTensor(band)
		if k.IsResidual() {
			want, _ := reftest.Load(t, "pyramid/pyr/e64_complex/"+keyFile(k))
			if im != nil {
				t.Errorf("%s is %s, want real", k, band.DType())
			}
			compare(t, k.String(), flat64(t, re), want, coeffTol)
			continue
		}
		if band.DType().String() != "Complex64" {
			t.Fatalf("%s is %s, want Complex64", k, band.DType())
		}
		wr, _ := reftest.Load(t, "pyramid/pyr/e64_complex/"+keyFile(k)+".re")
		wi, _ := reftest.Load(t, "pyramid/pyr/e64_complex/"+keyFile(k)+".im")
		compare(t, k.String()+" real", flat64(t, re), wr, coeffTol)
		compare(t, k.String()+" imaginary", flat64(t, im), wi, coeffTol)
	}
	rec, err := c.p.EvalReconPyr(co, ReconOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := reftest.Load(t, "pyramid/pyr/e64_complex/recon")
	compare(t, "recon", flat64(t, rec), want, coeffTol)
	rec, err = c.p.EvalReconPyr(co, ReconOptions{Levels: []Level{0, ResidualHighpass}, Bands: []int{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	want, _ = reftest.Load(t, "pyramid/pyr/e64_complex/recon_sel0")
	compare(t, "recon of a selection", flat64(t, rec), want, coeffTol)

	sub, err := c.p.EvalForwardScales(img, []Level{2, ResidualLowpass})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range sub.Keys {
		got = append(got, keyFile(k))
	}
	if want := "2_0 2_1 2_2 2_3 residual_lowpass"; joinWords(got) != want {
		t.Errorf("forward scales [2, residual_lowpass]: keys %v, want %s", got, want)
	}
}

func joinWords(s []string) string {
	out := ""
	for i, w := range s {
		if i > 0 {
			out += " "
		}
		out += w
	}
	return out
}
