package display

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	imdraw "image/draw"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// plotDPI is the resolution of matplotlib-style figures (line plots and
// synthesis status). The plenoptic tutorial sets figure.dpi = 72.
const plotDPI = 72

// Matplotlib's default colour cycle entries we use.
var (
	colC0  = color.RGBA{0x1f, 0x77, 0xb4, 255} // blue
	colC1  = color.RGBA{0xff, 0x7f, 0x0e, 255} // orange
	colC3  = color.RGBA{0xd6, 0x27, 0x28, 255} // red
	colRed = color.RGBA{255, 0, 0, 255}        // c="r"
)

var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// newPlot returns a gonum plot styled like matplotlib's defaults.
func newPlot(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sans, 12)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 10)
		a.Tick.Label.Font = font.From(sans, 10)
		a.Padding = 0
		a.Tick.Marker = plainTicks{}
		a.LineStyle.Width = 0 // the frame (frameBox) draws all four spines
		a.Tick.LineStyle.Width = vg.Points(0.8)
		a.Tick.Length = vg.Points(3.5)
	}
	p.Add(frameBox{})
	p.Legend.TextStyle.Font = font.From(sans, 10)
	p.Legend.Top = true
	return p
}

// safely turns a panic inside gonum plot into an error.
func safely(what string, f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: %v", what, r)
		}
	}()
	f()
	return nil
}

// LossOptions configures PlotLoss. The zero value gives plenoptic's
// defaults.
type LossOptions struct {
	// Iteration places the red dot (negative counts from the end: -1 is the
	// last one); nil puts it at the last iteration, as plenoptic's
	// iteration=None does.
	Iteration *int
	// Title is drawn above the axes, as matplotlib's set_title does
	// (12 pt, centred on the axes); "" draws none. A long or multi-line
	// title makes the figure larger instead of being cut off.
	Title string
}

// PlotLoss draws a loss curve on a log axis with a red dot at one iteration,
// like plenoptic's plot_loss, on a 6.4×4.8-inch figure at 72 dpi.
// Non-positive or NaN losses cannot be shown on a log axis and are left out
// of the curve.
func PlotLoss(losses []float64, o LossOptions) (*Figure, error) {
	return call("PlotLoss", func() (*Figure, error) {
		it := -1
		if o.Iteration != nil {
			it = *o.Iteration
		}
		p, err := lossPlot(losses, it)
		if err != nil {
			return nil, err
		}
		return plotFigure(p, LossAxes, 6.4, 4.8, true, o.Title)
	})
}

// noDot asks lossPlot for no red dot.
const noDot = math.MinInt

