// Package compiled caches compiled GoMLX executables per backend, model and
// kind of graph, so that evaluating a model or stepping a synthesis compiles
// once per model and input shape (GoMLX's Exec then caches per shape).
//
// A model's parameters are constants baked into its graph. Models that report
// them (a Params method, as the models package's do) are keyed by their
// values, so a model whose parameters change (LoadParams) gets a new graph.
// Other models are keyed by identity: their Forward must build the same
// computation on every call. Values that cannot be map keys are not cached.
package compiled

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

type key struct {
	backend backends.Backend
	model   any
	kind    string
	params  string
}

var (
	mu    sync.Mutex
	cache = map[key]*graph.Exec{}
)

// paramsReporter is implemented by the models package's models.
type paramsReporter interface {
	Params() map[string][]float64
}

// Exec returns the executable cached for (b, model, kind), building it with
// build when absent. A nil or uncomparable model is never cached.
func Exec(b backends.Backend, model any, kind string, build func() (*graph.Exec, error)) (*graph.Exec, error) {
	if model == nil || !comparable(model) {
		return build()
	}
	k := key{backend: b, model: model, kind: kind}
	if pr, ok := model.(paramsReporter); ok {
		k.params = fingerprint(pr.Params())
	}
	mu.Lock()
	defer mu.Unlock()
	if e, ok := cache[k]; ok {
		return e, nil
	}
	e, err := build()
	if err != nil {
		return nil, err
	}
	cache[k] = e
	return e, nil
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
