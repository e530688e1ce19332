package models

import (
	"fmt"
	"slices"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/goplenoptic/goplenoptic/plenoptic/filters"
)

// GaussianBlur is the Gaussian model the plenoptic tutorial defines for
// itself (not plenoptic's Gaussian): a fixed one-channel convolution with
// circular_gaussian2d((31, 31), 3.0), after same_padding in circular mode. It
// is linear and shift-invariant on the torus; its kernel sums to 1.
type GaussianBlur struct {
	size   KernelSize
	std    float64
	kernel filters.Kernel
}

// GaussianBlurOptions configures NewGaussianBlur. The zero value is
// the tutorial's model.
type GaussianBlurOptions struct {
	KernelSize KernelSize // default 31×31
	Std        float64    // default 3; must be positive
}

// NewGaussianBlur returns the tutorial's Gaussian model (options may
// change its kernel size and std).
func NewGaussianBlur(opts GaussianBlurOptions) (*GaussianBlur, error) {
	if opts.KernelSize == (KernelSize{}) {
		opts.KernelSize = Square(31)
	}
	if err := opts.KernelSize.check(); err != nil {
		return nil, err
	}
	if opts.Std == 0 {
		opts.Std = 3
	}
	k, err := filters.CircularGaussian2D(opts.KernelSize[0], opts.KernelSize[1], opts.Std)
	if err != nil {
		return nil, fmt.Errorf("models: notebook Gaussian: %w", err)
	}
	return &GaussianBlur{size: opts.KernelSize, std: opts.Std, kernel: k}, nil
}

// Forward convolves the single-channel input x ([B, 1, H, W]) with the
// kernel after circular same padding.
func (m *GaussianBlur) Forward(x *graph.Node) *graph.Node {
	return filters.Conv2D(x, [][]filters.Kernel{{m.kernel}}, 1, filters.Circular)
}

// Gram applies the model's Fisher matrix JᵀJ to v (see Gramian).
func (m *GaussianBlur) Gram(v *graph.Node) (*graph.Node, bool) {
	return filters.Conv2DGram(v, [][]filters.Kernel{{m.kernel}}, 1, filters.Circular)
}

// Kernel returns the model's convolution kernel.
func (m *GaussianBlur) Kernel() filters.Kernel { return m.kernel }

// Filters returns the model's kernel, titled as the tutorial shows it.
func (m *GaussianBlur) Filters() []NamedFilter {
	return []NamedFilter{{Title: "filt", Kernel: m.kernel}}
}

func (m *GaussianBlur) params() []param {
	return []param{{
		key: "conv.weight", n: m.size[0] * m.size[1],
		get:   func() []float64 { return m.kernel.Data },
		check: anyValue,
		set: func(v []float64) {
			k, err := filters.NewKernel(m.size[0], m.size[1], v)
			if err != nil { // values were checked finite and of the right length
				panic(err)
			}
			m.kernel = k
		},
	}}
}

// Params returns the model's state dict: "conv.weight", the kernel's
// kh·kw values in row-major order (the tutorial module's Conv2d weight).
func (m *GaussianBlur) Params() map[string][]float64 { return paramsMap(m.params()) }

// LoadParams sets "conv.weight" to any kh·kw finite values (the model then
// convolves with that kernel). Unknown keys and wrong lengths are errors.
func (m *GaussianBlur) LoadParams(values map[string][]float64) error {
	return loadParams(m, m.params(), values)
}

// Gaussian is plenoptic's Gaussian model (po.simulate.Gaussian): each output
// channel is the input convolved with a circular Gaussian of its own std
// (kernel normalised to sum 1), after same padding in the model's mode.
// Like plenoptic's forward, it uses |std|.
type Gaussian struct {
	size    KernelSize
	std     []float64
	padMode filters.PadMode
	kernels []filters.Kernel
}

// GaussianOptions configures NewGaussian; zero fields take plenoptic's
// defaults.
type GaussianOptions struct {
	// KernelSize is required (plenoptic's kernel_size).
	KernelSize KernelSize
	// Std is one standard deviation for all channels or one per channel
	// (default 3); each must be positive.
	Std []float64
	// PadMode defaults to filters.Reflect.
	PadMode filters.PadMode
	// OutChannels defaults to the length of Std (1 when Std has one value).
	OutChannels int
}

