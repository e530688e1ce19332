package display

import (
	"image/color"
	"math"
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
var Gray = newLinearColormap("gray", [][3]float64{{0, 0, 0}, {1, 1, 1}})

// RdBuR is matplotlib's "RdBu_r" diverging colormap (ColorBrewer RdBu,
// reversed): dark blue for vmin, near-white for the middle, dark red for vmax.
// plenoptic uses it whenever the vrange mode contains "0".
var RdBuR = newLinearColormap("RdBu_r", reverse(rdBu))

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

// newLinearColormap builds a 256-entry table by linear interpolation between
// equally spaced control points (matplotlib's LinearSegmentedColormap.from_list).
func newLinearColormap(name string, pts [][3]float64) *Colormap {
	c := &Colormap{name: name}
	n := len(pts) - 1
	for j := 0; j < 256; j++ {
		x := float64(j) * (1.0 / 255) // numpy linspace(0, 1, 256)
		seg := int(x * float64(n))
		if seg >= n {
			seg = n - 1
		}
		t := (x - float64(seg)/float64(n)) * float64(n)
		var rgb [3]uint8
		for k := 0; k < 3; k++ {
			v := pts[seg][k] + t*(pts[seg+1][k]-pts[seg][k])
			rgb[k] = uint8(math.Min(255, math.Max(0, v*255+1e-9)))
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
