package synth

import (
	"bufio"
	"encoding/gob"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/models"
	"github.com/goplenoptic/goplenoptic/plenoptic/tools"
)

func init() {
	gob.Register(&ReduceLROnPlateau{})
}

// fileVersion is the version of the files Save writes.
const fileVersion = 1

// metamerFile is what Metamer.Save writes with encoding/gob: everything
// needed to resume, the optimizer's state and the scheduler's included.
type metamerFile struct {
	Format, Version int
	Kind            string
	Image, Target   hostTensor
	Initial         hostTensor
	Current         hostTensor
	Saved           []hostTensor
	Losses          []float64
	GradientNorm    []float64
	PixelChangeNorm []float64
	StoreProgress   int
	StoreSet        bool
	Lambda, Lo, Hi  float64
	CustomLoss      bool
	Objective       float64
	Optimizer       *optSettings
	Scheduler       Scheduler
}

// LoadOptions configures LoadMetamer and LoadEigendistortion.
type LoadOptions struct {
	// Backend to compute on (default: backend.Default()).
	Backend backends.Backend
	// LossFunction must be given when the metamer was made with a custom
	// loss function (functions cannot be saved); it is checked by
	// re-evaluating the saved objective.
	LossFunction LossFunc
	// Image, when given, must equal the saved image.
	Image *tensors.Tensor
	// Tolerance is the relative tolerance of the model and loss checks
	// (default 1e-3).
	Tolerance float64
}

// Save writes the metamer synthesis to path (encoding/gob): images, target,
// records, saved metamers, settings, and the optimizer and scheduler with
// their state, so that LoadMetamer followed by Synthesize continues exactly
// as an uninterrupted run. The model and a custom loss function are not
// saved: LoadMetamer takes them again and checks them.
func (m *Metamer) Save(path string) (err error) {
	defer catch(&err, "Metamer.Save")
	cur, err := newHost(m.x)
	if err != nil {
		return err
	}
	obj, err := m.Objective()
	if err != nil {
		return err
	}
	saved := make([]hostTensor, len(m.saved))
	for i, t := range m.saved {
		if saved[i], err = newHost(t); err != nil {
			return err
		}
	}
	f := metamerFile{
		Format: fileVersion, Version: fileVersion, Kind: "Metamer",
		Image: m.image, Target: m.target, Initial: m.initial, Current: cur, Saved: saved,
		Losses: m.losses, GradientNorm: m.gradNorm, PixelChangeNorm: m.pixNorm,
		StoreProgress: m.store, StoreSet: m.storeSet,
		Lambda: m.lambda, Lo: m.lo, Hi: m.hi, CustomLoss: m.custom, Objective: obj,
		Scheduler: m.sched,
	}
	if m.opt != nil {
		st, err := saveOptimizer(m.opt)
		if err != nil {
			return err
		}
		f.Optimizer = &st
	}
	return writeGob(path, &f)
}

// LoadMetamer reads a metamer synthesis written by Save and prepares it to
// resume with model. It refuses a model whose output on the saved image
// differs from the saved target representation, an image (LoadOptions.Image)
// that differs from the saved one, and a missing or different custom loss
// function.
func LoadMetamer(path string, model models.Model, opts ...LoadOptions) (m *Metamer, err error) {
	defer catch(&err, "LoadMetamer")
	var f metamerFile
	o, be, err := readSaved(path, model, opts, &f, func() savedHeader { return savedHeader{f.Kind, f.Version, f.Image} }, "a Metamer")
	if err != nil {
		return nil, err
	}
	if f.CustomLoss && o.LossFunction == nil {
		return nil, errors.New("the metamer was saved with a custom loss function: pass it as LoadOptions.LossFunction")
	}
	if !f.CustomLoss && o.LossFunction != nil {
		return nil, errors.New("the metamer was saved with the default MSE loss, but a LossFunction was given")
	}
	m = &Metamer{
		be: be, model: model, lossFn: o.LossFunction, custom: f.CustomLoss,
		lambda: f.Lambda, lo: f.Lo, hi: f.Hi,
		image: f.Image, target: f.Target, repDims: f.Target.Dims, initial: f.Initial,
		losses: f.Losses, gradNorm: f.GradientNorm, pixNorm: f.PixelChangeNorm,
		store: f.StoreProgress, storeSet: f.StoreSet, sched: f.Scheduler, out: os.Stderr,
	}
	if m.lossFn == nil {
		m.lossFn = tools.MSE
	}
	for _, h := range f.Saved {
		m.saved = append(m.saved, h.tensor())
	}
	rep, err := m.representation(f.Image)
	if err != nil {
		return nil, err
	}
	if err := closeTo("model output on the saved image", rep, f.Target, o.Tolerance); err != nil {
		return nil, fmt.Errorf("the model does not match the saved metamer's: %w", err)
	}
	m.x = f.Current.tensor()
	m.targetT = f.Target.tensor()
	if f.Optimizer != nil {
		if m.opt, err = restoreOptimizer(*f.Optimizer); err != nil {
			return nil, err
		}
		if err := bind(m.opt, m); err != nil {
			return nil, err
		}
	}
	obj, err := m.Objective()
	if err != nil {
		return nil, err
	}
	if math.Abs(obj-f.Objective) > o.Tolerance*math.Abs(f.Objective)+1e-12 {
		return nil, fmt.Errorf("the objective of the saved metamer is %g now but was %g when saved: the loss function or model differs", obj, f.Objective)
	}
	return m, nil
}

