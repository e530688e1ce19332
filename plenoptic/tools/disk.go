package tools

import "math"

// MakeDisk returns plenoptic's make_disk((h, w)) as h·w row-major values: a
// soft disk centred on the image, 1 inside half the outer radius, 0 beyond
// the outer radius (min(h, w) − 1)/2, and a raised-cosine fall-off between.
// The OnOff model multiplies its output by it when its mask is on.
func MakeDisk(h, w int) []float64 {
	outer := float64(min(h, w)-1) / 2
	return MakeDiskRadii(h, w, outer, outer/2)
}

// MakeDiskRadii is MakeDisk with explicit radii: value 1 where the distance
// r from the centre ((h−1)/2, (w−1)/2) is below inner, 0 where it is above
// outer, and (1 + cos(π·(r − inner)/(outer − inner)))/2 between.
func MakeDiskRadii(h, w int, outer, inner float64) []float64 {
	out := make([]float64, max(h, 0)*max(w, 0))
	i0, j0 := float64(h-1)/2, float64(w-1)/2
	for i := range h {
		for j := range w {
			di, dj := float64(i)-i0, float64(j)-j0
			r := math.Sqrt(di*di + dj*dj)
			var v float64
			switch {
			case r > outer:
				v = 0
			case r < inner:
				v = 1
			default:
				v = (1 + math.Cos(math.Pi*(r-inner)/(outer-inner))) / 2
			}
			out[i*w+j] = v
		}
	}
	return out
}
