package models

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/internal/reftest"
	"github.com/goplenoptic/goplenoptic/plenoptic/filters"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/backendtest"
	"github.com/goplenoptic/goplenoptic/plenoptic/tools"
)

// TestAppendixAModelOutputs checks every model row of spec Appendix A
// (plenoptic 1.1.0 on einstein, torch 1.13.1 CPU float32) on both backends.
func TestAppendixAModelOutputs(t *testing.T) {
	einstein, _ := images(t)
	type row struct {
		name          string
		model         func() (Model, error)
		input         []float32
		channels      int
		mean, min, mx float64
		l2            float64
		px0, px128    float64 // NaN: not given
	}
	nan := math.NaN()
	rows := []row{
		{"notebook Gaussian", func() (Model, error) { return NewGaussianBlur(GaussianBlurOptions{}) }, einstein, 1,
			0.456692981, 0.167948142, 0.867435455, 121.395292, 0.200909257, 0.420571268},
		{"CenterSurround tutorial", func() (Model, error) { return tutorialCS() }, einstein, 1,
			1.93e-08, -0.22510995, 0.261243224, 10.7075134, -0.135676637, -0.030395770},
		{"LG tutorial", func() (Model, error) { return tutorialLG() }, einstein, 1,
			0.692937639, 0.678478181, 0.707205534, 177.393556, 0.678703249, 0.691124141},
		{"LG on 2·img", func() (Model, error) { return tutorialLG() }, scaled(einstein, 2), 1,
			0.692902332, 0.676742315, 0.708005071, 177.384784, nan, nan},
		{"LGG pretrained", func() (Model, error) {
			return NewLuminanceContrastGainControl(FrontEndOptions{KernelSize: Square(31), Pretrained: true, PadMode: "circular"})
		}, einstein, 1, 0.693099601, 0.671274722, 0.715159297, 177.443459, nan, nan},
		{"OnOff pretrained", func() (Model, error) {
			return NewOnOff(OnOffOptions{KernelSize: Square(31), Pretrained: true, PadMode: "circular"})
		}, einstein, 2, 0.69311977, 0.640701056, 0.757386088, 250.965518, nan, nan},
	}
	backendtest.ForEach(t, func(t *testing.T, b backends.Backend) {
		for _, r := range rows {
			m, err := r.model()
			if err != nil {
				t.Fatalf("%s: %v", r.name, err)
			}
			y, dims := run(t, m, r.input, 1, 1, 256, 256)
			if !slices.Equal(dims, []int{1, r.channels, 256, 256}) {
				t.Fatalf("%s: output shape %v", r.name, dims)
			}
			s := statsOf(y)
			checks := []struct {
				what      string
				got, want float64
				tol       float64
			}{
				{"mean", s.mean, r.mean, 1e-6}, {"min", s.min, r.min, 1e-6}, {"max", s.max, r.mx, 1e-6},
				{"L2", s.l2, r.l2, 1e-6 * r.l2}, {"(0,0)", y[0], r.px0, 1e-6}, {"(128,128)", y[128*256+128], r.px128, 1e-6},
			}
			for _, c := range checks {
				if !math.IsNaN(c.want) && math.Abs(c.got-c.want) > c.tol {
					t.Errorf("%s %s = %.9g, plenoptic %.9g", r.name, c.what, c.got, c.want)
				}
			}
		}
	})
}

