package display

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// VRange chooses the colour limits (vmin, vmax) of image panels: either a
// named mode or fixed limits. The zero value is plenoptic's default, "indep1".
//
// Modes ("auto*" pools the values of all panels, "indep*" works per panel;
// NaNs are ignored):
//
//	auto0, indep0   (-M, M) with M = max(|min|, |max|)
//	auto1, indep1   (min, max); "auto" is auto1
//	auto2, indep2   mean ± 2·std (population std)
//	auto3, indep3   (p10 - (p90-p10)/8, p90 + (p90-p10)/8), linear percentiles
type VRange struct {
	mode     string
	min, max float64
	fixed    bool
}

// validModes lists the mode names VRangeMode accepts.
var validModes = []string{"auto", "auto0", "auto1", "auto2", "auto3", "indep0", "indep1", "indep2", "indep3"}

// ValidVRangeModes returns the mode names VRangeMode accepts.
func ValidVRangeModes() []string { return append([]string(nil), validModes...) }

// VRangeMode selects a named mode such as "indep1" or "auto0" (see VRange).
// Unknown names are reported as an error when the figure is drawn.
func VRangeMode(mode string) VRange { return VRange{mode: mode} }

// VRangeLimits fixes (vmin, vmax) for every panel, like passing a 2-tuple to
// plenoptic. Fixed limits use the gray colormap unless one is given.
func VRangeLimits(vmin, vmax float64) VRange { return VRange{min: vmin, max: vmax, fixed: true} }

// Mode returns the mode name ("indep1" for the zero value, "" for fixed limits).
func (v VRange) Mode() string {
	if v.fixed {
		return ""
	}
	if v.mode == "" {
		return "indep1"
	}
	return v.mode
}

// String describes the setting as plenoptic would print it.
func (v VRange) String() string {
	if v.fixed {
		return fmt.Sprintf("(%g, %g)", v.min, v.max)
	}
	return v.Mode()
}

// defaultCmap is plenoptic's rule: RdBu_r when the mode contains "0", else gray.
func (v VRange) defaultCmap() *Colormap {
	if !v.fixed && strings.Contains(v.Mode(), "0") {
		return RdBuR
	}
	return Gray
}

func (v VRange) validate() error {
	if v.fixed {
		if math.IsNaN(v.min) || math.IsNaN(v.max) {
			return fmt.Errorf("vrange limits (%g, %g) contain NaN", v.min, v.max)
		}
		return nil
	}
	for _, m := range validModes {
		if v.Mode() == m {
			return nil
		}
	}
	return fmt.Errorf("unknown vrange %q: valid modes are %s, or fixed limits (VRangeLimits)",
		v.mode, strings.Join(validModes, ", "))
}

// limits returns one (vmin, vmax) pair per plane.
func (v VRange) limits(planes []plane) ([][2]float64, error) {
	if err := v.validate(); err != nil {
		return nil, err
	}
	out := make([][2]float64, len(planes))
	mode := v.Mode()
	switch {
	case v.fixed:
		for i := range out {
			out[i] = [2]float64{v.min, v.max}
		}
	case strings.HasPrefix(mode, "auto"):
		var all []float64
		for _, p := range planes {
			all = appendNumbers(all, p.Pix)
		}
		r := rangeOf(all, strings.TrimPrefix(mode, "auto"))
		for i := range out {
			out[i] = r
		}
	default: // indep
		for i, p := range planes {
			out[i] = rangeOf(appendNumbers(nil, p.Pix), strings.TrimPrefix(mode, "indep"))
		}
	}
	return out, nil
}

func appendNumbers(dst, src []float64) []float64 {
	for _, x := range src {
		if !math.IsNaN(x) {
			dst = append(dst, x)
		}
	}
	return dst
}

// rangeOf applies mode "0".."3" ("" means "1") to NaN-free values.
func rangeOf(vals []float64, kind string) [2]float64 {
	if len(vals) == 0 {
		return [2]float64{math.NaN(), math.NaN()}
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range vals {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	switch kind {
	case "0":
		m := math.Max(math.Abs(lo), math.Abs(hi))
		return [2]float64{-m, m}
	case "2":
		mean, std := meanStd(vals)
		return [2]float64{mean - 2*std, mean + 2*std}
	case "3":
		s := append([]float64(nil), vals...)
		sort.Float64s(s)
		p1, p2 := percentile(s, 10), percentile(s, 90)
		return [2]float64{p1 - (p2-p1)/8, p2 + (p2-p1)/8}
	}
	return [2]float64{lo, hi}
}

func meanStd(vals []float64) (mean, std float64) {
	for _, x := range vals {
		mean += x
	}
	mean /= float64(len(vals))
	for _, x := range vals {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(vals)))
}

// percentile is numpy's default (linear) percentile of sorted values.
func percentile(sorted []float64, p float64) float64 {
	rank := p / 100 * float64(len(sorted)-1)
	i := int(math.Floor(rank))
	if i >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	f := rank - float64(i)
	return sorted[i] + f*(sorted[i+1]-sorted[i])
}
