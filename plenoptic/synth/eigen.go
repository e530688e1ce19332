package synth

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"time"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/models"
	"github.com/goplenoptic/goplenoptic/plenoptic/tools"
	"gonum.org/v1/gonum/mat"
)

// EigendistortionOptions configures NewEigendistortion.
type EigendistortionOptions struct {
	// Backend to compute on (default: backend.Default()).
	Backend backends.Backend
	// Log receives the messages plenoptic prints ("Initializing
	// Eigendistortion -- …", "Top k=1 eigendists computed | …") and its
	// warnings (default os.Stderr; io.Discard silences them).
	Log io.Writer
}

// Eigendistortion computes the image distortions a model is most and least
// sensitive to: the extremal eigenvectors of the Fisher information matrix
// F = JᵀJ of the model at an image, J being the model's Jacobian
// (plenoptic's po.synthesize.Eigendistortion). Create it with
// NewEigendistortion and run Synthesize.
type Eigendistortion struct {
	be    backends.Backend
	model models.Model
	image hostTensor
	rep   hostTensor
	n, m  int
	log   io.Writer

	x          *tensors.Tensor // the image as a tensor on the backend
	method     EigenMethod
	dists      hostTensor // [2k or n or k, C, H, W]
	values     []float64
	index      []int
	jacobian   *hostTensor
	iterations [2]int
	products   int       // Fisher products of the last Synthesize
	residuals  []float64 // Lanczos: residual norms of the results
}

// NewEigendistortion prepares the eigendistortion analysis of model at image
// (a 4-D float tensor with batch size 1). It refuses a model whose output is
// not a finite 3-D or 4-D tensor of the image's dtype, or does not depend on
// the image (ErrDegenerate), and writes, as plenoptic prints,
// "\nInitializing Eigendistortion -- Input dim: N | Output dim: M" to the
// Log writer.
func NewEigendistortion(image *tensors.Tensor, model models.Model, opts EigendistortionOptions) (e *Eigendistortion, err error) {
	defer catch(&err, "NewEigendistortion")
	if model == nil {
		return nil, errors.New("model is nil")
	}
	if err := tools.ValidateInput(image, tools.InputOptions{NoBatch: true}); err != nil {
		return nil, err
	}
	be, err := pickBackend(opts.Backend)
	if err != nil {
		return nil, err
	}
	e = &Eigendistortion{be: be, model: model, log: opts.Log}
	if e.log == nil {
		e.log = os.Stderr
	}
	if e.image, err = newHost(image); err != nil {
		return nil, err
	}
	if e.rep, err = checkedRepresentation(be, model, e.image); err != nil {
		return nil, err
	}
	if err := checkDependsOnInput(be, model, e.image, e.rep); err != nil {
		return nil, err
	}
	e.n, e.m = e.image.size(), e.rep.size()
	e.x = e.image.tensor()
	fmt.Fprintf(e.log, "\nInitializing Eigendistortion -- Input dim: %d | Output dim: %d\n", e.n, e.m)
	return e, nil
}

// EigenMethod selects how Eigendistortion.Synthesize computes the
// eigendistortions.
type EigenMethod string

// The eigendistortion methods: plenoptic 1.1.0's three, and Lanczos.
const (
	// Power finds the top and bottom K eigendistortions by power (orthogonal)
	// iteration, the bottom ones iterating F − λ_top·I (plenoptic's default).
	Power EigenMethod = "power"
	// Exact computes all of them from the explicit Jacobian (small images
	// only).
	Exact EigenMethod = "exact"
	// RandomizedSVD estimates the top K with Halko et al.'s randomized SVD.
	RandomizedSVD EigenMethod = "randomized_svd"
	// Lanczos finds the top and bottom K eigendistortions from one Lanczos
	// run (a Krylov method, goplenoptic's own), stopping on a residual
	// criterion (EigenSynthesizeOptions.Tolerance). It needs a small
	// fraction of the power method's Fisher products and reaches the
	// eigenvalues far more accurately; it is the method to use beyond
	// reproducing plenoptic. One caveat: of an exactly repeated eigenvalue
	// it finds one eigendistortion (see the note in lanczos.go), so for
	// K > 1 on models symmetric on the torus, Power finds the repeats.
	Lanczos EigenMethod = "lanczos"
)

