package kernel

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Notebook is the part of an .ipynb file the tests read.
type Notebook struct {
	Cells []Cell `json:"cells"`
}

// Cell is one notebook cell with its outputs.
type Cell struct {
	CellType string   `json:"cell_type"`
	Source   any      `json:"source"`
	Outputs  []Output `json:"outputs"`
}

// Output is one cell output.
type Output struct {
	OutputType string         `json:"output_type"`
	Name       string         `json:"name"`
	Text       any            `json:"text"`
	Data       map[string]any `json:"data"`
	Ename      string         `json:"ename"`
	Evalue     string         `json:"evalue"`
}

func joinText(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []any:
		var b strings.Builder
		for _, s := range t {
			b.WriteString(s.(string))
		}
		return b.String()
	}
	return ""
}

// SourceText returns the cell's source as one string.
func (c Cell) SourceText() string { return joinText(c.Source) }

// Stdout returns everything the cell printed to stdout.
func (c Cell) Stdout() string {
	var b strings.Builder
	for _, o := range c.Outputs {
		if o.OutputType == "stream" && o.Name == "stdout" {
			b.WriteString(joinText(o.Text))
		}
	}
	return b.String()
}

// outputSummary lists a cell's outputs, for a failure message: each one's
// type, MIME types and first characters.
func (c Cell) outputSummary() string {
	if len(c.Outputs) == 0 {
		return "none"
	}
	var parts []string
	for _, o := range c.Outputs {
		desc := o.OutputType
		if o.Name != "" {
			desc += " " + o.Name
		}
		desc += " " + strings.Join(slices.Sorted(maps.Keys(o.Data)), " ")
		if text := joinText(o.Text) + o.Ename + o.Evalue; text != "" {
			desc += fmt.Sprintf(" %.200q", text)
		}
		parts = append(parts, desc)
	}
	return strings.Join(parts, "; ")
}

// HasImage reports whether a cell shows a picture: a PNG/SVG output or HTML
// with an inline image or video.
func (c Cell) HasImage() bool {
	for _, o := range c.Outputs {
		for mime, v := range o.Data {
			if mime == "image/png" || mime == "image/svg+xml" {
				return true
			}
			if mime == "text/html" {
				h := joinText(v)
				if strings.Contains(h, "data:image/") || strings.Contains(h, "<svg") || strings.Contains(h, "<video") {
					return true
				}
			}
		}
	}
	return false
}

func readNotebook(t *testing.T, path string) Notebook {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var nb Notebook
	if err := json.Unmarshal(b, &nb); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return nb
}

// projectRoot is the checkout root (this package lives one level below it).
func projectRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	var keep []string
	for _, l := range lines {
		if !strings.HasPrefix(l, "I1") && !strings.HasPrefix(l, "W1") { // drop the kernel's log lines
			keep = append(keep, l)
		}
	}
	if len(keep) > n {
		keep = keep[len(keep)-n:]
	}
	return strings.Join(keep, "\n")
}

var (
	execOnce   sync.Once
	execDir    string // made by executedNotebooks, removed by TestMain
	execShared string // given by $GOPLENOPTIC_EXECUTED_DIR, left alone
	execErr    string
	execLog    string // what executing the notebooks printed
)

// EnvExecuted names a folder that already holds the executed notebooks (e.g.
// docs/notebooks after `make notebooks`): when set, the tests read them
// instead of executing the notebooks again. Unset (as in `make test`), the
// notebooks are executed once per test binary.
const EnvExecuted = "GOPLENOPTIC_EXECUTED_DIR"

// trackedNotebooks returns the paths of notebooks/*.ipynb.
func trackedNotebooks(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(projectRoot(t), "notebooks", "*.ipynb"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no notebooks in notebooks/: %v", err)
	}
	return paths
}

// executedNotebooks executes every notebook of notebooks/ once per test
// binary (two at a time, each on its own kernel, with a fresh result
// store) and returns the folder holding the executed copies.
func executedNotebooks(t *testing.T) string {
	t.Helper()
	execOnce.Do(func() {
		if dir := os.Getenv(EnvExecuted); dir != "" {
			for _, p := range trackedNotebooks(t) {
				if _, err := os.Stat(filepath.Join(dir, filepath.Base(p))); err != nil {
					execErr = fmt.Sprintf("%s=%s: %v", EnvExecuted, dir, err)
					return
				}
			}
			execShared = dir
			t.Logf("reading the executed notebooks from %s (%s)", dir, EnvExecuted)
			return
		}
		dir, err := os.MkdirTemp("", "goplenoptic-notebooks-")
		if err != nil {
			execErr = err.Error()
			return
		}
		execDir = dir
		root := projectRoot(t)
		py := filepath.Join(root, ".venv", "bin", "python")
		args := append([]string{filepath.Join(root, "kernel", "execute.py"), "--timeout", "1800", "--jobs", "2", "--out", dir}, trackedNotebooks(t)...)
		cmd := exec.Command(py, args...)
		// A fresh result store: every synthesis is computed once, then loaded.
		cmd.Env = append(os.Environ(), "JUPYTER_DATA_DIR="+JupyterDataDir(root), "GOPLENOPTIC_STORE="+filepath.Join(dir, "store"))
		start := time.Now()
		out, err := cmd.CombinedOutput()
		execLog = string(out)
		if err != nil {
			execErr = fmt.Sprintf("executing the notebooks failed: %v\n%s", err, lastLines(string(out), 80))
			return
		}
		t.Logf("%d notebooks executed headless in %.0f s:\n%s", len(trackedNotebooks(t)), time.Since(start).Seconds(), strings.TrimSpace(string(out)))
	})
	if execErr != "" {
		t.Fatal(execErr)
	}
	if execShared != "" {
		return execShared
	}
	return execDir
}

