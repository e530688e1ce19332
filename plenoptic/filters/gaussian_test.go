package filters

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/goplenoptic/goplenoptic/internal/reftest"
)

func closeTo(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

// TestGaussianAppendixA checks the filter numbers of spec Appendix A.
func TestGaussianAppendixA(t *testing.T) {
	g, err := CircularGaussian2D(31, 31, 3)
	if err != nil {
		t.Fatal(err)
	}
	l2 := 0.0
	minV := math.Inf(1)
	for _, v := range g.Data {
		l2 += v * v
		minV = math.Min(minV, v)
	}
	checks := []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"sum", g.Sum(), 0.999999986, 2e-8},
		{"centre", g.At(15, 15), 0.0176838897, 1e-9},
		{"corner", minV, 2.4559e-13, 1e-17},
		{"L2", math.Sqrt(l2), 0.094031635, 1e-8},
		{"(15,0)", g.At(15, 0), 6.590172e-08, 1e-13},
	}
	for _, c := range checks {
		if !closeTo(c.got, c.want, c.tol) {
			t.Errorf("circular_gaussian2d(31, 3) %s = %.10g, want %.10g", c.name, c.got, c.want)
		}
	}
	g32, _ := CircularGaussian2D(3, 2, 1)
	rows := [][]float64{{0.13703431, 0.13703431}, {0.22593138, 0.22593138}, {0.13703431, 0.13703431}}
	for i, row := range rows {
		for j, v := range row {
			if !closeTo(g32.At(i, j), v, 1e-8) {
				t.Errorf("circular_gaussian2d((3,2), 1)[%d,%d] = %.9g, want %.9g", i, j, g32.At(i, j), v)
			}
		}
	}
	g4, _ := CircularGaussian2D(4, 4, 1)
	f := []float64{0.13447, 0.36553, 0.36553, 0.13447}
	for i := range 4 {
		for j := range 4 {
			if !closeTo(g4.At(i, j), f[i]*f[j], 1e-5) {
				t.Errorf("circular_gaussian2d((4,4), 1)[%d,%d] = %.6g, want %.6g", i, j, g4.At(i, j), f[i]*f[j])
			}
		}
	}
	for n, want := range map[int][]float64{
		4: {0.0576288, 0.25827438, 0.42582247, 0.25827438},
		5: {0.05448869, 0.24420136, 0.40261996, 0.24420136, 0.05448869},
	} {
		got, err := Gaussian1D(n, 1)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if !closeTo(got[i], want[i], 5e-8) { // plenoptic computes in float32
				t.Errorf("gaussian1d(%d, 1) = %v, want %v", n, got, want)
				break
			}
		}
	}
}

// TestGaussiansMatchPlenoptic compares every circular_gaussian2d and
// gaussian1d reference case (float32 in plenoptic, float64 here).
func TestGaussiansMatchPlenoptic(t *testing.T) {
	worst := 0.0
	n := 0
	for _, name := range reftest.Names(t) {
		p := reftest.Params(t, name)
		switch {
		case strings.HasPrefix(name, "circular_gaussian2d_"):
			kh, kw := kernelSizeParam(t, name, p["kernel_size"])
			c := int(p["out_channels"].(float64))
			stds := floatsParam(p["std"], c)
			ks, err := CircularGaussian2DChannels(kh, kw, stds)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			want, shape := reftest.Load64(t, name)
			if !slices.Equal(shape, []int{c, 1, kh, kw}) {
				t.Fatalf("%s: reference shape %v", name, shape)
			}
			for ci, k := range ks {
				for i, v := range k.Data {
					worst = max(worst, math.Abs(v-want[ci*kh*kw+i]))
				}
			}
			n++
		case strings.HasPrefix(name, "gaussian1d_"):
			got, err := Gaussian1D(int(p["kernel_size"].(float64)), p["std"].(float64))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			want, _ := reftest.Load64(t, name)
			for i := range want {
				worst = max(worst, math.Abs(got[i]-want[i]))
			}
			n++
		}
	}
	t.Logf("%d filter cases, max |Go − plenoptic| = %.3g", n, worst)
	if n == 0 {
		t.Fatal("no filter reference cases")
	}
	if worst > 1e-7 {
		t.Errorf("filters differ from plenoptic by %g", worst)
	}
}

func kernelSizeParam(t *testing.T, name string, v any) (int, int) {
	switch k := v.(type) {
	case float64:
		return int(k), int(k)
	case []any:
		return int(k[0].(float64)), int(k[1].(float64))
	}
	t.Fatalf("%s: kernel_size %v", name, v)
	return 0, 0
}

// floatsParam reads a number or a list of numbers, broadcasting a number to n.
func floatsParam(v any, n int) []float64 {
	switch s := v.(type) {
	case float64:
		out := make([]float64, n)
		for i := range out {
			out[i] = s
		}
		return out
	case []any:
		out := make([]float64, len(s))
		for i, e := range s {
			out[i] = e.(float64)
		}
		return out
	}
	return nil
}

func TestGaussianErrors(t *testing.T) {
	for _, std := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if _, err := CircularGaussian2D(5, 5, std); err == nil || !strings.Contains(err.Error(), "std must be positive") {
			t.Errorf("std %v: error %v", std, err)
		}
		if _, err := Gaussian1D(5, std); err == nil {
			t.Errorf("gaussian1d std %v accepted", std)
		}
	}
	if _, err := CircularGaussian2DChannels(5, 5, []float64{1, -2}); err == nil || !strings.Contains(err.Error(), "channel 1") {
		t.Errorf("bad channel std: error %v", err)
	}
	if _, err := CircularGaussian2D(0, 5, 1); err == nil {
		t.Error("kernel size 0 accepted")
	}
}
