package display

import (
	"errors"
	"image"
	"image/color"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// eigen256 is an EigendistortionView of a 256×256 image.
func eigen256(t *testing.T) *fakeEigen {
	img := einstein(t)
	n := 256 * 256
	dist := make([]float32, n)
	for i := range dist {
		dist[i] = float32(1 / math.Sqrt(float64(n)))
	}
	return &fakeEigen{img: img, dist: tensors.FromFlatDataAndDimensions(dist, 1, 1, 256, 256), idx: []int{0}, vals: []float64{1}}
}

// TestTooLarge checks that figures beyond MaxFigureSide/MaxFigurePixels are
// refused quickly, before allocating them, with an error that wraps
// ErrTooLarge and names the requested size (issue 11, item 3: Zoom 1e6 on a
// 256×256 image was a fatal out-of-memory).
func TestTooLarge(t *testing.T) {
	img := einstein(t)
	m := newFakeMetamer(img, 2, 1, 1)
	small := ramp(1, 1, 4, 4, 0, 1)
	cases := []struct {
		name string
		call func() error
		size string // the requested size the message must name
	}{
		{"Imshow zoom 1e6", func() error {
			_, err := Imshow([]*tensors.Tensor{img}, ImshowOptions{Zoom: 1e6})
			return err
		}, "256000000×320000000"},
		{"Imshow zoom 1e300", func() error {
			_, err := Imshow([]*tensors.Tensor{img}, ImshowOptions{Zoom: 1e300})
			return err
		}, "2.56e+302×3.2e+302"},
		{"Imshow zoom 64 (just over the side limit)", func() error {
			_, err := Imshow([]*tensors.Tensor{img}, ImshowOptions{Zoom: 64, NoTitles: true})
			return err
		}, "16384×16384"},
		{"Imshow huge ColWrap", func() error {
			_, err := Imshow([]*tensors.Tensor{small}, ImshowOptions{ColWrap: 1 << 40})
			return err
		}, "15393162788854×5"},
		{"Imshow many panels in a row", func() error {
			_, err := Imshow([]*tensors.Tensor{ramp(1, 2000, 8, 8, 0, 1)}, ImshowOptions{Zoom: 1})
			return err
		}, "35990×10"},
		{"MetamerImage zoom 1e6", func() error {
			_, err := MetamerImage(m, StatusOptions{Zoom: 1e6})
			return err
		}, "256000000×320000000"},
		{"EigendistortionImage zoom 1e6", func() error {
			_, err := EigendistortionImage(eigen256(t), 0, EigendistortionImageOptions{ImshowOptions: ImshowOptions{Zoom: 1e6}})
			return err
		}, "256000000×320000000"},
		{"EigendistortionGrid zoom 1e6", func() error {
			_, err := EigendistortionGrid(eigen256(t), ImshowOptions{Zoom: 1e6})
			return err
		}, "256000000×320000000"},
		{"Animate zoom 1e6", func() error {
			_, err := Animate(m, AnimateOptions{StatusOptions: StatusOptions{Zoom: 1e6}})
			return err
		}, "256000000×256000000"},
		{"PlotSynthesisStatus zoom 1e6", func() error {
			_, err := PlotSynthesisStatus(m, StatusOptions{Zoom: 1e6})
			return err
		}, "256000000×256000000"},
		{"PlotSynthesisStatus huge FigSize", func() error {
			_, err := PlotSynthesisStatus(m, StatusOptions{FigSize: [2]float64{1e6, 5}})
			return err
		}, "72000000×360"},
		{"Animate huge FigSize", func() error {
			_, err := Animate(m, AnimateOptions{StatusOptions: StatusOptions{FigSize: [2]float64{300, 300}}})
			return err
		}, "21600×21600"},
		{"PlotSynthesisStatus huge width ratio", func() error {
			_, err := PlotSynthesisStatus(m, StatusOptions{WidthRatios: map[Panel]float64{PanelLoss: 1e300}})
			return err
		}, "4.32e+302×360"},
		{"PlotLoss title of a million lines", func() error {
			_, err := PlotLoss([]float64{1, 0.5}, LossOptions{Title: strings.Repeat("x\n", 1e6)})
			return err
		}, "460×"},
		{"NewAnimation huge frame", func() error {
			_, err := NewAnimation([]image.Image{hugeImage{}}, 1)
			return err
		}, "100000×100000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			err := c.call()
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("got %v, want an error wrapping ErrTooLarge", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "display: ") || !strings.Contains(msg, c.size) || !strings.Contains(msg, "MaxFigureSide") {
				t.Errorf("message %q should start with \"display: \", name the size %s and the limits", msg, c.size)
			}
			if elapsed > 2*time.Second {
				t.Errorf("took %v to refuse", elapsed)
			}
			// Nothing near the requested size was allocated (the einstein
			// fixtures and a status canvas are a few MiB).
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("allocated %d MiB before refusing", alloc>>20)
			}
		})
	}
	// The limits themselves are allowed.
	for _, c := range []struct {
		w, h float64
		ok   bool
	}{{MaxFigureSide, MaxFigurePixels / MaxFigureSide, true}, {MaxFigurePixels / MaxFigureSide, MaxFigureSide, true},
		{MaxFigureSide + 1, 1, false}, {1, MaxFigureSide + 1, false}, {MaxFigureSide, MaxFigurePixels/MaxFigureSide + 1, false},
		{math.NaN(), 1, false}, {math.Inf(1), 1, false}} {
		if err := checkSize("a figure", c.w, c.h, ""); (err == nil) != c.ok {
			t.Errorf("checkSize(%v, %v) = %v", c.w, c.h, err)
		}
	}
	// A large figure within them is drawn: 2048 pixels a side.
	f, err := Imshow([]*tensors.Tensor{ramp(1, 1, 8, 8, 0, 1)}, ImshowOptions{Zoom: 256, NoTitles: true})
	if err != nil || f.Image().Bounds().Dx() != 2048 {
		t.Errorf("a 2048-pixel figure should be drawn: %v", err)
	}
}

