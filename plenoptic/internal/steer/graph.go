package steer

import (
	"fmt"
	"math"
	"sync"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/spectral"
)

// C is a complex value on the graph (real and imaginary parts).
type C = spectral.C

// Norm returns the FFT normalization: "ortho" for a tight frame, else "backward".
func (f *Filters) Norm() spectral.Norm {
	if f.TightFrame {
		return spectral.Ortho
	}
	return spectral.Backward
}

// Mask returns the host mask m on an h×w grid as a constant [1, 1, h, w].
func Mask(g *graph.Graph, dt dtypes.DType, m []float64, hw [2]int) *graph.Node {
	return spectral.Const(g, dt, m, 1, 1, hw[0], hw[1])
}

// constCache keeps the constants of the graph being built, so that a mask
// used several times (forward and gradient, several bands) is one constant:
// XLA's compile time grows with the size of the constants it is given.
type constCache struct {
	mu    sync.Mutex
	g     *graph.Graph
	nodes map[string]*graph.Node
}

// cached returns the constant called name on g, building it once per graph.
func (f *Filters) cached(g *graph.Graph, dt dtypes.DType, name string, build func() *graph.Node) *graph.Node {
	c := &f.consts
	key := name + "/" + dt.String()
	c.mu.Lock()
	if c.g != g {
		c.g, c.nodes = g, map[string]*graph.Node{}
	}
	n, ok := c.nodes[key]
	c.mu.Unlock()
	if ok {
		return n
	}
	n = build() // may itself use the cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.g == g {
		if prev, ok := c.nodes[key]; ok {
			return prev
		}
		c.nodes[key] = n
	}
	return n
}

// mask returns one of the pyramid's masks (cached per graph) as [1, 1, h, w].
func (f *Filters) mask(g *graph.Graph, dt dtypes.DType, name string, m []float64, hw [2]int) *graph.Node {
	return f.cached(g, dt, name, func() *graph.Node { return Mask(g, dt, m, hw) })
}

// Spectrum is the image's 2-D FFT (natural order) with the pyramid's norm.
func (f *Filters) Spectrum(x *graph.Node) C { return spectral.FFT2(spectral.Real(x), f.Norm()) }

// HighpassSpectrum is X·hi0mask.
func (f *Filters) HighpassSpectrum(X C) C {
	return spectral.MulReal(X, f.mask(X.Re.Graph(), X.Re.DType(), "hi0mask", f.Hi0, f.Sizes[0]))
}

// Lowpass0 is X·lo0mask, the input of scale 0.
func (f *Filters) Lowpass0(X C) C {
	return spectral.MulReal(X, f.mask(X.Re.Graph(), X.Re.DType(), "lo0mask", f.Lo0, f.Sizes[0]))
}

// NextLowpass takes scale i's lowpass spectrum to scale i+1's: downsampled
// (a crop of the spectrum) or not (then doubled unless the frame is tight),
// and multiplied by the lowpass mask.
func (f *Filters) NextLowpass(lodft C, i int) C {
	g, dt := lodft.Re.Graph(), lodft.Re.DType()
	sz := f.Sizes[i+1]
	if f.Downsample {
		lodft = spectral.Crop(lodft, sz[0], sz[1])
	}
	lodft = spectral.MulReal(lodft, f.mask(g, dt, fmt.Sprint("lomask", i), f.LoMask[i], sz))
	if !f.Downsample && !f.TightFrame {
		lodft = spectral.Scale(lodft, 2)
	}
	return lodft
}

// LowpassChain returns the lowpass spectra of scales 0…NumScales (the last
// is the residual lowpass's).
func (f *Filters) LowpassChain(X C) []C {
	lo := []C{f.Lowpass0(X)}
	for i := range f.NumScales {
		lo = append(lo, f.NextLowpass(lo[i], i))
	}
	return lo
}

// BandSpectrum is (−i)^order · lodft · anglemask[i][b] · himask[i].
func (f *Filters) BandSpectrum(lodft C, i, b int) C {
	g, dt := lodft.Re.Graph(), lodft.Re.DType()
	m := f.cached(g, dt, fmt.Sprint("band", i, "_", b), func() *graph.Node {
		return product(f.HiMask[i], f.Angle[i][b], g, dt, f.Sizes[i])
	})
	return spectral.MulIPow(spectral.MulReal(lodft, m), -f.Order)
}

