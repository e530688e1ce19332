package store

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/backend"
	"github.com/goplenoptic/goplenoptic/plenoptic/models"
	"github.com/goplenoptic/goplenoptic/plenoptic/synth"
)

// optimizing is what the store needs from an optimisation synthesis
// (*synth.Metamer and the other methods on synth.OptimizedSynthesis).
type optimizing interface {
	Synthesize(synth.SynthesizeOptions) error
	Save(path string) error
	Losses() []float64
	Converged() bool
	Optimizer() synth.Optimizer
	Scheduler() synth.Scheduler
}

// chain runs one Synthesize call of an optimisation synthesis through the
// store. state is the key of the synthesis' current state (its inputs, and
// the calls that brought it there); read loads a stored entry. It returns
// the synthesis after the call (cur itself, or a loaded one), the key of
// its new state, and what was done.
func chain[T optimizing](s *Store, what string, state [32]byte, cur T, opts synth.SynthesizeOptions, read func(io.Reader) (T, error)) (T, [32]byte, Outcome, error) {
	o, err := opts.WithDefaults()
	if err != nil {
		return cur, state, "", err
	}
	k := newKey("call")
	k.raw('k', state[:])
	k.int(o.StoreProgress)
	k.float(o.StopCriterion)
	k.int(o.StopItersToCheck)
	switch {
	case o.Optimizer != nil:
		k.str("optimizer " + reflect.TypeOf(o.Optimizer).String() + " " + o.Optimizer.String())
	case cur.Optimizer() != nil:
		k.str("current optimizer " + cur.Optimizer().String())
	default:
		k.str("default optimizer")
	}
	switch {
	case o.Scheduler != nil:
		k.str("scheduler")
		k.gob(o.Scheduler)
	case cur.Scheduler() != nil:
		k.str("current scheduler")
		k.gob(cur.Scheduler())
	default:
		k.str("no scheduler")
	}
	call, err := k.sum()
	if err != nil {
		return cur, state, "", err
	}
	before := len(cur.Losses())
	e, outcome := plan(s.entries(call), o.MaxIter)
	result := cur
	if outcome != Computed {
		loaded, err := readEntry(s, e.name, read)
		if err != nil {
			fmt.Fprintf(s.log, "store: warning: %s %s: stored entry %s does not load (%v); computing afresh\n", what, short(call), e.name, err)
			os.Remove(filepath.Join(s.dir, e.name))
			outcome = Computed
		} else {
			result = loaded
		}
	}
	switch outcome {
	case Computed:
		err = cur.Synthesize(opts)
	case Resumed:
		rest := opts
		rest.MaxIter = o.MaxIter - e.done
		rest.Optimizer, rest.Scheduler = nil, nil // restored with their state
		err = result.Synthesize(rest)
	}
	done := len(result.Losses()) - before
	if err != nil {
		k := newKey("failed")
		k.raw('k', call[:])
		k.int(done)
		next, _ := k.sum()
		return result, next, outcome, err
	}
	converged := result.Converged()
	if outcome != Loaded {
		s.save(entryName(call, done, converged), what+" "+short(call), result.Save)
	}
	k = newKey("state")
	k.raw('k', call[:])
	k.int(done)
	if converged {
		k.int(1)
	} else {
		k.int(0)
	}
	next, _ := k.sum()
	total := len(result.Losses())
	switch outcome {
	case Loaded:
		note := ""
		if converged {
			note = ", converged"
		}
		s.say("%s %s: loaded (%d iterations%s)", what, short(call), total, note)
	case Resumed:
		s.say("%s %s: resumed from iteration %d to %d", what, short(call), before+e.done, total)
	default:
		s.say("%s %s: computed (%d iterations)", what, short(call), total)
	}
	return result, next, outcome, nil
}

// readEntry opens and reads a stored entry of s.
func readEntry[T any](s *Store, name string, read func(io.Reader) (T, error)) (T, error) {
	f, err := s.open(name)
	if err != nil {
		var zero T
		return zero, err
	}
	defer f.Close()
	return read(f)
}

// gob writes the gob encoding of v (schedulers: their settings and state).
func (k *keyWriter) gob(v any) {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(&v); err != nil {
		k.str(fmt.Sprintf("%T %+v", v, v))
		return
	}
	k.raw('g', b.Bytes())
}

// backendName describes the backend b (nil: the default one).
func backendName(b backends.Backend) (string, error) {
	if b != nil {
		return b.Name() + " " + b.Description(), nil
	}
	info, err := backend.Describe()
	if err != nil {
		return "", err
	}
	return info.Name, nil
}

