package synth

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"

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
	// Log receives plenoptic's messages and warnings, such as "Loss has
	// converged, stopping synthesis" (default os.Stderr; io.Discard
	// silences them).
	Log io.Writer
}

// Metamer synthesizes an image whose model representation matches that of a
// target image (plenoptic's po.synthesize.Metamer). Create it with
// NewMetamer, run Synthesize (repeatedly, to resume), and read the results
// with the accessors. The batch is matched one-to-one: target i is matched
// by metamer i, and the loss is taken over all batch items jointly.
type Metamer struct {
	OptimizedSynthesis
	model   models.Model
	lossFn  LossFunc
	custom  bool // a user loss function
	image   hostTensor
	target  hostTensor
	targetT *tensors.Tensor // the target representation on the backend
}

// NewMetamer prepares a metamer synthesis of image (a 4-D float tensor
// [B, C, H, W] with values inside the allowed range) for model. It checks,
// as plenoptic does, the penalty weight, the image, the model (its output on
// the image must be a finite 3-D or 4-D float tensor of the image's dtype
// that depends on the image) and the initial image, and computes the target
// representation.
func NewMetamer(image *tensors.Tensor, model models.Model, opts MetamerOptions) (m *Metamer, err error) {
	defer catch(&err, "NewMetamer")
	pen, err := resolvePenalty(opts.RangePenaltyLambda, opts.NoRangePenalty, opts.AllowedRange)
	if err != nil {
		return nil, err
	}
	if model == nil {
		return nil, fmt.Errorf("model is nil")
	}
	if err := tools.ValidateInput(image, tools.InputOptions{AllowedRange: [2]float64{pen.lo, pen.hi}}); err != nil {
		return nil, err
	}
	be, err := pickBackend(opts.Backend)
	if err != nil {
		return nil, err
	}
	m = &Metamer{model: model, lossFn: opts.LossFunction}
	if m.lossFn == nil {
		m.lossFn = tools.MSE
	} else {
		m.custom = true
	}
	if m.image, err = newHost(image); err != nil {
		return nil, err
	}
	m.init(be, StageMetamer, opts.Log, m.image, pen)
	if m.target, err = checkedRepresentation(be, model, m.image); err != nil {
		return nil, err
	}
	if err := checkDependsOnInput(be, model, m.image, m.target); err != nil {
		return nil, err
	}
	var initial hostTensor
	if opts.InitialImage == nil {
		initial = noise(m.image, opts.Seed, pen.lo, pen.hi)
	} else {
		if initial, err = checkInitial(opts.InitialImage, m.image); err != nil {
			return nil, err
		}
	}
	m.setInitial(initial)
	m.targetT = m.target.tensor()
	if err := m.checkLoss(); err != nil {
		return nil, err
	}
	return m, nil
}

// checkInitial validates an initial image against the image: rank, shape,
// finite values; it is cast to the image's dtype, as plenoptic does.
func checkInitial(t *tensors.Tensor, img hostTensor) (hostTensor, error) {
	if t == nil {
		return hostTensor{}, fmt.Errorf("initial_image is nil")
	}
	if t.Rank() < 4 {
		return hostTensor{}, fmt.Errorf("initial_image must be [n_batch, n_channels, im_height, im_width] but got shape %v: %w", t.Shape().Dimensions, tools.ErrShape)
	}
	if !slices.Equal(t.Shape().Dimensions, img.Dims) {
		return hostTensor{}, fmt.Errorf("initial_image and image must be same size (got %v and %v): %w", t.Shape().Dimensions, img.Dims, tools.ErrShape)
	}
	h, err := newHost(t)
	if err != nil {
		return hostTensor{}, fmt.Errorf("initial_image: %w", err)
	}
	if i, ok := allFinite(h.Data); !ok {
		return hostTensor{}, fmt.Errorf("initial_image has a non-finite value %v at flat index %d", h.Data[i], i)
	}
	h.DType = img.DType
	return h, nil
}

// checkLoss builds (without compiling) the loss on the representation's
// shape, reporting a loss function that fails or does not return a scalar.
func (m *Metamer) checkLoss() (err error) {
	if !m.custom {
		return nil
	}
	g := NewGraph(m.be, "check_loss")
	defer g.Finalize()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("loss function failed: %v", r)
		}
	}()
	sh := shapes.Make(m.target.dtype(), m.target.Dims...)
	loss := m.lossFn(Parameter(g, "rep", sh), Parameter(g, "target", sh))
	if loss == nil || loss.Rank() != 0 {
		var got any = "nil"
		if loss != nil {
			got = loss.Shape()
		}
		return fmt.Errorf("loss function must return a scalar, got %v", got)
	}
	return nil
}