// BandSpectra is BandSpectrum for all orientations at once, stacked on a new
// axis 2: lodft [B, C, h, w] gives [B, C, O, h, w].
func (f *Filters) BandSpectra(lodft C, i int) C {
	g, dt := lodft.Re.Graph(), lodft.Re.DType()
	masks := f.cached(g, dt, fmt.Sprint("bands", i), func() *graph.Node {
		var ms []*graph.Node
		for b := range f.NumOrientations {
			ms = append(ms, f.cached(g, dt, fmt.Sprint("band", i, "_", b), func() *graph.Node {
				return product(f.HiMask[i], f.Angle[i][b], g, dt, f.Sizes[i])
			}))
		}
		return graph.Stack(ms, 2)
	})
	expanded := spectral.Map(lodft, func(x *graph.Node) *graph.Node { return graph.InsertAxes(x, 2) })
	return spectral.MulIPow(spectral.MulReal(expanded, masks), -f.Order)
}

// Band turns a band spectrum into its coefficients: the real part for a real
// pyramid, the complex values (divided by √2 in a tight frame) otherwise.
func (f *Filters) Band(spec C) C {
	band := spectral.IFFT2(spec, f.Norm())
	if !f.Complex {
		return C{Re: band.Re}
	}
	if f.TightFrame {
		band = spectral.Scale(band, 1/math.Sqrt2)
	}
	return band
}

// RealPart is the real part of the inverse transform of spec.
func (f *Filters) RealPart(spec C) *graph.Node { return spectral.IFFT2(spec, f.Norm()).Re }

// ReconOrientations is the Fourier-domain contribution of scale i's bands
// (the given orientations' coefficients, keyed by orientation) to the
// reconstruction: Σ_b i^order · FFT2(coeff_b) · anglemask_recon · himask.
// It returns ok=false when no band is given.
func (f *Filters) ReconOrientations(coeffs map[int]C, i int) (out C, ok bool) {
	for b := range f.NumOrientations {
		c, has := coeffs[b]
		if !has {
			continue
		}
		if f.TightFrame && f.Complex {
			c = spectral.Scale(c, math.Sqrt2)
		}
		spec := spectral.FFT2(c, f.Norm())
		g, dt := c.Re.Graph(), c.Re.DType()
		name := fmt.Sprint("recon", i, "_", b)
		angle := f.AngleRecon[i][b]
		if !f.Complex { // the real pyramid's recon masks are its forward masks
			name, angle = fmt.Sprint("band", i, "_", b), f.Angle[i][b]
		}
		m := f.cached(g, dt, name, func() *graph.Node { return product(f.HiMask[i], angle, g, dt, f.Sizes[i]) })
		spec = spectral.MulIPow(spectral.MulReal(spec, m), f.Order)
		if ok {
			out = spectral.Add(out, spec)
		} else {
			out, ok = spec, true
		}
	}
	return out, ok
}

// UpLowpass takes the reconstruction spectrum of scale i+1 to scale i's grid:
// halved for a non-tight, non-downsampled pyramid, multiplied by the lowpass
// mask, and embedded (zero-filled) when downsampling.
func (f *Filters) UpLowpass(res C, i int) C {
	g, dt := res.Re.Graph(), res.Re.DType()
	if !f.TightFrame && !f.Downsample {
		res = spectral.Scale(res, 0.5)
	}
	res = spectral.MulReal(res, f.mask(g, dt, fmt.Sprint("lomask", i), f.LoMask[i], f.Sizes[i+1]))
	if f.Downsample {
		res = spectral.Embed(res, f.Sizes[i][0], f.Sizes[i][1])
	}
	return res
}

// product returns the constant a·b (elementwise, computed in float64) as [1, 1, h, w].
func product(a, b []float64, g *graph.Graph, dt dtypes.DType, hw [2]int) *graph.Node {
	m := make([]float64, len(a))
	for j, v := range a {
		m[j] = v * b[j]
	}
	return Mask(g, dt, m, hw)
}
