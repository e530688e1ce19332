package synth

import (
	"errors"
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// Optimizer updates a synthesized image from the gradient of the objective.
// The update runs inside the compiled synthesis step, so optimizers are the
// ones this package provides: *Adam (NewAdam) and *SGD (NewSGD).
//
// An optimizer belongs to the first synthesis that uses it (as a torch
// optimizer holds exactly one parameter); its state (moments, step count,
// learning rate) is kept between Synthesize calls and saved by Save.
type Optimizer interface {
	// LR returns the current learning rate.
	LR() float64
	// SetLR changes the learning rate used from the next step on (schedulers
	// call it).
	SetLR(lr float64)
	// Steps returns the number of steps taken (torch's state["step"]).
	Steps() int
	// InitialLR returns the learning rate the optimizer was made with
	// (torch's initial_lr; coarse-to-fine synthesis goes back to it at every
	// change of scale).
	InitialLR() float64
	// String describes the optimizer and its settings.
	String() string

	base() *optBase
	// kind names the compiled update (the graph differs per kind).
	kind() string
	// numState is the number of state tensors shaped like the image.
	numState() int
	// hyper returns the scalars of the next step (step count Steps()+1).
	hyper() []float64
	// update builds the step on the graph: the new image and state from the
	// image, its gradient, the hyper scalars (a vector) and the state.
	update(x, grad, hyper *Node, state []*Node) (*Node, []*Node)
	// settings returns the options for saving; restore sets them back.
	settings() optSettings
}

// optBase is the state every optimizer shares.
type optBase struct {
	lr      float64
	initial float64
	steps   int
	state   []*tensors.Tensor // numState tensors, nil before the first step
	owner   any               // the synthesis the optimizer is bound to
}

func (o *optBase) base() *optBase { return o }

// LR returns the current learning rate.
func (o *optBase) LR() float64 { return o.lr }

// SetLR changes the learning rate used from the next step on.
func (o *optBase) SetLR(lr float64) { o.lr = lr }

// Steps returns the number of steps taken.
func (o *optBase) Steps() int { return o.steps }

// InitialLR returns the learning rate the optimizer was made with.
func (o *optBase) InitialLR() float64 { return o.initial }

// bind attaches the optimizer to a synthesis object.
func bind(o Optimizer, owner any) error {
	b := o.base()
	if b.owner != nil && b.owner != owner {
		return errors.New("optimizer is already used by another synthesis (an optimizer holds exactly one image; make a new one)")
	}
	b.owner = owner
	return nil
}

// AdamOptions configures NewAdam. Zero values mean torch's defaults.
type AdamOptions struct {
	LR          float64 // learning rate (default 0.001, torch's default; Metamer's own default optimizer uses 0.01)
	Beta1       float64 // default 0.9
	Beta2       float64 // default 0.999
	Eps         float64 // default 1e-8
	WeightDecay float64 // L2 penalty added to the gradient (default 0)
	AMSGrad     bool    // keep the running maximum of the second moment
}

// Adam is torch.optim.Adam (single-tensor implementation), including its
// AMSGrad variant exactly as torch computes it: the running maximum is taken
// on the raw second moment, and the bias correction is applied afterwards:
//
//	t += 1; m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g·g; vmax = max(vmax, v)
//	denom = sqrt(vmax)/sqrt(1−β2ᵗ) + eps; x += (−lr/(1−β1ᵗ)) · m/denom
type Adam struct {
	optBase
	opts AdamOptions
}

// NewAdam returns an Adam optimizer, or an error for settings torch refuses
// (a learning rate that is not positive and finite, β outside [0, 1), a
// negative or non-finite ε or weight decay): checked here, so that a bad
// setting is not discovered as a NaN loss hundreds of iterations later.
func NewAdam(opts AdamOptions) (*Adam, error) {
	if opts.LR == 0 {
		opts.LR = 1e-3
	}
	if opts.Beta1 == 0 {
		opts.Beta1 = 0.9
	}
	if opts.Beta2 == 0 {
		opts.Beta2 = 0.999
	}
	if opts.Eps == 0 {
		opts.Eps = 1e-8
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case !(opts.LR > 0) || !finite(opts.LR):
		return nil, fmt.Errorf("synth: Adam: learning rate must be positive and finite, got %v", opts.LR)
	case !(opts.Beta1 >= 0 && opts.Beta1 < 1):
		return nil, fmt.Errorf("synth: Adam: invalid beta parameter at index 0: %v (must be in [0, 1))", opts.Beta1)
	case !(opts.Beta2 >= 0 && opts.Beta2 < 1):
		return nil, fmt.Errorf("synth: Adam: invalid beta parameter at index 1: %v (must be in [0, 1))", opts.Beta2)
	case !(opts.Eps >= 0) || !finite(opts.Eps):
		return nil, fmt.Errorf("synth: Adam: invalid epsilon value: %v", opts.Eps)
	case !(opts.WeightDecay >= 0) || !finite(opts.WeightDecay):
		return nil, fmt.Errorf("synth: Adam: invalid weight_decay value: %v", opts.WeightDecay)
	}
	return &Adam{optBase: optBase{lr: opts.LR, initial: opts.LR}, opts: opts}, nil
}

// Options returns the optimizer's settings (LR is the initial learning rate).
func (a *Adam) Options() AdamOptions { return a.opts }

// String describes the optimizer.
func (a *Adam) String() string {
	return fmt.Sprintf("Adam(lr=%g, betas=(%g, %g), eps=%g, weight_decay=%g, amsgrad=%v, step=%d)",
		a.lr, a.opts.Beta1, a.opts.Beta2, a.opts.Eps, a.opts.WeightDecay, a.opts.AMSGrad, a.steps)
}

func (a *Adam) kind() string {
	k := "adam"
	if a.opts.AMSGrad {
		k += "-amsgrad"
	}
	if a.opts.WeightDecay != 0 {
		k += "-wd"
	}
	return k
}

func (a *Adam) numState() int {
	if a.opts.AMSGrad {
		return 3
	}
	return 2
}

func (a *Adam) hyper() []float64 {
	t := float64(a.steps + 1)
	bc1 := 1 - math.Pow(a.opts.Beta1, t)
	bc2 := 1 - math.Pow(a.opts.Beta2, t)
	return []float64{
		-a.lr / bc1, math.Sqrt(bc2),
		a.opts.Beta1, 1 - a.opts.Beta1, a.opts.Beta2, 1 - a.opts.Beta2,
		a.opts.Eps, a.opts.WeightDecay,
	}
}

func (a *Adam) update(x, grad, h *Node, state []*Node) (*Node, []*Node) {
	s := func(i int) *Node { return hyperAt(h, i) }
	negStep, bc2sqrt, b1, omb1, b2, omb2, eps, wd := s(0), s(1), s(2), s(3), s(4), s(5), s(6), s(7)
	if a.opts.WeightDecay != 0 {
		grad = Add(grad, Mul(x, wd))
	}
	m := Add(Mul(state[0], b1), Mul(grad, omb1))
	v := Add(Mul(state[1], b2), Mul(Mul(grad, omb2), grad))
	vUse := v
	out := []*Node{m, v}
	if a.opts.AMSGrad {
		vUse = Max(state[2], v)
		out = append(out, vUse)
	}
	denom := Add(Div(Sqrt(vUse), bc2sqrt), eps)
	return Add(x, Mul(negStep, Div(m, denom))), out
}

// SGDOptions configures NewSGD. Zero values mean torch's defaults, except LR,
// which must be given.
type SGDOptions struct {
	LR          float64 // learning rate (required)
	Momentum    float64 // momentum factor (default 0)
	Dampening   float64 // dampening for momentum (default 0)
	Nesterov    bool    // Nesterov momentum (needs Momentum > 0 and Dampening 0)
	WeightDecay float64 // L2 penalty added to the gradient (default 0)
}

// SGD is torch.optim.SGD: plain gradient descent, optionally with
// (Nesterov) momentum; the first step initialises the momentum buffer with
// the gradient, as torch does.
type SGD struct {
	optBase
	opts SGDOptions
}

// NewSGD returns an SGD optimizer, or an error for invalid settings.
func NewSGD(opts SGDOptions) (*SGD, error) {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case !(opts.LR > 0) || !finite(opts.LR):
		return nil, fmt.Errorf("synth: SGD: learning rate must be positive and finite, got %v", opts.LR)
	case !(opts.Momentum >= 0) || !finite(opts.Momentum):
		return nil, fmt.Errorf("synth: SGD: invalid momentum value: %v", opts.Momentum)
	case !(opts.WeightDecay >= 0) || !finite(opts.WeightDecay):
		return nil, fmt.Errorf("synth: SGD: invalid weight_decay value: %v", opts.WeightDecay)
	case !finite(opts.Dampening):
		return nil, fmt.Errorf("synth: SGD: invalid dampening value: %v", opts.Dampening)
	case opts.Nesterov && (opts.Momentum <= 0 || opts.Dampening != 0):
		return nil, errors.New("synth: SGD: Nesterov momentum requires a momentum and zero dampening")
	}
	return &SGD{optBase: optBase{lr: opts.LR, initial: opts.LR}, opts: opts}, nil
}

