package kernel

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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

// executeNotebooks runs kernel/execute.py on the given notebooks into out.
func executeNotebooks(t *testing.T, out string, notebooks ...string) {
	t.Helper()
	root := projectRoot(t)
	py := filepath.Join(root, ".venv", "bin", "python")
	if _, err := os.Stat(py); err != nil {
		t.Fatalf("%s is missing: run `make setup`", py)
	}
	args := append([]string{filepath.Join(root, "kernel", "execute.py"), "--timeout", "1800", "--out", out}, notebooks...)
	cmd := exec.Command(py, args...)
	cmd.Env = append(os.Environ(), "JUPYTER_DATA_DIR="+JupyterDataDir(root))
	output, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("executing %v failed: %v\n%s", notebooks, err, lastLines(string(output), 80))
	}
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
	introOnce   sync.Once
	introDir    string // made by executedIntroduction, removed by TestMain
	introShared string // given by $GOPLENOPTIC_EXECUTED_DIR, left alone
	introErr    string
)

// EnvExecuted names a folder that already holds an executed
// introduction.ipynb (e.g. docs/notebooks after `make notebooks`): when set,
// the tests read it instead of executing the notebook again. Unset (as in
// `make test`), the notebook is executed once per test binary.
const EnvExecuted = "GOPLENOPTIC_EXECUTED_DIR"

// executedIntroduction executes notebooks/introduction.ipynb once per test
// binary and returns the folder holding the executed copy.
func executedIntroduction(t *testing.T) string {
	t.Helper()
	introOnce.Do(func() {
		if dir := os.Getenv(EnvExecuted); dir != "" {
			if _, err := os.Stat(filepath.Join(dir, "introduction.ipynb")); err != nil {
				introErr = fmt.Sprintf("%s=%s: %v", EnvExecuted, dir, err)
				return
			}
			introShared = dir
			t.Logf("reading the executed notebook from %s (%s)", dir, EnvExecuted)
			return
		}
		dir, err := os.MkdirTemp("", "goplenoptic-notebook-")
		if err != nil {
			introErr = err.Error()
			return
		}
		introDir = dir
		root := projectRoot(t)
		py := filepath.Join(root, ".venv", "bin", "python")
		cmd := exec.Command(py, filepath.Join(root, "kernel", "execute.py"), "--timeout", "1800", "--out", dir,
			filepath.Join(root, "notebooks", "introduction.ipynb"))
		cmd.Env = append(os.Environ(), "JUPYTER_DATA_DIR="+JupyterDataDir(root))
		start := time.Now()
		out, err := cmd.CombinedOutput()
		if err != nil {
			introErr = fmt.Sprintf("executing the notebook failed: %v\n%s", err, lastLines(string(out), 80))
			return
		}
		t.Logf("introduction.ipynb executed headless in %.0f s", time.Since(start).Seconds())
	})
	if introErr != "" {
		t.Fatal(introErr)
	}
	if introShared != "" {
		return introShared
	}
	return introDir
}

// TestIntroductionNotebook runs the tutorial end to end on the gonb kernel and
// checks what it shows: no errors, a picture in every figure cell, the
// backend line, plenoptic's messages, and the roll comparison's numbers.
func TestIntroductionNotebook(t *testing.T) {
	nb := readNotebook(t, filepath.Join(executedIntroduction(t), "introduction.ipynb"))
	var stdout, stderr strings.Builder
	figures := 0
	for i, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		src := c.SourceText()
		for _, o := range c.Outputs {
			if o.OutputType == "error" {
				t.Errorf("cell %d has an error output:\n%s", i, src)
			}
			if o.OutputType == "stream" && o.Name == "stderr" {
				stderr.WriteString(joinText(o.Text))
			}
		}
		stdout.WriteString(c.Stdout())
		if body := src[strings.Index(src, "%%")+1:]; strings.Contains(src, "%%") &&
			(strings.Contains(body, "imshow(") || strings.Contains(body, "show(") || strings.Contains(body, ".Show()") || strings.Contains(body, "metamerGrid(")) {
			figures++
			if !c.HasImage() {
				t.Errorf("figure cell %d shows no image:\n%s", i, src)
			}
		}
	}
	if figures < 19 { // the tutorial's cells 2, 6, 8-11, 13, 14, 16, 17, 19, 21, 22, 24, 26-30
		t.Errorf("only %d figure cells found; the tutorial has 19", figures)
	}
	out := stdout.String()
	for _, want := range []string{
		"goplenoptic backend: xla:cpu",
		"Initializing Eigendistortion -- Input dim: 65536 | Output dim: 65536",
		"Top k=1 eigendists computed | Stop criterion 1.00E-07 reached.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the notebook does not print %q", want)
		}
	}
	if !strings.Contains(stderr.String(), "Loss has converged, stopping synthesis") {
		t.Errorf("the convergence warning is missing")
	}
	norms := map[string][]float64{}
	re := regexp.MustCompile(`(?m)^(LG|CenterSurround) l2 norm of response change, [^:]*: ([0-9.eE+-]+)$`)
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			t.Fatal(err)
		}
		norms[m[1]] = append(norms[m[1]], v)
	}
	if len(norms["LG"]) != 2 || len(norms["CenterSurround"]) != 2 {
		t.Fatalf("roll comparison prints %v, want two l2 norms each for LG and CenterSurround", norms)
	}
	if cs := norms["CenterSurround"]; math.Abs(cs[0]-cs[1]) > 1e-6 {
		t.Errorf("CenterSurround is shift-invariant: the two norms %v must agree to 1e-6", cs)
	}
	if lg := norms["LG"]; math.Abs(lg[0]-lg[1]) < 1e-3 {
		t.Errorf("LG is not shift-invariant: the two norms %v should differ", lg)
	}
	t.Logf("roll comparison: LG %v, CenterSurround %v; %d figure cells", norms["LG"], norms["CenterSurround"], figures)
}

// TestFailingCellFailsTheRun checks that execute.py stops at a failing cell,
// exits non-zero and shows the cell and its error.
func TestFailingCellFailsTheRun(t *testing.T) {
	root := projectRoot(t)
	dir := t.TempDir()
	nb := `{"cells": [
 {"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": "%%\npanic(\"deliberate failure\")"},
 {"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": "%%\nfmt.Println(\"never reached\")"}
 ],
 "metadata": {"kernelspec": {"display_name": "Go (gonb)", "language": "go", "name": "gonb"}},
 "nbformat": 4, "nbformat_minor": 5}`
	path := filepath.Join(dir, "failing.ipynb")
	if err := os.WriteFile(path, []byte(nb), 0o644); err != nil {
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
	for _, want := range []string{"FAILED", "deliberate failure", `panic("deliberate failure")`} {
		if !strings.Contains(text, want) {
			t.Errorf("the failure report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "never reached") && !strings.Contains(text, `fmt.Println("never reached")`) {
		t.Errorf("execution went on after the failing cell")
	}
}