// EigenSynthesizeOptions configures Eigendistortion.Synthesize. Zero values
// mean plenoptic's defaults.
type EigenSynthesizeOptions struct {
	// Method is Power (the default), Exact, RandomizedSVD or Lanczos.
	Method EigenMethod
	// K is the number of eigendistortions at each end (default 1).
	K int
	// MaxIter bounds each power-method run (default 1000). For Lanczos it
	// bounds the Lanczos steps, one Fisher product each (default 500); the
	// run keeps its basis in memory, MaxIter images at most.
	MaxIter int
	// P is the randomized SVD's oversampling (default 5; negative for 0).
	P int
	// Q is the randomized SVD's number of power iterations (default 2;
	// negative for 0).
	Q int
	// StopCriterion: a power run stops once the eigenvalues changed by at
	// most this (L2 norm over the K values) in one iteration (default 1e-7).
	StopCriterion float64
	// Tolerance is Lanczos' stopping rule: the run stops when each of the
	// 2K wanted eigenpairs (λ, v) has a residual ‖F v − λ v‖ ≤
	// Tolerance·λ_max, λ_max being the largest eigenvalue found (default
	// 5e-5). The residual bounds the distance from λ to the nearest exact
	// eigenvalue; at the top the error is much smaller (it falls as the
	// residual squared), and with the default the tutorial models' top and
	// bottom eigenvalues come out within 1e-6·λ_max of the exact ones. The
	// smallest eigenvalues of a model's Fisher matrix are often a dense
	// cluster near 0, where a small residual does not single out the very
	// smallest: lower Tolerance for those. The residuals are measured with
	// explicit products and cannot fall below the products' rounding (in
	// float32 from about 1e-7·λ_max for linear models to 1e-5·λ_max near the
	// bottom of LuminanceGainControl's spectrum); a Tolerance below that
	// ends with ErrNotConverged. Other methods ignore it.
	Tolerance float64
	// Seed, when not zero, seeds a private generator for the random
	// starting vectors; zero draws them from tools.Randn (seeded by
	// tools.Seed, as plenoptic draws from torch's global generator).
	Seed uint64
	// InitialTop and InitialBottom replace the random starting vectors of
	// the two power runs: n×K values, row-major as torch.randn(n, K) (they
	// are normalised; they must be finite and not zero). For Lanczos,
	// InitialTop (n values) is the start vector. InitialP replaces
	// the randomized SVD's random n×(K+P) matrix. For reproducing plenoptic
	// runs exactly.
	InitialTop, InitialBottom, InitialP []float64
	// Progress, when set, is called every ProgressEvery power iterations
	// (every iteration when ProgressEvery is 0) and once with Done at the
	// end of each run.
	Progress func(Progress)
	// ProgressEvery > 0 without a Progress callback writes one line every
	// ProgressEvery iterations (stage, iteration, eigenvalue, change) to the
	// Log writer.
	ProgressEvery int
	// ProgressBar chooses when the terminal bar is drawn (default: when no
	// callback is given and standard error is a terminal).
	ProgressBar ProgressMode
}

// Synthesize computes the eigendistortions with the chosen method, writing
// plenoptic's messages to the Log writer: for Power, "Top k=1 eigendists
// computed | Stop criterion 1.00E-07 reached." when a run converges (nothing
// when it uses all MaxIter iterations), then the same for "Bottom" (the
// bottom run iterates F − λ_top·I); for Exact, "Computing all
// eigendistortions"; for RandomizedSVD, "Estimating top k=… eigendistortions
// using randomized SVD" and "Randomized SVD complete! Estimated spectral
// approximation error = …"; for Lanczos, "Lanczos k=1 eigendists computed
// | Tolerance 5.00E-05 reached after N Fisher products." (or, when MaxIter
// steps do not reach the tolerance, an error wrapping ErrNotConverged, the
// results of the last step kept).
func (e *Eigendistortion) Synthesize(opts EigenSynthesizeOptions) (err error) {
	defer catch(&err, "Eigendistortion.Synthesize")
	if opts, err = opts.WithDefaults(); err != nil {
		return err
	}
	if opts.K > e.n {
		return fmt.Errorf("k must be between 1 and the input dimension %d, got %d", e.n, opts.K)
	}
	e.products = 0
	e.residuals = nil
	rng := normalSource(opts.Seed)
	switch opts.Method {
	case Exact:
		return e.synthesizeExact()
	case RandomizedSVD:
		return e.synthesizeRandomizedSVD(opts, rng)
	case Power:
		return e.synthesizePower(opts, rng)
	case Lanczos:
		return e.synthesizeLanczos(opts, rng)
	}
	return fmt.Errorf("method must be in [%s %s %s %s], got %q", Power, Exact, RandomizedSVD, Lanczos, opts.Method)
}

