package backend

import (
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
	_, _, err := Start(XLACPU)
	if err == nil || !strings.Contains(err.Error(), "make setup") {
		t.Errorf("missing plugin: %v", err)
	}
	// The automatic choice falls back to pure Go and says why.
	t.Setenv(EnvBackend, "")
	_, info, err := New()
	if err != nil || info.Name != PureGo || !strings.Contains(info.Reason, "make setup") {
		t.Errorf("fallback: %+v, %v", info, err)
	}
}