// lossKey writes a custom loss function: its name and its values on two
// pairs of representations (which catch a changed closure).
func (k *keyWriter) loss(be backends.Backend, loss synth.LossFunc, rep, target *tensors.Tensor) {
	k.funcName(reflect.ValueOf(loss))
	if be == nil {
		var err error
		if be, err = backend.Default(); err != nil {
			k.err = err
			return
		}
	}
	defer func() {
		if r := recover(); r != nil && k.err == nil {
			k.err = fmt.Errorf("store: evaluating the loss function for its fingerprint: %v", r)
		}
	}()
	for _, pair := range [][2]*tensors.Tensor{{rep, target}, {target, rep}} {
		out, err := graph.ExecOnce(be, func(a, b *graph.Node) *graph.Node { return loss(a, b) }, pair[0], pair[1])
		if err != nil {
			k.err = err
			return
		}
		k.tensor(out)
	}
}

// synthMetamer and synthEigen name the embedded types so that the embedded
// fields do not take the names of their accessors (Metamer(),
// Eigendistortions()), which an embedded *synth.Metamer would shadow.
type (
	synthMetamer = synth.Metamer
	synthEigen   = synth.Eigendistortion
)

// Metamer is a metamer synthesis (it has every method of *synth.Metamer)
// whose Synthesize calls go through the store.
type Metamer struct {
	*synthMetamer
	st    *Store
	state [32]byte
	model models.Model
	load  synth.LoadOptions
}

// NewMetamer prepares a metamer synthesis as synth.NewMetamer does, keyed
// by the content of its inputs: the model, the image, the initial image as
// constructed (a default noise image is keyed by its pixels), the range
// penalty, a custom loss function and the backend.
func (s *Store) NewMetamer(image *tensors.Tensor, model models.Model, opts synth.MetamerOptions) (*Metamer, error) {
	m, err := synth.NewMetamer(image, model, opts)
	if err != nil {
		return nil, err
	}
	state, err := metamerKey("Metamer", m, image, model, opts)
	if err != nil {
		return nil, err
	}
	return &Metamer{synthMetamer: m, st: s, state: state, model: model,
		load: synth.LoadOptions{Backend: opts.Backend, LossFunction: opts.LossFunction, Log: opts.Log}}, nil
}

// metamerInputs is what a metamer's key reads from the constructed
// synthesis.
type metamerInputs interface {
	InitialImage() *tensors.Tensor
	TargetRepresentation() *tensors.Tensor
	RangePenaltyLambda() float64
	AllowedRange() [2]float64
}

// metamerKey keys a metamer by the content of its inputs.
func metamerKey(kind string, m metamerInputs, image *tensors.Tensor, model models.Model, opts synth.MetamerOptions) ([32]byte, error) {
	name, err := backendName(opts.Backend)
	if err != nil {
		return [32]byte{}, err
	}
	k := newKey(kind)
	k.str(name)
	k.model(model, image)
	k.tensor(image)
	k.tensor(m.InitialImage())
	k.float(m.RangePenaltyLambda())
	r := m.AllowedRange()
	k.float(r[0])
	k.float(r[1])
	if opts.LossFunction != nil {
		if probeRep, err := models.Eval(model, probe(image)); err != nil {
			k.err = err
		} else {
			k.loss(opts.Backend, opts.LossFunction, probeRep, m.TargetRepresentation())
		}
	} else {
		k.str("mse")
	}
	return k.sum()
}

// Synthesize runs (or loads, or resumes) synth.Metamer.Synthesize with opts
// and says which on the store's log.
func (m *Metamer) Synthesize(opts synth.SynthesizeOptions) (Outcome, error) {
	read := func(r io.Reader) (*synth.Metamer, error) { return synth.ReadMetamer(r, m.model, m.load) }
	result, next, outcome, err := chain(m.st, "metamer", m.state, m.synthMetamer, opts, read)
	m.synthMetamer, m.state = result, next
	return outcome, err
}

// Synthesis returns the synthesis in its current state.
func (m *Metamer) Synthesis() *synth.Metamer { return m.synthMetamer }

// Eigendistortion is an eigendistortion analysis (it has every method of
// *synth.Eigendistortion) whose Synthesize goes through the store.
type Eigendistortion struct {
	*synthEigen
	st    *Store
	base  [32]byte
	model models.Model
	log   *heldLog
	load  synth.LoadOptions
}

