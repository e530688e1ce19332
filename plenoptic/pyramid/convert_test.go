package pyramid

import (
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/internal/reftest"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/backendtest"
)

// convertInput is the generator's two-channel 32×32 input.
func convertInput(t *testing.T) []float32 {
	a, _, _ := cropImage(t, "curie", []any{80.0, 64.0, 32.0, 32.0})
	b, _, _ := cropImage(t, "einstein", []any{96.0, 96.0, 32.0, 32.0})
	return append(append([]float32(nil), a...), b...)
}

func infoStrings(info PyrInfo) []string {
	out := []string{"2", "False"}
	if info.SplitComplex {
		out[1] = "True"
	}
	for _, k := range info.Keys {
		out = append(out, keyFile(k))
	}
	return out
}

// TestConvert checks convert_pyr_to_tensor / convert_tensor_to_pyr against
// plenoptic, on the graph (real and split tensors on pure Go, the complex
// tensor on XLA) and eagerly, and the round trips.
func TestConvert(t *testing.T) {
	x := convertInput(t)
	in := func() *tensors.Tensor { return tensors.FromFlatDataAndDimensions(x, 1, 2, 32, 32) }
	cplx, err := NewSteerable([2]int{32, 32}, Options{Height: 2, IsComplex: true, NoDownsample: true})
	if err != nil {
		t.Fatal(err)
	}
	real, err := NewSteerable([2]int{32, 32}, Options{Height: 2, NoDownsample: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		p       *Steerable
		split   bool
		backend string
	}{
		{"split", cplx, true, "go"},
		{"real", real, false, "go"},
		{"nosplit", cplx, false, "xla:cpu"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := backendtest.Get(t, tc.backend)
			var info PyrInfo
			e := graph.MustNewExec(b, func(xn *graph.Node) []*graph.Node {
				co := tc.p.Forward(xn)
				tn, inf := ConvertPyrToTensor(co, tc.split)
				info = inf
				back := ConvertTensorToPyr(tn, inf)
				// Round trip: the largest difference to the original bands.
				var diff *graph.Node
				for _, k := range co.Keys {
					d := graph.ReduceAllMax(graph.Abs(graph.Sub(back.Bands[k].Re, co.Bands[k].Re)))
					if co.Bands[k].Im != nil {
						d = graph.Max(d, graph.ReduceAllMax(graph.Abs(graph.Sub(back.Bands[k].Im, co.Bands[k].Im))))
					}
					if diff == nil {
						diff = d
					} else {
						diff = graph.Max(diff, d)
					}
				}
				if tn.DType().IsComplex() {
					z := splitNode(tn)
					return []*graph.Node{z[0], z[1], diff}
				}
				return []*graph.Node{tn, diff}
			})
			res := e.MustExec(in())
			if got, want := infoStrings(info), reftest.Text(t, "pyramid/convert/"+tc.name+"_info"); !slices.Equal(got, want) {
				t.Errorf("info %v, plenoptic %v", got, want)
			}
			if tc.name == "nosplit" {
				wr, shape := reftest.Load(t, "pyramid/convert/nosplit.re")
				wi, _ := reftest.Load(t, "pyramid/convert/nosplit.im")
				if !slices.Equal(res[0].Shape().Dimensions, shape) {
					t.Fatalf("shape %v, plenoptic %v", res[0].Shape().Dimensions, shape)
				}
				compare(t, "tensor (real part)", flat64(t, res[0]), wr, coeffTol)
				compare(t, "tensor (imaginary part)", flat64(t, res[1]), wi, coeffTol)
			} else {
				want, shape := reftest.Load(t, "pyramid/convert/"+tc.name)
				if !slices.Equal(res[0].Shape().Dimensions, shape) {
					t.Fatalf("shape %v, plenoptic %v", res[0].Shape().Dimensions, shape)
				}
				compare(t, "tensor", flat64(t, res[0]), want, coeffTol)
			}
			if d := flat64(t, res[len(res)-1])[0]; d != 0 {
				t.Errorf("round trip on the graph differs by %g", d)
			}
		})
	}

	// Eagerly, on the host: from coefficients computed on pure Go.
	b := backendtest.Get(t, "go")
	for _, tc := range []struct {
		name  string
		p     *Steerable
		split bool
	}{{"split", cplx, true}, {"real", real, false}, {"nosplit", cplx, false}} {
		e := graph.MustNewExec(b, func(xn *graph.Node) []*graph.Node { return flattenCoeffs(tc.p.Forward(xn)) })
		co, err := tc.p.unflattenTensors(tc.p.Keys(), e.MustExec(in()))
		if err != nil {
			t.Fatal(err)
		}
		tn, info, err := EvalConvertPyrToTensor(co, tc.split)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got, want := infoStrings(info), reftest.Text(t, "pyramid/convert/"+tc.name+"_info"); !slices.Equal(got, want) {
			t.Errorf("%s: info %v, plenoptic %v", tc.name, got, want)
		}
		re, im := splitComplexTensor(tn)
		if tc.name == "nosplit" {
			wr, _ := reftest.Load(t, "pyramid/convert/nosplit.re")
			wi, _ := reftest.Load(t, "pyramid/convert/nosplit.im")
			if im == nil {
				t.Fatalf("nosplit: the tensor is %s, want complex", tn.DType())
			}
			compare(t, "eager tensor (real part)", flat64(t, re), wr, coeffTol)
			compare(t, "eager tensor (imaginary part)", flat64(t, im), wi, coeffTol)
		} else {
			want, _ := reftest.Load(t, "pyramid/convert/"+tc.name)
			compare(t, tc.name+" eager tensor", flat64(t, re), want, coeffTol)
		}
		back, err := EvalConvertTensorToPyr(tn, info)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range co.Keys {
			r0, i0 := splitComplexTensor(co.Bands[k])
			r1, i1 := splitComplexTensor(back.Bands[k])
			if !slices.Equal(flat64(t, r0), flat64(t, r1)) || (i0 == nil) != (i1 == nil) || (i0 != nil && !slices.Equal(flat64(t, i0), flat64(t, i1))) {
				t.Errorf("%s: eager round trip changes band %s", tc.name, k)
			}
		}
	}

	// Downsampled coefficients: plenoptic's error.
	down, _ := NewSteerable([2]int{32, 32}, Options{Height: 2})
	e := graph.MustNewExec(b, func(xn *graph.Node) []*graph.Node { return flattenCoeffs(down.Forward(xn)) })
	co, _ := down.unflattenTensors(down.Keys(), e.MustExec(in()))
	_, _, err = EvalConvertPyrToTensor(co, false)
	want := strings.Join(strings.Fields(reftest.Text(t, "pyramid/errors/convert_downsampled")[0]), " ")
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("downsampled: error %v, want one containing %q", err, want)
	}
}

// splitNode returns the real and imaginary parts of a complex node.
func splitNode(z *graph.Node) [2]*graph.Node { return [2]*graph.Node{graph.Real(z), graph.Imag(z)} }
