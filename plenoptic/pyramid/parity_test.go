package pyramid

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/internal/reftest"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/backendtest"
)

// Tolerances against plenoptic 1.1.0 (float32 on both sides): coefficients
// and reconstructions within 1e-5 of the band's largest magnitude, and the
// gradient of a fixed projection of them (torch autograd in the reference)
// within 1e-5 of its largest component.
const (
	coeffTol = 1e-5
	gradTol  = 1e-5
)

// xlaCases also run on XLA (compiling is slow there: one graph costs
// seconds); every case runs on the pure-Go backend.
var xlaCases = map[string]bool{"e64_complex": true}

// backendsFor returns the backends a case runs on.
func backendsFor(name string) []string {
	if xlaCases[name] {
		return backendtest.Names
	}
	return []string{"go"}
}

var pyrCases = []string{
	"e64_real", "e64_complex", "c64_order1_tw2", "c64_complex_order5_nodown",
	"e64_tight_nodown_order2", "c64_complex_tight", "c48x40_real", "e37x30_odd", "e256_real",
}

// weights is the generator's projection: cos(1.7 i + 0.3 k) as float32.
func weights(n, k int) []float32 {
	w := make([]float32, n)
	for i := range w {
		w[i] = float32(math.Cos(1.7*float64(i) + 0.3*float64(k)))
	}
	return w
}

func parseLevels(t *testing.T, v any) []Level {
	var out []Level
	for _, x := range v.([]any) {
		switch l := x.(type) {
		case float64:
			out = append(out, Level(int(l)))
		case string:
			lv, err := ParseLevel(l)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, lv)
		}
	}
	return out
}

func parseBands(v any) []int {
	if s, ok := v.(string); ok && s == "all" {
		return nil
	}
	var out []int
	for _, x := range v.([]any) {
		out = append(out, int(x.(float64)))
	}
	return out
}

type pyrCase struct {
	name   string
	p      *Steerable
	x      []float32
	h, w   int
	params map[string]any
}

