package synth

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/tools"
)

// OptimizedSynthesis is the optimisation loop that Metamer, MetamerCTF and
// MADCompetition share (plenoptic's OptimizedSynthesis): the synthesized
// image and its optimizer, the per-iteration records (loss, gradient norm,
// pixel-change norm), the stored progress, the stop rule, the range
// penalty, non-finite-step protection and progress reports. Each method
// embeds it and adds only its objective and its own records.
//
// Its accessors are safe to call from another goroutine while Synthesize
// runs: they see the state after the last completed iteration (a
// Synthesize call takes the lock for one step at a time).
type OptimizedSynthesis struct {
	mu   sync.Mutex
	be   backends.Backend
	log  io.Writer
	kind Stage // the method, for progress reports

	lambda, lo, hi float64 // range penalty weight and allowed range
	imgDims        []int
	dtype          string // "float32" or "float64"
	initial        hostTensor

	x        *tensors.Tensor // the synthesized image (on the device after the first step)
	losses   []float64
	gradNorm []float64
	pixNorm  []float64
	saved    []*tensors.Tensor // host-only tensors, never fed to an execution
	store    int
	storeSet bool
	opt      Optimizer
	sched    Scheduler
	stopped  bool     // the last Synthesize call stopped on convergence
	last     lastStep // to undo the last iteration (see iterate)
}

// method is what a synthesis method adds to the loop.
type method interface {
	// stepKey and stepKind identify the compiled step in the cache (with the
	// optimizer's kind appended): the model for methods whose graph depends
	// only on it, the object itself otherwise.
	stepKey() any
	stepKind() string
	// stepInputs returns the method's extra inputs of the step (targets,
	// reference images...), after the image.
	stepInputs() []*tensors.Tensor
	// objective builds the scalar objective at x (without the range
	// penalty) from the extra inputs.
	objective(x *Node, in []*Node) *Node
	// stats builds the method's own per-iteration statistics (scalars),
	// from the image before (x) and after (xNew) the step and the penalty
	// settings ph; nil for none.
	stats(x, xNew *Node, in []*Node, ph *Node) []*Node
	// record appends one iteration's records: the objective (penalty
	// included) and the method's statistics. It returns the value appended
	// to Losses and the one the scheduler steps with.
	record(obj float64, stats []float64) (loss, schedulerLoss float64)
	// unrecord removes the records of the last iteration (when it is undone).
	unrecord()
	// converged is the stop rule, checked after each recorded iteration;
	// i is the iteration's index within this Synthesize call.
	converged(criterion float64, k, i int) bool
	// beforeIteration lets the method change its objective before an
	// iteration (coarse to fine); changed asks for the step to be rebuilt.
	beforeIteration() (changed bool)
}

// SynthesizeOptions configures Synthesize of the optimisation methods
// (Metamer, MetamerCTF, MADCompetition). Zero values mean plenoptic's
// defaults.
type SynthesizeOptions struct {
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
	// StoreProgress: 0 stores nothing, N > 0 stores the pre-step image of
	// every iteration whose index is a multiple of N (1 is plenoptic's True).
	// Every call must pass the value the first call passed.
	StoreProgress int
	// StopCriterion: stop when |losses[−StopItersToCheck] − losses[−1]| is
	// below it (default 1e-4; negative never stops).
	StopCriterion float64
	// StopItersToCheck is the window of the convergence test (default 50).
	StopItersToCheck int
	// Progress, when set, is called after every iteration and once more
	// with Done set at the end (not while the synthesis holds its lock: the
	// callback may use the accessors).
	Progress func(Progress)
	// ProgressBar chooses when the terminal bar is drawn (default: when no
	// Progress callback is given and standard error is a terminal).
	ProgressBar ProgressMode
}

