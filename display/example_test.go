package display_test

import (
	"errors"
	"fmt"
	"image"
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
	signed := tensors.FromFlatDataAndDimensions(d, 1, 1, 4, 4)
	fig, err := display.Imshow([]*tensors.Tensor{signed}, display.ImshowOptions{VRange: display.Indep0})
	if err != nil {
		fmt.Println(err)
		return
	}
	ax := fig.Axes[0]
	fmt.Println(ax.Cmap, ax.VMin, ax.VMax)
	// Output: RdBu_r -10 10
}

func ExampleImshow_limits() {
	// Fixed limits for every panel; ChannelIdx (a pointer: set it with new)
	// keeps channel 0.
	img := gradient(8)
	fig, err := display.Imshow([]*tensors.Tensor{img}, display.ImshowOptions{
		VRange: display.Limits{Min: 0, Max: 2}, Zoom: 4, ChannelIdx: new(0)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(fig.Axes[0].Cmap, fig.Axes[0].VMin, fig.Axes[0].VMax)
	// Output: gray 0 2
}

func ExampleImshow_tooLarge() {
	_, err := display.Imshow([]*tensors.Tensor{gradient(256)}, display.ImshowOptions{Zoom: 1e6})
	fmt.Println(errors.Is(err, display.ErrTooLarge))
	// Output: true
}

func ExamplePlotLoss() {
	var losses []float64
	for i := 0; i < 100; i++ {
		losses = append(losses, 0.02*math.Exp(-float64(i)/20))
	}
	// Red dot at the last iteration (Iteration nil); a title above the axes.
	fig, err := display.PlotLoss(losses, display.LossOptions{Title: "Loss of the metamer from white noise"})
	if err != nil {
		fmt.Println(err)
		return
	}
	svg, err := fig.SVG()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(fig.Image().Bounds().Size(), strings.Contains(string(svg), "Synthesis iteration"), fig.Axes[0].Title)
	// Output: (460,345) true Loss of the metamer from white noise
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
			IncludedPlots: []display.Panel{display.PanelMetamer, display.PanelLoss},
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

func ExamplePlotSynthesisStatus() {
	fig, err := display.PlotSynthesisStatus(synthesis{target: gradient(32)}, display.StatusOptions{
		Iteration:   new(4),
		WidthRatios: map[display.Panel]float64{display.PanelLoss: 2},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ax := range fig.Axes {
		fmt.Printf("%s %q\n", ax.Kind, strings.SplitN(ax.Title, "\n", 2)[0])
	}
	// Output:
	// image "Metamer"
	// loss ""
	// image "Representation error_00"
}

func ExampleMetamerImage() {
	fig, err := display.MetamerImage(synthesis{target: gradient(32)}, display.StatusOptions{Zoom: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q\n", fig.Axes[0].Title)
	// Output: "Metamer\n range: [3.6e-02, 1.0e+00] \n dims: [32, 32] * 2"
}

// eigen is a made-up EigendistortionView: two distortions of a gray image.
type eigen struct{}

func (eigen) Image() *tensors.Tensor {
	d := make([]float32, 64)
	for i := range d {
		d[i] = 0.5
	}
	return tensors.FromFlatDataAndDimensions(d, 1, 1, 8, 8)
}
func (eigen) Eigendistortions() *tensors.Tensor {
	d := make([]float32, 128)
	for i := range d {
		d[i] = float32(math.Cos(float64(i))) / 8
	}
	return tensors.FromFlatDataAndDimensions(d, 2, 1, 8, 8)
}
func (eigen) Eigenindex() []int      { return []int{0, 63} }
func (eigen) Eigenvalues() []float64 { return []float64{2.5, 1e-6} }

func ExampleEigendistortionImage() {
	// The last eigendistortion (-1, the one of the smallest eigenvalue),
	// added to the image with plenoptic's default alpha of 5.
	fig, err := display.EigendistortionImage(eigen{}, -1, display.EigendistortionImageOptions{
		ImshowOptions: display.ImshowOptions{Zoom: 8, Title: "Minimum eigendistortion"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(fig.Image().Bounds().Size(), strings.SplitN(fig.Axes[0].Title, "\n", 2)[0])
	// Output: (64,80) Minimum eigendistortion
}

func ExampleEigendistortionGrid() {
	fig, err := display.EigendistortionGrid(eigen{}, display.ImshowOptions{Zoom: 4, VRange: display.Indep0})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ax := range fig.Axes {
		fmt.Println(strings.SplitN(ax.Title, "\n", 2)[0])
	}
	// Output:
	// eigenindex 0: λ=2.5
	// eigenindex 63: λ=1e-06
}

func ExampleLive() {
	// A progress sink for a synthesis: under GoNB it redraws an HTML block
	// in place; elsewhere it writes a terminal line to Log (default stderr).
	var log strings.Builder
	live := &display.Live{Title: "Metamer", Log: &log}
	var losses []float64
	for i := 0; i < 3; i++ {
		losses = append(losses, 1/float64(i+1))
		if live.Due() {
			if err := live.Update(losses, gradient(16)); err != nil {
				fmt.Println(err)
				return
			}
		}
	}
	if err := live.Final(losses, gradient(16)); err != nil {
		fmt.Println(err)
		return
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\r")
	fmt.Println(lines[len(lines)-1])
	// Output: Metamer: iteration 2, loss 3.3333e-01
}

func ExampleNewAnimation() {
	// Frames of any figures: here one eigendistortion at growing alpha.
	var frames []image.Image
	for _, alpha := range []float64{1, 2, 4, 8} {
		fig, err := display.EigendistortionImage(eigen{}, 0, display.EigendistortionImageOptions{
			Alpha: alpha, ImshowOptions: display.ImshowOptions{Zoom: 4, VRange: display.Limits{Min: 0, Max: 1}}})
		if err != nil {
			fmt.Println(err)
			return
		}
		frames = append(frames, fig.Image())
	}
	anim, err := display.NewAnimation(frames, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(anim.Len(), "frames")
	// Output: 4 frames
}
