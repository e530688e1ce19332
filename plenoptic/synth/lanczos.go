package synth

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"gonum.org/v1/gonum/lapack/gonum"
)

// The Lanczos eigensolver (EigenMethod Lanczos).
//
// Why Lanczos: the Fisher matrix F = JᵀJ is symmetric and positive
// semi-definite, and both ends of its spectrum are wanted. One Lanczos run
// builds a single Krylov space K_m(F, v) whose Ritz values converge to the
// top and the bottom eigenvalues at once, and for a given number of
// products m no polynomial method started from one vector does better (the
// Ritz values are the extremes of the Rayleigh quotient over all of K_m).
// Simulated on the exact spectra of the tutorial models (256×256, circular),
// it needed 95 products (Gaussian) and 166–209 (CenterSurround, whose top is
// 8-fold degenerate with 84 eigenvalues within 1e-3) to reach both ends to
// 1e-6, where LOBPCG (block size 1 at each end) needed 2–3 times as many
// and block Lanczos with blocks of 2 twice as many.
//
// The Lanczos vectors are kept semi-orthogonal (|qᵢᵀqₖ| ≤ √ε) by partial
// reorthogonalisation (Simon 1984): the loss of orthogonality is estimated
// by Simon's ω-recurrence from the tridiagonal coefficients alone, and a
// new vector is orthogonalised against the whole basis (classical
// Gram–Schmidt, twice) only when the estimate reaches √ε, and the vector
// after it too. Semi-orthogonality keeps the Ritz values as accurate as
// full reorthogonalisation would (to O(ε‖F‖)) and leaves no spurious
// copies, at a fraction of the cost: a full pass over a basis of 200
// vectors of 256×256 images reads 50 MB, several times the cost of a
// Fisher product on this machine. ε is the relative error of a Fisher
// product: 1e-6 for float32 images (measured products agree with float64
// to a few 1e-7), 1e-13 for float64; every 50 steps a full
// reorthogonalisation measures the actual loss and raises ε if it was
// underestimated.
//
// Each step costs one Fisher product. The convergence test runs every
// step on the tridiagonal matrix T_m with gonum's LAPACK: all eigenvalues
// by Dsterf, the eigenvectors of the 2K wanted ones by inverse iteration
// (Dgtsv); the residual of a Ritz pair (θ, y = Q s) is estimated as
// β_m·|s_m|, with no product. When the estimates pass, the Ritz vectors are
// formed and their residuals measured with 2K explicit products: the
// results are those vectors, their Rayleigh quotients and the measured
// residuals. A measured residual far above its estimate is the products'
// rounding, which more steps cannot lower: the run then stops with
// ErrNotConverged.
//
// Like every single-vector Krylov method, Lanczos sees one direction of an
// exactly repeated eigenvalue (the start vector's component in that
// eigenspace): for K > 1 on a spectrum with exact multiplicities (models
// that are symmetric on the torus, such as the tutorial's circular ones),
// the next eigendistortions it returns are those of the next distinct
// eigenvalues. Power (subspace iteration) finds the repeated ones.

const (
	lanczosDefaultMaxIter = 500
	lanczosDefaultTol     = 5e-5
	// lanczosFirstCheck and lanczosCheckEvery place the measured full
	// reorthogonalisations that calibrate the orthogonality estimates.
	lanczosFirstCheck = 20
	lanczosCheckEvery = 50
)

// krylovBasis stores the Lanczos vectors at the image's precision.
type krylovBasis[T float32 | float64] struct {
	v [][]T
	n int
}

func (b *krylovBasis[T]) len() int { return len(b.v) }

// add appends w (rounded to T) and returns the rounded values as float64.
func (b *krylovBasis[T]) add(w []float64) []float64 {
	q := make([]T, len(w))
	out := make([]float64, len(w))
	for i, x := range w {
		q[i] = T(x)
		out[i] = float64(q[i])
	}
	b.v = append(b.v, q)
	return out
}

// workers is the number of goroutines the basis passes use.
func workers() int { return max(1, min(runtime.GOMAXPROCS(0), 8)) }

// parallel runs f(lo, hi) over [0, n) split into contiguous ranges.
func parallel(n int, f func(lo, hi int)) {
	p := workers()
	if p == 1 || n < 4096 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for i := range p {
		lo, hi := i*n/p, (i+1)*n/p
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, hi)
		}()
	}
	wg.Wait()
}

