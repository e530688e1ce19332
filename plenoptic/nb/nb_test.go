package nb

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/goplenoptic/goplenoptic/display"
	"github.com/goplenoptic/goplenoptic/plenoptic/synth"
)

// stopped runs f and returns the error it stopped the cell with (nil if
// it did not).
func stopped(t *testing.T, f func()) (err error) {
	t.Helper()
	saved := exit
	defer func() { exit = saved }()
	type stop struct{ err error }
	exit = func(e error) { panic(stop{e}) }
	defer func() {
		if r := recover(); r != nil {
			s, ok := r.(stop)
			if !ok {
				panic(r)
			}
			err = s.err
		}
	}()
	f()
	return nil
}

func TestMustStopsTheCell(t *testing.T) {
	if err := stopped(t, func() { Must(0, errors.New("boom")) }); err == nil || err.Error() != "boom" {
		t.Errorf("Must: %v", err)
	}
	if err := stopped(t, func() { Must(1, nil) }); err != nil {
		t.Errorf("Must without an error stopped: %v", err)
	}
	if err := stopped(t, func() { Must2(1, "a", errors.New("boom2")) }); err == nil || err.Error() != "boom2" {
		t.Errorf("Must2: %v", err)
	}
	var a int
	var b string
	if err := stopped(t, func() { a, b = Must2(1, "a", nil) }); err != nil || a != 1 || b != "a" {
		t.Errorf("Must2 without an error: %v, %v, %v", err, a, b)
	}
	if err := stopped(t, func() { Load("/no/such/file.pgm") }); err == nil || !strings.Contains(err.Error(), "no/such/file.pgm") {
		t.Errorf("Load of a missing file: %v", err)
	}
}

func TestImshowArguments(t *testing.T) {
	t.Setenv(display.EnvFiguresDir, t.TempDir())
	img := Einstein()
	if err := stopped(t, func() { Imshow(img, "title?") }); err == nil || !strings.Contains(err.Error(), "argument 1 is a string") {
		t.Errorf("a string argument: %v", err)
	}
	if err := stopped(t, func() { Imshow(img, display.ImshowOptions{}, display.ImshowOptions{}) }); err == nil || !strings.Contains(err.Error(), "more than one ImshowOptions") {
		t.Errorf("two options: %v", err)
	}
	if err := stopped(t, func() { Imshow(img, Curie(), display.ImshowOptions{Titles: []string{"a", "b"}}) }); err != nil {
		t.Errorf("two images with titles: %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(os.Getenv(display.EnvFiguresDir), "*.png"))
	if len(files) != 1 {
		t.Errorf("Imshow outside GoNB wrote %v, want one PNG", files)
	}
}

// TestNotebookMetamer runs a short synthesis through the notebook layer: it
// goes through the store (computed, then loaded) and the live view.
func TestNotebookMetamer(t *testing.T) {
	t.Setenv("GOPLENOPTIC_STORE", t.TempDir())
	t.Setenv(display.EnvFiguresDir, t.TempDir())
	var out strings.Builder
	Out = &out
	defer func() { Out = os.Stdout }()
	img := Einstein()
	model := &blur{}
	for range 2 {
		m := NewMetamer(img, model, synth.MetamerOptions{Seed: 1})
		m.Synthesize(synth.SynthesizeOptions{MaxIter: 5})
		if len(m.Losses()) != 5 {
			t.Fatalf("%d iterations", len(m.Losses()))
		}
	}
	if s := out.String(); !strings.Contains(s, ": computed (5 iterations)") || !strings.Contains(s, ": loaded (5 iterations)") {
		t.Errorf("outcome lines: %q", s)
	}
}

// blur is a small model for the tests.
type blur struct{}

func (b *blur) Forward(x *graph.Node) *graph.Node {
	return graph.MulScalar(graph.Add(x, graph.Sqrt(graph.AddScalar(graph.Square(x), 1))), 0.5)
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestLiveViewFailureKeepsTheSynthesis: a live view that cannot be drawn
// warns once and stops redrawing; it does not stop the cell.
func TestLiveViewFailureKeepsTheSynthesis(t *testing.T) {
	var warn strings.Builder
	oldLog, oldWarn := liveLog, liveWarn
	liveLog, liveWarn = failingWriter{}, &warn
	defer func() { liveLog, liveWarn = oldLog, oldWarn }()
	progress := Live("Metamer")
	err := stopped(t, func() {
		progress(synth.Progress{Losses: []float64{1}})
		progress(synth.Progress{Losses: []float64{1, 0.5}})
		progress(synth.Progress{Losses: []float64{1, 0.5}, Done: true})
	})
	if err != nil {
		t.Fatalf("a failing live view stopped the cell: %v", err)
	}
	want := `nb: warning: live view "Metamer": display: Live.Update: disk full; the synthesis goes on without it` + "\n"
	if warn.String() != want {
		t.Errorf("warnings %q, want %q", warn.String(), want)
	}
}
