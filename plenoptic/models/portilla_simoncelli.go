package models

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/spectral"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/steer"
)

// PortillaSimoncelliOptions configures NewPortillaSimoncelli; zero fields
// take plenoptic 1.1.0's defaults.
type PortillaSimoncelliOptions struct {
	// NScales is the number of pyramid scales (default 4).
	NScales int
	// NOrientations is the number of orientations (default 4).
	NOrientations int
	// SpatialCorrWidth is the width of the auto-correlation windows
	// (default 9).
	SpatialCorrWidth int
}

// PortillaSimoncelli is plenoptic's PortillaSimoncelli texture statistics
// model (po.simulate.PortillaSimoncelli): the marginal pixel statistics, the
// auto-correlations, cross-orientation and cross-scale correlations of the
// magnitudes and real parts of a complex steerable pyramid's coefficients,
// and the statistics of the lowpass reconstructions at each scale, as a
// representation [B, C, K] in plenoptic 1.1.0's exact layout (redundant
// statistics dropped; see ConvertToDict).
//
// It is a Model (Forward builds the statistics on the graph; Apply evaluates
// them), usable by synth.NewMetamer with PortillaSimoncelliLoss, plenoptic
// 1.1.0's loss for texture metamers.
//
// Coarse-to-fine synthesis (plenoptic's MetamerCTF) needs two things from a
// model, which this one provides:
//
//	Scales() []string                                   the scales from coarse to fine
//	ForwardScales(x *graph.Node, scales []string) *graph.Node   the statistics of those scales only
//
// ForwardScales(x, nil) is Forward(x); the statistics keep the
// representation's order (RepresentationScales gives each one's scale).
//
// The computation follows plenoptic's exactly, with two shortcuts that
// change only float rounding: the lowpass reconstructions at each scale and
// the upsampled coefficients of the cross-scale statistics are computed in
// the Fourier domain on their own grids (plenoptic reconstructs at full size
// and resamples), and the highpass variance comes from Parseval's theorem.
type PortillaSimoncelli struct {
	h, w, nScales, nOri, width int
	f                          *steer.Filters
	layout                     []psStat
	idx                        []int    // kept statistics (indices into the full list)
	labels                     []string // scale of each kept statistic
	masks                      psMasks
}

// psMasks are the host masks (natural FFT order, float64) the model
// multiplies the image's spectrum by. Every spectrum the statistics need is
// a crop of the image's spectrum X times one of them: the pyramid's masks
// and the reconstruction's gains multiply, and a zero-filled embedding of a
// crop of X times a mask is X times the embedded mask. So the model crops X
// once per scale and multiplies it by these products, computed once here in
// float64, instead of chaining products, crops and embeddings on the graph
// (which made XLA compile hundreds more kernels, the larger part of its
// compile time).
type psMasks struct {
	hi0sq   []float64   // hi0mask², for the highpass variance (Parseval)
	bands   [][]float64 // bands[i]: scale i's O band masks, stacked [O, h, w]
	ups     [][]float64 // ups[i]: scale i+1's band masks embedded in scale i's grid, [O, h, w] (i < n−1)
	recon   [][]float64 // recon[L]: the gain of the lowpass reconstruction at level L (L = 0…n)
	reconSq [][]float64 // recon[L]²
}