// WithDefaults validates o and returns it with plenoptic's defaults filled
// in (MaxIter 100, StopCriterion 1e-4, StopItersToCheck 50).
func (o SynthesizeOptions) WithDefaults() (SynthesizeOptions, error) {
	switch {
	case o.MaxIter < 0:
		return o, fmt.Errorf("max_iter must be non-negative, got %d", o.MaxIter)
	case o.StopItersToCheck < 0:
		return o, fmt.Errorf("stop_iters_to_check must be positive, got %d", o.StopItersToCheck)
	case o.StoreProgress < 0:
		return o, fmt.Errorf("store_progress must be non-negative, got %d", o.StoreProgress)
	case math.IsNaN(o.StopCriterion):
		return o, errors.New("stop_criterion must be a number, got NaN")
	}
	if o.MaxIter == 0 {
		o.MaxIter = 100
	}
	if o.StopCriterion == 0 {
		o.StopCriterion = 1e-4
	}
	if o.StopItersToCheck == 0 {
		o.StopItersToCheck = 50
	}
	return o, nil
}

// penaltyOptions are the range-penalty settings a method is built with.
type penaltyOptions struct {
	lambda float64
	lo, hi float64
}

// init sets up the base from the image (already validated against the
// range) and the penalty settings, and logs to log (nil: os.Stderr).
func (s *OptimizedSynthesis) init(be backends.Backend, kind Stage, log io.Writer, img hostTensor, p penaltyOptions) {
	if log == nil {
		log = os.Stderr
	}
	s.be, s.kind, s.log = be, kind, log
	s.lambda, s.lo, s.hi = p.lambda, p.lo, p.hi
	s.imgDims, s.dtype = slices.Clone(img.Dims), img.DType
}

// resolvePenalty applies plenoptic's defaults to the penalty options of a
// method: λ = 0.1 unless noPenalty (or a positive λ), range (0, 1).
func resolvePenalty(lambda float64, noPenalty bool, allowed [2]float64) (penaltyOptions, error) {
	if lambda < 0 || math.IsNaN(lambda) || math.IsInf(lambda, 0) {
		return penaltyOptions{}, fmt.Errorf("range_penalty_lambda must be non-negative and finite, got %v", lambda)
	}
	p := penaltyOptions{lambda: lambda, lo: allowed[0], hi: allowed[1]}
	switch {
	case noPenalty:
		p.lambda = 0
	case lambda == 0:
		p.lambda = 0.1
	}
	if allowed == [2]float64{} {
		p.lo, p.hi = 0, 1
	}
	if !(p.lo < p.hi) || math.IsInf(p.lo, 0) || math.IsInf(p.hi, 0) {
		return penaltyOptions{}, fmt.Errorf("allowed_range must have finite lo < hi, got (%g, %g)", p.lo, p.hi)
	}
	return p, nil
}

// setInitial sets the starting image.
func (s *OptimizedSynthesis) setInitial(h hostTensor) {
	s.initial = h
	s.x = h.tensor()
}

// penaltyHyper is the vector [λ, lo, hi] passed to the compiled graphs.
func (s *OptimizedSynthesis) penaltyHyper() *tensors.Tensor {
	return makeTensor([]float64{s.lambda, s.lo, s.hi}, dtypeOf(s.dtype), []int{3})
}

// penalized adds the weighted range penalty of x to obj.
func penalized(obj, x, ph *Node) *Node {
	if obj.DType() != x.DType() {
		obj = ConvertDType(obj, x.DType())
	}
	lam, lo, hi := hyperAt(ph, 0), hyperAt(ph, 1), hyperAt(ph, 2)
	return Add(obj, Mul(lam, tools.PenalizeRangeNodes(x, lo, hi)))
}

