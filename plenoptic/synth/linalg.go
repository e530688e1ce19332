package synth

import (
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// householderQR returns the reduced Q (n×k; q[j] is column j) of the n×k
// matrix whose columns are a[j], computed by LAPACK's geqrf/orgqr (gonum's
// lapack64), the routines torch.linalg.qr calls: each reflector maps the
// pivot column onto beta·e_j with beta of the opposite sign to the pivot
// entry, and is the identity when the part below the pivot is already zero.
// So for k = 1, q = −sign(a₀)·a/‖a‖ (−a/‖a‖ when a₀ = 0), the sign rule of
// plenoptic's power-method eigenvectors.
func householderQR(a [][]float64) [][]float64 {
	k := len(a)
	if k == 0 {
		return nil
	}
	n := len(a[0])
	m := blas64.General{Rows: n, Cols: k, Stride: k, Data: make([]float64, n*k)}
	for j, col := range a {
		for i, v := range col {
			m.Data[i*k+j] = v
		}
	}
	tau := make([]float64, min(n, k))
	work := make([]float64, 1)
	lapack64.Geqrf(m, tau, work, -1)
	work = make([]float64, max(int(work[0]), k))
	lapack64.Geqrf(m, tau, work, len(work))
	lapack64.Orgqr(m, tau, work, -1)
	if need := int(work[0]); need > len(work) {
		work = make([]float64, need)
	}
	lapack64.Orgqr(m, tau, work, len(work))
	q := make([][]float64, k)
	for j := range q {
		q[j] = make([]float64, n)
		for i := range n {
			q[j][i] = m.Data[i*k+j]
		}
	}
	return q
}