// NewPortillaSimoncelli returns plenoptic's PortillaSimoncelli(image_shape,
// n_scales, n_orientations, spatial_corr_width). The image height and width
// must be divisible by 2 NScales times (plenoptic's check), and the coarsest
// scale must be at least SpatialCorrWidth pixels wide.
func NewPortillaSimoncelli(imageShape [2]int, opts PortillaSimoncelliOptions) (*PortillaSimoncelli, error) {
	h, w := imageShape[0], imageShape[1]
	ns, no, cw := opts.NScales, opts.NOrientations, opts.SpatialCorrWidth
	if ns == 0 {
		ns = 4
	}
	if no == 0 {
		no = 4
	}
	if cw == 0 {
		cw = 9
	}
	if h < 1 || w < 1 {
		return nil, fmt.Errorf("models: PortillaSimoncelli: image shape must be positive, got %d×%d", h, w)
	}
	if ns < 1 {
		return nil, fmt.Errorf("models: PortillaSimoncelli: n_scales must be positive, got %d", ns)
	}
	if no < 2 || no > 16 {
		return nil, fmt.Errorf("models: PortillaSimoncelli: n_orientations must be in [2, 16] (the pyramid's order n_orientations-1 is in [1, 15]), got %d", no)
	}
	if cw < 1 {
		return nil, fmt.Errorf("models: PortillaSimoncelli: spatial_corr_width must be positive, got %d", cw)
	}
	for i := range ns {
		if (h>>i)%2 != 0 || (w>>i)%2 != 0 || h%(1<<i) != 0 || w%(1<<i) != 0 {
			return nil, fmt.Errorf("models: PortillaSimoncelli: Because of how the Portilla-Simoncelli model handles "+
				"multiscale representations, it only works with images whose shape can be divided by 2 `n_scales` times "+
				"(image %d×%d, n_scales %d)", h, w, ns)
		}
	}
	if maxHt := steer.MaxHeight(h, w); ns > maxHt {
		return nil, fmt.Errorf("models: PortillaSimoncelli: Cannot build pyramid higher than %d levels. (image %d×%d, n_scales %d)", maxHt, h, w, ns)
	}
	if ch, cwid := h>>ns, w>>ns; cw > ch || cw > cwid {
		return nil, fmt.Errorf("models: PortillaSimoncelli: spatial_corr_width %d is larger than the coarsest scale (%d×%d for a %d×%d image with %d scales)",
			cw, ch, cwid, h, w, ns)
	}
	f, err := steer.NewFilters(steer.Config{H: h, W: w, NumScales: ns, Order: no - 1, TWidth: 1,
		Complex: true, Downsample: true})
	if err != nil {
		return nil, fmt.Errorf("models: PortillaSimoncelli: %w", err)
	}
	m := &PortillaSimoncelli{h: h, w: w, nScales: ns, nOri: no, width: cw, f: f, layout: psLayout(ns, no, cw)}
	m.idx, m.labels = psIndices(m.layout, nil)
	m.masks = psHostMasks(f)
	return m, nil
}

// psHostMasks computes the masks from the pyramid's:
// lowpass[i] is the product of the lowpass masks down to scale i (on its
// grid), band_i,b = lowpass[i]·himask[i]·anglemask[i][b], and the
// reconstruction at level L (plenoptic's reconstruct_lowpass of levels ≥ L,
// with the demeaned residual lowpass) has the gain D_L·lowpass[L], where
// D_n = lowpass[n]·(1 − δ_DC) and D_L = embed(D_{L+1}·lomask[L]) +
// lowpass[L]·k_L, k_L being the real part of the gain of scale L's bands
// through analysis and reconstruction.
func psHostMasks(f *steer.Filters) psMasks {
	var pm psMasks
	pm.hi0sq = make([]float64, len(f.Hi0))
	for i, v := range f.Hi0 {
		pm.hi0sq[i] = v * v
	}
	n := f.NumScales
	// lowpass[L]: the product of the lowpass masks above scale L, on its grid.
	lowpass := [][]float64{append([]float64(nil), f.Lo0...)}
	for L := 1; L <= n; L++ {
		prev := cropNatural(lowpass[L-1], f.Sizes[L-1], f.Sizes[L])
		for j, v := range f.LoMask[L-1] {
			prev[j] *= v
		}
		lowpass = append(lowpass, prev)
	}
	band := make([][][]float64, n)
	for i := range n {
		for b := range f.NumOrientations {
			m := make([]float64, len(lowpass[i]))
			for j := range m {
				m[j] = lowpass[i][j] * f.HiMask[i][j] * f.Angle[i][b][j]
			}
			band[i] = append(band[i], m)
		}
		pm.bands = append(pm.bands, concatMasks(band[i]))
	}
	for i := range n - 1 {
		var up [][]float64
		for _, m := range band[i+1] {
			up = append(up, embedNatural(m, f.Sizes[i+1], f.Sizes[i]))
		}
		pm.ups = append(pm.ups, concatMasks(up))
	}
	D := make([][]float64, n+1)
	D[n] = append([]float64(nil), lowpass[n]...)
	D[n][0] = 0 // the residual lowpass is demeaned
	for L := n - 1; L >= 0; L-- {
		sz := f.Sizes[L]
		k := make([]float64, sz[0]*sz[1])
		for b := range f.NumOrientations {
			for j := range k {
				k[j] += f.Angle[L][b][j] * f.AngleRecon[L][b][j]
			}
		}
		for j, v := range f.HiMask[L] {
			k[j] *= v * v
		}
		k = hermitianSym(k, sz[0], sz[1])
		next := make([]float64, len(D[L+1]))
		for j, v := range D[L+1] {
			next[j] = v * f.LoMask[L][j]
		}
		D[L] = embedNatural(next, f.Sizes[L+1], sz)
		for j := range D[L] {
			D[L][j] += lowpass[L][j] * k[j]
		}
	}
	for L := range n + 1 {
		r := make([]float64, len(D[L]))
		sq := make([]float64, len(D[L]))
		for j, v := range D[L] {
			r[j] = v * lowpass[L][j]
			sq[j] = r[j] * r[j]
		}
		pm.recon = append(pm.recon, r)
		pm.reconSq = append(pm.reconSq, sq)
	}
	return pm
}

