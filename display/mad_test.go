package display

import (
	"errors"
	"image/color"
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// fakeMAD is a MADView of a made-up MAD Competition: the image drifts from
// a noisy start by a fixed pattern scaled with the iteration.
type fakeMAD struct {
	image, start *tensors.Tensor
	iters, sp    int
	opt, ref     []float64
	name         string
	sign         float64
}

func newFakeMAD(image *tensors.Tensor, iters, sp int, sign float64, name string) *fakeMAD {
	f := &fakeMAD{image: image, iters: iters, sp: sp, name: name, sign: sign}
	f.start = f.shifted(0.1, 0)
	for k := 0; k <= iters; k++ {
		f.opt = append(f.opt, 0.01*(1+sign*float64(k)/float64(iters)))
		f.ref = append(f.ref, 0.5+0.01*math.Sin(float64(k)))
	}
	return f
}

// shifted returns image + a·(−1)^(x+y) + b·x/W, clamped to [0, 1].
func (f *fakeMAD) shifted(a, b float64) *tensors.Tensor {
	d := f.image.Shape().Dimensions
	v := tensors.MustCopyFlatData[float32](f.image)
	for i := range v {
		x, y := i%d[3], (i/d[3])%d[2]
		s := 1.0
		if (x+y)%2 == 1 {
			s = -1
		}
		v[i] = float32(math.Min(1, math.Max(0, float64(v[i])+a*s+b*float64(x)/float64(d[3]))))
	}
	return tensors.FromFlatDataAndDimensions(v, d...)
}

func (f *fakeMAD) at(k int) *tensors.Tensor {
	return f.shifted(0.1, f.sign*0.2*float64(k)/float64(f.iters))
}
func (f *fakeMAD) Image() *tensors.Tensor         { return f.image }
func (f *fakeMAD) InitialImage() *tensors.Tensor  { return f.start }
func (f *fakeMAD) MADImage() *tensors.Tensor      { return f.at(f.iters) }
func (f *fakeMAD) OptimizedMetricLoss() []float64 { return f.opt }
func (f *fakeMAD) ReferenceMetricLoss() []float64 { return f.ref }
func (f *fakeMAD) StoreProgress() int             { return f.sp }
func (f *fakeMAD) OptimizedMetricName() string    { return f.name }
func (f *fakeMAD) Losses() []float64 {
	out := make([]float64, f.iters)
	for k := range out {
		out[k] = f.sign*f.opt[k] + 0.001
	}
	return out
}
func (f *fakeMAD) SavedMADImages() []*tensors.Tensor {
	if f.sp == 0 {
		return nil
	}
	var out []*tensors.Tensor
	for k := 0; k < f.iters; k += f.sp {
		out = append(out, f.at(k))
	}
	return out
}

func madCrop(t *testing.T) *tensors.Tensor {
	return cropTensor(t, einstein(t), 100, 100, 32, 32)
}

// cropTensor returns img[..., y:y+h, x:x+w] of a [1,1,H,W] tensor.
func cropTensor(t *testing.T, img *tensors.Tensor, y, x, h, w int) *tensors.Tensor {
	t.Helper()
	d := img.Shape().Dimensions
	v := tensors.MustCopyFlatData[float32](img)
	out := make([]float32, 0, h*w)
	for r := y; r < y+h; r++ {
		out = append(out, v[r*d[3]+x:r*d[3]+x+w]...)
	}
	return tensors.FromFlatDataAndDimensions(out, 1, 1, h, w)
}

func kinds(f *Figure) []AxesKind {
	var out []AxesKind
	for _, a := range f.Axes {
		out = append(out, a.Kind)
	}
	return out
}

func TestPlotMADSynthesisStatus(t *testing.T) {
	m := newFakeMAD(madCrop(t), 20, 2, -1, "l2")
	f, err := PlotMADSynthesisStatus(m, MADStatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	writeTmp(t, "mad_status.png", f.Image())
	if s := f.Image().Bounds().Size(); s.X != 1656 || s.Y != 360 { // (23, 5) in at 72 dpi
		t.Errorf("status figure is %v, want 1656×360", s)
	}
	want := []AxesKind{ImageAxes, HistogramAxes, LossAxes, LossAxes}
	if got := kinds(f); len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Errorf("axes %v, want %v", got, want)
	}
	if !strings.HasPrefix(f.Axes[0].Title, "MADCompetition\n range: ") || f.Axes[0].Zoom != 8 {
		t.Errorf("MAD image title %q at zoom %v", f.Axes[0].Title, f.Axes[0].Zoom)
	}
	if f.Axes[1].Title != "Histogram of pixel values" {
		t.Errorf("histogram title %q", f.Axes[1].Title)
	}
	// The two loss axes split the loss cell (width 2) and lie left of the
	// histogram.
	if l, r, h := f.Axes[2].Rect, f.Axes[3].Rect, f.Axes[1].Rect; !(l.Max.X < r.Min.X && r.Max.X < h.Min.X && abs(l.Dx()-r.Dx()) <= 1) {
		t.Errorf("loss axes at %v and %v, histogram at %v", l, r, h)
	}
	if !hasRed(f) {
		t.Error("no red dot")
	}
	// A stored iteration and a custom title; the colour limits come from that iterate.
	f2, err := PlotMADSynthesisStatus(m, MADStatusOptions{Iteration: new(-10), Title: "MAD image",
		IncludedPlots: []Panel{PanelMADImage, PanelLoss}, WidthRatios: map[Panel]float64{PanelLoss: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if s := f2.Image().Bounds().Size(); s.X != 11*72 || len(f2.Axes) != 3 || !strings.HasPrefix(f2.Axes[0].Title, "MAD image\n") {
		t.Errorf("two-panel status: %v, %d axes, title %q", s, len(f2.Axes), f2.Axes[0].Title)
	}
	if f2.Axes[0].VMax == f.Axes[0].VMax {
		t.Errorf("iteration 10 shows the same limits as the final image (%v)", f.Axes[0].VMax)
	}
	// Only the pixel values.
	f3, err := PlotMADPixelValues(m, MADStatusOptions{})
	if err != nil || len(f3.Axes) != 1 || f3.Axes[0].Kind != HistogramAxes {
		t.Errorf("PlotMADPixelValues: %v, %v", err, f3)
	}
	for _, c := range []struct {
		m    MADView
		o    MADStatusOptions
		want string
	}{
		{nil, MADStatusOptions{}, "MAD view is nil"},
		{m, MADStatusOptions{IncludedPlots: []Panel{PanelMetamer}}, `included_plots contained value(s) "display_metamer": only display_mad_image, plot_loss, plot_pixel_values are allowed`},
		{m, MADStatusOptions{Iteration: new(3)}, "iteration 3 was not stored"},
		{m, MADStatusOptions{Iteration: new(20)}, "out of range"},
		{newFakeMAD(madCrop(t), 5, 0, 1, ""), MADStatusOptions{Iteration: new(0)}, "without storing progress"},
		{m, MADStatusOptions{FigSize: [2]float64{1e5, 5}}, "too large"},
	} {
		_, err := PlotMADSynthesisStatus(c.m, c.o)
		if err == nil || !strings.HasPrefix(err.Error(), "display: PlotMADSynthesisStatus: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.o, err, c.want)
		}
	}
	if _, err := PlotMADSynthesisStatus(m, MADStatusOptions{FigSize: [2]float64{1e5, 5}}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("huge figure: %v, want ErrTooLarge", err)
	}
}

func TestMADImageAndLoss(t *testing.T) {
	m := newFakeMAD(madCrop(t), 20, 1, 1, "l1")
	f, err := MADImage(m, MADStatusOptions{Zoom: 4})
	if err != nil {
		t.Fatal(err)
	}
	if a := f.Axes[0]; len(f.Axes) != 1 || a.Zoom != 4 || !strings.HasPrefix(a.Title, "MADCompetition\n") || a.Rect.Dx() != 128 {
		t.Errorf("MADImage axes %+v", f.Axes)
	}
	if _, err := MADImage(m, MADStatusOptions{Iteration: new(25)}); err == nil || !strings.Contains(err.Error(), "display: MADImage: ") {
		t.Errorf("iteration 25: %v", err)
	}
	l, err := PlotMADLoss(m, MADLossOptions{Iteration: new(-5)})
	if err != nil {
		t.Fatal(err)
	}
	writeTmp(t, "mad_loss.png", l.Image())
	if s := l.Image().Bounds().Size(); s.X != 460 || s.Y != 345 || len(l.Axes) != 2 || l.Axes[0].Kind != LossAxes {
		t.Errorf("PlotMADLoss: %v, axes %v", s, kinds(l))
	}
	if !hasRed(l) {
		t.Error("no red dot")
	}
	if _, err := PlotMADLoss(m, MADLossOptions{Iteration: new(20)}); err == nil || !strings.Contains(err.Error(), "iteration 20 out of range") {
		t.Errorf("iteration 20: %v", err)
	}
	a, err := AnimateMAD(m, MADAnimateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Len() != 20 || a.FrameRate != 10 {
		t.Errorf("%d frames at %v fps, want 20 at 10", a.Len(), a.FrameRate)
	}
	first, _ := a.Frame(0)
	last, _ := a.Frame(19)
	if first.Bounds() != last.Bounds() || first.Bounds().Dx() != 1656 {
		t.Errorf("frames %v and %v", first.Bounds(), last.Bounds())
	}
	if _, err := AnimateMAD(newFakeMAD(madCrop(t), 5, 0, 1, ""), MADAnimateOptions{}); err == nil || !strings.Contains(err.Error(), "without storing progress") {
		t.Errorf("no progress: %v", err)
	}
	if _, err := AnimateMAD(m, MADAnimateOptions{MADStatusOptions: MADStatusOptions{Iteration: new(0)}}); err == nil {
		t.Error("Iteration accepted by AnimateMAD")
	}
}

func TestMADAll(t *testing.T) {
	img := madCrop(t)
	m1min, m1max := newFakeMAD(img, 20, 0, -1, "l2Norm"), newFakeMAD(img, 20, 0, 1, "l2Norm")
	m2min, m2max := newFakeMAD(img, 30, 0, -1, "l1Norm"), newFakeMAD(img, 30, 0, 1, "l1Norm")
	f, err := MADImageAll(m1min, m2min, m1max, m2max, MADImageAllOptions{Zoom: 2, VRange: Auto1})
	if err != nil {
		t.Fatal(err)
	}
	writeTmp(t, "mad_image_all.png", f.Image())
	if s := f.Image().Bounds().Size(); s.X != 2*64+10 || len(f.Axes) != 6 {
		t.Errorf("MADImageAll: %v with %d axes", s, len(f.Axes))
	}
	for i, want := range []string{"Reference image", "Initial (noisy) image", "Minimize l2Norm", "Maximize l2Norm", "Minimize l1Norm", "Maximize l1Norm"} {
		if !strings.HasPrefix(f.Axes[i].Title, want+"\n range: ") {
			t.Errorf("panel %d title %q, want %q", i, f.Axes[i].Title, want)
		}
	}
	// Each image gets its own limits (one imshow call each in plenoptic),
	// even for a pooled mode.
	if f.Axes[0].VMin == f.Axes[3].VMin && f.Axes[0].VMax == f.Axes[3].VMax {
		t.Errorf("reference and Maximize l2Norm share limits %v, %v", f.Axes[0].VMin, f.Axes[0].VMax)
	}
	named, err := MADImageAll(m1min, m2min, m1max, m2max, MADImageAllOptions{Metric1Name: "L2", Metric2Name: "L1"})
	if err != nil || !strings.HasPrefix(named.Axes[5].Title, "Maximize L1\n") {
		t.Errorf("names: %v, %q", err, named.Axes[5].Title)
	}
	l, err := PlotMADLossAll(m1min, m2min, m1max, m2max, MADLossAllOptions{})
	if err != nil {
		t.Fatal(err)
	}
	writeTmp(t, "mad_loss_all.png", l.Image())
	if len(l.Axes) != 2 || l.Axes[0].Title != "l1Norm" || l.Axes[1].Title != "l2Norm" {
		t.Errorf("PlotMADLossAll axes %+v", l.Axes)
	}
	// 10×5 in, grown to the right for the legend.
	if s := l.Image().Bounds().Size(); s.Y != 360 || s.X <= 720 {
		t.Errorf("PlotMADLossAll figure %v, want 360 px tall and wider than 720", s)
	}
	if !hasRed(l) || !hasColor(l, CycleColor(0)) || !hasColor(l, CycleColor(1)) {
		t.Error("PlotMADLossAll lacks the red dots or the C0/C1 curves")
	}
	other := newFakeMAD(cropTensor(t, einstein(t), 0, 0, 32, 32), 30, 0, 1, "l1Norm")
	for _, err := range []error{
		func() error { _, err := MADImageAll(m1min, m2min, m1max, other, MADImageAllOptions{}); return err }(),
		func() error { _, err := PlotMADLossAll(m1min, m2min, m1max, other, MADLossAllOptions{}); return err }(),
	} {
		if err == nil || !strings.Contains(err.Error(), "all four MAD Competition syntheses must have the same image: mad2Max's differs") {
			t.Errorf("different images: %v", err)
		}
	}
	if _, err := MADImageAll(m1min, nil, m1max, m2max, MADImageAllOptions{}); err == nil || !strings.Contains(err.Error(), "mad2Min is nil") {
		t.Errorf("nil view: %v", err)
	}
}

func hasColor(f *Figure, c color.RGBA) bool {
	img := toRGBA(f.Image())
	for i := 0; i < len(img.Pix); i += 4 {
		if img.Pix[i] == c.R && img.Pix[i+1] == c.G && img.Pix[i+2] == c.B {
			return true
		}
	}
	return false
}

func TestPlotXY(t *testing.T) {
	var x, y []float64
	for i := 0; i <= 100; i++ {
		th := 2 * math.Pi * float64(i) / 100
		x, y = append(x, 0.5+0.1*math.Cos(th)), append(y, 0.5+0.1*math.Sin(th))
	}
	panels := []XYPanel{
		{Title: "log", LogY: true, Legend: LegendUpperRight, Series: []Series{{Y: []float64{1, 0.1, 0.01, 0}, Label: "loss"}}},
		{Title: "Level sets", XLabel: "pixel 1", YLabel: "pixel 2", Legend: LegendOutsideRight, Series: []Series{
			{X: x, Y: y, Label: "L2 norm level set", Dashed: true, Color: CycleColor(1)},
			{Kind: ScatterSeries, X: []float64{0.5}, Y: []float64{0.5}, Label: "reference", Color: colRed, Size: 100},
			{Kind: ScatterSeries, X: []float64{0.6}, Y: []float64{0.5}, Label: "hollow", Hollow: true, Marker: Square},
		}},
		{Title: "third", Series: []Series{{Y: []float64{3, 1, 2}}}},
	}
	f, err := PlotXY(panels, XYOptions{Cols: 2, FigSize: [2]float64{10, 10}})
	if err != nil {
		t.Fatal(err)
	}
	writeTmp(t, "plot_xy.png", f.Image())
	if s := f.Image().Bounds().Size(); s.Y != 720 || s.X <= 720 {
		t.Errorf("figure %v, want 720 tall and wider than 720 (legend outside)", s)
	}
	if len(f.Axes) != 3 || f.Axes[1].Title != "Level sets" || f.Axes[2].Kind != XYAxes {
		t.Errorf("axes %+v", f.Axes)
	}
	// Two columns: panel 1 right of panel 0, panel 2 below panel 0.
	if a := f.Axes; !(a[1].Rect.Min.X > a[0].Rect.Max.X && a[2].Rect.Min.Y > a[0].Rect.Max.Y && a[2].Rect.Min.X == a[0].Rect.Min.X) {
		t.Errorf("grid: %v %v %v", a[0].Rect, a[1].Rect, a[2].Rect)
	}
	if !hasRed(f) || !hasColor(f, CycleColor(1)) {
		t.Error("the red point or the C1 curve is missing")
	}
	one, err := PlotXY(panels[2:], XYOptions{})
	if err != nil || one.Image().Bounds().Dx() != 460 || one.Image().Bounds().Dy() < 345 {
		t.Errorf("default figure: %v, %v", err, one)
	}
	for _, c := range []struct {
		panels []XYPanel
		o      XYOptions
		want   string
	}{
		{nil, XYOptions{}, "no panels"},
		{[]XYPanel{{}}, XYOptions{}, "panel 0: no series"},
		{[]XYPanel{{Series: []Series{{X: []float64{1}, Y: []float64{1, 2}}}}}, XYOptions{}, "1 x and 2 y values"},
		{[]XYPanel{{Series: []Series{{Kind: ScatterSeries, Y: []float64{1}, Marker: "*"}}}}, XYOptions{}, `unknown marker "*"`},
		{[]XYPanel{{Series: []Series{{Y: []float64{math.NaN()}}}}}, XYOptions{}, "no finite points"},
		{[]XYPanel{{Series: []Series{{Y: []float64{1}}}, YLim: &[2]float64{1, 0}}}, XYOptions{}, "min < max"},
		{[]XYPanel{{Series: []Series{{Y: []float64{1}}}}}, XYOptions{Cols: -1}, "columns (Cols) must be positive"},
		{[]XYPanel{{Series: []Series{{Y: []float64{1}}}}}, XYOptions{FigSize: [2]float64{1e4, 1e4}}, "too large"},
	} {
		_, err := PlotXY(c.panels, c.o)
		if err == nil || !strings.HasPrefix(err.Error(), "display: PlotXY: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.want, err, c.want)
		}
	}
	if CycleColor(10) != CycleColor(0) || CycleColor(-1) != CycleColor(9) {
		t.Error("CycleColor does not wrap")
	}
}
