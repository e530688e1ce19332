package pyramid

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// splitComplexTensor returns a complex tensor's real and imaginary parts as
// float tensors; a real tensor is returned as is, with a nil imaginary part.
func splitComplexTensor(t *tensors.Tensor) (re, im *tensors.Tensor) {
	dims := t.Shape().Dimensions
	switch t.DType() {
	case dtypes.Complex64:
		z := tensors.MustCopyFlatData[complex64](t)
		r, i := make([]float32, len(z)), make([]float32, len(z))
		for j, v := range z {
			r[j], i[j] = real(v), imag(v)
		}
		return tensors.FromFlatDataAndDimensions(r, dims...), tensors.FromFlatDataAndDimensions(i, dims...)
	case dtypes.Complex128:
		z := tensors.MustCopyFlatData[complex128](t)
		r, i := make([]float64, len(z)), make([]float64, len(z))
		for j, v := range z {
			r[j], i[j] = real(v), imag(v)
		}
		return tensors.FromFlatDataAndDimensions(r, dims...), tensors.FromFlatDataAndDimensions(i, dims...)
	}
	return t, nil
}

// joinComplexTensor builds a complex tensor from float parts of one shape.
func joinComplexTensor(re, im *tensors.Tensor) (*tensors.Tensor, error) {
	if !re.Shape().Equal(im.Shape()) {
		return nil, fmt.Errorf("pyramid: real and imaginary parts differ: %s and %s", re.Shape(), im.Shape())
	}
	dims := re.Shape().Dimensions
	switch re.DType() {
	case dtypes.Float32:
		r, i := tensors.MustCopyFlatData[float32](re), tensors.MustCopyFlatData[float32](im)
		z := make([]complex64, len(r))
		for j := range z {
			z[j] = complex(r[j], i[j])
		}
		return tensors.FromFlatDataAndDimensions(z, dims...), nil
	case dtypes.Float64:
		r, i := tensors.MustCopyFlatData[float64](re), tensors.MustCopyFlatData[float64](im)
		z := make([]complex128, len(r))
		for j := range z {
			z[j] = complex(r[j], i[j])
		}
		return tensors.FromFlatDataAndDimensions(z, dims...), nil
	}
	return nil, fmt.Errorf("pyramid: cannot make a complex tensor from %s", re.DType())
}
