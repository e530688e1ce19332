package synth

import (
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// Stage names what a progress report is about.
type Stage string

// The stages of the synthesis methods.
const (
	StageMetamer    Stage = "Metamer"    // a metamer synthesis
	StageMetamerCTF Stage = "MetamerCTF" // a coarse-to-fine metamer synthesis
	StageMAD        Stage = "MAD"        // a MAD competition synthesis
	StageTop        Stage = "Top"        // the power-method run for the largest eigenvalues
	StageBottom     Stage = "Bottom"     // the power-method run for the smallest eigenvalues
	StageLanczos    Stage = "Lanczos"    // the Lanczos eigensolver
)

// isEigen reports whether s is an eigendistortion stage.
func (s Stage) isEigen() bool { return s == StageTop || s == StageBottom || s == StageLanczos }

// Progress is one report of a running synthesis, passed to a progress
// callback (SynthesizeOptions.Progress, EigenSynthesizeOptions.Progress).
type Progress struct {
	// Stage says which synthesis (or which run of an eigendistortion) reports.
	Stage Stage
	// Iteration counts the iterations of this call done so far (1-based);
	// MaxIter is this call's limit.
	Iteration, MaxIter int
	// TotalIterations counts all iterations of the synthesis, earlier
	// Synthesize calls included (len(Losses())).
	TotalIterations int
	// Metamer statistics of the iteration just done: the loss and the
	// gradient norm before the step, the learning rate after it (a scheduler
	// may have changed it) and the norm of the pixel change.
	Loss, LearningRate, GradientNorm, PixelChangeNorm float64
	// Losses holds the loss of every iteration so far, earlier calls
	// included (a view shared with the synthesis, valid during the callback:
	// do not modify it; copy it to keep it).
	Losses []float64
	// Eigendistortion statistics: the current eigenvalue estimate (the first
	// one when k > 1) and its change in the last iteration (for Lanczos, the
	// largest residual norm of the wanted eigenpairs).
	Eigenvalue, Delta float64
	// K is the number of eigendistortions of a power run.
	K int
	// Elapsed is the time since this call started.
	Elapsed time.Duration
	// Done is set on the last report of a call (converged, failed or
	// finished); the iteration fields then repeat the last iteration's.
	Done bool

	current func() (*tensors.Tensor, error)
}

// Current returns the image being synthesized (the metamer after this
// iteration's step, or the current eigenvector estimate as an image), copied
// to the host. It costs a device-to-host copy, so call it only when needed,
// and only during the callback (the device buffer is reused by the next
// step).
func (p Progress) Current() (*tensors.Tensor, error) {
	if p.current == nil {
		return nil, fmt.Errorf("no image available in this progress report")
	}
	return p.current()
}

// ProgressMode says when the built-in terminal progress bar is drawn.
type ProgressMode int

const (
	// ProgressAuto draws the bar on standard error when no callback is given
	// and standard error is a terminal.
	ProgressAuto ProgressMode = iota
	// ProgressBarOn always draws the bar on standard error (in addition to a
	// callback, if any).
	ProgressBarOn
	// ProgressBarOff never draws the bar.
	ProgressBarOff
)

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressSink combines the user's callback and the optional bar.
func progressSink(cb func(Progress), mode ProgressMode) func(Progress) {
	var bar func(Progress)
	if mode == ProgressBarOn || (mode == ProgressAuto && cb == nil && isTerminal(os.Stderr)) {
		bar = NewProgressBar(os.Stderr)
	}
	switch {
	case bar == nil:
		return cb
	case cb == nil:
		return bar
	}
	return func(p Progress) { cb(p); bar(p) }
}

// NewProgressBar returns a progress callback that draws a tqdm-style bar on
// one line of w, rewritten with '\r', e.g.
//
//	37%|███▋      | 37/100 [00:01<00:02, 30.12it/s, loss=1.2345e-02, learning_rate=0.01, gradient_norm=2.3384e-03, pixel_change_norm=2.5508e+00]
//
// (for eigendistortions the line starts with "Top k=1 eigendists: " and the
// postfix is the eigenvalue change, "delta_eigenval=1.23E-05", as plenoptic
// shows). Redraws are limited to ten per second; the final report
// ends the line.
func NewProgressBar(w io.Writer) func(Progress) {
	var last time.Time
	return func(p Progress) {
		now := time.Now()
		if !p.Done && p.Iteration != 1 && p.Iteration != p.MaxIter && now.Sub(last) < 100*time.Millisecond {
			return
		}
		last = now
		line := formatBar(p)
		if p.Done {
			fmt.Fprintf(w, "\r%s\n", line)
		} else {
			fmt.Fprintf(w, "\r%s", line)
		}
	}
}

// formatBar renders one tqdm line.
func formatBar(p Progress) string {
	var b strings.Builder
	if p.Stage.isEigen() {
		fmt.Fprintf(&b, "%s k=%d eigendists: ", p.Stage, p.K)
	}
	frac := 0.0
	if p.MaxIter > 0 {
		frac = float64(p.Iteration) / float64(p.MaxIter)
	}
	fmt.Fprintf(&b, "%3.0f%%|%s| %d/%d", 100*frac, barCells(frac, 10), p.Iteration, p.MaxIter)
	el := p.Elapsed.Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(p.Iteration) / el
	}
	remaining := "?"
	if rate > 0 {
		remaining = fmtInterval((float64(p.MaxIter - p.Iteration)) / rate)
	}
	fmt.Fprintf(&b, " [%s<%s, ", fmtInterval(el), remaining)
	if rate >= 1 || rate == 0 {
		fmt.Fprintf(&b, "%.2fit/s", rate)
	} else {
		fmt.Fprintf(&b, "%.2fs/it", 1/rate)
	}
	if p.Stage.isEigen() {
		fmt.Fprintf(&b, ", delta_eigenval=%s]", pyE(p.Delta, 2, true))
	} else {
		fmt.Fprintf(&b, ", loss=%s, learning_rate=%s, gradient_norm=%s, pixel_change_norm=%s]",
			pyE(p.Loss, 4, false), tqdmNum(p.LearningRate), pyE(p.GradientNorm, 4, false), pyE(p.PixelChangeNorm, 4, false))
	}
	return b.String()
}