// buildStep compiles (once per key) the whole optimisation step of m with
// the optimizer: objective, gradient, update, norms, and the "finite" flag
// (0 when the loss or a new value is not finite: iterate then discards the
// outputs and keeps its inputs, which it holds until a step succeeds).
//
// Inputs: x, the method's inputs, [λ, lo, hi], the optimizer's scalars, its
// state. Outputs: x', stats = [objective, ‖grad‖, ‖x' − x‖, finite,
// extra...], state'.
func (s *OptimizedSynthesis) buildStep(m method) (*Exec, func(), error) {
	opt := s.opt
	nIn := len(m.stepInputs())
	return acquireExec(s.be, m.stepKey(), m.stepKind()+"-"+opt.kind(), func() (*Exec, error) {
		return NewExec(s.be, func(in []*Node) []*Node {
			x := in[0]
			extraIn := in[1 : 1+nIn]
			ph, oh := in[1+nIn], in[2+nIn]
			state := in[3+nIn:]
			obj := m.objective(x, extraIn)
			if obj.Rank() != 0 {
				panic(fmt.Errorf("the objective must be a scalar, got shape %v", obj.Shape().Dimensions))
			}
			loss := penalized(obj, x, ph)
			grad := Gradient(loss, x)[0]
			oh = ConvertDType(oh, x.DType())
			xNew, newState := opt.update(x, grad, oh, state)
			extra := m.stats(x, xNew, extraIn, ph)
			// finite is 1 when the loss and every new value are finite:
			// 0·v is 0 for finite v and NaN otherwise. The probe and the two
			// norms are one reduction (in float64, as tools.SumAll) over
			// their stacked summands: one pass instead of 2 + 1 + states.
			zero := Mul(xNew, ZerosLike(xNew))
			for _, st := range newState {
				zero = Add(zero, Mul(st, ZerosLike(st)))
			}
			sums := stackedSums(Square(grad), Square(Sub(xNew, x)), zero)
			gradNorm, changeNorm := Sqrt(sums[0]), Sqrt(sums[1])
			probe := Add(Mul(loss, ZerosLike(loss)), sums[2])
			finite := Equal(probe, probe)
			outs := []*Node{xNew}
			stats := []*Node{
				Reshape(loss, 1), Reshape(gradNorm, 1), Reshape(changeNorm, 1),
				Reshape(ConvertDType(finite, x.DType()), 1),
			}
			for _, e := range extra {
				stats = append(stats, Reshape(ConvertDType(e, x.DType()), 1))
			}
			outs = append(outs, Concatenate(stats, 0))
			return append(outs, newState...)
		})
	})
}

// stackedSums returns the sum of all elements of each of xs (all of one
// shape), accumulated in float64 for float32 values as tools.SumAll does,
// computed as one reduction of the stacked summands.
func stackedSums(xs ...*Node) []*Node {
	st := Stack(xs, 0)
	dt := st.DType()
	st = tools.WidenForSum(st)
	sums := st
	if st.Rank() > 1 {
		axes := make([]int, st.Rank()-1)
		for i := range axes {
			axes[i] = i + 1
		}
		sums = ReduceSum(st, axes...)
	}
	if dt == dtypes.Float32 {
		sums = ConvertDType(sums, dtypes.Float32)
	}
	out := make([]*Node, len(xs))
	for i := range out {
		out[i] = Reshape(Slice(sums, AxisRange(i, i+1)))
	}
	return out
}

// prepare applies the optimizer and store-progress rules of plenoptic's
// synthesize for one call: a first call binds its optimizer (default Adam,
// lr 0.01, AMSGrad); later calls must pass none; StoreProgress is fixed by
// the first call.
func (s *OptimizedSynthesis) prepare(owner any, o SynthesizeOptions) error {
	if o.Optimizer != nil && s.opt != nil {
		return errors.New("when resuming synthesis, the Optimizer option must be nil (the first call's optimizer is reused)")
	}
	if s.storeSet && o.StoreProgress != s.store {
		return fmt.Errorf("if you've already run Synthesize before, you must re-run it with the same StoreProgress: you passed %d instead of %d (plenoptic's True is 1)", o.StoreProgress, s.store)
	}
	if s.opt == nil {
		opt := o.Optimizer
		if opt == nil {
			a, err := NewAdam(AdamOptions{LR: 0.01, AMSGrad: true})
			if err != nil {
				return err
			}
			opt = a
		}
		if err := bind(opt, owner); err != nil {
			return err
		}
		s.opt = opt
	}
	if o.Scheduler != nil {
		s.sched = o.Scheduler
	}
	s.store, s.storeSet = o.StoreProgress, true
	ob := s.opt.base()
	if ob.state == nil {
		n := 1
		for _, d := range s.imgDims {
			n *= d
		}
		for range s.opt.numState() {
			ob.state = append(ob.state, makeTensor(make([]float64, n), dtypeOf(s.dtype), s.imgDims))
		}
	}
	return nil
}

