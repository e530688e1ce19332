package backend

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// TestXLACPU starts XLA through the project's PJRT plugin, logs the plugin
// file and its PJRT C API version, and computes with it.
func TestXLACPU(t *testing.T) {
	b, info, err := Start(XLACPU)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(info)
	if !strings.HasSuffix(info.PluginPath, "pjrt_c_api_cpu_plugin.so") || info.PJRTMajor == 0 && info.PJRTMinor == 0 {
		t.Errorf("plugin info incomplete: %+v", info)
	}
	got := MustExecOnce(b, func(x *Node) *Node { return ReduceAllSum(Square(x)) }, []float32{1, 2, 3}).Value().(float32)
	if got != 14 {
		t.Errorf("sum of squares on XLA = %v, want 14", got)
	}
}

func TestEnvOverride(t *testing.T) {
	t.Setenv(EnvBackend, PureGo)
	_, info, err := New()
	if err != nil || info.Name != PureGo {
		t.Fatalf("%s=go gave %+v, %v", EnvBackend, info, err)
	}
	t.Setenv(EnvBackend, "tpu")
	if _, _, err := New(); err == nil || !strings.Contains(err.Error(), `"tpu"`) {
		t.Errorf("unknown backend name: %v", err)
	}
}

func TestMissingPluginSaysWhatToRun(t *testing.T) {
	t.Setenv(EnvPluginDir, t.TempDir())
	_, _, err := start(XLACPU)
	if err == nil || !strings.Contains(err.Error(), "make setup") {
		t.Errorf("missing plugin: %v", err)
	}
	// The automatic choice falls back to pure Go and says why.
	t.Setenv(EnvBackend, "")
	_, info, err := choose(start)
	if err != nil || info.Name != PureGo || !strings.Contains(info.Reason, "make setup") {
		t.Errorf("fallback: %+v, %v", info, err)
	}
}

// TestPluginWithoutEnvironment starts XLA with PJRT_PLUGIN_LIBRARY_PATH unset
// (go-xla read it at init): the plugin is found in the checkout and loaded by
// absolute path.
func TestPluginWithoutEnvironment(t *testing.T) {
	t.Setenv(EnvPluginDir, "")
	b, info, err := start(XLACPU)
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(info.PluginPath) {
		t.Errorf("plugin path %q is not absolute", info.PluginPath)
	}
	got := MustExecOnce(b, func(x *Node) *Node { return ReduceAllSum(x) }, []float32{1, 2}).Value().(float32)
	if got != 3 {
		t.Errorf("sum = %v", got)
	}
}

// TestTruncatedPlugin checks that a damaged plugin file is refused before
// dlopen (which would crash the process with SIGBUS) and that the automatic
// choice falls back to pure Go, saying why.
func TestTruncatedPlugin(t *testing.T) {
	good, found := findPlugin(pluginFiles[XLACPU])
	if !found {
		t.Fatal("no plugin: run `make setup`")
	}
	src, err := os.Open(good)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dir := t.TempDir()
	dst, err := os.Create(filepath.Join(dir, pluginFiles[XLACPU]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(dst, src, 4<<20); err != nil { // the first 4 MiB only
		t.Fatal(err)
	}
	dst.Close()
	t.Setenv(EnvPluginDir, dir)
	_, _, err = start(XLACPU)
	if err == nil || !strings.Contains(err.Error(), "truncated") && !strings.Contains(err.Error(), "not a loadable ELF") {
		t.Fatalf("truncated plugin: %v", err)
	}
	t.Setenv(EnvBackend, "")
	_, info, err := choose(start)
	if err != nil || info.Name != PureGo || !strings.Contains(info.Reason, "make setup") {
		t.Errorf("fallback: %+v, %v", info, err)
	}
	// A recorded size that differs is refused too.
	if err := os.WriteFile(filepath.Join(dir, pluginFiles[XLACPU]+".size"), []byte("123\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := checkPlugin(filepath.Join(dir, pluginFiles[XLACPU])); err == nil || !strings.Contains(err.Error(), "set-up installed 123") {
		t.Errorf("size check: %v", err)
	}
}

// TestSetDefault checks that SetDefault overrides Default until restored.
func TestSetDefault(t *testing.T) {
	g, info, err := Start(PureGo)
	if err != nil {
		t.Fatal(err)
	}
	restore := SetDefault(g, info)
	if b, err := Default(); err != nil || b != g {
		t.Fatalf("Default after SetDefault: %v, %v", b, err)
	}
	if d, _ := Describe(); d.Name != PureGo {
		t.Errorf("Describe: %+v", d)
	}
	restore()
	if b, _ := Default(); b == g && os.Getenv(EnvBackend) != PureGo {
		t.Error("restore did not bring back the automatic choice")
	}
	g2, _, _ := Start(PureGo)
	if g2 != g {
		t.Error("Start does not reuse the backend it started")
	}
}
