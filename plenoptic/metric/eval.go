package metric

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/backend"
	"github.com/goplenoptic/goplenoptic/plenoptic/filters"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/compiled"
	"github.com/goplenoptic/goplenoptic/plenoptic/tools"
)

// evalKey names one compiled metric graph (the compiled cache's "model").
type evalKey struct {
	kind     string
	weighted bool
	pad      filters.PadMode
	factors  string
}

// maxShapes is how many image shapes one cached metric graph compiles for
// (GoMLX's default, 32, turns the 33rd shape into an error).
const maxShapes = 256

func newExec(be backends.Backend, fn any) (*Exec, error) {
	e, err := NewExecAny(be, fn)
	if err != nil {
		return nil, err
	}
	return e.SetMaxCache(maxShapes), nil
}

// valueRange returns the minimum and maximum of t, or an error naming a
// non-finite value.
func valueRange(name, which string, t *tensors.Tensor) (lo, hi float64, err error) {
	vals, err := tools.Float64s(t)
	if err != nil {
		return 0, 0, fmt.Errorf("metric: %s: %s: %w", name, which, err)
	}
	lo, hi = math.Inf(1), math.Inf(-1)
	for i, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, 0, fmt.Errorf("metric: %s: %s has a non-finite value %v at flat index %d", name, which, v, i)
		}
		lo, hi = min(lo, v), max(hi, v)
	}
	return lo, hi, nil
}

// pairCall is one eager comparison of two images.
type pairCall struct {
	name  string                        // metric name in messages
	key   evalKey                       // compiled-graph key
	check func(a, b shapes.Shape) error // input conditions
	// warn gives plenoptic's warnings for inputs of these shapes, in its
	// order; rangeWarn gives the value-range warning.
	warn  func(l *logger, a, b shapes.Shape, rangeWarn func())
	graph func(a, b *Node) *Node // the graph function, built silently
}

// evalPair validates a and b, prints the warnings to log, and evaluates the
// metric on the default backend.
func evalPair(c pairCall, log io.Writer, a, b *tensors.Tensor) (*tensors.Tensor, error) {
	be, err := backend.Default()
	if err != nil {
		return nil, err
	}
	return c.runOn(be, a, b, log)
}

func (c pairCall) runOn(be backends.Backend, a, b *tensors.Tensor, log io.Writer) (out *tensors.Tensor, err error) {
	if a == nil || b == nil {
		return nil, fmt.Errorf("metric: %s: nil image tensor", c.name)
	}
	if err := c.check(a.Shape(), b.Shape()); err != nil {
		return nil, err
	}
	lo1, hi1, err := valueRange(c.name, "img1", a)
	if err != nil {
		return nil, err
	}
	lo2, hi2, err := valueRange(c.name, "img2", b)
	if err != nil {
		return nil, err
	}
	l := newLogger(log, c.name)
	c.warn(l, a.Shape(), b.Shape(), func() {
		if lo1 < 0 || lo2 < 0 || hi1 > 1 || hi2 > 1 {
			l.warn(fmt.Sprintf(warnRange, lo1, hi1, lo2, hi2))
		}
	})
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("metric: %s failed: %v", c.name, r)
		}
	}()
	exec, release, err := compiled.Acquire(be, c.key, "metric", func() (*Exec, error) { return newExec(be, c.graph) })
	if err != nil {
		return nil, fmt.Errorf("metric: %s: %w", c.name, err)
	}
	defer release()
	res, err := exec.Exec(a, b)
	if err != nil {
		return nil, fmt.Errorf("metric: %s: %w", c.name, err)
	}
	return res[0], nil
}

func small(a shapes.Shape) bool { return min(a.Dimensions[2], a.Dimensions[3]) < windowSize }

func ssimCall(opts SSIMOptions) pairCall {
	opts.Log = io.Discard
	return pairCall{
		name:  "SSIM",
		key:   evalKey{kind: "ssim", weighted: opts.Weighted, pad: opts.Pad},
		check: func(a, b shapes.Shape) error { return CheckSSIM(a, b, opts) },
		warn: func(l *logger, a, b shapes.Shape, rangeWarn func()) {
			rangeWarn()
			warnChannels(l, a, b, "SSIM")
			if small(a) {
				l.warn(warnSmall)
			}
		},
		graph: func(a, b *Node) *Node { return SSIM(a, b, opts) },
	}
}

func ssimMapCall() pairCall {
	return pairCall{
		name:  "SSIM",
		key:   evalKey{kind: "ssim_map"},
		check: func(a, b shapes.Shape) error { return CheckSSIM(a, b, SSIMOptions{}) },
		warn: func(l *logger, a, b shapes.Shape, rangeWarn func()) {
			if small(a) {
				l.warn(warnSmall)
			}
			rangeWarn()
			warnChannels(l, a, b, "SSIM")
		},
		graph: func(a, b *Node) *Node { return SSIMMap(a, b, SSIMMapOptions{Log: io.Discard}) },
	}
}

