package display_test

import (
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/display"
)

// mad is a made-up MADView: a synthesis that moves the image away from
// (target "max") or towards (target "min") a noisy start.
type mad struct {
	target *tensors.Tensor
	sign   float64
	metric string
}

func (m mad) at(k int) *tensors.Tensor {
	t := tensors.MustCopyFlatData[float32](m.target)
	for i := range t {
		t[i] = float32(math.Min(1, math.Max(0, float64(t[i])+(0.1+m.sign*0.01*float64(k))*math.Cos(float64(i)))))
	}
	return tensors.FromFlatDataAndDimensions(t, m.target.Shape().Dimensions...)
}
func (m mad) Image() *tensors.Tensor        { return m.target }
func (m mad) InitialImage() *tensors.Tensor { return m.at(0) }
func (m mad) MADImage() *tensors.Tensor     { return m.at(10) }
func (m mad) StoreProgress() int            { return 1 }
func (m mad) OptimizedMetricName() string   { return m.metric }
func (m mad) Losses() []float64             { return m.OptimizedMetricLoss()[:10] }
func (m mad) OptimizedMetricLoss() []float64 {
	var l []float64
	for k := 0; k <= 10; k++ {
		l = append(l, 0.01*(1+m.sign*float64(k)/10))
	}
	return l
}
func (m mad) ReferenceMetricLoss() []float64 {
	var l []float64
	for k := 0; k <= 10; k++ {
		l = append(l, 0.5+0.001*math.Sin(float64(k)))
	}
	return l
}
func (m mad) SavedMADImages() []*tensors.Tensor {
	var out []*tensors.Tensor
	for k := 0; k < 10; k++ {
		out = append(out, m.at(k))
	}
	return out
}

func ExamplePlotMADSynthesisStatus() {
	fig, err := display.PlotMADSynthesisStatus(mad{target: gradient(32), sign: -1}, display.MADStatusOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(fig.Image().Bounds().Size())
	for _, ax := range fig.Axes {
		fmt.Printf("%s %q\n", ax.Kind, strings.SplitN(ax.Title, "\n", 2)[0])
	}
	// Output:
	// (1656,360)
	// image "MADCompetition"
	// histogram "Histogram of pixel values"
	// loss ""
	// loss ""
}

func ExamplePlotMADLoss() {
	// The reference and optimized metric losses, with red dots at iteration 4.
	fig, err := display.PlotMADLoss(mad{target: gradient(32), sign: 1}, display.MADLossOptions{Iteration: new(4)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(fig.Image().Bounds().Size(), len(fig.Axes))
	// Output: (460,345) 2
}

func ExampleAnimateMAD() {
	anim, err := display.AnimateMAD(mad{target: gradient(32), sign: 1}, display.MADAnimateOptions{
		MADStatusOptions: display.MADStatusOptions{IncludedPlots: []display.Panel{display.PanelMADImage, display.PanelLoss}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// In a notebook: anim.Show().
	fmt.Println(anim.Len(), "frames")
	// Output: 10 frames
}

func ExampleMADImageAll() {
	img := gradient(32)
	l2min, l2max := mad{img, -1, "l2Norm"}, mad{img, 1, "l2Norm"}
	l1min, l1max := mad{img, -1, "l1Norm"}, mad{img, 1, "l1Norm"}
	fig, err := display.MADImageAll(l2min, l1min, l2max, l1max, display.MADImageAllOptions{Zoom: 4})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ax := range fig.Axes {
		fmt.Println(strings.SplitN(ax.Title, "\n", 2)[0])
	}
	// Output:
	// Reference image
	// Initial (noisy) image
	// Minimize l2Norm
	// Maximize l2Norm
	// Minimize l1Norm
	// Maximize l1Norm
}

func ExamplePlotMADLossAll() {
	img := gradient(32)
	fig, err := display.PlotMADLossAll(mad{img, -1, "MSE"}, mad{img, -1, "SSIM"}, mad{img, 1, "MSE"}, mad{img, 1, "SSIM"},
		display.MADLossAllOptions{Metric2Name: "SDSIM"})
	if err != nil {
		fmt.Println(err)
		return
	}
	// The left axes show metric 2, the right ones metric 1.
	fmt.Println(fig.Axes[0].Title, fig.Axes[1].Title)
	// Output: SDSIM MSE
}

func ExamplePlotXY() {
	// A level set and two points, as in the two-pixel MAD Competition.
	var x, y []float64
	for i := 0; i <= 200; i++ {
		th := 2 * math.Pi * float64(i) / 200
		x, y = append(x, 0.5+0.05*math.Cos(th)), append(y, 0.5+0.05*math.Sin(th))
	}
	fig, err := display.PlotXY([]display.XYPanel{{
		XLabel: "pixel 1", YLabel: "pixel 2", Legend: display.LegendOutsideRight,
		Series: []display.Series{
			{X: x, Y: y, Dashed: true, Color: display.CycleColor(1), Label: "L2 norm level set"},
			{Kind: display.ScatterSeries, X: []float64{0.5}, Y: []float64{0.5}, Size: 100, Label: "reference"},
			{Kind: display.ScatterSeries, X: []float64{0.55}, Y: []float64{0.5}, Hollow: true, Label: "synthesized"},
		},
	}}, display.XYOptions{FigSize: [2]float64{5, 5}})
	if err != nil {
		fmt.Println(err)
		return
	}
	// 5×5 in at 72 dpi, wider by the legend.
	fmt.Println(fig.Image().Bounds().Dy(), fig.Image().Bounds().Dx() > 360)
	// Output: 360 true
}
