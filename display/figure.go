package display

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
)

// Figure is a rendered figure: a raster image plus a description of its axes.
type Figure struct {
	img *image.RGBA
	svg func() ([]byte, error) // native vector rendering, if any
	// Axes describes each panel, in drawing order.
	Axes []Axes
}

// Axes describes one panel of a Figure, so that a program (or a test) can
// check what was drawn where.
type Axes struct {
	// Kind says what the panel shows.
	Kind AxesKind
	// Rect is the panel's area in figure pixels; for images exactly the
	// zoomed image (zoom×H by zoom×W pixels).
	Rect image.Rectangle
	// Title is the full title text ("" when there is none).
	Title string
	// VMin and VMax are the colour limits of an image panel.
	VMin, VMax float64
	// Zoom is the number of screen pixels per image pixel (image panels).
	Zoom float64
	// Cmap is the colormap name of a grayscale image panel ("" for RGB).
	Cmap string
}

// AxesKind is what a panel of a Figure shows.
type AxesKind string

// The kinds of panels.
const (
	// ImageAxes is an image panel (Imshow, the metamer, a representation error).
	ImageAxes AxesKind = "image"
	// LossAxes is a loss curve (PlotLoss, and MAD's metric losses).
	LossAxes AxesKind = "loss"
	// HistogramAxes is the histogram of pixel values (PlotPixelValues).
	HistogramAxes AxesKind = "histogram"
	// StemAxes is a stem plot of a 3-D representation error.
	StemAxes AxesKind = "stem"
	// XYAxes is a panel of PlotXY.
	XYAxes AxesKind = "xy"
)

// newCanvas returns a white w×h canvas.
func newCanvas(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	return img
}

// Image returns the rendered figure.
func (f *Figure) Image() image.Image { return f.img }

// PNG encodes the figure as PNG.
func (f *Figure) PNG() ([]byte, error) {
	return call("PNG", func() ([]byte, error) { return encodePNG(f.img) })
}

// SavePNG writes the figure to a PNG file.
func (f *Figure) SavePNG(path string) error {
	return callErr("SavePNG", func() error {
		b, err := encodePNG(f.img)
		if err != nil {
			return err
		}
		return os.WriteFile(path, b, 0o644)
	})
}

// SVG encodes the figure as SVG: line plots are drawn as vectors, image
// figures embed their exact pixels as a PNG data URI.
func (f *Figure) SVG() ([]byte, error) { return call("SVG", f.encodeSVG) }

func (f *Figure) encodeSVG() ([]byte, error) {
	if f.svg != nil {
		return f.svg()
	}
	p, err := encodePNG(f.img)
	if err != nil {
		return nil, err
	}
	w, h := f.img.Bounds().Dx(), f.img.Bounds().Dy()
	return []byte(fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">`+
		`<image width="%d" height="%d" style="image-rendering:pixelated" href="%s"/></svg>`+"\n",
		w, h, w, h, w, h, dataURI(p))), nil
}

// SaveSVG writes the figure to an SVG file.
func (f *Figure) SaveSVG(path string) error {
	return callErr("SaveSVG", func() error {
		b, err := f.encodeSVG()
		if err != nil {
			return err
		}
		return os.WriteFile(path, b, 0o644)
	})
}

// HTML returns a self-contained <img> tag (the PNG as a data URI) that keeps
// pixels sharp when the browser scales it.
func (f *Figure) HTML() string { return f.html(png.DefaultCompression) }

func (f *Figure) html(level png.CompressionLevel) string {
	if f.img == nil {
		return "<pre>display: HTML: empty figure</pre>"
	}
	p, err := encodePNGLevel(f.img, level)
	if err != nil {
		return fmt.Sprintf("<pre>display: HTML: %s</pre>", html.EscapeString(err.Error()))
	}
	return imgTag(p, f.img.Bounds().Dx(), f.img.Bounds().Dy())
}

func imgTag(pngBytes []byte, w, h int) string {
	return fmt.Sprintf(`<img src="%s" width="%d" height="%d" style="image-rendering:pixelated">`, dataURI(pngBytes), w, h)
}

