package synth

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/goplenoptic/goplenoptic/internal/reftest"
	"github.com/goplenoptic/goplenoptic/plenoptic/filters"
	"github.com/goplenoptic/goplenoptic/plenoptic/models"
	"gonum.org/v1/gonum/mat"
)

// crop16 is the spec's 16×16 crop einstein[..., 100:116, 100:116].
func crop16(t testing.TB) []float64 {
	t.Helper()
	want, _ := reftest.Load64(t, "eig_input_einstein_crop16")
	got := flat(t, crop(t, einstein(t), 100, 100, 16, 16))
	if d := maxAbsDiff(got, want); d != 0 {
		t.Fatalf("crop differs from the reference input by %g", d)
	}
	return got
}

func newEig(t testing.TB, b backends.Backend, img []float64, dims []int, m models.Model) (*Eigendistortion, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	e, err := NewEigendistortion(makeTensor(img, dtypes.Float32, dims), m, EigendistortionOptions{Backend: b, Log: &out})
	if err != nil {
		t.Fatal(err)
	}
	return e, &out
}

func checkStdout(t *testing.T, got string, want []string) {
	t.Helper()
	if g, w := got, strings.Join(want, "\n")+"\n"; g != w {
		t.Errorf("stdout:\n%q\nwant\n%q", g, w)
	}
}

// Exact spectra on the 16×16 crop (spec Appendix A; reference eigh of JᵀJ in
// float32), and the LG Jacobian.
func TestEigenExactReference(t *testing.T) {
	b := backendtestGet(t, "xla:cpu")
	img := crop16(t)
	for _, tm := range tutorialModels {
		t.Run(tm.name, func(t *testing.T) {
			e, out := newEig(t, b, img, []int{1, 1, 16, 16}, tm.model)
			if err := e.Synthesize(EigenSynthesizeOptions{Method: Exact}); err != nil {
				t.Fatal(err)
			}
			checkStdout(t, out.String(), reftest.Text(t, "eig_"+tm.name+"_exact_stdout"))
			want := reftest.Vector(t, "eig_"+tm.name+"_exact_eigenvalues")
			got := e.Eigenvalues()
			if len(got) != 256 || len(e.Eigenindex()) != 256 || e.Eigendistortions().Shape().Dimensions[0] != 256 {
				t.Fatalf("lengths %d %d %v", len(got), len(e.Eigenindex()), e.Eigendistortions().Shape())
			}
			if d := maxAbsDiff(got, want); d > 1e-6*want[0]+1e-7 {
				t.Errorf("eigenvalues differ by %g (top %g vs %g, bottom %g vs %g)", d, got[0], want[0], got[255], want[255])
			}
			for i := 1; i < 256; i++ {
				if got[i] > got[i-1]+1e-12 && got[i] > 1e-6 {
					t.Fatalf("eigenvalues not descending at %d", i)
				}
			}
			// Each eigendistortion is a unit eigenvector: F v = λ v.
			d := flat(t, e.Eigendistortions())
			v := d[:256]
			fv := flat(t, must(e.FisherProduct(makeTensor(v, dtypes.Float32, []int{1, 1, 16, 16}))))
			for i := range v {
				if math.Abs(fv[i]-got[0]*v[i]) > 1e-6 {
					t.Fatalf("F v0 != λ0 v0 at %d: %g vs %g", i, fv[i], got[0]*v[i])
				}
			}
			if tm.name == "lg" {
				wantJ, _ := reftest.Load64(t, "eig_lg_jacobian")
				if d := maxAbsDiff(flat(t, e.Jacobian()), wantJ); d > 1e-6 {
					t.Errorf("LG Jacobian differs by %g", d)
				}
			}
		})
	}
}

