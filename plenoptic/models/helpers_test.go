package models

import (
	"math"
	"os"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/data"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/backendtest"
)

func TestMain(m *testing.M) {
	// The default backend prints its name once; keep it out of Example output.
	os.Setenv("GOPLENOPTIC_QUIET", "1")
	backendtest.Main(m)
}

var (
	imgOnce      sync.Once
	imgEinstein  []float32
	imgCurie     []float32
	imgLoadError error
)

// images returns einstein and curie ([1, 1, 256, 256]) as flat float32s.
func images(t testing.TB) (einstein, curie []float32) {
	t.Helper()
	imgOnce.Do(func() {
		e, err := data.Einstein()
		if err != nil {
			imgLoadError = err
			return
		}
		c, err := data.Curie()
		if err != nil {
			imgLoadError = err
			return
		}
		imgEinstein, imgCurie = tensors.MustCopyFlatData[float32](e), tensors.MustCopyFlatData[float32](c)
	})
	if imgLoadError != nil {
		t.Fatalf("loading images: %v", imgLoadError)
	}
	return imgEinstein, imgCurie
}

// run applies m to a fresh tensor (tensors belong to one backend) on the
// default backend (set by backendtest.ForEach or Use).
func run(t testing.TB, m Model, x []float32, dims ...int) ([]float64, []int) {
	t.Helper()
	out, err := Eval(m, tensors.FromFlatDataAndDimensions(x, dims...))
	if err != nil {
		t.Fatalf("%T: %v", m, err)
	}
	f := tensors.MustCopyFlatData[float32](out)
	res := make([]float64, len(f))
	for i, v := range f {
		res[i] = float64(v)
	}
	return res, out.Shape().Dimensions
}

type stats struct{ mean, min, max, l2 float64 }

func statsOf(x []float64) stats {
	s := stats{min: math.Inf(1), max: math.Inf(-1)}
	for _, v := range x {
		s.mean += v
		s.l2 += v * v
		s.min, s.max = min(s.min, v), max(s.max, v)
	}
	s.mean /= float64(len(x))
	s.l2 = math.Sqrt(s.l2)
	return s
}

func maxAbsDiff(a, b []float64) float64 {
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

func scaled(x []float32, s float32) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = s * v
	}
	return out
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// tutorialLG is the tutorial's LuminanceGainControl: circular padding and the
// five values it loads.
func tutorialLG() (*LuminanceGainControl, error) {
	lg, err := NewLuminanceGainControl(FrontEndOptions{KernelSize: Square(31), PadMode: "circular"})
	if err != nil {
		return nil, err
	}
	return lg, lg.LoadParams(map[string][]float64{
		"luminance_scalar":                {14.95},
		"luminance.std":                   {4.235},
		"center_surround.center_std":      {1.962},
		"center_surround.surround_std":    {4.235},
		"center_surround.amplitude_ratio": {1.25},
	})
}

func tutorialCS() (*CenterSurround, error) {
	return NewCenterSurround(CenterSurroundOptions{KernelSize: Square(31), CenterStd: []float64{1.962},
		SurroundStd: []float64{4.235}, PadMode: "circular"})
}
