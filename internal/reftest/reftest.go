// Package reftest loads the parity reference data produced by the Python plenoptic 1.1.0
// generator (testdata/reference/make_reference.py, run by `make reference`).
//
// The data lives in testdata/reference/out/ at the module root: an index.json plus raw
// little-endian float32 (.f32) or float64 (.f64) arrays in C (row-major) order. index.json
// has five sections:
//
//	meta     versions and inputs used to generate the data
//	cases    name -> {"file", "dtype", "shape", "params"}      (arrays on disk)
//	scalars  name -> number
//	vectors  name -> [numbers]                                  (short 1-D results)
//	texts    name -> [lines]                                    (captured stdout)
//
// Each area with a generator of its own (make_reference_<area>.py) writes into a
// subfolder out/<area>/ with the same layout; its entries are read under the names
// "<area>/<name>".
//
// The directory is testdata/reference/out under the project root (root.Dir:
// $GOPLENOPTIC_ROOT, or the first parent of the working directory whose go.mod is this
// module's). The environment variable GOPLENOPTIC_REFERENCE_DIR overrides the location.
package reftest

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/goplenoptic/goplenoptic/internal/root"
)

// Case is one array entry of index.json.
type Case struct {
	File   string         `json:"file"`
	DType  string         `json:"dtype"`
	Shape  []int          `json:"shape"`
	Params map[string]any `json:"params"`
}

// Index is the parsed index.json.
type Index struct {
	Meta    map[string]any       `json:"meta"`
	Cases   map[string]Case      `json:"cases"`
	Scalars map[string]float64   `json:"scalars"`
	Vectors map[string][]float64 `json:"vectors"`
	Texts   map[string][]string  `json:"texts"`
}

var (
	once     sync.Once
	loaded   *Index
	loadedAt string
	loadErr  error
)

// findDir locates testdata/reference/out under the project root.
func findDir() (string, error) {
	if d := os.Getenv("GOPLENOPTIC_REFERENCE_DIR"); d != "" {
		return d, nil
	}
	top, err := root.Dir()
	if err != nil {
		return "", fmt.Errorf("reftest: %w", err)
	}
	return filepath.Join(top, "testdata", "reference", "out"), nil
}

func load() (*Index, string, error) {
	once.Do(func() {
		dir, err := findDir()
		if err != nil {
			loadErr = err
			return
		}
		loadedAt = dir
		b, err := os.ReadFile(filepath.Join(dir, "index.json"))
		if err != nil {
			loadErr = fmt.Errorf("reftest: %w (generate the data with `make reference`)", err)
			return
		}
		var idx Index
		if err := json.Unmarshal(b, &idx); err != nil {
			loadErr = fmt.Errorf("reftest: parsing %s: %w", filepath.Join(dir, "index.json"), err)
			return
		}
		if loadErr = mergeAreas(dir, &idx); loadErr == nil {
			loaded = &idx
		}
	})
	return loaded, loadedAt, loadErr
}

// mergeAreas adds the entries of every out/<area>/index.json to idx under
// "<area>/" names.
func mergeAreas(dir string, idx *Index) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("reftest: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		path := filepath.Join(dir, e.Name(), "index.json")
		b, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("reftest: %w", err)
		}
		var sub Index
		if err := json.Unmarshal(b, &sub); err != nil {
			return fmt.Errorf("reftest: parsing %s: %w", path, err)
		}
		area := e.Name() + "/"
		if idx.Cases == nil {
			idx.Cases = map[string]Case{}
		}
		for k, c := range sub.Cases {
			c.File = area + c.File
			idx.Cases[area+k] = c
		}
		for k, v := range sub.Scalars {
			if idx.Scalars == nil {
				idx.Scalars = map[string]float64{}
			}
			idx.Scalars[area+k] = v
		}
		for k, v := range sub.Vectors {
			if idx.Vectors == nil {
				idx.Vectors = map[string][]float64{}
			}
			idx.Vectors[area+k] = v
		}
		for k, v := range sub.Texts {
			if idx.Texts == nil {
				idx.Texts = map[string][]string{}
			}
			idx.Texts[area+k] = v
		}
		if idx.Meta == nil {
			idx.Meta = map[string]any{}
		}
		idx.Meta[area] = sub.Meta
	}
	return nil
}

func mustIndex(t testing.TB) (*Index, string) {
	t.Helper()
	idx, dir, err := load()
	if err != nil {
		t.Fatal(err)
	}
	return idx, dir
}

// Dir returns the reference output directory (testdata/reference/out).
func Dir(t testing.TB) string {
	t.Helper()
	_, dir := mustIndex(t)
	return dir
}

