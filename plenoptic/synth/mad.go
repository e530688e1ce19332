package synth

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"unsafe"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/tools"
)

// Metric compares two images on the graph and returns a scalar that is 0 if
// and only if they are equal, and grows as they differ (MAD Competition's
// optimized and reference metrics). It is called as metric(image,
// synthesized), the reference image first, as plenoptic does. tools.MSE is
// one; the metric package has SSIM-based distances and NLPD.
type Metric func(a, b *Node) *Node

// MADTarget says whether MAD Competition minimizes or maximizes the
// optimized metric.
type MADTarget string

// The two MAD Competition targets (plenoptic's minmax 'min' and 'max').
const (
	Minimize MADTarget = "min"
	Maximize MADTarget = "max"
)

// MADOptions configures NewMADCompetition. Zero values mean plenoptic's
// defaults.
type MADOptions struct {
	// InitialNoise is the standard deviation of the Gaussian noise added to
	// the image to start the synthesis (default 0.1); the noisy image is
	// clamped to the allowed range.
	InitialNoise float64
	// MetricTradeoffLambda weighs the reference metric's squared change in
	// the objective. Zero (plenoptic's None) picks the power of ten closest to
	// optimized/reference metric at the start, and warns.
	MetricTradeoffLambda float64
	// RangePenaltyLambda weighs the range penalty (default 0.1; set
	// NoRangePenalty for 0).
	RangePenaltyLambda float64
	// NoRangePenalty sets the range penalty's weight to 0.
	NoRangePenalty bool
	// AllowedRange is the pixel range (default (0, 1)).
	AllowedRange [2]float64
	// InitialImage, when given, replaces image + noise as the start (for
	// reproducing a plenoptic run exactly); it must have the image's shape
	// and lie in the allowed range.
	InitialImage *tensors.Tensor
	// Seed, when not zero, seeds a private generator for the initial noise;
	// zero draws it from tools.Randn (seeded by tools.Seed).
	Seed uint64
	// Backend to compute on (default: backend.Default()).
	Backend backends.Backend
	// Log receives plenoptic's messages and warnings (default os.Stderr).
	Log io.Writer
}

// MADCompetition synthesizes one maximally differentiating image for two
// metrics (plenoptic's po.synthesize.MADCompetition; Wang & Simoncelli,
// 2008): starting from a noisy copy of the image, it minimizes or maximizes
// the optimized metric between the image and the synthesized one while
// holding the reference metric at its starting value. The objective is
//
//	t·optimized(image, x) + λ·(reference(image, x₀) − reference(image, x))² + λ_range·penalty(x)
//
// with t = 1 for Minimize and −1 for Maximize. A full MAD set is four
// syntheses: Minimize and Maximize for each metric as the optimized one.
type MADCompetition struct {
	OptimizedSynthesis
	image       hostTensor
	imageT      *tensors.Tensor
	optimized   Metric
	reference   Metric
	target      MADTarget
	tradeoff    float64
	refTarget   float64 // reference(image, initial)
	optLosses   []float64
	refLosses   []float64
	initialized bool
}

// scalarMetric evaluates metric(a, b) as a scalar: like plenoptic (which
// calls .item()), any output with one element is taken (metric.SSIM and
// metric.MSE give [1, 1] for one image pair); another output panics with
// plenoptic's message (naming a named metric function).
func scalarMetric(metric Metric, a, b *Node) *Node {
	v := metric(a, b)
	if v == nil || v.Shape().Size() != 1 {
		var shape any = "nil"
		if v != nil {
			shape = v.Shape().Dimensions
		}
		which := "metric"
		if n := funcName(metric); n != "" {
			which = "metric " + n
		}
		panic(fmt.Errorf("%s should return a scalar value but output had shape %v", which, shape))
	}
	return Reshape(v)
}

// funcID identifies a function value: the address of its closure record
// (a named function has one static record; each closure made at run time
// its own). Compiled graphs are cached by the metrics' IDs, so syntheses
// with the same metric functions share them; like a model, a metric must
// build the same computation every time it is called. The cache keeps the
// pointer, so the record cannot be freed and its address reused while a
// graph is cached under it.
func funcID(f Metric) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&f)) }

// metricsKey identifies the graphs of a pair of metrics (in order).
type metricsKey struct{ first, second unsafe.Pointer }