// concatMasks joins masks of one grid into one [len(ms), h, w] array.
func concatMasks(ms [][]float64) []float64 {
	var out []float64
	for _, m := range ms {
		out = append(out, m...)
	}
	return out
}

// embedNatural is cropNatural's adjoint on the host: m (natural order, on
// grid from) placed in grid to, zero elsewhere.
func embedNatural(m []float64, from, to [2]int) []float64 {
	rows, cols := naturalIndices(from[0], to[0]), naturalIndices(from[1], to[1])
	out := make([]float64, to[0]*to[1])
	for i, r := range rows {
		for j, c := range cols {
			out[r*to[1]+c] = m[i*from[1]+j]
		}
	}
	return out
}

// naturalIndices are the indices, in a natural-order axis of length N, of
// the n lowest frequencies (−⌊n/2⌋ … ⌈n/2⌉−1) in the order a natural-order
// axis of length n holds them.
func naturalIndices(n, N int) []int {
	var out []int
	for k := range (n + 1) / 2 {
		out = append(out, k)
	}
	for k := N - n/2; k < N; k++ {
		out = append(out, k)
	}
	return out
}

// hermitianSym returns (m(k) + m(−k))/2 on an h×w natural-order grid: the
// real-part symmetrization plenoptic's reconstructions apply.
func hermitianSym(m []float64, h, w int) []float64 {
	out := make([]float64, len(m))
	for y := range h {
		for x := range w {
			out[y*w+x] = (m[y*w+x] + m[((h-y)%h)*w+(w-x)%w]) / 2
		}
	}
	return out
}

// cropNatural is spectral.Crop on the host.
func cropNatural(m []float64, from, to [2]int) []float64 {
	rows, cols := naturalIndices(to[0], from[0]), naturalIndices(to[1], from[1])
	out := make([]float64, 0, to[0]*to[1])
	for _, r := range rows {
		for _, c := range cols {
			out = append(out, m[r*from[1]+c])
		}
	}
	return out
}

// ImageShape is the (height, width) the model was built for.
func (m *PortillaSimoncelli) ImageShape() [2]int { return [2]int{m.h, m.w} }

// NScales, NOrientations and SpatialCorrWidth are the model's parameters.
func (m *PortillaSimoncelli) NScales() int { return m.nScales }

// NOrientations is the number of orientations of the pyramid.
func (m *PortillaSimoncelli) NOrientations() int { return m.nOri }

// SpatialCorrWidth is the width of the auto-correlation windows.
func (m *PortillaSimoncelli) SpatialCorrWidth() int { return m.width }

