package display

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// MetamerView is what the synthesis views need from a metamer synthesis
// (synth.Metamer implements it).
type MetamerView interface {
	// Image is the target image, [B,C,H,W].
	Image() *tensors.Tensor
	// Metamer is the current metamer, [B,C,H,W].
	Metamer() *tensors.Tensor
	// Losses holds one loss per synthesis iteration.
	Losses() []float64
	// StoreProgress is the storing interval; 0 when progress is not stored.
	StoreProgress() int
	// SavedMetamers()[i] is the metamer at iteration i*StoreProgress().
	SavedMetamers() []*tensors.Tensor
	// RepresentationError is model(metamer at iteration) - model(target);
	// iteration < 0 means the current metamer.
	RepresentationError(iteration int) (*tensors.Tensor, error)
}

// Panel names a panel of PlotSynthesisStatus and Animate (plenoptic's
// included_plots and width_ratios keys).
type Panel string

// The panels, in drawing order.
const (
	// PanelMetamer shows the metamer (MetamerImage).
	PanelMetamer Panel = "display_metamer"
	// PanelLoss shows the loss curve (PlotLoss).
	PanelLoss Panel = "plot_loss"
	// PanelRepresentationError shows model(metamer) - model(target).
	PanelRepresentationError Panel = "plot_representation_error"
	// PanelPixelValues shows histograms of metamer and target pixels.
	PanelPixelValues Panel = "plot_pixel_values"
)

var allPanels = []Panel{PanelMetamer, PanelLoss, PanelRepresentationError, PanelPixelValues}

// DefaultPanels returns plenoptic's default included_plots: the metamer,
// the loss and the representation error.
func DefaultPanels() []Panel {
	return []Panel{PanelMetamer, PanelLoss, PanelRepresentationError}
}

// StatusOptions configures MetamerImage, PlotSynthesisStatus,
// PlotRepresentationError, PlotPixelValues and Animate. The zero value gives
// plenoptic's defaults.
type StatusOptions struct {
	// BatchIdx selects the batch element shown (default 0).
	BatchIdx int
	// ChannelIdx selects one channel; nil shows all (as RGB when C > 1).
	ChannelIdx *int
	// Iteration selects the synthesis iteration to show (nil: the current
	// state; negative counts from the end of the losses). It needs stored
	// progress, and must be a multiple of StoreProgress().
	Iteration *int
	// VRange of the metamer panel: nil is Indep1 (Animate: Limits{0, 1}).
	VRange VRange
	// Zoom of the metamer panel; 0 picks the largest zoom that fits (in
	// MetamerImage: 1).
	Zoom float64
	// YLim fixes the y-limits of stem plots (3-D representation errors);
	// nil uses (-max|error|, max|error|), or, for a model that draws its
	// own representation (RepresentationPlotter, such as
	// models.PortillaSimoncelli), 0 to the top of each panel's autoscaled
	// range, as plenoptic does.
	YLim *[2]float64
	// RepresentationErrorAsRGB shows a 4-D representation error as one RGB image.
	RepresentationErrorAsRGB bool
	// IncludedPlots lists the panels to draw (nil: DefaultPanels()); they are
	// always drawn in the order PanelMetamer, PanelLoss,
	// PanelRepresentationError, PanelPixelValues.
	IncludedPlots []Panel
	// WidthRatios gives relative panel widths (default 1 each).
	WidthRatios map[Panel]float64
	// FigSize is the figure size in inches (default (Σ5r + Σr − 1, 5) for
	// width ratios r; at 72 dpi). Beyond MaxFigureSide or MaxFigurePixels
	// pixels it is refused (ErrTooLarge).
	FigSize [2]float64
}

// MetamerImage shows the metamer (or, with Iteration, a stored iterate) with
// Imshow, like plenoptic's display_metamer: title "Metamer", batch BatchIdx,
// and colour when the image has several channels and ChannelIdx is nil.
func MetamerImage(m MetamerView, o StatusOptions) (*Figure, error) {
	return call("MetamerImage", func() (*Figure, error) {
		st, err := resolveIteration(m, o.Iteration)
		if err != nil {
			return nil, err
		}
		imo, err := metamerImshowOptions(st.image, o)
		if err != nil {
			return nil, err
		}
		imo.Zoom = o.Zoom
		return imshow([]*tensors.Tensor{st.image}, imo)
	})
}

