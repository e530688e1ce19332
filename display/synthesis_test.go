package display

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func TestPlotLoss(t *testing.T) {
	losses := []float64{0.1, 0.05, 0.02, 0.01, 0.004, 0.002, 0, 0.0015}
	f, err := PlotLoss(losses, LossOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b := f.Image().Bounds()
	if b.Dx() != 460 || b.Dy() != 345 { // 6.4×4.8 in at 72 dpi = 460.8×345.6, truncated like matplotlib
		t.Errorf("loss figure is %v", b.Size())
	}
	writeTmp(t, "plot_loss.png", f.Image())
	if !hasRed(f) {
		t.Error("no red dot")
	}
	p, err := f.PNG()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(p)); err != nil {
		t.Errorf("PNG does not decode: %v", err)
	}
	svg, err := f.SVG()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "Synthesis iteration", "Loss", "</svg>"} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	dir := t.TempDir()
	if err := f.SaveSVG(dir + "/loss.svg"); err != nil {
		t.Error(err)
	}
	if err := f.SavePNG(dir + "/loss.png"); err != nil {
		t.Error(err)
	}
	if _, err := PlotLoss(losses, LossOptions{Iteration: new(3)}); err != nil {
		t.Error(err)
	}
	// The dot at a zero loss cannot be drawn on a log axis.
	if f, err := PlotLoss(losses, LossOptions{Iteration: new(6)}); err != nil || hasRed(f) {
		t.Errorf("zero loss: err %v, red dot %v", err, err == nil && hasRed(f))
	}
	for _, c := range []struct {
		losses []float64
		it     int
		want   string
	}{
		{nil, -1, "no losses"},
		{losses, 8, "iteration 8 out of range"},
		{losses, -9, "iteration -9 out of range"},
		{[]float64{0, -1}, -1, "no positive"},
	} {
		if _, err := PlotLoss(c.losses, LossOptions{Iteration: new(c.it)}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("PlotLoss(%v, %d): %v, want %q", c.losses, c.it, err, c.want)
		}
	}
}

func hasRed(f *Figure) bool {
	img := toRGBA(f.Image())
	for i := 0; i < len(img.Pix); i += 4 {
		if img.Pix[i] == 255 && img.Pix[i+1] == 0 && img.Pix[i+2] == 0 {
			return true
		}
	}
	return false
}

