package nb

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/goplenoptic/goplenoptic/display"
	"github.com/goplenoptic/goplenoptic/plenoptic/pyramid"
)

// TestPyrBands shows a real complex pyramid of a 32×32 crop through
// PyrBands: every band, in plenoptic's layout.
func TestPyrBands(t *testing.T) {
	v := make([]float32, 32*32)
	for i := range v {
		v[i] = float32(math.Sin(float64(i%32)/3) * math.Cos(float64(i/32)/5))
	}
	img := tensors.FromFlatDataAndDimensions(v, 1, 1, 32, 32)
	p := Must(pyramid.NewSteerable([2]int{32, 32}, pyramid.Options{Height: 2, Order: 1, IsComplex: true}))
	c := Must(p.EvalForward(img))
	bands := PyrBands(c)
	if len(bands) != len(c.Keys) {
		t.Fatalf("%d bands for %d keys", len(bands), len(c.Keys))
	}
	fig, err := display.PyrShow(bands, display.PyrShowOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// 2 scales × 2 orientations × (real, imaginary) + 2 residuals.
	if len(fig.Axes) != 10 || !strings.HasPrefix(fig.Axes[1].Title, "height 00, band 00 imaginary") ||
		!strings.HasPrefix(fig.Axes[8].Title, "residual highpass") || !strings.HasPrefix(fig.Axes[9].Title, "residual lowpass") {
		var titles []string
		for _, ax := range fig.Axes {
			titles = append(titles, strings.SplitN(ax.Title, "\n", 2)[0])
		}
		t.Errorf("panels %q", titles)
	}
}