// run is the loop of Synthesize for method m (owner is the object the
// optimizer binds to).
func (s *OptimizedSynthesis) run(owner any, m method, opts SynthesizeOptions) error {
	o, err := opts.WithDefaults()
	if err != nil {
		return err
	}
	s.mu.Lock()
	err = s.prepare(owner, o)
	s.stopped = false
	s.mu.Unlock()
	if err != nil {
		return err
	}
	exec, release, err := s.buildStep(m)
	if err != nil {
		return err
	}
	defer func() { release() }()

	report := progressSink(o.Progress, o.ProgressBar)
	start := time.Now()
	var last Progress
	defer func() {
		if report != nil && last.Iteration > 0 {
			last.Done = true
			last.Elapsed = time.Since(start)
			report(last)
		}
	}()
	ph := s.penaltyHyper()
	for i := range o.MaxIter {
		s.mu.Lock()
		changed := m.beforeIteration()
		s.mu.Unlock()
		if changed {
			release()
			if exec, release, err = s.buildStep(m); err != nil {
				return err
			}
		}
		p, stop, err := s.iterate(m, exec, ph, i, o)
		if err != nil {
			return err
		}
		if report != nil {
			p.Elapsed = time.Since(start)
			last = p
			report(p)
		}
		if stop {
			fmt.Fprintln(s.log, "Loss has converged, stopping synthesis")
			break
		}
	}
	return nil
}

// lastStep is what undoing the last iteration needs: the image, optimizer
// state and learning rate before it, the scheduler's state (gob, when it
// encodes), and whether it stored a frame. It is kept until the next
// iteration succeeds.
type lastStep struct {
	valid bool
	x     *tensors.Tensor
	state []*tensors.Tensor
	lr    float64
	sched []byte
	frame bool
}

// snapshotScheduler encodes a scheduler's state (nil when it cannot).
func snapshotScheduler(sc Scheduler) []byte {
	if sc == nil {
		return nil
	}
	var b bytes.Buffer
	if gob.NewEncoder(&b).Encode(&sc) != nil {
		return nil
	}
	return b.Bytes()
}

