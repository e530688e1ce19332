package models

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/internal/reftest"
	"github.com/goplenoptic/goplenoptic/plenoptic/data"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/backendtest"
)

var psImgs = map[string][]float32{}

func psImage(t testing.TB, name string) []float32 {
	t.Helper()
	if v, ok := psImgs[name]; ok {
		return v
	}
	var x *tensors.Tensor
	var err error
	switch name {
	case "einstein":
		x, err = data.Einstein()
	case "curie":
		x, err = data.Curie()
	case "reptile_skin":
		x, err = data.ReptileSkin()
	}
	if err != nil || x == nil {
		t.Fatalf("loading %s: %v", name, err)
	}
	v := tensors.MustCopyFlatData[float32](x)
	psImgs[name] = v
	return v
}

// psInput rebuilds a case's input from the bundled images (the reference
// does not store them): crops stacked on the batch or the channel axis.
func psInput(t testing.TB, params map[string]any) ([]float32, []int) {
	t.Helper()
	cropOf := func(spec []any) []float32 {
		img := psImage(t, spec[0].(string))
		if spec[1] == nil {
			return img
		}
		c := spec[1].([]any)
		top, left, h, w := int(c[0].(float64)), int(c[1].(float64)), int(c[2].(float64)), int(c[3].(float64))
		out := make([]float32, 0, h*w)
		for y := top; y < top+h; y++ {
			out = append(out, img[y*256+left:y*256+left+w]...)
		}
		return out
	}
	var items []any
	if m, ok := params["inputs"].(map[string]any); ok {
		items = m["channels"].([]any)
	} else {
		items = params["inputs"].([]any)
	}
	var flat []float32
	for _, it := range items {
		flat = append(flat, cropOf(it.([]any))...)
	}
	var shape []int
	for _, d := range params["shape"].([]any) {
		shape = append(shape, int(d.(float64)))
	}
	return flat, shape
}