// lossPlot builds the plot behind PlotLoss.
func lossPlot(losses []float64, iteration int) (*plot.Plot, error) {
	if len(losses) == 0 {
		return nil, fmt.Errorf("no losses to plot")
	}
	idx := noDot
	if iteration != noDot {
		var err error
		if idx, err = normIndex(iteration, len(losses), "iteration"); err != nil {
			return nil, err
		}
	}
	var pts plotter.XYs
	for i, l := range losses {
		if l > 0 && !math.IsInf(l, 0) {
			pts = append(pts, plotter.XY{X: float64(i), Y: l})
		}
	}
	if len(pts) == 0 {
		return nil, fmt.Errorf("no positive, finite loss to show on a log axis")
	}
	p := newPlot("")
	p.X.Label.Text = "Synthesis iteration"
	p.Y.Label.Text = "Loss"
	line, err := plotter.NewLine(pts)
	if err != nil {
		return nil, err
	}
	line.LineStyle.Color = colC0
	line.LineStyle.Width = vg.Points(1.5)
	p.Add(line)
	if idx != noDot && losses[idx] > 0 && !math.IsInf(losses[idx], 0) {
		l := losses[idx]
		dot, _ := plotter.NewScatter(plotter.XYs{{X: float64(idx), Y: l}})
		// scatter's default marker: 6 pt across (s=36 pt²) plus a 1.5 pt edge in the same colour.
		dot.GlyphStyle = draw.GlyphStyle{Color: colRed, Radius: vg.Points(3.75), Shape: draw.CircleGlyph{}}
		p.Add(dot)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, q := range pts {
		lo, hi = math.Min(lo, q.Y), math.Max(hi, q.Y)
	}
	// matplotlib's 5% margins, in log space for the y axis.
	ll, lh := math.Log10(lo), math.Log10(hi)
	m := 0.05 * math.Max(lh-ll, 1e-3)
	p.Y.Scale = plot.LogScale{}
	p.Y.Min, p.Y.Max = math.Pow(10, ll-m), math.Pow(10, lh+m)
	p.Y.Tick.Marker = logTicks{}
	n := float64(len(losses) - 1)
	p.X.Min, p.X.Max = -0.05*n, 1.05*n
	if n == 0 {
		p.X.Min, p.X.Max = -0.5, 0.5
	}
	return p, nil
}

// plainTicks places ticks like matplotlib's default linear locator
// (MaxNLocator with nbins at most 9 and steps 1, 2, 2.5, 5, 10) and labels
// them like its ScalarFormatter: every label with the same number of
// decimals, a minus sign (U+2212) for negative values. nbins 0 means 9.
type plainTicks struct{ nbins int }

// Ticks implements plot.Ticker.
func (t plainTicks) Ticks(lo, hi float64) []plot.Tick {
	nbins := t.nbins
	if nbins <= 0 {
		nbins = 9
	}
	var vals []float64
	for _, v := range maxNTicks(lo, hi, nbins) {
		if v >= lo-1e-10*(hi-lo) && v <= hi+1e-10*(hi-lo) {
			vals = append(vals, v)
		}
	}
	labels := scalarLabels(vals)
	ticks := make([]plot.Tick, len(vals))
	for i, v := range vals {
		ticks[i] = plot.Tick{Value: v, Label: labels[i]}
	}
	return ticks
}

// tickBins is matplotlib's nbins='auto' for an axis lengthPt points long
// whose tick labels take sizePt points each (3× the font size along x, 2×
// along y): the number of labels that fit, clipped to [1, 9].
func tickBins(lengthPt, sizePt float64) int {
	return min(9, max(1, int(math.Floor(lengthPt/sizePt))))
}

// maxNTicks is MaxNLocator._raw_ticks (min_n_ticks 2, steps 1, 2, 2.5, 5,
// 10): the largest step from the staircase that is not smaller than the
// range/nbins, or a smaller one if that gives fewer than two ticks in view.
// The ticks may extend one step beyond [lo, hi].
func maxNTicks(lo, hi float64, nbins int) []float64 {
	if !(hi > lo) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return nil
	}
	// scale_range
	dv := hi - lo
	meanv := (hi + lo) / 2
	offset := 0.0
	if math.Abs(meanv)/dv >= 100 {
		offset = math.Copysign(math.Pow(10, math.Floor(math.Log10(math.Abs(meanv)))), meanv)
	}
	scale := math.Pow(10, math.Floor(math.Log10(dv/float64(nbins))))
	vmin, vmax := lo-offset, hi-offset
	steps := []float64{0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20}
	raw := (vmax - vmin) / float64(nbins)
	istep := len(steps) - 1
	for i, st := range steps {
		if st*scale >= raw {
			istep = i
			break
		}
	}
	tol := 1e-10
	if offset != 0 {
		tol = math.Min(0.4999, math.Max(1e-10, math.Pow(10, math.Log10(math.Abs(offset)/(steps[istep]*scale))-12)))
	}
	var ticks []float64
	for i := istep; i >= 0; i-- {
		step := steps[i] * scale
		best := math.Floor(vmin/step) * step
		divmod := func(x float64) (float64, float64) {
			d := math.Floor(x / step)
			return d, x - d*step
		}
		d, m := divmod(vmin - best)
		low := d
		if math.Abs(m/step-1) < tol {
			low = d + 1
		}
		d, m = divmod(vmax - best)
		high := d + 1
		if math.Abs(m/step) < tol {
			high = d
		}
		ticks = ticks[:0]
		n := 0
		for k := low; k <= high; k++ {
			v := k*step + best
			ticks = append(ticks, v+offset)
			if v <= vmax && v >= vmin {
				n++
			}
		}
		if n >= 2 {
			break
		}
	}
	return ticks
}

