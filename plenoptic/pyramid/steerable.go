package pyramid

import (
	"fmt"
	"io"
	"os"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/steer"
)

// Options are SteerablePyramidFreq's arguments besides the image shape. The
// zero value of each field is plenoptic 1.1.0's default.
type Options struct {
	// Height is the number of scales; 0 means plenoptic's "auto", the
	// largest possible: floor(log2(min(h, w))) − 2.
	Height int
	// Order is the order of the Gaussian derivative filters, in [1, 15];
	// the pyramid has Order+1 orientations. 0 means 3.
	Order int
	// TWidth is the width of the radial lowpass transition, in octaves
	// (positive); 0 means 1.
	TWidth int
	// IsComplex makes the oriented bands complex (even and odd filter pairs).
	IsComplex bool
	// NoDownsample keeps every band at the image size (plenoptic's
	// downsample=False; the default downsamples each scale by 2).
	NoDownsample bool
	// TightFrame makes the transform a tight frame (orthonormal FFTs, so the
	// energy of the coefficients is the image's); plenoptic's default False
	// matches pyrtools.
	TightFrame bool
	// Log receives plenoptic's warnings (odd image sizes); nil means os.Stderr.
	Log io.Writer
}

// Steerable is plenoptic's SteerablePyramidFreq: a steerable pyramid computed
// in the Fourier domain with circular boundaries, for images of one shape.
// It is immutable and safe for concurrent use.
type Steerable struct {
	f *steer.Filters
}

// NewSteerable builds the pyramid for images of imageShape (height, width),
// with plenoptic's checks: the height must not exceed
// floor(log2(min(h, w))) − 2, the order must be in [1, 15], the transition
// width positive. An odd image size is allowed but gets plenoptic's warning
// (the reconstruction is not exact).
func NewSteerable(imageShape [2]int, opts Options) (*Steerable, error) {
	h, w := imageShape[0], imageShape[1]
	if h < 1 || w < 1 {
		return nil, fmt.Errorf("pyramid: image shape must be positive, got %d×%d", h, w)
	}
	maxHt := steer.MaxHeight(h, w)
	height := opts.Height
	switch {
	case height == 0:
		height = max(maxHt, 0)
	case height < 0:
		return nil, fmt.Errorf("pyramid: height must be positive (0 means \"auto\"), got %d", height)
	case height > maxHt:
		return nil, fmt.Errorf("pyramid: Cannot build pyramid higher than %d levels. (image %d×%d, height %d)", maxHt, h, w, height)
	}
	order := opts.Order
	if order == 0 {
		order = 3
	}
	if order > 15 || order <= 0 {
		return nil, fmt.Errorf("pyramid: order must be an integer in the range [1,15], got %d", order)
	}
	twidth := opts.TWidth
	if twidth == 0 {
		twidth = 1
	}
	if twidth <= 0 {
		return nil, fmt.Errorf("pyramid: twidth must be positive, got %d", twidth)
	}
	if h%2 != 0 || w%2 != 0 {
		log := opts.Log
		if log == nil {
			log = os.Stderr
		}
		fmt.Fprintf(log, "pyramid: warning: Reconstruction will not be perfect with odd-sized images (%d×%d)\n", h, w)
	}
	f, err := steer.NewFilters(steer.Config{H: h, W: w, NumScales: height, Order: order, TWidth: twidth,
		Complex: opts.IsComplex, Downsample: !opts.NoDownsample, TightFrame: opts.TightFrame})
	if err != nil {
		return nil, fmt.Errorf("pyramid: %w", err)
	}
	return &Steerable{f: f}, nil
}

// ImageShape is the (height, width) the pyramid was built for.
func (p *Steerable) ImageShape() [2]int { return [2]int{p.f.H, p.f.W} }

// NumScales is the pyramid's height (plenoptic's num_scales).
func (p *Steerable) NumScales() int { return p.f.NumScales }

// NumOrientations is Order+1 (plenoptic's num_orientations).
func (p *Steerable) NumOrientations() int { return p.f.NumOrientations }

// Order is the derivative order of the filters.
func (p *Steerable) Order() int { return p.f.Order }

// TWidth is the radial transition width in octaves.
func (p *Steerable) TWidth() int { return p.f.TWidth }

// IsComplex reports whether the oriented bands are complex.
func (p *Steerable) IsComplex() bool { return p.f.Complex }

// Downsample reports whether the scales are downsampled.
func (p *Steerable) Downsample() bool { return p.f.Downsample }

// TightFrame reports whether the pyramid is a tight frame.
func (p *Steerable) TightFrame() bool { return p.f.TightFrame }

// Scales returns plenoptic's scales attribute, from coarse to fine:
// residual_lowpass, NumScales−1, …, 0, residual_highpass (the order
// coarse-to-fine synthesis uses).
func (p *Steerable) Scales() []Level {
	out := []Level{ResidualLowpass}
	for i := p.f.NumScales - 1; i >= 0; i-- {
		out = append(out, Level(i))
	}
	return append(out, ResidualHighpass)
}

// Keys returns the keys of a full forward pass in plenoptic's order:
// residual_highpass, (0, 0), (0, 1), …, (NumScales−1, NumOrientations−1),
// residual_lowpass.
func (p *Steerable) Keys() []Key {
	keys := []Key{HighpassKey}
	for i := range p.f.NumScales {
		for b := range p.f.NumOrientations {
			keys = append(keys, BandKey(i, b))
		}
	}
	return append(keys, LowpassKey)
}

// BandShape returns the (height, width) of band k (plenoptic's pyr_size[k]).
func (p *Steerable) BandShape(k Key) [2]int {
	switch k.Level {
	case ResidualHighpass:
		return p.f.Sizes[0]
	case ResidualLowpass:
		return p.f.Sizes[p.f.NumScales]
	}
	return p.f.Sizes[int(k.Level)]
}

// BandIsComplex reports whether band k is complex (the oriented bands of a
// complex pyramid; residuals are always real).
func (p *Steerable) BandIsComplex(k Key) bool { return p.f.Complex && !k.IsResidual() }

// CheckInput returns an error saying why an input of these dimensions and
// dtype cannot go through the pyramid, or nil.
func (p *Steerable) CheckInput(dims []int, dt dtypes.DType) error {
	if len(dims) != 4 {
		return fmt.Errorf("pyramid: Input must be batch of images of shape BxCxHxW, got shape %v", dims)
	}
	if dt != dtypes.Float32 && dt != dtypes.Float64 {
		return fmt.Errorf("pyramid: input must be float32 or float64, got %s", dt)
	}
	if dims[2] != p.f.H || dims[3] != p.f.W {
		return fmt.Errorf("pyramid: input images are %d×%d but the pyramid was built for %d×%d", dims[2], dims[3], p.f.H, p.f.W)
	}
	for _, d := range dims[:2] {
		if d < 1 {
			return fmt.Errorf("pyramid: input has an empty batch or channel axis, shape %v", dims)
		}
	}
	return nil
}

// checkScales validates a forward pass's scales selection.
func (p *Steerable) checkScales(scales []Level) error {
	for _, s := range scales {
		if s.IsResidual() {
			continue
		}
		if s < 0 || int(s) >= p.f.NumScales {
			return fmt.Errorf("pyramid: Scales must be within 0 and num_scales-1 (%d), got %d", p.f.NumScales-1, int(s))
		}
	}
	return nil
}