// iterate runs one iteration under the lock: store progress, step, records,
// scheduler, stop rule.
//
// A step whose loss or new image is not finite is refused (its outputs are
// discarded, its inputs kept) and reported as ErrNaNLoss. A non-finite loss
// means the previous step made an image the objective cannot be evaluated
// at, so that step is undone too: the synthesis goes back to the last image
// with a finite loss, with its optimizer state, learning rate and scheduler
// state, and the records of the undone iteration are removed. Lowering the
// learning rate and calling Synthesize again resumes from there.
func (s *OptimizedSynthesis) iterate(m method, exec *Exec, ph *tensors.Tensor, i int, o SynthesizeOptions) (Progress, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	stored := false
	if s.store > 0 && len(s.losses)%s.store == 0 {
		t, err := localCopy(s.x)
		if err != nil {
			return Progress{}, false, err
		}
		s.saved = append(s.saved, t)
		stored = true
	}
	dropFrame := func() {
		if stored {
			s.saved = s.saved[:len(s.saved)-1]
		}
	}
	ob := s.opt.base()
	if lr := s.opt.LR(); !(lr > 0) || math.IsInf(lr, 0) {
		dropFrame()
		return Progress{}, false, fmt.Errorf("the learning rate must be positive and finite, got %v (set by a scheduler or SetLR)", lr)
	}
	undo := lastStep{valid: true, x: s.x, state: slices.Clone(ob.state), lr: s.opt.LR(), sched: snapshotScheduler(s.sched), frame: stored}
	hyper := s.opt.hyper()
	dt := dtypeOf(s.dtype)
	// The image and the optimizer state are not donated to the step: they
	// are kept until the next iteration succeeds, to undo this one.
	args := []any{s.x}
	for _, t := range m.stepInputs() {
		args = append(args, t)
	}
	args = append(args, ph, makeTensor(hyper, dt, []int{len(hyper)}))
	for _, st := range ob.state {
		args = append(args, st)
	}
	outs, err := exec.Exec(args...)
	if err != nil {
		dropFrame()
		return Progress{}, false, err
	}
	stats, err := float64s(outs[1])
	finalize(outs[1])
	if err != nil {
		finalize(outs...)
		dropFrame()
		return Progress{}, false, err
	}
	loss, gnorm, pnorm, finite := stats[0], stats[1], stats[2], stats[3]
	if finite != 1 {
		finalize(outs[0])
		finalize(outs[2:]...)
		dropFrame()
		msg := fmt.Sprintf("iteration %d: loss %v", len(s.losses), loss)
		if !math.IsNaN(loss) && !math.IsInf(loss, 0) {
			msg += ", and the step gives a non-finite image; the image and optimizer state before it are kept"
		} else if s.last.valid {
			s.undoLast(m)
			msg += fmt.Sprintf("; the step that led there is undone: back at iteration %d with its image, optimizer state and learning rate %g", len(s.losses), s.opt.LR())
		} else {
			msg += "; the image and optimizer state are kept"
		}
		return Progress{}, false, fmt.Errorf("%w (%s: lower the learning rate and resume)", ErrNaNLoss, msg)
	}
	if len(s.losses) == 0 && gnorm == 0 && loss != 0 {
		// A positive objective with an exactly zero gradient: the model's
		// output does not depend on its input as far as gradients go (it
		// strips them, as plenoptic's validate_model says).
		finalize(outs[0])
		finalize(outs[2:]...)
		dropFrame()
		return Progress{}, false, fmt.Errorf("the objective is %v at the start but its gradient is zero everywhere: the model strips the gradient (its output does not depend on its input for differentiation): %w", loss, ErrDegenerate)
	}
	if s.last.valid { // the iteration before this one can no longer be undone
		if s.last.x != nil {
			finalize(s.last.x)
		}
		finalize(s.last.state...)
	}
	s.last = undo
	s.x = outs[0]
	ob.state = outs[2:]
	ob.steps++
	recorded, schedLoss := m.record(loss, stats[4:])
	s.losses = append(s.losses, recorded)
	s.gradNorm = append(s.gradNorm, gnorm)
	if s.sched != nil {
		s.opt.SetLR(s.sched.Step(schedLoss, s.opt.LR()))
	}
	s.pixNorm = append(s.pixNorm, pnorm)
	x := s.x
	p := Progress{
		Stage: s.kind, Iteration: i + 1, MaxIter: o.MaxIter, TotalIterations: len(s.losses),
		Loss: recorded, LearningRate: s.opt.LR(), GradientNorm: gnorm, PixelChangeNorm: pnorm,
		Losses: s.losses,
		current: func() (*tensors.Tensor, error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.x != x { // a later step replaced it
				return localCopy(s.x)
			}
			return localCopy(x)
		},
	}
	stop := m.converged(o.StopCriterion, o.StopItersToCheck, i)
	s.stopped = stop
	return p, stop, nil
}

// undoLast restores the state before the last recorded iteration (the
// caller holds the lock and s.last is valid).
func (s *OptimizedSynthesis) undoLast(m method) {
	u := s.last
	finalize(s.x)
	ob := s.opt.base()
	finalize(ob.state...)
	s.x, ob.state = u.x, u.state
	ob.steps--
	s.opt.SetLR(u.lr)
	if u.sched != nil {
		var sc Scheduler
		if gob.NewDecoder(bytes.NewReader(u.sched)).Decode(&sc) == nil {
			s.sched = sc
		}
	}
	n := len(s.losses) - 1
	s.losses, s.gradNorm, s.pixNorm = s.losses[:n], s.gradNorm[:n], s.pixNorm[:n]
	m.unrecord()
	if u.frame {
		s.saved = s.saved[:len(s.saved)-1]
	}
	s.last = lastStep{}
}