// metricPair evaluates the reference and the optimized metric of two
// images in one compiled graph (validation, the records at the start,
// the checks of Save and Load), shared by every synthesis with the same
// two metrics in either role.
func (m *MADCompetition) metricPair(a, b *tensors.Tensor) (ref, opt float64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("metric failed on two images of shape %v: %v", m.image.Dims, r)
		}
	}()
	first, second, swapped := m.reference, m.optimized, false
	if uintptr(funcID(first)) > uintptr(funcID(second)) {
		first, second, swapped = second, first, true
	}
	e, release, err := acquireExec(m.be, metricsKey{funcID(first), funcID(second)}, "mad-metrics", func() (*Exec, error) {
		return NewExec(m.be, func(a, b *Node) (*Node, *Node) {
			return scalarMetric(first, a, b), scalarMetric(second, a, b)
		})
	})
	if err != nil {
		return 0, 0, err
	}
	defer release()
	outs, err := e.Exec(a, b)
	if err != nil {
		return 0, 0, err
	}
	defer finalize(outs...)
	r, err := float64s(outs[0])
	if err != nil {
		return 0, 0, err
	}
	o, err := float64s(outs[1])
	if err != nil {
		return 0, 0, err
	}
	if swapped {
		r, o = o, r
	}
	return r[0], o[0], nil
}

// validateMetrics is plenoptic's validate_metric for both metrics, the
// optimized one first: each must return one value, at most 5e-7 for two
// identical images and non-negative for two different images (20 random
// pairs, as plenoptic; random images of the image's shape and dtype from a
// private generator).
func (m *MADCompetition) validateMetrics() error {
	if m.optimized == nil {
		return errors.New("optimized metric is nil")
	}
	if m.reference == nil {
		return errors.New("reference metric is nil")
	}
	r := rand.New(rand.NewPCG(0x3ad, uint64(m.image.size())))
	random := func() *tensors.Tensor {
		v := make([]float64, m.image.size())
		for i := range v {
			v[i] = r.Float64()
		}
		return makeTensor(v, m.image.dtype(), m.image.Dims)
	}
	test := random()
	var same [2]float64
	var err error
	if same[1], same[0], err = m.metricPair(test, test); err != nil {
		return err
	}
	var diff [2][]float64
	for range 20 {
		ref, opt, err := m.metricPair(test, random())
		if err != nil {
			return err
		}
		diff[0], diff[1] = append(diff[0], opt), append(diff[1], ref)
	}
	for i, name := range []string{"optimized", "reference"} {
		if !(same[i] <= 5e-7) {
			return fmt.Errorf("%s metric should return <= 5e-7 on two identical images but got %v", name, same[i])
		}
		for _, v := range diff[i] {
			if !(v >= 0) {
				return fmt.Errorf("%s metric should always return non-negative numbers, got %v", name, v)
			}
		}
	}
	return nil
}

