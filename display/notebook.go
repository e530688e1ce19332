package display

import (
	"errors"
	"fmt"
	"html"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/janpfeifer/gonb/gonbui"
)

// EnvFiguresDir names the environment variable with the folder where Show
// writes figures when not running under GoNB (default "./figures").
const EnvFiguresDir = "GOPLENOPTIC_FIGURES"

// stdout receives the paths Show prints (Show's output, asked for by its
// caller).
var stdout io.Writer = os.Stdout

// inNotebook reports whether we run inside a GoNB cell.
var inNotebook = func() bool { return gonbui.IsNotebook }

// How display talks to the GoNB kernel; variables so that tests can watch the
// messages and their order.
var (
	sendPNG    = gonbui.DisplayPng
	sendHTML   = gonbui.DisplayHTML
	updateHTML = gonbui.UpdateHTML
	pipeError  = gonbui.Error
	syncKernel = func() bool { return within(kernelSyncTimeout, gonbui.Sync) }
)

// kernelSyncTimeout bounds the wait for GoNB's acknowledgement of one
// message (not the send itself, which blocks while GoNB reads).
const kernelSyncTimeout = 10 * time.Second

// kernelSilent is set once GoNB has failed to acknowledge a message in time;
// later messages are sent without waiting, so a silent kernel costs one
// timeout, not one per live redraw.
var kernelSilent atomic.Bool

// toNotebook sends one display message and waits until GoNB has read it.
// GoNB v0.11.1 closes its end of the display pipe as soon as the cell's
// program exits, so a figure still in the pipe then is dropped without a
// word; on a loaded machine that left figure cells empty. gonbui.Sync returns
// once the kernel has read everything sent before it. The error says the
// message is lost (the pipe to GoNB broke) or may be (no acknowledgement).
func toNotebook(send func()) error {
	send()
	if err := pipeError(); err != nil {
		return fmt.Errorf("the figure did not reach GoNB: %w", err)
	}
	if kernelSilent.Load() {
		return nil
	}
	if !syncKernel() {
		kernelSilent.Store(true)
		return fmt.Errorf("GoNB did not acknowledge the figure within %v; it may not show", kernelSyncTimeout)
	}
	return nil
}

