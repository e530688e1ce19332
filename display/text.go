package display

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"
	"strings"
	"sync"

	"codeberg.org/go-fonts/liberation/liberationsansregular"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// pyE1 formats like Python's "{:.1e}" (3.9e-03, 1.0e+00, nan, inf).
func pyE1(v float64) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	return fmt.Sprintf("%.1e", v)
}

// pyNumber formats a zoom the way Python's str() does: an int prints as "1",
// a float as "1.0" or "0.5".
func pyNumber(z float64, isFloat bool) string {
	if z == math.Trunc(z) && math.Abs(z) < 1e16 {
		if isFloat {
			return fmt.Sprintf("%d.0", int64(z))
		}
		return strconv.FormatInt(int64(z), 10)
	}
	return strconv.FormatFloat(z, 'g', -1, 64)
}

// panelTitle builds plenoptic's panel title.
func panelTitle(title string, vmin, vmax float64, h, w int, zoom string) string {
	return fmt.Sprintf("%s\n range: [%s, %s] \n dims: [%d, %d] * %s", title, pyE1(vmin), pyE1(vmax), h, w, zoom)
}

var (
	fontOnce  sync.Once
	sansFont  *opentype.Font
	fontErr   error
	faceMu    sync.Mutex
	faceCache = map[float64]font.Face{}
)

// face returns Liberation Sans at a size in pixels. It stands in for
// matplotlib's DejaVu Sans but is not metric-compatible with it (it matches
// Arial): at the same size its text is about 14% narrower, e.g. 178 px
// against 207 px for "range: [3.9e-03, 1.0e+00]" at 12 pt and 96 dpi (see
// testdata/display/COMPARISON.md).
func face(px float64) (font.Face, error) {
	fontOnce.Do(func() { sansFont, fontErr = opentype.Parse(liberationsansregular.TTF) })
	if fontErr != nil {
		return nil, fontErr
	}
	px = math.Round(px*4) / 4
	faceMu.Lock()
	defer faceMu.Unlock()
	if f, ok := faceCache[px]; ok {
		return f, nil
	}
	f, err := opentype.NewFace(sansFont, &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, err
	}
	faceCache[px] = f
	return f, nil
}

// minTextPx is the smallest font size we draw; plenoptic scales title fonts
// with the axis height, so tiny images get unreadable titles, which we skip.
const minTextPx = 3

// drawTitle draws a multi-line, centred title whose last line ends padPx
// above axisTop, with matplotlib's line spacing (1.2).
func drawTitle(dst *image.RGBA, cx, axisTop float64, title string, px, padPx float64) error {
	if px < minTextPx || title == "" {
		return nil
	}
	f, err := face(px)
	if err != nil {
		return err
	}
	baselines, err := titleBaselines(title, axisTop, px, padPx)
	if err != nil {
		return err
	}
	for i, line := range strings.Split(title, "\n") {
		drawString(dst, f, cx, baselines[i], line, 0.5, color.Black)
	}
	return nil
}

// lineMetrics returns the ascent and descent of the face at px pixels, as
// measured on "lp".
func lineMetrics(px float64) (ascent, descent float64, err error) {
	f, err := face(px)
	if err != nil {
		return 0, 0, err
	}
	b, _ := font.BoundString(f, "lp")
	return -fix(b.Min.Y), fix(b.Max.Y), nil
}

// titleBaselines returns the baseline of each line of a title drawn by
// drawTitle.
func titleBaselines(title string, axisTop, px, padPx float64) ([]float64, error) {
	ascent, descent, err := lineMetrics(px)
	if err != nil {
		return nil, err
	}
	pitch := descent + 1.2*ascent
	n := strings.Count(title, "\n") + 1
	base := axisTop - padPx - descent - float64(n-1)*pitch
	out := make([]float64, n)
	for i := range out {
		out[i] = base + float64(i)*pitch
	}
	return out, nil
}

// titleHeight is how far above the axis top drawTitle's text reaches.
func titleHeight(title string, px, padPx float64) (float64, error) {
	if px < minTextPx || title == "" {
		return 0, nil
	}
	ascent, descent, err := lineMetrics(px)
	if err != nil {
		return 0, err
	}
	lines := strings.Count(title, "\n") + 1
	return padPx + descent + float64(lines-1)*(descent+1.2*ascent) + ascent, nil
}

// titleWidth is the width of drawTitle's longest line.
func titleWidth(title string, px float64) (float64, error) {
	if px < minTextPx || title == "" {
		return 0, nil
	}
	f, err := face(px)
	if err != nil {
		return 0, err
	}
	w := 0.0
	for _, line := range strings.Split(title, "\n") {
		w = max(w, fix(font.MeasureString(f, line)))
	}
	return w, nil
}

// drawString draws s with its baseline at y; hAlign 0 puts x at the left
// edge, 0.5 centres, 1 right-aligns.
func drawString(dst *image.RGBA, f font.Face, x, y float64, s string, hAlign float64, c color.Color) {
	w := fix(font.MeasureString(f, s))
	d := font.Drawer{Dst: dst, Src: image.NewUniform(c), Face: f,
		Dot: fixed.Point26_6{X: fixed.Int26_6((x - hAlign*w) * 64), Y: fixed.Int26_6(y * 64)}}
	d.DrawString(s)
}

func fix(v fixed.Int26_6) float64 { return float64(v) / 64 }