// The defaults of the method interface, which the methods override where
// they differ: no statistics of their own, the objective recorded as the
// loss and stepped by the scheduler, plenoptic's loss_convergence, and a
// fixed objective.

func (s *OptimizedSynthesis) stats(_, _ *Node, _ []*Node, _ *Node) []*Node { return nil }

func (s *OptimizedSynthesis) record(obj float64, _ []float64) (float64, float64) { return obj, obj }

func (s *OptimizedSynthesis) unrecord() {}

func (s *OptimizedSynthesis) converged(criterion float64, k, _ int) bool {
	return lossConverged(s.losses, criterion, k)
}

func (s *OptimizedSynthesis) beforeIteration() bool { return false }

// lossConverged is plenoptic's loss_convergence: more than k losses and
// |losses[−k] − losses[−1]| < criterion.
func lossConverged(losses []float64, criterion float64, k int) bool {
	n := len(losses)
	return n > k && math.Abs(losses[n-k]-losses[n-1]) < criterion
}

// Converged reports whether the last Synthesize call stopped because the
// loss had converged (rather than after MaxIter iterations or on an error).
func (s *OptimizedSynthesis) Converged() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopped
}

// Losses returns the loss recorded at every iteration (before its step).
func (s *OptimizedSynthesis) Losses() []float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.losses)
}

// GradientNorm returns the L2 norm of the objective's gradient at every
// iteration (before its step).
func (s *OptimizedSynthesis) GradientNorm() []float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.gradNorm)
}

// PixelChangeNorm returns the L2 norm of every iteration's change of the
// image.
func (s *OptimizedSynthesis) PixelChangeNorm() []float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.pixNorm)
}

// StoreProgress returns the StoreProgress setting of the first Synthesize
// call (0 before it, or when nothing is stored).
func (s *OptimizedSynthesis) StoreProgress() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store
}

// Optimizer returns the optimizer (nil before the first Synthesize).
func (s *OptimizedSynthesis) Optimizer() Optimizer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opt
}

// Scheduler returns the learning-rate scheduler, if any.
func (s *OptimizedSynthesis) Scheduler() Scheduler {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sched
}

// RangePenaltyLambda returns the weight of the range penalty.
func (s *OptimizedSynthesis) RangePenaltyLambda() float64 { return s.lambda }

// AllowedRange returns the allowed pixel range.
func (s *OptimizedSynthesis) AllowedRange() [2]float64 { return [2]float64{s.lo, s.hi} }

// InitialImage returns the image the synthesis started from.
func (s *OptimizedSynthesis) InitialImage() *tensors.Tensor { return s.initial.tensor() }

// current returns a host copy of the synthesized image.
func (s *OptimizedSynthesis) current() *tensors.Tensor {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := localCopy(s.x)
	if err != nil {
		return nil
	}
	return t
}

// savedImages returns the stored pre-step images (shared, not copied).
func (s *OptimizedSynthesis) savedImages() []*tensors.Tensor {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.saved)
}

// savedAt returns the image stored before iteration it (a multiple of
// StoreProgress), or the current one when it is negative.
func (s *OptimizedSynthesis) savedAt(it int) (hostTensor, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case it < 0:
		return newHost(s.x)
	case s.store <= 0 || len(s.saved) == 0:
		return hostTensor{}, fmt.Errorf("no saved images: run Synthesize with StoreProgress > 0 to use an iteration (%d)", it)
	case it%s.store != 0:
		return hostTensor{}, fmt.Errorf("iteration %d was not stored: images are stored every %d iterations", it, s.store)
	case it/s.store >= len(s.saved):
		return hostTensor{}, fmt.Errorf("iteration %d was not stored: %d saved images (every %d iterations)", it, len(s.saved), s.store)
	}
	return newHost(s.saved[it/s.store])
}
