package synth

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/models"
	"github.com/goplenoptic/goplenoptic/plenoptic/tools"
)

func init() {
	gob.Register(&ReduceLROnPlateau{})
}

// A saved synthesis is a small text header followed by its payload:
//
//	goplenoptic <Kind> <version>\n
//	sha256 <hex digest of the payload> <payload length>\n
//	<payload: encoding/gob>
//
// The checksum makes a truncated or damaged file fail to load (ErrCorrupt)
// instead of loading changed data.
const (
	fileMagic   = "goplenoptic"
	fileVersion = 2
	// maxPayload bounds what a reader allocates for a payload (a hostile
	// length field cannot make it allocate more).
	maxPayload = 1 << 34
)

// modelInfo identifies the model a synthesis was made with: its Go type and,
// for models that report them (the models package's), every parameter value.
type modelInfo struct {
	Type   string
	Params map[string][]float64
}

// describeModel returns model's modelInfo.
func describeModel(model models.Model) modelInfo {
	info := modelInfo{Type: reflect.TypeOf(model).String()}
	if pr, ok := model.(interface{ Params() map[string][]float64 }); ok {
		info.Params = pr.Params()
	}
	return info
}

// check compares the model a file is loaded with against the saved one:
// same type and, parameter by parameter, exactly the same values; the
// error names the first that differs.
func (saved modelInfo) check(model models.Model) error {
	now := describeModel(model)
	if saved.Type != "" && now.Type != saved.Type {
		return fmt.Errorf("the file was saved with a model of type %s, not %s: %w", saved.Type, now.Type, ErrMismatch)
	}
	keys := make([]string, 0, len(saved.Params))
	for k := range saved.Params {
		keys = append(keys, k)
	}
	for k := range now.Params {
		if _, ok := saved.Params[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		a, ok1 := saved.Params[k]
		b, ok2 := now.Params[k]
		switch {
		case !ok1:
			return fmt.Errorf("the model has parameter %q, which the saved model did not have: %w", k, ErrMismatch)
		case !ok2:
			return fmt.Errorf("the saved model had parameter %q, which this model lacks: %w", k, ErrMismatch)
		case !slices.Equal(a, b):
			return fmt.Errorf("model parameter %q is %v, but the file was saved with %v: %w", k, short(b), short(a), ErrMismatch)
		}
	}
	return nil
}

// short abbreviates a long parameter vector for messages.
func short(v []float64) string {
	if len(v) <= 4 {
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("%v… (%d values)", v[:4], len(v))
}

// writeFile writes kind's payload v as a saved file to w.
func writeFile(w io.Writer, kind string, v any) (int64, error) {
	var payload bytes.Buffer
	if err := gob.NewEncoder(&payload).Encode(v); err != nil {
		if strings.Contains(err.Error(), "not registered") {
			return 0, fmt.Errorf("encoding: %w (a custom Scheduler must be registered with gob.Register)", err)
		}
		return 0, fmt.Errorf("encoding: %w", err)
	}
	sum := sha256.Sum256(payload.Bytes())
	header := fmt.Sprintf("%s %s %d\nsha256 %s %d\n", fileMagic, kind, fileVersion, hex.EncodeToString(sum[:]), payload.Len())
	n, err := io.WriteString(w, header)
	if err != nil {
		return int64(n), err
	}
	m, err := w.Write(payload.Bytes())
	return int64(n + m), err
}

// readFile reads a saved file of the wanted kind from r into v, checking
// its header and checksum.
func readFile(r io.Reader, kind string, v any) error {
	br := bufio.NewReader(r)
	line := func() ([]string, error) {
		s, err := br.ReadString('\n')
		if err != nil || len(s) > 200 {
			return nil, fmt.Errorf("not a goplenoptic file (no header): %w", ErrCorrupt)
		}
		return strings.Fields(s), nil
	}
	h1, err := line()
	if err != nil {
		return err
	}
	if len(h1) != 3 || h1[0] != fileMagic {
		return fmt.Errorf("not a goplenoptic file (header %q): %w", strings.Join(h1, " "), ErrCorrupt)
	}
	if h1[1] != kind {
		return fmt.Errorf("the file holds a %q, not a %s", h1[1], kind)
	}
	version, err := strconv.Atoi(h1[2])
	if err != nil {
		return fmt.Errorf("bad version %q: %w", h1[2], ErrCorrupt)
	}
	if version > fileVersion {
		return fmt.Errorf("the file was written by a newer goplenoptic (file version %d > %d)", version, fileVersion)
	}
	if version < fileVersion {
		return fmt.Errorf("the file has version %d, which this goplenoptic no longer reads (%d): synthesize again", version, fileVersion)
	}
	h2, err := line()
	if err != nil {
		return err
	}
	if len(h2) != 3 || h2[0] != "sha256" {
		return fmt.Errorf("no checksum line: %w", ErrCorrupt)
	}
	want, err := hex.DecodeString(h2[1])
	if err != nil || len(want) != sha256.Size {
		return fmt.Errorf("bad checksum %q: %w", h2[1], ErrCorrupt)
	}
	n, err := strconv.ParseInt(h2[2], 10, 64)
	if err != nil || n < 0 || n > maxPayload {
		return fmt.Errorf("bad payload length %q: %w", h2[2], ErrCorrupt)
	}
	var payload bytes.Buffer
	if got, err := io.Copy(&payload, io.LimitReader(br, n)); err != nil || got != n {
		return fmt.Errorf("payload has %d of its %d bytes (truncated): %w", got, n, ErrCorrupt)
	}
	if extra, _ := br.Peek(1); len(extra) > 0 {
		return fmt.Errorf("data after the payload: %w", ErrCorrupt)
	}
	if sum := sha256.Sum256(payload.Bytes()); !bytes.Equal(sum[:], want) {
		return fmt.Errorf("checksum mismatch (the file is damaged): %w", ErrCorrupt)
	}
	if err := gob.NewDecoder(&payload).Decode(v); err != nil {
		return fmt.Errorf("decoding: %v: %w", err, ErrCorrupt)
	}
	return nil
}

// saveAtomic writes a file with write: into a temporary file in the same
// folder, flushed to disk, then renamed over path. A failure at any point
// (an encoding error, a full disk, a killed process) leaves any previous
// file at path as it was.
func saveAtomic(path string, write func(io.Writer) (int64, error)) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if _, err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil { // make the rename durable
		d.Sync()
		d.Close()
	}
	return nil
}

// loadFile opens path and reads it with read.
func loadFile[T any](path string, read func(io.Reader) (T, error)) (T, error) {
	f, err := os.Open(path)
	if err != nil {
		var zero T
		return zero, err
	}
	defer f.Close()
	return read(bufio.NewReaderSize(f, 1<<20))
}

// LoadOptions configures the readers of saved syntheses (ReadMetamer,
// LoadMetamer, ReadEigendistortion, ...).
type LoadOptions struct {
	// Backend to compute on (default: backend.Default()).
	Backend backends.Backend
	// LossFunction must be given when the metamer was made with a custom
	// loss function (functions cannot be saved); it is checked by
	// re-evaluating the saved objective.
	LossFunction LossFunc
	// Image, when given, must equal the saved image.
	Image *tensors.Tensor
	// Tolerance is the relative tolerance of the check that the model's
	// output on the saved image equals the saved representation, and of the
	// loss check (default 1e-3).
	Tolerance float64
	// Log receives plenoptic's messages and warnings when the synthesis is
	// resumed (default os.Stderr).
	Log io.Writer
}

// prepare applies the defaults, checks the model against info and the
// image against the saved one, and picks the backend.
func (o LoadOptions) prepare(model models.Model, info modelInfo, img hostTensor) (LoadOptions, backends.Backend, error) {
	if o.Tolerance == 0 {
		o.Tolerance = 1e-3
	}
	if model == nil {
		return o, nil, errors.New("model is nil")
	}
	if err := info.check(model); err != nil {
		return o, nil, err
	}
	if o.Image != nil {
		if err := sameImage(o.Image, img); err != nil {
			return o, nil, err
		}
	}
	be, err := pickBackend(o.Backend)
	return o, be, err
}

// sameImage checks that t equals the saved image h (same shape, same values
// at the saved precision).
func sameImage(t *tensors.Tensor, h hostTensor) error {
	g, err := newHost(t)
	if err != nil {
		return err
	}
	if !slices.Equal(g.Dims, h.Dims) {
		return fmt.Errorf("image shape %v differs from the saved image's %v: %w", g.Dims, h.Dims, ErrMismatch)
	}
	for i, v := range g.Data {
		w := h.Data[i]
		if h.DType == "float32" {
			v, w = float64(float32(v)), float64(float32(w))
		}
		if v != w {
			return fmt.Errorf("image differs from the saved image (first at flat index %d: %g vs %g): %w", i, v, w, ErrMismatch)
		}
	}
	return nil
}

// closeTo checks |a − b| ≤ tol·max|b| + 1e-7 elementwise, with equal shapes.
func closeTo(what string, a, b hostTensor, tol float64) error {
	if !slices.Equal(a.Dims, b.Dims) {
		return fmt.Errorf("%s has shape %v, saved %v: %w", what, a.Dims, b.Dims, ErrMismatch)
	}
	scale := 0.0
	for _, v := range b.Data {
		scale = math.Max(scale, math.Abs(v))
	}
	for i, v := range a.Data {
		if d := math.Abs(v - b.Data[i]); d > tol*scale+1e-7 || math.IsNaN(d) {
			return fmt.Errorf("%s differs from the saved values (flat index %d: %g vs %g): %w", what, i, v, b.Data[i], ErrMismatch)
		}
	}
	return nil
}

// optimizedState is the saved form of an OptimizedSynthesis.
type optimizedState struct {
	Initial         hostTensor
	Current         hostTensor
	Saved           []hostTensor
	Losses          []float64
	GradientNorm    []float64
	PixelChangeNorm []float64
	StoreProgress   int
	StoreSet        bool
	Lambda, Lo, Hi  float64
	Converged       bool
	Optimizer       *optSettings
	Scheduler       Scheduler
}

// state captures the base's state for saving.
func (s *OptimizedSynthesis) state() (optimizedState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := newHost(s.x)
	if err != nil {
		return optimizedState{}, err
	}
	st := optimizedState{
		Initial: s.initial, Current: cur,
		Losses: s.losses, GradientNorm: s.gradNorm, PixelChangeNorm: s.pixNorm,
		StoreProgress: s.store, StoreSet: s.storeSet,
		Lambda: s.lambda, Lo: s.lo, Hi: s.hi, Converged: s.stopped, Scheduler: s.sched,
	}
	for _, t := range s.saved {
		h, err := newHost(t)
		if err != nil {
			return st, err
		}
		st.Saved = append(st.Saved, h)
	}
	if s.opt != nil {
		o, err := saveOptimizer(s.opt)
		if err != nil {
			return st, err
		}
		st.Optimizer = &o
	}
	return st, nil
}

// restore sets the base from a saved state; owner is the object the
// optimizer binds to.
func (s *OptimizedSynthesis) restore(owner any, be backends.Backend, kind Stage, log io.Writer, img hostTensor, st optimizedState) error {
	s.init(be, kind, log, img, penaltyOptions{lambda: st.Lambda, lo: st.Lo, hi: st.Hi})
	if !slices.Equal(st.Current.Dims, img.Dims) || !slices.Equal(st.Initial.Dims, img.Dims) {
		return fmt.Errorf("saved images have shape %v and %v, not the image's %v: %w", st.Current.Dims, st.Initial.Dims, img.Dims, ErrCorrupt)
	}
	s.initial = st.Initial
	s.x = st.Current.tensor()
	s.losses, s.gradNorm, s.pixNorm = st.Losses, st.GradientNorm, st.PixelChangeNorm
	s.store, s.storeSet, s.stopped, s.sched = st.StoreProgress, st.StoreSet, st.Converged, st.Scheduler
	for _, h := range st.Saved {
		s.saved = append(s.saved, h.tensor())
	}
	if st.Optimizer != nil {
		opt, err := restoreOptimizer(*st.Optimizer)
		if err != nil {
			return err
		}
		if err := bind(opt, owner); err != nil {
			return err
		}
		s.opt = opt
	}
	return nil
}

// metamerFile is the payload of a saved Metamer: everything needed to
// resume, the optimizer's state and the scheduler's included.
type metamerFile struct {
	Model         modelInfo
	Image, Target hostTensor
	CustomLoss    bool
	Objective     float64
	State         optimizedState
}

// WriteTo writes the metamer synthesis to w (see Save), returning the
// number of bytes written.
func (m *Metamer) WriteTo(w io.Writer) (n int64, err error) {
	defer catch(&err, "Metamer.WriteTo")
	st, err := m.state()
	if err != nil {
		return 0, err
	}
	obj, err := m.objectiveAt(st.Current.tensor())
	if err != nil {
		return 0, err
	}
	return writeFile(w, "Metamer", &metamerFile{
		Model: describeModel(m.model), Image: m.image, Target: m.target,
		CustomLoss: m.custom, Objective: obj, State: st,
	})
}

// Save writes the metamer synthesis to path: images, target, records, saved
// metamers, settings, and the optimizer and scheduler with their state, so
// that LoadMetamer followed by Synthesize continues exactly as an
// uninterrupted run. The write is atomic: a failed or interrupted Save
// leaves the previous file intact. The model and a custom loss function are
// not saved: LoadMetamer takes them again and checks them.
func (m *Metamer) Save(path string) (err error) {
	defer catch(&err, "Metamer.Save")
	return saveAtomic(path, m.WriteTo)
}

// ReadMetamer reads a metamer synthesis written by WriteTo (or Save) and
// prepares it to resume with model. It refuses a damaged file (ErrCorrupt),
// a model of another type or with other parameter values, or whose output
// on the saved image differs from the saved target representation, an
// image (LoadOptions.Image) that differs from the saved one, and a missing
// or different custom loss function (ErrMismatch).
func ReadMetamer(r io.Reader, model models.Model, opts LoadOptions) (m *Metamer, err error) {
	defer catch(&err, "ReadMetamer")
	var f metamerFile
	if err := readFile(r, "Metamer", &f); err != nil {
		return nil, err
	}
	o, be, err := opts.prepare(model, f.Model, f.Image)
	if err != nil {
		return nil, err
	}
	switch {
	case f.CustomLoss && o.LossFunction == nil:
		return nil, fmt.Errorf("the metamer was saved with a custom loss function: pass it as LoadOptions.LossFunction: %w", ErrMismatch)
	case !f.CustomLoss && o.LossFunction != nil:
		return nil, fmt.Errorf("the metamer was saved with the default MSE loss, but a LossFunction was given: %w", ErrMismatch)
	}
	m = &Metamer{model: model, lossFn: o.LossFunction, custom: f.CustomLoss, image: f.Image, target: f.Target}
	if m.lossFn == nil {
		m.lossFn = tools.MSE
	}
	if err := m.restore(m, be, StageMetamer, o.Log, f.Image, f.State); err != nil {
		return nil, err
	}
	rep, err := checkedRepresentation(be, model, f.Image)
	if err != nil {
		return nil, err
	}
	if err := closeTo("model output on the saved image", rep, f.Target, o.Tolerance); err != nil {
		return nil, fmt.Errorf("the model does not match the saved metamer's: %w", err)
	}
	m.targetT = f.Target.tensor()
	obj, err := m.objectiveAt(f.State.Current.tensor())
	if err != nil {
		return nil, err
	}
	if math.Abs(obj-f.Objective) > o.Tolerance*math.Abs(f.Objective)+1e-12 {
		return nil, fmt.Errorf("the objective of the saved metamer is %g now but was %g when saved: the loss function or model differs: %w", obj, f.Objective, ErrMismatch)
	}
	return m, nil
}

// LoadMetamer reads the metamer synthesis saved at path; see ReadMetamer.
func LoadMetamer(path string, model models.Model, opts LoadOptions) (*Metamer, error) {
	m, err := loadFile(path, func(r io.Reader) (*Metamer, error) { return ReadMetamer(r, model, opts) })
	if err != nil && !strings.HasPrefix(err.Error(), "synth: ") {
		err = fmt.Errorf("synth: LoadMetamer: %w", err)
	}
	return m, err
}

// eigenFile is the payload of a saved Eigendistortion.
type eigenFile struct {
	Model            modelInfo
	Image            hostTensor
	Representation   hostTensor
	Method           EigenMethod
	Eigendistortions hostTensor
	Eigenvalues      []float64
	Eigenindex       []int
	Jacobian         *hostTensor
	Iterations       [2]int
	Products         int
	Residuals        []float64
}

// WriteTo writes the eigendistortion results to w (see Save).
func (e *Eigendistortion) WriteTo(w io.Writer) (n int64, err error) {
	defer catch(&err, "Eigendistortion.WriteTo")
	return writeFile(w, "Eigendistortion", &eigenFile{
		Model: describeModel(e.model), Image: e.image, Representation: e.rep,
		Method: e.method, Eigendistortions: e.dists, Eigenvalues: e.values, Eigenindex: e.index,
		Jacobian: e.jacobian, Iterations: e.iterations, Products: e.products, Residuals: e.residuals,
	})
}

// Save writes the eigendistortion results to path, atomically: the image,
// the model's representation of it (to check the model on load), the
// eigendistortions, eigenvalues, eigenindex and, for Exact, the Jacobian.
func (e *Eigendistortion) Save(path string) (err error) {
	defer catch(&err, "Eigendistortion.Save")
	return saveAtomic(path, e.WriteTo)
}

// ReadEigendistortion reads results written by Eigendistortion.WriteTo (or
// Save) for model, refusing a damaged file (ErrCorrupt), a model of another
// type or with other parameter values, or whose output on the saved image
// differs from the saved representation, and an image (LoadOptions.Image)
// that differs from the saved one (ErrMismatch). Nothing is printed.
func ReadEigendistortion(r io.Reader, model models.Model, opts LoadOptions) (e *Eigendistortion, err error) {
	defer catch(&err, "ReadEigendistortion")
	var f eigenFile
	if err := readFile(r, "Eigendistortion", &f); err != nil {
		return nil, err
	}
	o, be, err := opts.prepare(model, f.Model, f.Image)
	if err != nil {
		return nil, err
	}
	rep, err := checkedRepresentation(be, model, f.Image)
	if err != nil {
		return nil, err
	}
	if err := closeTo("model output on the saved image", rep, f.Representation, o.Tolerance); err != nil {
		return nil, fmt.Errorf("the model does not match the saved eigendistortion's: %w", err)
	}
	log := o.Log
	if log == nil {
		log = os.Stderr
	}
	return &Eigendistortion{
		be: be, model: model, image: f.Image, rep: f.Representation, n: f.Image.size(), m: f.Representation.size(),
		log: log, x: f.Image.tensor(), method: f.Method, dists: f.Eigendistortions,
		values: f.Eigenvalues, index: f.Eigenindex, jacobian: f.Jacobian, iterations: f.Iterations, products: f.Products,
		residuals: f.Residuals,
	}, nil
}

// LoadEigendistortion reads the results saved at path; see
// ReadEigendistortion.
func LoadEigendistortion(path string, model models.Model, opts LoadOptions) (*Eigendistortion, error) {
	e, err := loadFile(path, func(r io.Reader) (*Eigendistortion, error) { return ReadEigendistortion(r, model, opts) })
	if err != nil && !strings.HasPrefix(err.Error(), "synth: ") {
		err = fmt.Errorf("synth: LoadEigendistortion: %w", err)
	}
	return e, err
}

// madFile is the payload of a saved MADCompetition.
type madFile struct {
	Image              hostTensor
	Target             MADTarget
	Tradeoff           float64
	ReferenceTarget    float64
	OptimizedLosses    []float64
	ReferenceLosses    []float64
	OptimizedAtCurrent float64 // to check the metrics on load
	ReferenceAtCurrent float64
	State              optimizedState
}

// WriteTo writes the MAD Competition synthesis to w (see Save).
func (m *MADCompetition) WriteTo(w io.Writer) (n int64, err error) {
	defer catch(&err, "MADCompetition.WriteTo")
	st, err := m.state()
	if err != nil {
		return 0, err
	}
	ref, opt, err := m.metricsAt(st.Current.tensor())
	if err != nil {
		return 0, err
	}
	m.mu.Lock()
	f := madFile{Image: m.image, Target: m.target, Tradeoff: m.tradeoff, ReferenceTarget: m.refTarget,
		OptimizedLosses: slices.Clone(m.optLosses), ReferenceLosses: slices.Clone(m.refLosses),
		OptimizedAtCurrent: opt, ReferenceAtCurrent: ref, State: st}
	m.mu.Unlock()
	return writeFile(w, "MADCompetition", &f)
}

// Save writes the MAD Competition synthesis to path, atomically, so that
// LoadMADCompetition followed by Synthesize continues exactly as an
// uninterrupted run. The metrics are functions and are not saved.
func (m *MADCompetition) Save(path string) (err error) {
	defer catch(&err, "MADCompetition.Save")
	return saveAtomic(path, m.WriteTo)
}

// ReadMADCompetition reads a MAD Competition synthesis written by WriteTo
// (or Save) and prepares it to resume with the two metrics, which are
// checked by evaluating them on the saved images (ErrMismatch when they
// differ from the saved values by more than LoadOptions.Tolerance).
func ReadMADCompetition(r io.Reader, optimized, reference Metric, opts LoadOptions) (m *MADCompetition, err error) {
	defer catch(&err, "ReadMADCompetition")
	var f madFile
	if err := readFile(r, "MADCompetition", &f); err != nil {
		return nil, err
	}
	if opts.Tolerance == 0 {
		opts.Tolerance = 1e-3
	}
	if opts.Image != nil {
		if err := sameImage(opts.Image, f.Image); err != nil {
			return nil, err
		}
	}
	if optimized == nil || reference == nil {
		return nil, errors.New("both metrics must be given")
	}
	be, err := pickBackend(opts.Backend)
	if err != nil {
		return nil, err
	}
	m = &MADCompetition{image: f.Image, optimized: optimized, reference: reference, target: f.Target,
		tradeoff: f.Tradeoff, refTarget: f.ReferenceTarget, optLosses: f.OptimizedLosses, refLosses: f.ReferenceLosses, initialized: true}
	if err := m.restore(m, be, StageMAD, opts.Log, f.Image, f.State); err != nil {
		return nil, err
	}
	m.imageT = f.Image.tensor()
	ref, opt, err := m.metricsAt(f.State.Current.tensor())
	if err != nil {
		return nil, err
	}
	for _, c := range []struct {
		name      string
		now, then float64
	}{{"reference", ref, f.ReferenceAtCurrent}, {"optimized", opt, f.OptimizedAtCurrent}} {
		if math.Abs(c.now-c.then) > opts.Tolerance*math.Abs(c.then)+1e-9 {
			return nil, fmt.Errorf("the %s metric gives %g on the saved images, but %g when they were saved: %w", c.name, c.now, c.then, ErrMismatch)
		}
	}
	return m, nil
}

// LoadMADCompetition reads the MAD Competition synthesis saved at path; see
// ReadMADCompetition.
func LoadMADCompetition(path string, optimized, reference Metric, opts LoadOptions) (*MADCompetition, error) {
	m, err := loadFile(path, func(r io.Reader) (*MADCompetition, error) { return ReadMADCompetition(r, optimized, reference, opts) })
	if err != nil && !strings.HasPrefix(err.Error(), "synth: ") {
		err = fmt.Errorf("synth: LoadMADCompetition: %w", err)
	}
	return m, err
}

// ctfFile is the payload of a saved MetamerCTF: the metamer's, and the
// coarse-to-fine state.
type ctfFile struct {
	Metamer    metamerFile
	Mode       CoarseToFine
	Criterion  float64 // NaN for none
	CtfIters   int
	Scales     []string
	Finished   []string
	Timing     map[string][]int
	ScalesLoss []float64
}

// WriteTo writes the coarse-to-fine metamer synthesis to w (see Save).
func (m *MetamerCTF) WriteTo(w io.Writer) (n int64, err error) {
	defer catch(&err, "MetamerCTF.WriteTo")
	var buf bytes.Buffer
	if _, err := m.metamerBase.WriteTo(&buf); err != nil {
		return 0, err
	}
	var mf metamerFile
	if err := readFile(&buf, "Metamer", &mf); err != nil {
		return 0, err
	}
	m.mu.Lock()
	f := ctfFile{Metamer: mf, Mode: m.mode, Criterion: m.criterion, CtfIters: m.ctfIters,
		Scales: slices.Clone(m.scales), Finished: slices.Clone(m.finished), Timing: m.timing, ScalesLoss: slices.Clone(m.scalesLoss)}
	n, err = writeFile(w, "MetamerCTF", &f)
	m.mu.Unlock()
	return n, err
}

// Save writes the coarse-to-fine metamer synthesis to path, atomically (see
// Metamer.Save).
func (m *MetamerCTF) Save(path string) (err error) {
	defer catch(&err, "MetamerCTF.Save")
	return saveAtomic(path, m.WriteTo)
}

// ReadMetamerCTF reads a coarse-to-fine metamer synthesis written by
// WriteTo (or Save) and prepares it to resume with model; see ReadMetamer
// for the checks.
func ReadMetamerCTF(r io.Reader, model ScaledModel, opts LoadOptions) (m *MetamerCTF, err error) {
	defer catch(&err, "ReadMetamerCTF")
	var f ctfFile
	if err := readFile(r, "MetamerCTF", &f); err != nil {
		return nil, err
	}
	if model == nil {
		return nil, errors.New("model is nil")
	}
	var inner bytes.Buffer
	if _, err := writeFile(&inner, "Metamer", &f.Metamer); err != nil {
		return nil, err
	}
	base, err := ReadMetamer(&inner, model, opts)
	if err != nil {
		return nil, err
	}
	base.kind = StageMetamerCTF
	m = &MetamerCTF{metamerBase: base, scaled: model, mode: f.Mode, criterion: f.Criterion, ctfIters: f.CtfIters,
		scales: f.Scales, finished: f.Finished, timing: f.Timing, scalesLoss: f.ScalesLoss}
	if len(m.scales) == 0 || m.timing == nil {
		return nil, fmt.Errorf("no coarse-to-fine schedule in the file: %w", ErrCorrupt)
	}
	if m.opt != nil {
		m.opt.base().owner = m
	}
	return m, nil
}

// LoadMetamerCTF reads the coarse-to-fine metamer synthesis saved at path;
// see ReadMetamerCTF.
func LoadMetamerCTF(path string, model ScaledModel, opts LoadOptions) (*MetamerCTF, error) {
	m, err := loadFile(path, func(r io.Reader) (*MetamerCTF, error) { return ReadMetamerCTF(r, model, opts) })
	if err != nil && !strings.HasPrefix(err.Error(), "synth: ") {
		err = fmt.Errorf("synth: LoadMetamerCTF: %w", err)
	}
	return m, err
}