// hugeImage claims to be 100000×100000 pixels without holding any.
type hugeImage struct{}

func (hugeImage) ColorModel() color.Model { return color.RGBAModel }
func (hugeImage) Bounds() image.Rectangle { return image.Rect(0, 0, 100000, 100000) }
func (hugeImage) At(x, y int) color.Color { return color.White }

// panicView is a MetamerView and EigendistortionView whose methods panic,
// as a view over a released tensor might.
type panicView struct{}

func (panicView) Image() *tensors.Tensor                           { panic("tensor released") }
func (panicView) Metamer() *tensors.Tensor                         { panic("tensor released") }
func (panicView) Losses() []float64                                { return []float64{1, 0.5} }
func (panicView) StoreProgress() int                               { return 1 }
func (panicView) SavedMetamers() []*tensors.Tensor                 { panic("tensor released") }
func (panicView) RepresentationError(int) (*tensors.Tensor, error) { panic("tensor released") }
func (panicView) Eigendistortions() *tensors.Tensor                { panic("tensor released") }
func (panicView) Eigenindex() []int                                { return []int{0} }
func (panicView) Eigenvalues() []float64                           { return []float64{1} }

// TestErrors checks that every exported function reports bad input as an
// error starting with "display: " and its name, and that a panic inside
// (here from a view) comes back as an error.
func TestErrors(t *testing.T) {
	m := newFakeMetamer(ramp(1, 1, 8, 8, 0, 1.0/64), 4, 1, 1)
	e := newFakeEigen(1)
	f, err := Imshow([]*tensors.Tensor{ramp(1, 1, 4, 4, 0, 1)}, ImshowOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAnimation([]image.Image{f.Image()}, 1)
	if err != nil {
		t.Fatal(err)
	}
	noDir := t.TempDir() + "/missing/x"
	err2 := func(_ any, err error) error { return err }
	cases := []struct {
		op  string
		err error
	}{
		{"Imshow", err2(Imshow(nil, ImshowOptions{}))},
		{"Imshow", err2(Imshow([]*tensors.Tensor{ramp(1, 1, 4, 4, 0, 1)}, ImshowOptions{VRange: Limits{0, math.Inf(1)}}))},
		{"MetamerImage", err2(MetamerImage(nil, StatusOptions{}))},
		{"MetamerImage", err2(MetamerImage(panicView{}, StatusOptions{}))},
		{"PlotSynthesisStatus", err2(PlotSynthesisStatus(m, StatusOptions{IncludedPlots: []Panel{"nope"}}))},
		{"PlotSynthesisStatus", err2(PlotSynthesisStatus(panicView{}, StatusOptions{}))},
		{"PlotRepresentationError", err2(PlotRepresentationError(m, StatusOptions{BatchIdx: 5}))},
		{"PlotPixelValues", err2(PlotPixelValues(m, StatusOptions{ChannelIdx: new(4)}))},
		{"Animate", err2(Animate(m, AnimateOptions{FrameRate: math.Inf(1)}))},
		{"Animate", err2(Animate(panicView{}, AnimateOptions{}))},
		{"EigendistortionImage", err2(EigendistortionImage(e, 7, EigendistortionImageOptions{}))},
		{"EigendistortionImage", err2(EigendistortionImage(e, 0, EigendistortionImageOptions{Alpha: math.NaN()}))},
		{"EigendistortionImage", err2(EigendistortionImage(panicView{}, 0, EigendistortionImageOptions{}))},
		{"EigendistortionGrid", err2(EigendistortionGrid(&fakeEigen{img: e.img, dist: e.dist, idx: e.idx}, ImshowOptions{}))},
		{"EigendistortionGrid", err2(EigendistortionGrid(panicView{}, ImshowOptions{}))},
		{"PlotLoss", err2(PlotLoss([]float64{math.NaN()}, LossOptions{}))},
		{"NewAnimation", err2(NewAnimation([]image.Image{nil}, 1))},
		{"Frame", err2(a.Frame(3))},
		{"SavePNG", f.SavePNG(noDir)},
		{"SaveSVG", f.SaveSVG(noDir)},
		{"SaveGIF", a.SaveGIF(noDir)},
		{"SaveHTML", a.SaveHTML(noDir)},
		{"PNG", err2((&Figure{}).PNG())},
		{"Live.Final", func() error {
			old := inNotebook
			inNotebook = func() bool { return true }
			defer func() { inNotebook = old }()
			return (&Live{}).Final([]float64{1}, fromValues([]float32{1, 2, 3, 4}, 4))
		}()},
	}
	for _, c := range cases {
		if c.err == nil || !strings.HasPrefix(c.err.Error(), "display: "+c.op+": ") {
			t.Errorf("%s: got %v, want an error starting with %q", c.op, c.err, "display: "+c.op+": ")
		}
	}
	for _, err := range []error{err2(MetamerImage(panicView{}, StatusOptions{})), err2(Animate(panicView{}, AnimateOptions{})),
		err2(EigendistortionGrid(panicView{}, ImshowOptions{}))} {
		if err == nil || !strings.Contains(err.Error(), "internal error: tensor released") {
			t.Errorf("a panic in a view: got %v", err)
		}
	}
	if !strings.HasPrefix(ErrNoFFmpeg.Error(), "display: ") || !strings.HasPrefix(ErrTooLarge.Error(), "display: ") {
		t.Error("sentinel errors must start with \"display: \"")
	}
	if html := (&Figure{}).HTML(); !strings.Contains(html, "display: HTML") {
		t.Errorf("HTML of an empty figure: %q", html)
	}
}
