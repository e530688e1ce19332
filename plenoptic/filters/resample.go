package filters

import (
	"fmt"
	"slices"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// Resampling: plenoptic's tools.conv (correlate_downsample, upsample_convolve,
// blur_downsample, upsample_blur) and the operations built on them. Each one
// is the convolution block (Depthwise, exact adjoint) combined with index
// maps along the height and width: crops, stride-2 subsampling, zero
// insertion and border extension. An index map is a Gather (with a 0/1 mask
// for inserted zeros); its gradient is a ScatterSum and that one's a Gather,
// all available on every backend, so values and gradients of every order are
// exact there too.

// indexAxis returns x ([B, C, H, W]) with axis (2 or 3) rebuilt from src:
// entry i of the new axis is entry src[i] of the old one, or 0 where
// src[i] < 0.
func indexAxis(x *Node, axis int, src []int) *Node {
	n := x.Shape().Dimensions[axis]
	identity := len(src) == n
	for i, s := range src {
		identity = identity && s == i
	}
	if identity {
		return x
	}
	if n%2 == 0 && len(src) == n/2 && slices.Equal(src, rangeIdx(0, n/2, 2)) {
		return evenSamples(x, axis)
	}
	idx := make([][]int32, len(src))
	var mask []float64
	for i, s := range src {
		if s < 0 {
			if mask == nil {
				mask = slices.Repeat([]float64{1}, len(src))
			}
			mask[i], s = 0, 0
		}
		idx[i] = []int32{int32(s)}
	}
	xt := Transpose(x, 0, axis) // the indexed axis first: Gather indexes leading axes
	y := Gather(xt, Const(x.Graph(), idx), sortedInts(src))
	if mask != nil {
		dims := []int{len(src), 1, 1, 1}
		y = Mul(y, ConvertDType(Reshape(Const(x.Graph(), mask), dims...), x.DType()))
	}
	return Transpose(y, 0, axis)
}

// evenSamples keeps samples 0, 2, 4, ... of an even-length axis (2 or 3):
// the axis is split into pairs and the second of each pair is masked out,
// which needs no Gather (cheaper to build and run).
func evenSamples(x *Node, axis int) *Node {
	d := x.Shape().Dimensions
	split := slices.Clone(d[:axis])
	split = append(split, d[axis]/2, 2)
	split = append(split, d[axis+1:]...)
	maskDims := slices.Repeat([]int{1}, len(split))
	maskDims[axis+1] = 2
	mask := ConvertDType(Reshape(Const(x.Graph(), []float64{1, 0}), maskDims...), x.DType())
	return ReduceSum(Mul(Reshape(x, split...), mask), axis+1)
}

// Remap returns the image rebuilt from index maps along the height and
// width: out[b, c, i, j] = x[b, c, rows[i], cols[j]], or 0 where rows[i] or
// cols[j] is negative; x is [B, C, H, W], the result [B, C, len(rows),
// len(cols)]. It is a Gather per axis (an even-sample subsampling is a
// reshape instead), so its gradients of every order are exact on every
// backend. It panics on an index out of range.
func Remap(x *Node, rows, cols []int) *Node {
	d := x.Shape().Dimensions
	if len(d) != 4 {
		panicf("filters: Remap: input must be 4-D [B, C, H, W], got shape %v", d)
	}
	for a, src := range [][]int{rows, cols} {
		if len(src) == 0 {
			panicf("filters: Remap: empty index map")
		}
		for _, s := range src {
			if s >= d[2+a] {
				panicf("filters: Remap: index %d out of range for an axis of %d", s, d[2+a])
			}
		}
	}
	return indexAxis(indexAxis(x, 2, rows), 3, cols)
}

// Crop returns x[:, :, top:top+h, left:left+w] ([B, C, H, W] in), with exact
// gradients of every order on every backend (see Remap). It panics when the
// box does not fit.
func Crop(x *Node, top, left, h, w int) *Node {
	d := x.Shape().Dimensions
	if len(d) != 4 || top < 0 || left < 0 || h <= 0 || w <= 0 || top+h > d[2] || left+w > d[3] {
		panicf("filters: Crop: box %d×%d at (%d, %d) does not fit in shape %v", h, w, top, left, d)
	}
	return Remap(x, rangeIdx(top, h, 1), rangeIdx(left, w, 1))
}

func sortedInts(s []int) bool {
	for i := 1; i < len(s); i++ {
		if max(s[i], 0) < max(s[i-1], 0) {
			return false
		}
	}
	return true
}

// rangeIdx returns start, start+step, ... (n values).
func rangeIdx(start, n, step int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = start + i*step
	}
	return out
}

