package metric_test

import (
	"fmt"
	"io"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/backend"
	"github.com/goplenoptic/goplenoptic/plenoptic/data"
	"github.com/goplenoptic/goplenoptic/plenoptic/filters"
	"github.com/goplenoptic/goplenoptic/plenoptic/metric"
)

// images returns einstein and a copy with half its contrast (about 0.5).
func images() (img, low *tensors.Tensor, err error) {
	img, err = data.Einstein()
	if err != nil {
		return nil, nil, err
	}
	v := tensors.MustCopyFlatData[float32](img)
	for i := range v {
		v[i] = 0.25 + 0.5*v[i]
	}
	return img, tensors.FromFlatDataAndDimensions(v, img.Shape().Dimensions...), nil
}

// SSIM of einstein against a lower-contrast copy, plain and as the MAD
// tutorial uses it (weighted, reflect padding). plenoptic 1.1.0 gives the
// same numbers for every example here.
func ExampleEvalSSIM() {
	img, low, err := images()
	if err != nil {
		fmt.Println(err)
		return
	}
	plain, err := metric.EvalSSIM(low, img, metric.SSIMOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	mad, err := metric.EvalSSIM(low, img, metric.SSIMOptions{Weighted: true, Pad: filters.Reflect})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("shape %v, SSIM %.4f, weighted reflect-padded SSIM %.4f\n", plain.Shape().Dimensions,
		tensors.MustCopyFlatData[float32](plain)[0], tensors.MustCopyFlatData[float32](mad)[0])
	// Output: shape [1 1], SSIM 0.8690, weighted reflect-padded SSIM 0.8241
}

// The SSIM map: one value per 11×11 window that fits in the image.
func ExampleEvalSSIMMap() {
	img, low, err := images()
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := metric.EvalSSIMMap(low, img, metric.SSIMMapOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	v := tensors.MustCopyFlatData[float32](m)
	lo, hi := v[0], v[0]
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	fmt.Printf("map %v, from %.3f to %.3f\n", m.Shape().Dimensions, lo, hi)
	// Output: map [1 1 246 246], from 0.703 to 0.986
}

func ExampleEvalMSSSIM() {
	img, low, err := images()
	if err != nil {
		fmt.Println(err)
		return
	}
	v, err := metric.EvalMSSSIM(low, img, metric.MSSSIMOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("MS-SSIM %.4f\n", tensors.MustCopyFlatData[float32](v)[0])
	// Output: MS-SSIM 0.8519
}

// NLPD is a distance: 0 for identical images.
func ExampleEvalNLPD() {
	img, low, err := images()
	if err != nil {
		fmt.Println(err)
		return
	}
	v, err := metric.EvalNLPD(low, img, metric.NLPDOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("NLPD %.4f\n", tensors.MustCopyFlatData[float32](v)[0])
	// Output: NLPD 0.3212
}

func ExampleEvalMSE() {
	img, low, err := images()
	if err != nil {
		fmt.Println(err)
		return
	}
	v, err := metric.EvalMSE(low, img)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("MSE %.5f\n", tensors.MustCopyFlatData[float32](v)[0])
	// Output: MSE 0.00659
}

// The six scales of the normalized Laplacian pyramid NLPD compares.
func ExampleEvalNormalizedLaplacianPyramid() {
	img, err := data.Einstein()
	if err != nil {
		fmt.Println(err)
		return
	}
	scales, err := metric.EvalNormalizedLaplacianPyramid(img)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range scales {
		fmt.Print(s.Shape().Dimensions[2:], " ")
	}
	fmt.Println()
	// Output: [256 256] [128 128] [64 64] [32 32] [16 16] [8 8]
}

// SSIM as a synthesis loss on the graph: 1 − SSIM and its gradient with
// respect to the image being synthesised.
func ExampleSSIM() {
	img, low, err := images()
	if err != nil {
		fmt.Println(err)
		return
	}
	be, err := backend.Default()
	if err != nil {
		fmt.Println(err)
		return
	}
	exec, err := graph.NewExec(be, func(x, ref *graph.Node) (*graph.Node, *graph.Node) {
		loss := graph.OneMinus(graph.ReduceAllSum(metric.SSIM(x, ref, metric.SSIMOptions{Log: io.Discard})))
		return loss, graph.Gradient(loss, x)[0]
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := exec.Exec(low, img)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("loss %.4f, gradient %v\n", tensors.MustCopyFlatData[float32](out[0])[0], out[1].Shape().Dimensions)
	// Output: loss 0.1310, gradient [1 1 256 256]
}

// Check functions report bad input before a graph is built.
func ExampleCheckSSIM() {
	a := shapes.Make(dtypes.Float32, 1, 1, 256, 256)
	b := shapes.Make(dtypes.Float32, 1, 1, 128, 128)
	fmt.Println(metric.CheckSSIM(a, b, metric.SSIMOptions{}))
	fmt.Println(metric.CheckNLPD(shapes.Make(dtypes.Float32, 1, 1, 32, 32), shapes.Make(dtypes.Float32, 1, 1, 32, 32)))
	// Output:
	// metric: SSIM: img1 and img2 must have the same height and width! Got shapes [1 1 256 256] and [1 1 128 128]
	// metric: NLPD: images must be at least 33×33, got 32×32 (filters: LaplacianPyramid: 6 scales need every scale but the last at least 3×3 (reflect padding), but scale 4 of the 32×32 image is 2×2)
}
