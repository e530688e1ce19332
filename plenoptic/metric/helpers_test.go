package metric

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/internal/reftest"
	"github.com/goplenoptic/goplenoptic/plenoptic/backend"
	"github.com/goplenoptic/goplenoptic/plenoptic/data"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/backendtest"
)

func TestMain(m *testing.M) {
	// The default backend prints its name once; keep it out of Example output.
	os.Setenv("GOPLENOPTIC_QUIET", "1")
	backendtest.Main(m)
}

// float is the element type of test images.
type float interface{ float32 | float64 }

// image is a host image: flat values and [B, C, H, W] dims.
type image[T float] struct {
	v    []T
	dims []int
}

func (im image[T]) tensor() *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(append([]T(nil), im.v...), im.dims...)
}

func to64(im image[float32]) image[float64] {
	out := image[float64]{v: make([]float64, len(im.v)), dims: im.dims}
	for i, x := range im.v {
		out.v[i] = float64(x)
	}
	return out
}

// crop cuts rows [y0, y1) and columns [x0, x1) of every image plane.
func crop[T float](im image[T], y0, y1, x0, x1 int) image[T] {
	b, c, h, w := im.dims[0], im.dims[1], im.dims[2], im.dims[3]
	out := image[T]{dims: []int{b, c, y1 - y0, x1 - x0}}
	for p := range b * c {
		for i := y0; i < y1; i++ {
			out.v = append(out.v, im.v[p*h*w+i*w+x0:p*h*w+i*w+x1]...)
		}
	}
	return out
}

// concat stacks images along the batch axis.
func concat[T float](ims ...image[T]) image[T] {
	out := image[T]{dims: append([]int(nil), ims[0].dims...)}
	out.dims[0] = 0
	for _, im := range ims {
		out.v = append(out.v, im.v...)
		out.dims[0] += im.dims[0]
	}
	return out
}

func scale[T float](im image[T], s T) image[T] {
	out := image[T]{v: make([]T, len(im.v)), dims: im.dims}
	for i, x := range im.v {
		out.v[i] = x * s
	}
	return out
}

func clamp01[T float](x T) T { return min(max(x, 0), 1) }

// The distortions of make_reference_metric.py, in the same floating-point
// operations (so the results are bit for bit torch's; the tests check the
// sha256 the generator recorded).

func addNoise[T float](im image[T], noise []T) image[T] {
	out := image[T]{v: make([]T, len(im.v)), dims: im.dims}
	for i, x := range im.v {
		out.v[i] = clamp01(x + noise[i])
	}
	return out
}

func contrast[T float](im image[T]) image[T] {
	out := image[T]{v: make([]T, len(im.v)), dims: im.dims}
	for i, x := range im.v {
		t := 2*x - 1
		out.v[i] = clamp01(x + T(0.25)*t)
	}
	return out
}

// blur is three circular [1, 2, 1]/4 passes along the width, then three
// along the height: ((roll(x, 1) + 2x) + roll(x, −1)) · 0.25.
func blur[T float](im image[T]) image[T] {
	h, w := im.dims[2], im.dims[3]
	cur := append([]T(nil), im.v...)
	next := make([]T, len(cur))
	planes := len(cur) / (h * w)
	pass := func(along int) {
		for p := range planes {
			base := p * h * w
			for i := range h {
				for j := range w {
					var prev, nxt T
					if along == 3 {
						prev, nxt = cur[base+i*w+(j-1+w)%w], cur[base+i*w+(j+1)%w]
					} else {
						prev, nxt = cur[base+((i-1+h)%h)*w+j], cur[base+((i+1)%h)*w+j]
					}
					s := prev + 2*cur[base+i*w+j]
					s = s + nxt
					next[base+i*w+j] = s * T(0.25)
				}
			}
		}
		cur, next = next, cur
	}
	for _, axis := range []int{3, 2} {
		for range 3 {
			pass(axis)
		}
	}
	return image[T]{v: cur, dims: im.dims}
}

