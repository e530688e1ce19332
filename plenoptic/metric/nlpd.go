package metric

import (
	"fmt"
	"io"
	"os"
	"sync"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/goplenoptic/goplenoptic/plenoptic/data"
	"github.com/goplenoptic/goplenoptic/plenoptic/filters"
)

// nlpdScales is the number of scales of the normalized Laplacian pyramid.
const nlpdScales = 6

// nlpdEpsilon stabilises the gradient of the root mean square near 0.
const nlpdEpsilon = 1e-10

// nlpdPyramid is the Laplacian pyramid NLPD uses: six scales, filters
// scaled so the n-th scale is divided by 2ⁿ.
var nlpdPyramid = filters.PyramidOptions{Scales: nlpdScales, ScaleFilter: true}

// NLPDOptions are the settings of NLPD (plenoptic's nlpd has no keyword
// arguments).
type NLPDOptions struct {
	// Log receives plenoptic's warnings; nil means os.Stderr.
	Log io.Writer
}

// dnParameters are the divisive-normalisation filters (one 5×5 per scale)
// and constants of the normalized Laplacian pyramid, optimised by Laparra
// et al. (2016); plenoptic ships them as DN_filts.npy and DN_sigmas.npy.
type dnParameters struct {
	filters [][]filters.Kernel // per scale, kernels whose "same" correlations add up to the filter's
	sigmas  []float64
}

var (
	dnOnce sync.Once
	dn     dnParameters
	dnErr  error
)

// dnParams loads the normalisation parameters from the data folder (where
// `make setup` extracts them from the plenoptic 1.1.0 wheel), once.
func dnParams() (dnParameters, error) {
	dnOnce.Do(func() { dn, dnErr = loadDN() })
	return dn, dnErr
}

func loadDN() (dnParameters, error) {
	read := func(name string) ([]float64, []int, error) {
		p, err := data.Path(name)
		if err != nil {
			return nil, nil, fmt.Errorf("metric: NLPD needs %s: %w", name, err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, fmt.Errorf("metric: NLPD: %w", err)
		}
		v, shape, err := readNPY(b)
		if err != nil {
			return nil, nil, fmt.Errorf("metric: NLPD: %s: %w", p, err)
		}
		return v, shape, nil
	}
	f, fshape, err := read("DN_filts.npy")
	if err != nil {
		return dnParameters{}, err
	}
	s, sshape, err := read("DN_sigmas.npy")
	if err != nil {
		return dnParameters{}, err
	}
	if fmt.Sprint(fshape) != fmt.Sprint([]int{nlpdScales, 5, 5}) || fmt.Sprint(sshape) != fmt.Sprint([]int{nlpdScales}) {
		return dnParameters{}, fmt.Errorf("metric: NLPD: DN_filts.npy is %v and DN_sigmas.npy %v, want [6 5 5] and [6]", fshape, sshape)
	}
	var p dnParameters
	for i := range nlpdScales {
		ks, err := crossKernels(f[25*i : 25*(i+1)])
		if err != nil {
			return dnParameters{}, fmt.Errorf("metric: NLPD: filter %d: %w", i, err)
		}
		p.filters = append(p.filters, ks)
	}
	p.sigmas = s
	return p, nil
}

// crossKernels splits a 5×5 filter whose nonzero taps all lie on its
// centre row or column (the shipped filters are such crosses) into a 1×5
// and a 5×1 kernel with the same "same"-correlation sum: one 1-D pass each
// instead of the four of its rank-2 decomposition, and exact. Other filters
// are returned whole.
func crossKernels(f []float64) ([]filters.Kernel, error) {
	const n, c = 5, 2
	row, col := make([]float64, n), make([]float64, n)
	cross, hasCol := true, false
	for i := range n {
		for j := range n {
			v := f[i*n+j]
			switch {
			case v == 0:
			case i == c:
				row[j] = v
			case j == c:
				col[i], hasCol = v, true
			default:
				cross = false
			}
		}
	}
	if !cross {
		k, err := filters.NewKernel(n, n, f)
		if err != nil {
			return nil, err
		}
		return []filters.Kernel{k}, nil
	}
	ks := []filters.Kernel{filters.Separable([]float64{1}, row)}
	if hasCol {
		ks = append(ks, filters.Separable(col, []float64{1}))
	}
	return ks, nil
}

// NormalizedLaplacianPyramid is plenoptic's normalized_laplacian_pyramid(x):
// the six scales of the Laplacian pyramid of x ([B, C, H, W], each channel
// separately; filters.LaplacianPyramid with ScaleFilter), each divided by
// σₛ plus a local weighted sum of its absolute values (the scale's 5×5
// filter, zero padding). Scale s is [B, C, ⌈H/2ˢ⌉, ⌈W/2ˢ⌉]. The image must
// be at least 33×33; graph building panics on bad input or when the filters
// cannot be loaded (see CheckNLPD).
func NormalizedLaplacianPyramid(x *Node) []*Node {
	if err := CheckNLPD(x.Shape(), x.Shape()); err != nil {
		panic(err)
	}
	p, _ := dnParams()
	lap := filters.LaplacianPyramid(x, nlpdPyramid)
	out := make([]*Node, len(lap))
	for s, y := range lap {
		ay := absT(y)
		var pooled *Node
		for _, k := range p.filters[s] {
			term := filters.Depthwise(ay, []filters.Kernel{k}, filters.Constant)
			if pooled == nil {
				pooled = term
			} else {
				pooled = Add(pooled, term)
			}
		}
		out[s] = Div(y, AddScalar(pooled, p.sigmas[s]))
	}
	return out
}

// NLPD is plenoptic's nlpd(a, b), the normalized Laplacian pyramid distance
// (Laparra et al. 2016): at each of the six scales of
// NormalizedLaplacianPyramid, the root mean square of the difference of the
// two images' coefficients (plus 1e-10 under the root, for the gradient at
// 0), averaged over the scales. The result is [B, C] (inputs as for SSIM,
// at least 33×33). It is a distance: 0 for identical images. It is
// differentiable on every backend. Graph building panics on bad input (see
// CheckNLPD); the colour warning goes to opts.Log.
func NLPD(a, b *Node, opts NLPDOptions) *Node {
	if err := CheckNLPD(a.Shape(), b.Shape()); err != nil {
		panic(err)
	}
	warnChannels(newLogger(opts.Log, "NLPD"), a.Shape(), b.Shape(), "NLPD")
	bb, cc := broadcastDims(a.Shape(), b.Shape())
	// One pyramid for both images (stacked along the batch axis at the
	// common channel count): half the graph to build and compile.
	na, nb := a.Shape().Dimensions[0], b.Shape().Dimensions[0]
	both := NormalizedLaplacianPyramid(Concatenate([]*Node{broadcastTo(a, na, cc), broadcastTo(b, nb, cc)}, 0))
	take := func(y *Node, start, n int) *Node {
		idx := make([][]int32, n)
		for i := range idx {
			idx[i] = []int32{int32(start + i)}
		}
		return Gather(y, Const(y.Graph(), idx), true)
	}
	ya, yb := make([]*Node, len(both)), make([]*Node, len(both))
	for s, y := range both {
		ya[s], yb[s] = take(y, 0, na), take(y, na, nb)
	}
	var sum *Node
	for s := range ya {
		d := Sub(broadcastTo(ya[s], bb, cc), broadcastTo(yb[s], bb, cc))
		dist := Sqrt(AddScalar(meanHW(Mul(d, d)), nlpdEpsilon))
		if sum == nil {
			sum = dist
		} else {
			sum = Add(sum, dist)
		}
	}
	return DivScalar(sum, nlpdScales)
}
