package display

import (
	"image"
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestPanelCounts covers the batch/channel/as_rgb combinations of
// plenoptic's test_display (spec §8.2).
func TestPanelCounts(t *testing.T) {
	big := ramp(2, 4, 10, 10, 0, 0.001)
	small := ramp(2, 4, 5, 5, 0, 0.01)
	rgb := ramp(2, 3, 5, 5, 0, 0.01)
	cases := []struct {
		name    string
		imgs    []*tensors.Tensor
		o       ImshowOptions
		panels  int
		wantErr string
	}{
		{"B>1,C>1 needs an index", []*tensors.Tensor{small}, ImshowOptions{}, 0, "more than one channel and batch"},
		{"batch_idx", []*tensors.Tensor{small}, ImshowOptions{BatchIdx: new(0)}, 4, ""},
		{"negative batch_idx", []*tensors.Tensor{small}, ImshowOptions{BatchIdx: new(-1)}, 4, ""},
		{"channel_idx", []*tensors.Tensor{small}, ImshowOptions{ChannelIdx: new(1)}, 2, ""},
		{"both", []*tensors.Tensor{small}, ImshowOptions{BatchIdx: new(1), ChannelIdx: new(3)}, 1, ""},
		{"as_rgb with 4 channels", []*tensors.Tensor{small}, ImshowOptions{AsRGB: true}, 2, ""},
		{"as_rgb and batch_idx", []*tensors.Tensor{small}, ImshowOptions{AsRGB: true, BatchIdx: new(0)}, 1, ""},
		{"as_rgb 3 channels", []*tensors.Tensor{rgb}, ImshowOptions{AsRGB: true}, 2, ""},
		{"as_rgb after channel_idx", []*tensors.Tensor{small}, ImshowOptions{AsRGB: true, ChannelIdx: new(0)}, 0, "3 or 4 channels"},
		{"as_rgb with 1 channel", []*tensors.Tensor{ramp(1, 1, 5, 5, 0, 0.01)}, ImshowOptions{AsRGB: true}, 0, "3 or 4 channels"},
		{"list, mixed sizes", []*tensors.Tensor{big, small}, ImshowOptions{BatchIdx: new(0)}, 8, ""},
		{"list, channel_idx", []*tensors.Tensor{big, small}, ImshowOptions{ChannelIdx: new(0)}, 4, ""},
		{"list, as_rgb", []*tensors.Tensor{big, small}, ImshowOptions{AsRGB: true}, 4, ""},
		{"1x4", []*tensors.Tensor{ramp(1, 4, 5, 5, 0, 0.01)}, ImshowOptions{}, 4, ""},
		{"2x1", []*tensors.Tensor{ramp(2, 1, 5, 5, 0, 0.01)}, ImshowOptions{}, 2, ""},
		{"1x1", []*tensors.Tensor{ramp(1, 1, 5, 5, 0, 0.01)}, ImshowOptions{}, 1, ""},
		{"batch_idx out of range", []*tensors.Tensor{small}, ImshowOptions{BatchIdx: new(2)}, 0, "batch_idx 2 out of range"},
		{"channel_idx out of range", []*tensors.Tensor{small}, ImshowOptions{ChannelIdx: new(-5)}, 0, "channel_idx -5 out of range"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Imshow(c.imgs, c.o)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Axes) != c.panels {
				t.Fatalf("got %d panels, want %d", len(f.Axes), c.panels)
			}
		})
	}
}

