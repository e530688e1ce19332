package tools

import (
	"errors"
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"gonum.org/v1/gonum/dsp/fourier"
)

// ErrSymmetry is returned (wrapped) by PinkNoiseFrom when the filtered noise
// is not real: pyrtools prints "Symmetry error in creating fractal" and
// returns the unfiltered white noise, which PinkNoiseFrom returns as well.
var ErrSymmetry = errors.New("symmetry error in creating fractal")

// PinkNoise returns pyrtools' synthetic_images.pink_noise((h, w), fractDim)
// as h·w values in row-major order, drawing its white noise from the global
// NumPy-compatible state. After Seed(1) it reproduces the tutorial's noise
// (np.random.seed(1); pink_noise((256, 256))) up to FFT rounding (~1e-15).
// fractDim is pyrtools' fract_dim (default 1): the power spectrum falls as
// f^−(5 − 2·fractDim).
func PinkNoise(h, w int, fractDim float64) ([]float64, error) {
	rngMu.Lock()
	defer rngMu.Unlock()
	return PinkNoiseFrom(globalNumPy(), h, w, fractDim)
}

// PinkNoiseFrom is PinkNoise drawing from r. The steps follow pyrtools:
// white noise randn(h, w); its 2-D DFT times the radial amplitude r^(fractDim−2.5)
// (radius measured from the centre ceil((n+1)/2) of each axis, moved to the
// origin by ifftshift, DC gain 1); the inverse DFT; if its imaginary part
// exceeds 1e-10 the white noise is returned with an error wrapping
// ErrSymmetry, else the real part divided by its sample standard deviation
// (N−1 denominator). The mean is not removed.
func PinkNoiseFrom(r *RandomState, h, w int, fractDim float64) ([]float64, error) {
	if h <= 0 || w <= 0 {
		return nil, fmt.Errorf("tools: pink noise size must be positive, got %d×%d", h, w)
	}
	if h*w < 2 {
		return nil, fmt.Errorf("tools: pink noise needs at least 2 pixels to normalise, got %d×%d", h, w)
	}
	if math.IsNaN(fractDim) || math.IsInf(fractDim, 0) {
		return nil, fmt.Errorf("tools: pink noise fract_dim must be finite, got %v", fractDim)
	}
	white := r.Randn(h * w)
	spec := make([]complex128, h*w)
	for i, v := range white {
		spec[i] = complex(v, 0)
	}
	fft2(spec, h, w, false)

	exponent := -(2.5 - fractDim)
	ch, cw := math.Ceil(float64(h+1)/2), math.Ceil(float64(w+1)/2)
	for i := range h {
		// after ifftshift, row i holds the amplitude of centred row (i + h/2) mod h
		y := float64((i+h/2)%h+1) - ch
		for j := range w {
			x := float64((j+w/2)%w+1) - cw
			amp := 1.0
			if rr := math.Sqrt(x*x + y*y); rr != 0 {
				amp = math.Pow(rr, exponent)
			}
			if i == 0 && j == 0 {
				amp = 1
			}
			spec[i*w+j] *= complex(amp, 0)
		}
	}
	fft2(spec, h, w, true)

	maxImag := 0.0
	for _, c := range spec {
		maxImag = max(maxImag, math.Abs(imag(c)))
	}
	if maxImag > 1e-10 {
		return white, fmt.Errorf("tools: %w (max |imag| %g); returning the unfiltered white noise", ErrSymmetry, maxImag)
	}
	out := make([]float64, h*w)
	mean := 0.0
	for i, c := range spec {
		out[i] = real(c)
		mean += out[i]
	}
	mean /= float64(len(out))
	ss := 0.0
	for _, v := range out {
		ss += (v - mean) * (v - mean)
	}
	sd := math.Sqrt(ss / float64(len(out)-1))
	for i := range out {
		out[i] /= sd
	}
	return out, nil
}

// PinkNoiseImage returns the tutorial's `pink` image: PinkNoise(h, w,
// fractDim) rescaled to [0, 1] in float64 (as plenoptic's rescale of the
// float64 array), then converted to a float32 [1, 1, h, w] tensor.
func PinkNoiseImage(h, w int, fractDim float64) (*tensors.Tensor, error) {
	raw, err := PinkNoise(h, w, fractDim)
	if err != nil {
		return nil, err
	}
	scaled := rescaleSlice(raw, 0, 1)
	f := make([]float32, len(scaled))
	for i, v := range scaled {
		f[i] = float32(v)
	}
	return tensors.FromFlatDataAndDimensions(f, 1, 1, h, w), nil
}

// fft2 transforms an h×w row-major array in place: the forward DFT, or the
// inverse DFT scaled by 1/(h·w) as numpy.fft.ifft2.
func fft2(a []complex128, h, w int, inverse bool) {
	apply := func(t *fourier.CmplxFFT, dst, src []complex128) {
		if inverse {
			t.Sequence(dst, src)
		} else {
			t.Coefficients(dst, src)
		}
	}
	rowFFT := fourier.NewCmplxFFT(w)
	row := make([]complex128, w)
	for i := range h {
		apply(rowFFT, row, a[i*w:(i+1)*w])
		copy(a[i*w:(i+1)*w], row)
	}
	colFFT := fourier.NewCmplxFFT(h)
	col, colOut := make([]complex128, h), make([]complex128, h)
	for j := range w {
		for i := range h {
			col[i] = a[i*w+j]
		}
		apply(colFFT, colOut, col)
		for i := range h {
			a[i*w+j] = colOut[i]
		}
	}
	if inverse {
		s := complex(1/float64(h*w), 0)
		for i := range a {
			a[i] *= s
		}
	}
}
