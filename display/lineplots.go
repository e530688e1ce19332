package display

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	imdraw "image/draw"
	"math"
	"strconv"

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
	}
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

// PlotLoss draws a loss curve on a log axis with a red dot at iteration
// (negative values count from the end: -1 is the last one), like plenoptic's
// plot_loss. Non-positive or NaN losses cannot be shown on a log axis and are
// left out of the curve.
func PlotLoss(losses []float64, iteration int) (*Figure, error) {
	p, err := lossPlot(losses, iteration)
	if err != nil {
		return nil, err
	}
	return plotFigure(p, "loss", 6.4, 4.8)
}

// noDot asks lossPlot for no red dot.
const noDot = math.MinInt

// lossPlot builds the plot behind PlotLoss.
func lossPlot(losses []float64, iteration int) (*plot.Plot, error) {
	if len(losses) == 0 {
		return nil, fmt.Errorf("plot_loss: no losses to plot")
	}
	idx := noDot
	if iteration != noDot {
		var err error
		if idx, err = normIndex(iteration, len(losses), "plot_loss: iteration"); err != nil {
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
		return nil, fmt.Errorf("plot_loss: no positive, finite loss to show on a log axis")
	}
	p := newPlot("")
	p.X.Label.Text = "Synthesis iteration"
	p.Y.Label.Text = "Loss"
	line, err := plotter.NewLine(pts)
	if err != nil {
		return nil, fmt.Errorf("plot_loss: %w", err)
	}
	line.LineStyle.Color = colC0
	line.LineStyle.Width = vg.Points(1.5)
	p.Add(line)
	if idx != noDot && losses[idx] > 0 && !math.IsInf(losses[idx], 0) {
		l := losses[idx]
		dot, _ := plotter.NewScatter(plotter.XYs{{X: float64(idx), Y: l}})
		dot.GlyphStyle = draw.GlyphStyle{Color: colRed, Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
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

// plainTicks are gonum's default ticks labelled like matplotlib (5000, 0.2).
type plainTicks struct{}

// Ticks implements plot.Ticker.
func (plainTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'g', 6, 64)
		}
	}
	return ticks
}

// logTicks labels decades as 1e-02, 1e-01, ... (and, when fewer than two decades are
// visible, the multiples 2..9 as well), like matplotlib's LogFormatter.
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > lo) {
		return nil
	}
	k0, k1 := int(math.Floor(math.Log10(lo))), int(math.Ceil(math.Log10(hi)))
	decades := 0
	for k := k0; k <= k1; k++ {
		if v := math.Pow(10, float64(k)); v >= lo && v <= hi {
			decades++
		}
	}
	var ticks []plot.Tick
	for k := k0; k <= k1; k++ {
		for i := 1; i < 10; i++ {
			v := float64(i) * math.Pow(10, float64(k))
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			switch {
			case i == 1:
				t.Label = fmt.Sprintf("1e%+03d", k)
			case decades < 2:
				t.Label = fmt.Sprintf("%de%+03d", i, k)
			}
			ticks = append(ticks, t)
		}
	}
	labelled := 0
	for _, t := range ticks {
		if t.Label != "" {
			labelled++
		}
	}
	if labelled < 2 { // less than a decade: plain numbers at round values
		ticks = plot.DefaultTicks{}.Ticks(lo, hi)
	}
	return ticks
}

// plotFigure renders a plot to a figure of wIn×hIn inches at plotDPI.
func plotFigure(p *plot.Plot, kind string, wIn, hIn float64) (*Figure, error) {
	w, h := int(wIn*plotDPI+0.5), int(hIn*plotDPI+0.5)
	img := newCanvas(w, h)
	if err := drawPlot(img, p, rectF{0, 0, float64(w), float64(h)}, plotDPI); err != nil {
		return nil, err
	}
	fig := &Figure{img: img, Axes: []Axes{{Kind: kind, Rect: img.Bounds(), Title: p.Title.Text}}}
	fig.svg = func() ([]byte, error) {
		c := vgsvg.New(vg.Length(wIn)*vg.Inch, vg.Length(hIn)*vg.Inch)
		if err := safely("svg", func() { p.Draw(draw.New(c)) }); err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		if _, err := c.WriteTo(&buf); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	return fig, nil
}

// drawPlot draws p into the pixel rectangle r of dst (composited over what
// is already there).
func drawPlot(dst *image.RGBA, p *plot.Plot, r rectF, dpi float64) error {
	area := r.rect().Intersect(dst.Bounds()) // keep labels inside the figure
	x0, y0, w, h := area.Min.X, area.Min.Y, area.Dx(), area.Dy()
	if w <= 0 || h <= 0 {
		return fmt.Errorf("plot: empty area %v", r)
	}
	p.BackgroundColor = color.Transparent
	var c *vgimg.Canvas
	err := safely("plot", func() {
		c = vgimg.NewWith(vgimg.UseWH(vg.Length(w)*72/vg.Length(dpi), vg.Length(h)*72/vg.Length(dpi)),
			vgimg.UseDPI(int(dpi)), vgimg.UseBackgroundColor(color.Transparent))
		p.Draw(draw.New(c))
	})
	if err != nil {
		return err
	}
	imdraw.Draw(dst, image.Rect(x0, y0, x0+w, y0+h), c.Image(), c.Image().Bounds().Min, imdraw.Over)
	return nil
}
