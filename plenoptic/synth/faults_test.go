package synth

import (
	"bytes"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/filters"
	"github.com/goplenoptic/goplenoptic/plenoptic/models"
)

// Tests of issue "Nothing lost, nothing crashes": saves that fail or are
// interrupted keep the previous file, damaged files are refused, degenerate
// models and bad optimizer settings give errors instead of NaNs, a failed
// step keeps the last good state.

func smallMetamer(t testing.TB, b backends.Backend, opts MetamerOptions) *Metamer {
	t.Helper()
	opts.Backend = b
	if opts.Log == nil {
		opts.Log = &bytes.Buffer{}
	}
	m, err := NewMetamer(crop(t, einstein(t), 60, 60, 32, 32), notebookGaussian, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// unregistered is a Scheduler that encoding/gob cannot save.
type unregistered struct{ Factor float64 }

func (u *unregistered) Step(loss, lr float64) float64 { return lr * u.Factor }

// TestSaveFailureKeepsOldFile: an encoding failure (an unregistered
// Scheduler) leaves the previous file intact and loadable, and leaves no
// temporary file; the error names the cause.
func TestSaveFailureKeepsOldFile(t *testing.T) {
	b := backendtestGet(t, "xla:cpu")
	m := smallMetamer(t, b, MetamerOptions{Seed: 1})
	if err := m.Synthesize(SynthesizeOptions{MaxIter: 3}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "m.gps")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	bad := smallMetamer(t, b, MetamerOptions{Seed: 1})
	if err := bad.Synthesize(SynthesizeOptions{MaxIter: 2, Scheduler: &unregistered{Factor: 1}}); err != nil {
		t.Fatal(err)
	}
	err := bad.Save(path)
	if err == nil || !strings.Contains(err.Error(), "gob.Register") {
		t.Fatalf("saving an unregistered scheduler: %v", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("a failed save changed the previous file")
	}
	if _, err := LoadMetamer(path, notebookGaussian, LoadOptions{Backend: b}); err != nil {
		t.Errorf("the previous file no longer loads: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	// A write error that is not about registration gets no such hint.
	if err := m.Save(filepath.Join(dir, "missing", "m.gps")); err == nil || strings.Contains(err.Error(), "gob.Register") {
		t.Errorf("save into a missing folder: %v", err)
	}
}

// TestCorruptFilesRefused flips single bits all over a saved file (header,
// checksum, payload) and truncates it: every damaged copy is refused with
// an error, none loads changed data.
func TestCorruptFilesRefused(t *testing.T) {
	b := backendtestGet(t, "xla:cpu")
	m := smallMetamer(t, b, MetamerOptions{Seed: 1})
	if err := m.Synthesize(SynthesizeOptions{MaxIter: 3, StoreProgress: 1}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	positions := []int{0, 5, 12, 20, 40, 60, 80, 100}
	for k := 1; k <= 40; k++ {
		positions = append(positions, k*len(good)/41)
	}
	positions = append(positions, len(good)-1)
	loaded := 0
	for _, p := range positions {
		for _, bit := range []byte{0x01, 0x80} {
			bad := bytes.Clone(good)
			bad[p] ^= bit
			if _, err := ReadMetamer(bytes.NewReader(bad), notebookGaussian, LoadOptions{Backend: b}); err == nil {
				loaded++
				t.Errorf("a file with bit %#x of byte %d flipped loaded", bit, p)
			}
		}
	}
	for _, n := range []int{0, 10, len(good) / 2, len(good) - 1} {
		if _, err := ReadMetamer(bytes.NewReader(good[:n]), notebookGaussian, LoadOptions{Backend: b}); !errors.Is(err, ErrCorrupt) {
			t.Errorf("a file truncated to %d bytes: %v, want ErrCorrupt", n, err)
		}
	}
	t.Logf("%d single-bit flips, %d loaded", 2*len(positions), loaded)

	// Eigendistortion files likewise.
	e, err := NewEigendistortion(crop(t, einstein(t), 100, 100, 16, 16), notebookGaussian, EigendistortionOptions{Backend: b, Log: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Synthesize(EigenSynthesizeOptions{MaxIter: 20, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if _, err := e.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	good = buf.Bytes()
	for k := 0; k <= 20; k++ {
		bad := bytes.Clone(good)
		bad[k*(len(good)-1)/20] ^= 0x04
		if _, err := ReadEigendistortion(bytes.NewReader(bad), notebookGaussian, LoadOptions{Backend: b}); err == nil {
			t.Errorf("an eigendistortion file with byte %d damaged loaded", k*(len(good)-1)/20)
		}
	}
	if _, err := ReadEigendistortion(bytes.NewReader(good[:len(good)/2]), notebookGaussian, LoadOptions{Backend: b}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("a truncated eigendistortion file: %v", err)
	}
}

// TestSaveKilledMidway kills a process while it saves a large metamer again
// and again over the same file; the file always loads, as the old or the new
// content, never garbage.
func TestSaveKilledMidway(t *testing.T) {
	if os.Getenv("SYNTH_SAVE_LOOP") != "" {
		return // the child: see TestHelperSaveLoop
	}
	b := backendtestGet(t, "xla:cpu")
	path := filepath.Join(t.TempDir(), "m.gps")
	for trial := range 4 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSaveLoop$", "-test.count=1")
		cmd.Env = append(os.Environ(), "SYNTH_SAVE_LOOP="+path)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait for the first complete file, then kill at a varying moment.
		deadline := time.Now().Add(60 * time.Second)
		for {
			if _, err := os.Stat(path); err == nil || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(time.Duration(150+170*trial) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		m, err := LoadMetamer(path, lumGainControl, LoadOptions{Backend: b})
		if err != nil {
			t.Fatalf("trial %d: after a kill during Save the file does not load: %v\n%s", trial, err, out.String())
		}
		if n := len(m.Losses()); n == 0 || n%5 != 0 {
			t.Errorf("trial %d: the loaded metamer has %d iterations (saves happen every 5)", trial, n)
		}
	}
}

// TestHelperSaveLoop is the child of TestSaveKilledMidway: it synthesizes a
// 3×256×256 LG metamer with stored progress and saves it every 5 iterations.
func TestHelperSaveLoop(t *testing.T) {
	path := os.Getenv("SYNTH_SAVE_LOOP")
	if path == "" {
		t.Skip("run by TestSaveKilledMidway")
	}
	b := backendtestGet(t, "xla:cpu")
	img := einstein(t)
	m, err := NewMetamer(concatBatch(t, img, img, img), lumGainControl, MetamerOptions{Backend: b, Seed: 1, Log: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	for {
		if err := m.Synthesize(SynthesizeOptions{MaxIter: 5, StoreProgress: 1}); err != nil {
			t.Fatal(err)
		}
		if err := m.Save(path); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLoadComparesParametersExactly: a file saved with LG's luminance_scalar
// 14.95 refuses a model whose value is 14.0, naming the parameter.
func TestLoadComparesParametersExactly(t *testing.T) {
	b := backendtestGet(t, "xla:cpu")
	lg := func(scalar float64) *models.LuminanceGainControl {
		m := must(models.NewLuminanceGainControl(models.FrontEndOptions{KernelSize: models.Square(31), PadMode: filters.Circular}))
		if err := m.LoadParams(map[string][]float64{"luminance_scalar": {scalar}}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	img := crop(t, einstein(t), 60, 60, 64, 64)
	m, err := NewMetamer(img, lg(14.95), MetamerOptions{Backend: b, Seed: 1, Log: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Synthesize(SynthesizeOptions{MaxIter: 2}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "lg.gps")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	_, err = LoadMetamer(path, lg(14.0), LoadOptions{Backend: b})
	if !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), `"luminance_scalar"`) || !strings.Contains(err.Error(), "14.95") {
		t.Errorf("loading with luminance_scalar 14.0: %v", err)
	}
	if _, err := LoadMetamer(path, lg(14.95), LoadOptions{Backend: b}); err != nil {
		t.Errorf("loading with the same model: %v", err)
	}
}

// scaleModel is y = c·x: its Fisher matrix is c²·I.
type scaleModel struct{ c float64 }

func (s *scaleModel) Forward(x *Node) *Node { return MulScalar(x, s.c) }

// TestPowerDegenerate: an isotropic Fisher matrix (F = 4·I) gives the right
// eigenvalues (4 and 4), never NaN; a constant model, and zero or NaN
// starting vectors, are refused with clear errors.
func TestPowerDegenerate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backends.Backend) {
		img := crop(t, einstein(t), 100, 100, 16, 16)
		e, err := NewEigendistortion(img, &scaleModel{2}, EigendistortionOptions{Backend: b, Log: &bytes.Buffer{}})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []int{1, 2} {
			if err := e.Synthesize(EigenSynthesizeOptions{K: k, MaxIter: 50, Seed: 3}); err != nil {
				t.Fatalf("k=%d: %v", k, err)
			}
			for i, v := range e.Eigenvalues() {
				if math.IsNaN(v) || math.Abs(v-4) > 1e-5 {
					t.Errorf("k=%d: eigenvalue %d of F = 4·I is %v, want 4", k, i, v)
				}
			}
			for i, v := range flat(t, e.Eigendistortions()) {
				if math.IsNaN(v) {
					t.Fatalf("k=%d: NaN in eigendistortions at %d", k, i)
				}
			}
		}
		n := 16 * 16
		for name, init := range map[string][]float64{"zero": make([]float64, n), "NaN": append([]float64{math.NaN()}, make([]float64, n-1)...)} {
			if err := e.Synthesize(EigenSynthesizeOptions{InitialTop: init, InitialBottom: init}); err == nil || !strings.Contains(err.Error(), "InitialTop") {
				t.Errorf("%s InitialTop: %v", name, err)
			}
		}
		constant := models.ModelFunc(func(x *Node) *Node { return Add(MulScalar(x, 0), OnesLike(x)) })
		if _, err := NewEigendistortion(img, constant, EigendistortionOptions{Backend: b, Log: &bytes.Buffer{}}); !errors.Is(err, ErrDegenerate) {
			t.Errorf("constant model: %v, want ErrDegenerate", err)
		}
		if _, err := NewMetamer(img, constant, MetamerOptions{Backend: b, Log: &bytes.Buffer{}}); !errors.Is(err, ErrDegenerate) {
			t.Errorf("metamer of a constant model: %v, want ErrDegenerate", err)
		}
	})
}

// TestOptimizerOptionsChecked: bad Adam, SGD and scheduler settings are
// errors up front.
func TestOptimizerOptionsChecked(t *testing.T) {
	for name, o := range map[string]AdamOptions{
		"negative lr": {LR: -0.01}, "NaN lr": {LR: math.NaN()}, "Inf lr": {LR: math.Inf(1)},
		"beta1 1": {Beta1: 1}, "beta2 -0.5": {Beta2: -0.5}, "beta1 NaN": {Beta1: math.NaN()},
		"eps -1": {Eps: -1}, "weight decay -1": {WeightDecay: -1},
	} {
		if _, err := NewAdam(o); err == nil {
			t.Errorf("Adam %s accepted", name)
		}
	}
	if _, err := NewSGD(SGDOptions{LR: math.Inf(1)}); err == nil {
		t.Error("SGD with an infinite lr accepted")
	}
	if _, err := NewReduceLROnPlateau(PlateauOptions{Factor: math.NaN()}); err == nil {
		t.Error("plateau factor NaN accepted")
	}
}

// TestFailedStepKeepsState: when a step produces a non-finite image (a
// learning rate that blows up), the metamer and the optimizer state stay
// those of the last good iteration; lowering the learning rate resumes.
func TestFailedStepKeepsState(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backends.Backend) {
		// log(x) is finite on the image, but a huge step takes x below 0.
		logModel := models.ModelFunc(func(x *Node) *Node { return Log(AddScalar(x, 0.5)) })
		img := crop(t, einstein(t), 60, 60, 16, 16)
		m, err := NewMetamer(img, logModel, MetamerOptions{Backend: b, Seed: 2, Log: &bytes.Buffer{}, NoRangePenalty: true})
		if err != nil {
			t.Fatal(err)
		}
		opt := must(NewSGD(SGDOptions{LR: 1e-3}))
		if err := m.Synthesize(SynthesizeOptions{MaxIter: 5, Optimizer: opt}); err != nil {
			t.Fatal(err)
		}
		good := flat(t, m.Metamer())
		opt.SetLR(1e6)
		err = m.Synthesize(SynthesizeOptions{MaxIter: 5})
		if !errors.Is(err, ErrNaNLoss) {
			t.Fatalf("a step to a non-finite image: %v, want ErrNaNLoss", err)
		}
		if n := len(m.Losses()); n != 5 {
			t.Errorf("%d losses after the failed step, want the 5 good ones", n)
		}
		if d := maxAbsDiff(flat(t, m.Metamer()), good); d != 0 {
			t.Errorf("the metamer changed by %g in the failed step", d)
		}
		if opt.Steps() != 5 {
			t.Errorf("the optimizer counts %d steps, want 5", opt.Steps())
		}
		opt.SetLR(1e-3)
		if err := m.Synthesize(SynthesizeOptions{MaxIter: 5}); err != nil {
			t.Fatalf("resuming with a lower learning rate: %v", err)
		}
		if n := len(m.Losses()); n != 10 {
			t.Errorf("%d losses after resuming, want 10", n)
		}
	})
}

// TestSmallerFaults: a model returning nil, an empty batch, a NaN initial
// image, a negative learning rate set by hand.
func TestSmallerFaults(t *testing.T) {
	b := backendtestGet(t, "go")
	img := crop(t, einstein(t), 60, 60, 16, 16)
	nilModel := models.ModelFunc(func(x *Node) *Node { return nil })
	if _, err := NewMetamer(img, nilModel, MetamerOptions{Backend: b}); err == nil || !strings.Contains(err.Error(), "returned no output") {
		t.Errorf("nil output: %v", err)
	}
	empty := tensors.FromFlatDataAndDimensions([]float32{}, 0, 1, 16, 16)
	if _, err := NewMetamer(empty, notebookGaussian, MetamerOptions{Backend: b}); err == nil || !strings.Contains(err.Error(), "empty dimension") {
		t.Errorf("empty batch: %v", err)
	}
	nanInit := makeTensor(append([]float64{math.NaN()}, make([]float64, 255)...), dtypes.Float32, []int{1, 1, 16, 16})
	if _, err := NewMetamer(img, notebookGaussian, MetamerOptions{Backend: b, InitialImage: nanInit}); err == nil || !strings.Contains(err.Error(), "non-finite") {
		t.Errorf("NaN initial image: %v", err)
	}
	m := smallMetamer(t, b, MetamerOptions{Seed: 1})
	opt := must(NewAdam(AdamOptions{LR: 0.01}))
	if err := m.Synthesize(SynthesizeOptions{MaxIter: 1, Optimizer: opt}); err != nil {
		t.Fatal(err)
	}
	opt.SetLR(-1)
	if err := m.Synthesize(SynthesizeOptions{MaxIter: 1}); err == nil || !strings.Contains(err.Error(), "learning rate") {
		t.Errorf("negative learning rate: %v", err)
	}
}

// TestAccessorsDuringSynthesize reads the metamer and its records from
// another goroutine while Synthesize runs: they always return complete,
// consistent values.
func TestAccessorsDuringSynthesize(t *testing.T) {
	b := backendtestGet(t, "xla:cpu")
	m := smallMetamer(t, b, MetamerOptions{Seed: 1})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	reads := 0
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			x := m.Metamer()
			if x == nil || x.Shape().Size() != 32*32 {
				t.Error("Metamer() returned an incomplete image during Synthesize")
				return
			}
			_ = m.Losses()
			_ = m.SavedMetamers()
			reads++
		}
	}()
	err := m.Synthesize(SynthesizeOptions{MaxIter: 200, StoreProgress: 10})
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if reads == 0 {
		t.Error("no concurrent reads happened")
	}
	t.Logf("%d concurrent reads", reads)
}

// TestStrippedGradientRefused: a model whose output depends on its input but
// whose gradient is cut (StopGradient) is refused at the first step.
func TestStrippedGradientRefused(t *testing.T) {
	b := backendtestGet(t, "go")
	img := crop(t, einstein(t), 60, 60, 16, 16)
	stripped := models.ModelFunc(func(x *Node) *Node { return StopGradient(Square(x)) })
	m, err := NewMetamer(img, stripped, MetamerOptions{Backend: b, Seed: 1, Log: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Synthesize(SynthesizeOptions{MaxIter: 3}); !errors.Is(err, ErrDegenerate) || !strings.Contains(err.Error(), "strips the gradient") {
		t.Errorf("stripped gradient: %v", err)
	}
	if n := len(m.Losses()); n != 0 {
		t.Errorf("%d losses recorded", n)
	}
}