func metamerImshowOptions(img *tensors.Tensor, o StatusOptions) (ImshowOptions, error) {
	if img == nil || img.Rank() != 4 {
		return ImshowOptions{}, fmt.Errorf("metamer must be a 4-D [B,C,H,W] tensor")
	}
	c := img.Shape().Dimensions[1]
	return ImshowOptions{Title: "Metamer", BatchIdx: new(o.BatchIdx), ChannelIdx: o.ChannelIdx,
		AsRGB: o.ChannelIdx == nil && c > 1, VRange: o.VRange}, nil
}

// PlotSynthesisStatus draws one row of panels summarising a metamer
// synthesis, like plenoptic's plot_synthesis_status: the metamer, the loss
// curve, the representation error (one image per channel, vrange "indep0",
// titles "Representation error_00", ...; stem plots for 3-D outputs) and the
// pixel-value histograms of metamer and target.
func PlotSynthesisStatus(m MetamerView, o StatusOptions) (*Figure, error) {
	return call("PlotSynthesisStatus", func() (*Figure, error) { return plotStatus(m, o) })
}

func plotStatus(m MetamerView, o StatusOptions) (*Figure, error) {
	r, err := newStatusRenderer(m, o)
	if err != nil {
		return nil, err
	}
	st, err := resolveIteration(m, o.Iteration)
	if err != nil {
		return nil, err
	}
	return r.render(st)
}

// PlotRepresentationError draws only the representation-error panel, like
// plenoptic's plot_representation_error (IncludedPlots is ignored).
func PlotRepresentationError(m MetamerView, o StatusOptions) (*Figure, error) {
	o.IncludedPlots = []Panel{PanelRepresentationError}
	return call("PlotRepresentationError", func() (*Figure, error) { return plotStatus(m, o) })
}

// PlotPixelValues draws only the pixel-value histograms of metamer and
// target, like plenoptic's plot_pixel_values (IncludedPlots is ignored).
func PlotPixelValues(m MetamerView, o StatusOptions) (*Figure, error) {
	o.IncludedPlots = []Panel{PanelPixelValues}
	return call("PlotPixelValues", func() (*Figure, error) { return plotStatus(m, o) })
}

// synthState is the synthesis state drawn in one figure or frame.
type synthState struct {
	image   *tensors.Tensor // metamer to show
	lossIdx int             // iteration of the loss dot (-1: last, noDot: none)
	repIter int             // iteration for RepresentationError (-1: current)
}

// progressView is what resolving an iteration needs from a synthesis: its
// current image, its number of losses and its stored iterates.
type progressView struct {
	current func() *tensors.Tensor
	losses  func() []float64
	store   func() int
	saved   func() []*tensors.Tensor
}

func metamerProgress(m MetamerView) progressView {
	return progressView{m.Metamer, m.Losses, m.StoreProgress, m.SavedMetamers}
}

// resolveIteration maps StatusOptions.Iteration to a state.
func resolveIteration(m MetamerView, it *int) (synthState, error) {
	if m == nil {
		return synthState{}, fmt.Errorf("metamer view is nil")
	}
	return resolveProgress(metamerProgress(m), it)
}

// resolveProgress maps an Iteration option to a state of v: nil is the
// current state; otherwise a stored iterate (negative counts from the end
// of the losses).
func resolveProgress(v progressView, it *int) (synthState, error) {
	if it == nil {
		return synthState{image: v.current(), lossIdx: -1, repIter: -1}, nil
	}
	sp := v.store()
	if sp <= 0 {
		return synthState{}, fmt.Errorf("synthesis was run without storing progress: cannot show iteration %d (only the current state, Iteration nil)", *it)
	}
	n := len(v.losses())
	i, err := normIndex(*it, n, "iteration")
	if err != nil {
		return synthState{}, err
	}
	if i%sp != 0 {
		return synthState{}, fmt.Errorf("iteration %d was not stored: progress is stored every %d iterations", i, sp)
	}
	saved := v.saved()
	if i/sp >= len(saved) {
		return synthState{}, fmt.Errorf("iteration %d was not stored (%d stored iterates)", i, len(saved))
	}
	return synthState{image: saved[i/sp], lossIdx: i, repIter: i}, nil
}

