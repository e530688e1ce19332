package filters

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Kernel is a 2-D filter of size H×W, stored row-major, together with a
// decomposition into separable terms Σ_r col_r ⊗ row_r that the convolution
// block uses (a separable kernel costs H+W multiplications per pixel instead
// of H·W).
type Kernel struct {
	H, W  int
	Data  []float64 // row-major H×W values
	terms []separableTerm
}

type separableTerm struct {
	col []float64 // length H
	row []float64 // length W
}

// Rank is the number of separable terms the convolution uses for k.
func (k Kernel) Rank() int { return len(k.terms) }

// At returns the kernel value at row i, column j.
func (k Kernel) At(i, j int) float64 { return k.Data[i*k.W+j] }

// Sum returns the sum of all kernel values.
func (k Kernel) Sum() float64 {
	s := 0.0
	for _, v := range k.Data {
		s += v
	}
	return s
}

// Separable returns the rank-1 kernel col ⊗ row (value at (i, j) is
// col[i]·row[j]).
func Separable(col, row []float64) Kernel {
	k := Kernel{H: len(col), W: len(row), Data: make([]float64, len(col)*len(row))}
	for i, c := range col {
		for j, r := range row {
			k.Data[i*k.W+j] = c * r
		}
	}
	k.terms = []separableTerm{{col: append([]float64(nil), col...), row: append([]float64(nil), row...)}}
	return k
}

// SumOf returns Σ_i weights[i]·kernels[i], keeping their separable terms (so a
// difference of Gaussians is a rank-2 kernel). All kernels must share a size.
func SumOf(weights []float64, kernels []Kernel) (Kernel, error) {
	if len(weights) != len(kernels) || len(kernels) == 0 {
		return Kernel{}, fmt.Errorf("filters: SumOf needs as many weights as kernels (got %d and %d)", len(weights), len(kernels))
	}
	out := Kernel{H: kernels[0].H, W: kernels[0].W, Data: make([]float64, len(kernels[0].Data))}
	for i, k := range kernels {
		if k.H != out.H || k.W != out.W {
			return Kernel{}, fmt.Errorf("filters: SumOf kernels differ in size: %d×%d and %d×%d", out.H, out.W, k.H, k.W)
		}
		for j, v := range k.Data {
			out.Data[j] += weights[i] * v
		}
		for _, t := range k.terms {
			col := make([]float64, len(t.col))
			for j, v := range t.col {
				col[j] = weights[i] * v
			}
			out.terms = append(out.terms, separableTerm{col: col, row: t.row})
		}
	}
	return out, nil
}

// NewKernel builds a kernel from row-major values and finds its separable
// terms by singular value decomposition, dropping singular values below
// 1e-9 of the largest (far under float32 resolution).
func NewKernel(h, w int, data []float64) (Kernel, error) {
	if h <= 0 || w <= 0 || len(data) != h*w {
		return Kernel{}, fmt.Errorf("filters: kernel of %d×%d needs %d values, got %d", h, w, h*w, len(data))
	}
	for i, v := range data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Kernel{}, fmt.Errorf("filters: kernel value %d is %v", i, v)
		}
	}
	k := Kernel{H: h, W: w, Data: append([]float64(nil), data...)}
	var svd mat.SVD
	if !svd.Factorize(mat.NewDense(h, w, k.Data), mat.SVDThin) {
		return Kernel{}, fmt.Errorf("filters: SVD of the %d×%d kernel failed", h, w)
	}
	s := svd.Values(nil)
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	for r, sv := range s {
		if sv <= 1e-9*s[0] || sv == 0 {
			break
		}
		col, row := make([]float64, h), make([]float64, w)
		for i := range col {
			col[i] = u.At(i, r) * sv
		}
		for j := range row {
			row[j] = v.At(j, r)
		}
		k.terms = append(k.terms, separableTerm{col: col, row: row})
	}
	return k, nil
}

// Flipped returns the kernel rotated by 180° (the adjoint of a correlation
// is a correlation with the flipped kernel).
func (k Kernel) Flipped() Kernel {
	out := Kernel{H: k.H, W: k.W, Data: make([]float64, len(k.Data))}
	for i, v := range k.Data {
		out.Data[len(k.Data)-1-i] = v
	}
	for _, t := range k.terms {
		out.terms = append(out.terms, separableTerm{col: reversed(t.col), row: reversed(t.row)})
	}
	return out
}

func reversed(x []float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[len(x)-1-i] = v
	}
	return out
}
