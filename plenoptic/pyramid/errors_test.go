package pyramid

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/internal/reftest"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/backendtest"
)

// plenopticMsg is plenoptic's message for an error case, without its final period.
func plenopticMsg(t *testing.T, name string) string {
	t.Helper()
	txt := reftest.Text(t, "pyramid/errors/"+name)
	return strings.TrimSuffix(txt[len(txt)-1], ".")
}

func wantErr(t *testing.T, what string, err error, contains ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error", what)
		return
	}
	for _, c := range contains {
		if !strings.Contains(err.Error(), c) {
			t.Errorf("%s: error %q does not contain %q", what, err, c)
		}
	}
	if !strings.HasPrefix(err.Error(), "pyramid: ") {
		t.Errorf("%s: error %q does not start with the package name", what, err)
	}
}

func TestConstructorErrors(t *testing.T) {
	_, err := NewSteerable([2]int{64, 64}, Options{Height: 5})
	wantErr(t, "height", err, plenopticMsg(t, "height"))
	_, err = NewSteerable([2]int{64, 64}, Options{Order: 16})
	wantErr(t, "order 16", err, plenopticMsg(t, "order16"), "16")
	_, err = NewSteerable([2]int{64, 64}, Options{Order: -1})
	wantErr(t, "order -1", err, plenopticMsg(t, "order0"))
	_, err = NewSteerable([2]int{64, 64}, Options{TWidth: -2})
	wantErr(t, "twidth", err, plenopticMsg(t, "twidth"))
	_, err = NewSteerable([2]int{64, 64}, Options{Height: -1})
	wantErr(t, "negative height", err, "height must be positive")
	_, err = NewSteerable([2]int{0, 64}, Options{})
	wantErr(t, "empty image", err, "0×64")

	// Defaults: height "auto", order 3, twidth 1.
	p, err := NewSteerable([2]int{64, 48}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.NumScales() != 3 || p.Order() != 3 || p.NumOrientations() != 4 || p.TWidth() != 1 || !p.Downsample() || p.IsComplex() || p.TightFrame() {
		t.Errorf("defaults: %d scales, order %d, %d orientations, twidth %d, downsample %v, complex %v, tight %v",
			p.NumScales(), p.Order(), p.NumOrientations(), p.TWidth(), p.Downsample(), p.IsComplex(), p.TightFrame())
	}

	// Odd sizes work, with plenoptic's warning.
	var log bytes.Buffer
	if _, err := NewSteerable([2]int{37, 30}, Options{Log: &log}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "Reconstruction will not be perfect with odd-sized images") {
		t.Errorf("odd size: warning %q", log.String())
	}
}

func TestInputErrors(t *testing.T) {
	p, _ := NewSteerable([2]int{64, 64}, Options{Height: 2})
	wantErr(t, "rank", p.CheckInput([]int{1, 64, 64}, dtypes.Float32), plenopticMsg(t, "rank"))
	wantErr(t, "size", p.CheckInput([]int{1, 1, 32, 64}, dtypes.Float32), "32×64", "64×64")
	wantErr(t, "dtype", p.CheckInput([]int{1, 1, 64, 64}, dtypes.Int32), "Int32")
	wantErr(t, "scales", p.checkScales([]Level{2}), plenopticMsg(t, "scales"))

	// The eager API returns these as errors, and refuses NaN.
	_, err := p.EvalForward(tensors.FromFlatDataAndDimensions(make([]float32, 64*64), 64, 64))
	wantErr(t, "eager rank", err, "4-D")
	bad := make([]float32, 64*64)
	bad[7] = float32(math.NaN())
	_, err = p.EvalForward(tensors.FromFlatDataAndDimensions(bad, 1, 1, 64, 64))
	wantErr(t, "NaN", err, "non-finite")
	_, err = p.EvalForwardScales(tensors.FromFlatDataAndDimensions(make([]float32, 64*64), 1, 1, 64, 64), []Level{3})
	wantErr(t, "eager scales", err, plenopticMsg(t, "scales"))

	// The graph API panics with the same error.
	b := backendtest.Get(t, "go")
	func() {
		defer func() {
			r := recover()
			err, _ := r.(error)
			wantErr(t, "graph rank", err, plenopticMsg(t, "rank"))
		}()
		g := graph.NewGraph(b, "rank")
		p.Forward(graph.Parameter(g, "x", tensorShape(1, 64, 64)))
	}()
}

func TestReconErrors(t *testing.T) {
	p, _ := NewSteerable([2]int{64, 64}, Options{Height: 2})
	x := tensors.FromFlatDataAndDimensions(make([]float32, 64*64), 1, 1, 64, 64)
	part, err := p.EvalForwardScales(x, []Level{0, ResidualLowpass})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.EvalReconPyr(part, ReconOptions{})
	wantErr(t, "missing scale", err, plenopticMsg(t, "recon_missing"))
	full, err := p.EvalForward(x)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.EvalReconPyr(full, ReconOptions{Levels: []Level{2}})
	wantErr(t, "level", err, plenopticMsg(t, "recon_level"))
	_, err = p.EvalReconPyr(full, ReconOptions{Bands: []int{4}})
	wantErr(t, "band", err, plenopticMsg(t, "recon_band"))
	_, err = p.EvalReconPyr(full, ReconOptions{Levels: []Level{-3}})
	wantErr(t, "negative level", err, "Level numbers must be non-negative")
	_, err = p.EvalReconPyr(full, ReconOptions{Bands: []int{-1}})
	wantErr(t, "negative band", err, "band numbers must be larger than 0")
	wrong := TensorCoeffs{Keys: full.Keys, Bands: map[Key]*tensors.Tensor{}}
	for k, v := range full.Bands {
		wrong.Bands[k] = v
	}
	wrong.Bands[BandKey(1, 2)] = tensors.FromFlatDataAndDimensions(make([]float32, 64*64), 1, 1, 64, 64)
	_, err = p.EvalReconPyr(wrong, ReconOptions{})
	wantErr(t, "band shape", err, "(1, 2)", "want [B, C, 32, 32]")
}