// TestFiltersMatchPlenoptic compares the model filters with plenoptic's
// (reference cases and the Appendix A numbers).
func TestFiltersMatchPlenoptic(t *testing.T) {
	cs := must(tutorialCS())
	lg := must(tutorialLG())
	cs2 := must(NewCenterSurround(CenterSurroundOptions{KernelSize: Square(31), OnCenter: []bool{true, false},
		AmplitudeRatio: 2, CenterStd: []float64{1.962}, SurroundStd: []float64{4.235}, OutChannels: 2, PadMode: "circular"}))
	cases := map[string][]filters.Kernel{
		"filter_cs_tutorial":           cs.Kernels(),
		"filter_cs_2ch_amp2":           cs2.Kernels(),
		"filter_lg_tutorial_luminance": {lg.Filters()[1].Kernel},
	}
	for name, ks := range cases {
		want, _ := reftest.Load64(t, name)
		var got []float64
		for _, k := range ks {
			got = append(got, k.Data...)
		}
		if d := maxAbsDiff(got, want); d > 1e-8 {
			t.Errorf("%s differs from plenoptic by %g", name, d)
		}
	}
	k := cs.Kernels()[0]
	if k.Rank() != 2 {
		t.Errorf("CenterSurround filter has rank %d, want 2 (two Gaussians)", k.Rank())
	}
	stat := func(d []float64) (mx, mn, l2 float64) {
		mx, mn = math.Inf(-1), math.Inf(1)
		for _, v := range d {
			mx, mn, l2 = max(mx, v), min(mn, v), l2+v*v
		}
		return mx, mn, math.Sqrt(l2)
	}
	mx, mn, l2 := stat(k.Data)
	if math.Abs(mx-0.040583387) > 1e-8 || math.Abs(mn+0.00374930957) > 1e-9 || math.Abs(l2-0.128056061) > 1e-8 || math.Abs(k.Sum()) > 1e-7 {
		t.Errorf("CS filter centre %.9g, min %.9g, L2 %.9g, sum %.3g; plenoptic 0.040583387, −0.00374930957, 0.128056061, ~0", mx, mn, l2, k.Sum())
	}
	mx, _, l2 = stat(lg.Filters()[1].Kernel.Data)
	if math.Abs(mx-0.0088782059) > 5e-9 || math.Abs(l2-0.0666428403) > 2e-8 { // plenoptic: float32
		t.Errorf("LG luminance filter max %.9g, L2 %.9g; plenoptic 0.0088782059, 0.0666428403", mx, l2)
	}
	titles := []string{}
	for _, f := range must(NewOnOff(OnOffOptions{KernelSize: Square(5)})).Filters() {
		titles = append(titles, f.Title)
	}
	if want := []string{"linear filt on", "linear filt off", "luminance filt on", "luminance filt off", "contrast filt on", "contrast filt off"}; !slices.Equal(titles, want) {
		t.Errorf("OnOff filter titles %v, want %v", titles, want)
	}
}

// refModel builds the model a reference case describes and loads its
// state dict through LoadParams (so the state-dict keys are checked too).
func refModel(t *testing.T, name string, p map[string]any) (Model, error) {
	desc, _ := p["model"].(string)
	pad := filters.Reflect
	switch {
	case p["pad_mode"] != nil:
		pad = filters.PadMode(p["pad_mode"].(string))
	case strings.Contains(desc, "reflect"):
	case strings.Contains(desc, "circular"), strings.Contains(desc, "tutorial"):
		pad = filters.Circular
	}
	k31 := Square(31)
	if ks, ok := p["kernel_size"].(float64); ok {
		k31 = Square(int(ks))
	}
	var m interface {
		Model
		LoadParams(map[string][]float64) error
	}
	var err error
	switch {
	case strings.HasPrefix(name, "model_notebook_gaussian_"):
		return NewGaussianBlur(GaussianBlurOptions{})
	case strings.HasPrefix(name, "model_gaussian_"):
		c := 1
		if oc, ok := p["out_channels"].(float64); ok {
			c = int(oc)
		}
		m, err = NewGaussian(GaussianOptions{KernelSize: k31, PadMode: pad, OutChannels: c})
	case strings.HasPrefix(name, "model_cs_"):
		var on []bool
		switch {
		case strings.Contains(desc, "on_center=[True,False]"):
			on = []bool{true, false}
		case strings.Contains(desc, "on_center=False"):
			on = []bool{false}
		}
		m, err = NewCenterSurround(CenterSurroundOptions{KernelSize: k31, OnCenter: on, PadMode: pad})
	case strings.HasPrefix(name, "model_lgg_"):
		m, err = NewLuminanceContrastGainControl(FrontEndOptions{KernelSize: k31, PadMode: pad})
	case strings.HasPrefix(name, "model_lg_"):
		m, err = NewLuminanceGainControl(FrontEndOptions{KernelSize: k31, PadMode: pad})
	case strings.HasPrefix(name, "model_ln_"):
		m, err = NewLinearNonlinear(FrontEndOptions{KernelSize: k31, PadMode: pad})
	case strings.HasPrefix(name, "model_onoff_"):
		m, err = NewOnOff(OnOffOptions{KernelSize: k31, PadMode: pad, ApplyMask: strings.Contains(desc, "apply_mask=True")})
	default:
		return nil, fmt.Errorf("no model for reference case %s", name)
	}
	if err != nil {
		return nil, err
	}
	state := map[string][]float64{}
	sd, _ := p["state_dict"].(map[string]any)
	for k, v := range sd {
		switch v := v.(type) {
		case float64:
			state[k] = []float64{v}
		case []any:
			for _, e := range v {
				state[k] = append(state[k], e.(float64))
			}
		}
	}
	if err := m.LoadParams(state); err != nil {
		return nil, err
	}
	return m, nil
}