// within runs f and reports whether it returned within d (if not, f is left
// running).
func within(d time.Duration, f func()) bool {
	done := make(chan struct{})
	go func() {
		f()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// Show displays the figure inline under GoNB; elsewhere it writes a PNG into
// $GOPLENOPTIC_FIGURES (default ./figures) and prints its path on stdout.
func (f *Figure) Show() error {
	return callErr("Show", func() error {
		b, err := encodePNG(f.img)
		if err != nil {
			return err
		}
		if inNotebook() {
			return toNotebook(func() { sendPNG(b) })
		}
		return writeShown("figure", ".png", b)
	})
}

// Show displays the animation inline under GoNB: an MP4 <video> when ffmpeg
// is installed (a few hundred kB, as matplotlib's html5 animations), else the
// self-contained HTML5 player of PNG frames (larger). Elsewhere it writes an
// HTML file into $GOPLENOPTIC_FIGURES (default ./figures) and prints its path
// on stdout.
func (a *Animation) Show() error {
	return callErr("Show", func() error {
		if inNotebook() {
			video, err := a.videoHTML()
			switch {
			case err == nil:
				return toNotebook(func() { sendHTML(video) })
			case errors.Is(err, ErrNoFFmpeg):
				return toNotebook(func() { sendHTML(a.HTML()) })
			default:
				return err
			}
		}
		return writeShown("animation", ".html", []byte(htmlPage(a.HTML())))
	})
}

// writeShown writes data to the next free <prefix>-NNN<ext> in the figures
// folder and prints the path.
func writeShown(prefix, ext string, data []byte) error {
	dir := os.Getenv(EnvFiguresDir)
	if dir == "" {
		dir = "figures"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := 1; ; i++ {
		path := filepath.Join(dir, fmt.Sprintf("%s-%03d%s", prefix, i, ext))
		file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return err
		}
		_, err = file.Write(data)
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(stdout, path)
		return err
	}
}

// Live shows synthesis progress while it runs: under GoNB a small HTML block
// (title, loss curve and current image) redrawn in place, elsewhere a
// terminal line on Log. Redraws are throttled by wall time so they cost
// little next to synthesis. The zero value is ready to use; a Live is a
// progress sink that needs only the losses so far and the current image:
//
//	live := &display.Live{Title: "Metamer of einstein"}
//	for ... { step(); if live.Due() { live.Update(losses, current) } }
//	live.Final(losses, current)
//
// A Live is not safe for concurrent use.
type Live struct {
	// Title is shown above the live view (and before the terminal line);
	// "" shows none.
	Title string
	// Interval is the least time between two redraws: 0 means 500 ms, a
	// negative value redraws on every Update.
	Interval time.Duration
	// Log receives the terminal line outside GoNB; nil means os.Stderr.
	Log io.Writer

	id      string
	last    time.Time
	redraws int // redraws so far
}

// defaultLiveInterval is the redraw interval of a zero Live.
const defaultLiveInterval = 500 * time.Millisecond

// Due reports whether the next Update would redraw; use it to skip
// preparing Update's arguments.
func (l *Live) Due() bool {
	iv := l.Interval
	if iv == 0 {
		iv = defaultLiveInterval
	}
	return l.last.IsZero() || time.Since(l.last) >= iv
}

// Update redraws if at least Interval has passed since the last redraw, and
// returns at once otherwise. losses holds one loss per iteration so far (it
// may be empty); current is the image being synthesised ([B,C,H,W]; batch 0
// is shown) and may be nil.
func (l *Live) Update(losses []float64, current *tensors.Tensor) error {
	if !l.Due() {
		return nil
	}
	return callErr("Live.Update", func() error { return l.draw(losses, current, false) })
}

// Final draws the last state, whatever the time since the last redraw, and
// ends the terminal line.
func (l *Live) Final(losses []float64, current *tensors.Tensor) error {
	return callErr("Live.Final", func() error { return l.draw(losses, current, true) })
}

func (l *Live) draw(losses []float64, current *tensors.Tensor, final bool) error {
	l.last = time.Now()
	l.redraws++
	status := "no iterations yet"
	if n := len(losses); n > 0 {
		status = fmt.Sprintf("iteration %d, loss %.4e", n-1, losses[n-1])
	}
	if !inNotebook() {
		w := l.Log
		if w == nil {
			w = os.Stderr
		}
		end, prefix := "", ""
		if final {
			end = "\n"
		}
		if l.Title != "" {
			prefix = l.Title + ": "
		}
		_, err := fmt.Fprintf(w, "\r%s%s%s", prefix, status, end)
		return err
	}
	if l.id == "" {
		l.id = gonbui.UniqueId()
	}
	page, err := l.html(status, losses, current)
	if err != nil {
		return err
	}
	return toNotebook(func() { updateHTML(l.id, page) })
}

// html is the live view's HTML block: title, status line, loss curve and
// current image.
func (l *Live) html(status string, losses []float64, current *tensors.Tensor) (string, error) {
	body := ""
	if l.Title != "" {
		body = fmt.Sprintf(`<div style="font-family:sans-serif;font-size:15px;font-weight:bold">%s</div>`, html.EscapeString(l.Title))
	}
	body += fmt.Sprintf(`<div style="font-family:sans-serif;font-size:13px">%s</div>`, html.EscapeString(status))
	row := ""
	if len(losses) > 0 {
		// A loss curve that cannot be drawn (no positive loss yet) is left out.
		if p, err := lossPlot(losses, -1); err == nil {
			if f, err := plotFigure(p, LossAxes, 4, 3, false, ""); err == nil {
				row += f.html(png.BestSpeed)
			}
		}
	}
	if current != nil {
		f, err := liveImage(current)
		if err != nil {
			return "", err
		}
		row += f.html(png.BestSpeed)
	}
	return body + `<div style="display:flex;gap:12px;align-items:flex-end">` + row + `</div>`, nil
}

// liveImage shows batch 0 of img, at most about 256 pixels tall and, for
// small images (a two-pixel MAD image), zoomed by an integer up to at least
// 64 pixels wide.
func liveImage(img *tensors.Tensor) (*Figure, error) {
	if img.Rank() != 4 {
		return nil, fmt.Errorf("image must be 4-D [B,C,H,W], got shape %v", img.Shape().Dimensions)
	}
	d := img.Shape().Dimensions
	o := ImshowOptions{Title: "current", BatchIdx: new(0), AsRGB: d[1] == 3 || d[1] == 4}
	if d[1] > 1 && !o.AsRGB {
		o.ChannelIdx = new(0)
	}
	o.Zoom = 1
	for k := 2; float64(max(d[2], d[3]))*o.Zoom > 256 && k <= max(d[2], d[3]); k++ {
		if d[2]%k == 0 && d[3]%k == 0 {
			o.Zoom = 1 / float64(k)
		}
	}
	if w := max(d[2], d[3]); w < 64 {
		o.Zoom = float64((64 + w - 1) / w)
	}
	return imshow([]*tensors.Tensor{img}, o)
}