func checkKernelFits(dims []int, dtype dtypes.DType, k Kernel, what string) error {
	if len(dims) != 4 {
		return fmt.Errorf("filters: %s: input must be 4-D [B, C, H, W], got shape %v", what, dims)
	}
	if !dtype.IsFloat() {
		return fmt.Errorf("filters: %s: input must be a float tensor, got %s", what, dtype)
	}
	if k.H <= 0 || k.W <= 0 {
		return fmt.Errorf("filters: %s: empty kernel", what)
	}
	if dims[2] == 0 || dims[3] == 0 {
		return fmt.Errorf("filters: %s: empty image %v", what, dims)
	}
	return nil
}

// CheckDepthwiseValid returns an error describing why DepthwiseValid cannot
// apply kernels to an input of the given dimensions and dtype, or nil: the
// kernels must share one size no larger than the image (torch's rule).
func CheckDepthwiseValid(dims []int, dtype dtypes.DType, kernels []Kernel) error {
	if len(kernels) == 0 {
		return fmt.Errorf("filters: DepthwiseValid: no kernels given")
	}
	k := kernels[0]
	if err := checkKernelFits(dims, dtype, k, "DepthwiseValid"); err != nil {
		return err
	}
	for _, kk := range kernels[1:] {
		if kk.H != k.H || kk.W != k.W {
			return fmt.Errorf("filters: DepthwiseValid: kernels differ in size: %d×%d and %d×%d", k.H, k.W, kk.H, kk.W)
		}
	}
	if k.H > dims[2] || k.W > dims[3] {
		return fmt.Errorf("filters: DepthwiseValid: kernel %d×%d is larger than the %d×%d image", k.H, k.W, dims[2], dims[3])
	}
	return CheckDepthwise(dims, dtype, kernels, Constant)
}

// DepthwiseValid is torch's conv2d without padding, per channel (groups =
// channels): kernels[c] (or one kernel for all channels) is correlated with
// channel c of x ([B, C, H, W]) wherever it fits, giving
// [B, C, H−kh+1, W−kw+1]. Value and gradients are exact on every backend.
// It panics (GoMLX style) on bad input; see CheckDepthwiseValid.
func DepthwiseValid(x *Node, kernels []Kernel) *Node {
	dims := x.Shape().Dimensions
	if err := CheckDepthwiseValid(dims, x.DType(), kernels); err != nil {
		panic(err)
	}
	k := kernels[0]
	y := Depthwise(x, kernels, Constant)
	bh, _ := SamePad(k.H)
	bw, _ := SamePad(k.W)
	y = indexAxis(y, 2, rangeIdx(bh, dims[2]-k.H+1, 1))
	return indexAxis(y, 3, rangeIdx(bw, dims[3]-k.W+1, 1))
}

// CheckCorrelateDownsample returns an error describing why
// CorrelateDownsample cannot filter an input of these dimensions, or nil.
func CheckCorrelateDownsample(dims []int, dtype dtypes.DType, k Kernel, m PadMode) error {
	if err := checkKernelFits(dims, dtype, k, "CorrelateDownsample"); err != nil {
		return err
	}
	return CheckDepthwise(dims, dtype, []Kernel{k}, m)
}

// CorrelateDownsample is plenoptic's correlate_downsample(x, k, padding_mode=m):
// "same" padding of the image in mode m for k, correlation with k, and
// every second sample kept along both axes (starting with the first), giving
// [B, C, ⌈H/2⌉, ⌈W/2⌉]. It panics on bad input; see CheckCorrelateDownsample.
func CorrelateDownsample(x *Node, k Kernel, m PadMode) *Node {
	dims := x.Shape().Dimensions
	if err := CheckCorrelateDownsample(dims, x.DType(), k, m); err != nil {
		panic(err)
	}
	y := Depthwise(x, []Kernel{k}, m)
	y = indexAxis(y, 2, rangeIdx(0, (dims[2]+1)/2, 2))
	return indexAxis(y, 3, rangeIdx(0, (dims[3]+1)/2, 2))
}

// upsampleSource is the index map of upsample_convolve's input stage along
// one axis of length n: the coarse signal padded in mode m, with zeros
// inserted between samples and zero borders, ready for a valid correlation
// with a kernel of size k that gives 2n−odd samples.
func upsampleSource(n, odd, k int, m PadMode) []int {
	padStart := k / 2
	padEnd := k - odd - padStart
	pre, post := padStart/2, padEnd/2
	lead, trail := padStart%2, padEnd%2
	zlen := 2*(n+pre+post-1) + 1
	src := make([]int, lead+zlen+trail)
	for p := range src {
		q := p - lead
		if q < 0 || q >= zlen || q%2 == 1 {
			src[p] = -1
			continue
		}
		src[p] = padSource(q/2, n, pre, m)
	}
	return src
}

