package pyramid

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"gonum.org/v1/gonum/mat"
)

// SteerWeights returns the weights that steer the n oriented bands of a
// scale to angle (radians), as plenoptic's steer does with its default
// harmonics (n even: 1, 3, …, n−1; n odd: 0, 2, …, n−1), cosine
// (evenPhase) or sine phase, and the bands at angles πk/n: the band at
// angle is Σ_k w[k]·band_k.
func SteerWeights(n int, angle float64, evenPhase bool) ([]float64, error) {
	if n < 1 {
		return nil, fmt.Errorf("pyramid: SteerWeights: %d orientations", n)
	}
	if math.IsNaN(angle) || math.IsInf(angle, 0) {
		return nil, fmt.Errorf("pyramid: SteerWeights: angle %v is not finite", angle)
	}
	var harmonics []int
	for h := 1 - n%2; h < n; h += 2 {
		harmonics = append(harmonics, h)
	}
	// Rows: the bands' angles; columns: each harmonic's cosine and sine
	// (one column for harmonic 0), as pyrtools' steer_to_harmonics_mtx.
	row := func(a float64, phase bool) []float64 {
		var r []float64
		for _, h := range harmonics {
			x := float64(h) * a
			switch {
			case h == 0:
				r = append(r, 1)
			case phase:
				r = append(r, math.Cos(x), math.Sin(x))
			default:
				r = append(r, math.Sin(x), -math.Cos(x))
			}
		}
		return r
	}
	m := mat.NewDense(n, n, nil)
	for k := range n {
		m.SetRow(k, row(math.Pi*float64(k)/float64(n), evenPhase))
	}
	var inv mat.Dense
	if err := inv.Inverse(m); err != nil {
		return nil, fmt.Errorf("pyramid: SteerWeights: the steering matrix is singular: %w", err)
	}
	// The steering vector uses cosine then sine of each harmonic at angle
	// whatever the phase (as plenoptic's steer).
	v := mat.NewVecDense(n, row(angle, true))
	var w mat.VecDense
	w.MulVec(inv.T(), v)
	return w.RawVector().Data, nil
}

// EvalSteerCoeffs is plenoptic's steer_coeffs: it steers the real
// coefficients c of every scale to each of angles (radians; evenPhase as
// plenoptic's even_phase, true by default there). The result holds, for
// scale i and angle j, the band at key (i, NumOrientations+j), and the
// weights used under the same keys.
func (p *Steerable) EvalSteerCoeffs(c TensorCoeffs, angles []float64, evenPhase bool) (TensorCoeffs, map[Key][]float64, error) {
	if p.IsComplex() {
		return TensorCoeffs{}, nil, fmt.Errorf("pyramid: EvalSteerCoeffs: steering only implemented for real coefficients (the pyramid is complex)")
	}
	n := p.NumOrientations()
	out := TensorCoeffs{Bands: map[Key]*tensors.Tensor{}}
	weights := map[Key][]float64{}
	ws := make([][]float64, len(angles))
	for j, a := range angles {
		w, err := SteerWeights(n, a, evenPhase)
		if err != nil {
			return TensorCoeffs{}, nil, fmt.Errorf("pyramid: EvalSteerCoeffs: angle %d: %w", j, err)
		}
		ws[j] = w
	}
	for i := range p.NumScales() {
		basis := make([][]float64, n)
		var dims []int
		var dt dtypes.DType
		for b := range n {
			t, ok := c.Get(BandKey(i, b))
			if !ok || t == nil {
				return TensorCoeffs{}, nil, fmt.Errorf("pyramid: EvalSteerCoeffs: band %v is missing", BandKey(i, b))
			}
			if t.DType() != dtypes.Float32 && t.DType() != dtypes.Float64 {
				return TensorCoeffs{}, nil, fmt.Errorf("pyramid: EvalSteerCoeffs: band %v has dtype %s: steering only implemented for real coefficients", BandKey(i, b), t.DType())
			}
			if b == 0 {
				dims, dt = t.Shape().Dimensions, t.DType()
			} else if fmt.Sprint(t.Shape().Dimensions) != fmt.Sprint(dims) {
				return TensorCoeffs{}, nil, fmt.Errorf("pyramid: EvalSteerCoeffs: band %v has shape %v, band %v has %v", BandKey(i, b), t.Shape().Dimensions, BandKey(i, 0), dims)
			}
			basis[b] = toF64(t)
		}
		for j, w := range ws {
			res := make([]float64, len(basis[0]))
			for b := range n {
				for x, v := range basis[b] {
					res[x] += w[b] * v
				}
			}
			k := BandKey(i, n+j)
			out.Keys = append(out.Keys, k)
			out.Bands[k] = floatTensor(res, dt, dims)
			weights[k] = append([]float64(nil), w...)
		}
	}
	return out, weights, nil
}
