package pyramid

import (
	"fmt"
	"slices"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/spectral"
)

// Band is one band of coefficients on the graph, [B, C, h, w]: Re, and Im
// for the oriented bands of a complex pyramid (nil otherwise).
type Band struct {
	Re, Im *graph.Node
}

// IsComplex reports whether the band has an imaginary part.
func (b Band) IsComplex() bool { return b.Im != nil }

// Complex returns the band as one complex node (backends with complex
// numbers only, i.e. XLA; the pure-Go backend has none).
func (b Band) Complex() *graph.Node { return spectral.C(b).Complex() }

// Coeffs are a pyramid's coefficients on the graph: plenoptic's ordered
// dictionary, with Keys in its order and Bands indexed by key.
type Coeffs struct {
	Keys  []Key
	Bands map[Key]Band
}

// Get returns band k and whether it is present.
func (c Coeffs) Get(k Key) (Band, bool) {
	b, ok := c.Bands[k]
	return b, ok
}

func (c *Coeffs) put(k Key, b Band) {
	if c.Bands == nil {
		c.Bands = map[Key]Band{}
	}
	c.Keys = append(c.Keys, k)
	c.Bands[k] = b
}

// Forward computes the coefficients of x [B, C, H, W] (plenoptic's
// forward(x)): the residual highpass, every oriented band, and the residual
// lowpass, in plenoptic's order. It is differentiable. Like GoMLX's graph
// functions it panics on bad input (see CheckInput); EvalForward returns an
// error instead.
func (p *Steerable) Forward(x *graph.Node) Coeffs { return p.ForwardScales(x, nil) }

// ForwardScales is plenoptic's forward(x, scales): only the given levels
// (scales 0…NumScales−1, whose every orientation is included, and the
// residuals); nil means all of them. Order within scales does not matter.
func (p *Steerable) ForwardScales(x *graph.Node, scales []Level) Coeffs {
	if err := p.CheckInput(x.Shape().Dimensions, x.DType()); err != nil {
		panic(err)
	}
	if scales == nil {
		scales = p.Scales()
	}
	if err := p.checkScales(scales); err != nil {
		panic(err)
	}
	f := p.f
	var c Coeffs
	X := f.Spectrum(x)
	if slices.Contains(scales, ResidualHighpass) {
		c.put(HighpassKey, Band{Re: f.RealPart(f.HighpassSpectrum(X))})
	}
	lodft := f.Lowpass0(X)
	for i := range f.NumScales {
		if slices.Contains(scales, Level(i)) {
			for b := range f.NumOrientations {
				c.put(BandKey(i, b), Band(f.Band(f.BandSpectrum(lodft, i, b))))
			}
		}
		lodft = f.NextLowpass(lodft, i)
	}
	if slices.Contains(scales, ResidualLowpass) {
		c.put(LowpassKey, Band{Re: f.RealPart(lodft)})
	}
	return c
}

// ReconOptions select what ReconPyr reconstructs from (plenoptic's levels and
// bands arguments). A nil slice means "all"; an empty, non-nil one means none.
type ReconOptions struct {
	// Levels are the scales and residuals to include.
	Levels []Level
	// Bands are the orientations to include at each scale.
	Bands []int
}

// ReconPyr is plenoptic's recon_pyr: the image [B, C, H, W] reconstructed
// from c, which must hold every band of a full forward pass, using only the
// levels and orientations opts selects. It is differentiable, and panics on
// bad input (EvalReconPyr returns an error instead).
func (p *Steerable) ReconPyr(c Coeffs, opts ReconOptions) *graph.Node {
	keys, err := p.reconKeys(c, opts)
	if err != nil {
		panic(err)
	}
	f := p.f
	want := map[Key]bool{}
	for _, k := range keys {
		want[k] = true
	}
	low := c.Bands[LowpassKey].Re
	g, dt := low.Graph(), low.DType()
	dims := low.Shape().Dimensions
	var rec spectral.C
	have := false
	if want[LowpassKey] {
		rec, have = f.Spectrum(low), true
	}
	for i := f.NumScales - 1; i >= 0; i-- {
		if have {
			rec = f.UpLowpass(rec, i)
		}
		bands := map[int]spectral.C{}
		for b := range f.NumOrientations {
			if k := BandKey(i, b); want[k] {
				bands[b] = spectral.C(c.Bands[k])
			}
		}
		if orient, ok := f.ReconOrientations(bands, i); ok {
			if have {
				rec = spectral.Add(rec, orient)
			} else {
				rec, have = orient, true
			}
		}
	}
	var out spectral.C
	outHave := false
	if have {
		out, outHave = f.Lowpass0(rec), true
	}
	if want[HighpassKey] {
		hi := f.HighpassSpectrum(f.Spectrum(c.Bands[HighpassKey].Re))
		if outHave {
			out = spectral.Add(out, hi)
		} else {
			out, outHave = hi, true
		}
	}
	if !outHave {
		d := append([]int(nil), dims[:2]...)
		return graph.Zeros(g, shapes.Make(dt, append(d, f.H, f.W)...))
	}
	return f.RealPart(out)
}

