package display

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// fakePlotter lays a 3-D representation [B,C,K] out as 8 panels on 3 rows,
// like the Portilla–Simoncelli model: panel i holds the values of channel
// 0 from i*K/8 on, for batch item batchIdx.
type fakePlotter struct{ fail error }

var psTitles = []string{"pixels+var_highpass", "std+skew+kurtosis recon", "magnitude_std",
	"auto_correlation_reconstructed", "auto_correlation_magnitude", "cross_orientation_correlation_magnitude",
	"cross_scale_correlation_magnitude", "cross_scale_correlation_real"}

func (f fakePlotter) RepresentationPanels(rep *tensors.Tensor, batchIdx int) (int, []string, [][]float64, error) {
	if f.fail != nil {
		return 0, nil, nil, f.fail
	}
	d := rep.Shape().Dimensions
	if len(d) != 3 || batchIdx < 0 || batchIdx >= d[0] {
		return 0, nil, nil, fmt.Errorf("fake: bad representation %v / batch %d", d, batchIdx)
	}
	v, err := toFloat64(rep)
	if err != nil {
		return 0, nil, nil, err
	}
	k := d[2]
	row := v[batchIdx*d[1]*k : batchIdx*d[1]*k+k]
	var vals [][]float64
	for i := range psTitles {
		vals = append(vals, row[i*k/8:(i+1)*k/8])
	}
	return 3, psTitles, vals, nil
}

