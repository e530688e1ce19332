package synth

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/models"
)

// ScaledModel is a model whose representation is made of scales that can be
// computed on their own (the steerable-pyramid models, such as
// models.PortillaSimoncelli): what coarse-to-fine synthesis needs.
type ScaledModel interface {
	models.Model
	// Scales lists the model's scales, coarsest first, as ForwardScales
	// names them.
	Scales() []string
	// ForwardScales builds the part of the representation that belongs to
	// the given scales (all of them for nil).
	ForwardScales(x *Node, scales []string) *Node
}

// scaleMasker is what a ScaledModel can add so that coarse-to-fine synthesis
// compiles one step for all its stages: a 0/1 weight for each element of
// the last axis of its whole representation, 1 for the given scales
// (models.PortillaSimoncelli has it).
type scaleMasker interface {
	ScaleMask(scales []string) ([]float64, error)
}

// CoarseToFine says how MetamerCTF moves through the scales.
type CoarseToFine string

// The coarse-to-fine schedules of plenoptic.
const (
	// Together starts with the coarsest scale and adds each finer one in
	// turn (plenoptic's 'together', the default).
	Together CoarseToFine = "together"
	// Separate optimizes each scale on its own, then all of them together.
	Separate CoarseToFine = "separate"
)

// allScales names the last stage of a coarse-to-fine schedule.
const allScales = "all"

// MetamerCTFOptions configures NewMetamerCTF: the metamer's options, the
// schedule, and the rules for moving to the next scale (plenoptic passes
// the last two to synthesize; here they are fixed for the synthesis).
type MetamerCTFOptions struct {
	MetamerOptions
	// CoarseToFine is Together (default) or Separate.
	CoarseToFine CoarseToFine
	// ChangeScaleCriterion: a scale is finished once its loss changed by
	// less than this over the last CtfItersToCheck iterations (default
	// 1e-2). Synthesize's StopCriterion must be smaller.
	ChangeScaleCriterion float64
	// NoChangeScaleCriterion moves to the next scale as soon as a scale has
	// run CtfItersToCheck iterations (plenoptic's change_scale_criterion=None).
	NoChangeScaleCriterion bool
	// CtfItersToCheck is the least number of iterations at each scale and
	// the window of the scale's loss test (default 50).
	CtfItersToCheck int
}

// metamerBase names the embedded Metamer so that the embedded field does not
// shadow the Metamer() accessor.
type metamerBase = Metamer

// MetamerCTF is a metamer synthesis that works coarse to fine (plenoptic's
// po.synthesize.MetamerCTF, Portilla & Simoncelli 2000): it first matches
// only the coarsest scale of the representation, then adds (Together) or
// moves to (Separate) the finer ones, and finally matches all of them,
// going back to the optimizer's initial learning rate at each change. Losses
// records the loss of the whole representation; ScalesLoss that of the
// scales being optimized.
//
// For a model with a ScaleMask method (models.PortillaSimoncelli), every
// stage uses one compiled step: the loss compares the whole representation,
// with the statistics of the other scales taken from the target, which is
// the loss of the restricted representation for sum-based losses such as
// the L2 norm (PS's loss); a mean such as MSE is then scaled by the fraction
// of statistics optimized. Other models get one compiled step per stage,
// from ForwardScales.
type MetamerCTF struct {
	*metamerBase
	scaled     ScaledModel
	mode       CoarseToFine
	criterion  float64 // NaN for none
	ctfIters   int
	scales     []string // still to do; scales[0] is being optimized
	finished   []string
	timing     map[string][]int
	scalesLoss []float64
	partial    *tensors.Tensor // the target's representation restricted to the current scales
	masker     scaleMasker     // non-nil: one step for every stage, weighted by a mask
	mask       *tensors.Tensor // the current stage's mask
	rep        *Node           // while building the masked step: the representation at x
}

// NewMetamerCTF prepares a coarse-to-fine metamer synthesis of image for
// model, with the checks of NewMetamer and plenoptic's
// validate_coarse_to_fine (the model has scales, and restricting the scales
// changes the shape of its output).
func NewMetamerCTF(image *tensors.Tensor, model ScaledModel, opts MetamerCTFOptions) (m *MetamerCTF, err error) {
	defer catch(&err, "NewMetamerCTF")
	switch opts.CoarseToFine {
	case "":
		opts.CoarseToFine = Together
	case Together, Separate:
	default:
		return nil, fmt.Errorf("don't know how to handle value %q: must be one of: %q, %q", opts.CoarseToFine, Together, Separate)
	}
	if opts.CtfItersToCheck < 0 {
		return nil, fmt.Errorf("ctf_iters_to_check must be positive, got %d", opts.CtfItersToCheck)
	}
	if opts.CtfItersToCheck == 0 {
		opts.CtfItersToCheck = 50
	}
	criterion := opts.ChangeScaleCriterion
	switch {
	case opts.NoChangeScaleCriterion:
		criterion = math.NaN()
	case criterion == 0:
		criterion = 1e-2
	case criterion < 0 || math.IsNaN(criterion):
		return nil, fmt.Errorf("change_scale_criterion must be positive, got %v", criterion)
	}
	if model == nil {
		return nil, errors.New("model is nil")
	}
	base, err := NewMetamer(image, model, opts.MetamerOptions)
	if err != nil {
		return nil, err
	}
	m = &MetamerCTF{metamerBase: base, scaled: model, mode: opts.CoarseToFine, criterion: criterion, ctfIters: opts.CtfItersToCheck}
	m.kind = StageMetamerCTF
	if err := m.validateScales(); err != nil {
		return nil, err
	}
	all := model.Scales()
	m.scales = slices.Clone(all[:len(all)-1])
	if m.mode == Separate {
		m.scales = append(m.scales, all[len(all)-1])
	}
	m.scales = append(m.scales, allScales)
	m.timing = map[string][]int{}
	for _, s := range m.scales {
		m.timing[s] = []int{}
	}
	m.timing[m.scales[0]] = []int{0}
	m.masker, _ = model.(scaleMasker)
	return m, nil
}

