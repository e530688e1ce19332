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
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/models"
	"github.com/goplenoptic/goplenoptic/plenoptic/tools"
)

// LossFunc compares a model representation with the target representation on
// the graph and returns a scalar (plenoptic's loss_function). tools.MSE is
// the default.
type LossFunc func(rep, target *Node) *Node

// norm is the L2 norm of all elements, accumulated in float64.
func norm(x *Node) *Node { return Sqrt(tools.SumAll(Square(x))) }

// MetamerOptions configures NewMetamer. Zero values mean plenoptic's
// defaults.
type MetamerOptions struct {
	// LossFunction compares the metamer's and the target's representations
	// (default tools.MSE).
	LossFunction LossFunc
	// RangePenaltyLambda weighs the range penalty (default 0.1; set
	// NoRangePenalty for 0). Negative values are an error.
	RangePenaltyLambda float64
	// NoRangePenalty sets the range penalty's weight to 0 (a zero
	// RangePenaltyLambda means the default).
	NoRangePenalty bool
	// AllowedRange is the pixel range (lo, hi): the image must lie inside it
	// and the penalty pushes the metamer into it (default (0, 1)).
	AllowedRange [2]float64
	// InitialImage starts the synthesis; it must have exactly the image's
	// shape. Default: uniform noise rescaled so that its minimum and maximum
	// are exactly the allowed range's ends.
	InitialImage *tensors.Tensor
	// Seed, when not zero, seeds a private generator for the default
	// initial noise; zero draws it from tools.Rand (seeded by tools.Seed, as
	// plenoptic draws from torch's global generator).
	Seed uint64
	// Backend to compute on (default: backend.Default()).
	Backend backends.Backend
}

// Metamer synthesizes an image whose model representation matches that of a
// target image (plenoptic's po.synthesize.Metamer). Create it with
// NewMetamer, run Synthesize (repeatedly, to resume), and read the results
// with the accessors. The batch is matched one-to-one: target i is matched
// by metamer i, and the loss is taken over all batch items jointly.
type Metamer struct {
	be       backends.Backend
	model    models.Model
	lossFn   LossFunc
	custom   bool // a user loss function
	lambda   float64
	lo, hi   float64
	image    hostTensor
	target   hostTensor
	repDims  []int
	initial  hostTensor // the initial image (saved for reference)
	x        *tensors.Tensor
	targetT  *tensors.Tensor // on the device after the first step
	losses   []float64
	gradNorm []float64
	pixNorm  []float64
	saved    []*tensors.Tensor // host-only tensors, never fed to an execution
	store    int
	storeSet bool
	opt      Optimizer
	sched    Scheduler
	stopped  bool // the last Synthesize stopped on convergence
	stepExec *Exec
	objExec  *Exec
	out      io.Writer
}

// NewMetamer prepares a metamer synthesis of image (a 4-D float tensor
// [B, C, H, W] with values inside the allowed range) for model. It checks,
// as plenoptic does, the penalty weight, the image, the model (its output on
// the image must be a finite 3-D or 4-D float tensor of the image's dtype)
// and the initial image, and computes the target representation.
func NewMetamer(image *tensors.Tensor, model models.Model, opts MetamerOptions) (m *Metamer, err error) {
	defer catch(&err, "NewMetamer")
	if opts.RangePenaltyLambda < 0 {
		return nil, errors.New("range_penalty_lambda must be non-negative")
	}
	lambda := opts.RangePenaltyLambda
	switch {
	case opts.NoRangePenalty:
		lambda = 0
	case lambda == 0:
		lambda = 0.1
	}
	lo, hi := opts.AllowedRange[0], opts.AllowedRange[1]
	if opts.AllowedRange == [2]float64{} {
		lo, hi = 0, 1
	}
	if !(lo < hi) {
		return nil, fmt.Errorf("allowed_range must have lo < hi, got (%g, %g)", lo, hi)
	}
	if model == nil {
		return nil, errors.New("model is nil")
	}
	if err := tools.ValidateInput(image, tools.InputOptions{AllowedRange: [2]float64{lo, hi}}); err != nil {
		return nil, err
	}
	be, err := pickBackend(opts.Backend)
	if err != nil {
		return nil, err
	}
	m = &Metamer{be: be, model: model, lossFn: opts.LossFunction, lambda: lambda, lo: lo, hi: hi, out: os.Stderr}
	if m.lossFn == nil {
		m.lossFn = tools.MSE
	} else {
		m.custom = true
	}
	if m.image, err = newHost(image); err != nil {
		return nil, err
	}
	if m.target, err = m.representation(m.image); err != nil {
		return nil, err
	}
	m.repDims = m.target.Dims
	if opts.InitialImage == nil {
		m.initial = m.noise(opts.Seed)
	} else {
		if opts.InitialImage.Rank() < 4 {
			return nil, fmt.Errorf("initial_image must be [n_batch, n_channels, im_height, im_width] but got shape %v", opts.InitialImage.Shape().Dimensions)
		}
		if !slices.Equal(opts.InitialImage.Shape().Dimensions, m.image.Dims) {
			return nil, fmt.Errorf("initial_image and image must be same size (got %v and %v)", opts.InitialImage.Shape().Dimensions, m.image.Dims)
		}
		if m.initial, err = newHost(opts.InitialImage); err != nil {
			return nil, fmt.Errorf("initial_image: %w", err)
		}
		m.initial.DType = m.image.DType // cast to the image's dtype, as plenoptic does
	}
	m.x = m.initial.tensor()
	m.targetT = m.target.tensor()
	if err := m.checkLoss(); err != nil {
		return nil, err
	}
	return m, nil
}

