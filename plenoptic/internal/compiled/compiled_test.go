package compiled

import (
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
)

type paramModel struct{ p []float64 }

func (m *paramModel) Params() map[string][]float64 { return map[string][]float64{"std": m.p} }

type holder struct{ v any }

func TestExecKeys(t *testing.T) {
	builds := 0
	build := func() (*graph.Exec, error) { builds++; return &graph.Exec{}, nil }
	m := &paramModel{p: []float64{1}}
	e1, _ := Exec(nil, m, "apply", build)
	e2, _ := Exec(nil, m, "apply", build)
	if builds != 1 || e1 != e2 {
		t.Fatalf("same model and parameters built %d times", builds)
	}
	if _, _ = Exec(nil, m, "step", build); builds != 2 {
		t.Errorf("another kind must build its own graph")
	}
	m.p = []float64{2}
	if _, _ = Exec(nil, m, "apply", build); builds != 3 {
		t.Errorf("changed parameters must build a new graph")
	}
	// A comparable type holding an uncomparable value is not cached, and does not panic.
	h := holder{v: []int{1}}
	Exec(nil, h, "apply", build)
	Exec(nil, h, "apply", build)
	if builds != 5 {
		t.Errorf("uncomparable model cached (builds %d)", builds)
	}
	if _, _ = Exec(nil, nil, "apply", build); builds != 6 {
		t.Errorf("nil model cached")
	}
}
