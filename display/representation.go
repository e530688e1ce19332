package display

import (
	"fmt"
	"image"
	"math"
	"reflect"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"gonum.org/v1/plot/vg"
)

// RepresentationPlotter is a model that lays out its own representation
// plot, like a plenoptic model with a plot_representation method:
// models.PortillaSimoncelli implements it. PlotRepresentation draws it, and
// the status figures of a metamer synthesis of such a model draw the
// representation error with it.
type RepresentationPlotter interface {
	// RepresentationPanels returns what to plot for batch item batchIdx of
	// rep (a model output): one stem plot per title, with the values
	// beside it, laid out row-major on a grid of rows rows.
	RepresentationPanels(rep *tensors.Tensor, batchIdx int) (rows int, titles []string, values [][]float64, err error)
}

// RepresentationOptions configures PlotRepresentation. The zero value gives
// plenoptic's defaults.
type RepresentationOptions struct {
	// BatchIdx is the batch item plotted (default 0).
	BatchIdx int
	// YLim fixes the y-limits of every stem panel; nil is plenoptic's
	// ylim=None: for a model's own plot, from 0 to the top of the
	// autoscaled range (values below 0 are cut off, as in plenoptic); for
	// the generic plot, (-max|rep|, max|rep|).
	YLim *[2]float64
	// AutoYLim keeps matplotlib's autoscaled y-limits of a model's own plot
	// (plenoptic's ylim=False); YLim must be nil.
	AutoYLim bool
	// Title is a title over the whole figure (suptitle); "" draws none.
	Title string
	// FigSize is the figure size in inches at 72 dpi (default 15×15 for a
	// model's own plot, as plenoptic's PortillaSimoncelli.plot_representation;
	// 5×5 for the generic one, as po.plot_representation).
	FigSize [2]float64
}

// PlotRepresentation draws a model's representation the way the model lays
// it out, like plenoptic's model.plot_representation(data). With a nil
// model it draws rep [B,C,…] the generic way, like plenoptic's
// plot_representation(data=rep): one image per channel for a 4-D
// representation (vrange indep0, titles "Representation_00", …, at most 4
// per row), one stem plot per channel for a 3-D one (at most 4 per
// column). For the
// Portilla–Simoncelli model the statistics grouped into 8 stem plots (6
// with one scale) on a grid of 3 rows (2): pixel statistics and highpass
// variance; std, skew and kurtosis of the reconstructed lowpass images;
// the magnitudes' standard deviations; and the Euclidean norms of the
// auto-correlations, cross-orientation and cross-scale correlations.
func PlotRepresentation(model RepresentationPlotter, rep *tensors.Tensor, o RepresentationOptions) (*Figure, error) {
	return call("PlotRepresentation", func() (*Figure, error) { return plotRepresentation(model, rep, o) })
}

func plotRepresentation(model RepresentationPlotter, rep *tensors.Tensor, o RepresentationOptions) (*Figure, error) {
	if rep == nil {
		return nil, fmt.Errorf("representation is nil")
	}
	if o.AutoYLim && o.YLim != nil {
		return nil, fmt.Errorf("AutoYLim (ylim=False) and YLim are both set")
	}
	if model == nil || (reflect.ValueOf(model).Kind() == reflect.Pointer && reflect.ValueOf(model).IsNil()) {
		return genericRepresentation(rep, o)
	}
	size, err := figureSize(o.FigSize, [2]float64{15, 15})
	if err != nil {
		return nil, err
	}
	rows, titles, values, err := model.RepresentationPanels(rep, o.BatchIdx)
	if err != nil {
		return nil, err
	}
	w, h, err := figurePixels(size)
	if err != nil {
		return nil, err
	}
	fw, fh := size[0]*plotDPI, size[1]*plotDPI
	box := subplotBox(fw, fh, h)
	fig := &Figure{img: newCanvas(w, h)}
	var frozen [][2]float64
	if o.AutoYLim {
		for _, v := range values {
			frozen = append(frozen, stemAutoYLim(v))
		}
	}
	axes, _, err := drawStemGrid(fig.img, box, rows, titles, values, o.YLim, frozen)
	if err != nil {
		return nil, err
	}
	fig.Axes = axes
	if o.Title != "" {
		// matplotlib's suptitle: 12 pt, centred, its top at 98% of the height.
		if err := drawTitle(fig.img, fw/2, 0.02*fh+12, o.Title, 12, 0); err != nil {
			return nil, err
		}
	}
	return fig, nil
}

