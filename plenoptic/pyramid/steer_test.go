package pyramid

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestSteerWeights compares the steering weights with plenoptic 1.1.0's
// steer (numbers printed by plenoptic.tools.signal.steer, float64).
func TestSteerWeights(t *testing.T) {
	cases := []struct {
		n     int
		angle float64
		even  bool
		want  []float64
	}{
		{4, 0.7, true, []float64{0.129998041342, 0.981858546566, -0.109495839706, 0.0840533453813}},
		{4, 0.7, false, []float64{-0.753713526943, 0.169347747342, 0.634844145942, 0.0144972458066}},
		{3, 1.1, true, []float64{-0.0590007448369, 0.996285988803, 0.0627147560344}},
		{6, 2.5, true, []float64{0.181096660489, -0.117951426871, 0.109140180722, -0.135283243341, 0.274678838068, 0.920668160305}},
	}
	for _, c := range cases {
		w, err := SteerWeights(c.n, c.angle, c.even)
		if err != nil {
			t.Fatal(err)
		}
		for k := range c.want {
			if math.Abs(w[k]-c.want[k]) > 1e-10 {
				t.Errorf("n=%d angle %v even %v: weights %v, plenoptic %v", c.n, c.angle, c.even, w, c.want)
				break
			}
		}
	}
	// At a band's own angle the weights select that band.
	for k := range 4 {
		w, _ := SteerWeights(4, math.Pi*float64(k)/4, true)
		for j, x := range w {
			if want := map[bool]float64{true: 1, false: 0}[j == k]; math.Abs(x-want) > 1e-12 {
				t.Errorf("angle of band %d: weights %v", k, w)
				break
			}
		}
	}
	if _, err := SteerWeights(0, 1, true); err == nil {
		t.Error("0 orientations accepted")
	}
	if _, err := SteerWeights(4, math.NaN(), true); err == nil {
		t.Error("NaN angle accepted")
	}
}

func TestEvalSteerCoeffs(t *testing.T) {
	p, err := NewSteerable([2]int{32, 32}, Options{Height: 2})
	if err != nil {
		t.Fatal(err)
	}
	img := make([]float32, 2*32*32)
	for i := range img {
		img[i] = float32(math.Sin(float64(i%32)/3+float64(i/64)) * math.Cos(float64(i/32)/4))
	}
	c, err := p.EvalForward(tensors.FromFlatDataAndDimensions(img, 2, 1, 32, 32))
	if err != nil {
		t.Fatal(err)
	}
	angles := []float64{0, math.Pi / 4, 0.3}
	s, w, err := p.EvalSteerCoeffs(c, angles, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Keys) != 2*3 || s.Keys[0] != BandKey(0, 4) || s.Keys[5] != BandKey(1, 6) || len(w) != 6 {
		t.Fatalf("keys %v", s.Keys)
	}
	// Angles 0 and π/4 reproduce bands 0 and 1; angle 0.3 is the weighted sum.
	for i := range 2 {
		for j, src := range []int{0, 1} {
			got := tensors.MustCopyFlatData[float32](s.Bands[BandKey(i, 4+j)])
			want := tensors.MustCopyFlatData[float32](c.Bands[BandKey(i, src)])
			for x := range want {
				if math.Abs(float64(got[x]-want[x])) > 1e-5 {
					t.Fatalf("scale %d steered to band %d's angle differs at %d: %v vs %v", i, src, x, got[x], want[x])
				}
			}
		}
		got := tensors.MustCopyFlatData[float32](s.Bands[BandKey(i, 6)])
		ww := w[BandKey(i, 6)]
		for x := range got {
			var sum float64
			for b := range 4 {
				sum += ww[b] * float64(tensors.MustCopyFlatData[float32](c.Bands[BandKey(i, b)])[x])
			}
			if math.Abs(sum-float64(got[x])) > 1e-5 {
				t.Fatalf("scale %d angle 0.3 at %d: %v, want %v", i, x, got[x], sum)
			}
			if x > 40 {
				break
			}
		}
	}
	cp, _ := NewSteerable([2]int{32, 32}, Options{Height: 2, IsComplex: true})
	if _, _, err := cp.EvalSteerCoeffs(c, angles, true); err == nil || !strings.Contains(err.Error(), "real coefficients") {
		t.Errorf("complex pyramid: %v", err)
	}
	delete(c.Bands, BandKey(1, 2))
	if _, _, err := p.EvalSteerCoeffs(c, angles, true); err == nil || !strings.Contains(err.Error(), "(1, 2) is missing") {
		t.Errorf("missing band: %v", err)
	}
}
