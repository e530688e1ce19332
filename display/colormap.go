package display

import (
	"image/color"
	"math"
	"sort"
)

// Colormap maps a normalised value in [0, 1] to a colour through a 256-entry
// lookup table, the way matplotlib's colormaps do.
type Colormap struct {
	name string
	lut  [256]color.RGBA
}

// Name returns the matplotlib name of the colormap ("gray", "RdBu_r", ...).
func (c *Colormap) Name() string { return c.name }

// At returns the colour for a normalised value x: x*256 truncated to a table
// index, values below 0 take the first entry and above 1 the last (matplotlib's
// default under/over colours), NaN is transparent.
func (c *Colormap) At(x float64) color.RGBA {
	if math.IsNaN(x) {
		return color.RGBA{}
	}
	i := x * 256
	switch {
	case i < 0:
		return c.lut[0]
	case i >= 255:
		return c.lut[255]
	}
	return c.lut[int(i)]
}

// Gray is matplotlib's "gray" colormap: black for vmin, white for vmax.
var Gray = newSegmentedColormap("gray", []float64{0, 1}, [][3]float64{{0, 0, 0}, {1, 1, 1}})

// RdBuR is matplotlib's "RdBu_r" diverging colormap (ColorBrewer RdBu,
// reversed): dark blue for vmin, near-white for the middle, dark red for vmax.
// It is the default for the vrange modes with a 0 (Auto0, Indep0).
var RdBuR = newSegmentedColormap("RdBu_r", reversedPositions(linspace(len(rdBu))), reverse(rdBu))

// rdBu holds the 11 ColorBrewer RdBu control points used by matplotlib.
var rdBu = [][3]float64{
	{0.40392156862745099, 0.0, 0.12156862745098039},
	{0.69803921568627447, 0.09411764705882353, 0.16862745098039217},
	{0.83921568627450982, 0.37647058823529411, 0.30196078431372547},
	{0.95686274509803926, 0.6470588235294118, 0.50980392156862742},
	{0.99215686274509807, 0.85882352941176465, 0.7803921568627451},
	{0.96862745098039216, 0.96862745098039216, 0.96862745098039216},
	{0.81960784313725488, 0.89803921568627454, 0.94117647058823528},
	{0.5725490196078431, 0.77254901960784317, 0.87058823529411766},
	{0.2627450980392157, 0.57647058823529407, 0.76470588235294112},
	{0.12941176470588237, 0.4, 0.67450980392156867},
	{0.0196078431372549, 0.18823529411764706, 0.38039215686274508},
}

func reverse(pts [][3]float64) [][3]float64 {
	out := make([][3]float64, len(pts))
	for i, p := range pts {
		out[len(pts)-1-i] = p
	}
	return out
}

// linspace is numpy's linspace(0, 1, n): i·(1/(n−1)), the last value exactly 1.
func linspace(n int) []float64 {
	out := make([]float64, n)
	step := 1 / float64(n-1)
	for i := range out {
		out[i] = float64(i) * step
	}
	out[n-1] = 1
	return out
}

// reversedPositions is what matplotlib's Colormap.reversed() does to the
// control-point positions: 1 − x, in reverse order.
func reversedPositions(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[len(xs)-1-i] = 1.0 - x
	}
	return out
}

// newSegmentedColormap builds the 256-entry table the way matplotlib does
// for a LinearSegmentedColormap with control points pts at positions xs
// (colors._create_lookup_table, then (lut·255).astype(uint8) when an image is
// drawn): linear interpolation at 255·linspace(0, 1, 256) between positions
// scaled by 255, with the arithmetic in the same order so that the truncation
// to bytes lands on the same side (24 entries of "gray" are j−1, not j, and 3
// of "RdBu_r" are one level lower in blue, for that reason).
func newSegmentedColormap(name string, xs []float64, pts [][3]float64) *Colormap {
	c := &Colormap{name: name}
	const n = 256
	x := make([]float64, len(xs))
	for i, v := range xs {
		x[i] = v * (n - 1)
	}
	xind := linspace(n)
	for j := range xind {
		xind[j] *= n - 1
	}
	for j := 0; j < n; j++ {
		var rgb [3]uint8
		for k := 0; k < 3; k++ {
			var v float64
			switch j {
			case 0:
				v = pts[0][k]
			case n - 1:
				v = pts[len(pts)-1][k]
			default:
				ind := sort.SearchFloat64s(x, xind[j]) // numpy searchsorted, side="left"
				distance := float64(xind[j]-x[ind-1]) / float64(x[ind]-x[ind-1])
				v = float64(distance*float64(pts[ind][k]-pts[ind-1][k])) + pts[ind-1][k]
			}
			v = math.Min(1, math.Max(0, v))
			rgb[k] = uint8(float64(v * 255)) // astype(uint8) truncates
		}
		c.lut[j] = color.RGBA{rgb[0], rgb[1], rgb[2], 255}
	}
	return c
}

// premultiply converts a straight-alpha colour to Go's premultiplied RGBA.
func premultiply(c color.RGBA) color.RGBA {
	a := uint32(c.A)
	return color.RGBA{uint8(uint32(c.R) * a / 255), uint8(uint32(c.G) * a / 255), uint8(uint32(c.B) * a / 255), c.A}
}