// drawStemGrid draws one stem plot per title on a rows×cols grid (row-major)
// inside cell, with matplotlib's default spacing. ylim nil gives each panel
// (0, autoscaled top); frozen, when not nil, fixes each panel's limits (an
// animation keeps those of its first frame). It returns the axes and the
// limits used.
func drawStemGrid(dst *image.RGBA, cell rectF, rows int, titles []string, values [][]float64, ylim *[2]float64, frozen [][2]float64) ([]Axes, [][2]float64, error) {
	n := len(titles)
	if n == 0 || len(values) != n {
		return nil, nil, fmt.Errorf("representation plot: %d titles for %d panels", n, len(values))
	}
	if rows <= 0 {
		return nil, nil, fmt.Errorf("representation plot: %d rows", rows)
	}
	cols := (n + rows - 1) / rows
	cells := gridCells(cell, rows, cols, nil)
	if ylim != nil && !(ylim[0] < ylim[1]) {
		return nil, nil, fmt.Errorf("ylim %v: the minimum must be below the maximum", *ylim)
	}
	var out []Axes
	lims := make([][2]float64, n)
	for i := range n {
		vals := values[i]
		if len(vals) == 0 {
			return nil, nil, fmt.Errorf("representation plot: panel %q has no values", titles[i])
		}
		var lim [2]float64
		switch {
		case frozen != nil:
			lim = frozen[i]
		case ylim != nil:
			lim = *ylim
		default:
			lim = stemYLim(vals)
		}
		lims[i] = lim
		p := newPlot(titles[i])
		sub := cells[i]
		// A title wider than its panel (the small panels of a representation
		// error inside a synthesis status) is set smaller, down to 6 pt, so
		// that neighbouring titles do not run into each other.
		if w, err := titleWidth(titles[i], 12*plotDPI/72); err == nil && w > sub.W && w > 0 {
			p.Title.TextStyle.Font.Size = vg.Length(max(6, 12*sub.W/w))
		}
		p.Add(&stems{vals: clipStems(vals, lim)})
		p.HideX()
		p.Y.Min, p.Y.Max = lim[0], lim[1]
		if err := drawPlotIn(dst, p, sub, plotDPI); err != nil {
			return nil, nil, err
		}
		out = append(out, Axes{Kind: StemAxes, Rect: sub.rect(), Title: titles[i]})
	}
	return out, lims, nil
}

// stemYLim is what plenoptic's clean_up_axes makes of a stem plot's
// autoscaled limits with ylim=None: 0 to the top (the data range, which
// includes the baseline at 0, plus matplotlib's 5% margin).
func stemYLim(vals []float64) [2]float64 {
	lo, hi := 0.0, 0.0
	for _, v := range vals {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	top := hi + 0.05*(hi-lo)
	if top <= 0 {
		top = 1 // all values ≤ 0: matplotlib would show an empty (0, ε) axis
	}
	return [2]float64{0, top}
}

// stemAutoYLim is matplotlib's autoscaled range of a stem plot: the data
// and the baseline at 0, with 5% margins.
func stemAutoYLim(vals []float64) [2]float64 {
	lo, hi := 0.0, 0.0
	for _, v := range vals {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if hi == lo {
		return [2]float64{-1, 1}
	}
	return [2]float64{lo - 0.05*(hi-lo), hi + 0.05*(hi-lo)}
}

// repView is a metamer view of a bare representation, for the generic
// representation plot (which the status figure's representation-error
// panel draws).
type repView struct{ rep *tensors.Tensor }

func (v repView) Image() *tensors.Tensor           { return nil }
func (v repView) Metamer() *tensors.Tensor         { return nil }
func (v repView) Losses() []float64                { return nil }
func (v repView) StoreProgress() int               { return 0 }
func (v repView) SavedMetamers() []*tensors.Tensor { return nil }
func (v repView) RepresentationError(int) (*tensors.Tensor, error) {
	return v.rep, nil
}

// genericRepresentation is plenoptic's plot_representation without a model.
func genericRepresentation(rep *tensors.Tensor, o RepresentationOptions) (*Figure, error) {
	size := o.FigSize
	if size == ([2]float64{}) {
		size = [2]float64{5, 5}
	}
	if o.AutoYLim {
		return nil, fmt.Errorf("AutoYLim needs a model that draws its own representation")
	}
	r, err := newRenderer(metamerPanels, StatusOptions{BatchIdx: o.BatchIdx, YLim: o.YLim, FigSize: size,
		IncludedPlots: []Panel{PanelRepresentationError}})
	if err != nil {
		return nil, err
	}
	r.m, r.repTitle = repView{rep}, "Representation"
	fig, err := r.render(synthState{repIter: -1})
	if err != nil {
		return nil, err
	}
	if o.Title != "" {
		if err := drawTitle(fig.img, size[0]*plotDPI/2, 0.02*size[1]*plotDPI+12, o.Title, 12, 0); err != nil {
			return nil, err
		}
	}
	return fig, nil
}

// clipStems limits stems to the axes (matplotlib clips what falls outside).
func clipStems(vals []float64, lim [2]float64) []float64 {
	out := make([]float64, len(vals))
	for i, v := range vals {
		switch {
		case math.IsNaN(v), v < lim[0] && lim[0] >= 0, v > lim[1] && lim[1] <= 0:
			out[i] = math.NaN() // the whole stem is outside the axes
		default:
			out[i] = math.Max(lim[0], math.Min(lim[1], v))
		}
	}
	return out
}

// viewPlotter returns the model behind a synthesis view when it draws its own
// representation: the view itself, or what its Model() method returns
// (synth.Metamer and the notebook wrappers have one).
func viewPlotter(v any) RepresentationPlotter {
	if rp, ok := v.(RepresentationPlotter); ok {
		return rp
	}
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return nil
	}
	m := rv.MethodByName("Model")
	if !m.IsValid() || m.Type().NumIn() != 0 || m.Type().NumOut() != 1 {
		return nil
	}
	out := m.Call(nil)[0]
	switch out.Kind() {
	case reflect.Interface, reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func:
		if out.IsNil() {
			return nil
		}
	}
	rp, _ := out.Interface().(RepresentationPlotter)
	return rp
}