// RepresentationSize is the number of statistics K of the representation
// [B, C, K] (1046 for the defaults).
func (m *PortillaSimoncelli) RepresentationSize() int { return len(m.idx) }

// Scales returns plenoptic's scales attribute, from coarse to fine, as
// strings: "pixel_statistics", "residual_lowpass", "N-1", …, "0",
// "residual_highpass". These are the values ForwardScales accepts and the
// order coarse-to-fine synthesis (MetamerCTF) goes through.
func (m *PortillaSimoncelli) Scales() []string {
	out := []string{ScalePixelStatistics, ScaleResidualLowpass}
	for i := m.nScales - 1; i >= 0; i-- {
		out = append(out, strconv.Itoa(i))
	}
	return append(out, ScaleResidualHighpass)
}

// RepresentationScales returns the scale of each statistic of the
// representation (plenoptic's _representation_scales).
func (m *PortillaSimoncelli) RepresentationScales() []string {
	return append([]string(nil), m.labels...)
}

// Forward computes the statistics of x [B, C, H, W]: [B, C, K]. It panics on
// an input it cannot handle (see CheckInput), as GoMLX graph functions do.
func (m *PortillaSimoncelli) Forward(x *graph.Node) *graph.Node { return m.ForwardScales(x, nil) }

// ForwardScales is plenoptic's forward(image, scales): only the statistics
// of the given scales (values of Scales), in the representation's order; nil
// means all. MetamerCTF calls it with the scales it is optimizing.
func (m *PortillaSimoncelli) ForwardScales(x *graph.Node, scales []string) *graph.Node {
	if err := m.CheckInput(x.Shape().Dimensions, x.DType()); err != nil {
		panic(err)
	}
	idx := m.idx
	if scales != nil {
		if err := checkScaleNames(m.Scales(), scales); err != nil {
			panic(err)
		}
		idx, _ = psIndices(m.layout, scales)
	}
	full := m.allStats(x)
	return gatherLast(full, idx)
}

// ScaleMask returns, for each statistic of the full representation, 1 if
// its scale is one of scales and 0 otherwise (plenoptic's remove_scales as a
// mask). Coarse-to-fine synthesis can compute Forward once and weight the
// loss with this mask, given as a graph input, instead of compiling one
// ForwardScales graph per set of scales (each costs as much to compile as
// Forward: tens of seconds on XLA's CPU at 256×256). The L2 norm of the
// masked difference equals the L2 norm of the ForwardScales difference; a
// mean (MSE) must be divided by the number of ones instead of K.
func (m *PortillaSimoncelli) ScaleMask(scales []string) ([]float64, error) {
	if err := checkScaleNames(m.Scales(), scales); err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, s := range scales {
		want[s] = true
	}
	mask := make([]float64, len(m.labels))
	for i, l := range m.labels {
		if want[l] {
			mask[i] = 1
		}
	}
	return mask, nil
}

// CheckInput returns an error saying why an input of these dimensions and
// dtype cannot go through the model, or nil.
func (m *PortillaSimoncelli) CheckInput(dims []int, dt dtypes.DType) error {
	if len(dims) != 4 {
		return fmt.Errorf("models: PortillaSimoncelli: input_tensor must be [n_batch, n_channels, im_height, im_width] but got shape %v", dims)
	}
	if dt != dtypes.Float32 && dt != dtypes.Float64 {
		return fmt.Errorf("models: PortillaSimoncelli: input must be float32 or float64, got %s", dt)
	}
	if dims[2] != m.h || dims[3] != m.w {
		return fmt.Errorf("models: PortillaSimoncelli: input images are %d×%d but the model was built for %d×%d", dims[2], dims[3], m.h, m.w)
	}
	if dims[0] < 1 || dims[1] < 1 {
		return fmt.Errorf("models: PortillaSimoncelli: input has an empty batch or channel axis, shape %v", dims)
	}
	return nil
}

// Params returns nothing: the model has no parameters (a state dict of
// buffers only, in plenoptic).
func (m *PortillaSimoncelli) Params() map[string][]float64 { return map[string][]float64{} }

