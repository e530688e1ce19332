package models

import (
	"fmt"
	"slices"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/goplenoptic/goplenoptic/plenoptic/filters"
)

// CenterSurround is plenoptic's difference-of-Gaussians model
// (po.simulate.CenterSurround). Output channel c is the input convolved with
//
//	filt[c] = amplitude_ratio · sign_c · (G(center_std[c]) − G(surround_std[c]))
//
// after same padding, where G(s) is circular_gaussian2d(kernel_size, s)
// (summing to 1) and sign_c is +1 for an on-centre channel, −1 for
// off-centre. As in plenoptic 1.1.0's code (not its docstring), the filter
// is not renormalised: it sums to 0, so amplitude_ratio is only a gain and
// the model ignores the mean luminance. Each filter is kept as a rank-2
// separable kernel (two Gaussians).
type CenterSurround struct {
	size        KernelSize
	onCenter    []bool
	ratio       float64
	centerStd   []float64
	surroundStd []float64
	padMode     filters.PadMode
	kernels     []filters.Kernel
}

// CenterSurroundOptions configures NewCenterSurround; zero fields take
// plenoptic's defaults.
type CenterSurroundOptions struct {
	// KernelSize is required (plenoptic's kernel_size).
	KernelSize KernelSize
	// OnCenter is one value for all channels or one per channel (default
	// true: on-centre, off-surround).
	OnCenter []bool
	// AmplitudeRatio defaults to 1.25; it must be at least 1.
	AmplitudeRatio float64
	// CenterStd and SurroundStd are one value for all channels or one per
	// channel (defaults 1 and 4); each must be positive.
	CenterStd, SurroundStd []float64
	// OutChannels defaults to the longest of OnCenter, CenterStd and
	// SurroundStd (1 when they have one value).
	OutChannels int
	// PadMode defaults to filters.Reflect.
	PadMode filters.PadMode
}

// NewCenterSurround returns plenoptic's CenterSurround(kernel_size,
// on_center, amplitude_ratio, center_std, surround_std, out_channels,
// pad_mode).
func NewCenterSurround(opts CenterSurroundOptions) (*CenterSurround, error) {
	if err := opts.KernelSize.check(); err != nil {
		return nil, err
	}
	mode, err := padModeOrDefault(opts.PadMode)
	if err != nil {
		return nil, err
	}
	n, err := outChannels(opts.OutChannels, len(opts.OnCenter), len(opts.CenterStd), len(opts.SurroundStd))
	if err != nil {
		return nil, err
	}
	on := make([]bool, n)
	switch len(opts.OnCenter) {
	case 0, 1:
		for i := range on {
			on[i] = len(opts.OnCenter) == 0 || opts.OnCenter[0]
		}
	case n:
		copy(on, opts.OnCenter)
	default:
		return nil, fmt.Errorf("models: on_center has %d values for %d out channels (give one, or one per channel)", len(opts.OnCenter), n)
	}
	center, err := broadcast("center_std", opts.CenterStd, n, 1)
	if err != nil {
		return nil, err
	}
	surround, err := broadcast("surround_std", opts.SurroundStd, n, 4)
	if err != nil {
		return nil, err
	}
	if err := checkPositive("center_std")(center); err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	if err := checkPositive("surround_std")(surround); err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	ratio := opts.AmplitudeRatio
	if ratio == 0 {
		ratio = 1.25
	}
	if err := checkAmplitude([]float64{ratio}); err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	cs := &CenterSurround{size: opts.KernelSize, onCenter: on, ratio: ratio,
		centerStd: center, surroundStd: surround, padMode: mode}
	if err := cs.rebuild(); err != nil {
		return nil, err
	}
	return cs, nil
}

// rebuild recomputes the filters from the parameters.
func (cs *CenterSurround) rebuild() error {
	ks := make([]filters.Kernel, len(cs.onCenter))
	for c := range ks {
		gc, err := filters.CircularGaussian2D(cs.size[0], cs.size[1], cs.centerStd[c])
		if err != nil {
			return fmt.Errorf("models: CenterSurround center (channel %d): %w", c, err)
		}
		gs, err := filters.CircularGaussian2D(cs.size[0], cs.size[1], cs.surroundStd[c])
		if err != nil {
			return fmt.Errorf("models: CenterSurround surround (channel %d): %w", c, err)
		}
		gain := cs.ratio
		if !cs.onCenter[c] {
			gain = -gain
		}
		if ks[c], err = filters.SumOf([]float64{gain, -gain}, []filters.Kernel{gc, gs}); err != nil {
			return fmt.Errorf("models: CenterSurround: %w", err)
		}
	}
	cs.kernels = ks
	return nil
}

// Forward convolves the single-channel input x ([B, 1, H, W]) with each
// channel's filter, giving [B, OutChannels, H, W].
func (cs *CenterSurround) Forward(x *graph.Node) *graph.Node {
	return filters.Conv2D(x, cs.weights(), 1, cs.padMode)
}

// Gram applies the model's Fisher matrix JᵀJ to v (see Gramian).
func (cs *CenterSurround) Gram(v *graph.Node) (*graph.Node, bool) {
	return filters.Conv2DGram(v, cs.weights(), 1, cs.padMode)
}

// weights returns the filters as Conv2D's weights: one input channel each.
func (cs *CenterSurround) weights() [][]filters.Kernel {
	w := make([][]filters.Kernel, len(cs.kernels))
	for o, k := range cs.kernels {
		w[o] = []filters.Kernel{k}
	}
	return w
}

// Kernels returns the filters, one per output channel (plenoptic's filt).
func (cs *CenterSurround) Kernels() []filters.Kernel { return slices.Clone(cs.kernels) }

// Filters returns the filters titled "linear filt" (with "on"/"off" when
// there are several channels, as plenoptic's OnOff names them).
func (cs *CenterSurround) Filters() []NamedFilter {
	out := make([]NamedFilter, len(cs.kernels))
	for c, k := range cs.kernels {
		t := "linear filt"
		if len(cs.kernels) > 1 {
			if cs.onCenter[c] {
				t += " on"
			} else {
				t += " off"
			}
		}
		out[c] = NamedFilter{Title: t, Kernel: k}
	}
	return out
}

func (cs *CenterSurround) params() []param {
	rebuild := func() {
		if err := cs.rebuild(); err != nil {
			panic(err)
		}
	}
	return []param{
		{key: "center_std", n: len(cs.centerStd), get: func() []float64 { return cs.centerStd },
			check: checkPositive("center_std"), set: func(v []float64) { cs.centerStd = v; rebuild() }},
		{key: "surround_std", n: len(cs.surroundStd), get: func() []float64 { return cs.surroundStd },
			check: checkPositive("surround_std"), set: func(v []float64) { cs.surroundStd = v; rebuild() }},
		{key: "amplitude_ratio", n: 1, get: func() []float64 { return []float64{cs.ratio} },
			check: checkAmplitude, set: func(v []float64) { cs.ratio = v[0]; rebuild() }},
	}
}

// Params returns the model's state dict: "center_std" and "surround_std"
// (one value per channel) and "amplitude_ratio" (one value).
func (cs *CenterSurround) Params() map[string][]float64 { return paramsMap(cs.params()) }

// LoadParams sets any of "center_std", "surround_std" (positive, one per
// channel) and "amplitude_ratio" (one value, at least 1). Unknown keys and
// wrong lengths are errors, and nothing changes then.
func (cs *CenterSurround) LoadParams(values map[string][]float64) error {
	return loadParams(cs, cs.params(), values)
}
