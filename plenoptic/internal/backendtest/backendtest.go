// Package backendtest gives tests the backends to run on: XLA CPU through the
// PJRT plugin (required: a missing plugin fails the test with the set-up
// command to run) and the pure-Go backend.
package backendtest

import (
	"sync"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/goplenoptic/goplenoptic/plenoptic/backend"
)

var (
	mu      sync.Mutex
	started = map[string]backends.Backend{}
	logged  = map[string]bool{}
)

// Names lists the backends every parity test runs on.
var Names = []string{backend.XLACPU, backend.PureGo}

// Get returns the named backend, started once per test binary. It logs the
// backend (with the plugin file and its PJRT C API version) the first time.
func Get(t testing.TB, name string) backends.Backend {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if b, ok := started[name]; ok {
		return b
	}
	b, info, err := backend.Start(name)
	if err != nil {
		t.Fatalf("%v", err)
	}
	started[name] = b
	if !logged[name] {
		t.Logf("%s", info)
		logged[name] = true
	}
	return b
}

// ForEach runs f as a subtest on every backend of Names.
func ForEach(t *testing.T, f func(t *testing.T, b backends.Backend)) {
	for _, name := range Names {
		t.Run(name, func(t *testing.T) { f(t, Get(t, name)) })
	}
}