// statusRenderer draws status figures of a metamer (m) or a MAD
// Competition (mad) synthesis; for animations it keeps the titles and
// colour limits of the first frame, as matplotlib's FuncAnimation does.
type statusRenderer struct {
	m        MetamerView
	mad      MADView
	madTitle string // the MAD image's title ("" for the default)
	o        StatusOptions
	names    []Panel
	cells    []rectF
	w, h     int
	frozen   map[Panel][]imagePanel // first-frame image panels, when animating
	stemLims [][2]float64           // first-frame limits of a model's own representation plot, when animating
	repTitle string                 // title of the representation panels ("" is "Representation error")
	ylim     *[2]float64
	freeze   bool
}

// panelSet is what a synthesis method's status figure may hold: its panels
// in drawing order (with the names of their Go constants, for messages), the
// default selection and the default relative widths.
type panelSet struct {
	all      []Panel
	goNames  string
	defaults []Panel
	widths   map[Panel]float64
}

var metamerPanels = panelSet{all: allPanels, goNames: "PanelMetamer, PanelLoss, PanelRepresentationError, PanelPixelValues",
	defaults: DefaultPanels()}

func newStatusRenderer(m MetamerView, o StatusOptions) (*statusRenderer, error) {
	if m == nil {
		return nil, fmt.Errorf("metamer view is nil")
	}
	r, err := newRenderer(metamerPanels, o)
	if err != nil {
		return nil, err
	}
	r.m = m
	return r, nil
}

// newRenderer checks the panel options against set and lays the row of
// panels out.
func newRenderer(set panelSet, o StatusOptions) (*statusRenderer, error) {
	included := o.IncludedPlots
	if included == nil {
		included = set.defaults
	}
	var bad []string
	for _, n := range included {
		if !slices.Contains(set.all, n) {
			bad = append(bad, fmt.Sprintf("%q", string(n)))
		}
	}
	if len(bad) > 0 {
		names := make([]string, len(set.all))
		for i, p := range set.all {
			names[i] = string(p)
		}
		return nil, fmt.Errorf("included_plots contained value(s) %s: only %s are allowed (%s)",
			strings.Join(bad, ", "), strings.Join(names, ", "), set.goNames)
	}
	if len(included) == 0 {
		return nil, fmt.Errorf("included_plots is empty: nothing to plot")
	}
	for k := range o.WidthRatios {
		if !slices.Contains(included, k) {
			return nil, fmt.Errorf("width_ratios has key %q, which is not an included plot", string(k))
		}
	}
	r := &statusRenderer{o: o, ylim: o.YLim}
	var ratios []float64
	var sum float64
	for _, n := range set.all {
		if !slices.Contains(included, n) {
			continue
		}
		q := 1.0
		if v, ok := set.widths[n]; ok {
			q = v
		}
		if v, ok := o.WidthRatios[n]; ok {
			if !(v > 0) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("width_ratios[%q] must be positive and finite, got %v", string(n), v)
			}
			q = v
		}
		r.names = append(r.names, n)
		ratios = append(ratios, q)
		sum += q
	}
	size := o.FigSize
	if size == ([2]float64{}) {
		size = [2]float64{5*sum + sum - 1, 5}
	}
	if !(size[0] > 0 && size[1] > 0) {
		return nil, fmt.Errorf("figsize must be positive, got %v", size)
	}
	if err := checkSize("a figure", math.Floor(size[0]*plotDPI), math.Floor(size[1]*plotDPI),
		fmt.Sprintf("figsize %v in at %d dpi: lower FigSize or WidthRatios", size, plotDPI)); err != nil {
		return nil, err
	}
	var err error
	if r.w, r.h, err = figurePixels(size); err != nil {
		return nil, err
	}
	r.cells = subplotRow(size[0]*plotDPI, size[1]*plotDPI, r.h, ratios)
	return r, nil
}

