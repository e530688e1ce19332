package models

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/goplenoptic/goplenoptic/plenoptic/filters"
	"github.com/goplenoptic/goplenoptic/plenoptic/tools"
)

// The front-end models of Berardino et al. 2017 (plenoptic's
// simulate/models/frontend.py): LinearNonlinear, LuminanceGainControl,
// LuminanceContrastGainControl and OnOff.
//
// Their gain-control scalars start, as in plenoptic, at 10·U(0, 1); the draws
// come from the tools package's Go stream (seed it with tools.Seed), which is
// not torch's generator, so the values differ from plenoptic's for the same
// seed. Load explicit values with LoadParams, or use Pretrained.

// Softplus is torch's default softplus (β = 1, threshold 20):
// log(1 + eᶻ), and z itself where z > 20.
func Softplus(z *graph.Node) *graph.Node {
	big := graph.GreaterThan(z, graph.Scalar(z.Graph(), z.DType(), 20))
	// The soft branch sees 0 where z > 20, so its unused gradient stays finite.
	soft := graph.Log1p(graph.Exp(graph.Where(big, graph.ZerosLike(z), z)))
	return graph.Where(big, z, soft)
}

// FrontEndOptions configures NewLinearNonlinear, NewLuminanceGainControl and
// NewLuminanceContrastGainControl; zero fields take plenoptic's defaults.
type FrontEndOptions struct {
	// KernelSize is required (plenoptic's kernel_size); it must be 31×31
	// when Pretrained is set.
	KernelSize KernelSize
	// OffCenter makes the centre-surround filter off-centre (plenoptic's
	// on_center=False); the default is on-centre.
	OffCenter bool
	// AmplitudeRatio of the centre-surround filter, default 1.25, at least 1.
	AmplitudeRatio float64
	// PadMode defaults to filters.Reflect (the tutorial uses filters.Circular).
	PadMode filters.PadMode
	// Pretrained loads the parameters plenoptic ships for the model.
	Pretrained bool
	// Activation defaults to Softplus.
	Activation func(*graph.Node) *graph.Node
}

func (o FrontEndOptions) centerSurround(channels int, onCenter []bool) (*CenterSurround, error) {
	if err := o.KernelSize.check(); err != nil {
		return nil, err
	}
	if o.Pretrained {
		if err := o.KernelSize.checkPretrained(); err != nil {
			return nil, err
		}
	}
	if onCenter == nil {
		onCenter = []bool{!o.OffCenter}
	}
	return NewCenterSurround(CenterSurroundOptions{KernelSize: o.KernelSize, OnCenter: onCenter,
		AmplitudeRatio: o.AmplitudeRatio, OutChannels: channels, PadMode: o.PadMode})
}

func (o FrontEndOptions) gaussian(channels int) (*Gaussian, error) {
	return NewGaussian(GaussianOptions{KernelSize: o.KernelSize, PadMode: o.PadMode, OutChannels: channels})
}

func activationOrDefault(f func(*graph.Node) *graph.Node) func(*graph.Node) *graph.Node {
	if f == nil {
		return Softplus
	}
	return f
}

// randomScalars returns n values 10·U(0, 1) from the tools Go stream.
func randomScalars(n int) []float64 {
	v := tools.Rand(n)
	for i := range v {
		v[i] *= 10
	}
	return v
}

// scalarParam is a state-dict entry for per-channel gain scalars.
func scalarParam(key string, v *[]float64) param {
	return param{key: key, n: len(*v), get: func() []float64 { return *v }, check: anyValue,
		set: func(x []float64) { *v = x }}
}

// channelScale multiplies x ([B, C, H, W]) by s[c] on channel c.
func channelScale(x *graph.Node, s []float64) *graph.Node {
	if len(s) == 1 {
		return graph.MulScalar(x, s[0])
	}
	dims := x.Shape().Dimensions
	c := graph.ConvertDType(graph.Const(x.Graph(), s), x.DType())
	return graph.Mul(x, graph.BroadcastToDims(graph.Reshape(c, 1, len(s), 1, 1), dims...))
}

// gainControl returns num / (1 + s·den), with s per channel.
func gainControl(num, den *graph.Node, s []float64) *graph.Node {
	return graph.Div(num, graph.AddScalar(channelScale(den, s), 1))
}

// LinearNonlinear is plenoptic's LinearNonlinear ("LN"):
// activation(CenterSurround(x)).
type LinearNonlinear struct {
	cs         *CenterSurround
	activation func(*graph.Node) *graph.Node
}