func TestMetamerImage(t *testing.T) {
	m := newFakeMetamer(einstein(t), 6, 1, 1)
	f, err := MetamerImage(m, StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Axes) != 1 || !strings.HasPrefix(f.Axes[0].Title, "Metamer\n range: [") || !strings.HasSuffix(f.Axes[0].Title, "* 1") {
		t.Errorf("axes %+v", f.Axes)
	}
	rgb := newFakeMetamer(ramp(2, 3, 8, 8, 0, 1.0/384), 4, 1, 1)
	f, err = MetamerImage(rgb, StatusOptions{BatchIdx: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Axes) != 1 || f.Axes[0].Cmap != "" {
		t.Errorf("colour metamer should be one RGB panel: %+v", f.Axes)
	}
	f, err = MetamerImage(rgb, StatusOptions{ChannelIdx: new(2)})
	if err != nil || f.Axes[0].Cmap != "gray" {
		t.Errorf("one channel: %v %+v", err, f)
	}
	if _, err := MetamerImage(rgb, StatusOptions{Iteration: new(2)}); err != nil {
		t.Error(err)
	}
}

func TestPlotSynthesisStatus(t *testing.T) {
	target := ramp(1, 1, 16, 16, 0, 1.0/256)
	m := newFakeMetamer(target, 10, 1, 2)
	// Every non-empty subset of the four panels.
	for mask := 1; mask < 16; mask++ {
		var included []Panel
		wantKinds := map[AxesKind]int{}
		for i, name := range allPanels {
			if mask&(1<<i) == 0 {
				continue
			}
			included = append(included, name)
			switch name {
			case PanelMetamer:
				wantKinds[ImageAxes]++
			case PanelLoss:
				wantKinds[LossAxes]++
			case PanelRepresentationError:
				wantKinds[ImageAxes] += 2
			case PanelPixelValues:
				wantKinds[HistogramAxes]++
			}
		}
		f, err := PlotSynthesisStatus(m, StatusOptions{IncludedPlots: included})
		if err != nil {
			t.Fatalf("%v: %v", included, err)
		}
		kinds := map[AxesKind]int{}
		for _, a := range f.Axes {
			kinds[a.Kind]++
		}
		for k, n := range wantKinds {
			if kinds[k] != n {
				t.Errorf("%v: %d %s axes, want %d", included, kinds[k], k, n)
			}
		}
		if w, h := f.Image().Bounds().Dx(), f.Image().Bounds().Dy(); w != (6*len(included)-1)*72 || h != 360 {
			t.Errorf("%v: figure %dx%d", included, w, h)
		}
	}
	f, err := PlotSynthesisStatus(m, StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Image().Bounds().Dx() != 17*72 {
		t.Errorf("default figure width %d, want 17 in", f.Image().Bounds().Dx())
	}
	if !strings.HasPrefix(f.Axes[0].Title, "Metamer\n range:") || !strings.HasSuffix(f.Axes[0].Title, "dims: [16, 16] * 17.0") {
		t.Errorf("metamer title %q", f.Axes[0].Title)
	}
	for i, ax := range f.Axes[2:] {
		want := []string{"Representation error_00", "Representation error_01"}[i]
		if !strings.HasPrefix(ax.Title, want+"\n") || ax.Cmap != "RdBu_r" || ax.VMin != -ax.VMax {
			t.Errorf("representation error panel %d: %+v", i, ax)
		}
	}
	writeTmp(t, "status.png", f.Image())

	f, err = PlotSynthesisStatus(m, StatusOptions{RepresentationErrorAsRGB: true, IncludedPlots: []Panel{PanelRepresentationError}})
	if err == nil {
		t.Errorf("2-channel representation error shown as RGB: %+v", f.Axes)
	}
	m3 := newFakeMetamer(target, 10, 2, 3)
	m3.rep3D = true
	f, err = PlotSynthesisStatus(m3, StatusOptions{Iteration: new(4), IncludedPlots: []Panel{PanelRepresentationError}})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Axes) != 3 || f.Axes[0].Kind != "stem" || f.Axes[2].Title != "Representation error_02" {
		t.Errorf("stem axes: %+v", f.Axes)
	}
	if f, err = PlotRepresentationError(m, StatusOptions{}); err != nil || len(f.Axes) != 2 {
		t.Errorf("PlotRepresentationError: %v", err)
	}
	if f, err = PlotPixelValues(m, StatusOptions{}); err != nil || f.Axes[0].Title != "Histogram of pixel values" {
		t.Errorf("PlotPixelValues: %v", err)
	}
	if f, err := PlotSynthesisStatus(m, StatusOptions{WidthRatios: map[Panel]float64{PanelLoss: 2}, FigSize: [2]float64{10, 4}}); err != nil ||
		f.Image().Bounds().Dx() != 720 || f.Image().Bounds().Dy() != 288 {
		t.Errorf("figsize/width ratios: %v", err)
	}

	noProgress := newFakeMetamer(target, 10, 0, 1)
	for _, c := range []struct {
		m    MetamerView
		o    StatusOptions
		want string
	}{
		{m, StatusOptions{IncludedPlots: []Panel{"plot_loss", "misc", "plot_bad"}}, `included_plots contained value(s) "misc", "plot_bad"`},
		{m, StatusOptions{IncludedPlots: []Panel{}}, "empty"},
		{noProgress, StatusOptions{Iteration: new(3)}, "without storing progress"},
		{m3, StatusOptions{Iteration: new(3)}, "every 2 iterations"},
		{m, StatusOptions{Iteration: new(10)}, "out of range"},
		{m, StatusOptions{WidthRatios: map[Panel]float64{PanelPixelValues: 2}}, "width_ratios"},
		{m, StatusOptions{BatchIdx: 3}, "batch_idx 3 out of range"},
		{nil, StatusOptions{}, "nil"},
	} {
		if _, err := PlotSynthesisStatus(c.m, c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want an error containing %q", c.o, err, c.want)
		}
	}
}

func TestAnimate(t *testing.T) {
	m := newFakeMetamer(ramp(1, 1, 16, 16, 0, 1.0/256), 12, 2, 1)
	a, err := Animate(m, AnimateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Len() != 6 {
		t.Fatalf("%d frames, want 6", a.Len())
	}
	first, _ := a.Frame(0)
	writeTmp(t, "animate_frame0.png", first)
	h := a.HTML()
	if n := strings.Count(h, "data:image/png;base64,"); n != 6 {
		t.Errorf("player has %d frames, want 6", n)
	}
	for _, bad := range []string{"http", "//cdn", "src=\"/"} {
		if strings.Contains(h, bad) {
			t.Errorf("player HTML contains %q", bad)
		}
	}
	for _, want := range []string{"<button", `type="range"`, `max="5"`, "setInterval", "delay = 100"} {
		if !strings.Contains(h, want) {
			t.Errorf("player HTML lacks %q", want)
		}
	}
	g, err := a.GIF()
	if err != nil {
		t.Fatal(err)
	}
	gi, err := decodeGIF(g)
	if err != nil {
		t.Fatal(err)
	}
	if len(gi.Image) != 6 || gi.Delay[0] != 10 {
		t.Errorf("GIF: %d frames, delay %d", len(gi.Image), gi.Delay[0])
	}
	// MP4: a clear error without ffmpeg; a video with it.
	realPath := os.Getenv("PATH")
	t.Setenv("PATH", t.TempDir())
	if _, err := a.MP4(); err != ErrNoFFmpeg {
		t.Errorf("MP4 without ffmpeg: %v", err)
	}
	if _, err := a.VideoHTML(); err != ErrNoFFmpeg {
		t.Errorf("VideoHTML without ffmpeg: %v", err)
	}
	t.Setenv("PATH", realPath)
	if _, err := exec.LookPath("ffmpeg"); err == nil {
		v, err := a.MP4()
		if err != nil || !bytes.Contains(v[:min(len(v), 64)], []byte("ftyp")) {
			t.Errorf("MP4 with ffmpeg: %v", err)
		}
	}

	// Titles and limits stay those of frame 0.
	m2 := newFakeMetamer(ramp(1, 1, 16, 16, 0, 1.0/256), 4, 1, 1)
	a2, err := Animate(m2, AnimateOptions{FrameRate: 5, StatusOptions: StatusOptions{IncludedPlots: []Panel{PanelMetamer, PanelRepresentationError}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a2.HTML(), "delay = 200") {
		t.Error("framerate 5 should give 200 ms frames")
	}
	r, _ := newStatusRenderer(m2, StatusOptions{VRange: Limits{0, 1}})
	r.freeze, r.frozen = true, map[Panel][]imagePanel{}
	f0, err := r.render(synthState{image: m2.SavedMetamers()[0], lossIdx: 0, repIter: 0})
	if err != nil {
		t.Fatal(err)
	}
	f3, err := r.render(synthState{image: m2.SavedMetamers()[3], lossIdx: 3, repIter: 3})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Metamer\n range: [0.0e+00, 1.0e+00] \n dims: [16, 16] * 17.0"; f0.Axes[0].Title != want || f3.Axes[0].Title != want {
		t.Errorf("metamer titles %q / %q", f0.Axes[0].Title, f3.Axes[0].Title)
	}
	if e0, e3 := f0.Axes[2], f3.Axes[2]; e0.Title != e3.Title || e0.VMax != e3.VMax || strings.Contains(e0.Title, "range") {
		t.Errorf("representation error panels changed: %+v / %+v", e0, e3)
	}

	if _, err := Animate(newFakeMetamer(ramp(1, 1, 8, 8, 0, 0.01), 4, 0, 1), AnimateOptions{}); err == nil || !strings.Contains(err.Error(), "without storing progress") {
		t.Errorf("animation without stored progress: %v", err)
	}
	if _, err := Animate(m, AnimateOptions{StatusOptions: StatusOptions{Iteration: new(0)}}); err == nil {
		t.Error("Animate accepted an iteration")
	}
	if _, err := Animate(m, AnimateOptions{FrameRate: -1}); err == nil {
		t.Error("negative framerate accepted")
	}
	if _, err := Animate(m, AnimateOptions{StatusOptions: StatusOptions{IncludedPlots: []Panel{"nope"}}}); err == nil || !strings.Contains(err.Error(), "contained value(s)") {
		t.Errorf("bad plot name: %v", err)
	}
}

func TestNewAnimation(t *testing.T) {
	f1, _ := imshowOne(ramp(1, 1, 4, 4, 0, 1), ImshowOptions{NoTitles: true})
	f2, _ := imshowOne(ramp(1, 1, 4, 4, 1, -1), ImshowOptions{NoTitles: true})
	a, err := NewAnimation([]image.Image{f1.Image(), f2.Image()}, 2)
	if err != nil || a.Len() != 2 {
		t.Fatalf("%v", err)
	}
	dir := t.TempDir()
	if err := a.SaveGIF(dir + "/a.gif"); err != nil {
		t.Error(err)
	}
	if err := a.SaveHTML(dir + "/a.html"); err != nil {
		t.Error(err)
	}
	big, _ := imshowOne(ramp(1, 1, 8, 8, 0, 1), ImshowOptions{NoTitles: true})
	if _, err := NewAnimation([]image.Image{f1.Image(), big.Image()}, 2); err == nil {
		t.Error("frames of different sizes accepted")
	}
	if _, err := NewAnimation(nil, 2); err == nil {
		t.Error("no frames accepted")
	}
}

var _ MetamerView = (*fakeMetamer)(nil)

// fakeEigen is an EigendistortionView with made-up distortions.
type fakeEigen struct {
	img, dist *tensors.Tensor
	idx       []int
	vals      []float64
}

func (e *fakeEigen) Image() *tensors.Tensor            { return e.img }
func (e *fakeEigen) Eigendistortions() *tensors.Tensor { return e.dist }
func (e *fakeEigen) Eigenindex() []int                 { return e.idx }
func (e *fakeEigen) Eigenvalues() []float64            { return e.vals }

// TestPlotLossTitle checks that a title is drawn above the axes and never
// cut off: a long or multi-line title makes the figure larger instead, and
// the plot keeps its size and look.
func TestPlotLossTitle(t *testing.T) {
	losses := []float64{0.1, 0.05, 0.02, 0.01, 0.004}
	plain, err := PlotLoss(losses, LossOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, title  string
		grows, wider bool
	}{
		{"one line", "Loss of the metamer from white noise", false, false},
		{"two lines", "Loss of the metamer\nfrom white noise", false, false},
		{"six lines", "a\nb\nc\nd\ne\nf", true, false},
		{"long line", strings.Repeat("a long title ", 12), false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := PlotLoss(losses, LossOptions{Title: c.title})
			if err != nil {
				t.Fatal(err)
			}
			writeTmp(t, "plot_loss_title_"+strings.ReplaceAll(c.name, " ", "_")+".png", f.Image())
			img := toRGBA(f.Image())
			b := img.Bounds()
			ax, pax := f.Axes[0].Rect, plain.Axes[0].Rect
			if f.Axes[0].Title != c.title || ax.Size() != pax.Size() {
				t.Errorf("axes %+v, want title %q and the size of %v", f.Axes[0], c.title, pax)
			}
			if got := b.Dy() > 345; got != c.grows {
				t.Errorf("figure %v: taller %v, want %v", b.Size(), got, c.grows)
			}
			if got := b.Dx() > 460; got != c.wider {
				t.Errorf("figure %v: wider %v, want %v", b.Size(), got, c.wider)
			}
			if ax.Max.Y-b.Max.Y != pax.Max.Y-345 {
				t.Errorf("axes %v in %v: the margin below the axes changed (was %v in 460×345)", ax, b, pax)
			}
			// The title's ink lies above the axes, away from the figure's edges.
			ink := image.Rectangle{}
			for y := 0; y < ax.Min.Y-2; y++ {
				for x := 0; x < b.Dx(); x++ {
					if c := img.RGBAAt(x, y); c.R < 128 {
						ink = ink.Union(image.Rect(x, y, x+1, y+1))
					}
				}
			}
			if ink.Empty() || ink.Min.Y < 1 || ink.Min.X < 1 || ink.Max.X > b.Dx()-1 {
				t.Errorf("title ink at %v in a %v figure: missing or cut off", ink, b.Size())
			}
			if mid := (ink.Min.X + ink.Max.X) / 2; abs(mid-(ax.Min.X+ax.Max.X)/2) > 3 {
				t.Errorf("title centred at x=%d, axes at x=%d", mid, (ax.Min.X+ax.Max.X)/2)
			}
			svg, err := f.SVG()
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(c.title, "\n") {
				if !bytes.Contains(svg, []byte(">"+line+"<")) {
					t.Errorf("SVG lacks the title line %q", line)
				}
			}
		})
	}
}
