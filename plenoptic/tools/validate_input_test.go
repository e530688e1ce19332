package tools

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func TestValidateInputErrors(t *testing.T) {
	nan := []float32{0, float32(math.NaN()), 0, 0}
	cases := []struct {
		name string
		t    *tensors.Tensor
		opts InputOptions
		want string
	}{
		{"3-D", tensors.FromFlatDataAndDimensions(make([]float32, 4), 1, 2, 2), InputOptions{}, "must be 4-D"},
		{"int", tensors.FromFlatDataAndDimensions(make([]int32, 4), 1, 1, 2, 2), InputOptions{}, "float32 or float64"},
		{"nan", tensors.FromFlatDataAndDimensions(nan, 1, 1, 2, 2), InputOptions{}, "non-finite value NaN at flat index 1"},
		{"batch", tensors.FromFlatDataAndDimensions(make([]float32, 8), 2, 1, 2, 2), InputOptions{NoBatch: true}, "batch dimension must be 1, got 2"},
		{"range", tensors.FromFlatDataAndDimensions([]float32{0, 2, 0, 0}, 1, 1, 2, 2), InputOptions{AllowedRange: [2]float64{0, 1}}, "must lie within (0, 1), but got (0, 2)"},
		{"nil", nil, InputOptions{}, "nil"},
	}
	for _, c := range cases {
		err := ValidateInput(c.t, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
	ok := tensors.FromFlatDataAndDimensions([]float32{0, 0.5, 1, 0.2}, 1, 1, 2, 2)
	if err := ValidateInput(ok, InputOptions{NoBatch: true, AllowedRange: [2]float64{0, 1}}); err != nil {
		t.Errorf("valid input rejected: %v", err)
	}
}