func TestFigureGeometry(t *testing.T) {
	img := einstein(t)
	cases := []struct {
		name  string
		imgs  []*tensors.Tensor
		o     ImshowOptions
		w, h  int
		rects []image.Rectangle
	}{
		{"single", []*tensors.Tensor{img}, ImshowOptions{}, 256, 320,
			[]image.Rectangle{image.Rect(0, 64, 256, 320)}},
		{"two", []*tensors.Tensor{img, img}, ImshowOptions{}, 522, 320,
			[]image.Rectangle{image.Rect(0, 64, 256, 320), image.Rect(266, 64, 522, 320)}},
		{"2x2", []*tensors.Tensor{img, img, img, img}, ImshowOptions{ColWrap: 2}, 522, 650,
			[]image.Rectangle{image.Rect(0, 64, 256, 320), image.Rect(266, 64, 522, 320),
				image.Rect(0, 394, 256, 650), image.Rect(266, 394, 522, 650)}},
		{"3 with col_wrap 2", []*tensors.Tensor{img, img, img}, ImshowOptions{ColWrap: 2}, 522, 650, nil},
		{"no titles", []*tensors.Tensor{img}, ImshowOptions{NoTitles: true}, 256, 256,
			[]image.Rectangle{image.Rect(0, 0, 256, 256)}},
		{"no titles 2x2", []*tensors.Tensor{img, img, img, img}, ImshowOptions{NoTitles: true, ColWrap: 2}, 522, 522,
			[]image.Rectangle{image.Rect(0, 0, 256, 256), image.Rect(266, 0, 522, 256),
				image.Rect(0, 266, 256, 522), image.Rect(266, 266, 522, 522)}},
		{"zoom 2", []*tensors.Tensor{img}, ImshowOptions{Zoom: 2}, 512, 640, []image.Rectangle{image.Rect(0, 128, 512, 640)}},
		{"zoom 1/2", []*tensors.Tensor{img}, ImshowOptions{Zoom: 0.5}, 128, 160, []image.Rectangle{image.Rect(0, 32, 128, 160)}},
		{"mixed sizes", []*tensors.Tensor{img, ramp(1, 1, 128, 128, 0, 1e-4)}, ImshowOptions{}, 522, 320,
			[]image.Rectangle{image.Rect(0, 64, 256, 320), image.Rect(266, 64, 522, 320)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Imshow(c.imgs, c.o)
			if err != nil {
				t.Fatal(err)
			}
			b := f.Image().Bounds()
			if b.Dx() != c.w || b.Dy() != c.h {
				t.Fatalf("figure is %dx%d px, want %dx%d", b.Dx(), b.Dy(), c.w, c.h)
			}
			for i, r := range c.rects {
				if f.Axes[i].Rect != r {
					t.Errorf("axis %d at %v, want %v", i, f.Axes[i].Rect, r)
				}
			}
		})
	}
	// Inches at 96 dpi, as the spec lists them.
	f, _ := imshowOne(img, ImshowOptions{})
	if w, h := float64(f.Image().Bounds().Dx())/ppi, float64(f.Image().Bounds().Dy())/ppi; math.Abs(w-2.6667) > 1e-4 || math.Abs(h-3.3333) > 1e-4 {
		t.Errorf("figure is %.4f×%.4f in, want 2.6667×3.3333", w, h)
	}
}

