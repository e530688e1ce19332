package compiled

import (
	"testing"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

type paramModel struct{ p []float64 }

func (m *paramModel) Params() map[string][]float64 { return map[string][]float64{"std": m.p} }

type holder struct{ v any }

func goBackend(t *testing.T) backends.Backend {
	b, err := backends.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAcquireKeys(t *testing.T) {
	b := goBackend(t)
	builds := 0
	build := func() (*graph.Exec, error) {
		builds++
		return graph.NewExec(b, func(x *graph.Node) *graph.Node { return x })
	}
	acquire := func(model any, kind string) *graph.Exec {
		e, release, err := Acquire(b, model, kind, build)
		if err != nil {
			t.Fatal(err)
		}
		release()
		return e
	}
	m := &paramModel{p: []float64{1}}
	e1, e2 := acquire(m, "apply"), acquire(m, "apply")
	if builds != 1 || e1 != e2 {
		t.Fatalf("same model and parameters built %d times", builds)
	}
	if acquire(m, "step"); builds != 2 {
		t.Errorf("another kind must build its own graph")
	}
	m.p = []float64{2}
	if acquire(m, "apply"); builds != 3 {
		t.Errorf("changed parameters must build a new graph")
	}
	// A comparable type holding an uncomparable value is not cached, and does not panic.
	h := holder{v: []int{1}}
	acquire(h, "apply")
	acquire(h, "apply")
	if builds != 5 {
		t.Errorf("uncomparable model cached (builds %d)", builds)
	}
	if acquire(nil, "apply"); builds != 6 {
		t.Errorf("nil model cached")
	}
}

// TestBounded checks that the cache keeps at most Capacity unpinned
// executables, never evicts a pinned one, and evicts it once released.
func TestBounded(t *testing.T) {
	b := goBackend(t)
	build := func() (*graph.Exec, error) {
		return graph.NewExec(b, func(x *graph.Node) *graph.Node { return graph.Neg(x) })
	}
	pinnedModel := &paramModel{p: []float64{-1}}
	pinned, releasePinned, err := Acquire(b, pinnedModel, "bounded", build)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 * Capacity {
		_, release, err := Acquire(b, &paramModel{p: []float64{float64(i)}}, "bounded", build)
		if err != nil {
			t.Fatal(err)
		}
		release()
		if n := Len(); n > Capacity+1 {
			t.Fatalf("after %d models the cache holds %d executables (capacity %d)", i+1, n, Capacity)
		}
	}
	// The pinned executable still runs.
	out := pinned.MustExec(float32(2))[0].Value().(float32)
	if out != -2 {
		t.Errorf("pinned executable gives %v", out)
	}
	again, release, _ := Acquire(b, pinnedModel, "bounded", build)
	if again != pinned {
		t.Error("a pinned executable was evicted")
	}
	release()
	releasePinned()
	for i := range Capacity + 1 {
		_, release, _ := Acquire(b, &paramModel{p: []float64{1000 + float64(i)}}, "bounded", build)
		release()
	}
	if n := Len(); n > Capacity {
		t.Errorf("cache holds %d executables with nothing pinned", n)
	}
	e, release, _ := Acquire(b, pinnedModel, "bounded", build)
	defer release()
	if e == pinned {
		t.Error("released executable was not evicted once unused and old")
	}
}
