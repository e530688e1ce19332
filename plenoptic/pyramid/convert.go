package pyramid

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/spectral"
)

// PyrInfo is what ConvertTensorToPyr needs to rebuild the coefficients
// (plenoptic's pyr_info tuple: num_channels, split_complex, pyr_keys).
// SplitComplex is true only when complex bands were split: plenoptic records
// the argument as given, so that its own round trip of a real pyramid with
// split_complex=True fails; this one does not.
type PyrInfo struct {
	NumChannels  int
	SplitComplex bool
	Keys         []Key
}

// errNotSameSize is plenoptic's message for downsampled coefficients.
const errNotSameSize = "pyramid: feature maps could not be concatenated into tensor. Check that you are using " +
	"coefficients that are not downsampled across scales. This is done with the 'downsample=False' argument for the pyramid"

// tensorLayout lists, for one channel, the bands of keys in the order of
// convert_pyr_to_tensor: the residual highpass first, the oriented bands in
// key order (real and imaginary parts next to each other when split), the
// residual lowpass last.
func tensorLayout(keys []Key) []Key {
	var out []Key
	hasHi, hasLo := false, false
	for _, k := range keys {
		switch k {
		case HighpassKey:
			hasHi = true
		case LowpassKey:
			hasLo = true
		default:
			out = append(out, k)
		}
	}
	if hasHi {
		out = append([]Key{HighpassKey}, out...)
	}
	if hasLo {
		out = append(out, LowpassKey)
	}
	return out
}

// ConvertPyrToTensor is plenoptic's convert_pyr_to_tensor: the coefficients
// of a pyramid built with NoDownsample as one tensor [B, C·bands, H, W],
// channel by channel (all bands of channel 0, then of channel 1, …), the
// residual highpass first and the residual lowpass last. With splitComplex,
// a complex band is two channels (real, imaginary) and the result is real;
// otherwise the result is complex (XLA only: the pure-Go backend has no
// complex numbers). It panics on downsampled coefficients (plenoptic's
// message), as GoMLX graph functions do.
func ConvertPyrToTensor(c Coeffs, splitComplex bool) (*graph.Node, PyrInfo) {
	if len(c.Keys) == 0 {
		panic(fmt.Errorf("pyramid: no coefficients to convert"))
	}
	ref := c.Bands[c.Keys[0]].Re.Shape()
	anyComplex := false
	for _, k := range c.Keys {
		b := c.Bands[k]
		s := b.Re.Shape()
		if s.Rank() != 4 || s.Dim(0) != ref.Dim(0) || s.Dim(1) != ref.Dim(1) || s.Dim(2) != ref.Dim(2) || s.Dim(3) != ref.Dim(3) {
			panic(fmt.Errorf("%s (band %s is %v, band %s %v)", errNotSameSize, k, s.Dimensions, c.Keys[0], ref.Dimensions))
		}
		anyComplex = anyComplex || b.Im != nil
	}
	split := splitComplex && anyComplex
	asComplex := anyComplex && !split
	nch := ref.Dim(1)
	var parts []*graph.Node
	for ch := range nch {
		take := func(x *graph.Node) *graph.Node {
			if nch == 1 {
				return x
			}
			return spectral.SliceAxis(x, 1, ch, ch+1)
		}
		for _, k := range tensorLayout(c.Keys) {
			b := c.Bands[k]
			switch {
			case b.Im != nil && split:
				parts = append(parts, take(b.Re), take(b.Im))
			case asComplex:
				parts = append(parts, spectral.C{Re: take(b.Re), Im: takeOrNil(b.Im, take)}.Complex())
			default:
				parts = append(parts, take(b.Re))
			}
		}
	}
	return graph.Concatenate(parts, 1), PyrInfo{NumChannels: nch, SplitComplex: split, Keys: append([]Key(nil), c.Keys...)}
}

func takeOrNil(x *graph.Node, take func(*graph.Node) *graph.Node) *graph.Node {
	if x == nil {
		return nil
	}
	return take(x)
}

