package display

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// plane is one panel's worth of pixels: a grayscale (C == 1) or RGB(A)
// (C == 3 or 4) image stored row-major with the colour axis last.
type plane struct {
	H, W, C int
	Pix     []float64
}

// at returns the value of channel c at row y, column x.
func (p plane) at(y, x, c int) float64 { return p.Pix[(y*p.W+x)*p.C+c] }

// hasNumber reports whether the plane has at least one non-NaN value.
func (p plane) hasNumber() bool {
	for _, v := range p.Pix {
		if !math.IsNaN(v) {
			return true
		}
	}
	return false
}

// array4 is a host copy of a 4-D tensor.
type array4 struct {
	B, C, H, W int
	Data       []float64
}

func (a array4) index(b, c, y, x int) int { return ((b*a.C+c)*a.H+y)*a.W + x }

// gray returns the (b, c) slice as a grayscale plane.
func (a array4) gray(b, c int) plane {
	p := plane{H: a.H, W: a.W, C: 1, Pix: make([]float64, a.H*a.W)}
	copy(p.Pix, a.Data[a.index(b, c, 0, 0):a.index(b, c, 0, 0)+a.H*a.W])
	return p
}

// rgb returns batch b with its channels as colour.
func (a array4) rgb(b int) plane {
	p := plane{H: a.H, W: a.W, C: a.C, Pix: make([]float64, a.H*a.W*a.C)}
	for c := 0; c < a.C; c++ {
		for i := 0; i < a.H*a.W; i++ {
			p.Pix[i*a.C+c] = a.Data[a.index(b, c, 0, 0)+i]
		}
	}
	return p
}

// toFloat64 copies a float32 or float64 tensor to the host.
func toFloat64(t *tensors.Tensor) ([]float64, error) {
	if t == nil {
		return nil, fmt.Errorf("tensor is nil")
	}
	switch t.DType() {
	case dtypes.Float32:
		f, err := tensors.CopyFlatData[float32](t)
		if err != nil {
			return nil, err
		}
		out := make([]float64, len(f))
		for i, v := range f {
			out[i] = float64(v)
		}
		return out, nil
	case dtypes.Float64:
		return tensors.CopyFlatData[float64](t)
	default:
		return nil, fmt.Errorf("tensor has dtype %s, want float32 (or float64)", t.DType())
	}
}

// readArray4 copies a [B,C,H,W] tensor to the host.
func readArray4(t *tensors.Tensor) (array4, error) {
	if t == nil {
		return array4{}, fmt.Errorf("tensor is nil")
	}
	dims := t.Shape().Dimensions
	if len(dims) != 4 {
		return array4{}, fmt.Errorf("tensor has shape %v, want 4-D [B,C,H,W]", dims)
	}
	for _, d := range dims {
		if d == 0 {
			return array4{}, fmt.Errorf("tensor has shape %v, with an empty axis", dims)
		}
	}
	data, err := toFloat64(t)
	if err != nil {
		return array4{}, err
	}
	return array4{B: dims[0], C: dims[1], H: dims[2], W: dims[3], Data: data}, nil
}

// normIndex resolves a Python-style index (negative counts from the end).
func normIndex(i, n int, what string) (int, error) {
	j := i
	if j < 0 {
		j += n
	}
	if j < 0 || j >= n {
		return 0, fmt.Errorf("%s %d out of range for an axis of size %d", what, i, n)
	}
	return j, nil
}

// selectPlanes splits tensors into panels the way plenoptic's imshow does:
// batch-major, channel-minor, list entries in order.
func selectPlanes(imgs []*tensors.Tensor, batchIdx, channelIdx *int, asRGB bool) ([]plane, error) {
	if len(imgs) == 0 {
		return nil, fmt.Errorf("no images to show (empty list)")
	}
	var out []plane
	for k, t := range imgs {
		a, err := readArray4(t)
		if err != nil {
			return nil, fmt.Errorf("image %d: %w", k, err)
		}
		bs := make([]int, a.B)
		for i := range bs {
			bs[i] = i
		}
		if batchIdx != nil && a.B > 1 {
			b, err := normIndex(*batchIdx, a.B, "batch_idx")
			if err != nil {
				return nil, fmt.Errorf("image %d: %w", k, err)
			}
			bs = []int{b}
		}
		cs := make([]int, a.C)
		for i := range cs {
			cs[i] = i
		}
		if channelIdx != nil {
			c, err := normIndex(*channelIdx, a.C, "channel_idx")
			if err != nil {
				return nil, fmt.Errorf("image %d: %w", k, err)
			}
			cs = []int{c}
		}
		switch {
		case asRGB:
			if len(cs) != 3 && len(cs) != 4 {
				return nil, fmt.Errorf("image %d: as_rgb (AsRGB) needs 3 or 4 channels, got %d", k, len(cs))
			}
			for _, b := range bs {
				out = append(out, a.rgb(b))
			}
		case len(bs) > 1 && len(cs) > 1:
			return nil, fmt.Errorf("image %d has shape [%d,%d,%d,%d]: don't know how to plot non-rgb images with more than one channel and batch; set BatchIdx or ChannelIdx, or AsRGB",
				k, a.B, a.C, a.H, a.W)
		default:
			for _, b := range bs {
				for _, c := range cs {
					out = append(out, a.gray(b, c))
				}
			}
		}
	}
	return out, nil
}