// refInput returns the input a reference case names, and its shape.
func refInput(t *testing.T, desc string) ([]float32, []int) {
	einstein, curie := images(t)
	full := []int{1, 1, 256, 256}
	switch desc {
	case "einstein":
		return einstein, full
	case "curie":
		return curie, full
	case "2*einstein":
		return scaled(einstein, 2), full
	case "2*curie":
		return scaled(curie, 2), full
	case "cat([einstein, curie, 0.5*einstein])":
		return slices.Concat(einstein, curie, scaled(einstein, 0.5)), []int{3, 1, 256, 256}
	}
	if reftest.Has(t, desc) {
		return reftest.Load(t, desc)
	}
	t.Fatalf("unknown reference input %q", desc)
	return nil, nil
}

// TestModelsMatchPlenoptic runs every model reference case of the real
// plenoptic 1.1.0 (testdata/reference/out) on both backends and requires a
// max |diff| ≤ 1e-5.
func TestModelsMatchPlenoptic(t *testing.T) {
	var names []string
	for _, n := range reftest.Names(t) {
		if strings.HasPrefix(n, "model_") {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		t.Fatal("no model reference cases")
	}
	// The inputs einstein/curie come from the data package: check them too.
	einstein, _ := images(t)
	if got, want := statsOf(toF64(einstein)).mean, reftest.Scalar(t, "input_einstein_mean"); math.Abs(got-want) > 1e-7 {
		t.Fatalf("einstein mean %v, plenoptic %v", got, want)
	}
	// One model per configuration; the models for inputs of one shape are
	// compiled together as one graph (XLA's per-compilation overhead
	// dominates these small graphs).
	type group struct {
		models []Model
		index  map[string]int // configuration → output index
		inputs map[string]bool
	}
	groups := map[string]*group{}
	caseGroup := map[string]string{}
	for _, name := range names {
		p := reftest.Params(t, name)
		_, dims := refInput(t, p["input"].(string))
		gk := fmt.Sprint(dims)
		g, ok := groups[gk]
		if !ok {
			g = &group{index: map[string]int{}, inputs: map[string]bool{}}
			groups[gk] = g
		}
		cfg := configKey(p)
		if _, ok := g.index[cfg]; !ok {
			m, err := refModel(t, name, p)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			g.index[cfg] = len(g.models)
			g.models = append(g.models, m)
		}
		caseGroup[name] = gk
	}
	backendtest.ForEach(t, func(t *testing.T, b backends.Backend) {
		execs := map[string]*graph.Exec{}
		for gk, g := range groups {
			execs[gk] = graph.MustNewExec(b, func(x *graph.Node) []*graph.Node {
				out := make([]*graph.Node, len(g.models))
				for i, m := range g.models {
					out[i] = m.Forward(x)
				}
				return out
			})
		}
		results := map[string][]*tensors.Tensor{} // by input description
		worst, worstName := 0.0, ""
		for _, name := range names {
			p := reftest.Params(t, name)
			in := p["input"].(string)
			gk := caseGroup[name]
			outs, ok := results[in]
			if !ok {
				x, dims := refInput(t, in)
				outs = execs[gk].MustExec(tensors.FromFlatDataAndDimensions(x, dims...))
				results[in] = outs
			}
			out := outs[groups[gk].index[configKey(p)]]
			got := toF64(tensors.MustCopyFlatData[float32](out))
			want, wantShape := reftest.Load64(t, name)
			if !slices.Equal(out.Shape().Dimensions, wantShape) {
				t.Fatalf("%s: shape %v, plenoptic %v", name, out.Shape().Dimensions, wantShape)
			}
			d := maxAbsDiff(got, want)
			if d > worst {
				worst, worstName = d, name
			}
			if d > 1e-5 {
				t.Errorf("%s: max |Go − plenoptic| = %.3g", name, d)
			}
		}
		t.Logf("%d model cases, %d graphs; worst max |Go − plenoptic| = %.3g (%s)", len(names), len(groups), worst, worstName)
	})
}

func configKey(p map[string]any) string {
	q := map[string]any{}
	for k, v := range p {
		if k != "input" && k != "stats" {
			q[k] = v
		}
	}
	b, _ := json.Marshal(q)
	return string(b)
}

func toF64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// TestLuminanceInvariance checks the tutorial's observation: LG is nearly,
// not exactly, invariant to doubling the image (max change 0.0017).
func TestLuminanceInvariance(t *testing.T) {
	einstein, _ := images(t)
	lg := must(tutorialLG())
	backendtest.Use(t, backendtest.Names[0])
	y1, _ := run(t, lg, einstein, 1, 1, 256, 256)
	y2, _ := run(t, lg, scaled(einstein, 2), 1, 1, 256, 256)
	want := reftest.Scalar(t, "lg_tutorial_einstein_maxabs_2x_minus_1x")
	if d := maxAbsDiff(y1, y2); math.Abs(d-want) > 2e-6 {
		t.Errorf("max |LG(2·img) − LG(img)| = %.7g, plenoptic %.7g", d, want)
	}
}

func TestSoftplusMatchesTorch(t *testing.T) {
	zs := []float64{-100, -30, -5, -1, -1e-3, 0, 0.5, 3, 19.5, 20, 20.001, 25, 100}
	backendtest.ForEach(t, func(t *testing.T, b backends.Backend) {
		exec := graph.MustNewExec(b, func(z *graph.Node) (*graph.Node, *graph.Node) {
			y := Softplus(z)
			return y, graph.Gradient(graph.ReduceAllSum(y), z)[0]
		})
		y, g := exec.MustExec2(tensors.FromFlatDataAndDimensions(zs, len(zs)))
		yv, gv := tensors.MustCopyFlatData[float64](y), tensors.MustCopyFlatData[float64](g)
		for i, z := range zs {
			want, wantG := math.Log1p(math.Exp(z)), 1/(1+math.Exp(-z))
			if z > 20 {
				want, wantG = z, 1
			}
			if math.Abs(yv[i]-want) > 1e-14*max(1, math.Abs(want)) || math.Abs(gv[i]-wantG) > 1e-14 {
				t.Errorf("softplus(%v) = %v (gradient %v), want %v (%v)", z, yv[i], gv[i], want, wantG)
			}
		}
	})
}

// TestModelsPassValidateModel runs tools.ValidateModel on every model, on
// both backends (so every model is differentiable on the pure-Go backend).
func TestModelsPassValidateModel(t *testing.T) {
	k := Square(7)
	ms := map[string]Model{
		"GaussianBlur":   must(NewGaussianBlur(GaussianBlurOptions{KernelSize: k})),
		"Gaussian":       must(NewGaussian(GaussianOptions{KernelSize: k, Std: []float64{1, 2}})),
		"CenterSurround": must(NewCenterSurround(CenterSurroundOptions{KernelSize: k, OnCenter: []bool{true, false}})),
		"LN":             must(NewLinearNonlinear(FrontEndOptions{KernelSize: k})),
		"LG":             must(NewLuminanceGainControl(FrontEndOptions{KernelSize: k, PadMode: "circular"})),
		"LGG":            must(NewLuminanceContrastGainControl(FrontEndOptions{KernelSize: k})),
		"OnOff":          must(NewOnOff(OnOffOptions{KernelSize: k, ApplyMask: true})),
	}
	backendtest.ForEach(t, func(t *testing.T, b backends.Backend) {
		for name, m := range ms {
			if err := tools.ValidateModel(m, tools.ValidateModelOptions{Shape: []int{2, 1, 16, 17}}); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		// float64 in, float64 out
		if err := tools.ValidateModel(ms["OnOff"], tools.ValidateModelOptions{Shape: []int{1, 1, 16, 16}, DType: dtypes.Float64}); err != nil {
			t.Errorf("OnOff in float64: %v", err)
		}
	})
}

// TestGradientsAgreeAcrossBackends compares ∇⟨w, OnOff(x)⟩ on XLA and pure Go.
func TestGradientsAgreeAcrossBackends(t *testing.T) {
	x, _ := reftest.Load(t, "input_einstein_crop64")
	m := must(NewOnOff(OnOffOptions{KernelSize: Square(31), Pretrained: true, PadMode: "circular", ApplyMask: true}))
	grads := map[string][]float32{}
	for _, name := range backendtest.Names {
		exec := graph.MustNewExec(backendtest.Get(t, name), func(x *graph.Node) *graph.Node {
			y := m.Forward(x)
			w := graph.Sin(graph.MulScalar(graph.ConvertDType(graph.IotaFull(x.Graph(), y.Shape()), y.DType()), 0.37))
			return graph.Gradient(graph.ReduceAllSum(graph.Mul(y, w)), x)[0]
		})
		grads[name] = tensors.MustCopyFlatData[float32](exec.MustExec1(tensors.FromFlatDataAndDimensions(x, 1, 1, 64, 64)))
	}
	a, g := toF64(grads[backendtest.Names[0]]), toF64(grads[backendtest.Names[1]])
	scale := 0.0
	for _, v := range a {
		scale = max(scale, math.Abs(v))
	}
	d := maxAbsDiff(a, g)
	t.Logf("OnOff gradient: max |xla − go| = %.3g (max |grad| %.3g)", d, scale)
	if d > 1e-5*scale {
		t.Errorf("gradients differ by %g (relative %g)", d, d/scale)
	}
}

func TestOutputShapes(t *testing.T) {
	ones := make([]float32, 100*100)
	for i := range ones {
		ones[i] = 1
	}
	backendtest.Use(t, backendtest.Names[1])
	for _, m := range []Model{
		must(NewLinearNonlinear(FrontEndOptions{KernelSize: Square(31), Pretrained: true})),
		must(NewLuminanceGainControl(FrontEndOptions{KernelSize: Square(31), Pretrained: true})),
		must(NewLuminanceContrastGainControl(FrontEndOptions{KernelSize: Square(31), Pretrained: true})),
	} {
		if _, dims := run(t, m, ones, 1, 1, 100, 100); !slices.Equal(dims, []int{1, 1, 100, 100}) {
			t.Errorf("%T: output shape %v for a 100×100 image", m, dims)
		}
	}
	// A model refuses what torch refuses: a 3-channel image for a 1-in model,
	// a reflect pad longer than the image.
	cs := must(NewCenterSurround(CenterSurroundOptions{KernelSize: Square(31)}))
	if _, err := Eval(cs, tensors.FromFlatDataAndDimensions(make([]float32, 3*64*64), 1, 3, 64, 64)); err == nil {
		t.Error("3-channel input accepted")
	}
	if _, err := Eval(cs, tensors.FromFlatDataAndDimensions(make([]float32, 10*64), 1, 1, 10, 64)); err == nil || !strings.Contains(err.Error(), "reflect padding of 15/15") {
		t.Errorf("10-row input with reflect 31: error %v", err)
	}
}

func TestParams(t *testing.T) {
	cases := []struct {
		name string
		m    interface{ Params() map[string][]float64 }
		keys []string
	}{
		{"GaussianBlur", must(NewGaussianBlur(GaussianBlurOptions{})), []string{"conv.weight"}},
		{"Gaussian", must(NewGaussian(GaussianOptions{KernelSize: Square(5), OutChannels: 3})), []string{"std"}},
		{"CenterSurround", must(NewCenterSurround(CenterSurroundOptions{KernelSize: Square(5)})), []string{"amplitude_ratio", "center_std", "surround_std"}},
		{"LN", must(NewLinearNonlinear(FrontEndOptions{KernelSize: Square(5)})),
			[]string{"center_surround.amplitude_ratio", "center_surround.center_std", "center_surround.surround_std"}},
		{"LG", must(NewLuminanceGainControl(FrontEndOptions{KernelSize: Square(5)})),
			[]string{"center_surround.amplitude_ratio", "center_surround.center_std", "center_surround.surround_std", "luminance.std", "luminance_scalar"}},
		{"LGG", must(NewLuminanceContrastGainControl(FrontEndOptions{KernelSize: Square(5)})),
			[]string{"center_surround.amplitude_ratio", "center_surround.center_std", "center_surround.surround_std", "contrast.std", "contrast_scalar", "luminance.std", "luminance_scalar"}},
		{"OnOff", must(NewOnOff(OnOffOptions{KernelSize: Square(5)})),
			[]string{"center_surround.amplitude_ratio", "center_surround.center_std", "center_surround.surround_std", "contrast.std", "contrast_scalar", "luminance.std", "luminance_scalar"}},
	}
	for _, c := range cases {
		p := c.m.Params()
		var keys []string
		for k := range p {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if !slices.Equal(keys, c.keys) {
			t.Errorf("%s keys %v, want %v", c.name, keys, c.keys)
		}
	}
	if got := must(NewGaussian(GaussianOptions{KernelSize: Square(5), OutChannels: 3})).Params()["std"]; !slices.Equal(got, []float64{3, 3, 3}) {
		t.Errorf("default Gaussian std %v", got)
	}
	onoff := must(NewOnOff(OnOffOptions{KernelSize: Square(31), Pretrained: true})).Params()
	if !slices.Equal(onoff["contrast.std"], []float64{7.49, 2.43}) || !slices.Equal(onoff["center_surround.amplitude_ratio"], []float64{1.25}) {
		t.Errorf("OnOff pretrained params %v", onoff)
	}
	if got := must(NewGaussianBlur(GaussianBlurOptions{})).Params()["conv.weight"]; len(got) != 961 {
		t.Errorf("notebook conv.weight has %d values", len(got))
	}
}

func TestLoadParamsErrors(t *testing.T) {
	lg := must(tutorialLG())
	before := lg.Params()
	bad := []struct {
		values map[string][]float64
		want   string
	}{
		{map[string][]float64{"luminance.sd": {3}}, `no parameter "luminance.sd" (valid: "center_surround.center_std"`},
		{map[string][]float64{"luminance_scalar": {1, 2}}, `"luminance_scalar" needs 1 value(s), got 2`},
		{map[string][]float64{"center_surround.center_std": {-1}}, "center_std must be positive, got -1"},
		{map[string][]float64{"center_surround.amplitude_ratio": {0.5}}, "amplitude ratio must be at least 1, got 0.5"},
		{map[string][]float64{"luminance.std": {0}}, "must not be 0"},
		{map[string][]float64{"luminance_scalar": {math.NaN()}}, "is NaN"},
		// a valid entry next to a bad one changes nothing
		{map[string][]float64{"luminance_scalar": {3}, "luminance.std": {1, 2}}, `"luminance.std" needs 1 value(s), got 2`},
	}
	for _, c := range bad {
		err := lg.LoadParams(c.values)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("LoadParams(%v): error %v, want it to mention %q", c.values, err, c.want)
		}
	}
	if after := lg.Params(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("failed loads changed the parameters: %v → %v", before, after)
	}
	// A Gaussian takes |std|, as plenoptic's forward does.
	g := must(NewGaussian(GaussianOptions{KernelSize: Square(5)}))
	if err := g.LoadParams(map[string][]float64{"std": {-2}}); err != nil || g.Params()["std"][0] != 2 {
		t.Errorf("negative Gaussian std: %v, std %v", err, g.Params()["std"])
	}
}

// TestLoadParamsRecompiles checks that Apply sees new parameters.
func TestLoadParamsRecompiles(t *testing.T) {
	backendtest.Use(t, backendtest.Names[1])
	x := make([]float32, 16*16)
	for i := range x {
		x[i] = float32(i%7) / 7
	}
	lg := must(NewLuminanceGainControl(FrontEndOptions{KernelSize: Square(5), PadMode: "circular"}))
	must(0, lg.LoadParams(map[string][]float64{"luminance_scalar": {1}}))
	y1, _ := run(t, lg, x, 1, 1, 16, 16)
	must(0, lg.LoadParams(map[string][]float64{"luminance_scalar": {10}}))
	y2, _ := run(t, lg, x, 1, 1, 16, 16)
	if maxAbsDiff(y1, y2) == 0 {
		t.Error("LoadParams did not change Apply's result")
	}
}

func TestConstructorErrors(t *testing.T) {
	k := Square(31)
	errs := []struct {
		name string
		err  error
		want string
	}{
		{"no kernel size", second(NewGaussian(GaussianOptions{})), "KernelSize is required"},
		{"negative kernel", second(NewGaussian(GaussianOptions{KernelSize: KernelSize{-1, 3}})), "kernel size must be positive, got -1×3"},
		{"std 0", second(NewGaussian(GaussianOptions{KernelSize: k, Std: []float64{1, 0}})), "std must be positive, got 0 (channel 1)"},
		{"std length", second(NewGaussian(GaussianOptions{KernelSize: k, Std: []float64{1, 2}, OutChannels: 3})), "std has 2 values for 3 out channels"},
		{"center std length", second(NewCenterSurround(CenterSurroundOptions{KernelSize: k, CenterStd: []float64{1, 2, 3}, OutChannels: 2})), "center_std has 3 values for 2 out channels"},
		{"surround std", second(NewCenterSurround(CenterSurroundOptions{KernelSize: k, SurroundStd: []float64{-4}})), "surround_std must be positive, got -4"},
		{"on_center length", second(NewCenterSurround(CenterSurroundOptions{KernelSize: k, OnCenter: []bool{true, false, true}, OutChannels: 2})), "on_center has 3 values for 2 out channels"},
		{"amplitude", second(NewCenterSurround(CenterSurroundOptions{KernelSize: k, AmplitudeRatio: 0.9})), "amplitude ratio must be at least 1, got 0.9"},
		{"amplitude LG", second(NewLuminanceGainControl(FrontEndOptions{KernelSize: k, AmplitudeRatio: 0.5})), "amplitude ratio must be at least 1, got 0.5"},
		{"pad mode", second(NewCenterSurround(CenterSurroundOptions{KernelSize: k, PadMode: "wrap"})), `unknown pad mode "wrap"`},
		{"out channels", second(NewGaussian(GaussianOptions{KernelSize: k, OutChannels: -2})), "OutChannels must be positive, got -2"},
		{"pretrained LN", second(NewLinearNonlinear(FrontEndOptions{KernelSize: Square(30), Pretrained: true})), "pretrained model has kernel size 31×31, got 30×30"},
		{"pretrained LG", second(NewLuminanceGainControl(FrontEndOptions{KernelSize: KernelSize{31, 29}, Pretrained: true})), "got 31×29"},
		{"pretrained LGG", second(NewLuminanceContrastGainControl(FrontEndOptions{KernelSize: Square(7), Pretrained: true})), "got 7×7"},
		{"pretrained OnOff", second(NewOnOff(OnOffOptions{KernelSize: Square(7), Pretrained: true})), "got 7×7"},
		{"notebook std", second(NewGaussianBlur(GaussianBlurOptions{Std: -3})), "std must be positive"},
	}
	for _, e := range errs {
		if e.err == nil || !strings.Contains(e.err.Error(), e.want) {
			t.Errorf("%s: error %v, want it to mention %q", e.name, e.err, e.want)
		}
	}
	// Even kernel sizes are accepted, as in plenoptic (the grid is centred between pixels).
	if _, err := NewCenterSurround(CenterSurroundOptions{KernelSize: KernelSize{4, 6}}); err != nil {
		t.Errorf("even kernel size refused: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }

// TestRandomScalarsFollowSeed: the gain scalars are 10·U(0,1) from the tools
// Go stream, repeatable with tools.Seed.
func TestRandomScalarsFollowSeed(t *testing.T) {
	tools.Seed(3)
	a := must(NewLuminanceContrastGainControl(FrontEndOptions{KernelSize: Square(5)})).Params()
	tools.Seed(3)
	b := must(NewLuminanceContrastGainControl(FrontEndOptions{KernelSize: Square(5)})).Params()
	for _, k := range []string{"luminance_scalar", "contrast_scalar"} {
		if a[k][0] != b[k][0] || a[k][0] < 0 || a[k][0] >= 10 {
			t.Errorf("%s: %v then %v after the same seed", k, a[k], b[k])
		}
	}
	if a["luminance_scalar"][0] == a["contrast_scalar"][0] {
		t.Error("the two scalars are equal")
	}
}

// The linear models offer their Gram operator; the nonlinear ones do not
// (synthesis would otherwise take a Gram product for their Fisher matrix).
func TestGramianModels(t *testing.T) {
	var _ Gramian = (*GaussianBlur)(nil)
	var _ Gramian = (*Gaussian)(nil)
	var _ Gramian = (*CenterSurround)(nil)
	lg, err := NewLuminanceGainControl(FrontEndOptions{KernelSize: Square(31), PadMode: filters.Circular, Pretrained: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := Model(lg).(Gramian); ok {
		t.Error("LuminanceGainControl is not linear but offers a Gram operator")
	}
}
