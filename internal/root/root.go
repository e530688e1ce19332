// Package root finds the goplenoptic checkout (where `make setup` puts the
// PJRT plugin, the images and the reference data). It imports nothing heavy,
// so that packages which only need a path (data, reftest) do not link XLA.
package root

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// EnvRoot names the environment variable that overrides the search.
const EnvRoot = "GOPLENOPTIC_ROOT"

// ErrNotFound is returned when no goplenoptic checkout can be found.
var ErrNotFound = errors.New("goplenoptic checkout not found (set " + EnvRoot + " to its path)")

// Dir returns the root of the goplenoptic checkout: $GOPLENOPTIC_ROOT when
// set; else the checkout this package was compiled from, when its source is
// still on disk (a program in another module with a replace directive
// pointing here, or `go test` in the checkout); else the nearest folder
// above the working directory whose go.mod declares the goplenoptic module.
func Dir() (string, error) {
	if r := os.Getenv(EnvRoot); r != "" {
		return r, nil
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		// file is <root>/internal/root/root.go.
		if dir := filepath.Dir(filepath.Dir(filepath.Dir(file))); isRoot(dir) {
			return dir, nil
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", ErrNotFound
	}
	for {
		if isRoot(dir) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrNotFound
		}
		dir = parent
	}
}

// isRoot reports whether dir holds the goplenoptic module's go.mod.
func isRoot(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	return err == nil && strings.HasPrefix(string(b), "module github.com/goplenoptic/goplenoptic\n")
}
