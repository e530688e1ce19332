// Package backend decides where goplenoptic computes: XLA on the CPU through
// a PJRT plugin (the default), XLA on CUDA where an NVIDIA GPU is present, or
// GoMLX's pure-Go backend when no plugin can be loaded.
//
// It is the one place that makes that choice. GOPLENOPTIC_BACKEND overrides it
// with one of "xla:cpu", "xla:cuda" or "go"; SetDefault overrides it inside a
// program (tests use it to run the same code on every backend). GoMLX is never
// allowed to download plugins (GOMLX_NO_AUTO_INSTALL is set): plugins come from
// `make setup`, and are loaded by absolute path, so a program needs no
// environment variable to find them.
//
// Default prints one line naming the backend the first time it starts one,
// to the writer set with SetLog (os.Stderr when none is set); GOPLENOPTIC_QUIET
// silences it.
package backend

import (
	"debug/elf"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
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
// kernels set it: each GoNB cell is a new process, and the notebook layer
// prints the backend once).
const EnvQuiet = "GOPLENOPTIC_QUIET"

// EnvPluginDir names the environment variable GoMLX searches for PJRT plugins.
const EnvPluginDir = pjrt.PJRTPluginPathsEnv

// Names of the backends this package can start.
const (
	XLACPU  = "xla:cpu"
	XLACUDA = "xla:cuda"
	PureGo  = "go"
)

// Known lists the backend names Start accepts.
var Known = []string{XLACPU, XLACUDA, PureGo}

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
	mu         sync.Mutex // guards override, overInf, logTo, byName
	autoMu     sync.Mutex // guards the automatic choice: started, defaultBE, defaultInf, defaultErr
	started    bool       // the automatic choice ran (defaultBE/defaultInf/defaultErr hold it)
	defaultBE  backends.Backend
	defaultErr error
	defaultInf Info
	override   backends.Backend // set by SetDefault
	overInf    Info
	logTo      io.Writer
	byName     = map[string]named{} // backends started by Start, one per name
)

type named struct {
	b    backends.Backend
	info Info
}

// SetLog sets where Default writes the line naming the backend it starts
// (nil: os.Stderr).
func SetLog(w io.Writer) {
	mu.Lock()
	defer mu.Unlock()
	logTo = w
}

// Default returns the process-wide backend: the one given to SetDefault, or
// else the automatic choice of New, started on first use (and named in one
// line on the SetLog writer). Later calls return the same backend.
func Default() (backends.Backend, error) {
	mu.Lock()
	if override != nil {
		defer mu.Unlock()
		return override, nil
	}
	mu.Unlock()
	autoMu.Lock() // held while New runs (it takes mu itself)
	defer autoMu.Unlock()
	if !started {
		started = true
		defaultBE, defaultInf, defaultErr = New()
		if defaultErr == nil && os.Getenv(EnvQuiet) == "" {
			mu.Lock()
			w := logTo
			mu.Unlock()
			if w == nil {
				w = os.Stderr
			}
			fmt.Fprintln(w, defaultInf)
		}
	}
	return defaultBE, defaultErr
}

// SetDefault makes b (described by info, as Start returns it) the backend
// Default returns, until the returned function restores the previous one.
// Eager functions (the Eval twins, models.Eval) and synthesis objects created
// without an explicit backend then compute on b.
func SetDefault(b backends.Backend, info Info) (restore func()) {
	mu.Lock()
	defer mu.Unlock()
	prev, prevInf := override, overInf
	override, overInf = b, info
	return func() {
		mu.Lock()
		defer mu.Unlock()
		override, overInf = prev, prevInf
	}
}

// Describe returns the Info of the default backend (starting it if needed).
func Describe() (Info, error) {
	_, err := Default()
	mu.Lock()
	if override != nil {
		defer mu.Unlock()
		return overInf, nil
	}
	mu.Unlock()
	autoMu.Lock()
	defer autoMu.Unlock()
	return defaultInf, err
}

// New starts a backend following GOPLENOPTIC_BACKEND, or the automatic choice
// when it is unset: CUDA where /dev/nvidia0 exists and its plugin is installed,
// else XLA CPU, else pure Go. A backend named explicitly that cannot start is an
// error that says why and what to run; the automatic choice falls back instead.
func New() (backends.Backend, Info, error) { return choose(Start) }

// choose is New with the function that starts a named backend.
func choose(start func(string) (backends.Backend, Info, error)) (backends.Backend, Info, error) {
	if want := strings.TrimSpace(os.Getenv(EnvBackend)); want != "" {
		b, info, err := start(want)
		if err == nil && want == PureGo {
			info.Reason = "requested by " + EnvBackend
		}
		return b, info, err
	}
	var reasons []string
	if hasNVIDIADevice() {
		b, info, err := start(XLACUDA)
		if err == nil {
			return b, info, nil
		}
		reasons = append(reasons, err.Error())
	}
	b, info, err := start(XLACPU)
	if err == nil {
		return b, info, nil
	}
	reasons = append(reasons, err.Error())
	b, info, err = start(PureGo)
	info.Reason = "XLA unavailable: " + strings.Join(reasons, "; ")
	return b, info, err
}

