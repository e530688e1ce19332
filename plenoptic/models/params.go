package models

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/goplenoptic/goplenoptic/plenoptic/filters"
)

// KernelSize is a kernel's height and width (plenoptic's kernel_size, which
// is an int or an (h, w) pair): Square(31) is kernel_size=31.
type KernelSize [2]int

// Square returns the k×k kernel size.
func Square(k int) KernelSize { return KernelSize{k, k} }

// String returns "h×w".
func (k KernelSize) String() string { return fmt.Sprintf("%d×%d", k[0], k[1]) }

func (k KernelSize) check() error {
	if k == (KernelSize{}) {
		return fmt.Errorf("models: KernelSize is required (plenoptic's kernel_size), e.g. models.Square(31)")
	}
	if k[0] <= 0 || k[1] <= 0 {
		return fmt.Errorf("models: kernel size must be positive, got %s", k)
	}
	return nil
}

// checkPretrained enforces plenoptic's rule that pretrained parameters come
// with 31×31 kernels.
func (k KernelSize) checkPretrained() error {
	if k != Square(31) {
		return fmt.Errorf("models: pretrained model has kernel size 31×31, got %s", k)
	}
	return nil
}

// NamedFilter is one filter of a model with the title plenoptic's
// display_filters gives it.
type NamedFilter struct {
	Title  string
	Kernel filters.Kernel
}

// param describes one entry of a model's state dict.
type param struct {
	key   string
	get   func() []float64
	check func([]float64) error // validates a new value of the right length
	set   func([]float64)
	n     int // required length
}

func prefixed(prefix string, ps []param) []param {
	out := make([]param, len(ps))
	for i, p := range ps {
		p.key = prefix + p.key
		out[i] = p
	}
	return out
}

func paramsMap(ps []param) map[string][]float64 {
	m := make(map[string][]float64, len(ps))
	for _, p := range ps {
		m[p.key] = slices.Clone(p.get())
	}
	return m
}

// loadParams validates every entry of values against ps, then sets them all
// (nothing changes when any entry is wrong). Compiled graphs are cached by
// parameter values (package compiled), so the next evaluation builds a new
// one.
func loadParams(m Model, ps []param, values map[string][]float64) error {
	byKey := make(map[string]param, len(ps))
	for _, p := range ps {
		byKey[p.key] = p
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p, ok := byKey[k]
		if !ok {
			valid := make([]string, 0, len(ps))
			for _, p := range ps {
				valid = append(valid, fmt.Sprintf("%q", p.key))
			}
			return fmt.Errorf("models: %T has no parameter %q (valid: %s)", m, k, strings.Join(valid, ", "))
		}
		v := values[k]
		if len(v) != p.n {
			return fmt.Errorf("models: parameter %q needs %d value(s), got %d", k, p.n, len(v))
		}
		for i, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("models: parameter %q value %d is %v", k, i, x)
			}
		}
		if err := p.check(v); err != nil {
			return fmt.Errorf("models: parameter %q: %w", k, err)
		}
	}
	for _, k := range keys {
		byKey[k].set(slices.Clone(values[k]))
	}
	return nil
}

// broadcast returns vals for n channels: a single value is repeated, n
// values are kept, nil gives def; other lengths are an error naming what.
func broadcast(what string, vals []float64, n int, def float64) ([]float64, error) {
	switch len(vals) {
	case 0:
		vals = []float64{def}
		fallthrough
	case 1:
		out := make([]float64, n)
		for i := range out {
			out[i] = vals[0]
		}
		return out, nil
	case n:
		return slices.Clone(vals), nil
	}
	return nil, fmt.Errorf("models: %s has %d values for %d out channels (give one, or one per channel)", what, len(vals), n)
}

func checkPositive(what string) func([]float64) error {
	return func(v []float64) error {
		for i, s := range v {
			if !(s > 0) {
				return fmt.Errorf("%s must be positive, got %v (channel %d)", what, s, i)
			}
		}
		return nil
	}
}

func checkNonZero(what string) func([]float64) error {
	return func(v []float64) error {
		for i, s := range v {
			if s == 0 {
				return fmt.Errorf("%s must not be 0 (channel %d)", what, i)
			}
		}
		return nil
	}
}

func checkAmplitude(v []float64) error {
	if v[0] < 1 {
		return fmt.Errorf("amplitude ratio must be at least 1, got %v", v[0])
	}
	return nil
}

func anyValue([]float64) error { return nil }

func abs(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.Abs(x)
	}
	return out
}
