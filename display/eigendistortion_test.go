package display

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func newFakeEigen(c int) *fakeEigen {
	const h, w = 8, 8
	n := c * h * w
	img := make([]float32, n)
	dist := make([]float32, 2*n)
	for i := range img {
		img[i] = 0.5
		dist[i] = float32(1 / math.Sqrt(float64(n)))                                   // top: constant
		dist[n+i] = float32(math.Pow(-1, float64(i))) / float32(math.Sqrt(float64(n))) // bottom: checkerboard
	}
	return &fakeEigen{
		img:  tensors.FromFlatDataAndDimensions(img, 1, c, h, w),
		dist: tensors.FromFlatDataAndDimensions(dist, 2, c, h, w),
		idx:  []int{0, n - 1},
		vals: []float64{1, 1.2e-7},
	}
}

func TestEigendistortionImage(t *testing.T) {
	e := newFakeEigen(1)
	for _, c := range []struct {
		index int
		alpha float64
		want  [2]float64 // first two pixel values
	}{
		{0, 5, [2]float64{0.5 + 5.0/8, 0.5 + 5.0/8}},
		{-1, 5, [2]float64{1, 0}}, // clamped to [0, 1]
		{63, 1, [2]float64{0.5 + 1.0/8, 0.5 - 1.0/8}},
		{-64, 2, [2]float64{0.75, 0.75}},
	} {
		f, err := EigendistortionImage(e, c.index, EigendistortionImageOptions{Alpha: c.alpha, ImshowOptions: ImshowOptions{VRange: Limits{0, 1}, NoTitles: true}})
		if err != nil {
			t.Fatalf("index %d: %v", c.index, err)
		}
		img := toRGBA(f.Image())
		for k := 0; k < 2; k++ {
			want := Gray.At(c.want[k]).R
			if got := img.RGBAAt(k, 0).R; got != want {
				t.Errorf("index %d pixel %d: %d, want %d", c.index, k, got, want)
			}
		}
	}
	for _, bad := range []int{1, 5, 64, -65} {
		if _, err := EigendistortionImage(e, bad, EigendistortionImageOptions{Alpha: 5}); err == nil || !strings.Contains(err.Error(), "not the index of a synthesized") {
			t.Errorf("eigenindex %d: %v", bad, err)
		}
	}
	rgb := newFakeEigen(3)
	if f, err := EigendistortionImage(rgb, -1, EigendistortionImageOptions{Alpha: 5}); err != nil || len(f.Axes) != 3 {
		t.Errorf("3 channels: %v", err)
	}
	if f, err := EigendistortionImage(rgb, 0, EigendistortionImageOptions{Alpha: 5, ImshowOptions: ImshowOptions{AsRGB: true}}); err != nil || len(f.Axes) != 1 {
		t.Errorf("3 channels as RGB: %v", err)
	}
	broken := newFakeEigen(1)
	broken.idx = []int{0}
	if _, err := EigendistortionImage(broken, 0, EigendistortionImageOptions{Alpha: 5}); err == nil {
		t.Error("inconsistent eigenindex accepted")
	}
	if _, err := EigendistortionImage(nil, 0, EigendistortionImageOptions{Alpha: 5}); err == nil {
		t.Error("nil view accepted")
	}
}

func TestEigendistortionGrid(t *testing.T) {
	f, err := EigendistortionGrid(newFakeEigen(1), ImshowOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Axes) != 2 || !strings.HasPrefix(f.Axes[0].Title, "eigenindex 0: λ=1\n") || !strings.HasPrefix(f.Axes[1].Title, "eigenindex 63: λ=1.2e-07\n") {
		t.Errorf("axes: %+v", f.Axes)
	}
	f, err = EigendistortionGrid(newFakeEigen(3), ImshowOptions{VRange: Indep0})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Axes) != 6 || f.Axes[0].Cmap != "RdBu_r" || !strings.Contains(f.Axes[5].Title, "channel 2") {
		t.Errorf("3 channels: %d axes, %+v", len(f.Axes), f.Axes[0])
	}
	if f.Axes[4].Rect.Min.Y <= f.Axes[0].Rect.Min.Y {
		t.Error("6 panels should wrap after 4")
	}
	if f, err = EigendistortionGrid(newFakeEigen(3), ImshowOptions{AsRGB: true}); err != nil || len(f.Axes) != 2 {
		t.Errorf("as RGB: %v", err)
	}
}
