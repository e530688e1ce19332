package metric

import (
	"io"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/goplenoptic/goplenoptic/plenoptic/filters"
)

// NoPad is SSIMOptions.Pad's zero value: the local averages use only the
// windows that fit inside the image (plenoptic's pad=False).
const NoPad filters.PadMode = ""

// SSIM's constants: the window (11×11 circular Gaussian of standard
// deviation 1.5, cut to the image when it is smaller) and the stabilisers
// C1 = 0.01², C2 = 0.03² (for a dynamic range of 1).
const (
	windowSize = 11
	windowStd  = 1.5
	ssimC1     = 0.01 * 0.01
	ssimC2     = 0.03 * 0.03
)

// SSIMOptions are the keyword arguments of plenoptic's ssim.
type SSIMOptions struct {
	// Weighted selects the weighted mean of the SSIM map (Wang & Simoncelli
	// 2008), with weight log((1 + σ₁²/C2)(1 + σ₂²/C2)). The zero value is
	// plenoptic's default, the plain mean (weighted=False).
	Weighted bool
	// Pad pads both images in this mode (filters.Reflect, Circular,
	// Replicate or Constant, as torch's F.pad) before the local averages, so
	// the SSIM map is as large as the image. The zero value, NoPad, is
	// plenoptic's default pad=False.
	Pad filters.PadMode
	// Log receives plenoptic's warnings; nil means os.Stderr.
	Log io.Writer
}

// SSIMMapOptions are the settings of SSIMMap (plenoptic's ssim_map has no
// keyword arguments).
type SSIMMapOptions struct {
	// Log receives plenoptic's warnings; nil means os.Stderr.
	Log io.Writer
}

// MSSSIMOptions are the keyword arguments of plenoptic's ms_ssim.
type MSSSIMOptions struct {
	// PowerFactors are the exponents of the scales, fine to coarse; their
	// number is the number of scales. nil means plenoptic's default
	// [0.0448, 0.2856, 0.3001, 0.2363, 0.1333] (Wang, Simoncelli & Bovik
	// 2003).
	PowerFactors []float64
	// Log receives plenoptic's warnings; nil means os.Stderr.
	Log io.Writer
}

// defaultPowerFactors are MS-SSIM's default exponents, fine to coarse.
var defaultPowerFactors = []float64{0.0448, 0.2856, 0.3001, 0.2363, 0.1333}

func (o MSSSIMOptions) powerFactors() []float64 {
	if o.PowerFactors == nil {
		return defaultPowerFactors
	}
	return o.PowerFactors
}

// ssimParts computes plenoptic's _ssim_parts: the SSIM map, the
// contrast-structure map and the weight map of two images, broadcast to
// their common [B, C]. The local statistics are Gaussian-weighted averages
// over a window (min(11, H, W) square, std 1.5). All maps are computed at
// the images' size: with pad NoPad the averages use zero padding and only
// the windows that fit inside the image are valid (plenoptic computes those
// only; see validBox), with another mode the images are padded that way.
func ssimParts(a, b *Node, pad filters.PadMode) (ssimMap, csMap, weight *Node) {
	da := a.Shape().Dimensions
	win := ssimWindow(min(windowSize, da[2], da[3]))
	mode := pad
	if pad == NoPad {
		mode = filters.Constant
	}
	bb, cc := broadcastDims(a.Shape(), b.Shape())
	bc := func(x *Node) *Node { return broadcastTo(x, bb, cc) }
	// Five filterings rather than one of the five stacked: splitting the
	// stack again costs more than it saves (measured on XLA: 13 ms against
	// 10 ms for SSIM's loss and gradient on 256×256).
	avg := func(x *Node) *Node { return filters.Depthwise(x, []filters.Kernel{win}, mode) }
	mu1, mu2 := bc(avg(a)), bc(avg(b))
	e11, e22 := bc(avg(Mul(a, a))), bc(avg(Mul(b, b)))
	e12 := avg(Mul(bc(a), bc(b)))

	mu1sq, mu2sq, mu12 := Mul(mu1, mu1), Mul(mu2, mu2), Mul(mu1, mu2)
	s11, s22, s12 := Sub(e11, mu1sq), Sub(e22, mu2sq), Sub(e12, mu12)

	lum := Div(AddScalar(MulScalar(mu12, 2), ssimC1), AddScalar(Add(mu1sq, mu2sq), ssimC1))
	csMap = Div(AddScalar(MulScalar(s12, 2), ssimC2), AddScalar(Add(s11, s22), ssimC2))
	ssimMap = Mul(lum, csMap)
	weight = Log(Mul(AddScalar(DivScalar(s11, ssimC2), 1), AddScalar(DivScalar(s22, ssimC2), 1)))
	return ssimMap, csMap, weight
}

