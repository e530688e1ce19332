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
	"time"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/janpfeifer/gonb/gonbui"
)

// FiguresDirEnv names the environment variable with the folder where Show
// writes figures when not running under GoNB (default "./figures").
const FiguresDirEnv = "GOPLENOPTIC_FIGURES"

// stdout receives the paths Show prints and the Live terminal line.
var stdout io.Writer = os.Stdout

// inNotebook reports whether we run inside a GoNB cell.
var inNotebook = func() bool { return gonbui.IsNotebook }

// Show displays the figure inline under GoNB; elsewhere it writes a PNG into
// $GOPLENOPTIC_FIGURES (default ./figures) and prints its path.
func (f *Figure) Show() error {
	b, err := f.PNG()
	if err != nil {
		return err
	}
	if inNotebook() {
		gonbui.DisplayPng(b)
		return nil
	}
	return writeShown("figure", ".png", b)
}

// Show displays the animation inline under GoNB: an MP4 <video> when ffmpeg
// is installed (a few hundred kB, as matplotlib's html5 animations), else the
// self-contained HTML5 player of PNG frames (larger). Elsewhere it writes an
// HTML file into $GOPLENOPTIC_FIGURES (default ./figures) and prints its path.
func (a *Animation) Show() error {
	if inNotebook() {
		video, err := a.VideoHTML()
		switch {
		case err == nil:
			gonbui.DisplayHTML(video)
		case errors.Is(err, ErrNoFFmpeg):
			gonbui.DisplayHTML(a.HTML())
		default:
			return err
		}
		return nil
	}
	return writeShown("animation", ".html", []byte("<!DOCTYPE html>\n<meta charset=\"utf-8\">\n"+a.HTML()))
}

// writeShown writes data to the next free <prefix>-NNN<ext> in the figures
// folder and prints the path.
func writeShown(prefix, ext string, data []byte) error {
	dir := os.Getenv(FiguresDirEnv)
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
// (loss curve and current image) redrawn in place, elsewhere a terminal line.
// Redraws are throttled by wall time so they cost little next to synthesis.
//
//	live := display.NewLive()
//	for ... { step(); if live.Due() { live.Update(losses, current) } }
//	live.Final(losses, current)
type Live struct {
	// Interval is the least time between two redraws (default 500 ms).
	Interval time.Duration
	id       string
	last     time.Time
	// Redraws counts the redraws so far.
	Redraws int
}

// NewLive returns a live view with a 500 ms redraw interval.
func NewLive() *Live { return &Live{Interval: 500 * time.Millisecond} }

// Due reports whether the next Update would redraw; use it to skip
// preparing Update's arguments.
func (l *Live) Due() bool { return l.last.IsZero() || time.Since(l.last) >= l.Interval }

// Update redraws if at least Interval has passed since the last redraw, and
// returns at once otherwise. current is the image being synthesised
// ([B,C,H,W]; batch 0 is shown) and may be nil.
func (l *Live) Update(losses []float64, current *tensors.Tensor) error {
	if !l.Due() {
		return nil
	}
	return l.draw(losses, current, false)
}

// Final draws the last state, whatever the time since the last redraw.
func (l *Live) Final(losses []float64, current *tensors.Tensor) error {
	return l.draw(losses, current, true)
}

func (l *Live) draw(losses []float64, current *tensors.Tensor, final bool) error {
	l.last = time.Now()
	l.Redraws++
	status := "no iterations yet"
	if n := len(losses); n > 0 {
		status = fmt.Sprintf("iteration %d, loss %.4e", n-1, losses[n-1])
	}
	if !inNotebook() {
		end := ""
		if final {
			end = "\n"
		}
		_, err := fmt.Fprintf(stdout, "\r%s%s", status, end)
		return err
	}
	if l.id == "" {
		l.id = gonbui.UniqueId()
	}
	body := fmt.Sprintf(`<div style="font-family:sans-serif;font-size:13px">%s</div>`, html.EscapeString(status))
	row := ""
	if len(losses) > 0 {
		if p, err := lossPlot(losses, -1); err == nil {
			if f, err := plotFigure(p, "loss", 4, 3, false); err == nil {
				row += f.html(png.BestSpeed)
			}
		}
	}
	if current != nil {
		f, err := liveImage(current)
		if err != nil {
			return err
		}
		row += f.html(png.BestSpeed)
	}
	gonbui.UpdateHTML(l.id, body+`<div style="display:flex;gap:12px;align-items:flex-end">`+row+`</div>`)
	return nil
}

// liveImage shows batch 0 of img, at most about 256 pixels tall.
func liveImage(img *tensors.Tensor) (*Figure, error) {
	if img.Rank() != 4 {
		return nil, fmt.Errorf("live: image must be 4-D [B,C,H,W], got shape %v", img.Shape().Dimensions)
	}
	d := img.Shape().Dimensions
	o := ImshowOptions{Title: "current", BatchIdx: Index(0), AsRGB: d[1] == 3 || d[1] == 4}
	if d[1] > 1 && !o.AsRGB {
		o.ChannelIdx = Index(0)
	}
	o.Zoom = 1
	for k := 2; float64(max(d[2], d[3]))*o.Zoom > 256 && k <= max(d[2], d[3]); k++ {
		if d[2]%k == 0 && d[3]%k == 0 {
			o.Zoom = 1 / float64(k)
		}
	}
	return ImshowTensor(img, o)
}