// executedIntroduction returns the folder holding the executed
// introduction.ipynb (see executedNotebooks).
func executedIntroduction(t *testing.T) string { return executedNotebooks(t) }

// figureCall matches the calls that show a figure in a notebook cell.
var figureCall = regexp.MustCompile(`\bnb\.(Imshow|Show|PyrShow)\(|metamerGrid\(|(?m)^\s*show[A-Z][A-Za-z]*\(`)

// checkCell reports a code cell's error outputs and writes to stderr and,
// if it shows a figure (a figure call after its %% line), a missing
// picture; it returns whether it is a figure cell.
func checkCell(t *testing.T, i int, c Cell) bool {
	t.Helper()
	src := c.SourceText()
	for _, o := range c.Outputs {
		if o.OutputType == "error" {
			t.Errorf("cell %d:\n%s\nhas an error output: %s", i, src, c.outputSummary())
		}
		if o.OutputType == "stream" && o.Name == "stderr" {
			t.Errorf("cell %d writes to stderr: %q", i, joinText(o.Text))
		}
	}
	k := strings.Index(src, "%%")
	if k < 0 || !figureCall.MatchString(src[k:]) {
		return false
	}
	if !c.HasImage() {
		t.Errorf("figure cell %d:\n%s\nshows no image; its outputs: %s", i, src, c.outputSummary())
	}
	return true
}

// TestAllNotebooks checks every executed notebook: no error output, nothing
// on stderr, a picture in every cell that shows a figure, and GoNB's log
// kept out of the run's output.
func TestAllNotebooks(t *testing.T) {
	dir := executedNotebooks(t)
	for _, path := range trackedNotebooks(t) {
		name := filepath.Base(path)
		t.Run(strings.TrimSuffix(name, ".ipynb"), func(t *testing.T) {
			nb := readNotebook(t, filepath.Join(dir, name))
			figures := 0
			for i, c := range nb.Cells {
				if c.CellType == "code" && checkCell(t, i, c) {
					figures++
				}
			}
			if figures == 0 {
				t.Errorf("no figure cells")
			}
			t.Logf("%d figure cells", figures)
		})
	}
	if execLog != "" && regexp.MustCompile(`(?m)^[IWE]\d{4} `).MatchString(execLog) {
		t.Errorf("executing the notebooks printed GoNB's log:\n%s", execLog)
	}
}

// TestIntroductionNotebook runs the tutorial end to end on the gonb kernel and
// checks what it shows: no errors, a picture in every figure cell, the
// tutorial's titles, the backend line, plenoptic's messages, one store line
// per synthesis, and the roll comparison's numbers.
func TestIntroductionNotebook(t *testing.T) {
	nb := readNotebook(t, filepath.Join(executedIntroduction(t), "introduction.ipynb"))
	var stdout, sources strings.Builder
	figures := 0
	for i, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		sources.WriteString(c.SourceText())
		stdout.WriteString(c.Stdout())
		if checkCell(t, i, c) {
			figures++
		}
	}
	if figures < 19 { // the tutorial's cells 2, 6, 8-11, 13, 14, 16, 17, 19, 21, 22, 24, 26-30
		t.Errorf("only %d figure cells found; the tutorial has 19", figures)
	}
	// The tutorial's figure titles, word for word (spec §9), as Go string literals.
	for _, title := range []string{
		"Original image", "Model output", "Initial image", "Synthesized metamer",
		`Model representation\nof original image`, `Model representation\nof synthesized metamer`,
		"Maximum eigendistortion", "Minimum eigendistortion",
		`LG Maximum eigendistortion\n (on Curie)`, `LG Minimum eigendistortion\n (on Curie)`,
		`CenterSurround Maximum \neigendistortion (on Curie)`, `CenterSurround Minimum \neigendistortion (on Curie)`,
		`CenterSurround Maximum \neigendistortion (on Einstein)`, `CenterSurround Minimum \neigendistortion (on Einstein)`,
	} {
		if !strings.Contains(sources.String(), `"`+title+`"`) {
			t.Errorf("no figure is titled %q", title)
		}
	}
	out := stdout.String()
	for _, want := range []string{
		"goplenoptic backend: xla:cpu",
		"Initializing Eigendistortion -- Input dim: 65536 | Output dim: 65536",
		"Top k=1 eigendists computed | Stop criterion 1.00E-07 reached.",
		"Loss has converged, stopping synthesis",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the notebook does not print %q", want)
		}
	}
	// Every synthesis says whether it was loaded, resumed or computed; the
	// cells that reuse a result load it.
	outcomes := regexp.MustCompile(`(?m)^(metamer|eigendistortion) [0-9a-f]{8}: (loaded|resumed|computed|resumed from)`).FindAllStringSubmatch(out, -1)
	count := map[string]int{}
	for _, m := range outcomes {
		count[m[2]]++
	}
	if count["computed"] < 11 || count["loaded"] < 11 {
		t.Errorf("store lines: %v; want each synthesis computed once and loaded by the cells that reuse it", count)
	}
	norms := map[string][]float64{}
	re := regexp.MustCompile(`(?m)^(Max|Shifted max) (LG|CenterSurround) eigendistortion: ([0-9.eE+-]+)$`)
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatal(err)
		}
		norms[m[2]] = append(norms[m[2]], v)
	}
	if len(norms["LG"]) != 2 || len(norms["CenterSurround"]) != 2 {
		t.Fatalf("roll comparison prints %v, want two l2 norms each for LG and CenterSurround", norms)
	}
	if cs := norms["CenterSurround"]; math.Abs(cs[0]-cs[1]) > 1e-6 {
		t.Errorf("CenterSurround is shift-invariant: the two norms %v must agree to 1e-6", cs)
	}
	if lg := norms["LG"]; !(lg[0] > 2*lg[1] || lg[1] > 2*lg[0]) {
		t.Errorf("LG is not shift-invariant: the two norms %v should differ by more than 2×", lg)
	}
	t.Logf("roll comparison: LG %v, CenterSurround %v; %d figure cells; store lines %v", norms["LG"], norms["CenterSurround"], figures, count)
}