// plenopticWindowSum[k−1] is the sum (in float64) of plenoptic's k×k SSIM
// window. plenoptic builds the window in float32 (circular_gaussian2d with a
// float32 std) and uses it as is, also on float64 images, so it sums to 1
// only to float32 precision; the SSIM variances, differences of nearly equal
// local averages, amplify that scale error about 10⁴ times in flat regions.
// ssimWindow scales the exact Gaussian by it, which makes float64 results
// agree with plenoptic's to round-off (TestWindowSums checks the values
// against plenoptic).
var plenopticWindowSum = [windowSize]float64{
	1, 1, 1, 1.0000000894069672, 1.0000000223517418, 1.0000000465661287,
	0.9999999417923391, 0.9999999612336978, 1.000000058033038, 0.9999999362444214,
	1.0000000302616172,
}

// ssimWindow returns SSIM's k×k window: the separable circular Gaussian of
// std 1.5 normalised as plenoptic's (see plenopticWindowSum).
func ssimWindow(k int) filters.Kernel {
	g := make([]float64, k)
	sum := 0.0
	for i := range g {
		d := float64(i+1) - float64(k+1)/2
		g[i] = math.Exp(-d * d / (2 * windowStd * windowStd))
		sum += g[i]
	}
	col, row := make([]float64, k), make([]float64, k)
	for i := range g {
		col[i] = g[i] / sum * plenopticWindowSum[k-1]
		row[i] = g[i] / sum
	}
	return filters.Separable(col, row)
}

// validBox returns where plenoptic's unpadded maps lie in ssimParts' maps
// of an h×w image: rows [top, top+mh), columns [left, left+mw).
func validBox(h, w int) (top, left, mh, mw int) {
	size := min(windowSize, h, w)
	before, _ := filters.SamePad(size)
	return before, before, h - size + 1, w - size + 1
}

// validMask is the [1, 1, h, w] indicator of validBox, in dtype dt, built
// as the product of a row and a column indicator (small constants: XLA
// takes about 50 ms to compile each 256×256 one).
func validMask(g *Graph, dt dtypes.DType, h, w int) *Node {
	top, left, mh, mw := validBox(h, w)
	ind := func(n, start, count int) []float64 {
		v := make([]float64, n)
		for i := start; i < start+count; i++ {
			v[i] = 1
		}
		return v
	}
	rows := ConvertDType(Reshape(Const(g, ind(h, top, mh)), 1, 1, h, 1), dt)
	cols := ConvertDType(Reshape(Const(g, ind(w, left, mw)), 1, 1, 1, w), dt)
	return Mul(rows, cols)
}

// meanValid is the mean of a ssimParts map over plenoptic's region: the
// valid windows for NoPad, everything otherwise.
func meanValid(x *Node, pad filters.PadMode) *Node {
	if pad != NoPad {
		return meanHW(x)
	}
	d := x.Shape().Dimensions
	_, _, mh, mw := validBox(d[2], d[3])
	return meanOf(Mul(x, validMask(x.Graph(), x.DType(), d[2], d[3])), mh*mw)
}

// sumHW sums x over its last two axes, accumulating float32 in float64 (so
// the result is the correctly rounded sum on every backend: the pure-Go
// backend adds float32 values in sequence).
func sumHW(x *Node) *Node {
	dt := x.DType()
	if dt == dtypes.Float32 {
		return ConvertDType(ReduceSum(ConvertDType(x, dtypes.Float64), -2, -1), dt)
	}
	return ReduceSum(x, -2, -1)
}

// meanHW is the mean of x over its last two axes (see sumHW).
func meanHW(x *Node) *Node {
	d := x.Shape().Dimensions
	return meanOf(x, d[len(d)-2]*d[len(d)-1])
}

// meanOf is the sum of x over its last two axes divided by count (see
// sumHW).
func meanOf(x *Node, count int) *Node {
	n := float64(count)
	dt := x.DType()
	if dt == dtypes.Float32 {
		return ConvertDType(DivScalar(ReduceSum(ConvertDType(x, dtypes.Float64), -2, -1), n), dt)
	}
	return DivScalar(ReduceSum(x, -2, -1), n)
}

// reluT is torch's relu, whose gradient at 0 is 0 (GoMLX's Max gives 1).
func reluT(x *Node) *Node {
	return Where(GreaterThan(x, ZerosLike(x)), x, ZerosLike(x))
}

// absT is torch's abs, whose gradient at 0 is 0 (GoMLX's Abs gives 1).
func absT(x *Node) *Node { return Mul(x, Sign(x)) }

