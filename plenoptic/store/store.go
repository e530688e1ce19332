// Package store keeps synthesis results (metamers, eigendistortions) on
// disk under a key computed from the content of their inputs, so that
// running the same synthesis again loads its result instead of computing
// it. It is what makes re-running a notebook cell cheap and safe: the key
// covers the model (its type, every parameter value, and its output on the
// image and on a fixed probe image), the images (their bytes), every option
// of construction and of Synthesize (optimizer and its settings, scheduler,
// loss, penalty, range, seed, store progress, stop rule), the backend and a
// format version. Change any of them and the result is computed afresh.
//
// A Synthesize call through the store does one of three things, and says
// which in one line on the store's log ("metamer 3f2a9c1b: loaded (170
// iterations)"):
//
//   - loaded: a stored result equals what the call would compute;
//   - resumed: only MaxIter grew since a stored result that ran all its
//     iterations: it is loaded and continued for the missing iterations
//     (exactly as an uninterrupted run, optimizer state included);
//   - computed: nothing stored fits.
//
// Entries are written atomically (a temporary file renamed into place), so
// two kernels writing the same key both end with a loadable, correct entry;
// a result whose store fails is still returned, with a warning on the log.
//
// GoNB ships a cache package (github.com/janpfeifer/gonb/cache) keyed by a
// name the user picks; it truncates its file before writing and is not safe
// for two writers of one key, and a name cannot tell a changed input, so
// this package keys by content and writes atomically instead.
package store

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// formatVersion is part of every key: bump it when the meaning of stored
// results changes.
const formatVersion = 1

// EnvDir names the environment variable that sets the default store's
// folder.
const EnvDir = "GOPLENOPTIC_STORE"

// Store is a folder of synthesis results.
type Store struct {
	dir string
	log io.Writer
}

// Options configures Open.
type Options struct {
	// Log receives one line per synthesis saying whether it was loaded,
	// resumed or computed, and warnings (default os.Stderr).
	Log io.Writer
}

// Open returns the store in dir, creating the folder.
func Open(dir string, o Options) (*Store, error) {
	if dir == "" {
		return nil, errors.New("store: empty folder name")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if o.Log == nil {
		o.Log = os.Stderr
	}
	return &Store{dir: dir, log: o.Log}, nil
}

// DefaultDir returns $GOPLENOPTIC_STORE, else goplenoptic/store in the
// user's cache folder (~/.cache/goplenoptic/store on Linux), so that results
// outlive a kernel restart.
func DefaultDir() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		return d, nil
	}
	c, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("store: no cache folder (set %s): %w", EnvDir, err)
	}
	return filepath.Join(c, "goplenoptic", "store"), nil
}

// Dir returns the store's folder.
func (s *Store) Dir() string { return s.dir }

// Clear removes every stored result.
func (s *Store) Clear() error {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), entrySuffix) || strings.HasSuffix(e.Name(), ".tmp") {
			if err := os.Remove(filepath.Join(s.dir, e.Name())); err != nil {
				return fmt.Errorf("store: %w", err)
			}
		}
	}
	return nil
}

// Outcome says what a call through the store did.
type Outcome string

// The outcomes of a call.
const (
	Loaded   Outcome = "loaded"
	Resumed  Outcome = "resumed"
	Computed Outcome = "computed"
)

const entrySuffix = ".gps"

// entry is one stored optimisation result: the state after running a call
// (identified by its key) for done iterations, which either converged there
// or ran all of them.
type entry struct {
	name      string
	done      int
	converged bool
}

// entryName is "<key hex>.<done>.<c|m>.gps".
func entryName(key [32]byte, done int, converged bool) string {
	flag := "m"
	if converged {
		flag = "c"
	}
	return fmt.Sprintf("%s.%d.%s%s", hex.EncodeToString(key[:]), done, flag, entrySuffix)
}

// entries lists the stored results of a call key.
func (s *Store) entries(key [32]byte) []entry {
	prefix := hex.EncodeToString(key[:]) + "."
	names, _ := filepath.Glob(filepath.Join(s.dir, prefix+"*"+entrySuffix))
	var out []entry
	for _, p := range names {
		rest := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), prefix), entrySuffix)
		doneStr, flag, ok := strings.Cut(rest, ".")
		done, err := strconv.Atoi(doneStr)
		if !ok || err != nil || (flag != "c" && flag != "m") {
			continue
		}
		out = append(out, entry{name: filepath.Base(p), done: done, converged: flag == "c"})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].done > out[j].done })
	return out
}

// plan picks what to do for a call that asks for maxIter iterations: an
// entry to load as it is, or one to resume, or neither (compute).
func plan(es []entry, maxIter int) (e entry, o Outcome) {
	for _, e := range es {
		if e.converged && e.done <= maxIter { // an uninterrupted run stops there too
			return e, Loaded
		}
	}
	for _, e := range es {
		if !e.converged && e.done == maxIter {
			return e, Loaded
		}
	}
	for _, e := range es { // sorted by done, largest first
		if !e.converged && e.done < maxIter {
			return e, Resumed
		}
	}
	return entry{}, Computed
}

// open opens a stored entry.
func (s *Store) open(name string) (*os.File, error) { return os.Open(filepath.Join(s.dir, name)) }

// save writes an entry with save (which writes atomically), warning on the
// log when it fails.
func (s *Store) save(name, what string, save func(path string) error) {
	if err := save(filepath.Join(s.dir, name)); err != nil {
		fmt.Fprintf(s.log, "store: warning: %s was computed but could not be stored (%v); it is returned anyway\n", what, err)
	}
}

// short is the first 8 hex digits of a key, as the outcome line shows it.
func short(key [32]byte) string { return hex.EncodeToString(key[:4]) }

// say writes an outcome line.
func (s *Store) say(format string, args ...any) { fmt.Fprintf(s.log, format+"\n", args...) }