// render draws the figure for one synthesis state.
func (r *statusRenderer) render(st synthState) (*Figure, error) {
	fig := &Figure{img: newCanvas(r.w, r.h)}
	order := make([]int, 0, len(r.names))
	for i, name := range r.names {
		if !(r.mad != nil && name == PanelLoss) {
			order = append(order, i)
		}
	}
	for i, name := range r.names {
		// plenoptic splits MAD's loss axes in two after drawing the other
		// panels, so they come last in its figure's axes.
		if r.mad != nil && name == PanelLoss {
			order = append(order, i)
		}
	}
	for _, i := range order {
		name := r.names[i]
		var axes []Axes
		var err error
		switch name {
		case PanelMetamer:
			axes, err = r.drawMetamer(fig.img, r.cells[i], st)
		case PanelMADImage:
			axes, err = r.drawMADImage(fig.img, r.cells[i], st)
		case PanelLoss:
			if r.mad != nil {
				axes, err = r.drawMADLoss(fig.img, r.cells[i], st)
			} else {
				axes, err = r.drawLoss(fig.img, r.cells[i], st)
			}
		case PanelRepresentationError:
			axes, err = r.drawRepError(fig.img, r.cells[i], st)
		case PanelPixelValues:
			axes, err = r.drawPixelValues(fig.img, r.cells[i], st)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		fig.Axes = append(fig.Axes, axes...)
	}
	return fig, nil
}

// drawImages draws panels into an axis the way plenoptic's imshow(ax=...)
// does: the zoom is the largest that fits (unless given), and the axis is
// shrunk to the image, keeping its lower-left corner.
func (r *statusRenderer) drawImages(dst *image.RGBA, cell rectF, key Panel, planes []plane, o ImshowOptions, zoom float64) ([]Axes, error) {
	var out []Axes
	cells := []rectF{cell}
	if len(planes) > 1 {
		cols := min(4, len(planes))
		cells = gridCells(cell, (len(planes)+cols-1)/cols, cols, nil)
	}
	frozen := r.frozen[key]
	for i, p := range planes {
		c := cells[i]
		z := zoom
		if z == 0 {
			var err error
			if z, err = fitZoom(p.H, p.W, c.W, c.H); err != nil {
				return nil, err
			}
		}
		po := o
		if o.Titles != nil {
			po.Titles = o.Titles[i : i+1]
		}
		panels, _, _, err := preparePanels([]plane{p}, po, z, zoom == 0)
		if err != nil {
			return nil, err
		}
		ip := panels[0]
		if err := checkSize("an image panel", float64(p.W)*z, float64(p.H)*z,
			fmt.Sprintf("a %d×%d image at zoom %v: lower Zoom", p.H, p.W, z)); err != nil {
			return nil, err
		}
		if zh := float64(p.H) * z; zh > c.H+0.5 || float64(p.W)*z > c.W+0.5 {
			return nil, fmt.Errorf("axis is too small (%.0f×%.0f px) for a %d×%d image at zoom %v", c.W, c.H, p.W, p.H, z)
		}
		if frozen != nil {
			ip.vmin, ip.vmax, ip.title = frozen[i].vmin, frozen[i].vmax, frozen[i].title
		} else if r.freeze {
			r.frozen[key] = append(r.frozen[key], ip)
			if key == PanelRepresentationError {
				r.frozen[key][i].title = stripRange(ip.title)
				ip.title = r.frozen[key][i].title
			}
		}
		at := image.Pt(int(math.Round(c.X)), int(math.Round(c.Y+c.H-float64(p.H)*z)))
		ax, err := ip.draw(dst, at, float64(p.H)*z, plotDPI)
		if err != nil {
			return nil, err
		}
		out = append(out, ax)
	}
	return out, nil
}

// stripRange drops the "range" line of a panel title (animations keep the
// first frame's title, whose range would go stale).
func stripRange(title string) string {
	lines := strings.Split(title, "\n")
	if len(lines) == 3 && strings.HasPrefix(lines[1], " range: ") {
		lines[1] = ""
	}
	return strings.Join(lines, "\n")
}

func (r *statusRenderer) drawMetamer(dst *image.RGBA, cell rectF, st synthState) ([]Axes, error) {
	o, err := metamerImshowOptions(st.image, r.o)
	if err != nil {
		return nil, err
	}
	return r.drawFramedImage(dst, cell, PanelMetamer, st.image, o)
}

// drawFramedImage draws the synthesized image of a status figure, as
// display_metamer and display_mad_image do.
func (r *statusRenderer) drawFramedImage(dst *image.RGBA, cell rectF, key Panel, img *tensors.Tensor, o ImshowOptions) ([]Axes, error) {
	planes, err := selectPlanes([]*tensors.Tensor{img}, o.BatchIdx, o.ChannelIdx, o.AsRGB)
	if err != nil {
		return nil, err
	}
	axes, err := r.drawImages(dst, cell, key, planes, o, r.o.Zoom)
	if err != nil {
		return nil, err
	}
	// display_metamer (and display_mad_image) hide the ticks but keep the
	// axes frame (imshow's own figures have none): four 0.8-px black lines,
	// on the image's first row and column and just past its last ones.
	for _, ax := range axes {
		drawSpines(dst, ax.Rect)
	}
	return axes, nil
}

// drawSpines darkens the pixel rows r.Min.Y and r.Max.Y and the columns
// r.Min.X and r.Max.X (from r.Min to r.Max inclusive) the way matplotlib's
// 0.8-pt spines at 72 dpi do: black at 80% coverage over what is there.
func drawSpines(dst *image.RGBA, r image.Rectangle) {
	darken := func(x, y int) {
		if !(image.Point{x, y}.In(dst.Bounds())) {
			return
		}
		c := dst.RGBAAt(x, y)
		f := func(v uint8) uint8 { return uint8((int(v)*51 + 127) / 255) }
		dst.SetRGBA(x, y, color.RGBA{f(c.R), f(c.G), f(c.B), 255})
	}
	for x := r.Min.X; x <= r.Max.X; x++ {
		darken(x, r.Min.Y)
		darken(x, r.Max.Y)
	}
	for y := r.Min.Y; y <= r.Max.Y; y++ {
		darken(r.Min.X, y)
		darken(r.Max.X, y)
	}
}

func (r *statusRenderer) drawLoss(dst *image.RGBA, cell rectF, st synthState) ([]Axes, error) {
	p, err := lossPlot(r.m.Losses(), st.lossIdx)
	if err != nil {
		return nil, err
	}
	if err := drawPlotIn(dst, p, cell, plotDPI); err != nil {
		return nil, err
	}
	return []Axes{{Kind: LossAxes, Rect: cell.rect()}}, nil
}

func (c rectF) rect() image.Rectangle {
	return image.Rect(int(math.Round(c.X)), int(math.Round(c.Y)), int(math.Round(c.X+c.W)), int(math.Round(c.Y+c.H)))
}

func (r *statusRenderer) drawRepError(dst *image.RGBA, cell rectF, st synthState) ([]Axes, error) {
	e, err := r.m.RepresentationError(st.repIter)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, fmt.Errorf("representation error is nil")
	}
	title := r.repTitle
	if title == "" {
		title = "Representation error"
	}
	if rp := viewPlotter(r.m); rp != nil {
		// plenoptic hands the error to the model's plot_representation.
		rows, titles, values, err := rp.RepresentationPanels(e, r.o.BatchIdx)
		if err != nil {
			return nil, err
		}
		ylim := r.o.YLim
		axes, lims, err := drawStemGrid(dst, cell, rows, titles, values, ylim, r.stemLims)
		if err != nil {
			return nil, err
		}
		if r.freeze && r.stemLims == nil {
			r.stemLims = lims
		}
		return axes, nil
	}
	switch e.Rank() {
	case 4:
		a, err := readArray4(e)
		if err != nil {
			return nil, err
		}
		b, err := normIndex(r.o.BatchIdx, a.B, "batch_idx")
		if err != nil {
			return nil, err
		}
		o := ImshowOptions{VRange: Indep0}
		var planes []plane
		if r.o.RepresentationErrorAsRGB {
			if a.C != 3 && a.C != 4 {
				return nil, fmt.Errorf("as_rgb (RepresentationErrorAsRGB) needs 3 or 4 channels, got %d", a.C)
			}
			planes, o.Title = []plane{a.rgb(b)}, title
		} else {
			for c := 0; c < a.C; c++ {
				planes = append(planes, a.gray(b, c))
				o.Titles = append(o.Titles, fmt.Sprintf("%s_%02d", title, c))
			}
		}
		return r.drawImages(dst, cell, PanelRepresentationError, planes, o, 0)
	case 3:
		return r.drawStems(dst, cell, e, title)
	}
	return nil, fmt.Errorf("representation error has shape %v: want 3-D or 4-D", e.Shape().Dimensions)
}

