package display

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// VRange chooses the colour limits (vmin, vmax) of image panels. It is
// either a VRangeMode constant (Indep1, Auto0, ...) or fixed Limits; nil is
// plenoptic's default, Indep1. No other type implements it.
type VRange interface {
	// planeLimits returns one (vmin, vmax) pair per plane.
	planeLimits(planes []plane) ([][2]float64, error)
	// defaultCmap is the colormap used when none is given.
	defaultCmap() *Colormap
}

// VRangeMode is a rule that computes colour limits from the pixel values.
// The Auto modes pool the values of all panels of a figure, the Indep modes
// work on each panel alone; NaNs are ignored. A mode with a 0 uses the RdBu_r
// colormap unless another is given, the others gray.
type VRangeMode string

// The vrange modes of plenoptic. plenoptic's "auto" is Auto1.
const (
	// Indep1 and Auto1 use (min, max). Indep1 is the default.
	Indep1 VRangeMode = "indep1"
	Auto1  VRangeMode = "auto1"
	// Indep0 and Auto0 use (-M, M) with M = max(|min|, |max|), for signed data.
	Indep0 VRangeMode = "indep0"
	Auto0  VRangeMode = "auto0"
	// Indep2 and Auto2 use mean ± 2·std (population std).
	Indep2 VRangeMode = "indep2"
	Auto2  VRangeMode = "auto2"
	// Indep3 and Auto3 use (p10 - (p90-p10)/8, p90 + (p90-p10)/8), with
	// linearly interpolated percentiles.
	Indep3 VRangeMode = "indep3"
	Auto3  VRangeMode = "auto3"
)

var vrangeModes = []VRangeMode{Auto0, Auto1, Auto2, Auto3, Indep0, Indep1, Indep2, Indep3}

// Limits fixes (vmin, vmax) for every panel, like passing a 2-tuple as
// plenoptic's vrange. Fixed limits use the gray colormap unless one is given.
type Limits struct {
	Min, Max float64 // vmin and vmax; both must be finite
}

// vrangeOrDefault resolves nil to plenoptic's default.
func vrangeOrDefault(v VRange) VRange {
	if v == nil {
		return Indep1
	}
	return v
}

// kind splits a mode into "auto" or "indep" and its digit; "auto" alone
// (plenoptic's spelling of auto1) is accepted.
func (m VRangeMode) kind() (pooled bool, digit string, err error) {
	if m == "auto" {
		return true, "1", nil
	}
	for _, v := range vrangeModes {
		if m == v {
			return strings.HasPrefix(string(m), "auto"), string(m[len(m)-1:]), nil
		}
	}
	names := make([]string, len(vrangeModes))
	for i, v := range vrangeModes {
		names[i] = string(v)
	}
	return false, "", fmt.Errorf("unknown vrange %q: valid modes are %s (Auto0 ... Indep3), or fixed Limits", string(m), strings.Join(names, ", "))
}

func (m VRangeMode) defaultCmap() *Colormap {
	if strings.Contains(string(m), "0") {
		return RdBuR
	}
	return Gray
}

func (m VRangeMode) planeLimits(planes []plane) ([][2]float64, error) {
	pooled, digit, err := m.kind()
	if err != nil {
		return nil, err
	}
	out := make([][2]float64, len(planes))
	if pooled {
		var all []float64
		for _, p := range planes {
			all = appendNumbers(all, p.Pix)
		}
		r := rangeOf(all, digit)
		for i := range out {
			out[i] = r
		}
		return out, nil
	}
	for i, p := range planes {
		out[i] = rangeOf(appendNumbers(nil, p.Pix), digit)
	}
	return out, nil
}

func (Limits) defaultCmap() *Colormap { return Gray }

func (l Limits) planeLimits(planes []plane) ([][2]float64, error) {
	if math.IsNaN(l.Min) || math.IsNaN(l.Max) || math.IsInf(l.Min, 0) || math.IsInf(l.Max, 0) {
		return nil, fmt.Errorf("vrange limits (%g, %g) must be finite", l.Min, l.Max)
	}
	out := make([][2]float64, len(planes))
	for i := range out {
		out[i] = [2]float64{l.Min, l.Max}
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

// rangeOf applies the rule of mode digit "0".."3" to NaN-free values.
func rangeOf(vals []float64, digit string) [2]float64 {
	if len(vals) == 0 {
		return [2]float64{math.NaN(), math.NaN()}
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range vals {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	switch digit {
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