// WithDefaults validates o and returns it with plenoptic's defaults filled
// in (Power, K 1, MaxIter 1000, P 5, Q 2, StopCriterion 1e-7; a negative P or
// Q means 0), and Lanczos' (MaxIter 500, Tolerance 5e-5).
func (o EigenSynthesizeOptions) WithDefaults() (EigenSynthesizeOptions, error) {
	if o.Method == "" {
		o.Method = Power
	}
	if o.K == 0 {
		o.K = 1
	}
	if o.MaxIter == 0 {
		o.MaxIter = 1000
		if o.Method == Lanczos {
			o.MaxIter = lanczosDefaultMaxIter
		}
	}
	if o.Tolerance == 0 {
		o.Tolerance = lanczosDefaultTol
	}
	switch {
	case o.P == 0:
		o.P = 5
	case o.P < 0:
		o.P = 0
	}
	switch {
	case o.Q == 0:
		o.Q = 2
	case o.Q < 0:
		o.Q = 0
	}
	if o.StopCriterion == 0 {
		o.StopCriterion = 1e-7
	}
	switch {
	case o.K < 0:
		return o, fmt.Errorf("k must be positive, got %d", o.K)
	case o.MaxIter < 0:
		return o, errors.New("max_iter must be greater than zero")
	case !(o.StopCriterion >= 0):
		return o, fmt.Errorf("stop_criterion must be non-negative, got %v", o.StopCriterion)
	case !(o.Tolerance > 0) || math.IsInf(o.Tolerance, 0):
		return o, fmt.Errorf("tolerance must be positive and finite, got %v", o.Tolerance)
	case o.Method != Power && o.Method != Exact && o.Method != RandomizedSVD && o.Method != Lanczos:
		return o, fmt.Errorf("method must be in [%s %s %s %s], got %q", Power, Exact, RandomizedSVD, Lanczos, o.Method)
	}
	return o, nil
}

// fisherGraph builds F·v for every column v of V ([c, C, H, W]) at x (see
// fisherOperator).
func (e *Eigendistortion) fisherGraph(x, V *Node) *Node {
	fisher := e.fisherOperator(x)
	c := V.Shape().Dimensions[0]
	out := make([]*Node, c)
	for j := range c {
		out[j] = fisher(StopGradient(Reshape(Slice(V, AxisRange(j, j+1)), x.Shape().Dimensions...)))
	}
	if c == 1 {
		return out[0]
	}
	return Concatenate(out, 0)
}

// fisherOperator returns v ↦ F·v at x: the model's own Gram operator where
// it has one (a linear model, see models.Gramian), else double reverse-mode
// differentiation: g(d) = Jᵀd for a dummy d, J v = ∂⟨g(d), v⟩/∂d, F v =
// Jᵀ(J v), with f(x) and g built once for all the products of the graph.
func (e *Eigendistortion) fisherOperator(x *Node) func(v *Node) *Node {
	var y, d, g *Node
	return func(v *Node) *Node {
		if gm, ok := e.model.(models.Gramian); ok {
			if fv, ok := gm.Gram(v); ok {
				return fv
			}
		}
		if y == nil {
			y = forward(e.model, x)
			d = OnesLike(y)
			g = Gradient(ReduceAllSum(Mul(y, d)), x)[0]
		}
		jv := Gradient(ReduceAllSum(Mul(g, StopGradient(v))), d)[0]
		return Gradient(ReduceAllSum(Mul(y, StopGradient(jv))), x)[0]
	}
}

// fisher returns F·v for each of the columns vs (each of length n), one
// product per execution.
func (e *Eigendistortion) fisher(vs [][]float64) ([][]float64, error) {
	ex, release, err := acquireExec(e.be, e.model, "eigen-fisher", func() (*Exec, error) {
		return NewExec(e.be, func(x, V *Node) *Node { return e.fisherGraph(x, V) })
	})
	if err != nil {
		return nil, err
	}
	defer release()
	out := make([][]float64, 0, len(vs))
	dims := e.image.Dims
	for _, v := range vs {
		in := makeTensor(v, e.image.dtype(), append([]int{1}, dims[1:]...))
		res, err := ex.Exec1(e.x, in)
		if err != nil {
			return nil, err
		}
		e.products++
		vals, err := float64s(res)
		finalize(res, in)
		if err != nil {
			return nil, err
		}
		out = append(out, vals)
	}
	return out, nil
}