// checkLoss builds (without compiling) the loss on the representation's
// shape, reporting a loss function that fails or does not return a scalar.
func (m *Metamer) checkLoss() (err error) {
	if !m.custom {
		return nil
	}
	g := NewGraph(m.be, "check_loss")
	defer g.Finalize()
	defer catch(&err, "loss function")
	sh := shapes.Make(m.target.dtype(), m.repDims...)
	loss := m.lossFn(Parameter(g, "rep", sh), Parameter(g, "target", sh))
	if loss == nil || loss.Rank() != 0 {
		return fmt.Errorf("loss function must return a scalar, got %v", loss.Shape())
	}
	return nil
}

// representation evaluates the model on img and validates its output.
func (m *Metamer) representation(img hostTensor) (hostTensor, error) {
	return checkedRepresentation(m.be, m.model, img)
}

// noise is plenoptic's default initial image: rescale(rand_like(image), lo,
// hi), the uniform values drawn from tools.Rand (the stand-in for torch's
// global generator, seeded by tools.Seed) or, when seed is not zero, from a
// private generator seeded with it.
func (m *Metamer) noise(seed uint64) hostTensor {
	n := m.image.size()
	var u []float64
	if seed == 0 {
		u = tools.Rand(n)
	} else {
		r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
		u = make([]float64, n)
		for i := range u {
			u[i] = r.Float64()
		}
	}
	h := hostTensor{DType: m.image.DType, Dims: slices.Clone(m.image.Dims), Data: make([]float64, n)}
	mn, mx := math.Inf(1), math.Inf(-1)
	for i, x := range u {
		v := float64(float32(x))
		h.Data[i] = v
		mn, mx = min(mn, v), max(mx, v)
	}
	for i, v := range h.Data {
		if mx > mn {
			h.Data[i] = m.lo + (v-mn)/(mx-mn)*(m.hi-m.lo)
		} else {
			h.Data[i] = m.lo
		}
	}
	return h
}

// penaltyHyper is the vector [λ, lo, hi] passed to the compiled graphs.
func (m *Metamer) penaltyHyper() *tensors.Tensor {
	return makeTensor([]float64{m.lambda, m.lo, m.hi}, m.image.dtype(), []int{3})
}

// objective builds the objective on the graph.
func (m *Metamer) objective(x, target, ph *Node) *Node {
	rep := m.model.Forward(x)
	loss := m.lossFn(rep, target)
	if loss.Rank() != 0 {
		panic(fmt.Errorf("loss function must return a scalar, got shape %v", loss.Shape().Dimensions))
	}
	if loss.DType() != x.DType() {
		loss = ConvertDType(loss, x.DType())
	}
	lam, lo, hi := hyperAt(ph, 0), hyperAt(ph, 1), hyperAt(ph, 2)
	return Add(loss, Mul(lam, tools.PenalizeRangeNodes(x, lo, hi)))
}