func TestTitles(t *testing.T) {
	img := einstein(t)
	vals := tensors.MustCopyFlatData[float32](img)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		lo, hi = math.Min(lo, float64(v)), math.Max(hi, float64(v))
	}
	f, err := imshowOne(img, ImshowOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := "\n range: [" + pyE1(lo) + ", " + pyE1(hi) + "] \n dims: [256, 256] * 1"
	if got := f.Axes[0].Title; got != want {
		t.Errorf("title %q, want %q", got, want)
	}
	// The real einstein image (spec §6.1).
	if want := "\n range: [3.9e-03, 1.0e+00] \n dims: [256, 256] * 1"; f.Axes[0].Title != want {
		t.Errorf("einstein title %q, want %q", f.Axes[0].Title, want)
	}

	two := []*tensors.Tensor{ramp(1, 1, 4, 4, 0, 1), ramp(1, 1, 2, 2, -1, 0.5)}
	f, err = Imshow(two, ImshowOptions{Titles: []string{"Original image", "Model output"}, Zoom: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{
		"Original image\n range: [0.0e+00, 1.5e+01] \n dims: [4, 4] * 3",
		"Model output\n range: [-1.0e+00, 5.0e-01] \n dims: [2, 2] * 6",
	} {
		if f.Axes[i].Title != want {
			t.Errorf("title %d = %q, want %q", i, f.Axes[i].Title, want)
		}
	}
	f, _ = Imshow(two, ImshowOptions{Title: "same", Zoom: 0.5})
	for _, ax := range f.Axes {
		if !strings.HasPrefix(ax.Title, "same\n") {
			t.Errorf("repeated title: %q", ax.Title)
		}
	}
	if !strings.HasSuffix(f.Axes[0].Title, "* 0.5") || !strings.HasSuffix(f.Axes[1].Title, "* 1") {
		t.Errorf("zoom text: %q, %q", f.Axes[0].Title, f.Axes[1].Title)
	}
	f, _ = Imshow(two, ImshowOptions{NoTitles: true})
	if f.Axes[0].Title != "" {
		t.Errorf("NoTitles left %q", f.Axes[0].Title)
	}
	if _, err := Imshow(two, ImshowOptions{Titles: []string{"one"}}); err == nil || !strings.Contains(err.Error(), "1 titles for 2 panels") {
		t.Errorf("mismatched titles: %v", err)
	}
}

func TestPythonFormatting(t *testing.T) {
	for v, want := range map[float64]string{0.0039: "3.9e-03", 1: "1.0e+00", -0.018: "-1.8e-02", 0: "0.0e+00",
		123456: "1.2e+05", math.NaN(): "nan", math.Inf(1): "inf", math.Inf(-1): "-inf"} {
		if got := pyE1(v); got != want {
			t.Errorf("pyE1(%v) = %q, want %q", v, got, want)
		}
	}
	for _, c := range []struct {
		z       float64
		isFloat bool
		want    string
	}{{1, false, "1"}, {1, true, "1.0"}, {2, false, "2"}, {17, true, "17.0"}, {0.5, false, "0.5"}, {0.25, true, "0.25"}, {1.0 / 3, true, "0.3333333333333333"}} {
		if got := pyNumber(c.z, c.isFloat); got != c.want {
			t.Errorf("pyNumber(%v, %v) = %q, want %q", c.z, c.isFloat, got, c.want)
		}
	}
}

func TestVRange(t *testing.T) {
	// Two panels: 0..4 (with a NaN) and 5..9.
	a := fromValues([]float32{0, 1, 2, 3, 4, float32(math.NaN())}, 1, 1, 2, 3)
	b := fromValues([]float32{5, 6, 7, 8, 9, 9}, 1, 1, 2, 3)
	all := []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9}
	mean, std := meanStd(all)
	p := func(vals []float64, q float64) float64 { return percentile(vals, q) }
	a3lo, a3hi := p(all, 10)-(p(all, 90)-p(all, 10))/8, p(all, 90)+(p(all, 90)-p(all, 10))/8
	cases := []struct {
		vr   VRange
		want [2][2]float64
		cmap string
	}{
		{nil, [2][2]float64{{0, 4}, {5, 9}}, "gray"},
		{Indep1, [2][2]float64{{0, 4}, {5, 9}}, "gray"},
		{VRangeMode("auto"), [2][2]float64{{0, 9}, {0, 9}}, "gray"},
		{Auto1, [2][2]float64{{0, 9}, {0, 9}}, "gray"},
		{Auto0, [2][2]float64{{-9, 9}, {-9, 9}}, "RdBu_r"},
		{Indep0, [2][2]float64{{-4, 4}, {-9, 9}}, "RdBu_r"},
		{Auto2, [2][2]float64{{mean - 2*std, mean + 2*std}, {mean - 2*std, mean + 2*std}}, "gray"},
		{Indep2, [2][2]float64{{2 - 2*math.Sqrt2, 2 + 2*math.Sqrt2}, {22.0/3 - 2*math.Sqrt(20.0/9), 22.0/3 + 2*math.Sqrt(20.0/9)}}, "gray"},
		{Auto3, [2][2]float64{{a3lo, a3hi}, {a3lo, a3hi}}, "gray"},
		// indep3 on 0..4: p10 = 0.4, p90 = 3.6; on 5,6,7,8,9,9: p10 = 5.5, p90 = 9.
		{Indep3, [2][2]float64{{0.4 - 3.2/8, 3.6 + 3.2/8}, {5.5 - 3.5/8, 9 + 3.5/8}}, "gray"},
		{Limits{0, 1}, [2][2]float64{{0, 1}, {0, 1}}, "gray"},
	}
	for _, c := range cases {
		f, err := Imshow([]*tensors.Tensor{a, b}, ImshowOptions{VRange: c.vr})
		if err != nil {
			t.Fatalf("%v: %v", c.vr, err)
		}
		for i := range 2 {
			if math.Abs(f.Axes[i].VMin-c.want[i][0]) > 1e-6 || math.Abs(f.Axes[i].VMax-c.want[i][1]) > 1e-6 {
				t.Errorf("%v panel %d: (%v, %v), want %v", c.vr, i, f.Axes[i].VMin, f.Axes[i].VMax, c.want[i])
			}
			if f.Axes[i].Cmap != c.cmap {
				t.Errorf("%v: cmap %s, want %s", c.vr, f.Axes[i].Cmap, c.cmap)
			}
		}
	}
	f, _ := Imshow([]*tensors.Tensor{a}, ImshowOptions{VRange: Indep0, Cmap: Gray})
	if f.Axes[0].Cmap != "gray" {
		t.Errorf("explicit cmap ignored: %s", f.Axes[0].Cmap)
	}
	_, err := Imshow([]*tensors.Tensor{a}, ImshowOptions{VRange: VRangeMode("indep4")})
	if err == nil || !strings.Contains(err.Error(), `unknown vrange "indep4"`) || !strings.Contains(err.Error(), "auto0, auto1") {
		t.Errorf("unknown mode: %v", err)
	}
	if _, err := Imshow([]*tensors.Tensor{a}, ImshowOptions{VRange: Limits{math.NaN(), 1}}); err == nil {
		t.Error("NaN limits accepted")
	}
}

func TestZoomRules(t *testing.T) {
	img := einstein(t)
	cases := []struct {
		name    string
		imgs    []*tensors.Tensor
		zoom    float64
		wantErr string
	}{
		{"0.3 does not divide 256", []*tensors.Tensor{img}, 0.3, "zoom 0.3"},
		{"1/3 does not divide 256", []*tensors.Tensor{img}, 1.0 / 3, "not a whole number"},
		{"1/4", []*tensors.Tensor{img}, 0.25, ""},
		{"3", []*tensors.Tensor{img}, 3, ""},
		{"negative", []*tensors.Tensor{img}, -1, "positive"},
		{"NaN", []*tensors.Tensor{img}, math.NaN(), "positive"},
		{"sizes not multiples", []*tensors.Tensor{ramp(1, 1, 10, 10, 0, 1), ramp(1, 1, 6, 6, 0, 1)}, 1, "integer fractions"},
		{"different factors", []*tensors.Tensor{ramp(1, 1, 10, 10, 0, 1), ramp(1, 1, 5, 10, 0, 1)}, 1, "same factor"},
		{"zoom times max size", []*tensors.Tensor{ramp(1, 1, 10, 10, 0, 1), ramp(1, 1, 5, 5, 0, 1)}, 0.2, ""},
		{"zoom 1/4 on 10", []*tensors.Tensor{ramp(1, 1, 10, 10, 0, 1)}, 0.25, "zoom 0.25 times image size 10"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Imshow(c.imgs, ImshowOptions{Zoom: c.zoom})
			if c.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
				t.Fatalf("got %v, want an error containing %q", err, c.wantErr)
			}
		})
	}
}