func psModelFor(t testing.TB, params map[string]any) *PortillaSimoncelli {
	t.Helper()
	kw := params["kwargs"].(map[string]any)
	var o PortillaSimoncelliOptions
	if v, ok := kw["n_scales"]; ok {
		o.NScales = int(v.(float64))
	}
	if v, ok := kw["n_orientations"]; ok {
		o.NOrientations = int(v.(float64))
	}
	if v, ok := kw["spatial_corr_width"]; ok {
		o.SpatialCorrWidth = int(v.(float64))
	}
	shape := params["shape"].([]any)
	m, err := NewPortillaSimoncelli([2]int{int(shape[2].(float64)), int(shape[3].(float64))}, o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var psCases = []string{"reptile256", "einstein256", "curie256", "curie128_s3_o3_w7",
	"einstein64_s2_o5_w8", "reptile64_s1", "batch2_128", "channels2_128"}

// psTol: each statistic within 1e-4 of the largest |value| of its kind
// (plenoptic's statistics are float32; near-zero correlations make a
// per-element relative error meaningless).
const psTol = 1e-4

// psGradTol: the gradient of <w, model(x)> (w from the reference) within
// 1e-4 of its largest component.
const psGradTol = 1e-4

// psXLACases also run on XLA (compiling the model and its gradient takes
// tens of seconds there at 256×256; the XLA-specific code is size-generic).
var psXLACases = map[string]bool{"curie128_s3_o3_w7": true}

func psBackends(name string) []string {
	if psXLACases[name] {
		return backendtest.Names
	}
	return []string{"go"}
}

// comparePS checks got against want ([B, C, K] flat) statistic by statistic.
func comparePS(t *testing.T, m *PortillaSimoncelli, got []float32, want []float32, bc int) {
	t.Helper()
	k := len(m.idx)
	off := 0
	worst := 0.0
	for _, st := range m.layout {
		var n int
		for i := range st.size() {
			if st.keep[i] {
				n++
			}
		}
		var d, mx float64
		for b := range bc {
			for j := range n {
				g, w := float64(got[b*k+off+j]), float64(want[b*k+off+j])
				if math.IsNaN(g) || math.IsInf(g, 0) {
					t.Errorf("%s: non-finite value %v", st.name, g)
				}
				d = math.Max(d, math.Abs(g-w))
				mx = math.Max(mx, math.Abs(w))
			}
		}
		if n > 0 {
			if d > psTol*mx {
				t.Errorf("%s: max |difference| %.3g = %.3g of max |reference| %.3g, want ≤ %g", st.name, d, d/mx, mx, psTol)
			}
			worst = math.Max(worst, d/mx)
		}
		off += n
	}
	t.Logf("largest difference %.2g of a statistic's largest value", worst)
}

func TestPortillaSimoncelliParity(t *testing.T) {
	for _, name := range psCases {
		t.Run(name, func(t *testing.T) {
			params := reftest.Params(t, "pyramid/ps/"+name+"/rep")
			m := psModelFor(t, params)
			x, shape := psInput(t, params)
			want, wshape := reftest.Load(t, "pyramid/ps/"+name+"/rep")
			hasGrad := reftest.Has(t, "pyramid/ps/"+name+"/grad")
			var w, wantGrad []float32
			if hasGrad {
				w, _ = reftest.Load(t, "pyramid/ps/"+name+"/grad_weights")
				wantGrad, _ = reftest.Load(t, "pyramid/ps/"+name+"/grad")
			}
			for _, bn := range psBackends(name) {
				t.Run(bn, func(t *testing.T) {
					// One graph for the statistics and, where the reference has
					// it, the gradient of <w, model(x)> (one compilation on XLA).
					e := graph.MustNewExec(backendtest.Get(t, bn), func(x *graph.Node) []*graph.Node {
						rep := m.Forward(x)
						if !hasGrad {
							return []*graph.Node{rep}
						}
						wn := graph.Const(x.Graph(), tensors.FromFlatDataAndDimensions(w, 1, 1, len(w)))
						loss := graph.ReduceAllSum(graph.Mul(rep, graph.BroadcastToShape(wn, rep.Shape())))
						return []*graph.Node{rep, graph.Gradient(loss, x)[0]}
					})
					res := e.MustExec(tensors.FromFlatDataAndDimensions(x, shape...))
					if !slices.Equal(res[0].Shape().Dimensions, wshape) {
						t.Fatalf("shape %v, plenoptic %v", res[0].Shape().Dimensions, wshape)
					}
					comparePS(t, m, tensors.MustCopyFlatData[float32](res[0]), want, wshape[0]*wshape[1])
					if hasGrad {
						got := tensors.MustCopyFlatData[float32](res[1])
						var d, mx float64
						for i := range wantGrad {
							d = math.Max(d, math.Abs(float64(got[i]-wantGrad[i])))
							mx = math.Max(mx, math.Abs(float64(wantGrad[i])))
						}
						if d > psGradTol*mx || math.IsNaN(d) {
							t.Errorf("gradient: max |difference| %.3g = %.3g of max |reference| %.3g, want ≤ %g", d, d/mx, mx, psGradTol)
						}
						t.Logf("gradient: largest difference %.2g of the largest component", d/mx)
					}
				})
			}
		})
	}
}

func TestPortillaSimoncelliScales(t *testing.T) {
	b := backendtest.Get(t, "go")
	for _, name := range psCases {
		params := reftest.Params(t, "pyramid/ps/"+name+"/rep")
		m := psModelFor(t, params)
		if want := reftest.Text(t, "pyramid/ps/"+name+"/scales"); !slices.Equal(m.Scales(), want) {
			t.Errorf("%s: Scales %v, plenoptic %v", name, m.Scales(), want)
		}
		if want := reftest.Text(t, "pyramid/ps/"+name+"/rep_scales"); !slices.Equal(m.RepresentationScales(), want) {
			t.Errorf("%s: the scales of the statistics differ from plenoptic's", name)
		}
		x, shape := psInput(t, params)
		for i := 0; reftest.Has(t, fmt.Sprintf("pyramid/ps/%s/rep_sel%d", name, i)); i++ {
			ref := fmt.Sprintf("pyramid/ps/%s/rep_sel%d", name, i)
			var scales []string
			for _, s := range reftest.Params(t, ref)["scales"].([]any) {
				scales = append(scales, fmt.Sprint(s))
			}
			want, wshape := reftest.Load(t, ref)
			e := graph.MustNewExec(b, func(x *graph.Node) *graph.Node { return m.ForwardScales(x, scales) })
			out := e.MustExec1(tensors.FromFlatDataAndDimensions(x, shape...))
			if !slices.Equal(out.Shape().Dimensions, wshape) {
				t.Fatalf("%s scales %v: shape %v, plenoptic %v", name, scales, out.Shape().Dimensions, wshape)
			}
			got := tensors.MustCopyFlatData[float32](out)
			// ScaleMask selects the same statistics.
			mask, err := m.ScaleMask(scales)
			if err != nil {
				t.Fatal(err)
			}
			var ones int
			for _, v := range mask {
				if v == 1 {
					ones++
				}
			}
			if ones != wshape[2] {
				t.Errorf("%s scales %v: ScaleMask has %d ones, plenoptic keeps %d statistics", name, scales, ones, wshape[2])
			}
			var d, mx float64
			for j := range want {
				d = math.Max(d, math.Abs(float64(got[j]-want[j])))
				mx = math.Max(mx, math.Abs(float64(want[j])))
			}
			if d > psTol*mx {
				t.Errorf("%s scales %v: max |difference| %.3g of max %.3g", name, scales, d, mx)
			}
		}
	}
}