// SSIM is plenoptic's ssim(a, b, weighted, pad): the structural similarity
// index of each image pair, the mean of SSIMMap (or its weighted mean). a
// and b are [B, C, H, W] with the same H and W and batch and channel sizes
// equal or 1 (each channel is compared separately, like a batch); the
// result is [B, C] (the larger of each pair of sizes). SSIM is 1 for
// identical images and at most 1; values in [0, 1] are assumed (others give
// wrong results). It is differentiable on every backend, so 1 − SSIM can be
// a synthesis loss.
//
// Graph building panics (GoMLX style) on bad input: see CheckSSIM. The
// warnings plenoptic prints for colour and small images go to opts.Log when
// the graph is built; the range warning needs values and only EvalSSIM
// gives it.
func SSIM(a, b *Node, opts SSIMOptions) *Node {
	if err := CheckSSIM(a.Shape(), b.Shape(), opts); err != nil {
		panic(err)
	}
	l := newLogger(opts.Log, "SSIM")
	warnChannels(l, a.Shape(), b.Shape(), "SSIM")
	m, _, w := ssimParts(a, b, opts.Pad)
	var out *Node
	if opts.Weighted {
		if opts.Pad == NoPad {
			d := a.Shape().Dimensions
			w = Mul(w, validMask(a.Graph(), a.DType(), d[2], d[3]))
		}
		out = Div(sumHW(Mul(m, w)), sumHW(w))
	} else {
		out = meanValid(m, opts.Pad)
	}
	if d := a.Shape().Dimensions; min(d[2], d[3]) < windowSize {
		l.warn(warnSmall)
	}
	return out
}

// SSIMMap is plenoptic's ssim_map(a, b): the SSIM of each local window,
// [B, C, H−10, W−10] for images at least 11×11 (a window cut to the image,
// and a smaller map, for smaller ones). Inputs as for SSIM; graph building
// panics on bad input (see CheckSSIM).
func SSIMMap(a, b *Node, opts SSIMMapOptions) *Node {
	if err := CheckSSIM(a.Shape(), b.Shape(), SSIMOptions{}); err != nil {
		panic(err)
	}
	l := newLogger(opts.Log, "SSIM")
	if d := a.Shape().Dimensions; min(d[2], d[3]) < windowSize {
		l.warn(warnSmall)
	}
	warnChannels(l, a.Shape(), b.Shape(), "SSIM")
	m, _, _ := ssimParts(a, b, NoPad)
	d := a.Shape().Dimensions
	top, left, mh, mw := validBox(d[2], d[3])
	return filters.Crop(m, top, left, mh, mw)
}

// msDownsample is MS-SSIM's downsampling: replicate-pad odd sizes to even
// (filters.Remap repeating the last row or column), then average 2×2 blocks.
func msDownsample(x *Node) *Node {
	d := x.Shape().Dimensions
	h, w := d[2]+d[2]%2, d[3]+d[3]%2
	if h != d[2] || w != d[3] {
		rows, cols := make([]int, h), make([]int, w)
		for i := range rows {
			rows[i] = min(i, d[2]-1)
		}
		for j := range cols {
			cols[j] = min(j, d[3]-1)
		}
		x = filters.Remap(x, rows, cols)
	}
	blocks := Reshape(x, d[0], d[1], h/2, 2, w/2, 2)
	return MulScalar(ReduceSum(blocks, 3, 5), 0.25)
}

// MSSSIM is plenoptic's ms_ssim(a, b, power_factors): the multiscale SSIM
// of each image pair, [B, C] (inputs as for SSIM). At each of the M scales
// (M = len(PowerFactors), default 5) but the coarsest it takes the mean of
// the contrast-structure map, at the coarsest the mean SSIM, clips each at 0,
// raises it to its power factor and multiplies them; between scales both
// images are replicate-padded to even sizes and 2×2-averaged. Scales smaller
// than 11 pixels use a smaller window (with a warning), as plenoptic does.
// Graph building panics on bad input (see CheckMSSSIM).
func MSSSIM(a, b *Node, opts MSSSIMOptions) *Node {
	if err := CheckMSSSIM(a.Shape(), b.Shape(), opts); err != nil {
		panic(err)
	}
	l := newLogger(opts.Log, "MS-SSIM")
	warnChannels(l, a.Shape(), b.Shape(), "SSIM")
	pf := opts.powerFactors()
	dt := a.DType()
	var out *Node
	term := func(m *Node, p float64) {
		t := Pow(reluT(m), Scalar(a.Graph(), dt, p))
		if out == nil {
			out = t
		} else {
			out = Mul(out, t)
		}
	}
	for _, p := range pf[:len(pf)-1] {
		_, cs, _ := ssimParts(a, b, NoPad)
		term(meanValid(cs, NoPad), p)
		a, b = msDownsample(a), msDownsample(b)
	}
	m, _, _ := ssimParts(a, b, NoPad)
	term(meanValid(m, NoPad), pf[len(pf)-1])
	if d := a.Shape().Dimensions; min(d[2], d[3]) < windowSize {
		l.warn(warnSmallMS)
	}
	return out
}

// MSE is plenoptic's metric.mse(a, b): the mean of (a − b)² over the height
// and width of each image, [B, C] (inputs as for SSIM). For a single image
// it equals tools.MSE, which averages over all elements of a batch jointly.
// Graph building panics on bad input (see CheckMSE).
func MSE(a, b *Node) *Node {
	if err := CheckMSE(a.Shape(), b.Shape()); err != nil {
		panic(err)
	}
	bb, cc := broadcastDims(a.Shape(), b.Shape())
	d := Sub(broadcastTo(a, bb, cc), broadcastTo(b, bb, cc))
	return meanHW(Mul(d, d))
}