// ConvertTensorToPyr is plenoptic's convert_tensor_to_pyr, the inverse of
// ConvertPyrToTensor for the info it returned. A complex tensor (not split)
// needs XLA.
func ConvertTensorToPyr(t *graph.Node, info PyrInfo) Coeffs {
	if t.Rank() != 4 {
		panic(fmt.Errorf("pyramid: pyramid tensor must be 4-D [B, channels, H, W], got shape %v", t.Shape().Dimensions))
	}
	layout := tensorLayout(info.Keys)
	per := 0
	for _, k := range layout {
		per++
		if info.SplitComplex && !k.IsResidual() {
			per++
		}
	}
	if info.NumChannels < 1 || t.Shape().Dim(1) != per*info.NumChannels {
		panic(fmt.Errorf("pyramid: pyramid tensor has %d channels, the info describes %d channels of %d bands",
			t.Shape().Dim(1), info.NumChannels, per))
	}
	cplx := t.DType().IsComplex()
	bands := map[Key][]Band{}
	i := 0
	for range info.NumChannels {
		for _, k := range layout {
			sl := spectral.SliceAxis(t, 1, i, i+1)
			var b Band
			switch {
			case info.SplitComplex && !k.IsResidual():
				b = Band{Re: sl, Im: spectral.SliceAxis(t, 1, i+1, i+2)}
				i += 2
			case cplx:
				z := spectral.FromComplex(sl)
				b = Band{Re: z.Re}
				if !k.IsResidual() {
					b.Im = z.Im
				}
				i++
			default:
				b = Band{Re: sl}
				i++
			}
			bands[k] = append(bands[k], b)
		}
	}
	var c Coeffs
	for _, k := range info.Keys {
		bs := bands[k]
		if len(bs) == 1 {
			c.put(k, bs[0])
			continue
		}
		var re, im []*graph.Node
		for _, b := range bs {
			re = append(re, b.Re)
			if b.Im != nil {
				im = append(im, b.Im)
			}
		}
		b := Band{Re: graph.Concatenate(re, 1)}
		if len(im) > 0 {
			b.Im = graph.Concatenate(im, 1)
		}
		c.put(k, b)
	}
	return c
}

// EvalConvertPyrToTensor is ConvertPyrToTensor on tensors (on the host; a
// complex tensor is complex64 or complex128).
func EvalConvertPyrToTensor(c TensorCoeffs, splitComplex bool) (*tensors.Tensor, PyrInfo, error) {
	if len(c.Keys) == 0 {
		return nil, PyrInfo{}, fmt.Errorf("pyramid: no coefficients to convert")
	}
	first := c.Bands[c.Keys[0]]
	if first == nil || first.Rank() != 4 {
		return nil, PyrInfo{}, fmt.Errorf("pyramid: band %s must be a 4-D tensor", c.Keys[0])
	}
	ref := first.Shape().Dimensions
	anyComplex := false
	var fdt dtypes.DType
	for _, k := range c.Keys {
		t := c.Bands[k]
		if t == nil {
			return nil, PyrInfo{}, fmt.Errorf("pyramid: band %s is missing", k)
		}
		d := t.Shape().Dimensions
		if len(d) != 4 || d[0] != ref[0] || d[1] != ref[1] || d[2] != ref[2] || d[3] != ref[3] {
			return nil, PyrInfo{}, fmt.Errorf("%s (band %s is %v, band %s %v)", errNotSameSize, k, d, c.Keys[0], ref)
		}
		bi := c.info(k)
		if fdt == 0 {
			fdt = bi.dt
		} else if bi.dt != fdt {
			return nil, PyrInfo{}, fmt.Errorf("pyramid: band %s is %s, band %s %s", k, t.DType(), c.Keys[0], first.DType())
		}
		anyComplex = anyComplex || bi.complex
	}
	split := splitComplex && anyComplex
	asComplex := anyComplex && !split
	B, C, H, W := ref[0], ref[1], ref[2], ref[3]
	hw := H * W
	type plane struct{ re, im []float64 }
	planes := map[Key]plane{}
	for _, k := range c.Keys {
		re, im := splitComplexTensor(c.Bands[k])
		p := plane{re: toF64(re)}
		if im != nil {
			p.im = toF64(im)
		}
		planes[k] = p
	}
	layout := tensorLayout(c.Keys)
	var outRe, outIm [][]float64 // per output channel, [B][hw] flattened as b*hw
	for ch := range C {
		for _, k := range layout {
			p := planes[k]
			sel := func(v []float64) []float64 {
				out := make([]float64, B*hw)
				for b := range B {
					copy(out[b*hw:(b+1)*hw], v[(b*C+ch)*hw:(b*C+ch+1)*hw])
				}
				return out
			}
			switch {
			case p.im != nil && split:
				outRe = append(outRe, sel(p.re), sel(p.im))
				outIm = append(outIm, nil, nil)
			default:
				outRe = append(outRe, sel(p.re))
				if p.im != nil {
					outIm = append(outIm, sel(p.im))
				} else {
					outIm = append(outIm, nil)
				}
			}
		}
	}
	n := len(outRe)
	re := make([]float64, B*n*hw)
	im := make([]float64, B*n*hw)
	for j := range n {
		for b := range B {
			copy(re[(b*n+j)*hw:(b*n+j+1)*hw], outRe[j][b*hw:(b+1)*hw])
			if outIm[j] != nil {
				copy(im[(b*n+j)*hw:(b*n+j+1)*hw], outIm[j][b*hw:(b+1)*hw])
			}
		}
	}
	info := PyrInfo{NumChannels: C, SplitComplex: split, Keys: append([]Key(nil), c.Keys...)}
	dims := []int{B, n, H, W}
	if asComplex {
		return complexTensor(re, im, fdt, dims), info, nil
	}
	return floatTensor(re, fdt, dims), info, nil
}