// cacheModel is the model as a cache key, or nil when a custom loss function
// makes the graph specific to this object.
func (m *Metamer) cacheModel() any {
	if m.custom {
		return nil
	}
	return m.model
}

// stepExecutable compiles (once) the full synthesis step for the optimizer.
func (m *Metamer) stepExecutable() (*Exec, error) {
	if m.stepExec != nil {
		return m.stepExec, nil
	}
	opt := m.opt
	e, err := cachedExec(m.be, m.cacheModel(), "metamer-step-"+opt.kind(), func() (*Exec, error) {
		return NewExec(m.be, func(in []*Node) []*Node {
			x, target, ph, oh := in[0], in[1], in[2], in[3]
			state := in[4:]
			loss := m.objective(x, target, ph)
			grad := Gradient(loss, x)[0]
			oh = ConvertDType(oh, x.DType())
			xNew, newState := opt.update(x, grad, oh, state)
			stats := Concatenate([]*Node{
				Reshape(loss, 1), Reshape(norm(grad), 1), Reshape(norm(Sub(xNew, x)), 1),
			}, 0)
			return append([]*Node{xNew, stats}, newState...)
		})
	})
	if err != nil {
		return nil, err
	}
	m.stepExec = e
	return e, nil
}

// objectiveExecutable compiles (once) the objective.
func (m *Metamer) objectiveExecutable() (*Exec, error) {
	if m.objExec != nil {
		return m.objExec, nil
	}
	e, err := cachedExec(m.be, m.cacheModel(), "metamer-objective", func() (*Exec, error) {
		return NewExec(m.be, func(x, target, ph *Node) *Node { return m.objective(x, target, ph) })
	})
	if err != nil {
		return nil, err
	}
	m.objExec = e
	return e, nil
}

// SynthOptions configures Metamer.Synthesize. Zero values mean plenoptic's
// defaults.
type SynthOptions struct {
	// MaxIter is the number of iterations of this call (default 100).
	MaxIter int
	// Optimizer for the first call (default: Adam, lr 0.01, AMSGrad). It must
	// be nil when resuming: the first call's optimizer and its state are
	// reused.
	Optimizer Optimizer
	// Scheduler adjusts the learning rate after every step with its loss
	// (e.g. NewReduceLROnPlateau). A non-nil value replaces the current one;
	// nil keeps it (plenoptic 1.1.0 would drop it, later versions keep it).
	Scheduler Scheduler
	// StoreProgress: 0 stores nothing, N > 0 stores the pre-step metamer of
	// every iteration whose index is a multiple of N (1 is plenoptic's True).
	// Every call must pass the value the first call passed.
	StoreProgress int
	// StopCriterion: stop when |losses[−StopItersToCheck] − losses[−1]| is
	// below it (default 1e-4; negative never stops).
	StopCriterion float64
	// StopItersToCheck is the window of the convergence test (default 50).
	StopItersToCheck int
	// Progress, when set, is called after every iteration and once more
	// with Done set at the end.
	Progress func(Progress)
	// ProgressBar chooses when the terminal bar is drawn (default: when no
	// Progress callback is given and standard error is a terminal).
	ProgressBar ProgressMode
	// Warnings receives warnings such as "Loss has converged, stopping
	// synthesis" (default os.Stderr).
	Warnings io.Writer
}