// NewLinearNonlinear returns plenoptic's LinearNonlinear(kernel_size,
// on_center, amplitude_ratio, pad_mode, pretrained, activation). Pretrained
// sets center_std 0.5339, surround_std 6.148, amplitude_ratio 1.25.
func NewLinearNonlinear(opts FrontEndOptions) (*LinearNonlinear, error) {
	cs, err := opts.centerSurround(1, nil)
	if err != nil {
		return nil, err
	}
	m := &LinearNonlinear{cs: cs, activation: activationOrDefault(opts.Activation)}
	if opts.Pretrained {
		if err := m.LoadParams(map[string][]float64{
			"center_surround.center_std":      {0.5339},
			"center_surround.surround_std":    {6.148},
			"center_surround.amplitude_ratio": {1.25},
		}); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Forward returns activation(CenterSurround(x)) for x of shape [B, 1, H, W].
func (m *LinearNonlinear) Forward(x *graph.Node) *graph.Node { return m.activation(m.cs.Forward(x)) }

// Filters returns the centre-surround filter, titled "linear filt".
func (m *LinearNonlinear) Filters() []NamedFilter { return m.cs.Filters() }

func (m *LinearNonlinear) params() []param { return prefixed("center_surround.", m.cs.params()) }

// Params returns the state dict: "center_surround.center_std",
// "center_surround.surround_std", "center_surround.amplitude_ratio".
func (m *LinearNonlinear) Params() map[string][]float64 { return paramsMap(m.params()) }

// LoadParams sets any of the Params keys (see CenterSurround.LoadParams for
// the rules).
func (m *LinearNonlinear) LoadParams(values map[string][]float64) error {
	return loadParams(m, m.params(), values)
}

// LuminanceGainControl is plenoptic's LuminanceGainControl ("LG"):
//
//	y = activation( CS(x) / (1 + luminance_scalar · Lum(x)) )
//
// where CS is a CenterSurround and Lum a Gaussian (std 3 unless loaded),
// both with the model's kernel size and pad mode. There is no epsilon.
type LuminanceGainControl struct {
	cs         *CenterSurround
	lum        *Gaussian
	lumScalar  []float64
	activation func(*graph.Node) *graph.Node
}

// NewLuminanceGainControl returns plenoptic's LuminanceGainControl(
// kernel_size, on_center, amplitude_ratio, pad_mode, pretrained,
// activation). luminance_scalar starts at 10·U(0, 1) (see the package note
// on random values). Pretrained sets the tutorial's values: luminance_scalar
// 14.95, center_std 1.962, surround_std 4.235, amplitude_ratio 1.25,
// luminance std 4.235.
func NewLuminanceGainControl(opts FrontEndOptions) (*LuminanceGainControl, error) {
	cs, err := opts.centerSurround(1, nil)
	if err != nil {
		return nil, err
	}
	lum, err := opts.gaussian(1)
	if err != nil {
		return nil, err
	}
	m := &LuminanceGainControl{cs: cs, lum: lum, lumScalar: randomScalars(1), activation: activationOrDefault(opts.Activation)}
	if opts.Pretrained {
		if err := m.LoadParams(map[string][]float64{
			"luminance_scalar":                {14.95},
			"center_surround.center_std":      {1.962},
			"center_surround.surround_std":    {4.235},
			"center_surround.amplitude_ratio": {1.25},
			"luminance.std":                   {4.235},
		}); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Forward computes the model for x of shape [B, 1, H, W].
func (m *LuminanceGainControl) Forward(x *graph.Node) *graph.Node {
	return m.activation(gainControl(m.cs.Forward(x), m.lum.Forward(x), m.lumScalar))
}

// Filters returns "linear filt" and "luminance filt", as plenoptic's
// display_filters shows them.
func (m *LuminanceGainControl) Filters() []NamedFilter {
	return append(m.cs.Filters(), named("luminance filt", m.lum.kernels)...)
}

func (m *LuminanceGainControl) params() []param {
	ps := prefixed("center_surround.", m.cs.params())
	ps = append(ps, prefixed("luminance.", m.lum.params())...)
	return append(ps, scalarParam("luminance_scalar", &m.lumScalar))
}

// Params returns the state dict: "center_surround.center_std",
// "center_surround.surround_std", "center_surround.amplitude_ratio",
// "luminance.std" and "luminance_scalar", one value each.
func (m *LuminanceGainControl) Params() map[string][]float64 { return paramsMap(m.params()) }

// LoadParams sets any of the Params keys, as the tutorial's load_state_dict
// does. Unknown keys and wrong lengths are errors, and nothing changes then.
func (m *LuminanceGainControl) LoadParams(values map[string][]float64) error {
	return loadParams(m, m.params(), values)
}

// LuminanceContrastGainControl is plenoptic's LuminanceContrastGainControl
// ("LGG"):
//
//	l = CS(x) / (1 + luminance_scalar · Lum(x))
//	c = sqrt(Con(l²)) + 1e-6
//	y = activation( l / (1 + contrast_scalar · c) )
type LuminanceContrastGainControl struct {
	cs                   *CenterSurround
	lum, con             *Gaussian
	lumScalar, conScalar []float64
	activation           func(*graph.Node) *graph.Node
}

// NewLuminanceContrastGainControl returns plenoptic's
// LuminanceContrastGainControl(kernel_size, on_center, amplitude_ratio,
// pad_mode, pretrained, activation). Both scalars start at 10·U(0, 1).
// Pretrained sets luminance_scalar 2.94, contrast_scalar 34.03, center_std
// 0.7363, surround_std 48.37, amplitude_ratio 1.25, luminance std 170.99,
// contrast std 2.658.
func NewLuminanceContrastGainControl(opts FrontEndOptions) (*LuminanceContrastGainControl, error) {
	cs, err := opts.centerSurround(1, nil)
	if err != nil {
		return nil, err
	}
	lum, err := opts.gaussian(1)
	if err != nil {
		return nil, err
	}
	con, err := opts.gaussian(1)
	if err != nil {
		return nil, err
	}
	m := &LuminanceContrastGainControl{cs: cs, lum: lum, con: con,
		lumScalar: randomScalars(1), conScalar: randomScalars(1), activation: activationOrDefault(opts.Activation)}
	if opts.Pretrained {
		if err := m.LoadParams(map[string][]float64{
			"luminance_scalar":                {2.94},
			"contrast_scalar":                 {34.03},
			"center_surround.center_std":      {0.7363},
			"center_surround.surround_std":    {48.37},
			"center_surround.amplitude_ratio": {1.25},
			"luminance.std":                   {170.99},
			"contrast.std":                    {2.658},
		}); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Forward computes the model for x of shape [B, 1, H, W].
func (m *LuminanceContrastGainControl) Forward(x *graph.Node) *graph.Node {
	return m.activation(contrastGain(m.cs.Forward(x), m.lum.Forward(x), m.con, 1, m.lumScalar, m.conScalar))
}

// contrastGain is the luminance then contrast normalisation shared by LGG and
// OnOff; con is applied with the given torch groups.
func contrastGain(linear, lum *graph.Node, con *Gaussian, groups int, lumScalar, conScalar []float64) *graph.Node {
	l := gainControl(linear, lum, lumScalar)
	c := graph.AddScalar(graph.Sqrt(con.forward(graph.Square(l), groups)), 1e-6)
	return gainControl(l, c, conScalar)
}

// Filters returns "linear filt", "luminance filt" and "contrast filt".
func (m *LuminanceContrastGainControl) Filters() []NamedFilter {
	out := append(m.cs.Filters(), named("luminance filt", m.lum.kernels)...)
	return append(out, named("contrast filt", m.con.kernels)...)
}

func (m *LuminanceContrastGainControl) params() []param {
	ps := prefixed("center_surround.", m.cs.params())
	ps = append(ps, prefixed("luminance.", m.lum.params())...)
	ps = append(ps, prefixed("contrast.", m.con.params())...)
	return append(ps, scalarParam("luminance_scalar", &m.lumScalar), scalarParam("contrast_scalar", &m.conScalar))
}

// Params returns the state dict: the "center_surround.*" keys,
// "luminance.std", "contrast.std", "luminance_scalar" and "contrast_scalar".
func (m *LuminanceContrastGainControl) Params() map[string][]float64 { return paramsMap(m.params()) }

// LoadParams sets any of the Params keys. Unknown keys and wrong lengths are
// errors, and nothing changes then.
func (m *LuminanceContrastGainControl) LoadParams(values map[string][]float64) error {
	return loadParams(m, m.params(), values)
}

// OnOff is plenoptic's OnOff model: two channels, an on-centre and an
// off-centre LuminanceContrastGainControl with per-channel parameters. The
// luminance Gaussians map the one-channel input to two channels, the contrast
// Gaussians act on each channel separately (torch groups=2), and the output
// is [B, 2, H, W]. With ApplyMask the output is multiplied by
// tools.MakeDisk(H, W).
type OnOff struct {
	cs                   *CenterSurround
	lum, con             *Gaussian
	lumScalar, conScalar []float64
	activation           func(*graph.Node) *graph.Node
	applyMask            bool
}

// OnOffOptions configures NewOnOff; zero fields take plenoptic's defaults.
type OnOffOptions struct {
	// KernelSize is required; it must be 31×31 when Pretrained is set.
	KernelSize KernelSize
	// AmplitudeRatio defaults to 1.25; it must be at least 1.
	AmplitudeRatio float64
	// PadMode defaults to filters.Reflect.
	PadMode filters.PadMode
	// Pretrained loads the parameters plenoptic ships.
	Pretrained bool
	// Activation defaults to Softplus.
	Activation func(*graph.Node) *graph.Node
	// ApplyMask multiplies the output by a soft disk (plenoptic's apply_mask).
	ApplyMask bool
}

// NewOnOff returns plenoptic's OnOff(kernel_size, amplitude_ratio, pad_mode,
// pretrained, activation, apply_mask). The four scalars start at 10·U(0, 1).
// Pretrained sets luminance_scalar [3.2637, 14.3961], contrast_scalar
// [7.3405, 16.7423], center_std [1.237, 0.3233], surround_std [30.12, 2.184],
// amplitude_ratio 1.25, luminance std [76.4, 2.184], contrast std
// [7.49, 2.43].
func NewOnOff(opts OnOffOptions) (*OnOff, error) {
	fe := FrontEndOptions{KernelSize: opts.KernelSize, AmplitudeRatio: opts.AmplitudeRatio,
		PadMode: opts.PadMode, Pretrained: opts.Pretrained}
	cs, err := fe.centerSurround(2, []bool{true, false})
	if err != nil {
		return nil, err
	}
	lum, err := fe.gaussian(2)
	if err != nil {
		return nil, err
	}
	con, err := fe.gaussian(2)
	if err != nil {
		return nil, err
	}
	m := &OnOff{cs: cs, lum: lum, con: con, lumScalar: randomScalars(2), conScalar: randomScalars(2),
		activation: activationOrDefault(opts.Activation), applyMask: opts.ApplyMask}
	if opts.Pretrained {
		if err := m.LoadParams(map[string][]float64{
			"luminance_scalar":                {3.2637, 14.3961},
			"contrast_scalar":                 {7.3405, 16.7423},
			"center_surround.center_std":      {1.237, 0.3233},
			"center_surround.surround_std":    {30.12, 2.184},
			"center_surround.amplitude_ratio": {1.25},
			"luminance.std":                   {76.4, 2.184},
			"contrast.std":                    {7.49, 2.43},
		}); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Forward computes the model for x of shape [B, 1, H, W], giving [B, 2, H, W].
func (m *OnOff) Forward(x *graph.Node) *graph.Node {
	y := m.activation(contrastGain(m.cs.Forward(x), m.lum.Forward(x), m.con, 2, m.lumScalar, m.conScalar))
	if !m.applyMask {
		return y
	}
	dims := y.Shape().Dimensions
	h, w := dims[2], dims[3]
	disk := graph.ConvertDType(graph.Const(x.Graph(), tools.MakeDisk(h, w)), y.DType())
	return graph.Mul(y, graph.BroadcastToDims(graph.Reshape(disk, 1, 1, h, w), dims...))
}

// Filters returns the six filters with plenoptic's titles ("linear filt on",
// "linear filt off", "luminance filt on", ..., "contrast filt off").
func (m *OnOff) Filters() []NamedFilter {
	out := m.cs.Filters()
	for _, g := range []struct {
		title string
		k     *Gaussian
	}{{"luminance filt", m.lum}, {"contrast filt", m.con}} {
		out = append(out, NamedFilter{Title: g.title + " on", Kernel: g.k.kernels[0]},
			NamedFilter{Title: g.title + " off", Kernel: g.k.kernels[1]})
	}
	return out
}

func (m *OnOff) params() []param {
	ps := prefixed("center_surround.", m.cs.params())
	ps = append(ps, prefixed("luminance.", m.lum.params())...)
	ps = append(ps, prefixed("contrast.", m.con.params())...)
	return append(ps, scalarParam("luminance_scalar", &m.lumScalar), scalarParam("contrast_scalar", &m.conScalar))
}

// Params returns the state dict, with two values per key (one per channel)
// except "center_surround.amplitude_ratio".
func (m *OnOff) Params() map[string][]float64 { return paramsMap(m.params()) }

// LoadParams sets any of the Params keys. Unknown keys and wrong lengths are
// errors, and nothing changes then.
func (m *OnOff) LoadParams(values map[string][]float64) error {
	return loadParams(m, m.params(), values)
}
