package display

import (
	"fmt"
	"image"
	"math"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// MADView is what the MAD Competition views need from a MAD Competition
// synthesis (synth.MADCompetition implements it).
type MADView interface {
	// Image is the reference image, [B,C,H,W].
	Image() *tensors.Tensor
	// InitialImage is the noisy image the synthesis started from.
	InitialImage() *tensors.Tensor
	// MADImage is the current synthesized image.
	MADImage() *tensors.Tensor
	// Losses holds the objective of every iteration.
	Losses() []float64
	// OptimizedMetricLoss and ReferenceMetricLoss hold the two metrics
	// between the reference and the synthesized image, at the start and
	// after every iteration (one more entry than Losses).
	OptimizedMetricLoss() []float64
	ReferenceMetricLoss() []float64
	// StoreProgress is the storing interval; 0 when progress is not stored.
	StoreProgress() int
	// SavedMADImages()[i] is the image at iteration i*StoreProgress().
	SavedMADImages() []*tensors.Tensor
}

// metricNamer is implemented by syntheses that know their metric's name
// (synth.MADCompetition: the Go name of a named metric function).
type metricNamer interface {
	OptimizedMetricName() string
}

// PanelMADImage shows the MAD image in PlotMADSynthesisStatus and
// AnimateMAD (plenoptic's "display_mad_image"); PanelLoss shows the two
// metric losses there and PanelPixelValues the histograms.
const PanelMADImage Panel = "display_mad_image"

var madPanels = panelSet{
	all:      []Panel{PanelMADImage, PanelLoss, PanelPixelValues},
	goNames:  "PanelMADImage, PanelLoss, PanelPixelValues",
	defaults: []Panel{PanelMADImage, PanelLoss, PanelPixelValues},
	// plenoptic's widths for MAD: the loss panel holds two axes.
	widths: map[Panel]float64{PanelLoss: 2},
}

// DefaultMADPanels returns plenoptic's default included_plots for MAD
// Competition: the MAD image, the metric losses and the pixel values.
func DefaultMADPanels() []Panel { return append([]Panel(nil), madPanels.defaults...) }

// MADStatusOptions configures MADImage, PlotMADPixelValues,
// PlotMADSynthesisStatus and AnimateMAD. The zero value gives plenoptic's
// defaults.
type MADStatusOptions struct {
	// BatchIdx selects the batch element shown (default 0).
	BatchIdx int
	// ChannelIdx selects one channel; nil shows all (as RGB when C > 1).
	ChannelIdx *int
	// Iteration selects the synthesis iteration to show (nil: the current
	// state; negative counts from the end of the losses). It needs stored
	// progress, and must be a multiple of StoreProgress(). The loss dots
	// mark it too.
	Iteration *int
	// VRange of the MAD image: nil is Indep1.
	VRange VRange
	// Zoom of the MAD image; 0 picks the largest zoom that fits (in
	// MADImage: 1).
	Zoom float64
	// Title of the MAD image (default "MADCompetition").
	Title string
	// IncludedPlots lists the panels to draw (nil: DefaultMADPanels()); they
	// are drawn in the order PanelMADImage, PanelLoss, PanelPixelValues.
	IncludedPlots []Panel
	// WidthRatios gives relative panel widths (default 1, and 2 for
	// PanelLoss, as plenoptic).
	WidthRatios map[Panel]float64
	// FigSize is the figure size in inches (default (Σ5r + Σr − 1, 5) for
	// width ratios r: 23×5 with the three panels; at 72 dpi). Beyond
	// MaxFigureSide or MaxFigurePixels pixels it is refused (ErrTooLarge).
	FigSize [2]float64
}

func (o MADStatusOptions) status() StatusOptions {
	return StatusOptions{BatchIdx: o.BatchIdx, ChannelIdx: o.ChannelIdx, Iteration: o.Iteration, VRange: o.VRange,
		Zoom: o.Zoom, IncludedPlots: o.IncludedPlots, WidthRatios: o.WidthRatios, FigSize: o.FigSize}
}

func madProgress(m MADView) progressView {
	return progressView{m.MADImage, m.Losses, m.StoreProgress, m.SavedMADImages}
}

func madImshowOptions(img *tensors.Tensor, o MADStatusOptions) (ImshowOptions, error) {
	if img == nil || img.Rank() != 4 {
		return ImshowOptions{}, fmt.Errorf("MAD image must be a 4-D [B,C,H,W] tensor")
	}
	title := o.Title
	if title == "" {
		title = "MADCompetition"
	}
	c := img.Shape().Dimensions[1]
	return ImshowOptions{Title: title, BatchIdx: new(o.BatchIdx), ChannelIdx: o.ChannelIdx,
		AsRGB: o.ChannelIdx == nil && c > 1, VRange: o.VRange}, nil
}

// MADImage shows the MAD image (or, with Iteration, a stored iterate) with
// Imshow, like plenoptic's display_mad_image: title "MADCompetition", batch
// BatchIdx, and colour when the image has several channels and ChannelIdx
// is nil.
func MADImage(m MADView, o MADStatusOptions) (*Figure, error) {
	return call("MADImage", func() (*Figure, error) {
		if m == nil {
			return nil, fmt.Errorf("MAD view is nil")
		}
		st, err := resolveProgress(madProgress(m), o.Iteration)
		if err != nil {
			return nil, err
		}
		imo, err := madImshowOptions(st.image, o)
		if err != nil {
			return nil, err
		}
		imo.Zoom = o.Zoom
		return imshow([]*tensors.Tensor{st.image}, imo)
	})
}

// PlotMADSynthesisStatus draws one row of panels summarising a MAD
// Competition synthesis, like plenoptic's plot_synthesis_status for MAD:
// the MAD image, the reference and optimized metric losses (two axes, with
// a red dot at the iteration shown) and the histograms of the reference and
// MAD images' pixel values.
func PlotMADSynthesisStatus(m MADView, o MADStatusOptions) (*Figure, error) {
	return call("PlotMADSynthesisStatus", func() (*Figure, error) { return plotMADStatus(m, o) })
}

// PlotMADPixelValues draws only the histograms of the reference and MAD
// images' pixel values, like plenoptic's plot_pixel_values for MAD
// (IncludedPlots is ignored).
func PlotMADPixelValues(m MADView, o MADStatusOptions) (*Figure, error) {
	o.IncludedPlots = []Panel{PanelPixelValues}
	return call("PlotMADPixelValues", func() (*Figure, error) { return plotMADStatus(m, o) })
}

func newMADRenderer(m MADView, o MADStatusOptions) (*statusRenderer, error) {
	if m == nil {
		return nil, fmt.Errorf("MAD view is nil")
	}
	r, err := newRenderer(madPanels, o.status())
	if err != nil {
		return nil, err
	}
	r.mad, r.madTitle = m, o.Title
	return r, nil
}

func plotMADStatus(m MADView, o MADStatusOptions) (*Figure, error) {
	r, err := newMADRenderer(m, o)
	if err != nil {
		return nil, err
	}
	st, err := resolveProgress(madProgress(m), o.Iteration)
	if err != nil {
		return nil, err
	}
	return r.render(st)
}

func (r *statusRenderer) drawMADImage(dst *image.RGBA, cell rectF, st synthState) ([]Axes, error) {
	o, err := madImshowOptions(st.image, MADStatusOptions{BatchIdx: r.o.BatchIdx, ChannelIdx: r.o.ChannelIdx, VRange: r.o.VRange, Title: r.madTitle})
	if err != nil {
		return nil, err
	}
	return r.drawFramedImage(dst, cell, PanelMADImage, st.image, o)
}

// madLossPanels are plenoptic's plot_loss for MAD: the reference and the
// optimized metric losses, each with a red dot at iteration lossIdx (-1:
// the last iteration; noDot: none).
func madLossPanels(m MADView, lossIdx int) ([]XYPanel, error) {
	ref, opt := m.ReferenceMetricLoss(), m.OptimizedMetricLoss()
	n := len(m.Losses())
	if len(ref) == 0 || len(opt) == 0 {
		return nil, fmt.Errorf("no metric losses to plot")
	}
	if lossIdx == -1 {
		lossIdx = n - 1 // plenoptic's iteration=None: len(losses) − 1
	}
	var panels []XYPanel
	for k, c := range []struct {
		name string
		loss []float64
	}{{"Reference metric loss", ref}, {"Optimized metric loss", opt}} {
		pn := XYPanel{XLabel: "Synthesis iteration", YLabel: c.name,
			Series: []Series{{Y: c.loss, Color: colC0}}}
		if lossIdx != noDot {
			if lossIdx < 0 || lossIdx >= len(c.loss) {
				return nil, fmt.Errorf("iteration %d out of range for %d %s values", lossIdx, len(c.loss), []string{"reference", "optimized"}[k])
			}
			pn.Series = append(pn.Series, redDot(float64(lossIdx), c.loss[lossIdx]))
		}
		panels = append(panels, pn)
	}
	return panels, nil
}

// redDot is the loss plots' red dot (scatter, c="r"): 6 pt across plus a
// 1.5 pt edge in the same colour, a 3.75 pt radius.
func redDot(x, y float64) Series {
	return Series{Kind: ScatterSeries, X: []float64{x}, Y: []float64{y}, Color: colRed, Size: 4 * 3.75 * 3.75}
}

func (r *statusRenderer) drawMADLoss(dst *image.RGBA, cell rectF, st synthState) ([]Axes, error) {
	panels, err := madLossPanels(r.mad, st.lossIdx)
	if err != nil {
		return nil, err
	}
	var out []Axes
	for i, c := range gridCells(cell, 1, 2, nil) {
		p, err := xyPlot(panels[i])
		if err != nil {
			return nil, err
		}
		if err := drawPlotIn(dst, p, c, plotDPI); err != nil {
			return nil, err
		}
		out = append(out, Axes{Kind: LossAxes, Rect: c.rect()})
	}
	return out, nil
}

// MADLossOptions configures PlotMADLoss.
type MADLossOptions struct {
	// Iteration places the red dots (negative counts from the end of the
	// losses); nil puts them at the last iteration, as plenoptic's
	// iteration=None does.
	Iteration *int
	// FigSize is the figure size in inches at 72 dpi (default matplotlib's
	// 6.4×4.8, split into the two axes as plenoptic splits plt.gca()).
	FigSize [2]float64
}

// PlotMADLoss draws the reference metric loss and the optimized metric loss
// of a MAD Competition synthesis over its iterations, on two axes side by
// side, each with a red dot at one iteration, like plenoptic's plot_loss for
// MAD.
func PlotMADLoss(m MADView, o MADLossOptions) (*Figure, error) {
	return call("PlotMADLoss", func() (*Figure, error) {
		if m == nil {
			return nil, fmt.Errorf("MAD view is nil")
		}
		idx := -1
		if o.Iteration != nil {
			var err error
			if idx, err = normIndex(*o.Iteration, len(m.Losses()), "iteration"); err != nil {
				return nil, err
			}
		}
		panels, err := madLossPanels(m, idx)
		if err != nil {
			return nil, err
		}
		size, err := figureSize(o.FigSize, [2]float64{6.4, 4.8})
		if err != nil {
			return nil, err
		}
		w, h, err := figurePixels(size)
		if err != nil {
			return nil, err
		}
		cell := subplotRow(size[0]*plotDPI, size[1]*plotDPI, h, []float64{1})[0]
		return drawXYFigure(w, h, panels, gridCells(cell, 1, 2, nil), LossAxes)
	})
}

// MADAnimateOptions configures AnimateMAD. The zero value gives plenoptic's
// defaults.
type MADAnimateOptions struct {
	// MADStatusOptions chooses the panels, as for PlotMADSynthesisStatus;
	// Iteration must be nil.
	MADStatusOptions
	// FrameRate in frames per second (default 10).
	FrameRate float64
}

// AnimateMAD renders one synthesis-status frame per stored iterate of a MAD
// Competition synthesis, like plenoptic's animate for MAD: frame i shows
// SavedMADImages()[i], the loss dots at iteration i*StoreProgress() and the
// histograms of that iterate. The MAD image keeps the title and colour
// limits of the first frame. Frames are bounded like figures.
func AnimateMAD(m MADView, o MADAnimateOptions) (*Animation, error) {
	return call("AnimateMAD", func() (*Animation, error) {
		if m == nil {
			return nil, fmt.Errorf("MAD view is nil")
		}
		if o.Iteration != nil {
			return nil, fmt.Errorf("the Iteration option must be nil (every stored iterate becomes a frame)")
		}
		r, err := newMADRenderer(m, o.MADStatusOptions)
		if err != nil {
			return nil, err
		}
		return animateFrames(r, m.StoreProgress(), m.SavedMADImages(), len(m.Losses()), o.FrameRate)
	})
}

// checkSameImage is plenoptic's check that the four syntheses of a MAD set
// share their image (torch.allclose: |a − b| ≤ 1e-8 + 1e-5·|b|).
func checkSameImage(mads [4]MADView, names [4]string) (array4, error) {
	for i, m := range mads {
		if m == nil {
			return array4{}, fmt.Errorf("%s is nil", names[i])
		}
	}
	ref, err := readArray4(mads[0].Image())
	if err != nil {
		return array4{}, fmt.Errorf("%s image: %w", names[0], err)
	}
	for i, m := range mads[1:] {
		a, err := readArray4(m.Image())
		if err != nil {
			return array4{}, fmt.Errorf("%s image: %w", names[i+1], err)
		}
		same := a.B == ref.B && a.C == ref.C && a.H == ref.H && a.W == ref.W
		for k := 0; same && k < len(a.Data); k++ {
			same = math.Abs(a.Data[k]-ref.Data[k]) <= 1e-8+1e-5*math.Abs(ref.Data[k])
		}
		if !same {
			return array4{}, fmt.Errorf("all four MAD Competition syntheses must have the same image: %s's differs from %s's", names[i+1], names[0])
		}
	}
	return ref, nil
}

var madAllNames = [4]string{"mad1Min", "mad2Min", "mad1Max", "mad2Max"}

// metricNames returns the names of the two metrics: the options' or, when
// empty, those the syntheses know (else "metric 1" and "metric 2").
func metricNames(mad1, mad2 MADView, name1, name2 string) (string, string) {
	pick := func(name string, m MADView, fallback string) string {
		if name != "" {
			return name
		}
		if n, ok := m.(metricNamer); ok && n.OptimizedMetricName() != "" {
			return n.OptimizedMetricName()
		}
		return fallback
	}
	return pick(name1, mad1, "metric 1"), pick(name2, mad2, "metric 2")
}

// MADImageAllOptions configures MADImageAll. The zero value gives
// plenoptic's defaults.
type MADImageAllOptions struct {
	// Metric1Name and Metric2Name name the metrics in the titles (default:
	// the optimized metric's name of mad1Min and of mad2Min, see
	// synth.MADCompetition.OptimizedMetricName).
	Metric1Name, Metric2Name string
	// Zoom is the number of screen pixels per image pixel (default 1).
	Zoom float64
	// VRange picks each image's colour limits (each image on its own, as
	// plenoptic calls imshow once per image); nil is Indep1.
	VRange VRange
	// BatchIdx selects the batch element (default 0).
	BatchIdx int
	// ChannelIdx selects one channel; nil shows all (as RGB when C > 1).
	ChannelIdx *int
	// Cmap overrides the colormap of grayscale images.
	Cmap *Colormap
}

// MADImageAll shows a full set of MAD Competition images, like plenoptic's
// display_mad_image_all: the reference image and mad1Min's initial (noisy)
// image on the first row, then "Minimize"/"Maximize" metric 1 and
// "Minimize"/"Maximize" metric 2, in a 3×2 grid. The four syntheses must
// share their image.
func MADImageAll(mad1Min, mad2Min, mad1Max, mad2Max MADView, o MADImageAllOptions) (*Figure, error) {
	return call("MADImageAll", func() (*Figure, error) {
		mads := [4]MADView{mad1Min, mad2Min, mad1Max, mad2Max}
		if _, err := checkSameImage(mads, madAllNames); err != nil {
			return nil, err
		}
		n1, n2 := metricNames(mad1Min, mad2Min, o.Metric1Name, o.Metric2Name)
		imgs := []*tensors.Tensor{mad1Min.Image(), mad1Min.InitialImage(), mad1Min.MADImage(), mad1Max.MADImage(), mad2Min.MADImage(), mad2Max.MADImage()}
		titles := []string{"Reference image", "Initial (noisy) image",
			"Minimize " + n1, "Maximize " + n1, "Minimize " + n2, "Maximize " + n2}
		var planes []plane
		for i, img := range imgs {
			if img == nil || img.Rank() != 4 {
				return nil, fmt.Errorf("%s: image must be a 4-D [B,C,H,W] tensor", titles[i])
			}
			asRGB := o.ChannelIdx == nil && img.Shape().Dimensions[1] > 1
			p, err := selectPlanes([]*tensors.Tensor{img}, new(o.BatchIdx), o.ChannelIdx, asRGB)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", titles[i], err)
			}
			if len(p) != 1 {
				return nil, fmt.Errorf("%s: %d panels for one image", titles[i], len(p))
			}
			planes = append(planes, p[0])
		}
		// One imshow call per image: the limits of each come from it alone.
		vr := vrangeOrDefault(o.VRange)
		var lims [][2]float64
		for i, p := range planes {
			if !p.hasNumber() {
				return nil, fmt.Errorf("%s contains only NaN values", titles[i])
			}
			l, err := vr.planeLimits([]plane{p})
			if err != nil {
				return nil, err
			}
			lims = append(lims, l[0])
		}
		return imshowPlanes(planes, ImshowOptions{Titles: titles, ColWrap: 2, Zoom: o.Zoom, VRange: o.VRange,
			PanelLimits: lims, Cmap: o.Cmap})
	})
}