// gatherLast selects indices idx of x's last axis.
func gatherLast(x *graph.Node, idx []int) *graph.Node {
	r := x.Rank()
	perm := []int{r - 1}
	for i := range r - 1 {
		perm = append(perm, i)
	}
	xt := graph.TransposeAllAxes(x, perm...)
	ind := make([]int32, len(idx))
	for i, v := range idx {
		ind[i] = int32(v)
	}
	indices := graph.Const(x.Graph(), tensors.FromFlatDataAndDimensions(ind, len(idx), 1))
	y := graph.Gather(xt, indices, true)
	back := make([]int, r)
	for i := range r - 1 {
		back[i] = i + 1
	}
	back[r-1] = 0
	return graph.TransposeAllAxes(y, back...)
}

// allStats computes every statistic (before dropping the redundant ones),
// flattened on the last axis: [B, C, total] in the layout's order.
func (m *PortillaSimoncelli) allStats(x *graph.Node) *graph.Node {
	f := m.f
	g, dt := x.Graph(), x.DType()
	n := m.nScales
	dims := x.Shape().Dimensions
	B, C := dims[0], dims[1]
	// The image's spectrum cropped to each scale's grid: Xs[i] on Sizes[i].
	X := f.Spectrum(x)
	Xs := []spectral.C{X}
	for i := 1; i <= n; i++ {
		Xs = append(Xs, spectral.Crop(Xs[i-1], f.Sizes[i][0], f.Sizes[i][1]))
	}
	// stacked multiplies the spectrum c [B, C, h, w] by O masks [O, h, w]
	// (after the pyramid's (−i)^order): [B, C, O, h, w].
	stacked := func(c spectral.C, masks []float64, i int) spectral.C {
		sz := f.Sizes[i]
		mk := spectral.Const(g, dt, masks, 1, 1, m.nOri, sz[0], sz[1])
		expanded := spectral.Map(c, func(v *graph.Node) *graph.Node { return graph.InsertAxes(v, 2) })
		return spectral.MulReal(spectral.MulIPow(expanded, -f.Order), mk)
	}

	// Oriented bands (complex), stacked on axis 2: [B, C, O, h, w].
	bands := make([]spectral.C, n)
	for i := range n {
		bands[i] = spectral.IFFT2(stacked(Xs[i], m.masks.bands[i], i), spectral.Backward)
	}
	mags := make([]*graph.Node, n)
	for i := range n {
		a := spectral.Abs(bands[i])
		mags[i] = graph.Sub(a, keepMean2(a))
	}

	// Pixel statistics.
	pixel := pixelStats(x)

	// Magnitude auto-correlations and variances.
	acMag := make([]*graph.Node, n)
	magVar := make([]*graph.Node, n)
	for i := range n {
		acMag[i], magVar[i] = autoCorr(spectral.AbsSquared(spectral.FFT2(spectral.Real(mags[i]), spectral.Backward)), m.width)
	}

	// Lowpass reconstructions at each scale, on that scale's grid: level L
	// (L = 0…n) from the levels ≥ L and the demeaned residual lowpass, whose
	// spectrum is Xs[L]·recon[L].
	recon := make([]*graph.Node, n+1)
	acRec := make([]*graph.Node, n+1)
	varRec := make([]*graph.Node, n+1)
	var power0 *graph.Node // |X|², shared with the highpass variance
	for L := range n + 1 {
		sz := f.Sizes[L]
		spec := spectral.MulReal(Xs[L], steer.Mask(g, dt, m.masks.recon[L], sz))
		recon[L] = spectral.IFFT2(spec, spectral.Backward).Re
		pw := spectral.AbsSquared(Xs[L])
		if L == 0 {
			power0 = pw
		}
		acRec[L], varRec[L] = autoCorr(graph.Mul(pw, steer.Mask(g, dt, m.masks.reconSq[L], sz)), m.width)
	}
	imgVar := graph.Slice(pixel, graph.AxisRange(), graph.AxisRange(), graph.AxisElem(1)) // [B, C, 1]
	skew, kurt := make([]*graph.Node, n+1), make([]*graph.Node, n+1)
	res := 1e-6 // torch.finfo(float32).resolution
	if dt == dtypes.Float64 {
		res = 1e-15
	}
	for L := range n + 1 {
		v := graph.Reshape(varRec[L], B, C, 1)
		r := recon[L]
		m3 := graph.Reshape(mean2(graph.Mul(graph.Square(r), r)), B, C, 1)
		m4 := graph.Reshape(mean2(graph.Square(graph.Square(r))), B, C, 1)
		s := graph.Div(m3, graph.Pow(v, graph.Scalar(g, dt, 1.5)))
		k := graph.Div(m4, graph.Square(v))
		unstable := graph.LessThan(graph.Div(v, imgVar), graph.Scalar(g, dt, res))
		skew[L] = graph.Where(unstable, graph.ZerosLike(s), s)
		kurt[L] = graph.Where(unstable, graph.AddScalar(graph.ZerosLike(k), 3), k)
	}

	// Cross-orientation correlations of the magnitudes, per scale.
	crossOri := make([]*graph.Node, n)
	for i := range n {
		crossOri[i] = crossCorr(mags[i], mags[i], magVar[i], magVar[i])
	}

	var crossMag, crossReal []*graph.Node
	for i := range n - 1 {
		// Scale i+1's bands upsampled to scale i's grid (plenoptic's
		// expand(coeff, 2)/4), with their phase doubled.
		up := spectral.IFFT2(stacked(Xs[i], m.masks.ups[i], i), spectral.Backward)
		amp := spectral.Abs(up)
		dm := graph.Sub(amp, keepMean2(amp))
		re2, im2 := doublePhase(up, amp)
		sep := graph.Concatenate([]*graph.Node{re2, im2}, 2)
		crossMag = append(crossMag, crossCorr(mags[i], dm, magVar[i], nil))
		crossReal = append(crossReal, crossCorr(bands[i].Re, sep, nil, nil))
	}

	// Highpass residual variance, by Parseval: mean(hp²) = Σ|X·hi0|²/N².
	nn := float64(m.h * m.w)
	hp := graph.ReduceSum(acc(graph.Mul(power0, steer.Mask(g, dt, m.masks.hi0sq, f.Sizes[0]))), -2, -1)
	hp = back(graph.DivScalar(hp, nn*nn), dt) // [B, C]

	// Assemble in plenoptic's order, each statistic flattened after (B, C).
	flat := func(v *graph.Node) *graph.Node { return graph.Reshape(v, B, C, -1) }
	stackLast := func(vs []*graph.Node) *graph.Node { return graph.Stack(vs, -1) }
	var parts []*graph.Node
	parts = append(parts, pixel)
	// auto_correlation_magnitude: (w, w, O, S).
	ac := stackLast(acMag) // [B, C, O, w, w, S]
	parts = append(parts, flat(graph.TransposeAllAxes(ac, 0, 1, 3, 4, 2, 5)))
	parts = append(parts, flat(graph.Concatenate(skew, -1)), flat(graph.Concatenate(kurt, -1)))
	parts = append(parts, flat(stackLast(acRec))) // (w, w, S+1)
	std := make([]*graph.Node, n+1)
	for L := range n + 1 {
		std[L] = graph.Reshape(graph.Sqrt(varRec[L]), B, C, 1)
	}
	parts = append(parts, flat(graph.Concatenate(std, -1)))
	parts = append(parts, flat(stackLast(crossOri))) // (O, O, S)
	magStd := make([]*graph.Node, n)
	for i := range n {
		magStd[i] = graph.Sqrt(magVar[i]) // [B, C, O]
	}
	parts = append(parts, flat(stackLast(magStd))) // (O, S)
	if n > 1 {
		parts = append(parts, flat(stackLast(crossMag)), flat(stackLast(crossReal)))
	}
	parts = append(parts, graph.Reshape(hp, B, C, 1))
	return graph.Concatenate(parts, -1)
}