// powerStep compiles the fused k = 1 power step. From v and fv = F v (the
// previous step's product) and the shift: w = fv − shift·v; v' =
// −sign(w₀)·w/‖w‖ (LAPACK's QR sign); fv' = F v' (the step's one Fisher
// product); λ' = v'ᵀ fv'. When w vanishes (‖w‖ ≤ 1e-30·(‖fv‖ + |shift|), as
// for a Fisher matrix equal to shift·I on v), v is already an eigenvector
// of F for the shift: v' = v and λ' = vᵀ F v instead of a 0/0 NaN.
func (e *Eigendistortion) powerStep() (*Exec, func(), error) {
	return acquireExec(e.be, e.model, "eigen-power-step", func() (*Exec, error) {
		return NewExec(e.be, func(x, v, fv, shift *Node) (*Node, *Node, *Node) {
			fisher := e.fisherOperator(x)
			w := Sub(fv, Mul(v, shift))
			w0 := Reshape(Slice(Reshape(w, -1), AxisRange(0, 1)))
			nw := norm(w)
			zero := ScalarZero(x.Graph(), x.DType())
			scale := Add(norm(fv), Abs(shift))
			vanished := LessOrEqual(nw, MulScalar(scale, 1e-30))
			safe := Where(vanished, OnesLike(nw), nw)
			beta := Where(GreaterOrEqual(w0, zero), Neg(safe), safe)
			vNew := Where(BroadcastToShape(vanished, v.Shape()), v, Div(w, beta))
			fvNew := fisher(vNew)
			lam := tools.SumAll(Mul(vNew, fvNew))
			return vNew, fvNew, lam
		})
	})
}

// synthesizePower runs the top and the bottom power iterations.
func (e *Eigendistortion) synthesizePower(opts EigenSynthesizeOptions, rng func(int) []float64) error {
	k := opts.K
	init := func(given []float64, what string) ([][]float64, error) {
		cols := make([][]float64, k)
		for j := range cols {
			cols[j] = make([]float64, e.n)
		}
		src := given
		if src == nil {
			src = rng(e.n * k)
		} else if len(src) != e.n*k {
			return nil, fmt.Errorf("%s must have n·k = %d values, got %d", what, e.n*k, len(src))
		}
		for i := range e.n {
			for j := range k {
				cols[j][i] = src[i*k+j]
			}
		}
		for j, c := range cols {
			if i, ok := allFinite(c); !ok {
				return nil, fmt.Errorf("%s has a non-finite value %v (column %d, row %d)", what, c[i], j, i)
			}
			if norm2(c) == 0 {
				return nil, fmt.Errorf("%s column %d is zero: a starting vector must have a non-zero norm", what, j)
			}
		}
		return cols, nil
	}
	v0, err := init(opts.InitialTop, "InitialTop")
	if err != nil {
		return err
	}
	lamTop, vTop, it, err := e.power(opts, v0, 0, StageTop)
	if err != nil {
		return err
	}
	e.iterations[0] = it
	v0, err = init(opts.InitialBottom, "InitialBottom")
	if err != nil {
		return err
	}
	lamBot, vBot, it, err := e.power(opts, v0, lamTop[0], StageBottom)
	if err != nil {
		return err
	}
	e.iterations[1] = it
	e.method = Power
	e.setResults(append(vTop, vBot...), append(lamTop, lamBot...))
	e.index = nil
	for j := range k {
		e.index = append(e.index, j)
	}
	for j := range k {
		e.index = append(e.index, e.n-k+j)
	}
	return nil
}

// normalSource returns n standard normal values per call: from tools.Randn
// when seed is 0, else from a private generator seeded with seed.
func normalSource(seed uint64) func(int) []float64 {
	if seed == 0 {
		return tools.Randn
	}
	r := rand.New(rand.NewPCG(seed, 0x2545f4914f6cdd1d))
	return func(n int) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = r.NormFloat64()
		}
		return out
	}
}

// setResults stores unit eigendistortion columns and absolute eigenvalues.
func (e *Eigendistortion) setResults(cols [][]float64, values []float64) {
	data := make([]float64, 0, len(cols)*e.n)
	for _, c := range cols {
		data = append(data, c...)
	}
	e.dists = hostTensor{DType: e.image.DType, Dims: append([]int{len(cols)}, e.image.Dims[1:]...), Data: data}
	e.values = make([]float64, len(values))
	for i, v := range values {
		e.values[i] = math.Abs(v)
	}
}