// TestHelperCell checks that the tutorial's helper cell (the imports cell)
// holds at most 15 lines besides its imports and its %% statements.
func TestHelperCell(t *testing.T) {
	nb := readNotebook(t, filepath.Join(projectRoot(t), "notebooks", "introduction.ipynb"))
	for _, c := range nb.Cells {
		src := c.SourceText()
		if c.CellType != "code" || !strings.HasPrefix(src, "import (") {
			continue
		}
		decl := src[strings.Index(src, ")")+1:]
		if k := strings.Index(decl, "%%"); k >= 0 {
			decl = decl[:k]
		}
		n := len(strings.Split(strings.TrimSpace(decl), "\n"))
		if n > 15 {
			t.Errorf("the helper cell has %d lines besides its imports (at most 15):\n%s", n, decl)
		}
		t.Logf("helper cell: %d lines besides its imports", n)
		return
	}
	t.Fatal("no imports cell in notebooks/introduction.ipynb")
}

// TestFailingCellFailsTheRun checks that execute.py stops at a failing cell,
// exits non-zero and shows the cell and its error.
func TestFailingCellFailsTheRun(t *testing.T) {
	root := projectRoot(t)
	dir := t.TempDir()
	replace := `!*go mod edit -replace=github.com/goplenoptic/goplenoptic=$GOPLENOPTIC_ROOT -require=github.com/goplenoptic/goplenoptic@v0.0.0-00010101000000-000000000000`
	for _, c := range []struct{ name, cell string }{
		{"panic", "%%\npanic(\"deliberate failure\")"},
		// nb.Must stops the cell with the error's message and a non-zero exit.
		{"must", "import \"github.com/goplenoptic/goplenoptic/plenoptic/nb\"\n\n%%\nnb.Load(\"/no/such/deliberate-failure.pgm\")"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cells := []string{replace, c.cell, "%%\nfmt.Println(\"never reached\")"}
			var nbCells []map[string]any
			for _, src := range cells {
				nbCells = append(nbCells, map[string]any{"cell_type": "code", "execution_count": nil, "metadata": map[string]any{}, "outputs": []any{}, "source": src})
			}
			b, _ := json.Marshal(map[string]any{"cells": nbCells, "nbformat": 4, "nbformat_minor": 5,
				"metadata": map[string]any{"kernelspec": map[string]any{"display_name": "Go (gonb)", "language": "go", "name": "gonb"}}})
			path := filepath.Join(dir, c.name+".ipynb")
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(filepath.Join(root, ".venv", "bin", "python"), filepath.Join(root, "kernel", "execute.py"),
				"--timeout", "300", "--out", filepath.Join(dir, "out"), path)
			cmd.Env = append(os.Environ(), "JUPYTER_DATA_DIR="+JupyterDataDir(root))
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("a failing cell did not fail the run:\n%s", lastLines(string(out), 40))
			}
			text := lastLines(string(out), 200)
			for _, want := range []string{"FAILED", "deliberate-failure", "--- cell 1 ---"} {
				if c.name == "panic" && want == "deliberate-failure" {
					want = "deliberate failure"
				}
				if !strings.Contains(text, want) {
					t.Errorf("the failure report lacks %q:\n%s", want, text)
				}
			}
			executed := readNotebook(t, filepath.Join(dir, "out", c.name+".ipynb"))
			if got := executed.Cells[2].Stdout(); strings.Contains(got, "never reached") {
				t.Errorf("execution went on after the failing cell")
			}
		})
	}
}