func encodePNG(img image.Image) ([]byte, error) { return encodePNGLevel(img, png.DefaultCompression) }

// encodePNGLevel encodes img, as 8-bit grayscale when every pixel is an
// opaque gray (smaller and faster to encode).
func encodePNGLevel(img image.Image, level png.CompressionLevel) ([]byte, error) {
	if g := asGray(img); g != nil {
		img = g
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: level}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// asGray returns img as *image.Gray when it is an opaque gray *image.RGBA.
func asGray(img image.Image) *image.Gray {
	rgba, ok := img.(*image.RGBA)
	if !ok {
		return nil
	}
	b := rgba.Bounds()
	g := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := rgba.Pix[(y-b.Min.Y)*rgba.Stride:]
		for x := 0; x < b.Dx(); x++ {
			p := row[4*x : 4*x+4]
			if p[0] != p[1] || p[1] != p[2] || p[3] != 255 {
				return nil
			}
			g.Pix[(y-b.Min.Y)*g.Stride+x] = p[0]
		}
	}
	return g
}

func dataURI(pngBytes []byte) string {
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(pngBytes)
}

// drawPlane paints p at the top-left corner of r with zoom z, the way
// matplotlib draws an image with interpolation='none': above 1 each image
// pixel becomes a z×z block; below 1 (z = 1/d) each screen pixel shows the
// image pixel nearest its centre, d·s + d/2 (rounded down) in each direction,
// with no averaging. Grayscale values are mapped through cmap with limits
// (vmin, vmax); RGB(A) values are clipped to [0, 1] and alpha is composited
// over the figure's background.
func drawPlane(dst *image.RGBA, at image.Point, p plane, z, vmin, vmax float64, cmap *Colormap) {
	sw, sh := int(float64(p.W)*z+0.5), int(float64(p.H)*z+0.5)
	span := vmax - vmin
	vals := make([]float64, p.C)
	for sy := 0; sy < sh; sy++ {
		y := srcIndex(sy, z, p.H)
		for sx := 0; sx < sw; sx++ {
			x := srcIndex(sx, z, p.W)
			for c := range vals {
				vals[c] = p.at(y, x, c)
			}
			var col color.RGBA
			if p.C == 1 {
				n := 0.0
				if span != 0 {
					n = (vals[0] - vmin) / span
				}
				if math.IsNaN(vals[0]) {
					n = math.NaN()
				}
				col = cmap.At(n)
			} else {
				col = rgbaColor(vals)
			}
			if col.A == 0 {
				continue
			}
			px, py := at.X+sx, at.Y+sy
			if col.A == 255 {
				dst.SetRGBA(px, py, col)
				continue
			}
			bg := dst.RGBAAt(px, py)
			a := float64(col.A) / 255
			mix := func(f, b uint8) uint8 { return uint8(float64(f)*a + float64(b)*(1-a) + 0.5) }
			dst.SetRGBA(px, py, color.RGBA{mix(col.R, bg.R), mix(col.G, bg.G), mix(col.B, bg.B), 255})
		}
	}
}

// srcIndex returns the image row (or column) that screen pixel s shows: the
// one under the pixel's centre, (s + 1/2)/z. For z = 1/d that centre lies on
// a pixel boundary when d is even; matplotlib (Agg) then takes the pixel
// after it, d·s + d/2, which integer arithmetic gives exactly.
func srcIndex(s int, z float64, n int) int {
	if z >= 1 {
		return min(int((float64(s)+0.5)/z), n-1)
	}
	d := int(math.Round(1 / z))
	return min((2*s+1)*d/2, n-1)
}

func rgbaColor(v []float64) color.RGBA {
	var c [4]uint8
	c[3] = 255
	for i, x := range v {
		if math.IsNaN(x) {
			return color.RGBA{}
		}
		c[i] = uint8(math.Round(math.Min(1, math.Max(0, x)) * 255))
	}
	return color.RGBA{c[0], c[1], c[2], c[3]}
}
