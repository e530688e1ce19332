package display

import (
	"math"
	"math/cmplx"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// fakePyramid returns the bands of a height-2 pyramid of a 32×32 image with
// nOri orientations: highpass 32×32, scale 0 32×32, scale 1 16×16, lowpass
// 8×8, complex64 oriented bands when complexBands; shuffled order.
func fakePyramid(nOri int, complexBands bool) []PyrBand {
	band := func(n int, seed float64) *tensors.Tensor {
		if complexBands {
			v := make([]complex64, n*n)
			for i := range v {
				v[i] = complex64(complex(math.Sin(seed+float64(i)), math.Cos(2*seed+float64(i)/3)))
			}
			return tensors.FromFlatDataAndDimensions(v, 1, 1, n, n)
		}
		v := make([]float32, n*n)
		for i := range v {
			v[i] = float32(math.Sin(seed + float64(i)))
		}
		return tensors.FromFlatDataAndDimensions(v, 1, 1, n, n)
	}
	out := []PyrBand{{Residual: ResidualLowpass, Coeffs: ramp(1, 1, 8, 8, 0, 1)}}
	for s := 1; s >= 0; s-- {
		for o := nOri - 1; o >= 0; o-- {
			out = append(out, PyrBand{Scale: s, Orientation: o, Coeffs: band(32>>s, float64(10*s+o))})
		}
	}
	return append(out, PyrBand{Residual: ResidualHighpass, Coeffs: ramp(1, 1, 32, 32, -1, 0.001)})
}

func TestPyrShowReal(t *testing.T) {
	fig, err := PyrShow(fakePyramid(4, false), PyrShowOptions{})
	if err != nil {
		t.Fatal(err)
	}
	writeTmp(t, "pyrshow_real.png", fig.Image())
	want := []string{"height 00, band 00", "height 00, band 01", "height 00, band 02", "height 00, band 03",
		"height 01, band 00", "height 01, band 01", "height 01, band 02", "height 01, band 03",
		"residual highpass", "residual lowpass"}
	checkPanelTitles(t, fig, want)
	for i, ax := range fig.Axes {
		// Every band is drawn at the size of the largest (32×32 at zoom 1).
		if ax.Rect.Dx() != 32 || ax.Rect.Dy() != 32 {
			t.Errorf("panel %d is %v, want 32×32", i, ax.Rect.Size())
		}
	}
	// One row per scale, 4 columns: panel 4 starts the second row, the
	// residuals the third.
	if fig.Axes[4].Rect.Min.X != fig.Axes[0].Rect.Min.X || fig.Axes[4].Rect.Min.Y <= fig.Axes[0].Rect.Min.Y {
		t.Errorf("panel 4 at %v, panel 0 at %v: want the start of the next row", fig.Axes[4].Rect.Min, fig.Axes[0].Rect.Min)
	}
	if fig.Axes[8].Rect.Min.X != fig.Axes[0].Rect.Min.X || fig.Axes[8].Rect.Min.Y <= fig.Axes[4].Rect.Min.Y {
		t.Errorf("residual highpass at %v: want the start of the third row", fig.Axes[8].Rect.Min)
	}
	if fig.Axes[3].Rect.Min.Y != fig.Axes[0].Rect.Min.Y {
		t.Errorf("band 03 of scale 0 is not on the first row")
	}
	// The scale-1 bands (16×16) are zoomed ×2 up to the largest band.
	if !strings.Contains(fig.Axes[4].Title, "dims: [16, 16] * 2") || !strings.Contains(fig.Axes[9].Title, "dims: [8, 8] * 4") {
		t.Errorf("titles %q, %q: want the zooms 2 and 4", fig.Axes[4].Title, fig.Axes[9].Title)
	}
	// indep1: the lowpass ramp 0..63.
	if ax := fig.Axes[9]; ax.VMin != 0 || ax.VMax != 63 {
		t.Errorf("lowpass limits (%v, %v), want (0, 63)", ax.VMin, ax.VMax)
	}

	noRes, err := PyrShow(fakePyramid(4, false), PyrShowOptions{HideResiduals: true, VRange: Auto0})
	if err != nil {
		t.Fatal(err)
	}
	if len(noRes.Axes) != 8 {
		t.Errorf("HideResiduals: %d panels, want 8", len(noRes.Axes))
	}
	if noRes.Axes[0].VMin != noRes.Axes[7].VMin || noRes.Axes[0].Cmap != "RdBu_r" {
		t.Errorf("auto0: limits %v/%v and cmap %q, want equal limits and RdBu_r", noRes.Axes[0].VMin, noRes.Axes[7].VMin, noRes.Axes[0].Cmap)
	}
}

func TestPyrShowComplex(t *testing.T) {
	bands := fakePyramid(2, true)
	fig, err := PyrShow(bands, PyrShowOptions{})
	if err != nil {
		t.Fatal(err)
	}
	writeTmp(t, "pyrshow_complex.png", fig.Image())
	want := []string{"height 00, band 00 real", "height 00, band 00 imaginary", "height 00, band 01 real", "height 00, band 01 imaginary",
		"height 01, band 00 real", "height 01, band 00 imaginary", "height 01, band 01 real", "height 01, band 01 imaginary",
		"residual highpass", "residual lowpass"}
	checkPanelTitles(t, fig, want)
	// 2 orientations × 2 components per row.
	if fig.Axes[4].Rect.Min.X != fig.Axes[0].Rect.Min.X || fig.Axes[3].Rect.Min.Y != fig.Axes[0].Rect.Min.Y {
		t.Errorf("complex layout: want 4 panels per row")
	}

	polar, err := PyrShow(bands, PyrShowOptions{PlotComplex: Polar, HideResiduals: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.SplitN(polar.Axes[1].Title, "\n", 2)[0]; got != "height 00, band 00 phase" {
		t.Errorf("polar title %q", got)
	}
	// The amplitude panel's indep1 maximum is the band's largest |z|.
	var top float64
	for _, b := range bands {
		if b.Residual == "" && b.Scale == 0 && b.Orientation == 0 {
			for _, z := range tensors.MustCopyFlatData[complex64](b.Coeffs) {
				top = math.Max(top, cmplx.Abs(complex128(z)))
			}
		}
	}
	if math.Abs(polar.Axes[0].VMax-top) > 1e-6 || polar.Axes[1].VMax > math.Pi+1e-9 || polar.Axes[1].VMin < -math.Pi-1e-9 {
		t.Errorf("polar limits: amplitude max %v (want %v), phase (%v, %v)", polar.Axes[0].VMax, top, polar.Axes[1].VMin, polar.Axes[1].VMax)
	}
	logp, err := PyrShow(bands, PyrShowOptions{PlotComplex: LogPolar, HideResiduals: true})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(logp.Axes[0].VMax-math.Log1p(top)) > 1e-6 {
		t.Errorf("logpolar amplitude max %v, want log(1+%v)", logp.Axes[0].VMax, top)
	}
}

func TestPyrShowErrors(t *testing.T) {
	good := fakePyramid(2, false)
	dup := append(append([]PyrBand(nil), good...), good[1])
	rank3 := append(append([]PyrBand(nil), good...), PyrBand{Scale: 2, Coeffs: tensors.FromFlatDataAndDimensions(make([]float32, 16), 1, 4, 4)})
	cases := []struct {
		name  string
		bands []PyrBand
		o     PyrShowOptions
		want  string
	}{
		{"empty", nil, PyrShowOptions{}, "no oriented bands"},
		{"only residuals", good[:1], PyrShowOptions{}, "no oriented bands"},
		{"nil coefficients", []PyrBand{{Scale: 0}}, PyrShowOptions{}, "has no coefficients"},
		{"duplicate", dup, PyrShowOptions{}, "appears twice"},
		{"negative scale", []PyrBand{{Scale: -1, Coeffs: ramp(1, 1, 4, 4, 0, 1)}}, PyrShowOptions{}, "must be ≥ 0"},
		{"bad residual", []PyrBand{{Residual: "residual_middle", Coeffs: ramp(1, 1, 4, 4, 0, 1)}}, PyrShowOptions{}, "residual_middle"},
		{"rank 3", rank3, PyrShowOptions{}, "want 4-D"},
		{"batch", good, PyrShowOptions{BatchIdx: 1}, "batch_idx 1 out of range"},
		{"channel", good, PyrShowOptions{ChannelIdx: -2}, "channel_idx -2 out of range"},
		{"plot complex", fakePyramid(2, true), PyrShowOptions{PlotComplex: "cartesian"}, `"cartesian" is not one of`},
		{"int dtype", []PyrBand{{Coeffs: tensors.FromFlatDataAndDimensions(make([]int32, 4), 1, 1, 2, 2)}}, PyrShowOptions{}, "dtype"},
	}
	for _, c := range cases {
		_, err := PyrShow(c.bands, c.o)
		if err == nil || !strings.HasPrefix(err.Error(), "display: PyrShow: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// checkPanelTitles checks that fig has one panel per title in want, whose
// title's first line is that title.
func checkPanelTitles(t *testing.T, fig *Figure, want []string) {
	t.Helper()
	if len(fig.Axes) != len(want) {
		t.Fatalf("got %d panels, want %d", len(fig.Axes), len(want))
	}
	for i, ax := range fig.Axes {
		if first := strings.SplitN(ax.Title, "\n", 2)[0]; first != want[i] {
			t.Errorf("panel %d title %q, want %q", i, first, want[i])
		}
	}
}