func msssimCall(opts MSSSIMOptions) pairCall {
	opts.Log = io.Discard
	return pairCall{
		name:  "MS-SSIM",
		key:   evalKey{kind: "ms_ssim", factors: factorsKey(opts.PowerFactors)},
		check: func(a, b shapes.Shape) error { return CheckMSSSIM(a, b, opts) },
		warn: func(l *logger, a, b shapes.Shape, rangeWarn func()) {
			rangeWarn()
			warnChannels(l, a, b, "SSIM")
			if msCoarsestSmall(a.Dimensions, len(opts.powerFactors())) {
				l.warn(warnSmallMS)
			}
		},
		graph: func(a, b *Node) *Node { return MSSSIM(a, b, opts) },
	}
}

func nlpdCall() pairCall {
	return pairCall{
		name:  "NLPD",
		key:   evalKey{kind: "nlpd"},
		check: CheckNLPD,
		warn: func(l *logger, a, b shapes.Shape, rangeWarn func()) {
			warnChannels(l, a, b, "NLPD")
			rangeWarn()
		},
		graph: func(a, b *Node) *Node { return NLPD(a, b, NLPDOptions{Log: io.Discard}) },
	}
}

func mseCall() pairCall {
	return pairCall{
		name:  "MSE",
		key:   evalKey{kind: "mse"},
		check: CheckMSE,
		warn:  func(*logger, shapes.Shape, shapes.Shape, func()) {},
		graph: MSE,
	}
}

// msCoarsestSmall reports whether MS-SSIM's coarsest scale of an H×W image
// (after scales−1 halvings, rounding up) is smaller than the window.
func msCoarsestSmall(d []int, scales int) bool {
	h, w := d[2], d[3]
	for range scales - 1 {
		h, w = (h+1)/2, (w+1)/2
	}
	return min(h, w) < windowSize
}

// factorsKey renders power factors exactly (nil, the default, is "").
func factorsKey(p []float64) string {
	if p == nil {
		return ""
	}
	s := make([]string, len(p))
	for i, v := range p {
		s[i] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	return "[" + strings.Join(s, ",") + "]"
}

// EvalSSIM is the eager SSIM of two image tensors on the default backend:
// it returns the [B, C] tensor (the inputs' dtype), or an error for bad
// input (CheckSSIM's conditions, and non-finite values). Values outside
// [0, 1] give plenoptic's warning on opts.Log, as do colour and small images.
func EvalSSIM(a, b *tensors.Tensor, opts SSIMOptions) (*tensors.Tensor, error) {
	return evalPair(ssimCall(opts), opts.Log, a, b)
}

// EvalSSIMMap is the eager SSIMMap ([B, C, H−10, W−10] for images of at
// least 11×11); see EvalSSIM.
func EvalSSIMMap(a, b *tensors.Tensor, opts SSIMMapOptions) (*tensors.Tensor, error) {
	return evalPair(ssimMapCall(), opts.Log, a, b)
}

// EvalMSSSIM is the eager MSSSIM ([B, C]); see EvalSSIM and CheckMSSSIM.
func EvalMSSSIM(a, b *tensors.Tensor, opts MSSSIMOptions) (*tensors.Tensor, error) {
	return evalPair(msssimCall(opts), opts.Log, a, b)
}

// EvalNLPD is the eager NLPD ([B, C]); see EvalSSIM and CheckNLPD.
func EvalNLPD(a, b *tensors.Tensor, opts NLPDOptions) (*tensors.Tensor, error) {
	return evalPair(nlpdCall(), opts.Log, a, b)
}

// EvalMSE is the eager MSE ([B, C]); see CheckMSE. It gives no warnings.
func EvalMSE(a, b *tensors.Tensor) (*tensors.Tensor, error) {
	return evalPair(mseCall(), io.Discard, a, b)
}

// EvalNormalizedLaplacianPyramid is the eager NormalizedLaplacianPyramid of
// an image tensor ([B, C, H, W], at least 33×33): its six scales, fine to
// coarse.
func EvalNormalizedLaplacianPyramid(x *tensors.Tensor) (out []*tensors.Tensor, err error) {
	if x == nil {
		return nil, fmt.Errorf("metric: NormalizedLaplacianPyramid: nil image tensor")
	}
	if err := CheckNLPD(x.Shape(), x.Shape()); err != nil {
		return nil, err
	}
	if _, _, err := valueRange("NormalizedLaplacianPyramid", "image", x); err != nil {
		return nil, err
	}
	be, err := backend.Default()
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("metric: NormalizedLaplacianPyramid failed: %v", r)
		}
	}()
	exec, release, err := compiled.Acquire(be, evalKey{kind: "nlp"}, "metric", func() (*Exec, error) {
		return newExec(be, NormalizedLaplacianPyramid)
	})
	if err != nil {
		return nil, fmt.Errorf("metric: NormalizedLaplacianPyramid: %w", err)
	}
	defer release()
	out, err = exec.Exec(x)
	if err != nil {
		return nil, fmt.Errorf("metric: NormalizedLaplacianPyramid: %w", err)
	}
	return out, nil
}
