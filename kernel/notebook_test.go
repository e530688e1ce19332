package kernel

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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

// TestSmokeNotebook executes the smoke notebook on the gonb kernel: it must
// build against this checkout and report the backend it runs on.
func TestSmokeNotebook(t *testing.T) {
	root := projectRoot(t)
	out := t.TempDir()
	executeNotebooks(t, out, filepath.Join(root, "notebooks", "smoke.ipynb"))
	nb := readNotebook(t, filepath.Join(out, "smoke.ipynb"))
	var all strings.Builder
	for _, c := range nb.Cells {
		for _, o := range c.Outputs {
			if o.OutputType == "error" {
				t.Errorf("cell %q has an error output", c.SourceText())
			}
		}
		all.WriteString(c.Stdout())
	}
	for _, want := range []string{"goplenoptic backend: xla:cpu", "einstein: (Float32)[1 1 256 256]"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("notebook output lacks %q; got:\n%s", want, all.String())
		}
	}
}