// Start starts the named backend ("xla:cpu", "xla:cuda" or "go"), with no
// fallback: when it cannot start, the error says why and what to run. A
// backend started once is returned again by later calls with the same name.
func Start(name string) (backends.Backend, Info, error) {
	mu.Lock()
	if n, ok := byName[name]; ok {
		mu.Unlock()
		return n.b, n.info, nil
	}
	mu.Unlock()
	b, info, err := start(name)
	if err != nil {
		return nil, Info{}, err
	}
	mu.Lock()
	defer mu.Unlock()
	if n, ok := byName[name]; ok { // started meanwhile by another goroutine
		return n.b, n.info, nil
	}
	byName[name] = named{b, info}
	return b, info, nil
}

// start starts the named backend (uncached).
func start(name string) (backends.Backend, Info, error) {
	prepare()
	switch name {
	case XLACPU, XLACUDA:
		return startXLA(name)
	case PureGo:
		return startGo("")
	}
	return nil, Info{}, fmt.Errorf("backend: %q is not one of %s (set %s to one of them)", name, quoted(Known), EnvBackend)
}

// prepare forbids GoMLX's downloads and points it at the project's plugins.
func prepare() {
	os.Setenv(xla.NoAutoInstallEnv, "1")
	xla.EnableAutoInstall(false)
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
		return nil, Info{}, fmt.Errorf("backend %s: plugin %s not found in %s=%q or the checkout's .local/pjrt; run `make setup` (it installs the plugin into .local/pjrt)",
			name, file, EnvPluginDir, os.Getenv(EnvPluginDir))
	}
	if err := checkPlugin(path); err != nil {
		return nil, Info{}, fmt.Errorf("backend %s: %w; run `make setup` to reinstall it", name, err)
	}
	defer func() { // GoMLX and go-xla report some failures by panicking.
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("backend %s: loading %s panicked: %v; run `make setup` to reinstall the plugin", name, path, r)
		}
	}()
	// The absolute path makes go-xla load this file, whatever
	// PJRT_PLUGIN_LIBRARY_PATH said when the process started (go-xla reads
	// it once, at init). The CPU client shares host buffers, as GoMLX does for
	// a plugin named "cpu".
	config := "xla:" + path
	if name == XLACPU {
		config += ",shared_buffers"
	}
	b, err = backends.NewWithConfig(config)
	if err != nil {
		hint := "run `make setup`"
		if name == XLACUDA {
			hint += " on the GPU machine and start the program with LD_LIBRARY_PATH=$(cat .local/cuda/ld_library_path) (the Makefile and the notebook kernel do this)"
		}
		return nil, Info{}, fmt.Errorf("backend %s: cannot start plugin %s: %v; %s, or set %s=go for the pure-Go backend",
			name, path, err, hint, EnvBackend)
	}
	info = Info{Name: name, PluginPath: path}
	if p, perr := pjrt.GetPlugin(path); perr == nil {
		info.PJRTMajor, info.PJRTMinor = p.Version()
	}
	return b, info, nil
}

// checkPlugin refuses a plugin file that dlopen would crash on (a truncated
// or overwritten file raises SIGBUS inside dlopen): it must be a complete
// ELF shared object whose section headers lie inside the file, and, when
// set-up recorded its size next to it (<file>.size), have that size.
func checkPlugin(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if b, err := os.ReadFile(path + ".size"); err == nil {
		if want, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && want != st.Size() {
			return fmt.Errorf("plugin %s has %d bytes, but set-up installed %d (truncated or replaced)", path, st.Size(), want)
		}
	}
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("plugin %s is not a loadable ELF file: %v", path, err)
	}
	defer f.Close()
	if f.Type != elf.ET_DYN {
		return fmt.Errorf("plugin %s is an ELF %s, not a shared library", path, f.Type)
	}
	for _, sec := range f.Sections {
		if sec.Type != elf.SHT_NOBITS && sec.Offset+sec.FileSize > uint64(st.Size()) {
			return fmt.Errorf("plugin %s is truncated: section %s ends at byte %d of %d", path, sec.Name, sec.Offset+sec.FileSize, st.Size())
		}
	}
	return nil
}

// findPlugin looks for file in the directories of PJRT_PLUGIN_LIBRARY_PATH,
// then in the checkout's .local/pjrt, and returns its absolute path.
func findPlugin(file string) (string, bool) {
	dirs := filepath.SplitList(os.Getenv(EnvPluginDir))
	if os.Getenv(EnvPluginDir) == "" {
		if top, err := root.Dir(); err == nil {
			dirs = append(dirs, filepath.Join(top, ".local", "pjrt"))
		}
	}
	for _, dir := range dirs {
		p := filepath.Join(dir, file)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			if abs, err := filepath.Abs(p); err == nil {
				return abs, true
			}
		}
	}
	return "", false
}

func hasNVIDIADevice() bool {
	_, err := os.Stat("/dev/nvidia0")
	return err == nil
}

// quoted writes names as "a", "b", "c" for error messages.
func quoted(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}