// drawStems draws a 3-D [B,C,L] representation error as one stem plot per
// channel (column-major grid of at most 4 rows).
func (r *statusRenderer) drawStems(dst *image.RGBA, cell rectF, e *tensors.Tensor, title string) ([]Axes, error) {
	dims := e.Shape().Dimensions
	data, err := toFloat64(e)
	if err != nil {
		return nil, err
	}
	nb, nc, l := dims[0], dims[1], dims[2]
	b, err := normIndex(r.o.BatchIdx, nb, "batch_idx")
	if err != nil {
		return nil, err
	}
	if r.ylim == nil {
		var m float64
		for _, v := range data {
			if !math.IsNaN(v) {
				m = math.Max(m, math.Abs(v))
			}
		}
		if m == 0 {
			m = 1
		}
		r.ylim = &[2]float64{-m, m}
	}
	rows := min(4, nc)
	cols := (nc + 3) / 4
	cells := gridCells(cell, rows, cols, nil)
	var out []Axes
	for c := 0; c < nc; c++ {
		vals := data[(b*nc+c)*l : (b*nc+c+1)*l]
		name := fmt.Sprintf("%s_%02d", title, c)
		p := newPlot(name)
		p.Add(&stems{vals: vals})
		p.HideX()
		p.Y.Min, p.Y.Max = r.ylim[0], r.ylim[1]
		sub := cells[(c%4)*cols+c/4]
		if err := drawPlotIn(dst, p, sub, plotDPI); err != nil {
			return nil, err
		}
		out = append(out, Axes{Kind: StemAxes, Rect: sub.rect(), Title: name})
	}
	return out, nil
}