// validateScales checks, by building (not running) the model's graph, that
// it has scales and that each scale set the synthesis uses gives an output
// of another shape than the whole representation.
func (m *MetamerCTF) validateScales() (err error) {
	all := m.scaled.Scales()
	if len(all) == 0 {
		return errors.New("model has no scales and therefore we cannot do coarse-to-fine synthesis")
	}
	g := NewGraph(m.be, "validate_coarse_to_fine")
	defer g.Finalize()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("model %T failed to compute some of its scales: %v", m.scaled, r)
		}
	}()
	x := Parameter(g, "image", shapes.Make(m.image.dtype(), m.image.Dims...))
	full := m.scaled.ForwardScales(x, nil).Shape()
	for i := range len(all) - 1 {
		sets := [][]string{all[i : i+1], all[:i+1]}
		for _, sc := range sets {
			if m.scaled.ForwardScales(x, sc).Shape().Equal(full) {
				return fmt.Errorf("output of model forward method doesn't change shape when scales=%v, and therefore we cannot do coarse-to-fine synthesis", sc)
			}
		}
	}
	return nil
}

// current returns the scales the objective uses now (nil: all of them).
func (m *MetamerCTF) currentScales() []string {
	if m.scales[0] == allScales {
		return nil
	}
	sc := []string{m.scales[0]}
	if m.mode == Together {
		sc = append(sc, m.finished...)
	}
	return sc
}

// partialTarget computes (once per scale set) the image's representation on
// the current scales.
func (m *MetamerCTF) partialTarget() (*tensors.Tensor, error) {
	if m.partial != nil {
		return m.partial, nil
	}
	sc := m.currentScales()
	if sc == nil {
		m.partial = m.targetT
		return m.partial, nil
	}
	e, release, err := acquireExec(m.be, m.model, fmt.Sprintf("ctf-target-%q", sc), func() (*Exec, error) {
		return NewExec(m.be, func(x *Node) *Node { return m.scaled.ForwardScales(x, sc) })
	})
	if err != nil {
		return nil, err
	}
	defer release()
	if m.partial, err = e.Exec1(m.image.tensor()); err != nil {
		return nil, err
	}
	return m.partial, nil
}

// The method interface for the optimisation loop.

// stepKey shares compiled steps between syntheses of one model (and the
// default loss): the graph depends on the scales, which stepKind names.
func (m *MetamerCTF) stepKey() any {
	if m.custom {
		return m
	}
	return m.model
}

func (m *MetamerCTF) stepKind() string {
	if m.masker != nil {
		return "ctf-step-masked"
	}
	return fmt.Sprintf("ctf-step-%q", m.currentScales())
}

// The step graph reads the scales when it is built: objective and stats
// capture them then (stepKind keys the cache by them).

func (m *MetamerCTF) stepInputs() []*tensors.Tensor {
	if m.masker != nil {
		mask, err := m.currentMask()
		if err != nil {
			panic(err)
		}
		return []*tensors.Tensor{mask, m.targetT}
	}
	t, err := m.partialTarget()
	if err != nil {
		panic(err)
	}
	return []*tensors.Tensor{t, m.targetT}
}

// currentMask computes (once per stage) the mask of the current scales.
func (m *MetamerCTF) currentMask() (*tensors.Tensor, error) {
	if m.mask != nil {
		return m.mask, nil
	}
	sc := m.currentScales()
	if sc == nil {
		sc = m.scaled.Scales()
	}
	w, err := m.masker.ScaleMask(sc)
	if err != nil {
		return nil, err
	}
	m.mask = makeTensor(w, m.target.dtype(), []int{len(w)})
	return m.mask, nil
}

