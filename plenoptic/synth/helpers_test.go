package synth

import (
	"math"
	"os"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/data"
	"github.com/goplenoptic/goplenoptic/plenoptic/filters"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/backendtest"
	"github.com/goplenoptic/goplenoptic/plenoptic/models"
)

func init() {
	// The backend line is printed by backend.Default; tests use explicit
	// backends, keep stdout for the messages under test.
	os.Setenv("GOPLENOPTIC_QUIET", "1")
}

// Test models built from the filters package, as the tutorial defines them
// (spec §3.0, §3.2, §3.3), all with circular padding. They are pointers to
// comparable structs, so compiled steps are cached per model.

type gaussModel struct{ k filters.Kernel }

func (g *gaussModel) Forward(x *Node) *Node {
	return filters.Depthwise(x, []filters.Kernel{g.k}, filters.Circular)
}

type csModel struct{ k filters.Kernel }

func (c *csModel) Forward(x *Node) *Node {
	return filters.Depthwise(x, []filters.Kernel{c.k}, filters.Circular)
}

type lgModel struct {
	cs, lum filters.Kernel
	scalar  float64
}

func (l *lgModel) Forward(x *Node) *Node {
	cs := filters.Depthwise(x, []filters.Kernel{l.cs}, filters.Circular)
	lum := filters.Depthwise(x, []filters.Kernel{l.lum}, filters.Circular)
	return Softplus(Div(cs, OnePlus(MulScalar(lum, l.scalar))))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

var (
	notebookGaussian = &gaussModel{must(filters.CircularGaussian2D(31, 31, 3))}
	centerSurround   = &csModel{csKernel()}
	lumGainControl   = &lgModel{cs: csKernel(), lum: must(filters.CircularGaussian2D(31, 31, 4.235)), scalar: 14.95}
)

func csKernel() filters.Kernel {
	c := must(filters.CircularGaussian2D(31, 31, 1.962))
	s := must(filters.CircularGaussian2D(31, 31, 4.235))
	return must(filters.SumOf([]float64{1.25, -1.25}, []filters.Kernel{c, s}))
}

// namedModel is a model with the name its tests and benchmarks use.
type namedModel struct {
	name  string
	model models.Model
}

// tutorialModels lists the three tutorial models by name.
var tutorialModels = []namedModel{
	{"gauss", notebookGaussian},
	{"cs", centerSurround},
	{"lg", lumGainControl},
}

func einstein(t testing.TB) *tensors.Tensor {
	t.Helper()
	img, err := data.Einstein()
	if err != nil {
		t.Fatalf("einstein: %v", err)
	}
	return img
}

func curie(t testing.TB) *tensors.Tensor {
	t.Helper()
	img, err := data.Curie()
	if err != nil {
		t.Fatalf("curie: %v", err)
	}
	return img
}

// flat returns a tensor's values as float64.
func flat(t testing.TB, x *tensors.Tensor) []float64 {
	t.Helper()
	v, err := float64s(x)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// crop returns img[..., r0:r0+h, c0:c0+w] as a new tensor.
func crop(t testing.TB, img *tensors.Tensor, r0, c0, h, w int) *tensors.Tensor {
	t.Helper()
	d := img.Shape().Dimensions
	v := flat(t, img)
	out := make([]float64, 0, d[0]*d[1]*h*w)
	for b := range d[0] {
		for c := range d[1] {
			for i := range h {
				for j := range w {
					out = append(out, v[((b*d[1]+c)*d[2]+r0+i)*d[3]+c0+j])
				}
			}
		}
	}
	return makeTensor(out, img.DType(), []int{d[0], d[1], h, w})
}

// concatBatch stacks [1,C,H,W] tensors along the batch axis.
func concatBatch(t testing.TB, ts ...*tensors.Tensor) *tensors.Tensor {
	t.Helper()
	var out []float64
	d := append([]int(nil), ts[0].Shape().Dimensions...)
	for _, x := range ts {
		out = append(out, flat(t, x)...)
	}
	d[0] = len(ts)
	return makeTensor(out, ts[0].DType(), d)
}

func relClose(got, want, rtol float64) bool {
	return math.Abs(got-want) <= rtol*math.Abs(want)
}

func checkSeries(t *testing.T, name string, got, want []float64, rtol float64) {
	t.Helper()
	if len(got) < len(want) {
		t.Fatalf("%s: got %d values, want at least %d", name, len(got), len(want))
	}
	for i, w := range want {
		if !relClose(got[i], w, rtol) {
			t.Errorf("%s[%d] = %.9g, want %.9g (rel err %.2g)", name, i, got[i], w, math.Abs(got[i]-w)/math.Abs(w))
		}
	}
}

// forEachBackend runs f on XLA CPU and pure Go.
func forEachBackend(t *testing.T, f func(t *testing.T, b backends.Backend)) {
	backendtest.ForEach(t, f)
}

// backendtestGet returns one named backend.
func backendtestGet(t testing.TB, name string) backends.Backend { return backendtest.Get(t, name) }

// The display package's views (copied here: synth must not import display).
var (
	_ interface {
		Image() *tensors.Tensor
		Metamer() *tensors.Tensor
		Losses() []float64
		StoreProgress() int
		SavedMetamers() []*tensors.Tensor
		RepresentationError(iteration int) (*tensors.Tensor, error)
	} = (*Metamer)(nil)
	_ interface {
		Image() *tensors.Tensor
		Eigendistortions() *tensors.Tensor
		Eigenindex() []int
		Eigenvalues() []float64
	} = (*Eigendistortion)(nil)
	_ interface {
		Image() *tensors.Tensor
		InitialImage() *tensors.Tensor
		MADImage() *tensors.Tensor
		Losses() []float64
		OptimizedMetricLoss() []float64
		ReferenceMetricLoss() []float64
		StoreProgress() int
		SavedMADImages() []*tensors.Tensor
		OptimizedMetricName() string
	} = (*MADCompetition)(nil)
)
