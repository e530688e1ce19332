package models

import (
	"fmt"
	"strconv"
)

// The Portilla–Simoncelli representation's layout, as plenoptic 1.1.0 builds
// it: the statistics in order, each with its shape (without batch and
// channel), the scale each of its values belongs to, and which values are
// kept (the others are redundant by symmetry and dropped from the tensor).

// Names of the statistics, in the order of the representation (plenoptic's
// convert_to_dict keys).
const (
	StatPixel                   = "pixel_statistics"
	StatAutoCorrMagnitude       = "auto_correlation_magnitude"
	StatSkewReconstructed       = "skew_reconstructed"
	StatKurtosisReconstructed   = "kurtosis_reconstructed"
	StatAutoCorrReconstructed   = "auto_correlation_reconstructed"
	StatStdReconstructed        = "std_reconstructed"
	StatCrossOrientationCorrMag = "cross_orientation_correlation_magnitude"
	StatMagnitudeStd            = "magnitude_std"
	StatCrossScaleCorrMagnitude = "cross_scale_correlation_magnitude"
	StatCrossScaleCorrReal      = "cross_scale_correlation_real"
	StatVarHighpassResidual     = "var_highpass_residual"
)

// Scales of the Portilla–Simoncelli statistics besides the pyramid's numbered
// scales ("0", "1", …): plenoptic's names.
const (
	ScalePixelStatistics  = "pixel_statistics"
	ScaleResidualLowpass  = "residual_lowpass"
	ScaleResidualHighpass = "residual_highpass"
)

// psStat is one statistic of the layout.
type psStat struct {
	name   string
	shape  []int    // without batch and channel
	scales []string // scale of each value (row-major), len = prod(shape)
	keep   []bool   // necessary values, len = prod(shape)
}

func (s psStat) size() int {
	n := 1
	for _, d := range s.shape {
		n *= d
	}
	return n
}

// psLayout builds plenoptic's _create_scales_shape_dict and
// _create_necessary_stats_dict for (n_scales, n_orientations,
// spatial_corr_width).
func psLayout(nScales, nOri, w int) []psStat {
	scale := func(s int) string { return strconv.Itoa(s) }
	withLowpass := func(s int) string {
		if s == nScales {
			return ScaleResidualLowpass
		}
		return scale(s)
	}
	// fill returns the scale of every element of shape, taken from the last
	// axis's index through f.
	fill := func(shape []int, f func(last int) string) []string {
		n := 1
		for _, d := range shape {
			n *= d
		}
		out := make([]string, n)
		last := shape[len(shape)-1]
		for i := range out {
			out[i] = f(i % last)
		}
		return out
	}
	ones := func(n int) []bool {
		b := make([]bool, n)
		for i := range b {
			b[i] = true
		}
		return b
	}
	// autoKeep is the mask of a (w, w, rest...) auto-correlation: the lower
	// triangle with the diagonal, all of row 0 when w is even, minus the
	// second half of the diagonal (the centre, always 1, and its mirror).
	autoKeep := func(rest int) []bool {
		keep := make([]bool, w*w*rest)
		for i := range w {
			for j := range w {
				k := i >= j
				if w%2 == 0 && i == 0 {
					k = true
				}
				if i == j && i >= w/2 {
					k = false
				}
				for r := range rest {
					keep[(i*w+j)*rest+r] = k
				}
			}
		}
		return keep
	}
	var out []psStat
	add := func(name string, shape []int, scales []string, keep []bool) {
		s := psStat{name: name, shape: shape, scales: scales, keep: keep}
		if s.keep == nil {
			s.keep = ones(s.size())
		}
		out = append(out, s)
	}
	pix := []string{ScalePixelStatistics, ScalePixelStatistics, ScalePixelStatistics,
		ScalePixelStatistics, ScalePixelStatistics, ScalePixelStatistics}
	add(StatPixel, []int{6}, pix, nil)
	sh := []int{w, w, nOri, nScales}
	add(StatAutoCorrMagnitude, sh, fill(sh, scale), autoKeep(nOri*nScales))
	sh = []int{nScales + 1}
	add(StatSkewReconstructed, sh, fill(sh, withLowpass), nil)
	add(StatKurtosisReconstructed, sh, fill(sh, withLowpass), nil)
	sh = []int{w, w, nScales + 1}
	add(StatAutoCorrReconstructed, sh, fill(sh, withLowpass), autoKeep(nScales+1))
	sh = []int{nScales + 1}
	add(StatStdReconstructed, sh, fill(sh, withLowpass), nil)
	sh = []int{nOri, nOri, nScales}
	keep := make([]bool, nOri*nOri*nScales)
	for i := range nOri {
		for j := range nOri {
			for s := range nScales {
				keep[(i*nOri+j)*nScales+s] = i > j // upper triangle and diagonal dropped
			}
		}
	}
	add(StatCrossOrientationCorrMag, sh, fill(sh, scale), keep)
	sh = []int{nOri, nScales}
	add(StatMagnitudeStd, sh, fill(sh, scale), nil)
	sh = []int{nOri, nOri, nScales - 1}
	add(StatCrossScaleCorrMagnitude, sh, fillOrEmpty(sh, scale, fill), nil)
	sh = []int{nOri, 2 * nOri, nScales - 1}
	add(StatCrossScaleCorrReal, sh, fillOrEmpty(sh, scale, fill), nil)
	add(StatVarHighpassResidual, []int{1}, []string{ScaleResidualHighpass}, nil)
	return out
}

func fillOrEmpty(shape []int, f func(int) string, fill func([]int, func(int) string) []string) []string {
	if shape[len(shape)-1] == 0 {
		return nil
	}
	return fill(shape, f)
}

// psIndices returns the flat indices (into the full, unpruned statistics)
// of the kept values whose scale is in scales (all scales when nil), and the
// scale label of each kept value.
func psIndices(layout []psStat, scales []string) (idx []int, labels []string) {
	want := map[string]bool{}
	for _, s := range scales {
		want[s] = true
	}
	off := 0
	for _, st := range layout {
		for i := range st.size() {
			if st.keep[i] && (scales == nil || want[st.scales[i]]) {
				idx = append(idx, off+i)
				labels = append(labels, st.scales[i])
			}
		}
		off += st.size()
	}
	return idx, labels
}

// checkScaleNames validates a scales selection against the model's scales.
func checkScaleNames(valid, scales []string) error {
	ok := map[string]bool{}
	for _, s := range valid {
		ok[s] = true
	}
	for _, s := range scales {
		if !ok[s] {
			return fmt.Errorf("models: PortillaSimoncelli: %q is not one of the model's scales %v", s, valid)
		}
	}
	return nil
}
