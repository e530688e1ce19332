package nb

import (
	"github.com/goplenoptic/goplenoptic/display"
	"github.com/goplenoptic/goplenoptic/plenoptic/pyramid"
)

// PyrBands converts a steerable pyramid's coefficients (in their order)
// into the bands display.PyrShow takes.
func PyrBands(c pyramid.TensorCoeffs) []display.PyrBand {
	out := make([]display.PyrBand, 0, len(c.Keys))
	for _, k := range c.Keys {
		b := display.PyrBand{Coeffs: c.Bands[k]}
		switch k.Level {
		case pyramid.ResidualHighpass:
			b.Residual = display.ResidualHighpass
		case pyramid.ResidualLowpass:
			b.Residual = display.ResidualLowpass
		default:
			b.Scale, b.Orientation = int(k.Level), k.Orientation
		}
		out = append(out, b)
	}
	return out
}

// PyrShow shows a steerable pyramid's coefficients inline, like plenoptic's
// pyrshow (see display.PyrShow): one row per scale, one column per
// orientation, the residuals last.
func PyrShow(c pyramid.TensorCoeffs, o display.PyrShowOptions) {
	Show(display.PyrShow(PyrBands(c), o))
}
