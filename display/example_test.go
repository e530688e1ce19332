package display_test

import (
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/display"
)

// gradient returns a [1,1,n,n] image with values 0..1.
func gradient(n int) *tensors.Tensor {
	d := make([]float32, n*n)
	for i := range d {
		d[i] = float32(i) / float32(n*n-1)
	}
	return tensors.FromFlatDataAndDimensions(d, 1, 1, n, n)
}

func ExampleImshow() {
	img := gradient(64)
	fig, err := display.Imshow([]*tensors.Tensor{img, img}, display.ImshowOptions{
		Titles: []string{"Original image", "Model output"},
		Zoom:   2,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// In a notebook: fig.Show(). Here we look at the geometry and titles.
	fmt.Println(fig.Image().Bounds().Size())
	fmt.Printf("%q\n", fig.Axes[1].Title)
	// Output:
	// (266,160)
	// "Model output\n range: [0.0e+00, 1.0e+00] \n dims: [64, 64] * 2"
}

func ExampleImshow_diverging() {
	d := make([]float32, 16)
	for i := range d {
		d[i] = float32(i) - 5
	}
	fig, _ := display.ImshowTensor(tensors.FromFlatDataAndDimensions(d, 1, 1, 4, 4),
		display.ImshowOptions{VRange: display.VRangeMode("indep0")})
	ax := fig.Axes[0]
	fmt.Println(ax.Cmap, ax.VMin, ax.VMax)
	// Output: RdBu_r -10 10
}

func ExamplePlotLoss() {
	var losses []float64
	for i := 0; i < 100; i++ {
		losses = append(losses, 0.02*math.Exp(-float64(i)/20))
	}
	fig, err := display.PlotLoss(losses, -1) // red dot at the last iteration
	if err != nil {
		fmt.Println(err)
		return
	}
	svg, _ := fig.SVG()
	fmt.Println(fig.Image().Bounds().Size(), strings.Contains(string(svg), "Synthesis iteration"))
	// Output: (460,345) true
}

// synthesis is a made-up MetamerView: the metamer fades from white to the target.
type synthesis struct{ target *tensors.Tensor }

func (s synthesis) at(k int) *tensors.Tensor {
	t := tensors.MustCopyFlatData[float32](s.target)
	w := float32(math.Exp(-float64(k) / 3))
	for i := range t {
		t[i] += w * (1 - t[i])
	}
	return tensors.FromFlatDataAndDimensions(t, s.target.Shape().Dimensions...)
}
func (s synthesis) Image() *tensors.Tensor   { return s.target }
func (s synthesis) Metamer() *tensors.Tensor { return s.at(10) }
func (s synthesis) StoreProgress() int       { return 1 }
func (s synthesis) Losses() []float64 {
	var l []float64
	for k := 0; k < 10; k++ {
		l = append(l, math.Exp(-float64(k)/3))
	}
	return l
}
func (s synthesis) SavedMetamers() []*tensors.Tensor {
	var out []*tensors.Tensor
	for k := 0; k < 10; k++ {
		out = append(out, s.at(k))
	}
	return out
}
func (s synthesis) RepresentationError(it int) (*tensors.Tensor, error) {
	if it < 0 {
		it = 10
	}
	m, t := tensors.MustCopyFlatData[float32](s.at(it)), tensors.MustCopyFlatData[float32](s.target)
	for i := range m {
		m[i] -= t[i]
	}
	return tensors.FromFlatDataAndDimensions(m, s.target.Shape().Dimensions...), nil
}

func ExampleAnimate() {
	anim, err := display.Animate(synthesis{target: gradient(32)}, display.AnimateOptions{
		StatusOptions: display.StatusOptions{
			IncludedPlots: []string{display.PanelMetamer, display.PanelLoss},
			FigSize:       [2]float64{12, 5},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// In a notebook: anim.Show() (an HTML5 player). Also anim.GIF(), anim.MP4().
	html := anim.HTML()
	fmt.Println(anim.Len(), "frames;", strings.Count(html, "data:image/png"), "images in the player")
	// Output: 10 frames; 10 images in the player
}