// masked returns the representation with the statistics outside the mask
// replaced by the target's.
func masked(rep, mask, target *Node) *Node {
	d := rep.Shape().Dimensions
	w := mask
	if mask.Shape().Size() == rep.Shape().Size() {
		w = Reshape(mask, d...)
	} else {
		shape := make([]int, len(d))
		for i := range shape {
			shape[i] = 1
		}
		shape[len(d)-1] = d[len(d)-1]
		w = BroadcastToShape(Reshape(mask, shape...), rep.Shape())
	}
	w = ConvertDType(w, rep.DType())
	return Add(target, Mul(w, Sub(rep, target)))
}

func (m *MetamerCTF) objective(x *Node, in []*Node) *Node {
	if m.masker != nil {
		m.rep = forward(m.model, x)
		return m.lossFn(masked(m.rep, in[0], in[1]), in[1])
	}
	return m.lossFn(m.scaled.ForwardScales(x, m.currentScales()), in[0])
}

// stats is the objective of the whole representation at the image before
// the step (plenoptic's overall_loss, range penalty included), while only
// some scales are optimized.
func (m *MetamerCTF) stats(x, _ *Node, in []*Node, ph *Node) []*Node {
	if m.masker != nil { // the one step serves every stage: always report the whole loss
		return []*Node{penalized(m.lossFn(StopGradient(m.rep), in[1]), StopGradient(x), ph)}
	}
	if m.currentScales() == nil {
		return nil
	}
	xs := StopGradient(x)
	return []*Node{penalized(m.lossFn(forward(m.model, xs), in[1]), xs, ph)}
}

// record keeps the scales' loss and returns the whole objective for
// Losses; the scheduler steps with the scales' loss, as plenoptic's does.
func (m *MetamerCTF) record(obj float64, stats []float64) (float64, float64) {
	m.scalesLoss = append(m.scalesLoss, obj)
	if len(stats) == 0 {
		return obj, obj
	}
	return stats[0], obj
}

func (m *MetamerCTF) unrecord() { m.scalesLoss = m.scalesLoss[:len(m.scalesLoss)-1] }

func (m *MetamerCTF) converged(criterion float64, k, i int) bool {
	if !lossConverged(m.losses, criterion, k) || m.scales[0] != allScales {
		return false
	}
	return i-m.timing[allScales][0] > m.ctfIters
}

// beforeIteration finishes the current scale when its loss has settled
// (plenoptic's rule: more than one stage left, at least CtfItersToCheck
// scale losses, a change below ChangeScaleCriterion over that window, and
// at least CtfItersToCheck iterations at this scale): it records the
// timing, moves on, and goes back to the initial learning rate.
func (m *MetamerCTF) beforeIteration() bool {
	k := m.ctfIters
	n := len(m.scalesLoss)
	if len(m.scales) <= 1 || n < k {
		return false
	}
	if !math.IsNaN(m.criterion) && !(math.Abs(m.scalesLoss[n-1]-m.scalesLoss[n-k]) < m.criterion) {
		return false
	}
	cur := m.scales[0]
	if len(m.losses)-m.timing[cur][0] < k {
		return false
	}
	m.timing[cur] = append(m.timing[cur], len(m.losses)-1)
	m.finished = append(m.finished, cur)
	m.scales = m.scales[1:]
	m.timing[m.scales[0]] = append(m.timing[m.scales[0]], len(m.losses))
	m.opt.SetLR(m.opt.InitialLR())
	if m.partial != nil && m.partial != m.targetT {
		finalize(m.partial)
	}
	m.partial = nil
	if m.mask != nil {
		finalize(m.mask)
		m.mask = nil
	}
	return m.masker == nil // a masked step needs no rebuilding: its mask is an input
}

// Synthesize runs up to MaxIter iterations of coarse-to-fine synthesis
// (see Metamer.Synthesize for the records, stored progress, resumption and
// non-finite-step protection). It stops early only once the whole
// representation is being matched, has been for more than CtfItersToCheck
// iterations of this call, and its loss has converged.
func (m *MetamerCTF) Synthesize(opts SynthesizeOptions) (err error) {
	defer catch(&err, "MetamerCTF.Synthesize")
	o, err := opts.WithDefaults()
	if err != nil {
		return err
	}
	if !math.IsNaN(m.criterion) && o.StopCriterion >= m.criterion {
		return errors.New("stop_criterion must be strictly less than change_scale_criterion, or things get weird") // plenoptic's words
	}
	return m.run(m, m, opts)
}

// Scales returns the stages still to run, the current one first (the last
// is "all").
func (m *MetamerCTF) Scales() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.scales)
}

// ScalesFinished returns the scales already done, in order.
func (m *MetamerCTF) ScalesFinished() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.finished)
}

// ScalesLoss returns the loss of the scales being optimized at every
// iteration.
func (m *MetamerCTF) ScalesLoss() []float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.scalesLoss)
}

// ScalesTiming returns, for each stage, the iteration where it started and,
// once finished, the last iteration it ran.
func (m *MetamerCTF) ScalesTiming() map[string][]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := maps.Clone(m.timing)
	for k, v := range out {
		out[k] = slices.Clone(v)
	}
	return out
}

// CoarseToFine returns the schedule.
func (m *MetamerCTF) CoarseToFine() CoarseToFine { return m.mode }