// NewMADCompetition prepares the MAD Competition synthesis of image that
// minimizes or maximizes (target) the optimized metric while holding the
// reference metric fixed. It checks, as plenoptic does, the image (inside
// the allowed range), both metrics (validate_metric), the target and the
// weights; with no MetricTradeoffLambda it sets one and warns, as plenoptic
// does: "Since metric_tradeoff_lamda was None, automatically set to … to
// roughly balance metrics.".
func NewMADCompetition(image *tensors.Tensor, optimized, reference Metric, target MADTarget, opts MADOptions) (m *MADCompetition, err error) {
	defer catch(&err, "NewMADCompetition")
	if target != Minimize && target != Maximize {
		return nil, fmt.Errorf("synthesis_target must be one of {'min', 'max'}, but got value %q instead", target)
	}
	pen, err := resolvePenalty(opts.RangePenaltyLambda, opts.NoRangePenalty, opts.AllowedRange)
	if err != nil {
		return nil, err
	}
	switch {
	case opts.MetricTradeoffLambda < 0 || math.IsNaN(opts.MetricTradeoffLambda) || math.IsInf(opts.MetricTradeoffLambda, 0):
		return nil, fmt.Errorf("metric_tradeoff_lambda must be non-negative and finite, got %v", opts.MetricTradeoffLambda)
	case opts.InitialNoise < 0 || math.IsNaN(opts.InitialNoise) || math.IsInf(opts.InitialNoise, 0):
		return nil, fmt.Errorf("initial_noise must be non-negative and finite, got %v", opts.InitialNoise)
	}
	if err := tools.ValidateInput(image, tools.InputOptions{AllowedRange: [2]float64{pen.lo, pen.hi}}); err != nil {
		return nil, err
	}
	be, err := pickBackend(opts.Backend)
	if err != nil {
		return nil, err
	}
	m = &MADCompetition{optimized: optimized, reference: reference, target: target}
	if m.image, err = newHost(image); err != nil {
		return nil, err
	}
	m.init(be, StageMAD, opts.Log, m.image, pen)
	if err := m.validateMetrics(); err != nil {
		return nil, err
	}
	var initial hostTensor
	if opts.InitialImage != nil {
		if initial, err = checkInitial(opts.InitialImage, m.image); err != nil {
			return nil, err
		}
		for i, v := range initial.Data {
			if v < pen.lo || v > pen.hi {
				return nil, fmt.Errorf("initial_image value %g at flat index %d lies outside the allowed range (%g, %g)", v, i, pen.lo, pen.hi)
			}
		}
	} else {
		noise := opts.InitialNoise
		if noise == 0 {
			noise = 0.1
		}
		initial = noisyCopy(m.image, noise, opts.Seed, pen.lo, pen.hi)
	}
	m.setInitial(initial)
	m.imageT = m.image.tensor()
	ref, opt, err := m.metricsAt(initial.tensor())
	if err != nil {
		return nil, err
	}
	m.refTarget = ref
	m.refLosses, m.optLosses = []float64{ref}, []float64{opt}
	m.tradeoff = opts.MetricTradeoffLambda
	if m.tradeoff == 0 {
		if ref == 0 {
			return nil, errors.New("the reference metric is 0 at the initial image: the image and its noisy start are equal (InitialNoise 0?), so no metric_tradeoff_lambda can be picked; set MetricTradeoffLambda")
		}
		ratio := opt / ref
		if m.image.DType == "float32" {
			ratio = float64(float32(ratio))
		}
		m.tradeoff = math.Pow(10, math.RoundToEven(math.Log10(ratio)))
		if m.image.DType == "float32" { // plenoptic computes it as a float32 tensor
			m.tradeoff = float64(float32(m.tradeoff))
		}
		fmt.Fprintf(m.log, "UserWarning: Since metric_tradeoff_lamda was None, automatically set to %s to roughly balance metrics.\n", pyRepr(m.tradeoff))
	}
	m.initialized = true
	return m, nil
}

// noisyCopy is plenoptic's MAD start: clamp(image + noise·randn_like(image),
// lo, hi), the normal values from tools.Randn or, when seed is not zero, a
// private generator.
func noisyCopy(img hostTensor, noise float64, seed uint64, lo, hi float64) hostTensor {
	n := img.size()
	var z []float64
	if seed == 0 {
		z = tools.Randn(n)
	} else {
		r := rand.New(rand.NewPCG(seed, 0x6a09e667f3bcc909))
		z = make([]float64, n)
		for i := range z {
			z[i] = r.NormFloat64()
		}
	}
	h := hostTensor{DType: img.DType, Dims: slices.Clone(img.Dims), Data: make([]float64, n)}
	for i, v := range img.Data {
		x := v + noise*z[i]
		if img.DType == "float32" {
			x = float64(float32(v) + float32(noise)*float32(z[i]))
		}
		h.Data[i] = math.Min(math.Max(x, lo), hi)
	}
	return h
}

// metricsAt evaluates the reference and the optimized metric between the
// image and x.
func (m *MADCompetition) metricsAt(x *tensors.Tensor) (ref, opt float64, err error) {
	return m.metricPair(m.imageT, x)
}

// The method interface for the optimisation loop.

// stepKey: the step depends only on the two metrics (the target, the
// weights and the images are inputs), so syntheses with the same metrics
// share it.
func (m *MADCompetition) stepKey() any {
	return metricsKey{funcID(m.optimized), funcID(m.reference)}
}

func (m *MADCompetition) stepKind() string { return "mad-step" }

func (m *MADCompetition) stepInputs() []*tensors.Tensor {
	return []*tensors.Tensor{m.imageT, makeTensor([]float64{m.sign(), m.tradeoff, m.refTarget}, m.image.dtype(), []int{3})}
}

func (m *MADCompetition) sign() float64 {
	if m.target == Maximize {
		return -1
	}
	return 1
}