// project returns c_k = q_kᵀ w for every basis vector and subtracts
// Σ_k c_k q_k from w (one classical Gram–Schmidt pass).
func (b *krylovBasis[T]) project(w []float64) []float64 {
	m := len(b.v)
	c := make([]float64, m)
	var mu sync.Mutex
	parallel(b.n, func(lo, hi int) {
		part := make([]float64, m)
		for k, q := range b.v {
			q := q[lo:hi]
			ww := w[lo:hi]
			var s0, s1, s2, s3 float64
			i := 0
			for ; i+4 <= len(q); i += 4 {
				s0 += float64(q[i]) * ww[i]
				s1 += float64(q[i+1]) * ww[i+1]
				s2 += float64(q[i+2]) * ww[i+2]
				s3 += float64(q[i+3]) * ww[i+3]
			}
			for ; i < len(q); i++ {
				s0 += float64(q[i]) * ww[i]
			}
			part[k] = s0 + s1 + s2 + s3
		}
		mu.Lock()
		for k := range c {
			c[k] += part[k]
		}
		mu.Unlock()
	})
	b.combine(c, w, -1)
	return c
}

// combine adds sign·Σ_k c_k q_k to out.
func (b *krylovBasis[T]) combine(c, out []float64, sign float64) {
	parallel(b.n, func(lo, hi int) {
		o := out[lo:hi]
		for k, q := range b.v {
			a := sign * c[k]
			if a == 0 {
				continue
			}
			for i, x := range q[lo:hi] {
				o[i] += a * float64(x)
			}
		}
	})
}

// ritz returns Σ_k s[k]·q_k for each coefficient vector s (over the first
// len(s[0]) basis vectors).
func (b *krylovBasis[T]) ritz(s [][]float64) [][]float64 {
	out := make([][]float64, len(s))
	for i := range out {
		out[i] = make([]float64, b.n)
	}
	if len(s) == 0 {
		return out
	}
	vs := b.v[:len(s[0])]
	parallel(b.n, func(lo, hi int) {
		for k, q := range vs {
			q := q[lo:hi]
			for i, si := range s {
				a := si[k]
				o := out[i][lo:hi]
				for t, x := range q {
					o[t] += a * float64(x)
				}
			}
		}
	})
	return out
}

// lanczosState is a run in progress.
type lanczosState interface {
	len() int
	add(w []float64) []float64
	project(w []float64) []float64
	ritz(s [][]float64) [][]float64
}

