package models

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/internal/reftest"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/backendtest"
	"github.com/goplenoptic/goplenoptic/plenoptic/tools"
)

// TestPortillaSimoncelliDict checks convert_to_dict / convert_to_tensor on
// plenoptic's own representations: the keys and shapes, which values are
// redundant (NaN in the dictionary), and the round trip.
func TestPortillaSimoncelliDict(t *testing.T) {
	for _, name := range []string{"reptile256", "curie128_s3_o3_w7", "einstein64_s2_o5_w8", "reptile64_s1"} {
		params := reftest.Params(t, "pyramid/ps/"+name+"/rep")
		m := psModelFor(t, params)
		rep, shape := reftest.Load(t, "pyramid/ps/"+name+"/rep")
		rt := tensors.FromFlatDataAndDimensions(rep, shape...)
		d, err := m.ConvertToDict(rt)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, k := range d.Keys {
			dims := d.Values[k].Shape().Dimensions
			var ds []string
			for _, v := range dims {
				ds = append(ds, fmt.Sprint(v))
			}
			keys = append(keys, k+" ["+strings.Join(ds, ", ")+"]")
		}
		if want := reftest.Text(t, "pyramid/ps/"+name+"/dict_keys"); !slices.Equal(keys, want) {
			t.Errorf("%s: keys and shapes %v, plenoptic %v", name, keys, want)
		}
		mask, _ := reftest.Load(t, "pyramid/ps/"+name+"/necessary_mask")
		var flat []float32
		for _, k := range d.Keys {
			flat = append(flat, tensors.MustCopyFlatData[float32](d.Values[k])...)
		}
		if len(flat) != len(mask) {
			t.Fatalf("%s: %d statistics in the dictionary, plenoptic %d", name, len(flat), len(mask))
		}
		j := 0
		for i, v := range flat {
			if nan := math.IsNaN(float64(v)); nan != (mask[i] == 0) {
				t.Fatalf("%s: statistic %d is NaN=%v, plenoptic necessary=%v", name, i, nan, mask[i] == 1)
			}
			if mask[i] == 1 {
				if v != rep[j] {
					t.Fatalf("%s: statistic %d is %v, want %v", name, i, v, rep[j])
				}
				j++
			}
		}
		back, err := m.ConvertToTensor(d)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(tensors.MustCopyFlatData[float32](back), rep) {
			t.Errorf("%s: ConvertToTensor(ConvertToDict(rep)) differs from rep", name)
		}
		for _, k := range d.Keys {
			sh, ok := m.StatShape(k)
			if !ok || !slices.Equal(sh, d.Values[k].Shape().Dimensions[2:]) {
				t.Errorf("%s: StatShape(%s) = %v", name, k, sh)
			}
		}
	}
	// A representation restricted to some scales cannot be converted:
	// plenoptic's message.
	m, _ := NewPortillaSimoncelli([2]int{64, 64}, PortillaSimoncelliOptions{NScales: 2})
	_, err := m.ConvertToDict(tensors.FromFlatDataAndDimensions(make([]float32, 261), 1, 1, 261))
	want := reftest.Text(t, "pyramid/errors/ps_dict_len")[1]
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("wrong length: error %v, want one containing %q", err, want)
	}
}

// TestPortillaSimoncelliPlotData checks plot_representation's data (from
// plenoptic's representations, so that only the layout is tested here).
func TestPortillaSimoncelliPlotData(t *testing.T) {
	for _, name := range []string{"reptile256", "einstein64_s2_o5_w8", "reptile64_s1", "channels2_128"} {
		params := reftest.Params(t, "pyramid/ps/"+name+"/rep")
		m := psModelFor(t, params)
		rep, shape := reftest.Load(t, "pyramid/ps/"+name+"/rep")
		p, err := m.PlotData(tensors.FromFlatDataAndDimensions(rep, shape...), 0)
		if err != nil {
			t.Fatal(err)
		}
		want := reftest.Text(t, "pyramid/ps/"+name+"/plot_keys")
		var titles []string
		for _, pn := range p.Panels {
			titles = append(titles, pn.Title)
		}
		if !slices.Equal(titles, want) {
			t.Errorf("%s: panels %v, plenoptic %v", name, titles, want)
			continue
		}
		for i, pn := range p.Panels {
			w, _ := reftest.Load(t, fmt.Sprintf("pyramid/ps/%s/plot%d", name, i))
			if len(w) != len(pn.Values) {
				t.Errorf("%s %s: %d values, plenoptic %d", name, pn.Title, len(pn.Values), len(w))
				continue
			}
			for j := range w {
				if math.Abs(pn.Values[j]-float64(w[j])) > 1e-5*math.Max(1, math.Abs(float64(w[j]))) {
					t.Errorf("%s %s[%d] = %v, plenoptic %v", name, pn.Title, j, pn.Values[j], w[j])
					break
				}
			}
		}
		rows := 3
		if m.NScales() == 1 {
			rows = 2
		}
		if p.Rows != rows || p.Cols != (len(p.Panels)+rows-1)/rows {
			t.Errorf("%s: grid %d×%d", name, p.Rows, p.Cols)
		}
	}
}

