package display

import (
	"image"
	"image/draw"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// goldenDir holds reference PNGs; regenerate them with
// `go test ./display/ -run TestGolden -update`.
const goldenDir = "../testdata/display"

// checkGolden compares img with testdata/display/<name>.png pixel by pixel
// (decoded pixels, not PNG bytes); with -update it rewrites the file.
func checkGolden(t *testing.T, name string, img image.Image) {
	t.Helper()
	path := filepath.Join(goldenDir, name+".png")
	if *update {
		b, err := encodePNG(img)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("golden %s: %v (run go test -run TestGolden -update to create it)", path, err)
	}
	defer f.Close()
	want, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	got, exp := toRGBA(img), toRGBA(want)
	if got.Bounds() != exp.Bounds() {
		t.Fatalf("%s: size %v, golden %v", name, got.Bounds(), exp.Bounds())
	}
	bad := 0
	for i := range got.Pix {
		if got.Pix[i] != exp.Pix[i] {
			bad++
		}
	}
	if bad > 0 {
		out := filepath.Join(t.TempDir(), name+".png")
		b, _ := encodePNG(img)
		_ = os.WriteFile(out, b, 0o644)
		t.Errorf("%s: %d bytes differ from %s (got image written to %s)", name, bad, path, out)
	}
}

func toRGBA(img image.Image) *image.RGBA {
	out := image.NewRGBA(img.Bounds())
	draw.Draw(out, out.Bounds(), img, img.Bounds().Min, draw.Src)
	return out
}

func TestGolden(t *testing.T) {
	wave := func(b, c, h, w int, f func(b, c, y, x int) float64) *tensors.Tensor {
		d := make([]float32, 0, b*c*h*w)
		for bi := 0; bi < b; bi++ {
			for ci := 0; ci < c; ci++ {
				for y := 0; y < h; y++ {
					for x := 0; x < w; x++ {
						d = append(d, float32(f(bi, ci, y, x)))
					}
				}
			}
		}
		return tensors.FromFlatDataAndDimensions(d, b, c, h, w)
	}
	cases := []struct {
		name string
		imgs []*tensors.Tensor
		o    ImshowOptions
	}{
		{"gray_titles", []*tensors.Tensor{ramp(1, 2, 8, 8, 0, 1.0/127)},
			ImshowOptions{Zoom: 16, Titles: []string{"ramp", "ramp 2"}}},
		{"rdbu_auto0", []*tensors.Tensor{wave(1, 2, 8, 8, func(_, c, y, x int) float64 {
			return math.Sin(float64(x)/2) * math.Cos(float64(y)/3) * float64(c+1)
		})}, ImshowOptions{Zoom: 4, VRange: Auto0, NoTitles: true}},
		{"rgb_mixed", []*tensors.Tensor{
			wave(2, 3, 4, 4, func(b, c, y, x int) float64 { return float64((c+b+y*x)%4) / 3 }),
			wave(1, 4, 8, 8, func(_, c, y, x int) float64 { return float64(c*x+y) / 10 }),
		}, ImshowOptions{Zoom: 4, AsRGB: true, NoTitles: true, ColWrap: 2}},
		{"zoom_half", []*tensors.Tensor{wave(1, 1, 16, 16, func(_, _, y, x int) float64 {
			return float64((x/2+y/2)%2) + float64(x)/32
		})}, ImshowOptions{Zoom: 0.5, NoTitles: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Imshow(c.imgs, c.o)
			if err != nil {
				t.Fatal(err)
			}
			writeTmp(t, "golden_"+c.name+".png", f.Image())
			checkGolden(t, c.name, f.Image())
		})
	}
}
