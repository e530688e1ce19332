// Package tools holds plenoptic's small helpers: input and model validation,
// losses and penalties, rescaling, seeding and pink noise.
package tools

import (
	"errors"
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// ErrShape is wrapped by every error about tensors whose shapes do not fit
// together (here and in the packages built on tools).
var ErrShape = errors.New("shape mismatch")

// InputOptions adds optional checks to ValidateInput.
type InputOptions struct {
	NoBatch      bool       // the batch size must be 1
	AllowedRange [2]float64 // when lo < hi, every value must lie in [lo, hi]
}

// ValidateInput checks an image tensor as plenoptic's validate_input does:
// float dtype, exactly 4-D [B, C, H, W], no NaN or infinity, and the optional
// batch and range checks. The error names the offending value.
func ValidateInput(t *tensors.Tensor, opts InputOptions) error {
	if t == nil {
		return fmt.Errorf("tools: input tensor is nil")
	}
	if dt := t.DType(); dt != dtypes.Float32 && dt != dtypes.Float64 {
		return fmt.Errorf("tools: input must be a float32 or float64 tensor, got %s", dt)
	}
	if t.Rank() != 4 {
		return fmt.Errorf("tools: input must be 4-D [batch, channel, height, width], got %d-D shape %v: %w", t.Rank(), t.Shape().Dimensions, ErrShape)
	}
	for _, d := range t.Shape().Dimensions {
		if d <= 0 {
			return fmt.Errorf("tools: input must have no empty dimension, got shape %v: %w", t.Shape().Dimensions, ErrShape)
		}
	}
	if opts.NoBatch && t.Shape().Dimensions[0] != 1 {
		return fmt.Errorf("tools: input batch dimension must be 1, got %d: %w", t.Shape().Dimensions[0], ErrShape)
	}
	lo, hi := opts.AllowedRange[0], opts.AllowedRange[1]
	checkRange := lo < hi
	if opts.AllowedRange != [2]float64{} && !checkRange {
		return fmt.Errorf("tools: allowed range (%g, %g) must have lo < hi", lo, hi)
	}
	vals, err := Float64s(t)
	if err != nil {
		return err
	}
	vmin, vmax := math.Inf(1), math.Inf(-1)
	for i, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("tools: input has a non-finite value %v at flat index %d", v, i)
		}
		vmin, vmax = min(vmin, v), max(vmax, v)
	}
	if checkRange && (vmin < lo || vmax > hi) {
		return fmt.Errorf("tools: input range must lie within (%g, %g), but got (%g, %g)", lo, hi, vmin, vmax)
	}
	return nil
}

// Float64s copies a float32 or float64 tensor's values as float64s.
func Float64s(t *tensors.Tensor) ([]float64, error) {
	switch t.DType() {
	case dtypes.Float32:
		f := tensors.MustCopyFlatData[float32](t)
		out := make([]float64, len(f))
		for i, v := range f {
			out[i] = float64(v)
		}
		return out, nil
	case dtypes.Float64:
		return tensors.MustCopyFlatData[float64](t), nil
	}
	return nil, fmt.Errorf("tools: expected a float tensor, got %s", t.DType())
}
