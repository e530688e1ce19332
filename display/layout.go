package display

import (
	"fmt"
	"image"
	"math"
)

// ppi is the fixed resolution of pyrtools' PyrFigure (and so of Imshow).
const ppi = 96

// gap is the space between axes of an Imshow grid, in pixels.
const gap = 10

// rectF is a rectangle in figure pixels, origin at the top left.
type rectF struct{ X, Y, W, H float64 }

// grid is the geometry of a pyrtools make_figure call.
type grid struct {
	Width, Height int               // figure size in pixels
	Axes          []image.Rectangle // one per cell, row-major
}

// makeGrid reproduces pyrtools' make_figure: axes of axW×axH pixels, 10-pixel
// gaps, and each row reserving axH/vertPct pixels (the extra is title space).
func makeGrid(nRows, nCols, axW, axH int, vertPct float64) grid {
	band := float64(axH) / vertPct
	hf := float64((nRows-1)*gap) + float64(nRows)*band
	g := grid{Width: (nCols-1)*gap + nCols*axW, Height: int(math.Floor(hf + 1e-6))}
	// matplotlib places axes from the bottom of a float-sized figure and draws
	// on a canvas of truncated height; shift by the lost fraction.
	shift := hf - float64(g.Height)
	for i := 0; i < nRows; i++ {
		top := int(math.Round(float64(i+1)*band + float64(i*gap) - float64(axH) - shift))
		for j := 0; j < nCols; j++ {
			x := j * (axW + gap)
			g.Axes = append(g.Axes, image.Rect(x, top, x+axW, top+axH))
		}
	}
	return g
}

// panelZooms applies pyrtools' _check_zooms: panels of different sizes must be
// integer fractions of the largest one (same factor in both axes); each panel
// is shown at zoom × (largest size / own size), and zoom × largest size must be
// a whole number of pixels.
func panelZooms(planes []plane, zoom float64) (zooms []float64, maxH, maxW int, err error) {
	if !(zoom > 0) || math.IsInf(zoom, 0) {
		return nil, 0, 0, fmt.Errorf("zoom must be a positive number, got %v", zoom)
	}
	for _, p := range planes {
		maxH, maxW = max(maxH, p.H), max(maxW, p.W)
	}
	for i, p := range planes {
		if maxH%p.H != 0 || maxW%p.W != 0 {
			return nil, 0, 0, fmt.Errorf("image %d is %d×%d: all images must be integer fractions of the largest (%d×%d)",
				i, p.H, p.W, maxH, maxW)
		}
		if maxH/p.H != maxW/p.W {
			return nil, 0, 0, fmt.Errorf("image %d is %d×%d: height and width must be zoomed by the same factor to reach %d×%d",
				i, p.H, p.W, maxH, maxW)
		}
		zooms = append(zooms, zoom*float64(maxH/p.H))
	}
	for _, s := range []int{maxH, maxW} {
		if z := zoom * float64(s); math.Abs(z-math.Round(z)) > 1e-9 {
			return nil, 0, 0, fmt.Errorf("zoom %v times image size %d = %v is not a whole number of pixels: zoom must be an integer, or 1/d with d dividing the image size",
				zoom, s, z)
		}
	}
	return zooms, maxH, maxW, nil
}

// fitZoom is plenoptic's rule for drawing into an existing axis: the largest
// integer zoom that fits (as a float), or else the largest 1/d with d a
// divisor (≥ 2) of the image size that fits.
func fitZoom(maxH, maxW int, axW, axH float64) (float64, error) {
	divisorZoom := func(x int, limit float64) (float64, error) {
		for d := 2; d < x; d++ {
			if x%d == 0 && float64(x)/float64(d) <= limit {
				return 1 / float64(d), nil
			}
		}
		return 0, fmt.Errorf("an image of size %d does not fit into an axis of %.0f pixels", x, limit)
	}
	var zoom float64
	var err error
	if axH > float64(maxH) {
		zoom = math.Floor(axH / float64(maxH))
	} else if zoom, err = divisorZoom(maxH, axH); err != nil {
		return 0, err
	}
	if axW > float64(maxW) {
		zoom = math.Min(zoom, math.Floor(axW/float64(maxW)))
	} else if zoom, err = divisorZoom(maxW, axW); err != nil {
		return 0, err
	}
	return zoom, nil
}

// Matplotlib's default subplot parameters.
const (
	subLeft, subRight    = 0.125, 0.9
	subBottom, subTop    = 0.11, 0.88
	subWSpace, subHSpace = 0.2, 0.2
)

// subplotRow lays out one row of subplots with the given width ratios the
// way matplotlib's GridSpec does, in a figure of w×h pixels.
// w and h are the figure's exact size in pixels (inches × dpi), canvasH the
// height of the canvas it is drawn on: matplotlib truncates the canvas to
// whole pixels and measures y from the bottom, so a fractional height cuts
// its top off and moves everything up by h − canvasH.
func subplotRow(w, h float64, canvasH int, ratios []float64) []rectF {
	return gridCells(subplotBox(w, h, canvasH), 1, len(ratios), ratios)
}

// subplotBox is the area matplotlib's default subplot parameters leave for
// the axes in a figure of w×h pixels drawn on a canvas canvasH pixels high
// (see subplotRow).
func subplotBox(w, h float64, canvasH int) rectF {
	return rectF{X: subLeft * w, Y: float64(canvasH) - subTop*h, W: (subRight - subLeft) * w, H: (subTop - subBottom) * h}
}

// figurePixels is a figure size in inches as whole pixels at plotDPI,
// truncated as matplotlib does; less than a pixel is an error.
func figurePixels(size [2]float64) (w, h int, err error) {
	w, h = int(size[0]*plotDPI), int(size[1]*plotDPI)
	if w <= 0 || h <= 0 {
		return 0, 0, fmt.Errorf("figsize %v is less than a pixel", size)
	}
	return w, h, nil
}

// gridCells splits r into nRows×nCols cells (row-major) separated by
// matplotlib's default wspace/hspace; ratios (nil for equal) weight columns.
func gridCells(r rectF, nRows, nCols int, ratios []float64) []rectF {
	cellW := r.W / (float64(nCols) + subWSpace*float64(nCols-1))
	cellH := r.H / (float64(nRows) + subHSpace*float64(nRows-1))
	if ratios == nil {
		ratios = make([]float64, nCols)
		for i := range ratios {
			ratios[i] = 1
		}
	}
	var sum float64
	for _, q := range ratios {
		sum += q
	}
	var out []rectF
	for i := 0; i < nRows; i++ {
		x := r.X
		for j := 0; j < nCols; j++ {
			cw := cellW * float64(nCols) * ratios[j] / sum
			out = append(out, rectF{X: x, Y: r.Y + float64(i)*cellH*(1+subHSpace), W: cw, H: cellH})
			x += cw + subWSpace*cellW
		}
	}
	return out
}