// synthesizeLanczos computes the top and bottom K eigendistortions from one
// Lanczos run.
func (e *Eigendistortion) synthesizeLanczos(opts EigenSynthesizeOptions, rng func(int) []float64) error {
	k := opts.K
	// eps is the relative error of a Fisher product (and of storing a
	// vector), the noise level of the orthogonality estimates.
	var basis lanczosState
	eps, epsFloor := 1e-7, 6e-8
	if e.image.DType == "float64" {
		basis = &krylovBasis[float64]{n: e.n}
		eps, epsFloor = 1e-15, 1.1e-16
	} else {
		basis = &krylovBasis[float32]{n: e.n}
	}
	report := e.progressReport(opts)
	every := max(opts.ProgressEvery, 1)
	start := time.Now()
	var last Progress
	defer func() {
		if report != nil && last.Iteration > 0 {
			last.Done, last.Elapsed = true, time.Since(start)
			report(last)
		}
	}()

	v0 := rng(e.n)
	if opts.InitialTop != nil {
		if len(opts.InitialTop) != e.n {
			return fmt.Errorf("InitialTop must have n = %d values for Lanczos (its start vector), got %d", e.n, len(opts.InitialTop))
		}
		v0 = append([]float64(nil), opts.InitialTop...)
	}
	if i, ok := allFinite(v0); !ok {
		return fmt.Errorf("InitialTop has a non-finite value %v at %d", v0[i], i)
	}
	nv := norm2(v0)
	if nv == 0 {
		return fmt.Errorf("InitialTop is zero: a starting vector must have a non-zero norm")
	}
	scaleTo(v0, 1/nv)

	// A fixed pseudo-random sequence of signs for the noise terms (the run
	// is deterministic for a given start vector).
	lcg := uint64(0x9e3779b97f4a7c15)
	noiseSign := func() float64 {
		lcg = lcg*6364136223846793005 + 1442695040888963407
		if lcg>>63 == 0 {
			return -1
		}
		return 1
	}
	var (
		alpha, beta []float64
		qPrev       []float64 // q_{j−1}
		q           = basis.add(v0)
		omegaOld    []float64 // ω_{j−1,·}
		omega       = []float64{1}
		forceNext   bool
		tnorm       float64 // running estimate of ‖T‖ (≥ |θ| of every Ritz value)
		ritzVals    []float64
		coeffs      [][]float64
		resid       []float64
		converged   bool
		steps       int
		checkAfter  int
		floor       float64
		cols        [][]float64
		vals        []float64
	)
	for steps < opts.MaxIter {
		fq, err := e.fisher([][]float64{q})
		if err != nil {
			return err
		}
		w := fq[0]
		if i, ok := allFinite(w); !ok {
			return fmt.Errorf("step %d of the Lanczos run: the Fisher product has a non-finite value %v at %d: %w", steps, w[i], i, ErrDegenerate)
		}
		j := steps
		steps++
		if j == 0 && norm2(w) == 0 {
			return fmt.Errorf("the Fisher matrix vanishes on the Lanczos starting vector (F·v = 0): %w", ErrDegenerate)
		}
		if j > 0 {
			b := beta[j-1]
			for i := range w {
				w[i] -= b * qPrev[i]
			}
		}
		a := dot(q, w)
		for i := range w {
			w[i] -= a * q[i]
		}
		// Local reorthogonalisation against q_j: keeps α exact to rounding.
		if c := dot(q, w); c != 0 {
			for i := range w {
				w[i] -= c * q[i]
			}
			a += c
		}
		alpha = append(alpha, a)
		b := norm2(w)
		tnorm = max(tnorm, math.Abs(a)+b+func() float64 {
			if j > 0 {
				return beta[j-1]
			}
			return 0
		}())

		// Simon's estimates of ω_{j+1,k} = q_{j+1}ᵀ q_k.
		next := make([]float64, j+2)
		worst := 0.0
		if b > 0 {
			noise := eps * tnorm / b
			for kk := 0; kk < j; kk++ {
				t := beta[kk]*omega[kk+1] + (alpha[kk]-a)*omega[kk]
				if kk > 0 {
					t += beta[kk-1] * omega[kk-1]
				}
				if j > 0 && kk < len(omegaOld) {
					t -= beta[j-1] * omegaOld[kk]
				}
				// Rounding enters as noise of random sign (Simon's model; a
				// sign that always adds overestimates the loss by orders
				// of magnitude, as the measured checks showed).
				t = (t + noiseSign()*noise*b) / b
				next[kk] = t
				worst = max(worst, math.Abs(t))
			}
			next[j] = noise
		}
		measured := (steps == lanczosFirstCheck || steps%lanczosCheckEvery == 0) && basis.len() > 1
		triggered := worst > math.Sqrt(eps)
		if forceNext || triggered || measured || b <= eps*tnorm {
			before := b
			c := basis.project(w)
			basis.project(w)
			if before > 0 && measured && worst > 0 {
				// Calibrate ε: the actual loss of orthogonality is max|c|/‖w‖
				// and the estimates are proportional to ε. Raise ε at once
				// when they were too low; lower it (by at most 10×, keeping
				// a factor of 10 in hand) when they were far too high.
				actual := 0.0
				for _, x := range c {
					actual = max(actual, math.Abs(x))
				}
				actual /= before
				ratio := actual / worst
				switch {
				case ratio > 0.1:
					eps *= 10 * ratio
				case ratio < 0.01:
					eps *= max(10*ratio, 0.1)
				}
				eps = min(max(eps, epsFloor), 1e-3)
			}
			b = norm2(w)
			for kk := range j + 1 {
				next[kk] = eps
			}
			if forceNext {
				forceNext = false // the second of the pair (Simon)
			} else if triggered {
				forceNext = true
			}
		}
		next[j+1] = 1
		omegaOld, omega = omega, next

		complete := basis.len() == e.n
		if b <= eps*tnorm || complete {
			// An invariant subspace: T splits here. Continue from a random
			// vector orthogonal to the basis, unless the basis spans the
			// whole space.
			b = 0
			if !complete {
				r := rng(e.n)
				basis.project(r)
				basis.project(r)
				nr := norm2(r)
				if nr == 0 {
					return fmt.Errorf("no vector orthogonal to the %d Lanczos vectors found", basis.len())
				}
				scaleTo(r, 1/nr)
				w = r
				for kk := range j + 1 {
					omega[kk] = eps
				}
			}
		}
		beta = append(beta, b)

		ritzVals, coeffs, resid = lanczosRitz(alpha, beta, k)
		top := max(ritzVals[len(ritzVals)-1], 0)
		tol := opts.Tolerance * top
		// The recurrence's residuals keep falling below the products'
		// rounding level, which the true ones cannot: floor them there.
		worstRes := 0.0
		for i, r := range resid {
			resid[i] = max(r, eps*top)
			worstRes = max(worstRes, resid[i])
		}
		// Converged when the 2K wanted Ritz pairs are distinct (or the basis
		// spans the whole space) and their residuals are small. At a split
		// (an invariant subspace, b = 0) the finished block's residuals are
		// zero: from a random start vector its Krylov space holds a
		// component of every eigenvalue, so the extreme ones are among its
		// Ritz values (a start vector of special structure, as InitialTop
		// may give, can miss some).
		converged = complete || (len(alpha) >= min(2*k, e.n) && worstRes <= tol)
		if converged && !complete && steps < checkAfter {
			converged = false // a failed check asked for more steps
		}
		if converged || steps == opts.MaxIter {
			// Measure what the recurrence estimates: the Ritz vectors'
			// residuals by explicit products (2K of them).
			estimate := worstRes
			var err error
			if cols, vals, resid, err = e.lanczosResults(basis, coeffs); err != nil {
				return err
			}
			worstRes = 0
			for _, r := range resid {
				worstRes = max(worstRes, r)
			}
			top = max(vals[0], top)
			if converged && !complete && worstRes > opts.Tolerance*top {
				converged = false
				if worstRes > 10*estimate+eps*top {
					// The products' rounding, not the Krylov space, limits the
					// residuals: more steps cannot help.
					floor = worstRes
					break
				}
				checkAfter = steps + max(5, steps/10)
			}
		}
		if report != nil && (steps%every == 0 || steps == opts.MaxIter || converged) {
			cs := [][]float64{append([]float64(nil), coeffs[0]...)}
			last = Progress{Stage: StageLanczos, K: k, Iteration: steps, MaxIter: opts.MaxIter, TotalIterations: steps,
				Eigenvalue: top, Delta: worstRes, Elapsed: time.Since(start),
				current: func() (*tensors.Tensor, error) {
					y := basis.ritz(cs)[0]
					scaleTo(y, 1/norm2(y))
					return makeTensor(y, e.image.dtype(), e.image.Dims), nil
				}}
			report(last)
		}
		if converged {
			break
		}
		qPrev = q
		if b > 0 {
			scaleTo(w, 1/b)
		}
		q = basis.add(w)
	}

	if err := checkFinite(StageLanczos, steps, vals); err != nil {
		return err
	}
	e.method = Lanczos
	e.iterations = [2]int{steps, 0}
	e.residuals = resid
	e.setResults(cols, vals)
	e.index = nil
	for j := range k {
		e.index = append(e.index, j)
	}
	for j := range k {
		e.index = append(e.index, e.n-k+j)
	}
	worstRes := 0.0
	for _, r := range resid {
		worstRes = max(worstRes, r)
	}
	top := max(vals[0], 0)
	switch {
	case floor > 0:
		return fmt.Errorf("after %d Lanczos steps the measured residual ‖Fv − λv‖ is %.3g, above Tolerance·λ_max = %.3g, while the Lanczos recurrence puts it far lower: the Fisher products' rounding limits it, raise Tolerance (the results are kept): %w",
			steps, floor, opts.Tolerance*top, ErrNotConverged)
	case !converged:
		return fmt.Errorf("after %d Lanczos steps the largest residual ‖Fv − λv‖ is %.3g, above Tolerance·λ_max = %.3g (the results of the last step are kept): %w",
			steps, worstRes, opts.Tolerance*top, ErrNotConverged)
	}
	fmt.Fprintf(e.log, "Lanczos k=%d eigendists computed | Tolerance %s reached after %d Fisher products.\n", k, pyE(opts.Tolerance, 2, true), e.products)
	return nil
}

