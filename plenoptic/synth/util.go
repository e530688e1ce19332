package synth

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/backend"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/compiled"
)

// catch turns a panic (GoMLX and models report errors by panicking) into an
// error stored in *err, and prefixes every error returned through it with
// "synth: <what>: " (once).
func catch(err *error, what string) {
	if r := recover(); r != nil {
		switch v := r.(type) {
		case error:
			*err = v
		default:
			*err = fmt.Errorf("%v", v)
		}
	}
	if *err != nil && !strings.HasPrefix((*err).Error(), "synth: ") {
		*err = fmt.Errorf("synth: %s: %w", what, *err)
	}
}

// pickBackend returns b, or the process-wide default backend when b is nil.
func pickBackend(b backends.Backend) (backends.Backend, error) {
	if b != nil {
		return b, nil
	}
	return backend.Default()
}

// hostTensor is a float tensor kept on the host as float64 values with its
// dtype (float32 or float64) and dimensions; it makes fresh GoMLX tensors on
// demand, so a value never travels between backends.
type hostTensor struct {
	DType string // "float32" or "float64"
	Dims  []int
	Data  []float64
}

// hostGob is the encoded form of a hostTensor: float32 data stays float32.
type hostGob struct {
	DType string
	Dims  []int
	F32   []float32
	F64   []float64
}

// GobEncode writes float32 tensors at float32 size.
func (h hostTensor) GobEncode() ([]byte, error) {
	g := hostGob{DType: h.DType, Dims: h.Dims}
	if h.DType == "float32" {
		g.F32 = make([]float32, len(h.Data))
		for i, v := range h.Data {
			g.F32[i] = float32(v)
		}
	} else {
		g.F64 = h.Data
	}
	var buf bytes.Buffer
	err := gob.NewEncoder(&buf).Encode(g)
	return buf.Bytes(), err
}

// GobDecode reads what GobEncode wrote.
func (h *hostTensor) GobDecode(b []byte) error {
	var g hostGob
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&g); err != nil {
		return err
	}
	h.DType, h.Dims, h.Data = g.DType, g.Dims, g.F64
	if g.F32 != nil || g.DType == "float32" {
		h.Data = make([]float64, len(g.F32))
		for i, v := range g.F32 {
			h.Data[i] = float64(v)
		}
	}
	return nil
}

// newHost copies t's values to the host.
func newHost(t *tensors.Tensor) (hostTensor, error) {
	if t == nil {
		return hostTensor{}, errors.New("tensor is nil")
	}
	var h hostTensor
	h.Dims = slices.Clone(t.Shape().Dimensions)
	switch t.DType() {
	case dtypes.Float32:
		h.DType = "float32"
		f, err := tensors.CopyFlatData[float32](t)
		if err != nil {
			return h, err
		}
		h.Data = make([]float64, len(f))
		for i, v := range f {
			h.Data[i] = float64(v)
		}
	case dtypes.Float64:
		h.DType = "float64"
		f, err := tensors.CopyFlatData[float64](t)
		if err != nil {
			return h, err
		}
		h.Data = f
	default:
		return h, fmt.Errorf("expected a float32 or float64 tensor, got %s", t.DType())
	}
	return h, nil
}

// dtype returns the GoMLX dtype of h.
func (h hostTensor) dtype() dtypes.DType { return dtypeOf(h.DType) }

// dtypeOf maps "float64" to dtypes.Float64 and anything else to Float32.
func dtypeOf(name string) dtypes.DType {
	if name == "float64" {
		return dtypes.Float64
	}
	return dtypes.Float32
}

// tensor makes a new local tensor with h's values, dtype and dimensions.
func (h hostTensor) tensor() *tensors.Tensor { return makeTensor(h.Data, h.dtype(), h.Dims) }

// size is the number of elements.
func (h hostTensor) size() int { return len(h.Data) }

// makeTensor builds a local tensor of the given dtype from float64 values.
func makeTensor(data []float64, dt dtypes.DType, dims []int) *tensors.Tensor {
	if dt == dtypes.Float64 {
		return tensors.FromFlatDataAndDimensions(slices.Clone(data), dims...)
	}
	f := make([]float32, len(data))
	for i, v := range data {
		f[i] = float32(v)
	}
	return tensors.FromFlatDataAndDimensions(f, dims...)
}

// float64s copies a float tensor's values.
func float64s(t *tensors.Tensor) ([]float64, error) {
	h, err := newHost(t)
	return h.Data, err
}

// localCopy returns a new host-only tensor with t's values.
func localCopy(t *tensors.Tensor) (*tensors.Tensor, error) {
	switch t.DType() {
	case dtypes.Float32:
		d, err := tensors.CopyFlatData[float32](t)
		if err != nil {
			return nil, err
		}
		return tensors.FromFlatDataAndDimensions(d, t.Shape().Dimensions...), nil
	case dtypes.Float64:
		d, err := tensors.CopyFlatData[float64](t)
		if err != nil {
			return nil, err
		}
		return tensors.FromFlatDataAndDimensions(d, t.Shape().Dimensions...), nil
	}
	return nil, fmt.Errorf("expected a float tensor, got %s", t.DType())
}

// finalize frees a tensor's storage now (ignoring errors: it is only memory).
func finalize(ts ...*tensors.Tensor) {
	for _, t := range ts {
		if t != nil {
			_ = t.FinalizeAll()
		}
	}
}

// donate marks t's device buffer as donated to the next execution when t
// lives only on a device (an output of an earlier execution); otherwise t is
// passed as is.
func donate(b backends.Backend, t *tensors.Tensor) any {
	if t == nil || t.IsShared() || !t.IsOnDevice(0) || t.HasLocal() {
		return t
	}
	d, err := graph.DonateTensorBuffer(t, b, 0)
	if err != nil {
		return t
	}
	return d
}

// allFinite reports whether every value is finite.
func allFinite(v []float64) (int, bool) {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return i, false
		}
	}
	return -1, true
}

// norm2 is the Euclidean norm.
func norm2(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

// dot is the inner product.
func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// acquireExec returns the executable shared by synthesis objects that use
// the same backend, model (or key) and graph kind, pinned until release (see
// package compiled).
func acquireExec(b backends.Backend, key any, kind string, build func() (*graph.Exec, error)) (*graph.Exec, func(), error) {
	return compiled.Acquire(b, key, kind, build)
}

// execScalar runs e on args and returns its single scalar output.
func execScalar(e *graph.Exec, args ...any) (float64, error) {
	out, err := e.Exec1(args...)
	if err != nil {
		return 0, err
	}
	v, err := float64s(out)
	finalize(out)
	if err != nil {
		return 0, err
	}
	return v[0], nil
}