// TestPixels checks that each image pixel becomes zoom×zoom screen pixels
// through the colormap, and that zoom < 1 shows one pixel per block.
func TestPixels(t *testing.T) {
	img := fromValues([]float32{0, 1, 0.5, float32(math.NaN())}, 1, 1, 2, 2)
	f, err := imshowOne(img, ImshowOptions{Zoom: 3, NoTitles: true})
	if err != nil {
		t.Fatal(err)
	}
	rgba := f.Image().(*image.RGBA)
	for y := 0; y < 6; y++ {
		for x := 0; x < 6; x++ {
			want := [4]uint8{0, 0, 0, 255}
			switch {
			case y < 3 && x >= 3:
				want = [4]uint8{255, 255, 255, 255}
			case y >= 3 && x < 3:
				want = [4]uint8{128, 128, 128, 255}
			case y >= 3 && x >= 3: // NaN: background shows through
				want = [4]uint8{255, 255, 255, 255}
			}
			c := rgba.RGBAAt(x, y)
			if [4]uint8{c.R, c.G, c.B, c.A} != want {
				t.Fatalf("pixel (%d,%d) = %v, want %v", x, y, c, want)
			}
		}
	}
	// 4×4 checkerboard of 2×2 blocks at zoom 1/2: each screen pixel shows its block's colour.
	vals := make([]float32, 16)
	for i := range vals {
		if (i/4/2+i%4/2)%2 == 1 {
			vals[i] = 1
		}
	}
	f, err = imshowOne(fromValues(vals, 1, 1, 4, 4), ImshowOptions{Zoom: 0.5, NoTitles: true})
	if err != nil {
		t.Fatal(err)
	}
	rgba = f.Image().(*image.RGBA)
	if rgba.Bounds().Dx() != 2 || rgba.RGBAAt(0, 0).R != 0 || rgba.RGBAAt(1, 0).R != 255 || rgba.RGBAAt(0, 1).R != 255 {
		t.Errorf("zoom 1/2 pixels: %v", rgba.Pix)
	}
}

