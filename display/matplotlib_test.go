package display

import (
	"image"
	"slices"
	"testing"
)

// Facts about how matplotlib 3.8 draws, found by comparing with plenoptic's
// figures (testdata/display/COMPARISON.md); these tests do not need the
// plenoptic renders.

// TestColormapTablesMatchMatplotlib checks entries where a naive
// round-to-nearest table differs from matplotlib's: matplotlib computes
// x·255 in floating point and truncates, so 24 "gray" entries are j−1, and
// three "RdBu_r" entries are one level lower in blue.
func TestColormapTablesMatchMatplotlib(t *testing.T) {
	// matplotlib.colormaps[name](np.arange(256), bytes=True)
	want := []struct {
		c   *Colormap
		j   int
		rgb [3]uint8
	}{
		{Gray, 0, [3]uint8{0, 0, 0}},
		{Gray, 32, [3]uint8{32, 32, 32}},
		{Gray, 33, [3]uint8{32, 32, 32}},
		{Gray, 37, [3]uint8{36, 36, 36}},
		{Gray, 66, [3]uint8{65, 65, 65}},
		{Gray, 128, [3]uint8{128, 128, 128}},
		{Gray, 255, [3]uint8{255, 255, 255}},
		{RdBuR, 0, [3]uint8{5, 48, 97}},
		{RdBuR, 128, [3]uint8{247, 246, 246}},
		{RdBuR, 216, [3]uint8{197, 62, 60}},
		{RdBuR, 219, [3]uint8{192, 53, 56}},
		{RdBuR, 222, [3]uint8{188, 45, 52}},
		{RdBuR, 255, [3]uint8{103, 0, 31}},
	}
	for _, w := range want {
		p := w.c.lut[w.j]
		if got := [3]uint8{p.R, p.G, p.B}; got != w.rgb {
			t.Errorf("%s[%d] = %v, matplotlib has %v", w.c.Name(), w.j, got, w.rgb)
		}
	}
	// gray is monotone and 24 of its entries sit one below the index.
	low := 0
	for j := 0; j < 256; j++ {
		switch v := int(Gray.lut[j].R); {
		case v == j-1:
			low++
		case v != j:
			t.Fatalf("gray[%d] = %d", j, v)
		}
	}
	if low != 24 {
		t.Errorf("%d gray entries are j-1, matplotlib has 24", low)
	}
}

// TestZoomBelowOneSamples checks that zoom 1/d shows the pixel under each
// screen pixel's centre (index d·s + d/2), as matplotlib's
// interpolation='none' does, rather than an average.
func TestZoomBelowOneSamples(t *testing.T) {
	const n = 12
	vals := make([]float32, n*n)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			vals[y*n+x] = float32(y*n+x) / (n*n - 1)
		}
	}
	for _, d := range []int{2, 3, 4, 6} {
		f, err := imshowOne(fromValues(vals, 1, 1, n, n), ImshowOptions{Zoom: 1 / float64(d), NoTitles: true})
		if err != nil {
			t.Fatal(err)
		}
		img := f.Image().(*image.RGBA)
		if img.Bounds().Dx() != n/d || img.Bounds().Dy() != n/d {
			t.Fatalf("zoom 1/%d: figure %v", d, img.Bounds())
		}
		for sy := 0; sy < n/d; sy++ {
			for sx := 0; sx < n/d; sx++ {
				y, x := d*sy+d/2, d*sx+d/2
				want := Gray.At(float64(vals[y*n+x]))
				if got := img.RGBAAt(sx, sy); got != want {
					t.Errorf("zoom 1/%d: screen (%d,%d) = %v, want image pixel (%d,%d) = %v", d, sx, sy, got, y, x, want)
				}
			}
		}
	}
}

// TestLogTickLabels checks matplotlib's rule for labelling log-axis ticks:
// more than one decade in view labels only the decades; 0.4 to 1 decade
// labels the multiples 1, 2, 3, 4 and 6; less labels every tick.
func TestLogTickLabels(t *testing.T) {
	labels := func(lo, hi float64) []string {
		var out []string
		for _, tk := range (logTicks{}).Ticks(lo, hi) {
			if tk.Label != "" {
				out = append(out, tk.Label)
			}
		}
		return out
	}
	for _, c := range []struct {
		lo, hi float64
		want   []string
	}{
		// plot_loss of the comparison's metamer: 1.03 decades, only 10^-2 labelled.
		{0.008757677, 0.094020698, []string{"1e-02"}},
		{0.0042162, 0.1162733, []string{"1e-02", "1e-01"}},
		{0.011, 0.05, []string{"2e-02", "3e-02", "4e-02"}},
		{0.0095, 0.05, []string{"1e-02", "2e-02", "3e-02", "4e-02"}},
		{0.02, 0.05, []string{"2e-02", "3e-02", "4e-02", "5e-02"}},
	} {
		if got := labels(c.lo, c.hi); !slices.Equal(got, c.want) {
			t.Errorf("log ticks on [%g, %g]: labels %v, want %v", c.lo, c.hi, got, c.want)
		}
	}
}

// TestLinearTicks checks the MaxNLocator emulation (nbins 9, steps 1, 2,
// 2.5, 5, 10) and ScalarFormatter's common number of decimals.
func TestLinearTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		nbins  int
		want   []string
	}{
		{-1.45, 30.45, 9, []string{"0", "5", "10", "15", "20", "25", "30"}},
		{-4.95, 103.95, 9, []string{"0", "20", "40", "60", "80", "100"}},
		{0, 99.75, 9, []string{"0", "20", "40", "60", "80"}},
		{0, 1, 9, []string{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}},
		{0.10397, 0.92243, 9, []string{"0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9"}},
		{-0.5, 0.5, 9, []string{"\u22120.4", "\u22120.2", "0.0", "0.2", "0.4"}},
		{0, 1, 4, []string{"0.00", "0.25", "0.50", "0.75", "1.00"}},
	} {
		var got []string
		for _, tk := range (plainTicks{nbins: c.nbins}).Ticks(c.lo, c.hi) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if len(got) != len(c.want) {
			t.Errorf("[%g, %g] nbins %d: labels %v, want %v", c.lo, c.hi, c.nbins, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("[%g, %g] nbins %d: labels %v, want %v", c.lo, c.hi, c.nbins, got, c.want)
				break
			}
		}
	}
	if n := tickBins(357, 30); n != 9 {
		t.Errorf("tick bins for a 357 pt axis: %d", n)
	}
	if n := tickBins(100, 30); n != 3 {
		t.Errorf("tick bins for a 100 pt axis: %d", n)
	}
}