// Meta returns the "meta" section of index.json (versions, inputs).
func Meta(t testing.TB) map[string]any {
	t.Helper()
	idx, _ := mustIndex(t)
	return idx.Meta
}

// Has reports whether name is an array case or a vector in the index.
func Has(t testing.TB, name string) bool {
	t.Helper()
	idx, _ := mustIndex(t)
	_, ok := idx.Cases[name]
	_, ok2 := idx.Vectors[name]
	return ok || ok2
}

// Names returns the sorted names of all array cases.
func Names(t testing.TB) []string {
	t.Helper()
	idx, _ := mustIndex(t)
	names := make([]string, 0, len(idx.Cases))
	for k := range idx.Cases {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func numel(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}

func readCase(dir, name string, c Case) ([]float64, error) {
	b, err := os.ReadFile(filepath.Join(dir, c.File))
	if err != nil {
		return nil, err
	}
	n := numel(c.Shape)
	var size int
	switch c.DType {
	case "float32", "":
		size = 4
	case "float64":
		size = 8
	default:
		return nil, fmt.Errorf("reftest: case %q has unknown dtype %q", name, c.DType)
	}
	if len(b) != n*size {
		return nil, fmt.Errorf("reftest: case %q: file %s has %d bytes, want %d (shape %v, %s)",
			name, c.File, len(b), n*size, c.Shape, c.DType)
	}
	out := make([]float64, n)
	for i := range out {
		if size == 4 {
			out[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
		} else {
			out[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
		}
	}
	return out, nil
}

var errNotFound = errors.New("not found")

func load64(t testing.TB, name string) ([]float64, []int, error) {
	t.Helper()
	idx, dir := mustIndex(t)
	if c, ok := idx.Cases[name]; ok {
		data, err := readCase(dir, name, c)
		if err != nil {
			return nil, nil, err
		}
		return data, append([]int(nil), c.Shape...), nil
	}
	if v, ok := idx.Vectors[name]; ok {
		return append([]float64(nil), v...), []int{len(v)}, nil
	}
	return nil, nil, errNotFound
}

// Load returns the array called name and its shape (row-major). float64 cases and the
// short vectors of index.json are converted to float32. It fails the test if the case
// does not exist.
func Load(t testing.TB, name string) (data []float32, shape []int) {
	t.Helper()
	d64, shape, err := load64(t, name)
	if err != nil {
		t.Fatalf("reftest: Load(%q): %v", name, err)
	}
	data = make([]float32, len(d64))
	for i, v := range d64 {
		data[i] = float32(v)
	}
	return data, shape
}

// Load64 is like Load but returns float64 values (exact for float64 cases and vectors).
func Load64(t testing.TB, name string) (data []float64, shape []int) {
	t.Helper()
	data, shape, err := load64(t, name)
	if err != nil {
		t.Fatalf("reftest: Load64(%q): %v", name, err)
	}
	return data, shape
}

// Scalar returns the scalar result called name from index.json.
func Scalar(t testing.TB, name string) float64 {
	t.Helper()
	idx, _ := mustIndex(t)
	v, ok := idx.Scalars[name]
	if !ok {
		t.Fatalf("reftest: Scalar(%q): not found", name)
	}
	return v
}

// Vector returns the short 1-D result called name (e.g. metamer losses, eigenvalues,
// RNG anchors) with full float64 precision. Array cases are accepted too (flattened).
func Vector(t testing.TB, name string) []float64 {
	t.Helper()
	d, _, err := load64(t, name)
	if err != nil {
		t.Fatalf("reftest: Vector(%q): %v", name, err)
	}
	return d
}

// HasText reports whether the index has a text entry called name.
func HasText(t testing.TB, name string) bool {
	t.Helper()
	idx, _ := mustIndex(t)
	_, ok := idx.Texts[name]
	return ok
}

// Text returns captured stdout lines called name.
func Text(t testing.TB, name string) []string {
	t.Helper()
	idx, _ := mustIndex(t)
	v, ok := idx.Texts[name]
	if !ok {
		t.Fatalf("reftest: Text(%q): not found", name)
	}
	return append([]string(nil), v...)
}

// Params returns the free-form parameter description of the array case called name
// (model, state_dict values, kernel sizes, ...). JSON numbers decode as float64, arrays
// as []any and objects as map[string]any.
func Params(t testing.TB, name string) map[string]any {
	t.Helper()
	idx, _ := mustIndex(t)
	c, ok := idx.Cases[name]
	if !ok {
		t.Fatalf("reftest: Params(%q): not found", name)
	}
	if c.Params == nil {
		return map[string]any{}
	}
	return c.Params
}
