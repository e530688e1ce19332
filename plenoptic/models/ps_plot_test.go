package models

import (
	"slices"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/display"
	"github.com/goplenoptic/goplenoptic/internal/reftest"
)

var _ display.RepresentationPlotter = (*PortillaSimoncelli)(nil)

// TestPortillaSimoncelliPlotRepresentation draws plenoptic's
// representations of reptile_skin (4 scales, and 1 scale) with
// display.PlotRepresentation: plot_representation's panels, titles and grid.
func TestPortillaSimoncelliPlotRepresentation(t *testing.T) {
	for _, c := range []struct {
		name       string
		rows, cols int
	}{{"reptile256", 3, 3}, {"reptile64_s1", 2, 3}} {
		params := reftest.Params(t, "pyramid/ps/"+c.name+"/rep")
		m := psModelFor(t, params)
		rep, shape := reftest.Load(t, "pyramid/ps/"+c.name+"/rep")
		fig, err := display.PlotRepresentation(m, tensors.FromFlatDataAndDimensions(rep, shape...), display.RepresentationOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := reftest.Text(t, "pyramid/ps/"+c.name+"/plot_keys")
		var titles []string
		for _, ax := range fig.Axes {
			if ax.Kind != display.StemAxes {
				t.Errorf("%s: panel %q is %s, want a stem plot", c.name, ax.Title, ax.Kind)
			}
			titles = append(titles, ax.Title)
		}
		if !slices.Equal(titles, want) {
			t.Errorf("%s: panels %v, plenoptic %v", c.name, titles, want)
			continue
		}
		// Rows of c.cols panels: the first of each row shares panel 0's x.
		for i, ax := range fig.Axes {
			sameRow := ax.Rect.Min.Y == fig.Axes[i/c.cols*c.cols].Rect.Min.Y
			firstCol := ax.Rect.Min.X == fig.Axes[0].Rect.Min.X
			if !sameRow || firstCol != (i%c.cols == 0) {
				t.Errorf("%s: panel %d at %v is not at row %d, column %d of a %d×%d grid", c.name, i, ax.Rect.Min, i/c.cols, i%c.cols, c.rows, c.cols)
			}
		}
		if _, _, _, err := m.RepresentationPanels(tensors.FromFlatDataAndDimensions(rep, shape...), 3); err == nil {
			t.Errorf("%s: batch index 3 accepted", c.name)
		}
	}
}