// On the pure-Go backend the statistics' sums run in float64 for float32
// inputs: it adds float32 values in sequence (about 1e-4 relative error over
// a 256×256 image; torch's own sums are pairwise). XLA's reductions and
// products are accurate enough in float32 (measured against plenoptic), and
// every conversion there would be one more kernel to compile.

// acc converts x to the accumulation dtype.
func acc(x *graph.Node) *graph.Node {
	if x.DType() == dtypes.Float64 || strings.HasPrefix(x.Graph().Backend().Name(), "xla") {
		return x
	}
	return graph.ConvertDType(x, dtypes.Float64)
}

// back converts an accumulated value to dt.
func back(x *graph.Node, dt dtypes.DType) *graph.Node {
	if x.DType() == dt {
		return x
	}
	return graph.ConvertDType(x, dt)
}

// mean2 is the mean over the last two axes, accumulated in float64.
func mean2(x *graph.Node) *graph.Node {
	n := float64(x.Shape().Dim(-1) * x.Shape().Dim(-2))
	return back(graph.DivScalar(graph.ReduceSum(acc(x), -2, -1), n), x.DType())
}

// keepMean2 is mean2 with the two axes kept (size 1).
func keepMean2(x *graph.Node) *graph.Node {
	d := append([]int(nil), x.Shape().Dimensions...)
	d[len(d)-1], d[len(d)-2] = 1, 1
	return graph.Reshape(mean2(x), d...)
}