// roundTo rounds v to the image's precision (plenoptic's vectors are
// tensors of the image's dtype).
func (e *Eigendistortion) roundTo(v []float64) {
	if e.image.DType == "float32" {
		for i, x := range v {
			v[i] = float64(float32(x))
		}
	}
}

// checkFinite refuses non-finite eigenvalue estimates (a model whose Fisher
// products overflow, say), which would otherwise be returned as results.
func checkFinite(stage Stage, it int, lam []float64) error {
	if i, ok := allFinite(lam); !ok {
		return fmt.Errorf("%s run: eigenvalue %d is %v at iteration %d (the Fisher products are not finite): %w", stage, i, lam[i], it, ErrDegenerate)
	}
	return nil
}

// power is plenoptic's _synthesize_power: (orthogonal) iteration with F −
// shift·I, stopping when the unshifted Rayleigh quotients change by at most
// the stop criterion. It returns the eigenvalues, the vectors and the number
// of iterations run. Each iteration costs one Fisher product: the product
// F·v' that gives the Rayleigh quotient of the new vectors is the next
// iteration's F·v.
func (e *Eigendistortion) power(opts EigenSynthesizeOptions, v [][]float64, shift float64, stage Stage) ([]float64, [][]float64, int, error) {
	k := len(v)
	for _, c := range v {
		scaleTo(c, 1/norm2(c))
		e.roundTo(c)
	}
	report := e.progressReport(opts)
	every := max(opts.ProgressEvery, 1)
	start := time.Now()
	desc := fmt.Sprintf("%s k=%d eigendists", stage, k)
	tol := opts.StopCriterion
	var last Progress
	done := func() {
		if report != nil && last.Iteration > 0 {
			last.Done, last.Elapsed = true, time.Since(start)
			report(last)
		}
	}
	defer done()

	if k == 1 {
		ex, release, err := e.powerStep()
		if err != nil {
			return nil, nil, 0, err
		}
		defer release()
		dt := e.image.dtype()
		step := func(vt, fvt *tensors.Tensor, shift float64) (*tensors.Tensor, *tensors.Tensor, float64, error) {
			outs, err := ex.Exec(e.x, donate(e.be, vt), donate(e.be, fvt), makeTensor([]float64{shift}, dt, nil))
			if err != nil {
				return nil, nil, 0, err
			}
			e.products++
			lam, err := float64s(outs[2])
			finalize(outs[2])
			if err != nil {
				return nil, nil, 0, err
			}
			return outs[0], outs[1], lam[0], nil
		}
		// Initial v ← F v / ‖F v‖ and its Rayleigh quotient: the fused step
		// from (v, F v) with no shift gives that vector up to its sign,
		// which the first iteration's normalisation makes irrelevant. The
		// first F v comes from the plain product.
		fv0, err := e.fisher(v)
		if err != nil {
			return nil, nil, 0, err
		}
		if norm2(fv0[0]) == 0 {
			return nil, nil, 0, fmt.Errorf("%s run: the Fisher matrix vanishes on the starting vector (F·v = 0): %w", stage, ErrDegenerate)
		}
		vt, fvt, lam, err := step(makeTensor(v[0], dt, e.image.Dims), makeTensor(fv0[0], dt, e.image.Dims), 0)
		if err != nil {
			return nil, nil, 0, err
		}
		if err := checkFinite(stage, 0, []float64{lam}); err != nil {
			return nil, nil, 0, err
		}
		dLam := math.Inf(1)
		its := 0
		for range opts.MaxIter {
			if dLam <= tol {
				fmt.Fprintf(e.log, "%s computed | Stop criterion %s reached.\n", desc, pyE(tol, 2, true))
				break
			}
			vNew, fvNew, lamNew, err := step(vt, fvt, shift)
			if err != nil {
				return nil, nil, 0, err
			}
			dLam = math.Abs(lam - lamNew)
			if e.image.DType == "float32" {
				dLam = float64(float32(dLam))
			}
			vt, fvt, lam = vNew, fvNew, lamNew
			its++
			if err := checkFinite(stage, its, []float64{lam}); err != nil {
				return nil, nil, 0, err
			}
			if report != nil && (its%every == 0 || its == opts.MaxIter) {
				cur := vt
				last = Progress{Stage: stage, K: k, Iteration: its, MaxIter: opts.MaxIter, TotalIterations: its,
					Eigenvalue: lam, Delta: dLam, Elapsed: time.Since(start),
					current: func() (*tensors.Tensor, error) { return localCopy(cur) }}
				report(last)
			}
		}
		vals, err := float64s(vt)
		finalize(fvt)
		if err != nil {
			return nil, nil, 0, err
		}
		return []float64{lam}, [][]float64{vals}, its, nil
	}

	// k > 1: orthogonal iteration, Fisher products on the backend, QR here;
	// fv holds F·v for the current v.
	fv, err := e.fisher(v)
	if err != nil {
		return nil, nil, 0, err
	}
	for j := range v {
		if norm2(fv[j]) == 0 {
			return nil, nil, 0, fmt.Errorf("%s run: the Fisher matrix vanishes on starting vector %d: %w", stage, j, ErrDegenerate)
		}
		v[j] = scaled(fv[j], 1/norm2(fv[j]))
		e.roundTo(v[j])
	}
	lam, fv, err := e.rayleigh(v)
	if err != nil {
		return nil, nil, 0, err
	}
	dLam := math.Inf(1)
	its := 0
	for range opts.MaxIter {
		if dLam <= tol {
			fmt.Fprintf(e.log, "%s computed | Stop criterion %s reached.\n", desc, pyE(tol, 2, true))
			break
		}
		w := make([][]float64, k)
		for j := range fv {
			w[j] = make([]float64, e.n)
			for i := range fv[j] {
				w[j][i] = fv[j][i] - shift*v[j][i]
			}
		}
		vNew := householderQR(w)
		for j := range vNew {
			e.roundTo(vNew[j])
		}
		lamNew, fvNew, err := e.rayleigh(vNew)
		if err != nil {
			return nil, nil, 0, err
		}
		s := 0.0
		for j := range lam {
			s += (lam[j] - lamNew[j]) * (lam[j] - lamNew[j])
		}
		dLam = math.Sqrt(s)
		v, lam, fv = vNew, lamNew, fvNew
		its++
		if err := checkFinite(stage, its, lam); err != nil {
			return nil, nil, 0, err
		}
		if report != nil && (its%every == 0 || its == opts.MaxIter) {
			first := slices.Clone(v[0])
			last = Progress{Stage: stage, K: k, Iteration: its, MaxIter: opts.MaxIter, TotalIterations: its,
				Eigenvalue: lam[0], Delta: dLam, Elapsed: time.Since(start),
				current: func() (*tensors.Tensor, error) { return makeTensor(first, e.image.dtype(), e.image.Dims), nil }}
			report(last)
		}
	}
	return lam, v, its, nil
}

