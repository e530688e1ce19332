package display

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// ErrNoFFmpeg is returned by Animation.MP4 and Animation.VideoHTML when
// ffmpeg is not installed.
var ErrNoFFmpeg = errors.New("display: ffmpeg not found on PATH: MP4 video needs ffmpeg; use the HTML5 player (HTML) or GIF instead")

// ErrTooLarge is wrapped by the error for a figure (or an image panel)
// larger than MaxFigureSide pixels a side or MaxFigurePixels in all: such a
// figure is refused before any of it is allocated.
var ErrTooLarge = errors.New("display: figure too large")

// MaxFigureSide and MaxFigurePixels bound every figure and animation frame:
// 16384 pixels a side and 2²⁶ pixels in all (256 MiB as RGBA; a 256×256
// image at zoom 32 is 8192×8192). Imshow with a huge Zoom or ColWrap, a
// status figure with a huge FigSize, or a loss plot with a title of
// thousands of lines gets an error wrapping ErrTooLarge instead.
const (
	MaxFigureSide   = 1 << 14
	MaxFigurePixels = 1 << 26
)

// tooLargeError reports a figure beyond the limits; errors.Is(err,
// ErrTooLarge) holds for it.
type tooLargeError struct {
	what string  // "a figure", "an image panel" or "a frame"
	w, h float64 // requested size in pixels
	hint string  // what to change
}

// Error names the requested size and the limits.
func (e *tooLargeError) Error() string {
	return fmt.Sprintf("%s of %s×%s pixels is too large: the limit is %d pixels a side (MaxFigureSide) and %d in all (MaxFigurePixels); %s",
		e.what, sizeText(e.w), sizeText(e.h), MaxFigureSide, MaxFigurePixels, e.hint)
}

// Is makes errors.Is(err, ErrTooLarge) hold.
func (e *tooLargeError) Is(target error) bool { return target == ErrTooLarge }

func sizeText(v float64) string {
	if v < 1e15 {
		return fmt.Sprintf("%.0f", math.Ceil(v))
	}
	return fmt.Sprintf("%.3g", v)
}

// checkSize refuses a w×h-pixel figure (sizes as floats, so that a huge zoom
// cannot overflow an int) beyond MaxFigureSide or MaxFigurePixels.
func checkSize(what string, w, h float64, hint string) error {
	if !(w <= MaxFigureSide && h <= MaxFigureSide && w*h <= MaxFigurePixels) { // also catches NaN
		return &tooLargeError{what: what, w: w, h: h, hint: hint}
	}
	return nil
}

// figureSize is a figure's size in inches: given, or def when given is the
// zero value; it must be positive and finite and within the figure bound.
func figureSize(given, def [2]float64) ([2]float64, error) {
	size := given
	if size == ([2]float64{}) {
		size = def
	}
	if !(size[0] > 0 && size[1] > 0) || math.IsInf(size[0], 0) || math.IsInf(size[1], 0) {
		return size, fmt.Errorf("figsize must be positive and finite, got %v", size)
	}
	return size, checkSize("a figure", math.Floor(size[0]*plotDPI), math.Floor(size[1]*plotDPI),
		fmt.Sprintf("figsize %v in at %d dpi: lower FigSize", size, plotDPI))
}

// call runs the body of the exported function op: its error is returned as
// "display: op: ...", and a panic (from a tensor or a plotting library) as
// an error instead of crashing the caller.
func call[T any](op string, f func() (T, error)) (out T, err error) {
	defer func() {
		if r := recover(); r != nil {
			var zero T
			out, err = zero, fmt.Errorf("display: %s: internal error: %v", op, r)
		}
	}()
	out, err = f()
	if err != nil {
		var zero T
		return zero, wrapErr(op, err)
	}
	return out, nil
}

// callErr is call for functions that return only an error.
func callErr(op string, f func() error) error {
	_, err := call(op, func() (struct{}, error) { return struct{}{}, f() })
	return err
}

// wrapErr prefixes err with "display: op: " unless it is one of this
// package's sentinel errors returned as is (ErrNoFFmpeg).
func wrapErr(op string, err error) error {
	if strings.HasPrefix(err.Error(), "display: ") {
		return err
	}
	return fmt.Errorf("display: %s: %w", op, err)
}