// MADLossAllOptions configures PlotMADLossAll. The zero value gives
// plenoptic's defaults.
type MADLossAllOptions struct {
	// Metric1Name and Metric2Name name the metrics in the titles and the
	// legend (defaults as for MADImageAll).
	Metric1Name, Metric2Name string
	// FigSize is the figure size in inches at 72 dpi (default 10×5); the
	// figure grows to the right to hold the legend.
	FigSize [2]float64
}

// PlotMADLossAll draws the losses of a full set of MAD Competition
// syntheses on two axes, like plenoptic's plot_loss_all: the left one shows
// metric 2 and the right one metric 1 over the iterations of all four
// syntheses (metric 1's syntheses in C0, metric 2's in C1; minimizing
// dashed, maximizing solid; red dots at their last iterations), with the
// legend to the right. The four syntheses must share their image.
func PlotMADLossAll(mad1Min, mad2Min, mad1Max, mad2Max MADView, o MADLossAllOptions) (*Figure, error) {
	return call("PlotMADLossAll", func() (*Figure, error) {
		mads := [4]MADView{mad1Min, mad2Min, mad1Max, mad2Max}
		if _, err := checkSameImage(mads, madAllNames); err != nil {
			return nil, err
		}
		n1, n2 := metricNames(mad1Min, mad2Min, o.Metric1Name, o.Metric2Name)
		// axes[0] shows metric 2, axes[1] metric 1: a metric-1 synthesis
		// puts its reference loss (metric 2) left, a metric-2 synthesis its
		// optimized loss (metric 2) left.
		left := XYPanel{Title: n2, XLabel: "Synthesis iteration", YLabel: "Loss"}
		right := XYPanel{Title: n1, XLabel: "Synthesis iteration", YLabel: "Loss", Legend: LegendOutsideCenter}
		var dots [2][]Series
		for _, c := range []struct {
			m       MADView
			label   string
			metric1 bool
			dashed  bool
		}{
			{mad1Min, "Minimize " + n1, true, true}, {mad1Max, "Maximize " + n1, true, false},
			{mad2Min, "Minimize " + n2, false, true}, {mad2Max, "Maximize " + n2, false, false},
		} {
			ref, opt := c.m.ReferenceMetricLoss(), c.m.OptimizedMetricLoss()
			metric2, metric1 := ref, opt
			col := colC0
			if !c.metric1 {
				metric2, metric1, col = opt, ref, colC1
			}
			if len(ref) == 0 || len(opt) == 0 {
				return nil, fmt.Errorf("%s: no metric losses to plot", c.label)
			}
			left.Series = append(left.Series, Series{Y: metric2, Label: c.label, Color: col, Dashed: c.dashed})
			right.Series = append(right.Series, Series{Y: metric1, Label: c.label, Color: col, Dashed: c.dashed})
			idx := len(c.m.Losses()) - 1
			if idx >= 0 && idx < len(ref) && idx < len(opt) {
				dots[0] = append(dots[0], redDot(float64(idx), metric2[idx]))
				dots[1] = append(dots[1], redDot(float64(idx), metric1[idx]))
			}
		}
		left.Series = append(left.Series, dots[0]...)
		right.Series = append(right.Series, dots[1]...)
		size := o.FigSize
		if size == ([2]float64{}) {
			size = [2]float64{10, 5}
		}
		return plotXY([]XYPanel{left, right}, XYOptions{FigSize: size}, LossAxes)
	})
}
