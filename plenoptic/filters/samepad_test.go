package filters

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/internal/reftest"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/backendtest"
)

// hostSamePadding is the reference padding of one h×w image.
func hostSamePadding(x []float64, h, w, kh, kw int, m PadMode) []float64 {
	bh, ah := SamePad(kh)
	bw, aw := SamePad(kw)
	ph, pw := h+bh+ah, w+bw+aw
	out := make([]float64, ph*pw)
	for i := range ph {
		si := padSource(i, h, bh, m)
		for j := range pw {
			sj := padSource(j, w, bw, m)
			if si >= 0 && sj >= 0 {
				out[i*pw+j] = x[si*w+sj]
			}
		}
	}
	return out
}

func ramp(n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = float64(i)
	}
	return x
}

// TestSamePaddingAppendixA checks the same_padding rows of spec Appendix A
// (a 5×6 ramp, kernel 4×4) on both backends.
func TestSamePaddingAppendixA(t *testing.T) {
	want := map[PadMode][]float64{
		Circular: {29, 24, 25, 26, 27, 28, 29, 24, 25},
		Reflect:  {7, 6, 7, 8, 9, 10, 11, 10, 9},
	}
	backendtest.ForEach(t, func(t *testing.T, b backends.Backend) {
		for m, row := range want {
			out, err := EvalSamePadding(tensors.FromFlatDataAndDimensions(toF32(ramp(30)), 1, 1, 5, 6), 4, 4, m)
			if err != nil {
				t.Fatal(err)
			}
			if dims := out.Shape().Dimensions; dims[2] != 8 || dims[3] != 9 {
				t.Fatalf("%s: padded shape %v, want [1 1 8 9]", m, dims)
			}
			got := tensors.MustCopyFlatData[float32](out)[:9]
			for j := range row {
				if float64(got[j]) != row[j] {
					t.Errorf("%s first row = %v, want %v", m, got, row)
					break
				}
			}
		}
	})
}

// TestSamePaddingMatchesPlenoptic compares every same_padding reference case
// (two inputs, several kernel sizes, all four modes) on both backends. The
// padding copies values, so the match must be exact.
func TestSamePaddingMatchesPlenoptic(t *testing.T) {
	type refCase struct {
		name   string
		input  []float32
		in     []int
		kh, kw int
		mode   PadMode
		want   []float32
		shape  []int
	}
	var cases []refCase
	for _, name := range reftest.Names(t) {
		if !strings.HasPrefix(name, "same_padding_") || strings.HasPrefix(name, "same_padding_input_") {
			continue
		}
		p := reftest.Params(t, name)
		ks := p["kernel_size"].([]any)
		for _, key := range []string{"stride", "dilation"} {
			if v, ok := p[key].([]any); ok && (v[0].(float64) != 1 || v[1].(float64) != 1) {
				t.Fatalf("%s: %s %v not supported", name, key, v)
			}
		}
		mode, err := ParsePadMode(p["pad_mode"].(string))
		if err != nil {
			t.Fatal(err)
		}
		input, in := reftest.Load(t, p["input"].(string))
		want, shape := reftest.Load(t, name)
		cases = append(cases, refCase{name, input, in, int(ks[0].(float64)), int(ks[1].(float64)), mode, want, shape})
	}
	if len(cases) == 0 {
		t.Fatal("no same_padding reference cases")
	}
	backendtest.ForEach(t, func(t *testing.T, b backends.Backend) {
		for _, c := range cases {
			out, err := EvalSamePadding(tensors.FromFlatDataAndDimensions(c.input, c.in...), c.kh, c.kw, c.mode)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if got := out.Shape().Dimensions; !slices.Equal(got, c.shape) {
				t.Fatalf("%s: shape %v, plenoptic %v", c.name, got, c.shape)
			}
			got := tensors.MustCopyFlatData[float32](out)
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("%s: value %d is %v, plenoptic %v", c.name, i, got[i], c.want[i])
				}
			}
		}
		t.Logf("%d same_padding cases match exactly", len(cases))
	})
}