// stems is a matplotlib-style stem plot: a marker per value on a vertical
// line from 0, and a red baseline.
type stems struct{ vals []float64 }

// Plot implements plot.Plotter.
func (s *stems) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	n := float64(len(s.vals) - 1)
	c.StrokeLine2(draw.LineStyle{Color: colC3, Width: vg.Points(1.5)}, tx(0), ty(0), tx(n), ty(0))
	for i, v := range s.vals {
		if math.IsNaN(v) {
			continue
		}
		x := tx(float64(i))
		c.StrokeLine2(draw.LineStyle{Color: colC0, Width: vg.Points(1.5)}, x, ty(0), x, ty(v))
		c.DrawGlyph(draw.GlyphStyle{Color: colC0, Radius: vg.Points(3), Shape: draw.CircleGlyph{}}, vg.Point{X: x, Y: ty(v)})
	}
}

// DataRange implements plot.DataRanger.
func (s *stems) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = -0.5, float64(len(s.vals))-0.5
	for _, v := range s.vals {
		if !math.IsNaN(v) {
			ymin, ymax = math.Min(ymin, v), math.Max(ymax, v)
		}
	}
	return
}

func (r *statusRenderer) drawPixelValues(dst *image.RGBA, cell rectF, st synthState) ([]Axes, error) {
	pick := func(t *tensors.Tensor) ([]float64, error) {
		a, err := readArray4(t)
		if err != nil {
			return nil, err
		}
		b, err := normIndex(r.o.BatchIdx, a.B, "batch_idx")
		if err != nil {
			return nil, err
		}
		var out []float64
		for c := 0; c < a.C; c++ {
			if r.o.ChannelIdx != nil {
				ci, err := normIndex(*r.o.ChannelIdx, a.C, "channel_idx")
				if err != nil {
					return nil, err
				}
				if c != ci {
					continue
				}
			}
			out = appendNumbers(out, a.gray(b, c).Pix)
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("image contains only NaN values")
		}
		return out, nil
	}
	// plenoptic draws the metamer first (C0) and then the target (C1); for
	// MAD the reference image first and then the MAD image.
	var first, second *tensors.Tensor
	labels := []string{"metamer", "target image"}
	if r.mad != nil {
		first, second = r.mad.Image(), st.image
		labels = []string{"Reference image", "MAD image"}
	} else {
		first, second = st.image, r.m.Image()
	}
	met, err := pick(first)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", labels[0], err)
	}
	target, err := pick(second)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", labels[1], err)
	}
	// Both histograms use the bins of the reference (target) image.
	ref := target
	if r.mad != nil {
		ref = met
	}
	bins := min(freedmanDiaconisBins(ref), 50)
	const title = "Histogram of pixel values"
	p := newPlot(title)
	lo, hi, top := math.Inf(1), math.Inf(-1), 0.0
	var all []plotter.HistogramBin
	for k, vals := range [][]float64{met, target} {
		h, err := plotter.NewHist(plotter.Values(vals), bins)
		if err != nil {
			return nil, err
		}
		for _, b := range h.Bins {
			lo, hi, top = math.Min(lo, b.Min), math.Max(hi, b.Max), math.Max(top, b.Weight)
		}
		all = append(all, h.Bins...)
		col := colC0
		if k == 1 {
			col = colC1
		}
		col.A = 102 // alpha 0.4
		h.FillColor = premultiply(col)
		h.LineStyle.Width = 0
		p.Add(h)
		p.Legend.Add(labels[k], h)
	}
	// matplotlib's limits for bars: 5% margins along x, and from 0 (sticky)
	// to 5% above the tallest bar.
	if hi > lo {
		p.X.Min, p.X.Max = lo-0.05*(hi-lo), hi+0.05*(hi-lo)
	}
	p.Y.Min, p.Y.Max = 0, 1.05*top
	placeLegend(p, all, cell, labels)
	if err := drawPlotIn(dst, p, cell, plotDPI); err != nil {
		return nil, err
	}
	return []Axes{{Kind: HistogramAxes, Rect: cell.rect(), Title: title}}, nil
}

