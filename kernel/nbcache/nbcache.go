// Package nbcache keeps expensive results (metamers, eigendistortions) across
// the cells of one notebook session. GoNB runs every cell as a new process, so
// a value computed in one cell is gone in the next; nbcache stores it in a
// file under the kernel session's temporary folder ($GONB_TMP_DIR) and loads
// it back, so re-running a plotting cell does not redo a long synthesis.
// Restarting the kernel starts from a clean slate, as in Python.
package nbcache

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// EnvDir overrides where results are kept (outside notebooks, for example).
const EnvDir = "GOPLENOPTIC_CACHE"

// Dir returns the folder for this session's results, creating it.
func Dir() (string, error) {
	dir := os.Getenv(EnvDir)
	if dir == "" {
		if tmp := os.Getenv("GONB_TMP_DIR"); tmp != "" {
			dir = filepath.Join(tmp, "goplenoptic-cache")
		} else {
			dir = filepath.Join(os.TempDir(), "goplenoptic-cache")
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("nbcache: %w", err)
	}
	return dir, nil
}

var validName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// Path returns the file that holds the result called name.
func Path(name string) (string, error) {
	if !validName.MatchString(name) {
		return "", fmt.Errorf("nbcache: name %q must use letters, digits, '.', '_' or '-'", name)
	}
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, name+".gob"), nil
}

// Get returns the result called name: loaded with load when this session
// already stored it, otherwise made with build and stored with save.
func Get[T any](name string, load func(path string) (T, error), build func() (T, error), save func(v T, path string) error) (T, error) {
	var zero T
	path, err := Path(name)
	if err != nil {
		return zero, err
	}
	if _, err := os.Stat(path); err == nil {
		v, err := load(path)
		if err == nil {
			return v, nil
		}
		return zero, fmt.Errorf("nbcache: %s is stored but does not load (%w); call nbcache.Forget(%q) to rebuild it", name, err, name)
	} else if !errors.Is(err, os.ErrNotExist) {
		return zero, fmt.Errorf("nbcache: %w", err)
	}
	v, err := build()
	if err != nil {
		return zero, err
	}
	tmp := path + ".tmp"
	if err := save(v, tmp); err != nil {
		return zero, fmt.Errorf("nbcache: storing %s: %w", name, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return zero, fmt.Errorf("nbcache: %w", err)
	}
	return v, nil
}

// Forget removes the result called name, so the next Get rebuilds it.
func Forget(name string) error {
	path, err := Path(name)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("nbcache: %w", err)
	}
	return nil
}