// NewGaussian returns plenoptic's Gaussian(kernel_size, std, pad_mode,
// out_channels).
func NewGaussian(opts GaussianOptions) (*Gaussian, error) {
	if err := opts.KernelSize.check(); err != nil {
		return nil, err
	}
	mode, err := padModeOrDefault(opts.PadMode)
	if err != nil {
		return nil, err
	}
	n, err := outChannels(opts.OutChannels, len(opts.Std))
	if err != nil {
		return nil, err
	}
	std, err := broadcast("std", opts.Std, n, 3)
	if err != nil {
		return nil, err
	}
	if err := checkPositive("Gaussian std")(std); err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	g := &Gaussian{size: opts.KernelSize, padMode: mode}
	if err := g.setStd(std); err != nil {
		return nil, err
	}
	return g, nil
}

func (g *Gaussian) setStd(std []float64) error {
	ks, err := filters.CircularGaussian2DChannels(g.size[0], g.size[1], abs(std))
	if err != nil {
		return fmt.Errorf("models: Gaussian: %w", err)
	}
	g.std, g.kernels = abs(std), ks
	return nil
}

// Forward convolves the single-channel input x ([B, 1, H, W]) with each
// channel's kernel, giving [B, OutChannels, H, W].
func (g *Gaussian) Forward(x *graph.Node) *graph.Node { return g.forward(x, 1) }

// forward applies the kernels with torch's groups: 1 (every output channel
// from all input channels) or the number of channels (one kernel per channel).
func (g *Gaussian) forward(x *graph.Node, groups int) *graph.Node {
	return filters.Conv2D(x, g.weights(), groups, g.padMode)
}

// Gram applies the model's Fisher matrix JᵀJ to v (see Gramian).
func (g *Gaussian) Gram(v *graph.Node) (*graph.Node, bool) {
	return filters.Conv2DGram(v, g.weights(), 1, g.padMode)
}

// weights returns the kernels as Conv2D's weights: one input channel each.
func (g *Gaussian) weights() [][]filters.Kernel {
	w := make([][]filters.Kernel, len(g.kernels))
	for o, k := range g.kernels {
		w[o] = []filters.Kernel{k}
	}
	return w
}

// Std returns the channels' standard deviations.
func (g *Gaussian) Std() []float64 { return slices.Clone(g.std) }

// Filters returns one kernel per output channel, titled "gaussian filt".
func (g *Gaussian) Filters() []NamedFilter { return named("gaussian filt", g.kernels) }

func (g *Gaussian) params() []param {
	return []param{{
		key: "std", n: len(g.std),
		get:   func() []float64 { return g.std },
		check: checkNonZero("Gaussian std"),
		set: func(v []float64) {
			if err := g.setStd(v); err != nil {
				panic(err)
			}
		},
	}}
}

// Params returns the model's state dict: "std" (one value per channel).
func (g *Gaussian) Params() map[string][]float64 { return paramsMap(g.params()) }

// LoadParams sets "std" (one value per channel, not 0; negative values are
// replaced by their absolute value, as plenoptic's forward does). Unknown
// keys and wrong lengths are errors.
func (g *Gaussian) LoadParams(values map[string][]float64) error {
	return loadParams(g, g.params(), values)
}

func padModeOrDefault(m filters.PadMode) (filters.PadMode, error) {
	if m == "" {
		return filters.Reflect, nil
	}
	return filters.ParsePadMode(string(m))
}

// outChannels returns the number of output channels: n when given (it must
// be positive), else the longest per-channel option (at least 1).
func outChannels(n int, lengths ...int) (int, error) {
	if n < 0 {
		return 0, fmt.Errorf("models: OutChannels must be positive, got %d", n)
	}
	if n > 0 {
		return n, nil
	}
	n = 1
	for _, l := range lengths {
		n = max(n, l)
	}
	return n, nil
}

func named(title string, ks []filters.Kernel) []NamedFilter {
	out := make([]NamedFilter, len(ks))
	for i, k := range ks {
		t := title
		if len(ks) > 1 {
			t = fmt.Sprintf("%s %d", title, i)
		}
		out[i] = NamedFilter{Title: t, Kernel: k}
	}
	return out
}