// CheckUpsampleConvolve returns an error describing why UpsampleConvolve
// cannot filter an input of these dimensions, or nil.
func CheckUpsampleConvolve(dims []int, dtype dtypes.DType, odd [2]int, k Kernel, m PadMode) error {
	if err := checkKernelFits(dims, dtype, k, "UpsampleConvolve"); err != nil {
		return err
	}
	for i, o := range odd {
		if o != 0 && o != 1 {
			return fmt.Errorf("filters: UpsampleConvolve: odd must hold 0s and 1s, got %v", odd)
		}
		ks := []int{k.H, k.W}[i]
		if ks-o < 1 {
			return fmt.Errorf("filters: UpsampleConvolve: a %d-tap kernel cannot give an odd output", ks)
		}
		ps := ks / 2
		pe := ks - o - ps
		if err := checkPad(m, dims[2+i], ps/2, pe/2, []string{"height", "width"}[i]); err != nil {
			return err
		}
	}
	return nil
}

// UpsampleConvolve is plenoptic's upsample_convolve(x, odd, k,
// padding_mode=m): the image padded in mode m, upsampled by 2 with zeros
// between samples, and convolved (correlated with the flipped kernel), giving
// [B, C, 2H−odd[0], 2W−odd[1]]. It panics on bad input; see
// CheckUpsampleConvolve.
func UpsampleConvolve(x *Node, odd [2]int, k Kernel, m PadMode) *Node {
	dims := x.Shape().Dimensions
	if err := CheckUpsampleConvolve(dims, x.DType(), odd, k, m); err != nil {
		panic(err)
	}
	w := indexAxis(x, 2, upsampleSource(dims[2], odd[0], k.H, m))
	w = indexAxis(w, 3, upsampleSource(dims[3], odd[1], k.W, m))
	return DepthwiseValid(w, []Kernel{k.Flipped()})
}

// binom5 is pyrtools' binomial filter [1, 4, 6, 4, 1]/16 times s. pyrtools'
// named filter "binom5" is √2 times it, so its outer product is
// [1 4 6 4 1]ᵀ[1 4 6 4 1]/128; the factors below give that product (and its
// halved and doubled versions) exactly.
func binom5(s float64) []float64 {
	return []float64{s / 16, 4 * s / 16, 6 * s / 16, 4 * s / 16, s / 16}
}

// blurKernel returns the 2-D binom5 kernel that sums to sum (1, 2 or 4).
func blurKernel(sum float64) Kernel {
	switch sum {
	case 1:
		return Separable(binom5(1), binom5(1))
	case 2:
		return Separable(binom5(1), binom5(2))
	default:
		return Separable(binom5(2), binom5(2))
	}
}

// BlurOptions are the keyword arguments of plenoptic's blur_downsample and
// upsample_blur (the filter is always "binom5", their default).
type BlurOptions struct {
	// Scales is how many times BlurDownsample is applied (n_scales; 0 means
	// plenoptic's default, 1). UpsampleBlur ignores it.
	Scales int
	// UnscaledFilter selects scale_filter=False: the 2-D filter sums to 2
	// instead of 1 (BlurDownsample) or 4 (UpsampleBlur). The zero value is
	// plenoptic's default, scale_filter=True.
	UnscaledFilter bool
}

// CheckBlurDownsample returns an error describing why BlurDownsample cannot
// filter an input of these dimensions, or nil: every scale must be at least
// 3 pixels high and wide (reflect padding by 2).
func CheckBlurDownsample(dims []int, dtype dtypes.DType, opts BlurOptions) error {
	if opts.Scales < 0 {
		return fmt.Errorf("filters: BlurDownsample: Scales must be non-negative, got %d", opts.Scales)
	}
	d := slices.Clone(dims)
	for range max(opts.Scales, 1) {
		if err := CheckCorrelateDownsample(d, dtype, blurKernel(1), Reflect); err != nil {
			return err
		}
		d[2], d[3] = (d[2]+1)/2, (d[3]+1)/2
	}
	return nil
}

// BlurDownsample is plenoptic's blur_downsample: CorrelateDownsample with
// the 5×5 binomial filter and reflect padding, applied opts.Scales times.
// It panics on bad input; see CheckBlurDownsample.
func BlurDownsample(x *Node, opts BlurOptions) *Node {
	if err := CheckBlurDownsample(x.Shape().Dimensions, x.DType(), opts); err != nil {
		panic(err)
	}
	k := blurKernel(1)
	if opts.UnscaledFilter {
		k = blurKernel(2)
	}
	for range max(opts.Scales, 1) {
		x = CorrelateDownsample(x, k, Reflect)
	}
	return x
}