// sameImage checks that t equals the saved image h (same shape, same values
// at the saved precision).
func sameImage(t *tensors.Tensor, h hostTensor) error {
	g, err := newHost(t)
	if err != nil {
		return err
	}
	if !slices.Equal(g.Dims, h.Dims) {
		return fmt.Errorf("image shape %v differs from the saved image's %v", g.Dims, h.Dims)
	}
	for i, v := range g.Data {
		w := h.Data[i]
		if h.DType == "float32" {
			v, w = float64(float32(v)), float64(float32(w))
		}
		if v != w {
			return fmt.Errorf("image differs from the saved image (first at flat index %d: %g vs %g)", i, v, w)
		}
	}
	return nil
}

// closeTo checks |a − b| ≤ tol·max|b| + 1e-7 elementwise, with equal shapes.
func closeTo(what string, a, b hostTensor, tol float64) error {
	if !slices.Equal(a.Dims, b.Dims) {
		return fmt.Errorf("%s has shape %v, saved %v", what, a.Dims, b.Dims)
	}
	scale := 0.0
	for _, v := range b.Data {
		scale = math.Max(scale, math.Abs(v))
	}
	for i, v := range a.Data {
		if d := math.Abs(v - b.Data[i]); d > tol*scale+1e-7 || math.IsNaN(d) {
			return fmt.Errorf("%s differs from the saved values (flat index %d: %g vs %g)", what, i, v, b.Data[i])
		}
	}
	return nil
}

// savedHeader is what every saved file holds besides its own results.
type savedHeader struct {
	Kind    string
	Version int
	Image   hostTensor
}

// readSaved applies LoadOptions' defaults, checks the model, reads the gob
// file at path into f, checks that header() reports the wanted kind ("a
// Metamer" → Kind "Metamer") and a version this code can read, compares the
// saved image with LoadOptions.Image when given, and picks the backend.
func readSaved(path string, model models.Model, opts []LoadOptions, f any, header func() savedHeader, want string) (LoadOptions, backends.Backend, error) {
	var o LoadOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.Tolerance == 0 {
		o.Tolerance = 1e-3
	}
	if model == nil {
		return o, nil, errors.New("model is nil")
	}
	if err := readGob(path, f); err != nil {
		return o, nil, err
	}
	h := header()
	if _, name, _ := strings.Cut(want, " "); h.Kind != name {
		return o, nil, fmt.Errorf("%s holds a %q, not %s", path, h.Kind, want)
	}
	if h.Version > fileVersion {
		return o, nil, fmt.Errorf("%s was written by a newer version (file version %d > %d)", path, h.Version, fileVersion)
	}
	if o.Image != nil {
		if err := sameImage(o.Image, h.Image); err != nil {
			return o, nil, err
		}
	}
	be, err := pickBackend(o.Backend)
	return o, be, err
}

func writeGob(path string, v any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := gob.NewEncoder(w).Encode(v); err != nil {
		f.Close()
		return fmt.Errorf("encoding %s: %w (a custom Scheduler must be registered with gob.Register)", path, err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func readGob(path string, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := gob.NewDecoder(bufio.NewReader(f)).Decode(v); err != nil {
		return fmt.Errorf("decoding %s: %w", path, err)
	}
	return nil
}

// eigenFile is what Eigendistortion.Save writes with encoding/gob.
type eigenFile struct {
	Version          int
	Kind             string
	Image            hostTensor
	Representation   hostTensor
	Method           string
	Eigendistortions hostTensor
	Eigenvalues      []float64
	Eigenindex       []int
	Jacobian         *hostTensor
	Iterations       [2]int
}

// Save writes the eigendistortion results to path (encoding/gob): the image,
// the model's representation of it (to check the model on load), the
// eigendistortions, eigenvalues, eigenindex and, for "exact", the Jacobian.
func (e *Eigendistortion) Save(path string) (err error) {
	defer catch(&err, "Eigendistortion.Save")
	return writeGob(path, &eigenFile{
		Version: fileVersion, Kind: "Eigendistortion", Image: e.image, Representation: e.rep,
		Method: e.method, Eigendistortions: e.dists, Eigenvalues: e.values, Eigenindex: e.index,
		Jacobian: e.jacobian, Iterations: e.iterations,
	})
}

// LoadEigendistortion reads results written by Eigendistortion.Save for
// model, refusing a model whose output on the saved image differs from the
// saved representation, or an image (LoadOptions.Image) that differs from
// the saved one. Nothing is printed.
func LoadEigendistortion(path string, model models.Model, opts ...LoadOptions) (e *Eigendistortion, err error) {
	defer catch(&err, "LoadEigendistortion")
	var f eigenFile
	o, be, err := readSaved(path, model, opts, &f, func() savedHeader { return savedHeader{f.Kind, f.Version, f.Image} }, "an Eigendistortion")
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
	e = &Eigendistortion{
		be: be, model: model, image: f.Image, rep: f.Representation, n: f.Image.size(), m: f.Representation.size(),
		out: os.Stdout, warn: os.Stderr, x: f.Image.tensor(), method: f.Method, dists: f.Eigendistortions,
		values: f.Eigenvalues, index: f.Eigenindex, jacobian: f.Jacobian, iterations: f.Iterations,
	}
	return e, nil
}
