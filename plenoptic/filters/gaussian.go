package filters

import (
	"fmt"
	"math"
)

// CircularGaussian2D returns plenoptic's circular_gaussian2d kernel of size
// kh×kw with standard deviation std: exp(−(dy²+dx²)/(2·std²)) on a grid
// centred on the kernel (coordinates 1..n minus (n+1)/2, so even sizes are
// centred between pixels and the kernel is always symmetric), normalised to
// sum to 1. It is separable, and kept as one separable term.
func CircularGaussian2D(kh, kw int, std float64) (Kernel, error) {
	if kh <= 0 || kw <= 0 {
		return Kernel{}, fmt.Errorf("filters: kernel size must be positive, got %d×%d", kh, kw)
	}
	if !(std > 0) || math.IsInf(std, 0) {
		return Kernel{}, fmt.Errorf("filters: std must be positive and finite, got %v", std)
	}
	return Separable(centredGaussian(kh, std), centredGaussian(kw, std)), nil
}

// CircularGaussian2DChannels returns one CircularGaussian2D kernel per entry
// of stds (plenoptic's out_channels with a per-channel std).
func CircularGaussian2DChannels(kh, kw int, stds []float64) ([]Kernel, error) {
	if len(stds) == 0 {
		return nil, fmt.Errorf("filters: need at least one std")
	}
	out := make([]Kernel, len(stds))
	for c, s := range stds {
		k, err := CircularGaussian2D(kh, kw, s)
		if err != nil {
			return nil, fmt.Errorf("%w (channel %d)", err, c)
		}
		out[c] = k
	}
	return out, nil
}

// centredGaussian is the normalised 1-D factor of CircularGaussian2D.
func centredGaussian(n int, std float64) []float64 {
	g := make([]float64, n)
	sum := 0.0
	for i := range g {
		d := float64(i+1) - float64(n+1)/2
		g[i] = math.Exp(-d * d / (2 * std * std))
		sum += g[i]
	}
	for i := range g {
		g[i] /= sum
	}
	return g
}

// Gaussian1D returns plenoptic's gaussian1d: a normalised Gaussian of n taps
// centred at index n/2 (so even lengths are not symmetric: n=4 has offsets
// −2, −1, 0, 1).
func Gaussian1D(n int, std float64) ([]float64, error) {
	if n <= 0 {
		return nil, fmt.Errorf("filters: kernel size must be positive, got %d", n)
	}
	if !(std > 0) || math.IsInf(std, 0) {
		return nil, fmt.Errorf("filters: std must be positive and finite, got %v", std)
	}
	g := make([]float64, n)
	sum := 0.0
	for i := range g {
		d := float64(i - n/2)
		g[i] = math.Exp(-d * d / (2 * std * std))
		sum += g[i]
	}
	for i := range g {
		g[i] /= sum
	}
	return g, nil
}
