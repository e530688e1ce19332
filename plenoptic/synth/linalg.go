package synth

import "math"

// householderQR returns the reduced Q (n×k, column-major: q[j] is column j)
// of the n×k matrix whose columns are a[j], with LAPACK's geqrf/orgqr sign
// convention (torch.linalg.qr): at each stage the reflector maps the pivot
// column onto beta·e_j with beta of the opposite sign to the pivot entry
// (beta = −|x| when the pivot is 0), and no reflection is applied when the
// part below the pivot is already zero. So for k = 1, q = −sign(a₀)·a/‖a‖.
func householderQR(a [][]float64) [][]float64 {
	k := len(a)
	if k == 0 {
		return nil
	}
	n := len(a[0])
	r := make([][]float64, k) // working copy, columns
	for j := range a {
		r[j] = append([]float64(nil), a[j]...)
	}
	vs := make([][]float64, k) // Householder vectors (v[j] = 1 at the pivot)
	taus := make([]float64, k)
	for j := 0; j < k && j < n; j++ {
		col := r[j]
		alpha := col[j]
		xnorm := 0.0
		for i := j + 1; i < n; i++ {
			xnorm = math.Hypot(xnorm, col[i])
		}
		if xnorm == 0 {
			taus[j] = 0
			continue
		}
		beta := -math.Copysign(math.Hypot(alpha, xnorm), alpha)
		tau := (beta - alpha) / beta
		scale := 1 / (alpha - beta)
		v := make([]float64, n)
		v[j] = 1
		for i := j + 1; i < n; i++ {
			v[i] = col[i] * scale
		}
		vs[j], taus[j] = v, tau
		// Apply H = I − tau·v·vᵀ to the remaining columns.
		for c := j; c < k; c++ {
			s := 0.0
			for i := j; i < n; i++ {
				s += v[i] * r[c][i]
			}
			s *= tau
			for i := j; i < n; i++ {
				r[c][i] -= s * v[i]
			}
		}
	}
	// Q = H_1 H_2 … H_k applied to the first k columns of the identity.
	q := make([][]float64, k)
	for c := range q {
		q[c] = make([]float64, n)
		if c < n {
			q[c][c] = 1
		}
		for j := min(k, n) - 1; j >= 0; j-- {
			if taus[j] == 0 {
				continue
			}
			v := vs[j]
			s := 0.0
			for i := j; i < n; i++ {
				s += v[i] * q[c][i]
			}
			s *= taus[j]
			for i := j; i < n; i++ {
				q[c][i] -= s * v[i]
			}
		}
	}
	return q
}
