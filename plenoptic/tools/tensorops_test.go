package tools

import (
	"slices"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func TestTensorOps(t *testing.T) {
	img := tensors.FromFlatDataAndDimensions([]float32{1, 2, 3, 4}, 1, 1, 1, 4)
	two := tensors.FromFlatDataAndDimensions([]float32{1, 0, 0, 0, 0, 0, 0, 1}, 2, 1, 1, 4)
	sum, err := AddScaled(img, two, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got := tensors.MustCopyFlatData[float32](sum); !slices.Equal(got, []float32{4, 2, 3, 4, 1, 2, 3, 7}) || sum.Shape().Dimensions[0] != 2 {
		t.Errorf("AddScaled broadcast = %v %v", got, sum.Shape())
	}
	rolled, _ := RollWidth(img, 1)
	if got := tensors.MustCopyFlatData[float32](rolled); !slices.Equal(got, []float32{4, 1, 2, 3}) {
		t.Errorf("RollWidth = %v, want torch.roll's [4 1 2 3]", got)
	}
	rep, _ := Repeat(img, 3)
	if d := rep.Shape().Dimensions; d[0] != 3 {
		t.Errorf("Repeat shape %v", d)
	}
	second, _ := Batch(two, 1, 2)
	if got := tensors.MustCopyFlatData[float32](second); !slices.Equal(got, []float32{0, 0, 0, 1}) {
		t.Errorf("Batch = %v", got)
	}
	cat, _ := Concat(img, two)
	if d := cat.Shape().Dimensions; d[0] != 3 {
		t.Errorf("Concat shape %v", d)
	}
	scaled, _ := Scale(img, -1)
	if got := tensors.MustCopyFlatData[float32](scaled); got[3] != -4 {
		t.Errorf("Scale = %v", got)
	}
	bad := tensors.FromFlatDataAndDimensions([]float32{1, 2}, 1, 1, 1, 2)
	if _, err := AddScaled(img, bad, 1); err == nil {
		t.Error("mismatched shapes added")
	}
	if _, err := Batch(two, 1, 5); err == nil {
		t.Error("out-of-range batch accepted")
	}
	if _, err := Concat(img, bad); err == nil {
		t.Error("mismatched concat accepted")
	}
}

func TestToFloat64(t *testing.T) {
	img := tensors.FromFlatDataAndDimensions([]float32{0.5, 0.25}, 1, 1, 1, 2)
	d, err := ToFloat64(img)
	if err != nil || !slices.Equal(tensors.MustCopyFlatData[float64](d), []float64{0.5, 0.25}) {
		t.Errorf("ToFloat64 = %v, %v", d, err)
	}
}