// bandInfo is what the checks of a set of coefficients look at.
type bandInfo struct {
	dims    []int
	dt      dtypes.DType
	complex bool
	present bool
}

func (c Coeffs) info(k Key) bandInfo {
	b, ok := c.Bands[k]
	if !ok || b.Re == nil {
		return bandInfo{}
	}
	if b.Im != nil && !b.Im.Shape().Equal(b.Re.Shape()) {
		return bandInfo{present: true, dims: []int{-1}}
	}
	return bandInfo{dims: b.Re.Shape().Dimensions, dt: b.Re.DType(), complex: b.Im != nil, present: true}
}

// reconKeys validates c and opts as plenoptic's recon_pyr does and returns
// the keys to reconstruct from.
func (p *Steerable) reconKeys(c Coeffs, opts ReconOptions) ([]Key, error) {
	if err := p.checkBands(c.info); err != nil {
		return nil, err
	}
	return p.selectKeys(opts)
}

// checkBands checks that a full set of bands is present with consistent
// shapes and dtypes.
func (p *Steerable) checkBands(info func(Key) bandInfo) error {
	// Presence first, in plenoptic's order (its scales attribute).
	for _, l := range p.Scales() {
		for _, k := range p.Keys() {
			if k.Level == l && !info(k).present {
				return fmt.Errorf("pyramid: scale %s not in pyr_coeffs! pyr_coeffs must include all scales, "+
					"so make sure forward() was called with arg scales=None", l)
			}
		}
	}
	ref := info(LowpassKey)
	for _, k := range p.Keys() {
		b := info(k)
		want := p.BandShape(k)
		d := b.dims
		if len(d) != 4 || d[2] != want[0] || d[3] != want[1] {
			return fmt.Errorf("pyramid: band %s has shape %v, want [B, C, %d, %d] (real and imaginary parts alike)", k, d, want[0], want[1])
		}
		if b.dt != ref.dt || d[0] != ref.dims[0] || d[1] != ref.dims[1] {
			return fmt.Errorf("pyramid: band %s is %s %v and the residual lowpass %s %v: batch, channels and dtype must agree",
				k, b.dt, d, ref.dt, ref.dims)
		}
		if b.dt != dtypes.Float32 && b.dt != dtypes.Float64 {
			return fmt.Errorf("pyramid: band %s must be float32 or float64 (or complex), got %s", k, b.dt)
		}
		if b.complex != p.BandIsComplex(k) {
			if b.complex {
				return fmt.Errorf("pyramid: band %s must be real", k)
			}
			return fmt.Errorf("pyramid: band %s must be complex for a complex pyramid", k)
		}
	}
	return nil
}

// selectKeys returns the keys recon_pyr uses for opts, checking its levels
// and bands with plenoptic's messages.
func (p *Steerable) selectKeys(opts ReconOptions) ([]Key, error) {
	f := p.f
	levels := opts.Levels
	if levels == nil {
		levels = []Level{ResidualHighpass}
		for i := range f.NumScales {
			levels = append(levels, Level(i))
		}
		levels = append(levels, ResidualLowpass)
	}
	for _, l := range levels {
		if l.IsResidual() {
			continue
		}
		if l < 0 {
			return nil, fmt.Errorf("pyramid: Level numbers must be non-negative, got %d", int(l))
		}
		if int(l) >= f.NumScales {
			return nil, fmt.Errorf("pyramid: Level numbers must be in the range [0, %d], got %d", f.NumScales-1, int(l))
		}
	}
	bands := opts.Bands
	if bands == nil {
		for b := range f.NumOrientations {
			bands = append(bands, b)
		}
	}
	for _, b := range bands {
		if b < 0 {
			return nil, fmt.Errorf("pyramid: Error: band numbers must be larger than 0, got %d", b)
		}
		if b >= f.NumOrientations {
			return nil, fmt.Errorf("pyramid: Error: band numbers must be in the range [0, %d], got %d", f.NumOrientations-1, b)
		}
	}
	var keys []Key
	if slices.Contains(levels, ResidualHighpass) {
		keys = append(keys, HighpassKey)
	}
	for i := range f.NumScales {
		if slices.Contains(levels, Level(i)) {
			for _, b := range bands {
				keys = append(keys, BandKey(i, b))
			}
		}
	}
	if slices.Contains(levels, ResidualLowpass) {
		keys = append(keys, LowpassKey)
	}
	return keys, nil
}