// placeLegend puts the histogram legend where matplotlib's loc="best"
// usually does: the upper right corner unless fewer bars reach into the
// upper left one (matplotlib counts the artists under each candidate box and
// takes the first, upper right, among the least covered; only the two upper
// corners are considered here). The box is inset by half the font size.
func placeLegend(p *plot.Plot, bars []plotter.HistogramBin, cell rectF, labels []string) {
	// The legend's extent in axes fractions: about 100×45 px on a 279×277
	// px axes for "metamer" / "target image" at 10 pt (wider for longer
	// labels).
	width := 100.0
	if ref, err := titleWidth("target image", 10); err == nil && ref > 0 {
		longest := 0.0
		for _, l := range labels {
			if w, err := titleWidth(l, 10); err == nil {
				longest = math.Max(longest, w)
			}
		}
		width = math.Max(width, 100-ref+longest)
	}
	bw, bh := math.Min(1, width/cell.W), math.Min(1, 45/cell.H)
	xr := p.X.Max - p.X.Min
	yBottom := p.Y.Min + (1-bh)*(p.Y.Max-p.Y.Min)
	covered := func(x0, x1 float64) int {
		n := 0
		for _, b := range bars {
			if b.Max > x0 && b.Min < x1 && b.Weight > yBottom {
				n++
			}
		}
		return n
	}
	right := covered(p.X.Max-bw*xr, p.X.Max)
	left := covered(p.X.Min, p.X.Min+bw*xr)
	p.Legend.Top = true
	p.Legend.Left = left < right
	p.Legend.XOffs = -vg.Points(5)
	if p.Legend.Left {
		p.Legend.XOffs = vg.Points(5)
	}
	p.Legend.YOffs = -vg.Points(5)
}

// freedmanDiaconisBins is plenoptic's bin rule, including its use of the
// 0.25th and 0.75th percentiles (not the quartiles) for the "IQR".
func freedmanDiaconisBins(a []float64) int {
	if len(a) < 2 {
		return 1
	}
	s := append([]float64(nil), a...)
	sort.Float64s(s)
	iqr := percentile(s, 0.75) - percentile(s, 0.25)
	h := 2 * iqr / math.Cbrt(float64(len(a)))
	if h == 0 {
		return max(1, int(math.Sqrt(float64(len(a)))))
	}
	return max(1, int(math.Ceil((s[len(s)-1]-s[0])/h)))
}