// TestSamePaddingGradient checks the gradient of ⟨w, pad(x)⟩ against finite
// differences of the host padding (exact for a linear map), and the
// second-order product ∇⟨∇½‖pad(x)‖², v⟩ = PᵀP v, in float64 on both
// backends.
func TestSamePaddingGradient(t *testing.T) {
	sizes := [][2]int{{1, 1}, {3, 3}, {4, 4}, {5, 2}, {1, 4}}
	backendtest.ForEach(t, func(t *testing.T, b backends.Backend) {
		r := rand.New(rand.NewPCG(11, 12))
		h, w := 5, 6
		for _, k := range sizes {
			for _, m := range []PadMode{Circular, Reflect, Replicate, Constant} {
				kh, kw := k[0], k[1]
				bh, ah := SamePad(kh)
				bw, aw := SamePad(kw)
				ph, pw := h+bh+ah, w+bw+aw
				x, wt, v := randSlice(r, h*w), randSlice(r, ph*pw), randSlice(r, h*w)
				exec := MustNewExec(b, func(x, wt, v *Node) (*Node, *Node) {
					p := SamePadding(x, kh, kw, m)
					grad := Gradient(ReduceAllSum(Mul(p, wt)), x)[0]
					g2 := Gradient(MulScalar(ReduceAllSum(Square(SamePadding(x, kh, kw, m))), 0.5), x)[0]
					hv := Gradient(ReduceAllSum(Mul(g2, v)), x)[0]
					return grad, hv
				})
				gradT, hvT := exec.MustExec2(tensors.FromFlatDataAndDimensions(x, 1, 1, h, w),
					tensors.FromFlatDataAndDimensions(wt, 1, 1, ph, pw), tensors.FromFlatDataAndDimensions(v, 1, 1, h, w))
				grad, hv := tensors.MustCopyFlatData[float64](gradT), tensors.MustCopyFlatData[float64](hvT)
				f := func(x []float64) float64 {
					p := hostSamePadding(x, h, w, kh, kw, m)
					s := 0.0
					for i := range p {
						s += p[i] * wt[i]
					}
					return s
				}
				pv := hostSamePadding(v, h, w, kh, kw, m)
				for i := range x {
					xp, xm := append([]float64(nil), x...), append([]float64(nil), x...)
					xp[i] += 1e-3
					xm[i] -= 1e-3
					if fd := (f(xp) - f(xm)) / 2e-3; math.Abs(fd-grad[i]) > 1e-9 {
						t.Fatalf("%dx%d %s pixel %d: gradient %.12g, finite difference %.12g", kh, kw, m, i, grad[i], fd)
					}
					e := make([]float64, h*w)
					e[i] = 1
					pe := hostSamePadding(e, h, w, kh, kw, m)
					want := 0.0
					for j := range pe {
						want += pe[j] * pv[j]
					}
					if math.Abs(want-hv[i]) > 1e-9 {
						t.Fatalf("%dx%d %s pixel %d: second-order product %.12g, want %.12g", kh, kw, m, i, hv[i], want)
					}
				}
			}
		}
	})
}

func TestSamePaddingErrors(t *testing.T) {
	backendtest.Use(t, backendtest.Names[0])
	x := tensors.FromFlatDataAndDimensions(toF32(ramp(30)), 1, 1, 5, 6)
	cases := []struct {
		kh, kw int
		m      PadMode
		want   string
	}{
		{11, 3, Reflect, "reflect padding of 5/5 needs the height axis longer than the padding, but it is 5"},
		{3, 12, Reflect, "reflect padding of 5/6 needs the width axis"},
		{13, 1, Circular, "circular padding of 6/6 needs the height axis at least as long as the padding, but it is 5"},
		{0, 3, Circular, "kernel size must be positive, got 0×3"},
		{3, 3, PadMode("wrap"), `unknown pad mode "wrap"`},
	}
	for _, c := range cases {
		_, err := EvalSamePadding(x, c.kh, c.kw, c.m)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%dx%d %s: error %v, want it to mention %q", c.kh, c.kw, c.m, err, c.want)
		}
	}
	// The limits themselves are allowed: reflect 4 on 5 rows, circular 5 on 5.
	if _, err := EvalSamePadding(x, 9, 1, Reflect); err != nil {
		t.Errorf("reflect padding of 4/4 on 5 rows: %v", err)
	}
	if _, err := EvalSamePadding(x, 11, 1, Circular); err != nil {
		t.Errorf("circular padding of 5/5 on 5 rows: %v", err)
	}
	if _, err := EvalSamePadding(tensors.FromFlatDataAndDimensions(toF32(ramp(30)), 5, 6), 3, 3, Circular); err == nil || !strings.Contains(err.Error(), "4-D") {
		t.Errorf("2-D input: error %v", err)
	}
}