// lanczosResults returns the wanted Ritz vectors (unit, first element ≤ 0,
// at the image's precision), their Rayleigh quotients and their residuals
// ‖F y − λ y‖, from one explicit Fisher product each.
func (e *Eigendistortion) lanczosResults(basis lanczosState, coeffs [][]float64) ([][]float64, []float64, []float64, error) {
	vecs := basis.ritz(coeffs)
	cols := make([][]float64, len(vecs))
	for i, y := range vecs {
		ny := norm2(y)
		if ny == 0 {
			return nil, nil, nil, fmt.Errorf("the Lanczos Ritz vector %d vanished: %w", i, ErrDegenerate)
		}
		scaleTo(y, 1/ny)
		if y[0] > 0 { // the power method's sign: first element ≤ 0
			scaleTo(y, -1)
		}
		e.roundTo(y)
		cols[i] = y
	}
	fy, err := e.fisher(cols)
	if err != nil {
		return nil, nil, nil, err
	}
	vals := make([]float64, len(cols))
	res := make([]float64, len(cols))
	for i, y := range cols {
		vals[i] = dot(y, fy[i]) / dot(y, y)
		r := 0.0
		for t, v := range y {
			d := fy[i][t] - vals[i]*v
			r += d * d
		}
		res[i] = math.Sqrt(r)
	}
	return cols, vals, res, nil
}