func loadPyrCase(t *testing.T, name string) pyrCase {
	params := reftest.Params(t, "pyramid/pyr/"+name+"/recon")
	var spec []any
	if c, ok := params["crop"].([]any); ok {
		spec = c
	}
	x, h, w := cropImage(t, params["image"].(string), spec)
	opts := optionsFrom(params["kwargs"].(map[string]any))
	opts.Log = discard{}
	p, err := NewSteerable([2]int{h, w}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.NumScales(), int(params["num_scales"].(float64)); got != want {
		t.Fatalf("%s: %d scales, plenoptic has %d", name, got, want)
	}
	return pyrCase{name: name, p: p, x: x, h: h, w: w, params: params}
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }

func TestParity(t *testing.T) {
	for _, name := range pyrCases {
		t.Run(name, func(t *testing.T) {
			c := loadPyrCase(t, name)
			keys := c.p.Keys()
			var ref []string
			for _, k := range keys {
				ref = append(ref, keyFile(k))
			}
			if want := refKeys(t, name); !slices.Equal(ref, want) {
				t.Fatalf("keys %v, plenoptic %v", ref, want)
			}
			hasGrad := reftest.Has(t, "pyramid/pyr/"+name+"/grad")
			var sels []ReconOptions
			for i := 0; reftest.Has(t, fmt.Sprintf("pyramid/pyr/%s/recon_sel%d", name, i)); i++ {
				pr := reftest.Params(t, fmt.Sprintf("pyramid/pyr/%s/recon_sel%d", name, i))
				sels = append(sels, ReconOptions{Levels: parseLevels(t, pr["levels"]), Bands: parseBands(pr["bands"])})
			}
			forBackends(t, backendsFor(name), func(t *testing.T, b backends.Backend) {
				e, err := graph.NewExec(b, func(x *graph.Node) []*graph.Node {
					co := c.p.Forward(x)
					outs := flattenCoeffs(co)
					recon := c.p.ReconPyr(co, ReconOptions{})
					outs = append(outs, recon)
					for _, s := range sels {
						outs = append(outs, c.p.ReconPyr(co, s))
					}
					if hasGrad { // in the same graph: one compilation on XLA
						outs = append(outs, projectionGradient(x, co, recon))
					}
					return outs
				})
				if err != nil {
					t.Fatal(err)
				}
				res := e.MustExec(tensors.FromFlatDataAndDimensions(c.x, 1, 1, c.h, c.w))
				i := 0
				worst := 0.0
				for _, k := range keys {
					parts := []string{""}
					if c.p.BandIsComplex(k) {
						parts = []string{".re", ".im"}
					}
					for _, suf := range parts {
						refName := "pyramid/pyr/" + name + "/" + keyFile(k) + suf
						if reftest.Has(t, refName) {
							want, shape := reftest.Load(t, refName)
							if got := res[i].Shape().Dimensions; !slices.Equal(got, shape) {
								t.Errorf("%s%s: shape %v, want %v", k, suf, got, shape)
							}
							worst = math.Max(worst, compare(t, k.String()+suf, flat64(t, res[i]), want, coeffTol))
						}
						i++
					}
				}
				want, _ := reftest.Load(t, "pyramid/pyr/"+name+"/recon")
				worst = math.Max(worst, compare(t, "recon", flat64(t, res[i]), want, coeffTol))
				for j := range sels {
					want, _ := reftest.Load(t, fmt.Sprintf("pyramid/pyr/%s/recon_sel%d", name, j))
					worst = math.Max(worst, compare(t, fmt.Sprintf("recon %+v", sels[j]), flat64(t, res[i+1+j]), want, coeffTol))
				}
				if hasGrad {
					want, _ := reftest.Load(t, "pyramid/pyr/"+name+"/grad")
					rel := compare(t, "gradient", flat64(t, res[len(res)-1]), want, gradTol)
					t.Logf("gradient: largest relative difference %.2g", rel)
				}
				t.Logf("largest relative difference %.2g", worst)
			})
		})
	}
}

// projectionGradient is the gradient with respect to x of the generator's
// projection: Σ over the bands (in key order, parts re then im) of
// <part, w(2j+p)>, plus <recon, w(99)>.
func projectionGradient(x *graph.Node, co Coeffs, recon *graph.Node) *graph.Node {
	g := x.Graph()
	var loss *graph.Node
	add := func(v *graph.Node, k int) {
		w := graph.Const(g, tensors.FromFlatDataAndDimensions(weights(v.Shape().Size(), k), v.Shape().Dimensions...))
		term := graph.ReduceAllSum(graph.Mul(v, w))
		if loss == nil {
			loss = term
		} else {
			loss = graph.Add(loss, term)
		}
	}
	for j, k := range co.Keys {
		bd := co.Bands[k]
		add(bd.Re, 2*j)
		if bd.Im != nil {
			add(bd.Im, 2*j+1)
		}
	}
	add(recon, 99)
	return graph.Gradient(loss, x)[0]
}

// TestScaleSelection checks ForwardScales' keys against plenoptic's
// forward(x, scales=...).
func TestScaleSelection(t *testing.T) {
	for _, name := range pyrCases {
		c := loadPyrCase(t, name)
		if want := reftest.Text(t, "pyramid/pyr/"+name+"/scales"); !slices.Equal(levelStrings(c.p.Scales()), want) {
			t.Errorf("%s: scales %v, plenoptic %v", name, c.p.Scales(), want)
		}
		for i := 0; ; i++ {
			n := fmt.Sprintf("pyramid/pyr/%s/scales_sel%d", name, i)
			if !reftest.HasText(t, n) {
				break
			}
			txt := reftest.Text(t, n)
			sep := slices.Index(txt, "->")
			var sel []Level
			for _, s := range txt[:sep] {
				l, err := ParseLevel(s)
				if err != nil {
					t.Fatal(err)
				}
				sel = append(sel, l)
			}
			var got []string
			for _, k := range c.p.selectedKeys(sel) {
				got = append(got, keyFile(k))
			}
			if !slices.Equal(got, txt[sep+1:]) {
				t.Errorf("%s scales %v: keys %v, plenoptic %v", name, sel, got, txt[sep+1:])
			}
			// The graph gives the same keys.
			b := backendtest.Get(t, "go")
			e, err := graph.NewExec(b, func(x *graph.Node) *graph.Node {
				co := c.p.ForwardScales(x, sel)
				var ks []string
				for _, k := range co.Keys {
					ks = append(ks, keyFile(k))
				}
				if !slices.Equal(ks, got) {
					t.Errorf("%s: ForwardScales keys %v, want %v", name, ks, got)
				}
				return co.Bands[co.Keys[0]].Re
			})
			if err != nil {
				t.Fatal(err)
			}
			e.MustExec(tensors.FromFlatDataAndDimensions(c.x, 1, 1, c.h, c.w))
		}
	}
}

func levelStrings(ls []Level) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.String())
	}
	return out
}

func forBackends(t *testing.T, names []string, f func(t *testing.T, b backends.Backend)) {
	for _, n := range names {
		t.Run(n, func(t *testing.T) { f(t, backendtest.Get(t, n)) })
	}
}
