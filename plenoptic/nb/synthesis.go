package nb

import (
	"fmt"
	"io"
	"os"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/display"
	"github.com/goplenoptic/goplenoptic/plenoptic/models"
	"github.com/goplenoptic/goplenoptic/plenoptic/store"
	"github.com/goplenoptic/goplenoptic/plenoptic/synth"
)

// Live returns a progress callback that shows a synthesis while it runs:
// under GoNB a small view (loss curve and current image, titled title)
// redrawn in place at most twice a second, elsewhere a terminal line. Use it
// as SynthesizeOptions.Progress (nb's syntheses use it by default). A view
// that cannot be drawn does not stop the synthesis: its error is printed
// once on stderr and the view stops redrawing.
func Live(title string) func(synth.Progress) {
	live := &display.Live{Title: title, Log: liveLog}
	failed := false
	return func(p synth.Progress) {
		if failed || !p.Done && !live.Due() {
			return
		}
		cur, err := p.Current()
		if err != nil {
			cur = nil // eigendistortion stages without an image: show the loss alone
		}
		if p.Done {
			err = live.Final(p.Losses, cur)
		} else {
			err = live.Update(p.Losses, cur)
		}
		if err != nil {
			failed = true
			fmt.Fprintf(liveWarn, "nb: warning: live view %q: %v; the synthesis goes on without it\n", title, err)
		}
	}
}

// Where Live writes outside GoNB (its terminal line) and its warnings;
// variables for tests.
var liveLog, liveWarn io.Writer = os.Stderr, os.Stderr

// The embedded types are named by aliases so that the embedded fields do
// not shadow the accessors of the same name (Metamer()).
type (
	storeMetamer = store.Metamer
	storeEigen   = store.Eigendistortion
)

// Metamer is a metamer synthesis for notebooks: it has every accessor of
// synth.Metamer, and its Synthesize goes through the result store and shows
// a live view. Pass it to the display functions as it is.
type Metamer struct {
	*storeMetamer
	// Title names the synthesis in its live view (default "Metamer").
	Title string
}

// NewMetamer prepares a metamer synthesis of image for model (see
// synth.NewMetamer); plenoptic's messages go to the cell's output unless
// opts.Log says otherwise.
func NewMetamer(image *tensors.Tensor, model models.Model, opts synth.MetamerOptions) *Metamer {
	if opts.Log == nil {
		opts.Log = Out
	}
	return &Metamer{storeMetamer: Must(Store().NewMetamer(image, model, opts)), Title: "Metamer"}
}

// Synthesize runs synth.Metamer.Synthesize through the store: it loads a
// stored result of the same inputs, resumes one when only MaxIter grew, or
// computes; it prints which, and shows a live view unless opts.Progress is
// set.
func (m *Metamer) Synthesize(opts synth.SynthesizeOptions) {
	if opts.Progress == nil {
		opts.Progress = Live(m.Title)
	}
	_ = Must(m.storeMetamer.Synthesize(opts))
}

// Eigendistortion is an eigendistortion analysis for notebooks: it has every
// accessor of synth.Eigendistortion, and its Synthesize goes through the
// result store.
type Eigendistortion struct {
	*storeEigen
}

// NewEigendistortion prepares the eigendistortion analysis of model at
// image (see synth.NewEigendistortion); plenoptic's messages go to the
// cell's output unless opts.Log says otherwise.
func NewEigendistortion(image *tensors.Tensor, model models.Model, opts synth.EigendistortionOptions) *Eigendistortion {
	if opts.Log == nil {
		opts.Log = Out
	}
	return &Eigendistortion{storeEigen: Must(Store().NewEigendistortion(image, model, opts))}
}

// Synthesize runs synth.Eigendistortion.Synthesize through the store (loaded
// when the same analysis was stored) and prints which. Unless opts asks for
// other progress reports, a power run prints a line every 250 iterations.
func (e *Eigendistortion) Synthesize(opts synth.EigenSynthesizeOptions) {
	if opts.Progress == nil && opts.ProgressEvery == 0 {
		opts.ProgressEvery = 250
	}
	_ = Must(e.storeEigen.Synthesize(opts))
}

var (
	_ display.MetamerView         = (*Metamer)(nil)
	_ display.EigendistortionView = (*Eigendistortion)(nil)
	_ display.MADView             = (*MADCompetition)(nil)
)

type storeMAD = store.MADCompetition

// MADCompetition is a MAD Competition synthesis for notebooks: it has every
// accessor of synth.MADCompetition, and its Synthesize goes through the
// result store and shows a live view.
type MADCompetition struct {
	*storeMAD
	// Title names the synthesis in its live view (default "MAD Competition").
	Title string
}

// NewMADCompetition prepares a MAD Competition synthesis (see
// synth.NewMADCompetition); plenoptic's messages go to the cell's output
// unless opts.Log says otherwise.
func NewMADCompetition(image *tensors.Tensor, optimized, reference synth.Metric, target synth.MADTarget, opts synth.MADOptions) *MADCompetition {
	if opts.Log == nil {
		opts.Log = Out
	}
	return &MADCompetition{storeMAD: Must(Store().NewMADCompetition(image, optimized, reference, target, opts)), Title: "MAD Competition"}
}

// Synthesize runs synth.MADCompetition.Synthesize through the store (loaded,
// resumed or computed, and says which), with a live view unless
// opts.Progress is set.
func (m *MADCompetition) Synthesize(opts synth.SynthesizeOptions) {
	if opts.Progress == nil {
		opts.Progress = Live(m.Title)
	}
	_ = Must(m.storeMAD.Synthesize(opts))
}

type storeCTF = store.MetamerCTF

// MetamerCTF is a coarse-to-fine metamer synthesis for notebooks: it has
// every accessor of synth.MetamerCTF, and its Synthesize goes through the
// result store and shows a live view.
type MetamerCTF struct {
	*storeCTF
	// Title names the synthesis in its live view (default "Metamer (coarse to fine)").
	Title string
}

// NewMetamerCTF prepares a coarse-to-fine metamer synthesis (see
// synth.NewMetamerCTF); plenoptic's messages go to the cell's output unless
// opts.Log says otherwise.
func NewMetamerCTF(image *tensors.Tensor, model synth.ScaledModel, opts synth.MetamerCTFOptions) *MetamerCTF {
	if opts.Log == nil {
		opts.Log = Out
	}
	return &MetamerCTF{storeCTF: Must(Store().NewMetamerCTF(image, model, opts)), Title: "Metamer (coarse to fine)"}
}

// Synthesize runs synth.MetamerCTF.Synthesize through the store (loaded,
// resumed or computed, and says which), with a live view unless
// opts.Progress is set.
func (m *MetamerCTF) Synthesize(opts synth.SynthesizeOptions) {
	if opts.Progress == nil {
		opts.Progress = Live(m.Title)
	}
	_ = Must(m.storeCTF.Synthesize(opts))
}