// barCells draws a bar of width cells with eighth-block resolution.
func barCells(frac float64, width int) string {
	frac = math.Max(0, math.Min(1, frac))
	eighths := int(frac * float64(width) * 8)
	full, part := eighths/8, eighths%8
	s := strings.Repeat("█", full)
	if full < width {
		if part > 0 {
			s += string([]rune(" ▏▎▍▌▋▊▉")[part])
		} else {
			s += " "
		}
		s += strings.Repeat(" ", width-full-1)
	}
	return s
}

// fmtInterval formats seconds as tqdm does: mm:ss or h:mm:ss.
func fmtInterval(sec float64) string {
	if math.IsInf(sec, 0) || math.IsNaN(sec) {
		return "?"
	}
	s := int(sec)
	h, m := s/3600, (s/60)%60
	s %= 60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%02d:%02d", m, s)
}

// pyE formats like Python's "{:.{prec}e}" (or "E"): at least two exponent
// digits, as Go does.
func pyE(v float64, prec int, upper bool) string {
	verb := byte('e')
	if upper {
		verb = 'E'
	}
	switch {
	case math.IsNaN(v):
		if upper {
			return "NAN"
		}
		return "nan"
	case math.IsInf(v, 1):
		if upper {
			return "INF"
		}
		return "inf"
	case math.IsInf(v, -1):
		if upper {
			return "-INF"
		}
		return "-inf"
	}
	return strconv.FormatFloat(v, verb, prec, 64)
}

// tqdmNum is tqdm's format_num: "{:.3g}" unless str(n) is shorter.
func tqdmNum(v float64) string {
	g := strconv.FormatFloat(v, 'g', 3, 64)
	// Python writes exponents with at least two digits and no '+0' padding
	// removal issues: tqdm strips "+0" and "-0" from the exponent.
	g = strings.ReplaceAll(strings.ReplaceAll(g, "e+0", "e+"), "e-0", "e-")
	r := pyRepr(v)
	if len(g) < len(r) {
		return g
	}
	return r
}

// pyRepr approximates Python's repr of a float (shortest round-trip, with
// scientific notation below 1e-4 or from 1e16 on).
func pyRepr(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e16 {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	a := math.Abs(v)
	if a < 1e-4 || a >= 1e16 {
		s := strconv.FormatFloat(v, 'e', -1, 64)
		// Python pads the exponent to two digits, as Go does.
		return s
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// NewProgressPrinter returns a progress callback that prints one line per
// report on w, e.g. "Top k=1 | iteration 100/1000 | eigenvalue 9.9946e-01 |
// delta 1.23E-06" (for a metamer: iteration, loss, learning rate and norms).
func NewProgressPrinter(w io.Writer) func(Progress) {
	return func(p Progress) {
		if p.Done {
			return
		}
		switch {
		case p.Stage.isEigen():
			fmt.Fprintf(w, "%s k=%d | iteration %d/%d | eigenvalue %s | delta %s\n", p.Stage, p.K, p.Iteration, p.MaxIter,
				pyE(p.Eigenvalue, 4, false), pyE(p.Delta, 2, true))
		default:
			fmt.Fprintf(w, "%s | iteration %d/%d | loss %s | learning_rate %s | gradient_norm %s | pixel_change_norm %s\n",
				p.Stage, p.Iteration, p.MaxIter, pyE(p.Loss, 4, false), tqdmNum(p.LearningRate),
				pyE(p.GradientNorm, 4, false), pyE(p.PixelChangeNorm, 4, false))
		}
	}
}
