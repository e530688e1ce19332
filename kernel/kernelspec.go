// Package kernel installs the GoNB Jupyter kernel for this project and holds
// the helpers that execute notebooks headless (see execute.py beside it).
//
// The kernel spec lives in the project's own JUPYTER_DATA_DIR (.local/jupyter)
// and carries the environment a notebook needs: where the module, the PJRT
// plugin and the images are, and that GoMLX must not download anything.
package kernel

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Spec is a Jupyter kernel.json.
type Spec struct {
	Argv          []string          `json:"argv"`
	DisplayName   string            `json:"display_name"`
	Language      string            `json:"language"`
	InterruptMode string            `json:"interrupt_mode"`
	Env           map[string]string `json:"env"`
}

// JupyterDataDir is where the project keeps its kernel specs, under root.
func JupyterDataDir(root string) string { return filepath.Join(root, ".local", "jupyter") }

// NewSpec returns the gonb kernel spec for the checkout at root. PATH is
// frozen at install time so the kernel finds go, gonb, goimports and gopls.
func NewSpec(root string) (Spec, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return Spec{}, fmt.Errorf("kernel: the go command is not on PATH: %w", err)
	}
	binDir := filepath.Join(root, ".bin")
	path := strings.Join([]string{binDir, filepath.Dir(goBin), os.Getenv("PATH")}, string(os.PathListSeparator))
	env := map[string]string{
		"PATH":                     path,
		"GOPLENOPTIC_ROOT":         root,
		"GOPLENOPTIC_DATA":         filepath.Join(root, ".local", "data"),
		"PJRT_PLUGIN_LIBRARY_PATH": filepath.Join(root, ".local", "pjrt"),
		"GOMLX_NO_AUTO_INSTALL":    "1",
		// Each cell is linked anew: without DWARF tables (-s -w) and with Go's
		// own linker (the cgo parts of go-xla need no external linker) a
		// cell links in about half the time.
		"GOFLAGS":           "-buildvcs=false '-ldflags=-s -w -linkmode=internal'",
		"GOPLENOPTIC_QUIET": "1", // the notebook prints the backend once, with nb.Backend
	}
	for _, k := range []string{"GOPATH", "GOMODCACHE", "GOCACHE", "HOME", "LD_LIBRARY_PATH", "GOPLENOPTIC_BACKEND"} {
		if v := os.Getenv(k); v != "" {
			env[k] = v
		}
	}
	// The CUDA plugin's NVIDIA libraries (installed by setup where a GPU is present).
	if b, err := os.ReadFile(filepath.Join(root, ".local", "cuda", "ld_library_path")); err == nil {
		if dirs := strings.TrimSpace(string(b)); dirs != "" {
			env["LD_LIBRARY_PATH"] = strings.Trim(dirs+":"+env["LD_LIBRARY_PATH"], ":")
		}
	}
	// GoNB logs through klog to standard error; the log goes to
	// .local/gonb.log instead, so that executing notebooks prints only
	// their own output.
	logArgs := []string{"--logtostderr=false", "--alsologtostderr=false", "--stderrthreshold=FATAL",
		"--log_file=" + filepath.Join(root, ".local", "gonb.log")}
	return Spec{
		Argv:          append([]string{filepath.Join(binDir, "gonb")}, append(logArgs, "--kernel", "{connection_file}")...),
		DisplayName:   "Go (gonb)",
		Language:      "go",
		InterruptMode: "message",
		Env:           env,
	}, nil
}

// Install writes the gonb kernel spec for root into root's JUPYTER_DATA_DIR
// and returns the path of the kernel.json it wrote.
func Install(root string) (string, error) {
	spec, err := NewSpec(root)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(spec.Argv[0]); err != nil {
		return "", fmt.Errorf("kernel: %s is missing: run `make setup` to build gonb", spec.Argv[0])
	}
	dir := filepath.Join(JupyterDataDir(root), "kernels", "gonb")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("kernel: %w", err)
	}
	b, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return "", fmt.Errorf("kernel: %w", err)
	}
	path := filepath.Join(dir, "kernel.json")
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("kernel: %w", err)
	}
	return path, nil
}
