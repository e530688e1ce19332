package tools

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// Host-side arithmetic on [B, C, H, W] image tensors: what a notebook does
// with images between model calls (torch's a + s·b, cat, repeat, roll and
// slicing). Results are float32 or float64 like their first argument.

// AddScaled returns a + s·b. When one of them has batch size 1 it is
// broadcast along the batch of the other (so image + 3·distortions adds the
// image to every distortion).
func AddScaled(a, b *tensors.Tensor, s float64) (*tensors.Tensor, error) {
	if a == nil || b == nil {
		return nil, fmt.Errorf("tools: AddScaled of a nil tensor")
	}
	da, db := a.Shape().Dimensions, b.Shape().Dimensions
	if len(da) != 4 || len(db) != 4 {
		return nil, fmt.Errorf("tools: AddScaled needs 4-D tensors, got shapes %v and %v", da, db)
	}
	if da[1] != db[1] || da[2] != db[2] || da[3] != db[3] || (da[0] != db[0] && da[0] != 1 && db[0] != 1) {
		return nil, fmt.Errorf("tools: cannot add shapes %v and %v (batch sizes must match or be 1)", da, db)
	}
	va, err := Float64s(a)
	if err != nil {
		return nil, err
	}
	vb, err := Float64s(b)
	if err != nil {
		return nil, err
	}
	batch := max(da[0], db[0])
	item := da[1] * da[2] * da[3]
	out := make([]float64, batch*item)
	for n := range batch {
		oa, ob := (n%da[0])*item, (n%db[0])*item
		for i := range item {
			out[n*item+i] = va[oa+i] + s*vb[ob+i]
		}
	}
	return fromFloat64sDims(out, a, batch, da[1], da[2], da[3])
}

// Scale returns s·a.
func Scale(a *tensors.Tensor, s float64) (*tensors.Tensor, error) {
	v, err := Float64s(a)
	if err != nil {
		return nil, err
	}
	for i := range v {
		v[i] *= s
	}
	return fromFloat64s(v, a)
}

// Concat stacks 4-D tensors of equal C, H, W along the batch axis.
func Concat(ts ...*tensors.Tensor) (*tensors.Tensor, error) {
	if len(ts) == 0 {
		return nil, fmt.Errorf("tools: Concat of no tensors")
	}
	var all []float64
	batch := 0
	d0 := ts[0].Shape().Dimensions
	for i, t := range ts {
		d := t.Shape().Dimensions
		if len(d) != 4 || d[1] != d0[1] || d[2] != d0[2] || d[3] != d0[3] {
			return nil, fmt.Errorf("tools: Concat: tensor %d has shape %v, tensor 0 has %v", i, d, d0)
		}
		v, err := Float64s(t)
		if err != nil {
			return nil, err
		}
		all = append(all, v...)
		batch += d[0]
	}
	return fromFloat64sDims(all, ts[0], batch, d0[1], d0[2], d0[3])
}

// Repeat stacks n copies of t along the batch axis (torch's t.repeat(n,1,1,1)).
func Repeat(t *tensors.Tensor, n int) (*tensors.Tensor, error) {
	if n < 1 {
		return nil, fmt.Errorf("tools: Repeat needs n ≥ 1, got %d", n)
	}
	ts := make([]*tensors.Tensor, n)
	for i := range ts {
		ts[i] = t
	}
	return Concat(ts...)
}

// Batch returns batch items [start, end) of a 4-D tensor (torch's t[start:end]).
func Batch(t *tensors.Tensor, start, end int) (*tensors.Tensor, error) {
	d := t.Shape().Dimensions
	if len(d) != 4 {
		return nil, fmt.Errorf("tools: Batch needs a 4-D tensor, got shape %v", d)
	}
	if start < 0 || end > d[0] || start >= end {
		return nil, fmt.Errorf("tools: batch range [%d, %d) is outside [0, %d)", start, end, d[0])
	}
	v, err := Float64s(t)
	if err != nil {
		return nil, err
	}
	item := d[1] * d[2] * d[3]
	return fromFloat64sDims(v[start*item:end*item], t, end-start, d[1], d[2], d[3])
}

// RollWidth shifts every row of a 4-D tensor by shift pixels along the width,
// wrapping around (torch's t.roll(shift, -1)).
func RollWidth(t *tensors.Tensor, shift int) (*tensors.Tensor, error) {
	d := t.Shape().Dimensions
	if len(d) != 4 {
		return nil, fmt.Errorf("tools: RollWidth needs a 4-D tensor, got shape %v", d)
	}
	v, err := Float64s(t)
	if err != nil {
		return nil, err
	}
	w := d[3]
	out := make([]float64, len(v))
	for row := 0; row < len(v); row += w {
		for j := range w {
			out[row+((j+shift)%w+w)%w] = v[row+j]
		}
	}
	return fromFloat64s(out, t)
}

// fromFloat64sDims builds a tensor of like's dtype with the given dimensions.
func fromFloat64sDims(vals []float64, like *tensors.Tensor, dims ...int) (*tensors.Tensor, error) {
	if like.DType() == dtypes.Float64 {
		return tensors.FromFlatDataAndDimensions(vals, dims...), nil
	}
	f := make([]float32, len(vals))
	for i, v := range vals {
		f[i] = float32(v)
	}
	return tensors.FromFlatDataAndDimensions(f, dims...), nil
}

// ToFloat64 returns a float64 copy of a float tensor (models then compute in
// double precision).
func ToFloat64(t *tensors.Tensor) (*tensors.Tensor, error) {
	v, err := Float64s(t)
	if err != nil {
		return nil, err
	}
	return tensors.FromFlatDataAndDimensions(v, t.Shape().Dimensions...), nil
}