// rayleigh returns vᵀ F v for each column, and the products F v.
func (e *Eigendistortion) rayleigh(v [][]float64) ([]float64, [][]float64, error) {
	fv, err := e.fisher(v)
	if err != nil {
		return nil, nil, err
	}
	lam := make([]float64, len(v))
	for j := range v {
		lam[j] = dot(v[j], fv[j])
	}
	e.roundTo(lam)
	return lam, fv, nil
}

func scaleTo(v []float64, s float64) {
	for i := range v {
		v[i] *= s
	}
}

func scaled(v []float64, s float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x * s
	}
	return out
}

// Jacobian computes J (m×n, row i = Jᵀe_i) by reverse-mode products with the
// rows of the identity, a chunk of rows per execution.
func (e *Eigendistortion) computeJacobian() (*mat.Dense, error) {
	ex, release, err := acquireExec(e.be, e.model, "eigen-vjp", func() (*Exec, error) {
		return NewExec(e.be, func(x, U *Node) *Node {
			y := forward(e.model, x)
			c := U.Shape().Dimensions[0]
			rows := make([]*Node, c)
			for j := range c {
				u := StopGradient(Reshape(Slice(U, AxisRange(j, j+1)), y.Shape().Dimensions...))
				rows[j] = Reshape(Gradient(ReduceAllSum(Mul(y, u)), x)[0], 1, -1)
			}
			if c == 1 {
				return rows[0]
			}
			return Concatenate(rows, 0)
		})
	})
	if err != nil {
		return nil, err
	}
	defer release()
	const chunk = 1
	J := mat.NewDense(e.m, e.n, nil)
	for start := 0; start < e.m; start += chunk {
		end := min(start+chunk, e.m)
		u := make([]float64, (end-start)*e.m)
		for r := start; r < end; r++ {
			u[(r-start)*e.m+r] = 1
		}
		in := makeTensor(u, e.image.dtype(), []int{end - start, e.m})
		res, err := ex.Exec1(e.x, in)
		if err != nil {
			return nil, err
		}
		vals, err := float64s(res)
		finalize(res, in)
		if err != nil {
			return nil, err
		}
		for r := start; r < end; r++ {
			J.SetRow(r, vals[(r-start)*e.n:(r-start+1)*e.n])
		}
	}
	return J, nil
}