// Options returns the optimizer's settings (LR is the initial learning rate).
func (s *SGD) Options() SGDOptions { return s.opts }

// String describes the optimizer.
func (s *SGD) String() string {
	return fmt.Sprintf("SGD(lr=%g, momentum=%g, dampening=%g, nesterov=%v, weight_decay=%g, step=%d)",
		s.lr, s.opts.Momentum, s.opts.Dampening, s.opts.Nesterov, s.opts.WeightDecay, s.steps)
}

func (s *SGD) kind() string {
	k := "sgd"
	switch {
	case s.opts.Nesterov:
		k += "-nesterov"
	case s.opts.Momentum != 0:
		k += "-momentum"
	}
	if s.opts.WeightDecay != 0 {
		k += "-wd"
	}
	return k
}

func (s *SGD) numState() int {
	if s.opts.Momentum != 0 {
		return 1
	}
	return 0
}

func (s *SGD) hyper() []float64 {
	first := 0.0
	if s.steps == 0 {
		first = 1
	}
	return []float64{-s.lr, s.opts.Momentum, 1 - s.opts.Dampening, s.opts.WeightDecay, first}
}

func (s *SGD) update(x, grad, h *Node, state []*Node) (*Node, []*Node) {
	negLR, mom, omd, wd, first := hyperAt(h, 0), hyperAt(h, 1), hyperAt(h, 2), hyperAt(h, 3), hyperAt(h, 4)
	d := grad
	if s.opts.WeightDecay != 0 {
		d = Add(d, Mul(x, wd))
	}
	var out []*Node
	if s.opts.Momentum != 0 {
		buf := Where(GreaterThan(first, ScalarZero(x.Graph(), x.DType())),
			d, Add(Mul(state[0], mom), Mul(d, omd)))
		out = []*Node{buf}
		if s.opts.Nesterov {
			d = Add(d, Mul(buf, mom))
		} else {
			d = buf
		}
	}
	return Add(x, Mul(d, negLR)), out
}

