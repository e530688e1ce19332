package display

import (
	"fmt"
	"image"
	"math"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// ImshowOptions configures Imshow, EigendistortionImage and
// EigendistortionGrid. The zero value gives plenoptic's defaults: vrange
// indep1, zoom 1, empty titles (the range/dims subtitle still shows), all
// panels in one row.
type ImshowOptions struct {
	// VRange picks the colour limits: a mode such as Auto1 or Indep0, or
	// fixed Limits; nil is plenoptic's default, Indep1.
	VRange VRange
	// Zoom is the number of screen pixels per image pixel: an integer, or 1/d
	// with d dividing the image size. 0 means 1. A zoom that would make the
	// figure larger than MaxFigureSide or MaxFigurePixels is refused
	// (ErrTooLarge).
	Zoom float64
	// Title is shown above every panel (before the range/dims lines) unless
	// Titles is set.
	Title string
	// Titles gives one title per panel; its length must equal the panel count.
	Titles []string
	// NoTitles removes titles and the space reserved for them (title=None).
	NoTitles bool
	// ColWrap is the number of panels per row; 0 puts all in one row.
	// Columns beyond the panel count are left empty, as in pyrtools.
	ColWrap int
	// Cmap overrides the colormap; nil uses RdBuR for the modes with a 0
	// (Auto0, Indep0) and Gray otherwise.
	Cmap *Colormap
	// BatchIdx keeps one batch element (when B > 1); negative counts from
	// the end; nil keeps all. Set it with new: BatchIdx: new(0).
	BatchIdx *int
	// ChannelIdx keeps one channel; negative counts from the end; nil keeps
	// all.
	ChannelIdx *int
	// AsRGB shows the channel axis (3 or 4 entries) as colour.
	AsRGB bool
	// PanelLimits, when set, gives each panel its own colour limits (what a
	// plenoptic notebook does by hand with set_clim); its length must equal
	// the panel count. The colormap still follows VRange.
	PanelLimits [][2]float64
}

// Imshow shows images in a grid, like plenoptic's po.imshow. Each tensor is
// float32 [B,C,H,W]; panels are emitted batch-major, channel-minor, tensors in
// order. A tensor with B > 1 and C > 1 needs BatchIdx, ChannelIdx or AsRGB.
// Every image pixel is drawn as zoom×zoom screen pixels (no interpolation);
// images of different sizes are zoomed up to the largest, whose size they
// must divide. The figure geometry is pyrtools': 96 dpi, 10-pixel gaps, and a
// title band of a quarter of the axis height above each row. A single
// tensor is shown with Imshow([]*tensors.Tensor{img}, o).
func Imshow(imgs []*tensors.Tensor, o ImshowOptions) (*Figure, error) {
	return call("Imshow", func() (*Figure, error) { return imshow(imgs, o) })
}

func imshow(imgs []*tensors.Tensor, o ImshowOptions) (*Figure, error) {
	planes, err := selectPlanes(imgs, o.BatchIdx, o.ChannelIdx, o.AsRGB)
	if err != nil {
		return nil, err
	}
	return imshowPlanes(planes, o)
}

// imagePanel is an image ready to draw: pixels, limits, zoom and title.
type imagePanel struct {
	p          plane
	vmin, vmax float64
	zoom       float64
	zoomText   string
	cmap       *Colormap
	title      string // full title; "" draws none
}

// titleList resolves Title/Titles/NoTitles into one title per panel (nil when
// titles are off).
func titleList(o ImshowOptions, n int) ([]string, error) {
	if o.NoTitles {
		return nil, nil
	}
	if o.Titles != nil {
		if len(o.Titles) != n {
			return nil, fmt.Errorf("got %d titles for %d panels: must have the same number of titles and images", len(o.Titles), n)
		}
		return o.Titles, nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = o.Title
	}
	return out, nil
}

// preparePanels computes limits, colormap, zooms and titles. zoomIsFloat
// prints zooms the way Python prints floats ("1.0"), as plenoptic does when it
// chooses the zoom itself.
func preparePanels(planes []plane, o ImshowOptions, zoom float64, zoomIsFloat bool) ([]imagePanel, int, int, error) {
	if len(planes) == 0 {
		return nil, 0, 0, fmt.Errorf("no images to show (empty list)")
	}
	for i, p := range planes {
		if !p.hasNumber() {
			return nil, 0, 0, fmt.Errorf("panel %d (%d×%d) contains only NaN values", i, p.H, p.W)
		}
	}
	titles, err := titleList(o, len(planes))
	if err != nil {
		return nil, 0, 0, err
	}
	vr := vrangeOrDefault(o.VRange)
	lims, err := vr.planeLimits(planes)
	if err != nil {
		return nil, 0, 0, err
	}
	if o.PanelLimits != nil {
		if len(o.PanelLimits) != len(planes) {
			return nil, 0, 0, fmt.Errorf("PanelLimits has %d entries for %d panels", len(o.PanelLimits), len(planes))
		}
		for i, l := range o.PanelLimits {
			if !(l[0] < l[1]) {
				return nil, 0, 0, fmt.Errorf("PanelLimits[%d] = %v: the minimum must be below the maximum", i, l)
			}
		}
		lims = o.PanelLimits
	}
	zooms, maxH, maxW, err := panelZooms(planes, zoom)
	if err != nil {
		return nil, 0, 0, err
	}
	cmap := o.Cmap
	if cmap == nil {
		cmap = vr.defaultCmap()
	}
	out := make([]imagePanel, len(planes))
	for i, p := range planes {
		ip := imagePanel{p: p, vmin: lims[i][0], vmax: lims[i][1], zoom: zooms[i], cmap: cmap,
			zoomText: pyNumber(zooms[i], zoomIsFloat)}
		if titles != nil {
			ip.title = panelTitle(titles[i], ip.vmin, ip.vmax, p.H, p.W, ip.zoomText)
		}
		out[i] = ip
	}
	return out, maxH, maxW, nil
}

func imshowPlanes(planes []plane, o ImshowOptions) (*Figure, error) {
	zoom := o.Zoom
	if zoom == 0 {
		zoom = 1
	}
	if o.ColWrap < 0 {
		return nil, fmt.Errorf("col_wrap (ColWrap) must be positive (or 0 for one row), got %d", o.ColWrap)
	}
	panels, maxH, maxW, err := preparePanels(planes, o, zoom, false)
	if err != nil {
		return nil, err
	}
	nCols := len(panels)
	if o.ColWrap > 0 {
		nCols = o.ColWrap
	}
	nRows := (len(panels) + nCols - 1) / nCols
	vertPct := 0.8
	if o.NoTitles {
		vertPct = 1
	}
	// Check the size in floating point before any int conversion or
	// allocation: a huge zoom or ColWrap must not overflow or exhaust memory.
	fw, fh := zoom*float64(maxW), zoom*float64(maxH)
	if err := checkSize("a figure", float64(nCols)*(fw+gap)-gap, float64(nRows)*(fh/vertPct+gap)-gap,
		fmt.Sprintf("%d×%d images at zoom %v in %d row(s) of %d: lower Zoom or ColWrap", maxH, maxW, zoom, nRows, nCols)); err != nil {
		return nil, err
	}
	axW, axH := int(fw+0.5), int(fh+0.5)
	g := makeGrid(nRows, nCols, axW, axH, vertPct)
	if err := fitTopTitles(&g, panels, nCols, float64(axH)); err != nil {
		return nil, err
	}
	if err := checkSize("a figure", float64(g.Width), float64(g.Height), "shorten the titles"); err != nil {
		return nil, err
	}
	fig := &Figure{img: newCanvas(g.Width, g.Height)}
	for i, ip := range panels {
		ax, err := ip.draw(fig.img, g.Axes[i].Min, float64(axH), ppi)
		if err != nil {
			return nil, err
		}
		fig.Axes = append(fig.Axes, ax)
	}
	return fig, nil
}

// fitTopTitles grows the figure at the top when a first-row title has a
// multi-line caption (more than the usual caption, range and dims lines) that
// the title band cannot hold, so that nothing is cut off (as Jupyter's inline
// figures, saved with a tight bounding box, show them). Other titles leave
// the geometry exactly as pyrtools makes it.
func fitTopTitles(g *grid, panels []imagePanel, nCols int, axisH float64) error {
	overflow := 0.0
	for i := 0; i < nCols && i < len(panels); i++ {
		if strings.Count(panels[i].title, "\n") < 3 {
			continue
		}
		h, err := titleHeight(panels[i].title, axisH*12/256*ppi/72, 6*ppi/72)
		if err != nil {
			return err
		}
		overflow = max(overflow, h-float64(g.Axes[i].Min.Y))
	}
	if overflow <= 0 {
		return nil
	}
	extra := int(math.Ceil(overflow)) + 1
	g.Height += extra
	for i := range g.Axes {
		g.Axes[i] = g.Axes[i].Add(image.Pt(0, extra))
	}
	return nil
}

// draw paints the panel with its top-left corner at `at` and its title above
// it; axisH is the axis height in pixels (sets the font: 12 pt per 256 px).
func (ip imagePanel) draw(dst *image.RGBA, at image.Point, axisH, dpi float64) (Axes, error) {
	drawPlane(dst, at, ip.p, ip.zoom, ip.vmin, ip.vmax, ip.cmap)
	w, h := int(float64(ip.p.W)*ip.zoom+0.5), int(float64(ip.p.H)*ip.zoom+0.5)
	ax := Axes{Kind: ImageAxes, Rect: image.Rect(at.X, at.Y, at.X+w, at.Y+h), Title: ip.title,
		VMin: ip.vmin, VMax: ip.vmax, Zoom: ip.zoom}
	if ip.p.C == 1 {
		ax.Cmap = ip.cmap.Name()
	}
	pt := axisH * 12 / 256
	err := drawTitle(dst, float64(at.X)+float64(w)/2, float64(at.Y), ip.title, pt*dpi/72, 6*dpi/72)
	return ax, err
}
