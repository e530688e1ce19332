package display

import (
	"fmt"
	"math"
	"math/cmplx"
	"sort"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// PlotComplex says how PyrShow and AnimShow show complex values (plenoptic's
// plot_complex): each complex image becomes two panels.
type PlotComplex string

// The ways to show complex values.
const (
	// Rectangular shows the real and the imaginary part (the default).
	Rectangular PlotComplex = "rectangular"
	// Polar shows the amplitude and the phase.
	Polar PlotComplex = "polar"
	// LogPolar shows log(1+amplitude) and the phase.
	LogPolar PlotComplex = "logpolar"
)

// split returns the two planes of a complex plane and their title suffixes.
func (pc PlotComplex) split(re, im []float64) (a, b []float64, sa, sb string, err error) {
	a, b = make([]float64, len(re)), make([]float64, len(re))
	switch pc {
	case "", Rectangular:
		copy(a, re)
		copy(b, im)
		return a, b, " real", " imaginary", nil
	case Polar, LogPolar:
		for i := range re {
			z := complex(re[i], im[i])
			a[i], b[i] = cmplx.Abs(z), cmplx.Phase(z)
			if pc == LogPolar {
				a[i] = math.Log1p(a[i])
			}
		}
		if pc == LogPolar {
			return a, b, " log(1+amplitude)", " phase", nil
		}
		return a, b, " amplitude", " phase", nil
	}
	return nil, nil, "", "", fmt.Errorf("plot_complex (PlotComplex) %q is not one of %q, %q, %q", string(pc), Rectangular, Polar, LogPolar)
}

// PyrResidual names a residual band of a steerable pyramid.
type PyrResidual string

// The residual bands (plenoptic's dictionary keys).
const (
	ResidualHighpass PyrResidual = "residual_highpass"
	ResidualLowpass  PyrResidual = "residual_lowpass"
)

// PyrBand is one band of a steerable pyramid's coefficients, as PyrShow
// takes them: an oriented band (Residual "", Scale ≥ 0, Orientation ≥ 0)
// or a residual. Coeffs is [B,C,h,w], float32/float64 for real bands,
// complex64/complex128 for the bands of a complex pyramid.
// nb.PyrShow converts a pyramid.TensorCoeffs into these.
type PyrBand struct {
	Scale, Orientation int
	Residual           PyrResidual
	Coeffs             *tensors.Tensor
}

// PyrShowOptions configures PyrShow. The zero value gives plenoptic's
// defaults: vrange indep1, zoom 1, residuals shown, complex bands as real
// and imaginary parts, batch 0 and channel 0.
type PyrShowOptions struct {
	// VRange picks the colour limits (nil: Indep1), as in Imshow.
	VRange VRange
	// Zoom is the number of screen pixels per pixel of the largest band
	// (0: 1); smaller bands are zoomed up to its size.
	Zoom float64
	// HideResiduals leaves the residual bands out (show_residuals=False).
	HideResiduals bool
	// Cmap overrides the colormap, as in Imshow.
	Cmap *Colormap
	// PlotComplex says how complex bands are shown ("": Rectangular).
	PlotComplex PlotComplex
	// BatchIdx and ChannelIdx pick the image shown (default 0; negative
	// counts from the end).
	BatchIdx, ChannelIdx int
}

// PyrShow shows the coefficients of a steerable pyramid, like plenoptic's
// pyrshow: one row per scale (finest first), one column per orientation
// (two per orientation for complex bands: real and imaginary parts, or
// amplitude and phase), titled "height 00, band 00" (complex: "height 00,
// band 00 real", …), then the residuals, "residual highpass" and "residual
// lowpass", in the last row. Every band is drawn at the size of the
// largest, as Imshow does. Only one batch item and channel is shown.
func PyrShow(bands []PyrBand, o PyrShowOptions) (*Figure, error) {
	return call("PyrShow", func() (*Figure, error) { return pyrShow(bands, o) })
}

func pyrShow(bands []PyrBand, o PyrShowOptions) (*Figure, error) {
	var oriented []PyrBand
	var hp, lp *PyrBand
	seen := map[[2]int]bool{}
	for i := range bands {
		b := bands[i]
		if b.Coeffs == nil {
			return nil, fmt.Errorf("band %d (%s) has no coefficients", i, b.name())
		}
		switch b.Residual {
		case "":
			if b.Scale < 0 || b.Orientation < 0 {
				return nil, fmt.Errorf("band %d has scale %d, orientation %d: both must be ≥ 0", i, b.Scale, b.Orientation)
			}
			k := [2]int{b.Scale, b.Orientation}
			if seen[k] {
				return nil, fmt.Errorf("band %s appears twice", b.name())
			}
			seen[k] = true
			oriented = append(oriented, b)
		case ResidualHighpass:
			if hp != nil {
				return nil, fmt.Errorf("residual_highpass appears twice")
			}
			hp = &bands[i]
		case ResidualLowpass:
			if lp != nil {
				return nil, fmt.Errorf("residual_lowpass appears twice")
			}
			lp = &bands[i]
		default:
			return nil, fmt.Errorf("band %d has residual %q: want %q, %q or \"\" (an oriented band)", i, string(b.Residual), ResidualHighpass, ResidualLowpass)
		}
	}
	if len(oriented) == 0 {
		return nil, fmt.Errorf("no oriented bands: pyrshow needs the bands of a steerable pyramid (scale, orientation)")
	}
	sort.Slice(oriented, func(i, j int) bool {
		a, b := oriented[i], oriented[j]
		return a.Scale < b.Scale || a.Scale == b.Scale && a.Orientation < b.Orientation
	})
	nOri := 0
	isComplex := false
	for _, b := range oriented {
		nOri = max(nOri, b.Orientation+1)
		if b.Coeffs.DType() == dtypes.Complex64 || b.Coeffs.DType() == dtypes.Complex128 {
			isComplex = true
		}
	}
	var planes []plane
	var titles []string
	add := func(b PyrBand, title string) error {
		ps, ts, err := bandPlanes(b.Coeffs, o.BatchIdx, o.ChannelIdx, title, o.PlotComplex)
		if err != nil {
			return fmt.Errorf("band %s: %w", b.name(), err)
		}
		planes, titles = append(planes, ps...), append(titles, ts...)
		return nil
	}
	for _, b := range oriented {
		if err := add(b, fmt.Sprintf("height %02d, band %02d", b.Scale, b.Orientation)); err != nil {
			return nil, err
		}
	}
	if !o.HideResiduals {
		if hp != nil {
			if err := add(*hp, "residual highpass"); err != nil {
				return nil, err
			}
		}
		if lp != nil {
			if err := add(*lp, "residual lowpass"); err != nil {
				return nil, err
			}
		}
	}
	colWrap := nOri
	if isComplex {
		colWrap *= 2
	}
	if colWrap == 1 {
		colWrap = 0 // pyrtools keeps everything in one row then
	}
	return imshowPlanes(planes, ImshowOptions{VRange: o.VRange, Zoom: o.Zoom, Titles: titles, ColWrap: colWrap, Cmap: o.Cmap})
}

func (b PyrBand) name() string {
	if b.Residual != "" {
		return string(b.Residual)
	}
	return fmt.Sprintf("(%d, %d)", b.Scale, b.Orientation)
}

// bandPlanes picks image (batchIdx, channelIdx) of a [B,C,h,w] real or
// complex tensor: one plane for a real band, two for a complex one.
func bandPlanes(t *tensors.Tensor, batchIdx, channelIdx int, title string, pc PlotComplex) ([]plane, []string, error) {
	dims := t.Shape().Dimensions
	if len(dims) != 4 {
		return nil, nil, fmt.Errorf("coefficients have shape %v, want 4-D [B,C,h,w]", dims)
	}
	for _, d := range dims {
		if d == 0 {
			return nil, nil, fmt.Errorf("coefficients have shape %v, with an empty axis", dims)
		}
	}
	b, err := normIndex(batchIdx, dims[0], "batch_idx")
	if err != nil {
		return nil, nil, err
	}
	c, err := normIndex(channelIdx, dims[1], "channel_idx")
	if err != nil {
		return nil, nil, err
	}
	h, w := dims[2], dims[3]
	off := (b*dims[1] + c) * h * w
	re, im, isComplex, err := realImag(t)
	if err != nil {
		return nil, nil, err
	}
	re = re[off : off+h*w]
	if !isComplex {
		return []plane{{H: h, W: w, C: 1, Pix: append([]float64(nil), re...)}}, []string{title}, nil
	}
	a, bb, sa, sb, err := pc.split(re, im[off:off+h*w])
	if err != nil {
		return nil, nil, err
	}
	return []plane{{H: h, W: w, C: 1, Pix: a}, {H: h, W: w, C: 1, Pix: bb}}, []string{title + sa, title + sb}, nil
}

// complexParts copies a complex tensor to the host as real and imaginary
// parts.
func complexParts[T complex64 | complex128](t *tensors.Tensor) (re, im []float64, err error) {
	v, err := tensors.CopyFlatData[T](t)
	if err != nil {
		return nil, nil, err
	}
	re, im = make([]float64, len(v)), make([]float64, len(v))
	for i, z := range v {
		c := complex128(z) // real and imag do not take a type parameter
		re[i], im[i] = real(c), imag(c)
	}
	return re, im, nil
}

// realImag copies a real or complex tensor to the host as real and
// imaginary parts (im is nil for a real tensor).
func realImag(t *tensors.Tensor) (re, im []float64, isComplex bool, err error) {
	switch t.DType() {
	case dtypes.Complex64:
		re, im, err = complexParts[complex64](t)
		return re, im, true, err
	case dtypes.Complex128:
		re, im, err = complexParts[complex128](t)
		return re, im, true, err
	}
	re, err = toFloat64(t)
	if err != nil {
		return nil, nil, false, fmt.Errorf("%w (or complex64/complex128)", err)
	}
	return re, nil, false, nil
}