func shaOf[T float](v []T) string {
	h := sha256.New()
	var b [8]byte
	for _, x := range v {
		switch x := any(x).(type) {
		case float32:
			binary.LittleEndian.PutUint32(b[:4], math.Float32bits(x))
			h.Write(b[:4])
		case float64:
			binary.LittleEndian.PutUint64(b[:], math.Float64bits(x))
			h.Write(b[:])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// meta returns the generator's meta section.
func meta(t *testing.T) map[string]any {
	m, ok := reftest.Meta(t)["metric/"].(map[string]any)
	if !ok {
		t.Fatal("reference data: no metric/ meta (run `make reference`)")
	}
	return m
}

func metaString(t *testing.T, path ...string) string {
	t.Helper()
	var cur any = meta(t)
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("reference meta has no %v", path)
		}
		cur = m[p]
	}
	s, ok := cur.(string)
	if !ok {
		t.Fatalf("reference meta %v is not a string", path)
	}
	return s
}

var (
	imgOnce sync.Once
	imgs    map[string]image[float32]
	imgErr  error
)

// testImages returns einstein, curie and parrot (gray, 254×266), loaded by
// the data package.
func testImages(t *testing.T) map[string]image[float32] {
	t.Helper()
	imgOnce.Do(func() {
		imgs = map[string]image[float32]{}
		load := func(name string, f func() (*tensors.Tensor, error)) {
			if imgErr != nil {
				return
			}
			x, err := f()
			if err != nil {
				imgErr = err
				return
			}
			imgs[name] = image[float32]{v: tensors.MustCopyFlatData[float32](x), dims: x.Shape().Dimensions}
		}
		load("einstein", data.Einstein)
		load("curie", data.Curie)
		load("parrot", func() (*tensors.Tensor, error) {
			p, err := data.Path("parrot.png")
			if err != nil {
				return nil, err
			}
			return data.Load([]string{p}, data.Options{AsGray: true})
		})
		load("parrot_color", data.Parrot)
	})
	if imgErr != nil {
		t.Fatal(imgErr)
	}
	for _, name := range []string{"einstein", "curie", "parrot"} {
		if got, want := shaOf(imgs[name].v), metaString(t, "images", name); got != want {
			t.Fatalf("%s as loaded by the data package differs from plenoptic's (sha256 %s, want %s)", name, got, want)
		}
	}
	return imgs
}

// distorted returns the (distorted, original) float32 pairs of the full
// images, by name ("einstein_noise", ...), checked against the generator's
// sha256.
func distorted(t *testing.T) map[string][2]image[float32] {
	t.Helper()
	im := testImages(t)
	noise := map[string][]float32{}
	for _, hw := range []string{"256x256", "254x266"} {
		n, _ := reftest.Load(t, "metric/noise_"+hw)
		noise[hw] = n
	}
	out := map[string][2]image[float32]{}
	for _, name := range []string{"einstein", "curie", "parrot"} {
		x := im[name]
		hw := fmt.Sprintf("%dx%d", x.dims[2], x.dims[3])
		for d, y := range map[string]image[float32]{"noise": addNoise(x, noise[hw]), "blur": blur(x), "contrast": contrast(x)} {
			key := name + "_" + d
			if got, want := shaOf(y.v), metaString(t, "distorted", key); got != want {
				t.Fatalf("%s: the Go distortion differs from the generator's (sha256 %s, want %s)", key, got, want)
			}
			out[key] = [2]image[float32]{y, x}
		}
		out[name+"_identical"] = [2]image[float32]{x, x}
	}
	out["einstein_curie"] = [2]image[float32]{im["einstein"], im["curie"]}
	return out
}

// flat copies a float tensor's values as float64.
func flat(t testing.TB, x *tensors.Tensor) []float64 {
	t.Helper()
	switch x.DType().GoStr() {
	case "float32":
		f := tensors.MustCopyFlatData[float32](x)
		out := make([]float64, len(f))
		for i, v := range f {
			out[i] = float64(v)
		}
		return out
	case "float64":
		return tensors.MustCopyFlatData[float64](x)
	}
	t.Fatalf("unexpected dtype %s", x.DType())
	return nil
}

func maxAbs(a []float64) float64 {
	m := 0.0
	for _, v := range a {
		m = max(m, math.Abs(v))
	}
	return m
}

func maxAbsDiff(t *testing.T, a, b []float64) float64 {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("length %d vs %d", len(a), len(b))
	}
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

// withDefault runs f with b as the default backend (backend.SetDefault).
func withDefault(t *testing.T, b backends.Backend, f func()) {
	t.Helper()
	restore := backend.SetDefault(b, backend.Info{Name: b.Name()})
	defer restore()
	f()
}

// forEachBackend runs f as a subtest on every backend of backendtest.Names.
// backend.Start returns one backend per name, the one backend.Default
// chooses too, so the graphs the tests compile through the Eval functions
// are the ones the Examples (on the default backend) find compiled.
func forEachBackend(t *testing.T, f func(t *testing.T, b backends.Backend)) {
	for _, name := range backendtest.Names {
		t.Run(name, func(t *testing.T) { f(t, backendtest.Get(t, name)) })
	}
}