// NewEigendistortion prepares an eigendistortion analysis as
// synth.NewEigendistortion does, keyed by the model, the image and the
// backend.
func (s *Store) NewEigendistortion(image *tensors.Tensor, model models.Model, opts synth.EigendistortionOptions) (*Eigendistortion, error) {
	// plenoptic prints "Initializing Eigendistortion…" when the analysis is
	// made; the store writes it only when it computes (a loaded result was
	// initialized when it was computed).
	log := &heldLog{w: opts.Log}
	if log.w == nil {
		log.w = os.Stderr
	}
	opts.Log = log
	e, err := synth.NewEigendistortion(image, model, opts)
	if err != nil {
		log.release()
		return nil, err
	}
	name, err := backendName(opts.Backend)
	if err != nil {
		return nil, err
	}
	k := newKey("Eigendistortion")
	k.str(name)
	k.model(model, image)
	k.tensor(image)
	base, err := k.sum()
	if err != nil {
		return nil, err
	}
	return &Eigendistortion{synthEigen: e, st: s, base: base, model: model, log: log,
		load: synth.LoadOptions{Backend: opts.Backend, Log: log.w}}, nil
}

// heldLog holds what is written to it until release (then writes through),
// or drops it on discard.
type heldLog struct {
	w       io.Writer
	held    bytes.Buffer
	through bool
}

func (h *heldLog) Write(p []byte) (int, error) {
	if h.through {
		return h.w.Write(p)
	}
	return h.held.Write(p)
}

// release writes what was held and lets later writes through.
func (h *heldLog) release() {
	if !h.through {
		h.through = true
		h.w.Write(h.held.Bytes())
		h.held.Reset()
	}
}

// discard drops what was held.
func (h *heldLog) discard() { h.held.Reset() }

// Synthesize runs (or loads) synth.Eigendistortion.Synthesize with opts and
// says which on the store's log. With Seed 0 and no initial vectors, the
// random starting vectors come from a generator seeded by the content key
// rather than from the package's random streams, so that loading and
// computing leave those streams alike and the result is a function of the
// inputs alone.
func (e *Eigendistortion) Synthesize(opts synth.EigenSynthesizeOptions) (Outcome, error) {
	o, err := opts.WithDefaults()
	if err != nil {
		return "", err
	}
	k := newKey("eigen call")
	k.raw('k', e.base[:])
	k.str(string(o.Method))
	for _, v := range []int{o.K, o.MaxIter, o.P, o.Q} {
		k.int(v)
	}
	k.float(o.StopCriterion)
	if o.Method == synth.Lanczos {
		k.float(o.Tolerance)
	}
	k.int(int(o.Seed))
	for _, v := range [][]float64{o.InitialTop, o.InitialBottom, o.InitialP} {
		k.floats(v)
	}
	key, err := k.sum()
	if err != nil {
		return "", err
	}
	if o.Seed == 0 && o.InitialTop == nil && o.InitialBottom == nil && o.InitialP == nil {
		for _, b := range key[:8] {
			o.Seed = o.Seed<<8 | uint64(b)
		}
		o.Seed |= 1
	}
	name := entryName(key, 0, true)
	read := func(r io.Reader) (*synth.Eigendistortion, error) {
		return synth.ReadEigendistortion(r, e.model, e.load)
	}
	if _, err := os.Stat(filepath.Join(e.st.dir, name)); err == nil {
		loaded, err := readEntry(e.st, name, read)
		if err == nil {
			e.synthEigen = loaded
			e.log.discard()
			e.st.say("eigendistortion %s: loaded (%s)", short(key), describeEigen(loaded))
			return Loaded, nil
		}
		fmt.Fprintf(e.st.log, "store: warning: eigendistortion %s: stored entry does not load (%v); computing afresh\n", short(key), err)
		os.Remove(filepath.Join(e.st.dir, name))
	}
	e.log.release()
	if err := e.synthEigen.Synthesize(o); err != nil {
		return Computed, err
	}
	e.st.save(name, "eigendistortion "+short(key), e.synthEigen.Save)
	e.st.say("eigendistortion %s: computed (%s)", short(key), describeEigen(e.synthEigen))
	return Computed, nil
}

// Synthesis returns the analysis in its current state.
func (e *Eigendistortion) Synthesis() *synth.Eigendistortion { return e.synthEigen }

// describeEigen summarises results for the outcome line.
func describeEigen(e *synth.Eigendistortion) string {
	vals := e.Eigenvalues()
	s := fmt.Sprintf("%s, %d eigendistortions", e.Method(), len(vals))
	switch e.Method() {
	case synth.Power:
		it := e.Iterations()
		s += fmt.Sprintf(", %d + %d iterations", it[0], it[1])
	case synth.Lanczos:
		s += fmt.Sprintf(", %d Lanczos steps", e.Iterations()[0])
	}
	return s
}

type synthMAD = synth.MADCompetition

// MADCompetition is a MAD Competition synthesis (it has every method of
// *synth.MADCompetition) whose Synthesize calls go through the store.
type MADCompetition struct {
	*synthMAD
	st                   *Store
	state                [32]byte
	optimized, reference synth.Metric
	load                 synth.LoadOptions
}