// hyperAt returns element i of the hyper-parameter vector as a scalar.
func hyperAt(h *Node, i int) *Node {
	return Reshape(Slice(h, AxisRange(i, i+1)))
}

// optSettings is the saved form of an optimizer.
type optSettings struct {
	Kind  string
	Adam  AdamOptions
	SGD   SGDOptions
	LR    float64
	Steps int
	State []hostTensor
}

func (a *Adam) settings() optSettings { return optSettings{Kind: "adam", Adam: a.opts} }
func (s *SGD) settings() optSettings  { return optSettings{Kind: "sgd", SGD: s.opts} }

// saveOptimizer captures an optimizer with its state.
func saveOptimizer(o Optimizer) (optSettings, error) {
	st := o.settings()
	b := o.base()
	st.LR, st.Steps = b.lr, b.steps
	for _, t := range b.state {
		h, err := newHost(t)
		if err != nil {
			return st, fmt.Errorf("optimizer state: %w", err)
		}
		st.State = append(st.State, h)
	}
	return st, nil
}

// restoreOptimizer rebuilds a saved optimizer.
func restoreOptimizer(st optSettings) (Optimizer, error) {
	var o Optimizer
	switch st.Kind {
	case "adam":
		a, err := NewAdam(st.Adam)
		if err != nil {
			return nil, err
		}
		o = a
	case "sgd":
		s, err := NewSGD(st.SGD)
		if err != nil {
			return nil, err
		}
		o = s
	default:
		return nil, fmt.Errorf("unknown optimizer kind %q in saved file: %w", st.Kind, ErrCorrupt)
	}
	b := o.base()
	b.lr, b.steps = st.LR, st.Steps
	if len(st.State) != 0 && len(st.State) != o.numState() {
		return nil, fmt.Errorf("saved %s optimizer has %d state tensors, want %d", st.Kind, len(st.State), o.numState())
	}
	for _, h := range st.State {
		b.state = append(b.state, h.tensor())
	}
	return o, nil
}