// synthesizeExact builds J, F = JᵀJ and its full eigendecomposition.
func (e *Eigendistortion) synthesizeExact() error {
	if float64(e.m)*float64(e.n) > 1e6 {
		fmt.Fprintln(e.log, "UserWarning: Jacobian > 1e6 elements and may cause out-of-memory. Use method =  {'power', 'randomized_svd'}.")
	}
	fmt.Fprintln(e.log, "Computing all eigendistortions")
	if float64(e.n) > 1e4 {
		fmt.Fprintln(e.log, "UserWarning: Calculation of Jacobian with input dimensionality greater than 1E4 may take too long; consider an iterative method (e.g. power method, randomized svd) instead.")
	}
	J, err := e.computeJacobian()
	if err != nil {
		return err
	}
	var F mat.Dense
	F.Mul(J.T(), J)
	sym := mat.NewSymDense(e.n, nil)
	for i := range e.n {
		for j := i; j < e.n; j++ {
			sym.SetSym(i, j, F.At(i, j))
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(sym, true) {
		return errors.New("eigendecomposition of the Fisher matrix failed")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	cols := make([][]float64, e.n)
	values := make([]float64, e.n)
	for j := range e.n {
		src := e.n - 1 - j // descending
		values[j] = vals[src]
		cols[j] = mat.Col(nil, src, &vecs)
	}
	e.method = Exact
	e.setResults(cols, values)
	e.index = make([]int, e.n)
	for i := range e.index {
		e.index[i] = i
	}
	jd := make([]float64, 0, e.m*e.n)
	for r := range e.m {
		jd = append(jd, J.RawRowView(r)...)
	}
	e.jacobian = &hostTensor{DType: e.image.DType, Dims: []int{e.m, e.n}, Data: jd}
	return nil
}

// synthesizeRandomizedSVD is Halko et al.'s randomized range finder with q
// power iterations, as plenoptic implements it.
func (e *Eigendistortion) synthesizeRandomizedSVD(opts EigenSynthesizeOptions, rng func(int) []float64) error {
	k, p, q := opts.K, opts.P, opts.Q
	l := k + p
	if l > e.n {
		return fmt.Errorf("k + p = %d exceeds the input dimension %d", l, e.n)
	}
	fmt.Fprintf(e.log, "Estimating top k=%d eigendistortions using randomized SVD\n", k)
	P := make([][]float64, l)
	for j := range P {
		P[j] = make([]float64, e.n)
	}
	if opts.InitialP != nil {
		if len(opts.InitialP) != e.n*l {
			return fmt.Errorf("InitialP must have n·(k+p) = %d values, got %d", e.n*l, len(opts.InitialP))
		}
		for i := range e.n {
			for j := range l {
				P[j][i] = opts.InitialP[i*l+j]
			}
		}
	} else {
		r := rng(e.n * l)
		for i := range e.n {
			for j := range l {
				P[j][i] = r[i*l+j]
			}
		}
	}
	P = householderQR(P)
	Z, err := e.fisher(P)
	if err != nil {
		return err
	}
	for range q {
		if Z, err = e.fisher(Z); err != nil {
			return err
		}
	}
	Q := householderQR(Z)
	FQ, err := e.fisher(Q)
	if err != nil {
		return err
	}
	B := mat.NewDense(l, l, nil)
	for i := range l {
		for j := range l {
			B.Set(i, j, dot(Q[i], FQ[j]))
		}
	}
	var svd mat.SVD
	if !svd.Factorize(B, mat.SVDThin) {
		return errors.New("SVD of the projected Fisher matrix failed")
	}
	S := svd.Values(nil)
	var V mat.Dense
	svd.VTo(&V)
	cols := make([][]float64, k)
	for c := range k {
		col := make([]float64, e.n)
		for j := range l {
			w := V.At(j, c)
			for i := range col {
				col[i] += Q[j][i] * w
			}
		}
		cols[c] = col
	}
	// Error estimate: mean over 20 random ω of ‖Fω − QQᵀFω‖.
	omega := make([][]float64, 20)
	r := rng(e.n * 20)
	for j := range omega {
		omega[j] = make([]float64, e.n)
		for i := range omega[j] {
			omega[j][i] = r[i*20+j]
		}
	}
	Fo, err := e.fisher(omega)
	if err != nil {
		return err
	}
	errSum := 0.0
	for _, f := range Fo {
		r := slices.Clone(f)
		for _, qc := range Q {
			c := dot(qc, f)
			for i := range r {
				r[i] -= c * qc[i]
			}
		}
		errSum += norm2(r)
	}
	fmt.Fprintf(e.log, "Randomized SVD complete! Estimated spectral approximation error = %.2f\n", errSum/20)
	e.method = RandomizedSVD
	e.setResults(cols, S[:k])
	e.index = make([]int, k)
	for i := range e.index {
		e.index[i] = i
	}
	return nil
}

// Image returns the image (a host copy).
func (e *Eigendistortion) Image() *tensors.Tensor { return e.image.tensor() }

// Eigendistortions returns the eigendistortions as a [N, C, H, W] tensor of
// unit-norm images: for Power and Lanczos N = 2k, [top_1..top_k,
// bottom_1..bottom_k];
// for Exact all n in descending eigenvalue order; for RandomizedSVD the top
// k. Nil before Synthesize.
func (e *Eigendistortion) Eigendistortions() *tensors.Tensor {
	if e.dists.Data == nil {
		return nil
	}
	return e.dists.tensor()
}

// Eigenvalues returns the (absolute) eigenvalues matching Eigendistortions.
func (e *Eigendistortion) Eigenvalues() []float64 { return slices.Clone(e.values) }

// Eigenindex returns the index of each eigendistortion in the full,
// descending spectrum: [0..k−1, n−k..n−1] for Power and Lanczos.
func (e *Eigendistortion) Eigenindex() []int { return slices.Clone(e.index) }

// Method returns the method of the last Synthesize ("" before).
func (e *Eigendistortion) Method() EigenMethod { return e.method }

// FisherProducts returns the number of products with the Fisher matrix the
// last Synthesize computed (its cost: each is one forward and two backward
// passes of the model).
func (e *Eigendistortion) FisherProducts() int { return e.products }

// Jacobian returns the m×n Jacobian computed by the Exact method (nil
// otherwise).
func (e *Eigendistortion) Jacobian() *tensors.Tensor {
	if e.jacobian == nil {
		return nil
	}
	return e.jacobian.tensor()
}

// Iterations returns the number of iterations of the top and bottom power
// runs of the last Power synthesis; for Lanczos, the number of Lanczos
// steps in the first entry (the second is 0: one run serves both ends).
func (e *Eigendistortion) Iterations() [2]int { return e.iterations }

// Residuals returns, for a Lanczos synthesis, the residual norm ‖F v − λ v‖
// of each eigendistortion (in the order of Eigendistortions), measured with
// an explicit Fisher product; nil for the other methods.
func (e *Eigendistortion) Residuals() []float64 { return slices.Clone(e.residuals) }

// Model returns the model.
func (e *Eigendistortion) Model() models.Model { return e.model }

// FisherProduct returns F v = Jᵀ(J v) for an image-shaped v ([1, C, H, W] or
// any shape with n elements), computed on the backend.
func (e *Eigendistortion) FisherProduct(v *tensors.Tensor) (out *tensors.Tensor, err error) {
	defer catch(&err, "Eigendistortion.FisherProduct")
	vals, err := float64s(v)
	if err != nil {
		return nil, err
	}
	if len(vals) != e.n {
		return nil, fmt.Errorf("vector has %d elements, want %d", len(vals), e.n)
	}
	fv, err := e.fisher([][]float64{vals})
	if err != nil {
		return nil, err
	}
	return makeTensor(fv[0], e.image.dtype(), e.image.Dims), nil
}

// progressReport is where an eigendistortion run reports: the caller's
// Progress callback or the progress bar, and with no callback and
// ProgressEvery > 0 also a printed line every ProgressEvery iterations; nil
// when nothing listens.
func (e *Eigendistortion) progressReport(opts EigenSynthesizeOptions) func(Progress) {
	report := progressSink(opts.Progress, opts.ProgressBar)
	if opts.Progress != nil || opts.ProgressEvery <= 0 {
		return report
	}
	lines := NewProgressPrinter(e.log)
	if report == nil {
		return lines
	}
	return func(p Progress) { report(p); lines(p) }
}