func (m *MADCompetition) objective(x *Node, in []*Node) *Node {
	img, h := in[0], in[1]
	sign, lambda, refTarget := hyperAt(h, 0), hyperAt(h, 1), hyperAt(h, 2)
	opt := ConvertDType(scalarMetric(m.optimized, img, x), x.DType())
	ref := ConvertDType(scalarMetric(m.reference, img, x), x.DType())
	return Add(Mul(sign, opt), Mul(lambda, Square(Sub(refTarget, ref))))
}

func (m *MADCompetition) stats(_, xNew *Node, in []*Node, _ *Node) []*Node {
	img := in[0]
	return []*Node{scalarMetric(m.reference, img, xNew), scalarMetric(m.optimized, img, xNew)}
}

func (m *MADCompetition) record(obj float64, stats []float64) (float64, float64) {
	m.refLosses = append(m.refLosses, stats[0])
	m.optLosses = append(m.optLosses, stats[1])
	return obj, obj
}

func (m *MADCompetition) unrecord() {
	m.refLosses = m.refLosses[:len(m.refLosses)-1]
	m.optLosses = m.optLosses[:len(m.optLosses)-1]
}

// Synthesize runs up to MaxIter iterations of the optimizer on the MAD
// image, with the records, stored progress, stop rule, resumption and
// non-finite-step protection of every optimisation method (see
// Metamer.Synthesize). After each step it records the reference and the
// optimized metric of the new image.
func (m *MADCompetition) Synthesize(opts SynthesizeOptions) (err error) {
	defer catch(&err, "MADCompetition.Synthesize")
	return m.run(m, m, opts)
}

// Image returns the reference image (a host copy).
func (m *MADCompetition) Image() *tensors.Tensor { return m.image.tensor() }

// MADImage returns the current synthesized image (a host copy).
func (m *MADCompetition) MADImage() *tensors.Tensor { return m.current() }

// SavedMADImages returns the stored pre-step images (shared, not copied):
// entry j is the image before iteration j·StoreProgress().
func (m *MADCompetition) SavedMADImages() []*tensors.Tensor { return m.savedImages() }

// OptimizedMetricLoss returns the optimized metric between the image and the
// synthesized image: at the start, then after every iteration (one more
// entry than Losses).
func (m *MADCompetition) OptimizedMetricLoss() []float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.optLosses)
}

// ReferenceMetricLoss returns the reference metric likewise.
func (m *MADCompetition) ReferenceMetricLoss() []float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.refLosses)
}

// MetricTradeoffLambda returns the weight of the reference metric's change.
func (m *MADCompetition) MetricTradeoffLambda() float64 { return m.tradeoff }

// OptimizedMetricName returns the Go name of the optimized metric function
// without its package ("MSE" for metric.MSE, "model1" for a function model1
// declared in a notebook), as plenoptic's displays use
// optimized_metric.__name__; "" for a closure or a method value.
func (m *MADCompetition) OptimizedMetricName() string { return funcName(m.optimized) }

// ReferenceMetricName returns the reference metric's name likewise.
func (m *MADCompetition) ReferenceMetricName() string { return funcName(m.reference) }

// funcName is the name of a named function after its package path.
func funcName(f Metric) string {
	if f == nil {
		return ""
	}
	fn := runtime.FuncForPC(reflect.ValueOf(f).Pointer())
	if fn == nil {
		return ""
	}
	name := fn.Name()
	if strings.Contains(name, ".func") || strings.HasSuffix(name, "-fm") || strings.Contains(name, "glob.") {
		return ""
	}
	return name[strings.LastIndex(name, ".")+1:]
}

// Target returns Minimize or Maximize.
func (m *MADCompetition) Target() MADTarget { return m.target }

// Objective returns the objective of the current image (not recorded).
func (m *MADCompetition) Objective() (v float64, err error) {
	defer catch(&err, "MADCompetition.Objective")
	return m.objectiveAt(m.current())
}

// objectiveAt evaluates the objective (penalty included) at x.
func (m *MADCompetition) objectiveAt(x *tensors.Tensor) (float64, error) {
	e, release, err := acquireExec(m.be, m.stepKey(), "mad-objective", func() (*Exec, error) {
		return NewExec(m.be, func(in []*Node) *Node {
			return penalized(m.objective(in[0], in[1:3]), in[0], in[3])
		})
	})
	if err != nil {
		return 0, err
	}
	defer release()
	in := m.stepInputs()
	return execScalar(e, x, in[0], in[1], m.penaltyHyper())
}
