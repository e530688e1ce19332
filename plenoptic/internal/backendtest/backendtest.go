// Package backendtest gives tests the backends to run on: XLA CPU through the
// PJRT plugin (required: a missing plugin fails the test with the set-up
// command to run) and the pure-Go backend; and benchmarks a per-iteration
// timer (StepTimer).
package backendtest

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/goplenoptic/goplenoptic/plenoptic/backend"
)

var (
	mu     sync.Mutex
	logged = map[string]bool{}
)

// Names lists the backends every parity test runs on: XLA CPU and pure Go,
// or the comma-separated list in $GOPLENOPTIC_TEST_BACKENDS (on a GPU
// machine "xla:cuda,go" runs the tests that use Names[0] on CUDA).
var Names = testBackends(os.Getenv(EnvTestBackends))

// EnvTestBackends names the variable that overrides Names.
const EnvTestBackends = "GOPLENOPTIC_TEST_BACKENDS"

// testBackends parses the override (empty: the default pair); an unknown
// name stops the test binary with the list of valid ones.
func testBackends(list string) []string {
	if strings.TrimSpace(list) == "" {
		return []string{backend.XLACPU, backend.PureGo}
	}
	var names []string
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		if !slices.Contains(backend.Known, n) {
			panic(fmt.Sprintf("backendtest: %s=%q: %q is not one of %q", EnvTestBackends, list, n, backend.Known))
		}
		names = append(names, n)
	}
	return names
}

// Get returns the named backend, started once per test binary. It logs the
// backend (with the plugin file and its PJRT C API version) the first time.
func Get(t testing.TB, name string) backends.Backend {
	t.Helper()
	b, _ := start(t, name)
	return b
}

func start(t testing.TB, name string) (backends.Backend, backend.Info) {
	t.Helper()
	b, info, err := backend.Start(name) // started once per name and test binary
	if err != nil {
		t.Fatalf("%v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !logged[name] {
		t.Logf("%s", info)
		logged[name] = true
	}
	return b, info
}

// Use makes the named backend the process default (backend.SetDefault) until
// the test ends, so eager functions (models.Eval, the Eval twins) and
// synthesis objects compute on it, and returns it.
func Use(t testing.TB, name string) backends.Backend {
	t.Helper()
	b, info := start(t, name)
	t.Cleanup(backend.SetDefault(b, info))
	return b
}

// ForEach runs f as a subtest on every backend of Names, with that backend as
// the default during the subtest (see Use).
func ForEach(t *testing.T, f func(t *testing.T, b backends.Backend)) {
	for _, name := range Names {
		t.Run(name, func(t *testing.T) { f(t, Use(t, name)) })
	}
}

// Main runs a package's tests with XLA compiling without LLVM's
// optimisations (--xla_backend_optimization_level=0), which about halves
// compile time, the larger part of these packages' test time: the tests
// check values, not speed. Benchmarks (-test.bench) compile optimised.
// Use it as the package's TestMain: func TestMain(m *testing.M) { backendtest.Main(m) }.
func Main(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		os.Setenv("XLA_FLAGS", strings.TrimSpace(os.Getenv("XLA_FLAGS")+" --xla_backend_optimization_level=0"))
	}
	os.Exit(m.Run())
}

// StepTimer records the times between successive calls of Tick, one per
// iteration of a benchmarked loop (a synthesis's progress callback, or the
// loop itself).
type StepTimer struct {
	last  time.Time
	times []time.Duration
}

// Start (re)starts the clock and forgets the recorded times.
func (s *StepTimer) Start() { s.last, s.times = time.Now(), s.times[:0] }

// Tick records the time since the last Tick (or Start).
func (s *StepTimer) Tick() {
	now := time.Now()
	s.times = append(s.times, now.Sub(s.last))
	s.last = now
}

// Median returns the median recorded time (0 when none were).
func (s *StepTimer) Median() time.Duration {
	if len(s.times) == 0 {
		return 0
	}
	t := slices.Clone(s.times)
	slices.Sort(t)
	return t[len(t)/2]
}

// ReportMedian adds the median to b's results as ms/median, the unit
// testdata/bench/compare.sh reads.
func (s *StepTimer) ReportMedian(b *testing.B) {
	b.ReportMetric(float64(s.Median().Microseconds())/1000, "ms/median")
}
