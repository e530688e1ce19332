// Package backend decides where goplenoptic computes: XLA on the CPU through
// a PJRT plugin (the default), XLA on CUDA where an NVIDIA GPU is present, or
// GoMLX's pure-Go backend when no plugin can be loaded.
//
// It is the one place that makes that choice. GOPLENOPTIC_BACKEND overrides it
// with one of "xla:cpu", "xla:cuda" or "go". GoMLX is never allowed to download
// plugins (GOMLX_NO_AUTO_INSTALL is set): plugins come from `make setup`.
package backend

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/goplenoptic/goplenoptic/internal/root"

	"github.com/gomlx/go-xla/pkg/pjrt"
	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego" // registers "go"
	"github.com/gomlx/gomlx/backends/xla"
)

// EnvBackend names the environment variable that forces a backend.
const EnvBackend = "GOPLENOPTIC_BACKEND"

// EnvQuiet, when set, stops Default from printing the backend line (notebook
// kernels set it: each GoNB cell is a new process, and the notebook prints the
// backend once with Describe).
const EnvQuiet = "GOPLENOPTIC_QUIET"

// EnvPluginDir names the environment variable GoMLX searches for PJRT plugins.
const EnvPluginDir = pjrt.PJRTPluginPathsEnv

// Names of the backends this package can start.
const (
	XLACPU  = "xla:cpu"
	XLACUDA = "xla:cuda"
	PureGo  = "go"
)

// pluginFiles maps an XLA backend to the plugin file `make setup` installs.
var pluginFiles = map[string]string{
	XLACPU:  "pjrt_c_api_cpu_plugin.so",
	XLACUDA: "pjrt_c_api_cuda_plugin.so",
}

// Info says which backend runs and, for XLA, which plugin it loaded.
type Info struct {
	Name       string // "xla:cpu", "xla:cuda" or "go"
	PluginPath string // absolute path of the PJRT plugin; empty for "go"
	PJRTMajor  int    // PJRT C API version of the plugin
	PJRTMinor  int
	Reason     string // why this backend was chosen (e.g. why XLA was not)
}

// String reports the backend in one line.
func (i Info) String() string {
	s := "goplenoptic backend: " + i.Name
	if i.PluginPath != "" {
		s += fmt.Sprintf(" (PJRT plugin %s, PJRT C API v%d.%d)", i.PluginPath, i.PJRTMajor, i.PJRTMinor)
	}
	if i.Reason != "" {
		s += " — " + i.Reason
	}
	return s
}

var (
	once       sync.Once
	defaultBE  backends.Backend
	defaultErr error
	defaultInf Info
	printed    bool
)

// Default returns the process-wide backend, starting it on first use and
// printing one line that names it. Later calls return the same backend.
func Default() (backends.Backend, error) {
	once.Do(func() {
		defaultBE, defaultInf, defaultErr = New()
		if defaultErr == nil && !printed && os.Getenv(EnvQuiet) == "" {
			fmt.Println(defaultInf)
			printed = true
		}
	})
	return defaultBE, defaultErr
}

// MustDefault is Default for programs and notebooks that cannot go on without
// a backend: it panics with the error's explanation.
func MustDefault() backends.Backend {
	b, err := Default()
	if err != nil {
		panic(err)
	}
	return b
}

// Describe returns the Info of the default backend (starting it if needed).
func Describe() (Info, error) {
	_, err := Default()
	return defaultInf, err
}