// pixelStats returns [B, C, 6]: mean, variance (unbiased, as torch.var),
// skew, kurtosis, min and max over each image.
func pixelStats(x *graph.Node) *graph.Node {
	g, dt := x.Graph(), x.DType()
	dims := x.Shape().Dimensions
	B, C := dims[0], dims[1]
	n := float64(dims[2] * dims[3])
	mean := keepMean2(x)
	d := graph.Sub(x, mean)
	d2 := graph.Square(d)
	v := graph.MulScalar(mean2(d2), n/(n-1))
	m3 := mean2(graph.Mul(d2, d))
	m4 := mean2(graph.Square(d2))
	skew := graph.Div(m3, graph.Pow(v, graph.Scalar(g, dt, 1.5)))
	kurt := graph.Div(m4, graph.Square(v))
	lo := extremum(x, false)
	hi := extremum(x, true)
	r := func(t *graph.Node) *graph.Node { return graph.Reshape(t, B, C, 1) }
	return graph.Concatenate([]*graph.Node{r(mean), r(v), r(skew), r(kurt), r(lo), r(hi)}, -1)
}

// extremum is the max (or min) over the last two axes, whose gradient is
// shared evenly among tied elements (as torch's amax/amin).
func extremum(x *graph.Node, isMax bool) *graph.Node {
	var e *graph.Node
	if isMax {
		e = graph.ReduceMax(x, -2, -1)
	} else {
		e = graph.ReduceMin(x, -2, -1)
	}
	e = graph.StopGradient(e)
	dims := x.Shape().Dimensions
	ek := graph.Reshape(e, dims[0], dims[1], 1, 1)
	ind := graph.ConvertDType(graph.Equal(x, ek), x.DType())
	w := graph.StopGradient(graph.Div(ind, graph.ReduceAndKeep(ind, graph.ReduceSum, -2, -1)))
	lin := graph.ReduceSum(graph.Mul(x, w), -2, -1)
	return graph.Add(e, graph.Sub(lin, graph.StopGradient(lin)))
}