// NewMADCompetition prepares a MAD Competition synthesis as
// synth.NewMADCompetition does, keyed by the image, the initial image as
// constructed, both metrics (by name and by their values between the image
// and the initial image), the target, the weights, the range and the backend.
func (s *Store) NewMADCompetition(image *tensors.Tensor, optimized, reference synth.Metric, target synth.MADTarget, opts synth.MADOptions) (*MADCompetition, error) {
	m, err := synth.NewMADCompetition(image, optimized, reference, target, opts)
	if err != nil {
		return nil, err
	}
	name, err := backendName(opts.Backend)
	if err != nil {
		return nil, err
	}
	k := newKey("MADCompetition")
	k.str(name)
	k.tensor(image)
	k.tensor(m.InitialImage())
	k.str(string(target))
	k.float(m.MetricTradeoffLambda())
	k.float(m.RangePenaltyLambda())
	r := m.AllowedRange()
	k.float(r[0])
	k.float(r[1])
	// Each metric by its name and its value between the image and the
	// initial image, which NewMADCompetition has computed (evaluating the
	// metrics again on probe images would compile two more graphs each).
	for i, metric := range []synth.Metric{optimized, reference} {
		k.funcName(reflect.ValueOf(metric))
		k.float([]float64{m.OptimizedMetricLoss()[0], m.ReferenceMetricLoss()[0]}[i])
	}
	state, err := k.sum()
	if err != nil {
		return nil, err
	}
	return &MADCompetition{synthMAD: m, st: s, state: state, optimized: optimized, reference: reference,
		load: synth.LoadOptions{Backend: opts.Backend, Log: opts.Log}}, nil
}

// Synthesize runs (or loads, or resumes) synth.MADCompetition.Synthesize
// with opts and says which on the store's log.
func (m *MADCompetition) Synthesize(opts synth.SynthesizeOptions) (Outcome, error) {
	read := func(r io.Reader) (*synth.MADCompetition, error) {
		return synth.ReadMADCompetition(r, m.optimized, m.reference, m.load)
	}
	result, next, outcome, err := chain(m.st, "MAD", m.state, m.synthMAD, opts, read)
	m.synthMAD, m.state = result, next
	return outcome, err
}

// Synthesis returns the synthesis in its current state.
func (m *MADCompetition) Synthesis() *synth.MADCompetition { return m.synthMAD }

type synthCTF = synth.MetamerCTF

// MetamerCTF is a coarse-to-fine metamer synthesis (it has every method of
// *synth.MetamerCTF) whose Synthesize calls go through the store.
type MetamerCTF struct {
	*synthCTF
	st    *Store
	state [32]byte
	model synth.ScaledModel
	load  synth.LoadOptions
}

// NewMetamerCTF prepares a coarse-to-fine metamer synthesis as
// synth.NewMetamerCTF does, keyed as NewMetamer keys a metamer, with the
// schedule and its rules.
func (s *Store) NewMetamerCTF(image *tensors.Tensor, model synth.ScaledModel, opts synth.MetamerCTFOptions) (*MetamerCTF, error) {
	m, err := synth.NewMetamerCTF(image, model, opts)
	if err != nil {
		return nil, err
	}
	base, err := metamerKey("MetamerCTF", m, image, model, opts.MetamerOptions)
	if err != nil {
		return nil, err
	}
	k := newKey("MetamerCTF schedule")
	k.raw('k', base[:])
	k.str(string(m.CoarseToFine()))
	k.float(opts.ChangeScaleCriterion)
	if opts.NoChangeScaleCriterion {
		k.str("no change-scale criterion")
	}
	k.int(opts.CtfItersToCheck)
	k.str(fmt.Sprint(model.Scales()))
	state, err := k.sum()
	if err != nil {
		return nil, err
	}
	return &MetamerCTF{synthCTF: m, st: s, state: state, model: model,
		load: synth.LoadOptions{Backend: opts.Backend, LossFunction: opts.LossFunction, Log: opts.Log}}, nil
}

// Synthesize runs (or loads, or resumes) synth.MetamerCTF.Synthesize with
// opts and says which on the store's log.
func (m *MetamerCTF) Synthesize(opts synth.SynthesizeOptions) (Outcome, error) {
	read := func(r io.Reader) (*synth.MetamerCTF, error) { return synth.ReadMetamerCTF(r, m.model, m.load) }
	result, next, outcome, err := chain(m.st, "metamer (coarse to fine)", m.state, m.synthCTF, opts, read)
	m.synthCTF, m.state = result, next
	return outcome, err
}

// Synthesis returns the synthesis in its current state.
func (m *MetamerCTF) Synthesis() *synth.MetamerCTF { return m.synthCTF }