// Power method from plenoptic's own starting vectors (torch.manual_seed(0)):
// eigenvalues, iteration counts, vectors and printed lines as the reference;
// top/bottom within 1e-2 of the exact spectrum; the Gaussian's top vector is
// the constant −1/16. The tutorial's linear models come twice: as test
// models (Fisher products by differentiation) and as the models package
// builds them (their Gram operator, see models.Gramian); both must match.
func TestEigenPowerReference(t *testing.T) {
	b := backendtestGet(t, "xla:cpu")
	img := crop16(t)
	gauss, cs, _ := packageModels(t)
	cases := append(slices.Clone(tutorialModels), namedModel{"gauss/gram", gauss}, namedModel{"cs/gram", cs})
	for _, tm := range cases {
		t.Run(tm.name, func(t *testing.T) {
			name, _, _ := strings.Cut(tm.name, "/")
			p := "eig_" + name + "_power"
			e, out := newEig(t, b, img, []int{1, 1, 16, 16}, tm.model)
			top, _ := reftest.Load64(t, p+"_init_top")
			bot, _ := reftest.Load64(t, p+"_init_bottom")
			if err := e.Synthesize(EigenSynthesizeOptions{MaxIter: 5000, InitialTop: top, InitialBottom: bot}); err != nil {
				t.Fatal(err)
			}
			checkStdout(t, out.String(), reftest.Text(t, p+"_stdout"))
			got := e.Eigenvalues()
			want := reftest.Vector(t, p+"_eigenvalues")
			exact := reftest.Vector(t, "eig_"+name+"_exact_eigenvalues")
			t.Logf("eigenvalues %.9g (ref %.9g), iterations %v (ref %v)", got, want, e.Iterations(), reftest.Vector(t, p+"_iterations"))
			if math.Abs(got[0]-want[0]) > 2e-5*want[0] {
				t.Errorf("top eigenvalue %.9g, reference %.9g", got[0], want[0])
			}
			if math.Abs(got[0]-exact[0]) > 1e-2 || math.Abs(got[1]-exact[255]) > 1e-2 {
				t.Errorf("power %v vs exact %g / %g", got, exact[0], exact[255])
			}
			if idx := e.Eigenindex(); len(idx) != 2 || idx[0] != 0 || idx[1] != 255 {
				t.Errorf("eigenindex %v", idx)
			}
			d := flat(t, e.Eigendistortions())
			for j := range 2 {
				v := d[j*256 : (j+1)*256]
				if n := norm2(v); math.Abs(n-1) > 1e-5 {
					t.Errorf("vector %d norm %g", j, n)
				}
				if v[0] > 0 {
					t.Errorf("vector %d first element %g > 0", j, v[0])
				}
			}
			// The CenterSurround's top eigenvalue is 4-fold degenerate: where
			// in that subspace the iteration stops depends on rounding.
			wantV, _ := reftest.Load64(t, p+"_eigendistortions")
			if dd := maxAbsDiff(d[:256], wantV[:256]); dd > 1e-3 && name != "cs" {
				t.Errorf("top vector differs from plenoptic's by %g", dd)
			}
			if name == "gauss" {
				for i, x := range d[:256] {
					if math.Abs(x+1.0/16) > 1e-3 {
						t.Fatalf("Gaussian top vector[%d] = %g, want ≈ -1/16", i, x)
					}
				}
			}
		})
	}
}

// Randomized SVD, k = 3, from plenoptic's random matrix: vs the reference and
// the exact spectrum.
func TestEigenRandomizedSVD(t *testing.T) {
	b := backendtestGet(t, "xla:cpu")
	img := crop16(t)
	for _, tm := range tutorialModels {
		t.Run(tm.name, func(t *testing.T) {
			p := "eig_" + tm.name + "_rsvd"
			e, out := newEig(t, b, img, []int{1, 1, 16, 16}, tm.model)
			P, _ := reftest.Load64(t, p+"_init_P")
			if err := e.Synthesize(EigenSynthesizeOptions{Method: RandomizedSVD, K: 3, InitialP: P}); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			want := reftest.Text(t, p+"_stdout")
			if len(lines) != 3 || lines[1] != want[2] || !strings.HasPrefix(lines[2], "Randomized SVD complete! Estimated spectral approximation error = ") {
				t.Errorf("stdout %q", out.String())
			}
			got := e.Eigenvalues()
			ref := reftest.Vector(t, p+"_eigenvalues")
			exact := reftest.Vector(t, "eig_"+tm.name+"_exact_eigenvalues")
			t.Logf("rsvd %.9g, reference %.9g, exact %.9g", got, ref, exact[:3])
			for i := range 3 {
				if math.Abs(got[i]-ref[i]) > 1e-4*ref[0] {
					t.Errorf("eigenvalue %d: %.9g, reference %.9g", i, got[i], ref[i])
				}
				if math.Abs(got[i]-exact[i]) > 1e-2*exact[0] {
					t.Errorf("eigenvalue %d: %.9g, exact %.9g", i, got[i], exact[i])
				}
			}
			if s := e.Eigendistortions().Shape().Dimensions; s[0] != 3 {
				t.Errorf("shape %v", s)
			}
			if idx := e.Eigenindex(); len(idx) != 3 || idx[2] != 2 {
				t.Errorf("eigenindex %v", idx)
			}
		})
	}
}

