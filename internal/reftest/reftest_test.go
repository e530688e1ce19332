package reftest

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestLoadCircularGaussian(t *testing.T) {
	data, shape := Load(t, "circular_gaussian2d_k31_s3p0_c1")
	want := []int{1, 1, 31, 31}
	if len(shape) != len(want) {
		t.Fatalf("shape %v, want %v", shape, want)
	}
	for i := range want {
		if shape[i] != want[i] {
			t.Fatalf("shape %v, want %v", shape, want)
		}
	}
	if len(data) != 31*31 {
		t.Fatalf("len %d", len(data))
	}
	var sum float64
	for _, v := range data {
		sum += float64(v)
	}
	if math.Abs(sum-1) > 1e-6 {
		t.Errorf("sum %v, want 1", sum)
	}
	// spec Appendix A: centre 0.0176838897
	if c := data[15*31+15]; math.Abs(float64(c)-0.0176838897) > 1e-9 {
		t.Errorf("centre %v", c)
	}
	p := Params(t, "circular_gaussian2d_k31_s3p0_c1")
	if p["std"].(float64) != 3.0 || p["out_channels"].(float64) != 1 {
		t.Errorf("params %v", p)
	}
}

func TestScalarsVectorsTexts(t *testing.T) {
	if got := Scalar(t, "tools_penalize_range_row_of_2"); got != 4 {
		t.Errorf("penalize_range row of 2 = %v, want 4", got)
	}
	losses := Vector(t, "metamer_gauss_curie_losses")
	if len(losses) != 10 || math.Abs(losses[0]-0.0952687263) > 1e-9 {
		t.Errorf("losses %v", losses)
	}
	// a vector is also available through Load (as float32, shape [n])
	l32, shape := Load(t, "metamer_gauss_curie_losses")
	if len(shape) != 1 || shape[0] != 10 || float64(l32[0]) != losses[0] {
		t.Errorf("Load on a vector: %v %v", l32, shape)
	}
	if r := Vector(t, "np_seed1_randn8"); r[0] != 1.6243453636632417 {
		t.Errorf("np randn %v", r)
	}
	lines := Text(t, "eig_gauss_power_stdout")
	if len(lines) == 0 {
		t.Errorf("no stdout lines")
	}
}

func TestFloat64Case(t *testing.T) {
	d, shape := Load64(t, "pink_noise_raw")
	if len(shape) != 2 || shape[0] != 256 || shape[1] != 256 || len(d) != 256*256 {
		t.Fatalf("shape %v len %d", shape, len(d))
	}
	if math.Abs(d[0]-0.841552) > 1e-6 {
		t.Errorf("pink[0,0] = %v", d[0])
	}
}

func TestAllCasesReadable(t *testing.T) {
	for _, name := range Names(t) {
		d, shape := Load64(t, name)
		n := 1
		for _, s := range shape {
			n *= s
		}
		if n != len(d) {
			t.Errorf("%s: %d values for shape %v", name, len(d), shape)
		}
		for _, v := range d {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("%s: non-finite value", name)
				break
			}
		}
	}
}

// TestMergeAreas checks that out/<area>/index.json entries are read under
// "<area>/" names, with their files inside the area's folder.
func TestMergeAreas(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "metric"), 0o755); err != nil {
		t.Fatal(err)
	}
	sub := `{"meta": {"v": 1}, "cases": {"ssim": {"file": "ssim.f32", "dtype": "float32", "shape": [1]}},
	 "scalars": {"s": 2}, "vectors": {"v": [1, 2]}, "texts": {"t": ["x"]}}`
	if err := os.WriteFile(filepath.Join(dir, "metric", "index.json"), []byte(sub), 0o644); err != nil {
		t.Fatal(err)
	}
	idx := Index{Cases: map[string]Case{"top": {File: "top.f32"}}}
	if err := mergeAreas(dir, &idx); err != nil {
		t.Fatal(err)
	}
	if c, ok := idx.Cases["metric/ssim"]; !ok || c.File != "metric/ssim.f32" {
		t.Errorf("case: %+v %v", c, ok)
	}
	if idx.Scalars["metric/s"] != 2 || len(idx.Vectors["metric/v"]) != 2 || idx.Texts["metric/t"][0] != "x" {
		t.Errorf("merged index: %+v", idx)
	}
	if _, ok := idx.Cases["top"]; !ok {
		t.Error("top-level case lost")
	}
}