// CheckUpsampleBlur returns an error describing why UpsampleBlur cannot
// filter an input of these dimensions, or nil (the image must be at least 2
// pixels high and wide).
func CheckUpsampleBlur(dims []int, dtype dtypes.DType, odd [2]int) error {
	return CheckUpsampleConvolve(dims, dtype, odd, blurKernel(4), Reflect)
}

// UpsampleBlur is plenoptic's upsample_blur(x, odd): UpsampleConvolve with
// the 5×5 binomial filter (summing to 4, or 2 with opts.UnscaledFilter) and
// reflect padding, giving [B, C, 2H−odd[0], 2W−odd[1]]. It panics on bad
// input; see CheckUpsampleBlur.
func UpsampleBlur(x *Node, odd [2]int, opts BlurOptions) *Node {
	k := blurKernel(4)
	if opts.UnscaledFilter {
		k = blurKernel(2)
	}
	return UpsampleConvolve(x, odd, k, Reflect)
}

// PyramidOptions are the arguments of plenoptic's LaplacianPyramid.
type PyramidOptions struct {
	// Scales is the number of scales (n_scales; 0 means plenoptic's
	// default, 5).
	Scales int
	// ScaleFilter is scale_filter: when true the down- and upsampling
	// filters sum to 1 and 4, so the n-th scale is divided by 2ⁿ relative to
	// the default (filters summing to 2). The zero value is plenoptic's
	// default, false.
	ScaleFilter bool
}

func (o PyramidOptions) scales() int {
	if o.Scales == 0 {
		return 5
	}
	return o.Scales
}

func (o PyramidOptions) blur() BlurOptions { return BlurOptions{UnscaledFilter: !o.ScaleFilter} }

// CheckLaplacianPyramid returns an error describing why LaplacianPyramid
// cannot decompose an input of these dimensions, or nil: every scale but the
// last must be at least 3 pixels high and wide.
func CheckLaplacianPyramid(dims []int, dtype dtypes.DType, opts PyramidOptions) error {
	n := opts.scales()
	if n < 1 {
		return fmt.Errorf("filters: LaplacianPyramid: Scales must be positive, got %d", opts.Scales)
	}
	if len(dims) != 4 {
		return fmt.Errorf("filters: LaplacianPyramid: input must be 4-D [B, C, H, W], got shape %v", dims)
	}
	if !dtype.IsFloat() {
		return fmt.Errorf("filters: LaplacianPyramid: input must be a float tensor, got %s", dtype)
	}
	h, w := dims[2], dims[3]
	for s := range n - 1 {
		if h < 3 || w < 3 {
			return fmt.Errorf("filters: LaplacianPyramid: %d scales need every scale but the last at least 3×3 (reflect padding), but scale %d of the %d×%d image is %d×%d",
				n, s, dims[2], dims[3], h, w)
		}
		h, w = (h+1)/2, (w+1)/2
	}
	return nil
}

// LaplacianPyramid is plenoptic's LaplacianPyramid(n_scales,
// scale_filter).forward(x): for each scale but the last, the image minus
// its blurred, downsampled and re-upsampled copy (BlurDownsample then
// UpsampleBlur), then the next scale works on the downsampled copy; the last
// scale is the remaining low-pass image. Scales go from fine to coarse;
// scale s is [B, C, ⌈H/2ˢ⌉, ⌈W/2ˢ⌉]. It panics on bad input; see
// CheckLaplacianPyramid.
func LaplacianPyramid(x *Node, opts PyramidOptions) []*Node {
	if err := CheckLaplacianPyramid(x.Shape().Dimensions, x.DType(), opts); err != nil {
		panic(err)
	}
	n := opts.scales()
	out := make([]*Node, 0, n)
	for range n - 1 {
		d := x.Shape().Dimensions
		down := BlurDownsample(x, opts.blur())
		up := UpsampleBlur(down, [2]int{d[2] % 2, d[3] % 2}, opts.blur())
		out = append(out, Sub(x, up))
		x = down
	}
	return append(out, x)
}

// ReconLaplacianPyramid is plenoptic's LaplacianPyramid.recon_pyr: it
// rebuilds the image from its scales (as LaplacianPyramid returns them,
// with the same options), coarse to fine.
func ReconLaplacianPyramid(y []*Node, opts PyramidOptions) *Node {
	if len(y) == 0 {
		panicf("filters: ReconLaplacianPyramid: no scales given")
	}
	x := y[len(y)-1]
	for s := len(y) - 1; s > 0; s-- {
		d := y[s-1].Shape().Dimensions
		x = Add(y[s-1], UpsampleBlur(x, [2]int{d[2] % 2, d[3] % 2}, opts.blur()))
	}
	return x
}
