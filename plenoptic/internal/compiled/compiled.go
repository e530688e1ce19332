// Package compiled caches compiled GoMLX executables per backend, model and
// kind of graph, so that evaluating a model or stepping a synthesis compiles
// once per model and input shape (GoMLX's Exec then caches per shape).
//
// A model's parameters are constants baked into its graph. Models that report
// them (a Params method, as the models package's do) are keyed by their
// values, so a model whose parameters change (LoadParams) gets a new graph.
// Other keys are compared by identity: a model's Forward must build the same
// computation on every call. Values that cannot be map keys are not cached.
//
// The cache holds at most Capacity executables. An executable is pinned from
// Acquire until its release function is called; the least recently used
// unpinned executables beyond Capacity are finalized (their compiled code
// and device memory freed), so a long session that builds many models does
// not grow without bound.
package compiled

import (
	"container/list"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

// Capacity is the number of executables kept when none is in use.
const Capacity = 32

type key struct {
	backend backends.Backend
	model   any
	kind    string
	params  string
}

type entry struct {
	key  key
	exec *graph.Exec
	refs int
	elem *list.Element // position in lru; nil once evicted
}

var (
	mu    sync.Mutex
	cache = map[key]*entry{}
	lru   = list.New() // front: most recently used
)

// paramsReporter is implemented by the models package's models.
type paramsReporter interface {
	Params() map[string][]float64
}

// Acquire returns the executable cached for (b, model, kind), building it
// with build when absent, and pins it until release is called (call it once,
// when done executing). A nil or uncomparable model is not cached: its
// executable is finalized on release.
func Acquire(b backends.Backend, model any, kind string, build func() (*graph.Exec, error)) (exec *graph.Exec, release func(), err error) {
	if model == nil || !comparable(model) {
		e, err := build()
		if err != nil {
			return nil, nil, err
		}
		return e, func() { e.Finalize() }, nil
	}
	k := key{backend: b, model: model, kind: kind}
	if pr, ok := model.(paramsReporter); ok {
		k.params = fingerprint(pr.Params())
	}
	mu.Lock()
	defer mu.Unlock()
	en, ok := cache[k]
	if !ok {
		e, err := build()
		if err != nil {
			return nil, nil, err
		}
		en = &entry{key: k, exec: e}
		en.elem = lru.PushFront(en)
		cache[k] = en
	} else {
		lru.MoveToFront(en.elem)
	}
	en.refs++
	evict()
	var once sync.Once
	return en.exec, func() {
		once.Do(func() {
			mu.Lock()
			defer mu.Unlock()
			en.refs--
			evict()
		})
	}, nil
}

// evict finalizes the least recently used unpinned entries beyond Capacity.
// The caller holds mu.
func evict() {
	for el := lru.Back(); el != nil && lru.Len() > Capacity; {
		prev := el.Prev()
		en := el.Value.(*entry)
		if en.refs == 0 {
			lru.Remove(el)
			en.elem = nil
			delete(cache, en.key)
			en.exec.Finalize()
		}
		el = prev
	}
}

// Len returns the number of cached executables (for tests).
func Len() int {
	mu.Lock()
	defer mu.Unlock()
	return lru.Len()
}

// fingerprint renders parameters exactly, in key order.
func fingerprint(p map[string][]float64) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var sb strings.Builder
	for _, k := range keys {
		sb.WriteString(k)
		for _, v := range p[k] {
			sb.WriteByte(' ')
			sb.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
		}
		sb.WriteByte(';')
	}
	return sb.String()
}

// comparable reports whether v can be used as a map key without panicking
// (a comparable struct type can still hold an uncomparable interface value).
func comparable(v any) (ok bool) {
	if !reflect.TypeOf(v).Comparable() {
		return false
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	_ = v == v //nolint:staticcheck // panics for uncomparable dynamic values
	return true
}
