package display

import (
	"fmt"
	"image"
	"image/color"
	imdraw "image/draw"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// SeriesKind says how a Series is drawn.
type SeriesKind string

// The kinds of series.
const (
	// LineSeries joins the points with a line (matplotlib's plot).
	LineSeries SeriesKind = "line"
	// ScatterSeries draws a marker at every point (matplotlib's scatter).
	ScatterSeries SeriesKind = "scatter"
)

// Marker is the shape of a scatter marker (matplotlib's marker codes).
type Marker string

// The markers.
const (
	Circle   Marker = "o"
	Square   Marker = "s"
	Triangle Marker = "^"
	Cross    Marker = "x"
	Plus     Marker = "+"
)

// LegendPlace says where a panel's legend goes.
type LegendPlace string

// The legend places.
const (
	// NoLegend draws none (the zero value).
	NoLegend LegendPlace = ""
	// LegendUpperRight draws it inside the axes, in the upper right corner.
	LegendUpperRight LegendPlace = "upper right"
	// LegendOutsideRight draws it to the right of the axes, aligned with
	// their top, in a frame (matplotlib's bbox_to_anchor=(1.04, 1),
	// loc="upper left"); the figure grows to the right to hold it, as
	// Jupyter's inline figures (saved with a tight bounding box) do.
	LegendOutsideRight LegendPlace = "outside right"
	// LegendOutsideCenter is LegendOutsideRight centred on the axes'
	// height (bbox_to_anchor=(1.1, 0.5), loc="center left").
	LegendOutsideCenter LegendPlace = "outside center"
)

// Series is one curve or set of points of an XYPanel.
type Series struct {
	// X and Y are the coordinates; X nil means 0, 1, 2, …
	X, Y []float64
	// Kind is LineSeries (the default) or ScatterSeries.
	Kind SeriesKind
	// Label names the series in the legend ("" leaves it out).
	Label string
	// Color of the line or marker; nil takes the next colour of
	// matplotlib's cycle (CycleColor) among the panel's series of its kind.
	Color color.Color
	// Dashed draws a dashed line (matplotlib's "--").
	Dashed bool
	// Width is the line width in points (default 1.5).
	Width float64
	// Marker is the scatter marker (default Circle).
	Marker Marker
	// Size is the marker's area in points² (matplotlib's s; default 36).
	Size float64
	// Hollow draws only the marker's outline (facecolor "none").
	Hollow bool
}

// XYPanel is one axes of PlotXY.
type XYPanel struct {
	// Title is drawn above the axes (12 pt); XLabel and YLabel label them.
	Title, XLabel, YLabel string
	// Series are drawn in order.
	Series []Series
	// LogY draws the y axis on a log scale (non-positive values are left
	// out).
	LogY bool
	// XLim and YLim fix the axis limits; nil fits the data with
	// matplotlib's 5% margins.
	XLim, YLim *[2]float64
	// Legend places the legend of the labelled series (default none).
	Legend LegendPlace
}

// XYOptions configures PlotXY.
type XYOptions struct {
	// Cols is the number of panels per row (default: all in one row).
	Cols int
	// FigSize is the figure size in inches at 72 dpi (default matplotlib's
	// 6.4×4.8, however many panels). Beyond MaxFigureSide or
	// MaxFigurePixels pixels it is refused (ErrTooLarge).
	FigSize [2]float64
}

// matplotlib's default colour cycle (tab10).
var cycle = []color.RGBA{
	{0x1f, 0x77, 0xb4, 255}, {0xff, 0x7f, 0x0e, 255}, {0x2c, 0xa0, 0x2c, 255}, {0xd6, 0x27, 0x28, 255},
	{0x94, 0x67, 0xbd, 255}, {0x8c, 0x56, 0x4b, 255}, {0xe3, 0x77, 0xc2, 255}, {0x7f, 0x7f, 0x7f, 255},
	{0xbc, 0xbd, 0x22, 255}, {0x17, 0xbe, 0xcf, 255},
}

// CycleColor returns matplotlib's colour "C<i>" (its default cycle, tab10:
// C0 blue, C1 orange, C2 green, C3 red, …; i wraps around).
func CycleColor(i int) color.RGBA { return cycle[((i%len(cycle))+len(cycle))%len(cycle)] }

// PlotXY draws line and scatter plots in a grid of panels (matplotlib's
// plt.subplots with plot and scatter): Cols panels per row, laid out with
// matplotlib's default subplot parameters, each with its title, axis
// labels, series and legend. Points with a NaN or infinite coordinate are
// left out.
func PlotXY(panels []XYPanel, o XYOptions) (*Figure, error) {
	return call("PlotXY", func() (*Figure, error) { return plotXY(panels, o, XYAxes) })
}

func plotXY(panels []XYPanel, o XYOptions, kind AxesKind) (*Figure, error) {
	if len(panels) == 0 {
		return nil, fmt.Errorf("no panels to draw")
	}
	cols := o.Cols
	if cols < 0 {
		return nil, fmt.Errorf("the number of columns (Cols) must be positive, or 0 for one row; got %d", cols)
	}
	if cols == 0 || cols > len(panels) {
		cols = len(panels)
	}
	rows := (len(panels) + cols - 1) / cols
	size, err := figureSize(o.FigSize, [2]float64{6.4, 4.8})
	if err != nil {
		return nil, err
	}
	w, h, err := figurePixels(size)
	if err != nil {
		return nil, err
	}
	cells := gridCells(subplotBox(size[0]*plotDPI, size[1]*plotDPI, h), rows, cols, nil)
	return drawXYFigure(w, h, panels, cells[:len(panels)], kind)
}

// drawXYFigure draws panels into cells of a w×h figure, growing it where a
// first-row title or an outside legend would not fit.
func drawXYFigure(w, h int, panels []XYPanel, cells []rectF, kind AxesKind) (*Figure, error) {
	plots := make([]*plot.Plot, len(panels))
	legends := make([]*legendBox, len(panels))
	var grow image.Rectangle
	for i, pn := range panels {
		p, err := xyPlot(pn)
		if err != nil {
			return nil, fmt.Errorf("panel %d: %w", i, err)
		}
		plots[i] = p
		c := cells[i]
		if pn.Title != "" {
			th, err := titleHeight(pn.Title, axesTitlePx, axesTitlePad)
			if err != nil {
				return nil, err
			}
			grow.Min.Y = max(grow.Min.Y, int(math.Ceil(th+2-c.Y)))
		}
		if pn.Legend == LegendOutsideRight || pn.Legend == LegendOutsideCenter {
			lb, err := newLegendBox(pn)
			if err != nil {
				return nil, fmt.Errorf("panel %d: %w", i, err)
			}
			legends[i] = lb
			if lb != nil {
				grow.Max.X = max(grow.Max.X, int(math.Ceil(lb.x(c, pn.Legend)+float64(lb.w)+2-float64(w))))
			}
		}
	}
	W, H := w+grow.Max.X, h+grow.Min.Y
	if err := checkSize("a figure", float64(W), float64(H), "shorten the titles or legends"); err != nil {
		return nil, err
	}
	fig := &Figure{img: newCanvas(W, H)}
	for i, pn := range panels {
		c := cells[i]
		c.Y += float64(grow.Min.Y)
		if err := drawPlotIn(fig.img, plots[i], c, plotDPI); err != nil {
			return nil, err
		}
		if err := drawTitle(fig.img, c.X+c.W/2, c.Y, pn.Title, axesTitlePx, axesTitlePad); err != nil {
			return nil, err
		}
		if lb := legends[i]; lb != nil {
			lb.draw(fig.img, c, pn.Legend)
		}
		fig.Axes = append(fig.Axes, Axes{Kind: kind, Rect: c.rect(), Title: pn.Title})
	}
	return fig, nil
}

// finitePoints returns the series' points that can be drawn.
func finitePoints(s Series, logY bool) (plotter.XYs, error) {
	if s.X != nil && len(s.X) != len(s.Y) {
		return nil, fmt.Errorf("series %q has %d x and %d y values", s.Label, len(s.X), len(s.Y))
	}
	var pts plotter.XYs
	for i, y := range s.Y {
		x := float64(i)
		if s.X != nil {
			x = s.X[i]
		}
		if math.IsNaN(x) || math.IsInf(x, 0) || math.IsNaN(y) || math.IsInf(y, 0) || (logY && y <= 0) {
			continue
		}
		pts = append(pts, plotter.XY{X: x, Y: y})
	}
	return pts, nil
}

// markerRadius is the glyph radius of a marker of area s pt².
func markerRadius(s float64) vg.Length {
	if s == 0 {
		s = 36
	}
	return vg.Points(math.Sqrt(s) / 2)
}

func glyphShape(m Marker, hollow bool) (draw.GlyphDrawer, error) {
	switch m {
	case Circle, "":
		if hollow {
			return draw.RingGlyph{}, nil
		}
		return draw.CircleGlyph{}, nil
	case Square:
		if hollow {
			return draw.BoxGlyph{}, nil
		}
		return draw.SquareGlyph{}, nil
	case Triangle:
		if hollow {
			return draw.PyramidGlyph{}, nil
		}
		return draw.TriangleGlyph{}, nil
	case Cross:
		return draw.CrossGlyph{}, nil
	case Plus:
		return draw.PlusGlyph{}, nil
	}
	return nil, fmt.Errorf("unknown marker %q (Circle, Square, Triangle, Cross or Plus)", string(m))
}

// xyThing is a series made into gonum plotters, with its legend thumbnail.
type xyThing struct {
	plotters []plot.Plotter
	thumb    plot.Thumbnailer
}

// seriesPlotters turns s into gonum plotters.
func seriesPlotters(s Series, pts plotter.XYs, col color.Color) (xyThing, error) {
	switch s.Kind {
	case LineSeries, "":
		if len(pts) == 0 {
			return xyThing{}, nil
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return xyThing{}, err
		}
		width := s.Width
		if width == 0 {
			width = 1.5
		}
		if !(width > 0) || math.IsInf(width, 0) {
			return xyThing{}, fmt.Errorf("series %q: line width must be positive, got %v", s.Label, width)
		}
		l.LineStyle = draw.LineStyle{Color: col, Width: vg.Points(width)}
		if s.Dashed { // matplotlib's "--": dashes of 3.7 and gaps of 1.6 line widths
			l.LineStyle.Dashes = []vg.Length{vg.Points(3.7 * width), vg.Points(1.6 * width)}
		}
		return xyThing{plotters: []plot.Plotter{l}, thumb: l}, nil
	case ScatterSeries:
		shape, err := glyphShape(s.Marker, s.Hollow)
		if err != nil {
			return xyThing{}, err
		}
		if s.Size < 0 || math.IsNaN(s.Size) || math.IsInf(s.Size, 0) {
			return xyThing{}, fmt.Errorf("series %q: marker size must be positive, got %v", s.Label, s.Size)
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil && len(pts) > 0 {
			return xyThing{}, err
		}
		gs := draw.GlyphStyle{Color: col, Radius: markerRadius(s.Size), Shape: shape}
		if len(pts) == 0 {
			sc = &plotter.Scatter{}
		}
		sc.GlyphStyle = gs
		return xyThing{plotters: []plot.Plotter{sc}, thumb: sc}, nil
	}
	return xyThing{}, fmt.Errorf("series %q: unknown kind %q (LineSeries or ScatterSeries)", s.Label, string(s.Kind))
}

// xyPlot builds the gonum plot of a panel (without its title, which the
// figure draws).
func xyPlot(pn XYPanel) (*plot.Plot, error) {
	if len(pn.Series) == 0 {
		return nil, fmt.Errorf("no series to plot")
	}
	p := newPlot("")
	p.X.Label.Text, p.Y.Label.Text = pn.XLabel, pn.YLabel
	lo, hi := [2]float64{math.Inf(1), math.Inf(1)}, [2]float64{math.Inf(-1), math.Inf(-1)}
	nLine, nScatter := 0, 0
	drawn := false
	for _, s := range pn.Series {
		pts, err := finitePoints(s, pn.LogY)
		if err != nil {
			return nil, err
		}
		col := s.Color
		if col == nil {
			if s.Kind == ScatterSeries {
				col, nScatter = CycleColor(nScatter), nScatter+1
			} else {
				col, nLine = CycleColor(nLine), nLine+1
			}
		}
		th, err := seriesPlotters(s, pts, col)
		if err != nil {
			return nil, err
		}
		for _, q := range pts {
			lo[0], hi[0] = math.Min(lo[0], q.X), math.Max(hi[0], q.X)
			lo[1], hi[1] = math.Min(lo[1], q.Y), math.Max(hi[1], q.Y)
			drawn = true
		}
		p.Add(th.plotters...)
		if s.Label != "" && th.thumb != nil && pn.Legend == LegendUpperRight {
			p.Legend.Add(s.Label, th.thumb)
		}
	}
	if !drawn {
		return nil, fmt.Errorf("no finite points to plot")
	}
	margin := func(lo, hi float64) (float64, float64) {
		if hi == lo {
			d := math.Max(math.Abs(lo)*0.05, 0.05)
			return lo - d, hi + d
		}
		m := 0.05 * (hi - lo)
		return lo - m, hi + m
	}
	p.X.Min, p.X.Max = margin(lo[0], hi[0])
	if pn.LogY {
		l0, l1 := margin(math.Log10(lo[1]), math.Log10(hi[1]))
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
		p.Y.Min, p.Y.Max = math.Pow(10, l0), math.Pow(10, l1)
	} else {
		p.Y.Min, p.Y.Max = margin(lo[1], hi[1])
	}
	for k, lim := range []*[2]float64{pn.XLim, pn.YLim} {
		if lim == nil {
			continue
		}
		if !(lim[0] < lim[1]) || math.IsInf(lim[0], 0) || math.IsInf(lim[1], 0) || (k == 1 && pn.LogY && lim[0] <= 0) {
			return nil, fmt.Errorf("axis limits %v must be finite with min < max (and positive on a log axis)", *lim)
		}
		if k == 0 {
			p.X.Min, p.X.Max = lim[0], lim[1]
		} else {
			p.Y.Min, p.Y.Max = lim[0], lim[1]
		}
	}
	if pn.Legend == LegendUpperRight {
		p.Legend.Top = true
		p.Legend.XOffs, p.Legend.YOffs = -vg.Points(5), -vg.Points(5)
	}
	switch pn.Legend {
	case NoLegend, LegendUpperRight, LegendOutsideRight, LegendOutsideCenter:
	default:
		return nil, fmt.Errorf("unknown legend place %q", string(pn.Legend))
	}
	return p, nil
}

// legendBox is a legend drawn outside the axes, in a frame, as matplotlib
// draws one (white, with a light gray edge).
type legendBox struct {
	img  *image.RGBA
	w, h int
}

// x is where the box starts for an axes at cell.
func (lb *legendBox) x(cell rectF, place LegendPlace) float64 {
	if place == LegendOutsideCenter {
		return cell.X + 1.1*cell.W
	}
	return cell.X + 1.04*cell.W
}

// newLegendBox renders the legend of the panel's labelled series (nil when
// none is labelled).
func newLegendBox(pn XYPanel) (*legendBox, error) {
	l := plot.NewLegend()
	l.TextStyle.Font = font.From(sans, 10)
	l.ThumbnailWidth = vg.Points(20)
	l.Padding = vg.Points(3)
	l.Left, l.Top = true, true
	nLine, nScatter := 0, 0
	for _, s := range pn.Series {
		col := s.Color
		if col == nil {
			if s.Kind == ScatterSeries {
				col, nScatter = CycleColor(nScatter), nScatter+1
			} else {
				col, nLine = CycleColor(nLine), nLine+1
			}
		}
		if s.Label == "" {
			continue
		}
		th, err := seriesPlotters(s, plotter.XYs{{X: 0, Y: 0}}, col)
		if err != nil {
			return nil, err
		}
		if th.thumb != nil {
			l.Add(s.Label, th.thumb)
		}
	}
	var r vg.Rectangle
	var err error
	// Rectangle only measures the entries; the canvas gives the position.
	err = safely("legend", func() { r = l.Rectangle(draw.Canvas{}) })
	if err != nil {
		return nil, err
	}
	if r.Size().X == 0 {
		return nil, nil
	}
	const pad = 5 // points around the entries, inside the frame
	pt := 72.0 / plotDPI
	w := int(math.Ceil(float64(r.Size().X)/pt)) + 2*pad
	h := int(math.Ceil(float64(r.Size().Y)/pt)) + 2*pad
	var c *vgimg.Canvas
	err = safely("legend", func() {
		c = vgimg.NewWith(vgimg.UseWH(vg.Length(float64(w)*pt), vg.Length(float64(h)*pt)), vgimg.UseDPI(plotDPI),
			vgimg.UseBackgroundColor(color.White))
		dc := draw.New(c)
		frame := color.RGBA{0xcc, 0xcc, 0xcc, 255}
		o := vg.Points(0.5)
		dc.StrokeLines(draw.LineStyle{Color: frame, Width: vg.Points(1)}, []vg.Point{
			{X: o, Y: o}, {X: dc.Max.X - o, Y: o}, {X: dc.Max.X - o, Y: dc.Max.Y - o}, {X: o, Y: dc.Max.Y - o}, {X: o, Y: o}})
		l.Draw(draw.Crop(dc, vg.Points(pad), -vg.Points(pad), vg.Points(pad), -vg.Points(pad)))
	})
	if err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	imdraw.Draw(img, img.Bounds(), c.Image(), c.Image().Bounds().Min, imdraw.Src)
	return &legendBox{img: img, w: w, h: h}, nil
}

// draw places the box right of the axes at cell.
func (lb *legendBox) draw(dst *image.RGBA, cell rectF, place LegendPlace) {
	x := int(math.Round(lb.x(cell, place)))
	y := int(math.Round(cell.Y))
	if place == LegendOutsideCenter {
		y = int(math.Round(cell.Y + cell.H/2 - float64(lb.h)/2))
	}
	imdraw.Draw(dst, image.Rect(x, y, x+lb.w, y+lb.h), lb.img, image.Point{}, imdraw.Src)
}