// autoCorr returns the central width×width auto-correlation of the real
// signal whose 2-D spectrum is spec ([..., h, w], natural order), normalized
// by its value at zero shift, and that value (the signal's mean square):
// [..., width, width] and [...]. This is plenoptic's
// center_crop(autocorrelation(x), width) / variance, computed as a partial
// inverse DFT of the power spectrum (two small matrix products).
func autoCorr(p32 *graph.Node, width int) (*graph.Node, *graph.Node) {
	g, dt := p32.Graph(), p32.DType()
	p := acc(p32)
	r := p.Rank()
	h, w := p.Shape().Dim(-2), p.Shape().Dim(-1)
	n := float64(h * w)
	// cs returns the [size, 2, width] matrix of the cosines and (times sign)
	// sines of the shifts −width/2 … width/2 at every frequency of an axis.
	cs := func(size int, sign float64) *graph.Node {
		m := make([]float64, size*2*width)
		for k := range size {
			for a := range width {
				tau := a - width/2
				ang := 2 * math.Pi * float64((k*((tau%size)+size))%size) / float64(size)
				m[(k*2)*width+a] = math.Cos(ang)
				m[(k*2+1)*width+a] = sign * math.Sin(ang)
			}
		}
		return spectral.Const(g, p.DType(), m, size, 2, width)
	}
	// ac = Cyᵀ·P·Cx − Syᵀ·P·Sx in two products: P·[Cx Sx] over kx gives
	// [..., ky, 2, a2], and the contraction over (ky, cos/sin) with
	// [Cy −Sy] gives [..., a2, a1] (transposed). GoMLX's own gradients of
	// these small products were faster than a custom adjoint, on both
	// backends; two products instead of four halve what XLA compiles.
	q := graph.DotGeneral(p, []int{r - 1}, nil, cs(w, 1), []int{0}, nil)
	raw := graph.DotGeneral(q, []int{r - 2, r - 1}, nil, cs(h, -1), []int{0, 1}, nil)
	raw = graph.Transpose(raw, r-2, r-1)
	// The zero shift (the centre) is the signal's mean square times n²
	// (picked with a one-hot mask: a slice's gradient needs Pad, which the
	// pure-Go backend lacks).
	oneHot := make([]float64, width*width)
	oneHot[(width/2)*width+width/2] = 1
	ohDims := make([]int, r)
	for i := range ohDims {
		ohDims[i] = 1
	}
	ohDims[r-2], ohDims[r-1] = width, width
	zero := graph.ReduceAndKeep(graph.Mul(raw, spectral.Const(g, p.DType(), oneHot, ohDims...)), graph.ReduceSum, -2, -1)
	ac := graph.Div(raw, zero)
	center := graph.DivScalar(graph.Reshape(zero, zero.Shape().Dimensions[:r-2]...), n*n)
	return back(ac, dt), back(center, dt)
}

// crossCorr returns the correlations Σ a[o1]·b[o2] / N / sqrt(va[o1]·vb[o2])
// of a [B, C, Oa, h, w] and b [B, C, Ob, h, w]: [B, C, Oa, Ob]. A nil variance
// is the mean square of its signal.
func crossCorr(a, b, va, vb *graph.Node) *graph.Node {
	n := float64(a.Shape().Dim(-1) * a.Shape().Dim(-2))
	dt := a.DType()
	// GoMLX's gradient of DotGeneral (a broadcast product reduced over the
	// other factor's channels) is the fastest formulation measured here for
	// these small outputs, on XLA and on pure Go.
	cov := graph.DivScalar(graph.DotGeneral(acc(a), []int{3, 4}, []int{0, 1}, acc(b), []int{3, 4}, []int{0, 1}), n)
	if va == nil {
		va = mean2(graph.Square(a))
	}
	if vb == nil {
		vb = mean2(graph.Square(b))
	}
	outer := graph.Mul(graph.InsertAxes(acc(va), -1), graph.InsertAxes(acc(vb), -2))
	return back(graph.Div(cov, graph.Sqrt(outer)), dt)
}

// doublePhase returns the real and imaginary parts of |z|·exp(2i·arg z),
// i.e. (re² − im²)/|z| and 2·re·im/|z| (0 where z = 0, as plenoptic's
// modulate_phase gives).
func doublePhase(z spectral.C, amp *graph.Node) (*graph.Node, *graph.Node) {
	zero := graph.Equal(amp, graph.ZerosLike(amp))
	safe := graph.Where(zero, graph.OnesLike(amp), amp)
	re := graph.Div(graph.Sub(graph.Square(z.Re), graph.Square(z.Im)), safe)
	im := graph.Div(graph.MulScalar(graph.Mul(z.Re, z.Im), 2), safe)
	return graph.Where(zero, graph.ZerosLike(re), re), graph.Where(zero, graph.ZerosLike(im), im)
}