// Synthesize runs up to MaxIter iterations of the optimizer on the metamer,
// recording (before each step) the loss, the gradient norm and, after it,
// the pixel-change norm, storing pre-step images every StoreProgress
// iterations and stopping early when the loss has converged (the warning
// "Loss has converged, stopping synthesis" is written to Warnings). A second
// call resumes where the first stopped, with the same optimizer state. A
// non-finite loss stops with the error "Found a NaN in loss during
// optimization." (after recording it, as plenoptic does).
func (m *Metamer) Synthesize(opts SynthOptions) (err error) {
	defer catch(&err, "Metamer.Synthesize")
	if opts.MaxIter < 0 {
		return fmt.Errorf("max_iter must be non-negative, got %d", opts.MaxIter)
	}
	if opts.MaxIter == 0 {
		opts.MaxIter = 100
	}
	if opts.StopCriterion == 0 {
		opts.StopCriterion = 1e-4
	}
	if opts.StopItersToCheck == 0 {
		opts.StopItersToCheck = 50
	}
	if opts.StopItersToCheck < 0 {
		return fmt.Errorf("stop_iters_to_check must be positive, got %d", opts.StopItersToCheck)
	}
	if opts.StoreProgress < 0 {
		return fmt.Errorf("store_progress must be non-negative, got %d", opts.StoreProgress)
	}
	warn := opts.Warnings
	if warn == nil {
		warn = m.out
	}
	// Optimizer: plenoptic's _initialize_optimizer.
	if opts.Optimizer != nil && m.opt != nil {
		return errors.New("when resuming synthesis, the Optimizer option must be nil (the first call's optimizer is reused)")
	}
	if m.opt == nil {
		opt := opts.Optimizer
		if opt == nil {
			opt = NewAdam(AdamOptions{LR: 0.01, AMSGrad: true})
		}
		if err := bind(opt, m); err != nil {
			return err
		}
		m.opt = opt
	}
	if opts.Scheduler != nil {
		m.sched = opts.Scheduler
	}
	// store_progress: fixed by the first call.
	if m.storeSet && opts.StoreProgress != m.store {
		return fmt.Errorf("if you've already run Synthesize before, you must re-run it with the same StoreProgress: you passed %d instead of %d (plenoptic's True is 1)", opts.StoreProgress, m.store)
	}
	m.store, m.storeSet = opts.StoreProgress, true

	exec, err := m.stepExecutable()
	if err != nil {
		return err
	}
	m.stopped = false
	ob := m.opt.base()
	if ob.state == nil {
		for range m.opt.numState() {
			ob.state = append(ob.state, makeTensor(make([]float64, m.image.size()), m.image.dtype(), m.image.Dims))
		}
	}
	ph := m.penaltyHyper()
	report := progressSink(opts.Progress, opts.ProgressBar)
	start := time.Now()
	var last Progress
	finish := func() {
		if report != nil && last.Iteration > 0 {
			last.Done = true
			last.Elapsed = time.Since(start)
			report(last)
		}
	}
	defer finish()

	for i := range opts.MaxIter {
		if m.store > 0 && len(m.losses)%m.store == 0 {
			t, err := localCopy(m.x)
			if err != nil {
				return err
			}
			m.saved = append(m.saved, t)
		}
		hyper := m.opt.hyper()
		args := []any{donate(m.be, m.x), m.targetT, ph, makeTensor(hyper, m.image.dtype(), []int{len(hyper)})}
		for _, s := range ob.state {
			args = append(args, donate(m.be, s))
		}
		outs, err := exec.Exec(args...)
		if err != nil {
			return err
		}
		m.x = outs[0]
		stats, err := float64s(outs[1])
		finalize(outs[1])
		if err != nil {
			return err
		}
		ob.state = outs[2:]
		ob.steps++
		loss, gnorm, pnorm := stats[0], stats[1], stats[2]
		m.losses = append(m.losses, loss)
		m.gradNorm = append(m.gradNorm, gnorm)
		if m.sched != nil {
			m.opt.SetLR(m.sched.Step(loss, m.opt.LR()))
		}
		m.pixNorm = append(m.pixNorm, pnorm)
		if report != nil {
			x := m.x
			last = Progress{
				Stage: "Metamer", Iteration: i + 1, MaxIter: opts.MaxIter, TotalIterations: len(m.losses),
				Loss: loss, LearningRate: m.opt.LR(), GradientNorm: gnorm, PixelChangeNorm: pnorm,
				Elapsed: time.Since(start),
				current: func() (*tensors.Tensor, error) { return localCopy(x) },
			}
			report(last)
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return errors.New("Found a NaN in loss during optimization.")
		}
		if m.converged(opts.StopCriterion, opts.StopItersToCheck) {
			m.stopped = true
			fmt.Fprintln(warn, "Loss has converged, stopping synthesis")
			break
		}
	}
	return nil
}

// converged is plenoptic's loss_convergence: more than k losses and
// |losses[−k] − losses[−1]| < criterion.
func (m *Metamer) converged(criterion float64, k int) bool {
	n := len(m.losses)
	return n > k && math.Abs(m.losses[n-k]-m.losses[n-1]) < criterion
}

// Converged reports whether the last Synthesize call stopped because the
// loss had converged (rather than after MaxIter iterations or on an error).
func (m *Metamer) Converged() bool { return m.stopped }

// Image returns the target image (a host copy).
func (m *Metamer) Image() *tensors.Tensor { return m.image.tensor() }