// lanczosRitz analyses the Lanczos tridiagonal matrix T (diagonal alpha,
// off-diagonal beta[:m−1]; beta[m−1] is the coupling to the next vector): it
// returns T's eigenvalues in ascending order, the eigenvectors s of the
// wanted Ritz pairs (the K largest, descending, then the K smallest,
// ascending; they overlap when 2K > m) and their residual norms
// β_{m−1}·|s_{m−1}|.
func lanczosRitz(alpha, beta []float64, k int) ([]float64, [][]float64, []float64) {
	m := len(alpha)
	d := append([]float64(nil), alpha...)
	e := append([]float64(nil), beta[:m-1]...)
	var impl gonum.Implementation
	if !impl.Dsterf(m, d, e) {
		panic(fmt.Errorf("eigenvalues of the %d×%d Lanczos matrix did not converge", m, m))
	}
	scale := 0.0
	for _, x := range d {
		scale = max(scale, math.Abs(x))
	}
	var wanted []int
	for i := range k {
		wanted = append(wanted, m-1-min(i, m-1))
	}
	for i := range k {
		wanted = append(wanted, min(i, m-1))
	}
	vecs := make([][]float64, len(wanted))
	res := make([]float64, len(wanted))
	var done []int // indices into d of the vectors computed so far
	for w, idx := range wanted {
		theta := d[idx]
		// Vectors already found for eigenvalues in the same cluster (or the
		// same one, when the ends overlap) are projected out.
		var cluster [][]float64
		same := -1
		for t, j := range done {
			if j == idx {
				same = t
			}
			if math.Abs(d[j]-theta) <= 1e-10*max(scale, 1e-300) {
				cluster = append(cluster, vecs[t])
			}
		}
		if same >= 0 {
			vecs[w] = vecs[same]
			res[w] = res[same]
			done = append(done, idx)
			continue
		}
		vecs[w] = tridiagEigvec(alpha, beta[:m-1], theta, scale, cluster)
		res[w] = math.Abs(beta[m-1] * vecs[w][m-1])
		done = append(done, idx)
	}
	return d, vecs, res
}

// tridiagEigvec returns a unit eigenvector of the symmetric tridiagonal
// matrix (diagonal a, off-diagonal b) for its eigenvalue theta by inverse
// iteration, orthogonal to the vectors in cluster.
func tridiagEigvec(a, b []float64, theta, scale float64, cluster [][]float64) []float64 {
	m := len(a)
	x := make([]float64, m)
	if m == 1 {
		x[0] = 1
		return x
	}
	for i := range x { // a fixed start with no special structure
		x[i] = 1 + 0.1*math.Sin(float64(i)*1.7+float64(len(cluster)))
	}
	var impl gonum.Implementation
	shift := theta + 1e-14*max(scale, 1e-300)
	dl, dd, du := make([]float64, m-1), make([]float64, m), make([]float64, m-1)
	for it := 0; it < 3; it++ {
		for _, c := range cluster {
			s := dot(c, x)
			for i := range x {
				x[i] -= s * c[i]
			}
		}
		copy(dl, b)
		copy(du, b)
		for i := range dd {
			dd[i] = a[i] - shift
		}
		if !impl.Dgtsv(m, 1, dl, dd, du, x, 1) {
			shift += 1e-12 * max(scale, 1e-300) // an exactly singular pivot
			for i := range x {
				x[i] = 1 + 0.1*math.Sin(float64(i)*1.7)
			}
			continue
		}
		n := norm2(x)
		if n == 0 || math.IsInf(n, 0) || math.IsNaN(n) {
			for i := range x {
				x[i] = 1
			}
			continue
		}
		scaleTo(x, 1/n)
	}
	for _, c := range cluster {
		s := dot(c, x)
		for i := range x {
			x[i] -= s * c[i]
		}
	}
	scaleTo(x, 1/norm2(x))
	return x
}