// noise is plenoptic's default initial image: rescale(rand_like(image), lo,
// hi), the uniform values drawn from tools.Rand (the stand-in for torch's
// global generator, seeded by tools.Seed) or, when seed is not zero, from a
// private generator seeded with it.
func noise(img hostTensor, seed uint64, lo, hi float64) hostTensor {
	n := img.size()
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
	h := hostTensor{DType: img.DType, Dims: slices.Clone(img.Dims), Data: make([]float64, n)}
	mn, mx := math.Inf(1), math.Inf(-1)
	for i, x := range u {
		v := float64(float32(x))
		h.Data[i] = v
		mn, mx = min(mn, v), max(mx, v)
	}
	for i, v := range h.Data {
		if mx > mn {
			h.Data[i] = lo + (v-mn)/(mx-mn)*(hi-lo)
		} else {
			h.Data[i] = lo
		}
	}
	return h
}

// The method interface for the optimisation loop.

func (m *Metamer) stepKey() any {
	if m.custom { // the loss function makes the graph specific to this object
		return m
	}
	return m.model
}

func (m *Metamer) stepKind() string { return "metamer-step" }

func (m *Metamer) stepInputs() []*tensors.Tensor { return []*tensors.Tensor{m.targetT} }

func (m *Metamer) objective(x *Node, in []*Node) *Node {
	return m.lossFn(forward(m.model, x), in[0])
}

// Synthesize runs up to MaxIter iterations of the optimizer on the metamer,
// recording (before each step) the loss, the gradient norm and, after it,
// the pixel-change norm, storing pre-step images every StoreProgress
// iterations and stopping early when the loss has converged (the warning
// "Loss has converged, stopping synthesis" goes to the Log writer). A second
// call resumes where the first stopped, with the same optimizer state. A
// step with a non-finite loss or image returns an error wrapping ErrNaNLoss
// and keeps the last finite metamer and optimizer state, so that the
// synthesis can resume (with a lower learning rate, say).
func (m *Metamer) Synthesize(opts SynthesizeOptions) (err error) {
	defer catch(&err, "Metamer.Synthesize")
	return m.run(m, m, opts)
}

// Image returns the target image (a host copy).
func (m *Metamer) Image() *tensors.Tensor { return m.image.tensor() }

// Metamer returns the current metamer (a host copy; nil only if the copy
// fails).
func (m *Metamer) Metamer() *tensors.Tensor { return m.current() }

// TargetRepresentation returns the model's representation of the image.
func (m *Metamer) TargetRepresentation() *tensors.Tensor { return m.target.tensor() }

// SavedMetamers returns the stored pre-step metamers (host tensors shaped
// like the image): entry j is the metamer before iteration j·StoreProgress().
// It is empty when StoreProgress is 0. The tensors are shared, not copied
// (an animation reads them once per frame): do not modify them.
func (m *Metamer) SavedMetamers() []*tensors.Tensor { return m.savedImages() }

// Model returns the model.
func (m *Metamer) Model() models.Model { return m.model }

// Objective returns the objective (loss plus weighted range penalty) of the
// current metamer; it is not recorded in Losses.
func (m *Metamer) Objective() (v float64, err error) {
	defer catch(&err, "Metamer.Objective")
	return m.objectiveAt(m.current())
}

// objectiveAt evaluates the objective at x.
func (m *Metamer) objectiveAt(x *tensors.Tensor) (float64, error) {
	e, release, err := acquireExec(m.be, m.stepKey(), "metamer-objective", func() (*Exec, error) {
		return NewExec(m.be, func(x, target, ph *Node) *Node {
			return penalized(m.lossFn(forward(m.model, x), target), x, ph)
		})
	})
	if err != nil {
		return 0, err
	}
	defer release()
	return execScalar(e, x, m.targetT, m.penaltyHyper())
}

// RepresentationError returns model(metamer) − target representation for
// the metamer saved before synthesis iteration `iteration` (a multiple of
// StoreProgress(), i.e. SavedMetamers()[iteration/StoreProgress()]), or for
// the current metamer when iteration is negative.
func (m *Metamer) RepresentationError(iteration int) (t *tensors.Tensor, err error) {
	defer catch(&err, "Metamer.RepresentationError")
	img, err := m.savedAt(iteration)
	if err != nil {
		return nil, err
	}
	rep, err := evalOn(m.be, m.model, img.tensor())
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