// scalarLabels formats tick values with the fewest decimals (at most 10)
// that show all of them exactly, the way matplotlib's ScalarFormatter does
// for ordinary ranges (no offset or scientific notation).
func scalarLabels(vals []float64) []string {
	dec := 0
	for ; dec < 10; dec++ {
		ok := true
		for _, v := range vals {
			x := v * math.Pow(10, float64(dec))
			if math.Abs(x-math.Round(x)) > 1e-6*math.Max(1, math.Abs(x)) {
				ok = false
				break
			}
		}
		if ok {
			break
		}
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		s := strconv.FormatFloat(v, 'f', dec, 64)
		if math.Abs(v) < 0.5*math.Pow(10, -float64(dec)) {
			s = strconv.FormatFloat(0, 'f', dec, 64) // no "-0"
		}
		out[i] = strings.Replace(s, "-", "\u2212", 1)
	}
	return out
}

// logTicks puts ticks at 1..9 × 10^k and labels them like matplotlib's
// LogFormatterSciNotation (as 1e-02, 2e-02, ...): with more than one decade
// in view only the decades, with 0.4 to 1 decade the multiples 1, 2, 3, 4
// and 6, with less every tick. When at most one tick falls in view,
// matplotlib switches to linear ticks, and so does this.
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > lo) {
		return nil
	}
	numdec := math.Log10(hi / lo)
	sub := map[int]bool{1: true}
	switch {
	case numdec > 1:
	case numdec > 0.4:
		for _, c := range []int{2, 3, 4, 6} {
			sub[c] = true
		}
	default:
		for c := 2; c < 10; c++ {
			sub[c] = true
		}
	}
	k0, k1 := int(math.Floor(math.Log10(lo))), int(math.Ceil(math.Log10(hi)))
	var ticks []plot.Tick
	for k := k0; k <= k1; k++ {
		for i := 1; i < 10; i++ {
			v := float64(i) * math.Pow(10, float64(k))
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if sub[i] {
				t.Label = fmt.Sprintf("%de%+03d", i, k)
			}
			ticks = append(ticks, t)
		}
	}
	if len(ticks) <= 1 {
		return plainTicks{}.Ticks(lo, hi)
	}
	return ticks
}

// Axes titles of line plots, as matplotlib's set_title at plotDPI: 12 pt
// text whose last line ends 6 pt above the axes.
const (
	axesTitlePx  = 12.0 * plotDPI / 72
	axesTitlePad = 6.0 * plotDPI / 72
)

// plotFigure renders a plot to a figure of wIn×hIn inches at plotDPI; like
// matplotlib it truncates the pixel size (6.4×4.8 in at 72 dpi is 460×345).
// With subplot the axes take matplotlib's default subplot box (left 0.125,
// right 0.9, bottom 0.11, top 0.88 of the figure), as plt.gca() on a new
// figure does, and title (if any) is drawn centred above them; the figure
// grows where the title would not fit, as Jupyter's inline figures (saved
// with a tight bounding box) do. Otherwise the plot fills the figure.
func plotFigure(p *plot.Plot, kind AxesKind, wIn, hIn float64, subplot bool, title string) (*Figure, error) {
	w, h := int(wIn*plotDPI), int(hIn*plotDPI)
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("figure of %v×%v in is empty", wIn, hIn)
	}
	area, axes := rectF{0, 0, float64(w), float64(h)}, image.Rect(0, 0, w, h)
	var cell rectF
	var grow image.Rectangle // extra pixels on each side, for the title
	if subplot {
		cell = subplotRow(wIn*plotDPI, hIn*plotDPI, h, []float64{1})[0]
		var err error
		if area, err = plotCanvasFor(p, cell, plotDPI); err != nil {
			return nil, err
		}
		if title != "" {
			if grow, err = titleGrowth(title, cell, w); err != nil {
				return nil, err
			}
		}
	} else {
		setTickBins(p, area.W-62, area.H-64, plotDPI)
	}
	dx, dy := float64(grow.Min.X), float64(grow.Min.Y)
	W, H := w+grow.Min.X+grow.Max.X, h+grow.Min.Y
	if err := checkSize("a figure", float64(W), float64(H), "shorten the title"); err != nil {
		return nil, err
	}
	area.X, area.Y, cell.X, cell.Y = area.X+dx, area.Y+dy, cell.X+dx, cell.Y+dy
	if subplot {
		axes = cell.rect()
	}
	img := newCanvas(W, H)
	if err := drawPlot(img, p, area, plotDPI); err != nil {
		return nil, err
	}
	cx := cell.X + cell.W/2
	if subplot {
		if err := drawTitle(img, cx, cell.Y, title, axesTitlePx, axesTitlePad); err != nil {
			return nil, err
		}
	}
	fig := &Figure{img: img, Axes: []Axes{{Kind: kind, Rect: axes, Title: title}}}
	fig.svg = func() ([]byte, error) {
		px := vg.Length(72.0 / plotDPI) // points per pixel
		c := vgsvg.New(vg.Length(W)*px, vg.Length(H)*px)
		dc := draw.Crop(draw.New(c), vg.Length(area.X)*px, -vg.Length(float64(W)-area.X-area.W)*px,
			vg.Length(float64(H)-area.Y-area.H)*px, -vg.Length(area.Y)*px)
		if err := safely("svg", func() { p.Draw(dc) }); err != nil {
			return nil, err
		}
		if subplot && title != "" {
			baselines, err := titleBaselines(title, cell.Y, axesTitlePx, axesTitlePad)
			if err != nil {
				return nil, err
			}
			f := font.DefaultCache.Lookup(font.From(sans, vg.Length(axesTitlePx)*px), vg.Length(axesTitlePx)*px)
			c.SetColor(color.Black)
			for i, line := range strings.Split(title, "\n") {
				x := vg.Length(cx)*px - f.Width(line)/2
				c.FillString(f, vg.Point{X: x, Y: vg.Length(float64(H)-baselines[i]) * px}, line)
			}
		}
		var buf bytes.Buffer
		if _, err := c.WriteTo(&buf); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	return fig, nil
}

