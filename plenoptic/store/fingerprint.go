package store

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/models"
	"github.com/goplenoptic/goplenoptic/plenoptic/tools"
)

// keyWriter accumulates the canonical description of a synthesis' inputs
// into a SHA-256 hash. Every item is written with its kind and length, so
// that two different sequences of items never write the same bytes.
type keyWriter struct {
	h   hash.Hash
	err error
}

func newKey(kind string) *keyWriter {
	k := &keyWriter{h: sha256.New()}
	k.str("goplenoptic store")
	k.int(formatVersion)
	k.str(kind)
	return k
}

func (k *keyWriter) raw(tag byte, b []byte) {
	var n [9]byte
	n[0] = tag
	binary.LittleEndian.PutUint64(n[1:], uint64(len(b)))
	k.h.Write(n[:])
	k.h.Write(b)
}

func (k *keyWriter) str(s string) { k.raw('s', []byte(s)) }

func (k *keyWriter) int(v int) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(v))
	k.raw('i', b[:])
}

func (k *keyWriter) float(v float64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
	k.raw('f', b[:])
}

func (k *keyWriter) floats(v []float64) {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	k.raw('F', b)
}

// tensor writes a tensor's dtype, shape and values.
func (k *keyWriter) tensor(t *tensors.Tensor) {
	if t == nil {
		k.str("nil tensor")
		return
	}
	k.str(t.DType().String())
	dims := t.Shape().Dimensions
	k.int(len(dims))
	for _, d := range dims {
		k.int(d)
	}
	vals, err := tools.Float64s(t)
	if err != nil && k.err == nil {
		k.err = err
	}
	k.floats(vals)
}

// sum returns the hash of everything written.
func (k *keyWriter) sum() ([32]byte, error) {
	var out [32]byte
	copy(out[:], k.h.Sum(nil))
	return out, k.err
}

// model writes a description of m that changes whenever its computation
// does: its Go type; its parameters, when it reports them (the models
// package's models do, with plenoptic's state-dict keys); a walk of its
// value (struct fields, pointed-to values, slices, maps, functions by
// name); and its outputs on the image and on a fixed noise image of the
// same shape, which also catch what a closure captures.
func (k *keyWriter) model(m models.Model, image *tensors.Tensor) {
	k.str(reflect.TypeOf(m).String())
	if pr, ok := m.(interface{ Params() map[string][]float64 }); ok {
		p := pr.Params()
		keys := make([]string, 0, len(p))
		for key := range p {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		for _, key := range keys {
			k.str(key)
			k.floats(p[key])
		}
	}
	k.value(reflect.ValueOf(m), map[uintptr]bool{}, 0)
	for _, in := range []*tensors.Tensor{image, probe(image)} {
		out, err := models.Eval(m, in)
		if err != nil {
			if k.err == nil {
				k.err = fmt.Errorf("store: evaluating the model for its fingerprint: %w", err)
			}
			return
		}
		k.tensor(out)
	}
}

// probe returns uniform noise shaped and typed like img, from a fixed
// private generator (the package's random streams are not touched).
func probe(img *tensors.Tensor) *tensors.Tensor {
	if img == nil {
		return nil
	}
	n := img.Shape().Size()
	r := rand.New(rand.NewPCG(0x70be, uint64(n)))
	dims := img.Shape().Dimensions
	if img.DType() == dtypes.Float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = r.Float64()
		}
		return tensors.FromFlatDataAndDimensions(v, dims...)
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.Float64())
	}
	return tensors.FromFlatDataAndDimensions(v, dims...)
}

// funcName writes the name of a named function. A closure's name depends on
// where the compiler inlined the code that made it (the same closure made
// in two cells gets two names), so closures are written as "closure": the
// model's outputs, which the key includes, tell what they compute.
func (k *keyWriter) funcName(v reflect.Value) {
	if v.IsNil() {
		k.str("nil func")
		return
	}
	name := runtime.FuncForPC(v.Pointer()).Name()
	if strings.Contains(name, ".func") || strings.Contains(name, "glob.") {
		name = "closure"
	}
	k.str(name)
}

// value walks v (depth-limited, each pointer once).
func (k *keyWriter) value(v reflect.Value, seen map[uintptr]bool, depth int) {
	if depth > 12 {
		k.str("…")
		return
	}
	switch v.Kind() {
	case reflect.Invalid:
		k.str("invalid")
	case reflect.Bool:
		if v.Bool() {
			k.int(1)
		} else {
			k.int(0)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		k.int(int(v.Int()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		k.int(int(v.Uint()))
	case reflect.Float32, reflect.Float64:
		k.float(v.Float())
	case reflect.Complex64, reflect.Complex128:
		c := v.Complex()
		k.float(real(c))
		k.float(imag(c))
	case reflect.String:
		k.str(v.String())
	case reflect.Func:
		k.funcName(v)
	case reflect.Pointer:
		if v.IsNil() {
			k.str("nil")
			return
		}
		if seen[v.Pointer()] {
			k.str("seen")
			return
		}
		seen[v.Pointer()] = true
		k.value(v.Elem(), seen, depth+1)
	case reflect.Interface:
		if v.IsNil() {
			k.str("nil")
			return
		}
		k.str(v.Elem().Type().String())
		k.value(v.Elem(), seen, depth+1)
	case reflect.Struct:
		k.str(v.Type().String())
		for i := range v.NumField() {
			k.value(v.Field(i), seen, depth+1)
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			k.str("nil slice")
			return
		}
		k.int(v.Len())
		for i := range v.Len() {
			k.value(v.Index(i), seen, depth+1)
		}
	case reflect.Map:
		keys := v.MapKeys()
		strs := make([]string, len(keys))
		for i, key := range keys {
			strs[i] = fmt.Sprint(key)
		}
		idx := make([]int, len(keys))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int {
			switch {
			case strs[a] < strs[b]:
				return -1
			case strs[a] > strs[b]:
				return 1
			}
			return 0
		})
		k.int(len(keys))
		for _, i := range idx {
			k.str(strs[i])
			k.value(v.MapIndex(keys[i]), seen, depth+1)
		}
	default: // channels, unsafe pointers: only their type
		k.str(v.Type().String())
	}
}