func TestColormaps(t *testing.T) {
	check := func(c *Colormap, x float64, want [4]uint8) {
		t.Helper()
		got := c.At(x)
		if [4]uint8{got.R, got.G, got.B, got.A} != want {
			t.Errorf("%s.At(%v) = %v, want %v", c.Name(), x, got, want)
		}
	}
	check(Gray, 0, [4]uint8{0, 0, 0, 255})
	check(Gray, 1, [4]uint8{255, 255, 255, 255})
	check(Gray, 0.5, [4]uint8{128, 128, 128, 255})
	check(Gray, -3, [4]uint8{0, 0, 0, 255})
	check(Gray, math.NaN(), [4]uint8{})
	check(RdBuR, 0, [4]uint8{5, 48, 97, 255})
	check(RdBuR, 1, [4]uint8{103, 0, 31, 255})
	check(RdBuR, 2, [4]uint8{103, 0, 31, 255})
	mid := RdBuR.At(0.5)
	if mid.R < 240 || mid.G < 240 || mid.B < 240 {
		t.Errorf("RdBu_r middle %v is not near white", mid)
	}
	if lo, hi := RdBuR.At(0.2), RdBuR.At(0.8); !(lo.B > lo.R && hi.R > hi.B) {
		t.Errorf("RdBu_r should go blue→red: %v, %v", lo, hi)
	}
}