// New starts a backend following GOPLENOPTIC_BACKEND, or the automatic choice
// when it is unset: CUDA where /dev/nvidia0 exists and its plugin is installed,
// else XLA CPU, else pure Go. A backend named explicitly that cannot start is an
// error that says why and what to run; the automatic choice falls back instead.
func New() (backends.Backend, Info, error) {
	if want := strings.TrimSpace(os.Getenv(EnvBackend)); want != "" {
		if want == PureGo {
			return startGo("requested by " + EnvBackend)
		}
		return Start(want)
	}
	prepare()

	var reasons []string
	if hasNVIDIADevice() {
		b, info, err := startXLA(XLACUDA)
		if err == nil {
			return b, info, nil
		}
		reasons = append(reasons, err.Error())
	}
	b, info, err := startXLA(XLACPU)
	if err == nil {
		return b, info, nil
	}
	reasons = append(reasons, err.Error())
	return startGo("XLA unavailable: " + strings.Join(reasons, "; "))
}

// Start starts the named backend ("xla:cpu", "xla:cuda" or "go"), with no
// fallback: when it cannot start, the error says why and what to run.
func Start(name string) (backends.Backend, Info, error) {
	prepare()
	switch name {
	case XLACPU, XLACUDA:
		return startXLA(name)
	case PureGo:
		return startGo("")
	}
	return nil, Info{}, fmt.Errorf("backend: %q is not one of %q, %q, %q (set %s to one of them)", name, XLACPU, XLACUDA, PureGo, EnvBackend)
}

// prepare forbids GoMLX's downloads and points it at the project's plugins.
func prepare() {
	os.Setenv(xla.NoAutoInstallEnv, "1")
	xla.EnableAutoInstall(false)
	configurePluginPath()
}

func startGo(reason string) (backends.Backend, Info, error) {
	b, err := backends.NewWithConfig("go:parallelism=-1")
	if err != nil {
		return nil, Info{}, fmt.Errorf("backend: pure-Go backend failed to start: %w", err)
	}
	return b, Info{Name: PureGo, Reason: reason}, nil
}

func startXLA(name string) (b backends.Backend, info Info, err error) {
	file := pluginFiles[name]
	path, found := findPlugin(file)
	if !found {
		return nil, Info{}, fmt.Errorf("backend %s: plugin %s not found in %s=%q; run `make setup` (it installs the plugin into .local/pjrt)",
			name, file, EnvPluginDir, os.Getenv(EnvPluginDir))
	}
	plugin := strings.TrimPrefix(name, "xla:")
	defer func() { // GoMLX and go-xla report some failures by panicking.
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("backend %s: loading %s panicked: %v; run `make setup` to reinstall the plugin", name, path, r)
		}
	}()
	b, err = backends.NewWithConfig("xla:" + plugin)
	if err != nil {
		hint := "run `make setup`"
		if name == XLACUDA {
			hint += " on the GPU machine and start the program with LD_LIBRARY_PATH=$(cat .local/cuda/ld_library_path) (the Makefile and the notebook kernel do this)"
		}
		return nil, Info{}, fmt.Errorf("backend %s: cannot start plugin %s: %v; %s, or set %s=go for the pure-Go backend",
			name, path, err, hint, EnvBackend)
	}
	info = Info{Name: name, PluginPath: path}
	if p, perr := pjrt.GetPlugin(plugin); perr == nil {
		info.PluginPath = p.Path()
		info.PJRTMajor, info.PJRTMinor = p.Version()
	}
	return b, info, nil
}

// findPlugin looks for file in the directories of PJRT_PLUGIN_LIBRARY_PATH.
func findPlugin(file string) (string, bool) {
	for _, dir := range filepath.SplitList(os.Getenv(EnvPluginDir)) {
		p := filepath.Join(dir, file)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, true
		}
	}
	return "", false
}

// configurePluginPath points PJRT_PLUGIN_LIBRARY_PATH at the project's
// .local/pjrt when the variable is unset and that folder exists.
func configurePluginPath() {
	if os.Getenv(EnvPluginDir) != "" {
		return
	}
	if top, err := root.Dir(); err == nil {
		dir := filepath.Join(top, ".local", "pjrt")
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			os.Setenv(EnvPluginDir, dir)
		}
	}
}

func hasNVIDIADevice() bool {
	_, err := os.Stat("/dev/nvidia0")
	return err == nil
}