// Metamer returns the current metamer (a host copy).
func (m *Metamer) Metamer() *tensors.Tensor {
	t, err := localCopy(m.x)
	if err != nil {
		return nil
	}
	return t
}

// InitialImage returns the image the synthesis started from.
func (m *Metamer) InitialImage() *tensors.Tensor { return m.initial.tensor() }

// TargetRepresentation returns the model's representation of the image.
func (m *Metamer) TargetRepresentation() *tensors.Tensor { return m.target.tensor() }

// Losses returns the objective recorded at every iteration (before its step).
func (m *Metamer) Losses() []float64 { return slices.Clone(m.losses) }

// GradientNorm returns the L2 norm of the objective's gradient at every
// iteration (before its step).
func (m *Metamer) GradientNorm() []float64 { return slices.Clone(m.gradNorm) }

// PixelChangeNorm returns the L2 norm of every iteration's change of the
// metamer.
func (m *Metamer) PixelChangeNorm() []float64 { return slices.Clone(m.pixNorm) }

// SavedMetamers returns the stored pre-step metamers (host tensors shaped
// like the image): entry j is the metamer before iteration j·StoreProgress().
// It is empty when StoreProgress is 0. The tensors are shared, not copied
// (an animation reads them once per frame): do not modify them.
func (m *Metamer) SavedMetamers() []*tensors.Tensor { return slices.Clone(m.saved) }

// StoreProgress returns the StoreProgress setting of the first Synthesize
// call (0 before it, or when nothing is stored).
func (m *Metamer) StoreProgress() int { return m.store }

// Optimizer returns the optimizer (nil before the first Synthesize).
func (m *Metamer) Optimizer() Optimizer { return m.opt }

// Scheduler returns the learning-rate scheduler, if any.
func (m *Metamer) Scheduler() Scheduler { return m.sched }

// RangePenaltyLambda returns the weight of the range penalty.
func (m *Metamer) RangePenaltyLambda() float64 { return m.lambda }

// AllowedRange returns the allowed pixel range.
func (m *Metamer) AllowedRange() [2]float64 { return [2]float64{m.lo, m.hi} }

// Model returns the model.
func (m *Metamer) Model() models.Model { return m.model }

// Objective returns the objective (loss plus weighted range penalty) of the
// current metamer; it is not recorded in Losses.
func (m *Metamer) Objective() (v float64, err error) {
	defer catch(&err, "Metamer.Objective")
	e, err := m.objectiveExecutable()
	if err != nil {
		return 0, err
	}
	out, err := e.Exec1(m.x, m.targetT, m.penaltyHyper())
	if err != nil {
		return 0, err
	}
	vals, err := float64s(out)
	finalize(out)
	if err != nil {
		return 0, err
	}
	return vals[0], nil
}

// RepresentationError returns model(metamer) − target representation for
// the metamer saved before synthesis iteration `iteration` (a multiple of
// StoreProgress(), i.e. SavedMetamers()[iteration/StoreProgress()]), or for
// the current metamer when iteration is negative.
func (m *Metamer) RepresentationError(iteration int) (t *tensors.Tensor, err error) {
	defer catch(&err, "Metamer.RepresentationError")
	var img hostTensor
	switch {
	case iteration < 0:
		if img, err = newHost(m.x); err != nil {
			return nil, err
		}
	case m.store <= 0 || len(m.saved) == 0:
		return nil, fmt.Errorf("no saved metamers: run Synthesize with StoreProgress > 0 to use an iteration (%d)", iteration)
	case iteration%m.store != 0:
		return nil, fmt.Errorf("iteration %d was not stored: metamers are stored every %d iterations", iteration, m.store)
	case iteration/m.store >= len(m.saved):
		return nil, fmt.Errorf("iteration %d was not stored: %d saved metamers (every %d iterations)", iteration, len(m.saved), m.store)
	default:
		if img, err = newHost(m.saved[iteration/m.store]); err != nil {
			return nil, err
		}
	}
	rep, err := models.ApplyOn(m.be, m.model, img.tensor())
	if err != nil {
		return nil, err
	}
	h, err := newHost(rep)
	if err != nil {
		return nil, err
	}
	for i := range h.Data {
		h.Data[i] -= m.target.Data[i]
	}
	return h.tensor(), nil
}