// EvalConvertTensorToPyr is ConvertTensorToPyr on tensors (on the host).
func EvalConvertTensorToPyr(t *tensors.Tensor, info PyrInfo) (TensorCoeffs, error) {
	if t == nil || t.Rank() != 4 {
		return TensorCoeffs{}, fmt.Errorf("pyramid: pyramid tensor must be 4-D [B, channels, H, W]")
	}
	d := t.Shape().Dimensions
	layout := tensorLayout(info.Keys)
	per := 0
	for _, k := range layout {
		per++
		if info.SplitComplex && !k.IsResidual() {
			per++
		}
	}
	if info.NumChannels < 1 || d[1] != per*info.NumChannels {
		return TensorCoeffs{}, fmt.Errorf("pyramid: pyramid tensor has %d channels, the info describes %d channels of %d bands",
			d[1], info.NumChannels, per)
	}
	reT, imT := splitComplexTensor(t)
	re := toF64(reT)
	var im []float64
	if imT != nil {
		im = toF64(imT)
	}
	fdt := reT.DType()
	B, n, H, W := d[0], d[1], d[2], d[3]
	hw := H * W
	C := info.NumChannels
	chanOf := func(v []float64, j int) []float64 { // [B][hw] of channel j
		out := make([]float64, B*hw)
		for b := range B {
			copy(out[b*hw:(b+1)*hw], v[(b*n+j)*hw:(b*n+j+1)*hw])
		}
		return out
	}
	type acc struct{ re, im [][]float64 }
	parts := map[Key]*acc{}
	j := 0
	for range C {
		for _, k := range layout {
			a := parts[k]
			if a == nil {
				a = &acc{}
				parts[k] = a
			}
			switch {
			case info.SplitComplex && !k.IsResidual():
				a.re = append(a.re, chanOf(re, j))
				a.im = append(a.im, chanOf(re, j+1))
				j += 2
			default:
				a.re = append(a.re, chanOf(re, j))
				if im != nil && !k.IsResidual() {
					a.im = append(a.im, chanOf(im, j))
				}
				j++
			}
		}
	}
	out := TensorCoeffs{Bands: map[Key]*tensors.Tensor{}}
	for _, k := range info.Keys {
		a := parts[k]
		join := func(ps [][]float64) []float64 { // [B][C][hw]
			v := make([]float64, B*C*hw)
			for c, p := range ps {
				for b := range B {
					copy(v[(b*C+c)*hw:(b*C+c+1)*hw], p[b*hw:(b+1)*hw])
				}
			}
			return v
		}
		dims := []int{B, C, H, W}
		if len(a.im) > 0 {
			out.Bands[k] = complexTensor(join(a.re), join(a.im), fdt, dims)
		} else {
			out.Bands[k] = floatTensor(join(a.re), fdt, dims)
		}
		out.Keys = append(out.Keys, k)
	}
	return out, nil
}

func toF64(t *tensors.Tensor) []float64 {
	if t.DType() == dtypes.Float64 {
		return tensors.MustCopyFlatData[float64](t)
	}
	f := tensors.MustCopyFlatData[float32](t)
	out := make([]float64, len(f))
	for i, v := range f {
		out[i] = float64(v)
	}
	return out
}

func floatTensor(v []float64, dt dtypes.DType, dims []int) *tensors.Tensor {
	if dt == dtypes.Float64 {
		return tensors.FromFlatDataAndDimensions(v, dims...)
	}
	f := make([]float32, len(v))
	for i, x := range v {
		f[i] = float32(x)
	}
	return tensors.FromFlatDataAndDimensions(f, dims...)
}

func complexTensor(re, im []float64, dt dtypes.DType, dims []int) *tensors.Tensor {
	if dt == dtypes.Float64 {
		z := make([]complex128, len(re))
		for i := range z {
			z[i] = complex(re[i], im[i])
		}
		return tensors.FromFlatDataAndDimensions(z, dims...)
	}
	z := make([]complex64, len(re))
	for i := range z {
		z[i] = complex(float32(re[i]), float32(im[i]))
	}
	return tensors.FromFlatDataAndDimensions(z, dims...)
}