// Scheduler adjusts the learning rate once per iteration, after the
// optimizer step, from that iteration's loss (torch's scheduler.step(loss)).
// Step returns the learning rate to use from the next step on.
//
// NewReduceLROnPlateau provides torch's ReduceLROnPlateau. A custom
// Scheduler saved with Save must be registered with encoding/gob.
type Scheduler interface {
	Step(loss, lr float64) float64
}

// PlateauOptions configures NewReduceLROnPlateau. Zero values mean torch's
// defaults (mode "min", threshold mode "rel").
type PlateauOptions struct {
	Factor    float64 // multiplies the learning rate on a plateau (default 0.1)
	Patience  int     // bad iterations tolerated before reducing (default 10)
	Threshold float64 // relative improvement needed to count as better (default 1e-4)
	Cooldown  int     // iterations to wait after a reduction (default 0)
	MinLR     float64 // lower bound on the learning rate (default 0)
	Eps       float64 // reductions smaller than this are skipped (default 1e-8)
}

// ReduceLROnPlateau is torch.optim.lr_scheduler.ReduceLROnPlateau in mode
// "min" with relative threshold: the learning rate is multiplied by Factor
// once the loss has not improved on its best value by a relative Threshold
// for more than Patience iterations. Its fields are its state (exported so
// Save can store it).
type ReduceLROnPlateau struct {
	Opts           PlateauOptions
	Best           float64
	NumBadEpochs   int
	CooldownCount  int
	LastEpoch      int
	ReductionCount int
}

// NewReduceLROnPlateau returns the scheduler with torch's defaults for zero
// options (factor 0.1, patience 10, threshold 1e-4 relative).
func NewReduceLROnPlateau(opts PlateauOptions) (*ReduceLROnPlateau, error) {
	if opts.Factor == 0 {
		opts.Factor = 0.1
	}
	if opts.Patience == 0 {
		opts.Patience = 10
	}
	if opts.Threshold == 0 {
		opts.Threshold = 1e-4
	}
	if opts.Eps == 0 {
		opts.Eps = 1e-8
	}
	if !(opts.Factor < 1 && opts.Factor > 0) {
		return nil, errors.New("synth: ReduceLROnPlateau: Factor should be < 1.0")
	}
	if opts.Patience < 0 || opts.Cooldown < 0 || !(opts.MinLR >= 0) || !(opts.Threshold > 0) || !(opts.Eps >= 0) {
		return nil, errors.New("synth: ReduceLROnPlateau: patience, cooldown, min_lr and eps must be non-negative, threshold positive")
	}
	return &ReduceLROnPlateau{Opts: opts, Best: math.Inf(1)}, nil
}

// Step records one iteration's loss and returns the learning rate to use.
func (r *ReduceLROnPlateau) Step(loss, lr float64) float64 {
	r.LastEpoch++
	if loss < r.Best*(1-r.Opts.Threshold) {
		r.Best = loss
		r.NumBadEpochs = 0
	} else {
		r.NumBadEpochs++
	}
	if r.CooldownCount > 0 {
		r.CooldownCount--
		r.NumBadEpochs = 0
	}
	if r.NumBadEpochs > r.Opts.Patience {
		newLR := math.Max(lr*r.Opts.Factor, r.Opts.MinLR)
		if lr-newLR > r.Opts.Eps {
			lr = newLR
			r.ReductionCount++
		}
		r.CooldownCount = r.Opts.Cooldown
		r.NumBadEpochs = 0
	}
	return lr
}