// titleGrowth returns how many pixels a figure w pixels wide must grow on
// its left (Min.X), top (Min.Y) and right (Max.X) so that title, drawn
// above cell, fits with a 2-pixel margin.
func titleGrowth(title string, cell rectF, w int) (image.Rectangle, error) {
	const margin = 2
	th, err := titleHeight(title, axesTitlePx, axesTitlePad)
	if err != nil {
		return image.Rectangle{}, err
	}
	tw, err := titleWidth(title, axesTitlePx)
	if err != nil {
		return image.Rectangle{}, err
	}
	cx := cell.X + cell.W/2
	top, left, right := th+margin-cell.Y, tw/2+margin-cx, cx+tw/2+margin-float64(w)
	// Bound the size in floating point before converting (a title of
	// millions of lines must not overflow an int).
	if err := checkSize("a figure", float64(w)+max(left, 0)+max(right, 0), cell.Y+cell.H+max(top, 0), "shorten the title"); err != nil {
		return image.Rectangle{}, err
	}
	var g image.Rectangle
	if top > 0 {
		g.Min.Y = int(math.Ceil(top))
	}
	if left > 0 {
		g.Min.X = int(math.Ceil(left))
	}
	if right > 0 {
		g.Max.X = int(math.Ceil(right))
	}
	return g, nil
}

// setTickBins gives linear axes as many ticks as matplotlib would put on
// axes of axW×axH pixels.
func setTickBins(p *plot.Plot, axW, axH, dpi float64) {
	if _, ok := p.X.Tick.Marker.(plainTicks); ok {
		p.X.Tick.Marker = plainTicks{nbins: tickBins(axW*72/dpi, 30)}
	}
	if _, ok := p.Y.Tick.Marker.(plainTicks); ok {
		p.Y.Tick.Marker = plainTicks{nbins: tickBins(axH*72/dpi, 20)}
	}
}

// drawPlotIn draws p with its data area (matplotlib's axes box) on the
// pixel rectangle cell, and its title, tick labels and axis labels outside
// it, as matplotlib lays out a subplot.
func drawPlotIn(dst *image.RGBA, p *plot.Plot, cell rectF, dpi float64) error {
	area, err := plotCanvasFor(p, cell, dpi)
	if err != nil {
		return err
	}
	return drawPlot(dst, p, area, dpi)
}