func TestBadInput(t *testing.T) {
	nan := float32(math.NaN())
	cases := []struct {
		name    string
		imgs    []*tensors.Tensor
		o       ImshowOptions
		wantErr string
	}{
		{"empty list", nil, ImshowOptions{}, "empty list"},
		{"nil tensor", []*tensors.Tensor{nil}, ImshowOptions{}, "nil"},
		{"3-D tensor", []*tensors.Tensor{fromValues([]float32{1, 2, 3, 4}, 1, 2, 2)}, ImshowOptions{}, "want 4-D"},
		{"int tensor", []*tensors.Tensor{tensors.FromFlatDataAndDimensions([]int32{1, 2, 3, 4}, 1, 1, 2, 2)}, ImshowOptions{}, "dtype"},
		{"NaN-only image", []*tensors.Tensor{fromValues([]float32{nan, nan, nan, nan}, 1, 1, 2, 2)}, ImshowOptions{}, "only NaN"},
		{"zoom that does not divide", []*tensors.Tensor{ramp(1, 1, 6, 6, 0, 1)}, ImshowOptions{Zoom: 0.25}, "zoom 0.25"},
		{"mismatched titles", []*tensors.Tensor{ramp(1, 1, 6, 6, 0, 1)}, ImshowOptions{Titles: []string{"a", "b"}}, "2 titles for 1 panels"},
		{"negative col_wrap", []*tensors.Tensor{ramp(1, 1, 6, 6, 0, 1)}, ImshowOptions{ColWrap: -1}, "col_wrap"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Imshow(c.imgs, c.o)
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("got %v, want an error containing %q", err, c.wantErr)
			}
		})
	}
}

func TestPanelLimits(t *testing.T) {
	a := fromValues([]float32{0, 1, 2, 3, 4, 5}, 1, 1, 2, 3)
	b := fromValues([]float32{5, 6, 7, 8, 9, 9}, 1, 1, 2, 3)
	f, err := Imshow([]*tensors.Tensor{a, b}, ImshowOptions{PanelLimits: [][2]float64{{0, 1}, {-2, 2}}, Titles: []string{"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if f.Axes[0].VMax != 1 || f.Axes[1].VMin != -2 || !strings.Contains(f.Axes[1].Title, "range: [-2.0e+00, 2.0e+00]") {
		t.Errorf("per-panel limits not used: %+v %+v", f.Axes[0], f.Axes[1])
	}
	if _, err := Imshow([]*tensors.Tensor{a, b}, ImshowOptions{PanelLimits: [][2]float64{{0, 1}}}); err == nil || !strings.Contains(err.Error(), "1 entries for 2 panels") {
		t.Errorf("wrong count: %v", err)
	}
	if _, err := Imshow([]*tensors.Tensor{a}, ImshowOptions{PanelLimits: [][2]float64{{1, 1}}}); err == nil {
		t.Error("empty limits accepted")
	}
}

// TestLongTitlesFit checks that a first-row title with more lines than the
// title band holds makes the figure taller instead of being cut off, and that
// ordinary titles keep pyrtools' geometry.
func TestLongTitlesFit(t *testing.T) {
	img := fromValues(make([]float32, 256*256), 1, 1, 256, 256)
	plain, err := Imshow([]*tensors.Tensor{img}, ImshowOptions{Title: "one line"})
	if err != nil {
		t.Fatal(err)
	}
	if b := plain.Image().Bounds(); b.Dx() != 256 || b.Dy() != 320 {
		t.Errorf("one-line title: figure %v, want pyrtools' 256×320", b)
	}
	long, err := Imshow([]*tensors.Tensor{img}, ImshowOptions{Title: "two\nlines"})
	if err != nil {
		t.Fatal(err)
	}
	b := long.Image().Bounds()
	if b.Dy() <= 320 || long.Axes[0].Rect.Min.Y <= plain.Axes[0].Rect.Min.Y {
		t.Errorf("two-line title: figure %v, axes %v; want a taller figure with the axes moved down", b, long.Axes[0].Rect)
	}
	if long.Axes[0].Rect.Max.Y != b.Dy() {
		t.Errorf("the axes must stay at the bottom: %v in %v", long.Axes[0].Rect, b)
	}
}
