package display

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// captureStdout redirects what Show and Live print.
func captureStdout(t *testing.T) *bytes.Buffer {
	var buf bytes.Buffer
	old := stdout
	stdout = &buf
	t.Cleanup(func() { stdout = old })
	return &buf
}

// smallFigureAndAnimation returns a 4×4 image figure and a four-frame
// animation of a fake metamer, for the tests of showing them.
func smallFigureAndAnimation(t *testing.T) (*Figure, *Animation) {
	t.Helper()
	f, err := imshowOne(ramp(1, 1, 4, 4, 0, 1), ImshowOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := Animate(newFakeMetamer(ramp(1, 1, 8, 8, 0, 1.0/64), 4, 1, 1), AnimateOptions{StatusOptions: StatusOptions{IncludedPlots: []Panel{PanelMetamer}}})
	if err != nil {
		t.Fatal(err)
	}
	return f, a
}

func TestShowWritesFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "figs")
	t.Setenv(EnvFiguresDir, dir)
	out := captureStdout(t)
	f, a := smallFigureAndAnimation(t)
	for i := 0; i < 2; i++ {
		if err := f.Show(); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Show(); err != nil {
		t.Fatal(err)
	}
	want := []string{"figure-001.png", "figure-002.png", "animation-001.html"}
	lines := strings.Fields(out.String())
	if len(lines) != 3 {
		t.Fatalf("printed %q", out.String())
	}
	for i, name := range want {
		if lines[i] != filepath.Join(dir, name) {
			t.Errorf("printed %q, want %q", lines[i], filepath.Join(dir, name))
		}
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
	html := f.HTML()
	if !strings.HasPrefix(html, `<img src="data:image/png;base64,`) || strings.Contains(html, "http") {
		t.Errorf("figure HTML: %.80s", html)
	}
	svg, err := f.SVG()
	if err != nil || !bytes.Contains(svg, []byte("data:image/png;base64,")) {
		t.Errorf("image SVG should embed the PNG: %v", err)
	}
}

func TestLive(t *testing.T) {
	stdoutText := captureStdout(t)
	var out bytes.Buffer
	img := ramp(1, 1, 512, 512, 0, 1.0/(512*512))
	l := &Live{Interval: time.Hour, Log: &out}
	losses := []float64{0.5, 0.25}
	for i := 0; i < 100; i++ {
		if err := l.Update(losses, img); err != nil {
			t.Fatal(err)
		}
	}
	if l.redraws != 1 || l.Due() {
		t.Errorf("throttling: %d redraws, due %v", l.redraws, l.Due())
	}
	if err := l.Final(append(losses, 0.125), img); err != nil {
		t.Fatal(err)
	}
	if l.redraws != 2 || !strings.Contains(out.String(), "iteration 2, loss 1.2500e-01\n") {
		t.Errorf("terminal output %q", out.String())
	}
	if stdoutText.Len() != 0 {
		t.Errorf("Live wrote %q to stdout", stdoutText.String())
	}
	// The zero value redraws at most every 500 ms; a negative interval on
	// every update; the title leads the terminal line.
	out.Reset()
	z := &Live{Log: &out, Title: "Metamer"}
	for i := 0; i < 3; i++ {
		if err := z.Update(losses, nil); err != nil {
			t.Fatal(err)
		}
	}
	if z.redraws != 1 || !strings.HasPrefix(out.String(), "\rMetamer: iteration 1, loss 2.5000e-01") {
		t.Errorf("zero Live: %d redraws, output %q", z.redraws, out.String())
	}
	always := &Live{Log: &out, Interval: -1}
	for i := 0; i < 3; i++ {
		if err := always.Update(losses, nil); err != nil {
			t.Fatal(err)
		}
	}
	if always.redraws != 3 {
		t.Errorf("negative interval: %d redraws, want 3", always.redraws)
	}
	page, err := (&Live{Title: "A <title>"}).html("iteration 1", losses, img)
	if err != nil || !strings.Contains(page, ">A &lt;title&gt;</div>") || strings.Count(page, "<img ") != 2 {
		t.Errorf("live HTML: %v %.200q", err, page)
	}

	// The notebook branch renders HTML (gonbui sends nothing outside GoNB).
	old := inNotebook
	inNotebook = func() bool { return true }
	defer func() { inNotebook = old }()
	l = &Live{Title: "A <title>"}
	if err := l.Update(losses, img); err != nil {
		t.Fatal(err)
	}
	if err := l.Final(losses, fromValues([]float32{1, 2}, 1, 2)); err == nil || !strings.HasPrefix(err.Error(), "display: Live.Final: image must be 4-D") {
		t.Errorf("2-D image: %v", err)
	}
	if err := l.Final(nil, nil); err != nil {
		t.Fatal(err)
	}
	f, err := liveImage(img)
	if err != nil || f.Axes[0].Zoom != 0.5 {
		t.Errorf("live image zoom: %v %+v", err, f)
	}
	if err := f.Show(); err != nil {
		t.Error(err)
	}
	// A two-pixel image (MAD_Competition_1) is zoomed to 64 pixels wide.
	if f, err := liveImage(fromValues([]float32{0.2, 0.8}, 1, 1, 1, 2)); err != nil {
		t.Error(err)
	} else if f.Axes[0].Zoom != 32 {
		t.Errorf("two-pixel live image zoom %v, want 32", f.Axes[0].Zoom)
	}
}

// TestNotebookMessagesWaitForTheKernel: under GoNB every figure, animation
// and live redraw is followed by a sync with the kernel, so that a cell's
// program cannot exit with its last figure still in the pipe; a broken pipe
// or a kernel that does not answer is an error, and after one timeout the
// messages are sent without waiting.
func TestNotebookMessagesWaitForTheKernel(t *testing.T) {
	var log []string
	var pipeErr error
	acknowledge := true
	oldIn, oldPNG, oldHTML, oldUpdate, oldPipe, oldSync := inNotebook, sendPNG, sendHTML, updateHTML, pipeError, syncKernel
	t.Cleanup(func() {
		inNotebook, sendPNG, sendHTML, updateHTML, pipeError, syncKernel = oldIn, oldPNG, oldHTML, oldUpdate, oldPipe, oldSync
		kernelSilent.Store(false)
	})
	inNotebook = func() bool { return true }
	sendPNG = func(b []byte) { log = append(log, "png") }
	sendHTML = func(string) { log = append(log, "html") }
	updateHTML = func(id, _ string) { log = append(log, "update "+id) }
	pipeError = func() error { return pipeErr }
	syncKernel = func() bool { log = append(log, "sync"); return acknowledge }

	f, a := smallFigureAndAnimation(t)
	if err := f.Show(); err != nil {
		t.Fatal(err)
	}
	if err := a.Show(); err != nil {
		t.Fatal(err)
	}
	l := &Live{id: "live"}
	if err := l.Final([]float64{1, 0.5}, nil); err != nil {
		t.Fatal(err)
	}
	want := "png sync html sync update live sync"
	if got := strings.Join(log, " "); got != want {
		t.Errorf("messages to the kernel: %q, want %q", got, want)
	}

	pipeErr = errors.New("broken pipe")
	if err := f.Show(); err == nil || err.Error() != "display: Show: the figure did not reach GoNB: broken pipe" {
		t.Errorf("Show on a broken pipe: %v", err)
	}
	pipeErr, acknowledge, log = nil, false, nil
	if err := f.Show(); err == nil || !strings.HasPrefix(err.Error(), "display: Show: GoNB did not acknowledge the figure within 10s") {
		t.Errorf("Show without an acknowledgement: %v", err)
	}
	if err := l.Final([]float64{1, 0.5}, nil); err != nil {
		t.Errorf("after one timeout: %v", err)
	}
	if got := strings.Join(log, " "); got != "png sync update live" {
		t.Errorf("messages after a timeout: %q, want one sync only", got)
	}
}

// TestWithin: a kernel that never acknowledges delays a cell by the
// timeout, not forever.
func TestWithin(t *testing.T) {
	start := time.Now()
	if within(50*time.Millisecond, func() { select {} }) {
		t.Error("within reported a blocked call as returned")
	}
	if d := time.Since(start); d < 50*time.Millisecond || d > 5*time.Second {
		t.Errorf("within a blocked call returned after %v, want ≈ 50 ms", d)
	}
	ran := false
	if !within(time.Minute, func() { ran = true }) || !ran {
		t.Error("within returned before f")
	}
}