// F v against an explicit JᵀJ (atol 1e-6), and y = 3x has eigenvalues 9.
func TestEigenFisherProduct(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backends.Backend) {
		img := flat(t, crop(t, einstein(t), 40, 40, 6, 6))
		lg := &lgModel{cs: csSmall(), lum: must(filters.CircularGaussian2D(5, 5, 1.5)), scalar: 14.95}
		e, _ := newEig(t, b, img, []int{1, 1, 6, 6}, lg)
		J, err := e.computeJacobian()
		if err != nil {
			t.Fatal(err)
		}
		var F mat.Dense
		F.Mul(J.T(), J)
		for trial := range 3 {
			v := make([]float64, 36)
			for i := range v {
				v[i] = math.Sin(float64(i*(trial+2))) + 0.5
			}
			fv := flat(t, must(e.FisherProduct(makeTensor(v, dtypes.Float32, []int{1, 1, 6, 6}))))
			var want mat.VecDense
			want.MulVec(&F, mat.NewVecDense(36, v))
			for i := range fv {
				if math.Abs(fv[i]-want.AtVec(i)) > 1e-6 {
					t.Fatalf("Fv[%d] = %g, JᵀJv = %g", i, fv[i], want.AtVec(i))
				}
			}
		}

		triple := models.ModelFunc(func(x *Node) *Node { return MulScalar(x, 3) })
		e, _ = newEig(t, b, img, []int{1, 1, 6, 6}, triple)
		if err := e.Synthesize(EigenSynthesizeOptions{K: 2}); err != nil {
			t.Fatal(err)
		}
		for i, l := range e.Eigenvalues() {
			if math.Abs(math.Sqrt(l)-3) > 3e-3 {
				t.Errorf("sqrt(eigenvalue %d) = %g, want 3", i, math.Sqrt(l))
			}
		}
		if s := e.Eigendistortions().Shape().Dimensions; s[0] != 4 || s[1] != 1 || s[2] != 6 {
			t.Errorf("k=2 shape %v", s)
		}
		if idx := e.Eigenindex(); len(idx) != 4 || idx[2] != 34 || idx[3] != 35 {
			t.Errorf("eigenindex %v", idx)
		}
	})
}

// gramSpy is a linear model of the models package that records whether its
// Gram operator was used.
type gramSpy struct {
	models.Model
	used bool
}

func (s *gramSpy) Gram(v *Node) (*Node, bool) {
	fv, ok := s.Model.(models.Gramian).Gram(v)
	s.used = s.used || ok
	return fv, ok
}

// The linear models' Gram operator gives the Fisher products that
// differentiation gives (float32, 256×256, circular), and is used exactly
// where the backend has an FFT.
func TestEigenFisherGram(t *testing.T) {
	gauss, cs, _ := packageModels(t)
	bank := must(models.NewGaussian(models.GaussianOptions{KernelSize: models.Square(31), Std: []float64{2, 5}, PadMode: filters.Circular}))
	forEachBackend(t, func(t *testing.T, b backends.Backend) {
		img := flat(t, einstein(t))
		v := make([]float64, len(img))
		for i := range v {
			v[i] = math.Sin(float64(i)*0.37) + math.Cos(float64(i%256)*0.11)
		}
		vt := makeTensor(v, dtypes.Float32, []int{1, 1, 256, 256})
		for _, tm := range []namedModel{{"gaussian blur", gauss}, {"center-surround", cs}, {"two gaussians", bank}} {
			t.Run(tm.name, func(t *testing.T) {
				spy := &gramSpy{Model: tm.model}
				e, _ := newEig(t, b, img, []int{1, 1, 256, 256}, spy)
				got := flat(t, must(e.FisherProduct(vt)))
				if hasFFT := b.Capabilities().Operations[backends.OpTypeFFT]; spy.used != hasFFT {
					t.Fatalf("Gram used: %v, backend has an FFT: %v", spy.used, hasFFT)
				}
				d, _ := newEig(t, b, img, []int{1, 1, 256, 256}, models.ModelFunc(tm.model.Forward))
				want := flat(t, must(d.FisherProduct(vt)))
				scale := maxAbsDiff(want, make([]float64, len(want)))
				if diff := maxAbsDiff(got, want); diff > 1e-5*scale {
					t.Errorf("Gram F·v differs from the differentiated F·v by %.3g (max %.3g)", diff, scale)
				}
			})
		}
	})
}

func csSmall() filters.Kernel {
	c := must(filters.CircularGaussian2D(5, 5, 0.8))
	s := must(filters.CircularGaussian2D(5, 5, 1.6))
	return must(filters.SumOf([]float64{1.25, -1.25}, []filters.Kernel{c, s}))
}

func TestEigenErrors(t *testing.T) {
	b := backendtestGet(t, "xla:cpu")
	img := crop(t, einstein(t), 0, 0, 32, 32)
	two := concatBatch(t, img, img)
	if _, err := NewEigendistortion(two, notebookGaussian, EigendistortionOptions{Backend: b}); err == nil || !strings.Contains(err.Error(), "batch") {
		t.Errorf("batch 2: %v", err)
	}
	e, _ := newEig(t, b, flat(t, img), []int{1, 1, 32, 32}, notebookGaussian)
	if err := e.Synthesize(EigenSynthesizeOptions{Method: "arnoldi"}); err == nil || !strings.Contains(err.Error(), "method must be in") {
		t.Errorf("bad method: %v", err)
	}
}