// plotCanvasFor returns the rectangle in which gonum lays p out with its
// data area exactly on cell: gonum fits the title and the axes' labels
// inside the rectangle it is given, so that is the cell grown by the room
// they take. It also sets the number of linear ticks for the cell.
func plotCanvasFor(p *plot.Plot, cell rectF, dpi float64) (rectF, error) {
	setTickBins(p, cell.W, cell.H, dpi)
	pt := 72 / dpi
	// Start with generous room; the margins depend a little on the size
	// (gonum pads the data area so that tick labels near its ends fit), so
	// measure again on the rectangle found, until it settles.
	area := rectF{cell.X - 200, cell.Y - 200, cell.W + 400, cell.H + 400}
	for iter := 0; iter < 6; iter++ {
		var dc draw.Canvas
		err := safely("plot", func() {
			c := vgimg.NewWith(vgimg.UseWH(vg.Length(math.Ceil(area.W)*pt), vg.Length(math.Ceil(area.H)*pt)), vgimg.UseDPI(int(dpi)))
			dc = p.DataCanvas(draw.Crop(draw.New(c), 0, vg.Length((area.W-math.Ceil(area.W))*pt), 0, vg.Length((area.H-math.Ceil(area.H))*pt)))
		})
		if err != nil {
			return rectF{}, err
		}
		// dc is in points with the origin at the bottom left of area.
		left := float64(dc.Min.X) / pt
		right := area.W - float64(dc.Max.X)/pt
		bottom := float64(dc.Min.Y) / pt
		top := area.H - float64(dc.Max.Y)/pt
		next := rectF{cell.X - left, cell.Y - top, cell.W + left + right, cell.H + top + bottom}
		done := math.Abs(next.X-area.X)+math.Abs(next.Y-area.Y)+math.Abs(next.W-area.W)+math.Abs(next.H-area.H) < 1e-3
		area = next
		if done {
			break
		}
	}
	return area, nil
}

// drawPlot lays p out in the rectangle r of dst (fractional pixels allowed)
// and composites it over what is there. The canvas extends a few pixels
// beyond r so that lines on r's edges (the frame) are not cut off; what
// falls outside dst is clipped, as in matplotlib.
func drawPlot(dst *image.RGBA, p *plot.Plot, r rectF, dpi float64) error {
	if !(r.W > 0 && r.H > 0) {
		return fmt.Errorf("plot: empty area %v", r)
	}
	const pad = 3
	x0, y0 := int(math.Floor(r.X))-pad, int(math.Floor(r.Y))-pad
	x1, y1 := int(math.Ceil(r.X+r.W))+pad, int(math.Ceil(r.Y+r.H))+pad
	pt := 72 / dpi
	p.BackgroundColor = color.Transparent
	var c *vgimg.Canvas
	err := safely("plot", func() {
		c = vgimg.NewWith(vgimg.UseWH(vg.Length(float64(x1-x0)*pt), vg.Length(float64(y1-y0)*pt)),
			vgimg.UseDPI(int(dpi)), vgimg.UseBackgroundColor(color.Transparent))
		// r within the canvas, in points from its bottom left.
		left, right := (r.X-float64(x0))*pt, (float64(x1)-r.X-r.W)*pt
		bottom, top := (float64(y1)-r.Y-r.H)*pt, (r.Y-float64(y0))*pt
		p.Draw(draw.Crop(draw.New(c), vg.Length(left), -vg.Length(right), vg.Length(bottom), -vg.Length(top)))
	})
	if err != nil {
		return err
	}
	imdraw.Draw(dst, image.Rect(x0, y0, x1, y1), c.Image(), c.Image().Bounds().Min, imdraw.Over)
	return nil
}

// frameBox draws the four spines around the data area, as matplotlib's
// axes frame does: 0.8 pt black lines snapped to pixel centres (at plotDPI),
// so that each is one crisp pixel wide.
type frameBox struct{}

// Plot implements plot.Plotter.
func (frameBox) Plot(c draw.Canvas, _ *plot.Plot) {
	r := c.Rectangle
	px := vg.Length(72.0 / plotDPI)
	snapX := func(x vg.Length) vg.Length { return (vg.Length(math.Round(float64(x/px))) + 0.5) * px }
	snapY := func(y vg.Length) vg.Length { return (vg.Length(math.Round(float64(y/px))) - 0.5) * px }
	if s, ok := c.Canvas.(interface{ Size() (vg.Length, vg.Length) }); ok {
		// Round in top-down pixel coordinates, as Agg does after flipping y.
		_, h := s.Size()
		snapY = func(y vg.Length) vg.Length {
			return h - (vg.Length(math.Round(float64((h-y)/px)))+0.5)*px
		}
	}
	x0, x1, y0, y1 := snapX(r.Min.X), snapX(r.Max.X), snapY(r.Min.Y), snapY(r.Max.Y)
	c.StrokeLines(draw.LineStyle{Color: color.Black, Width: vg.Points(0.8)}, []vg.Point{
		{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}, {X: x0, Y: y0}})
}