func TestPlotRepresentation(t *testing.T) {
	rep := ramp(2, 1, 1, 64, -10, 1)
	rep = tensors.FromFlatDataAndDimensions(tensors.MustCopyFlatData[float32](rep), 2, 1, 64)
	fig, err := PlotRepresentation(fakePlotter{}, rep, RepresentationOptions{Title: "Representation"})
	if err != nil {
		t.Fatal(err)
	}
	writeTmp(t, "ps_representation.png", fig.Image())
	if b := fig.Image().Bounds(); b.Dx() != 1080 || b.Dy() != 1080 {
		t.Errorf("figure %v, want 1080×1080 (15×15 in at 72 dpi)", b.Size())
	}
	if len(fig.Axes) != 8 {
		t.Fatalf("%d panels, want 8", len(fig.Axes))
	}
	for i, ax := range fig.Axes {
		if ax.Kind != StemAxes || ax.Title != psTitles[i] {
			t.Errorf("panel %d: %s %q, want a stem plot %q", i, ax.Kind, ax.Title, psTitles[i])
		}
	}
	// 3 rows of 3: panel 3 starts the second row, panel 6 the third.
	a := fig.Axes
	if a[3].Rect.Min.X != a[0].Rect.Min.X || a[3].Rect.Min.Y <= a[0].Rect.Min.Y || a[2].Rect.Min.Y != a[0].Rect.Min.Y ||
		a[6].Rect.Min.X != a[0].Rect.Min.X || a[6].Rect.Min.Y <= a[3].Rect.Min.Y {
		t.Errorf("layout: panels 0, 2, 3, 6 at %v %v %v %v: want 3 per row", a[0].Rect.Min, a[2].Rect.Min, a[3].Rect.Min, a[6].Rect.Min)
	}

	// Limits: plenoptic's ylim=None is (0, top); fixed limits are used as given.
	if l := stemYLim([]float64{-1, 2, 4}); l != [2]float64{0, 4 + 0.05*5} {
		t.Errorf("stemYLim %v, want (0, 4.25)", l)
	}
	if _, err := PlotRepresentation(fakePlotter{}, rep, RepresentationOptions{YLim: &[2]float64{-1, 1}, BatchIdx: 1}); err != nil {
		t.Error(err)
	}

	if l := stemAutoYLim([]float64{-1, 2, 4}); l != [2]float64{-1.25, 4.25} {
		t.Errorf("stemAutoYLim %v, want (-1.25, 4.25)", l)
	}
	auto, err := PlotRepresentation(fakePlotter{}, rep, RepresentationOptions{AutoYLim: true})
	if err != nil || len(auto.Axes) != 8 {
		t.Errorf("AutoYLim: %v", err)
	}

	// Without a model: images per channel (4-D), stems per channel (3-D).
	img4, err := PlotRepresentation(nil, ramp(1, 3, 8, 8, -1, 0.01), RepresentationOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if b := img4.Image().Bounds(); b.Dx() != 360 || b.Dy() != 360 {
		t.Errorf("generic figure %v, want 360×360 (5×5 in)", b.Size())
	}
	if len(img4.Axes) != 3 || !strings.HasPrefix(img4.Axes[2].Title, "Representation_02") || img4.Axes[0].Cmap != "RdBu_r" {
		t.Errorf("4-D generic plot: %d panels, %q, %q", len(img4.Axes), img4.Axes[0].Title, img4.Axes[0].Cmap)
	}
	stem3, err := PlotRepresentation(nil, tensors.FromFlatDataAndDimensions(make([]float32, 20), 1, 2, 10), RepresentationOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(stem3.Axes) != 2 || stem3.Axes[1].Kind != StemAxes || stem3.Axes[1].Title != "Representation_01" {
		t.Errorf("3-D generic plot: %v", stem3.Axes)
	}

	boom := errors.New("boom")
	cases := []struct {
		name  string
		model RepresentationPlotter
		rep   *tensors.Tensor
		o     RepresentationOptions
		want  string
	}{
		{"auto and fixed", fakePlotter{}, rep, RepresentationOptions{AutoYLim: true, YLim: &[2]float64{0, 1}}, "both set"},
		{"generic auto", nil, rep, RepresentationOptions{AutoYLim: true}, "needs a model"},
		{"generic rank", nil, tensors.FromFlatDataAndDimensions([]float32{1}, 1, 1, 1, 1, 1), RepresentationOptions{}, "want 3-D or 4-D"},
		{"nil rep", fakePlotter{}, nil, RepresentationOptions{}, "representation is nil"},
		{"model error", fakePlotter{fail: boom}, rep, RepresentationOptions{}, "boom"},
		{"batch", fakePlotter{}, rep, RepresentationOptions{BatchIdx: 5}, "batch 5"},
		{"ylim", fakePlotter{}, rep, RepresentationOptions{YLim: &[2]float64{1, 1}}, "ylim"},
		{"figsize", fakePlotter{}, rep, RepresentationOptions{FigSize: [2]float64{-1, 3}}, "figsize"},
		{"too large", fakePlotter{}, rep, RepresentationOptions{FigSize: [2]float64{1e6, 3}}, "too large"},
	}
	for _, c := range cases {
		_, err := PlotRepresentation(c.model, c.rep, c.o)
		if err == nil || !strings.HasPrefix(err.Error(), "display: PlotRepresentation: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	if _, err := PlotRepresentation(fakePlotter{fail: boom}, rep, RepresentationOptions{}); !errors.Is(err, boom) {
		t.Errorf("the model's error is not wrapped: %v", err)
	}
}

// psMetamer is a metamer view whose model draws its own representation
// (found through its Model method, as for synth.Metamer).
type psMetamer struct{ *fakeMetamer }

func (psMetamer) Model() any { return fakePlotter{} }

func TestSynthesisStatusModelPlot(t *testing.T) {
	f := newFakeMetamer(ramp(1, 1, 8, 8, 0, 1.0/64), 20, 5, 1)
	f.rep3D = true
	m := psMetamer{f}
	fig, err := PlotSynthesisStatus(m, StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	writeTmp(t, "ps_status.png", fig.Image())
	var stems []Axes
	for _, ax := range fig.Axes {
		if ax.Kind == StemAxes {
			stems = append(stems, ax)
		}
	}
	if len(stems) != 8 || stems[0].Title != psTitles[0] || stems[7].Title != psTitles[7] {
		t.Fatalf("%d stem panels (%v…): want the model's 8", len(stems), stems)
	}
	// Without the Model method the 3-D error is one stem plot per channel.
	plain, err := PlotSynthesisStatus(f, StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ax := range plain.Axes {
		if ax.Kind == StemAxes {
			n++
		}
	}
	if n != 1 {
		t.Errorf("plain 3-D error: %d stem panels, want 1", n)
	}
	// Animations keep the first frame's limits.
	a, err := Animate(m, AnimateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Len() != 4 {
		t.Errorf("%d frames, want 4", a.Len())
	}
	// A view whose model does not plot, or is nil, falls back.
	if viewPlotter(struct{ *fakeMetamer }{f}) != nil || viewPlotter(nilModel{}) != nil {
		t.Error("viewPlotter found a plotter where there is none")
	}
}

type nilModel struct{}

func (nilModel) Model() RepresentationPlotter { return nil }