func TestPortillaSimoncelliErrors(t *testing.T) {
	ps := func(h, w int, o PortillaSimoncelliOptions) error {
		_, err := NewPortillaSimoncelli([2]int{h, w}, o)
		return err
	}
	check := func(what string, err error, contains string) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), contains) || !strings.HasPrefix(err.Error(), "models: ") {
			t.Errorf("%s: error %v, want one containing %q", what, err, contains)
		}
	}
	check("shape", ps(96, 100, PortillaSimoncelliOptions{}), strings.TrimSuffix(reftest.Text(t, "pyramid/errors/ps_shape")[1], "."))
	check("height", ps(64, 64, PortillaSimoncelliOptions{NScales: 5}), "Cannot build pyramid higher than 4 levels")
	check("corr width", ps(64, 64, PortillaSimoncelliOptions{}), "spatial_corr_width 9 is larger than the coarsest scale (4×4")
	check("orientations", ps(64, 64, PortillaSimoncelliOptions{NOrientations: 17, NScales: 2}), "n_orientations")
	check("negative scales", ps(64, 64, PortillaSimoncelliOptions{NScales: -1}), "n_scales must be positive")
	m, err := NewPortillaSimoncelli([2]int{64, 64}, PortillaSimoncelliOptions{NScales: 2})
	if err != nil {
		t.Fatal(err)
	}
	check("rank", m.CheckInput([]int{64, 64}, dtypes.Float32), "input_tensor must be")
	check("size", m.CheckInput([]int{1, 1, 32, 32}, dtypes.Float32), "built for 64×64")
	check("dtype", m.CheckInput([]int{1, 1, 64, 64}, dtypes.Int64), "float32 or float64")
	if err := checkScaleNames(m.Scales(), []string{"2"}); err == nil || !strings.Contains(err.Error(), `"2"`) {
		t.Errorf("unknown scale: %v", err)
	}
	// Through the eager API, errors (not panics).
	backendtest.Use(t, "go")
	_, err = Eval(m, tensors.FromFlatDataAndDimensions(make([]float32, 32*32), 1, 1, 32, 32))
	check("apply size", err, "built for 64×64")
	bad := make([]float32, 64*64)
	bad[3] = float32(math.Inf(1))
	_, err = Eval(m, tensors.FromFlatDataAndDimensions(bad, 1, 1, 64, 64))
	check("apply inf", err, "non-finite")
}

// TestPortillaSimoncelliValidateModel runs plenoptic's validate_model checks
// (output 3-D, differentiable, deterministic, no trainable parameters) in
// float32 and float64 (on pure Go: the checks do not depend on the backend,
// and the XLA graph is tested by the parity tests).
func TestPortillaSimoncelliValidateModel(t *testing.T) {
	m, err := NewPortillaSimoncelli([2]int{64, 64}, PortillaSimoncelliOptions{NScales: 2, SpatialCorrWidth: 7})
	if err != nil {
		t.Fatal(err)
	}
	backendtest.Use(t, "go")
	if err := tools.ValidateModel(m, tools.ValidateModelOptions{Shape: []int{1, 1, 64, 64}}); err != nil {
		t.Error(err)
	}
	if err := tools.ValidateModel(m, tools.ValidateModelOptions{Shape: []int{2, 1, 64, 64}, DType: dtypes.Float64}); err != nil {
		t.Error(err)
	}
	var _ Model = m
}

// TestPortillaSimoncelliFloat64 checks a float64 input gives the float32
// statistics to float32 precision (and float64 output).
func TestPortillaSimoncelliFloat64(t *testing.T) {
	params := reftest.Params(t, "pyramid/ps/einstein64_s2_o5_w8/rep")
	m := psModelFor(t, params)
	x, shape := psInput(t, params)
	x64 := make([]float64, len(x))
	for i, v := range x {
		x64[i] = float64(v)
	}
	e := graph.MustNewExec(backendtest.Get(t, "go"), m.Forward)
	out := e.MustExec1(tensors.FromFlatDataAndDimensions(x64, shape...))
	if out.DType() != dtypes.Float64 {
		t.Fatalf("output %s, want Float64", out.DType())
	}
	want, _ := reftest.Load(t, "pyramid/ps/einstein64_s2_o5_w8/rep")
	got := tensors.MustCopyFlatData[float64](out)
	g32 := make([]float32, len(got))
	for i, v := range got {
		g32[i] = float32(v)
	}
	comparePS(t, m, g32, want, 1)
}
