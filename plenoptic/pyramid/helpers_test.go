package pyramid

import (
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/internal/reftest"
	"github.com/goplenoptic/goplenoptic/plenoptic/data"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/backendtest"
)

func TestMain(m *testing.M) {
	os.Setenv("GOPLENOPTIC_QUIET", "1")
	// The eager API runs on the default backend: pure Go unless a test run
	// asks for another (compiling on XLA costs seconds per graph; the graph
	// functions are tested on both backends).
	if os.Getenv("GOPLENOPTIC_BACKEND") == "" {
		os.Setenv("GOPLENOPTIC_BACKEND", "go")
	}
	backendtest.Main(m)
}

var (
	imgMu    sync.Mutex
	imgCache = map[string][]float32{}
)

// image returns a bundled 256×256 image as flat float32s.
func image(t testing.TB, name string) []float32 {
	t.Helper()
	imgMu.Lock()
	defer imgMu.Unlock()
	if v, ok := imgCache[name]; ok {
		return v
	}
	var load func() (*tensors.Tensor, error)
	switch name {
	case "einstein":
		load = data.Einstein
	case "curie":
		load = data.Curie
	case "reptile_skin":
		load = data.ReptileSkin
	default:
		t.Fatalf("unknown image %q", name)
	}
	x, err := load()
	if err != nil {
		t.Fatalf("loading %s: %v", name, err)
	}
	v := tensors.MustCopyFlatData[float32](x)
	imgCache[name] = v
	return v
}

// cropImage cuts (top, left, h, w) out of a 256×256 image; nil spec = all.
func cropImage(t testing.TB, name string, spec []any) ([]float32, int, int) {
	t.Helper()
	img := image(t, name)
	if spec == nil {
		return img, 256, 256
	}
	top, left, h, w := int(spec[0].(float64)), int(spec[1].(float64)), int(spec[2].(float64)), int(spec[3].(float64))
	out := make([]float32, 0, h*w)
	for y := top; y < top+h; y++ {
		out = append(out, img[y*256+left:y*256+left+w]...)
	}
	return out, h, w
}

// optionsFrom turns plenoptic's SteerablePyramidFreq kwargs into Options.
func optionsFrom(kw map[string]any) Options {
	var o Options
	if v, ok := kw["height"]; ok {
		o.Height = int(v.(float64))
	}
	if v, ok := kw["order"]; ok {
		o.Order = int(v.(float64))
	}
	if v, ok := kw["twidth"]; ok {
		o.TWidth = int(v.(float64))
	}
	if v, ok := kw["is_complex"]; ok {
		o.IsComplex = v.(bool)
	}
	if v, ok := kw["downsample"]; ok {
		o.NoDownsample = !v.(bool)
	}
	if v, ok := kw["tight_frame"]; ok {
		o.TightFrame = v.(bool)
	}
	return o
}

// keyFile is the reference's file name of a key ("s_b" for bands).
func keyFile(k Key) string {
	if k.IsResidual() {
		return k.Level.String()
	}
	return fmt.Sprintf("%d_%d", k.Level, k.Orientation)
}

// compare checks got against want: the largest difference relative to the
// largest |want| must not exceed tol. It returns that relative error.
func compare(t testing.TB, what string, got []float64, want []float32, tol float64) float64 {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, want %d", what, len(got), len(want))
		return math.Inf(1)
	}
	var d, m float64
	for i := range want {
		d = math.Max(d, math.Abs(got[i]-float64(want[i])))
		m = math.Max(m, math.Abs(float64(want[i])))
	}
	rel := d / math.Max(m, 1e-30)
	if rel > tol || math.IsNaN(rel) {
		t.Errorf("%s: max |difference| %.3g = %.3g of max |reference| %.3g, want ≤ %g", what, d, rel, m, tol)
	}
	return rel
}

func flat64(t testing.TB, x *tensors.Tensor) []float64 {
	t.Helper()
	switch x.DType().String() {
	case "Float32":
		f := tensors.MustCopyFlatData[float32](x)
		out := make([]float64, len(f))
		for i, v := range f {
			out[i] = float64(v)
		}
		return out
	case "Float64":
		return tensors.MustCopyFlatData[float64](x)
	}
	t.Fatalf("unexpected dtype %s", x.DType())
	return nil
}

func refKeys(t testing.TB, name string) []string { return reftest.Text(t, "pyramid/pyr/"+name+"/keys") }

var _ = strings.Join

func tensorShape(dims ...int) shapes.Shape { return shapes.Make(dtypes.Float32, dims...) }
