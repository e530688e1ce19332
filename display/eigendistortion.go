package display

import (
	"fmt"
	"math"
	"slices"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// EigendistortionView is what the eigendistortion views need from an
// eigendistortion synthesis (synth.Eigendistortion implements it).
type EigendistortionView interface {
	// Image is the image the distortions were computed for, [1,C,H,W].
	Image() *tensors.Tensor
	// Eigendistortions holds one unit-norm distortion per row, [N,C,H,W].
	Eigendistortions() *tensors.Tensor
	// Eigenindex gives the index (in the full spectrum) of each row.
	Eigenindex() []int
	// Eigenvalues gives the eigenvalue of each row.
	Eigenvalues() []float64
}

// readEigen checks the view's shapes and returns image and distortions.
func readEigen(e EigendistortionView) (img, dist array4, err error) {
	if e == nil {
		return img, dist, fmt.Errorf("eigendistortion view is nil")
	}
	if img, err = readArray4(e.Image()); err != nil {
		return img, dist, fmt.Errorf("image: %w", err)
	}
	if dist, err = readArray4(e.Eigendistortions()); err != nil {
		return img, dist, fmt.Errorf("eigendistortions: %w", err)
	}
	if img.B != 1 {
		return img, dist, fmt.Errorf("image has batch size %d, want 1", img.B)
	}
	if dist.C != img.C || dist.H != img.H || dist.W != img.W {
		return img, dist, fmt.Errorf("eigendistortions are [%d,%d,%d,%d], image is [1,%d,%d,%d]",
			dist.B, dist.C, dist.H, dist.W, img.C, img.H, img.W)
	}
	if n := len(e.Eigenindex()); n != dist.B {
		return img, dist, fmt.Errorf("%d eigenindices for %d eigendistortions", n, dist.B)
	}
	return img, dist, nil
}

// eigenRow maps an eigenindex (negative counts from the end of the full
// spectrum of C·H·W eigenvalues) to a row of Eigendistortions.
func eigenRow(e EigendistortionView, eigenindex, n int) (int, error) {
	i := eigenindex
	if i < 0 {
		i += n
	}
	row := slices.Index(e.Eigenindex(), i)
	if i < 0 || i >= n || row < 0 {
		return 0, fmt.Errorf("eigenindex %d is not the index of a synthesized eigendistortion (available: %v)", eigenindex, e.Eigenindex())
	}
	return row, nil
}

// EigendistortionImageOptions configures EigendistortionImage. The zero
// value gives plenoptic's defaults.
type EigendistortionImageOptions struct {
	// Alpha scales the distortion added to the image (0: plenoptic's 5).
	Alpha float64
	// ImshowOptions configure the figure, as for Imshow.
	ImshowOptions
}

// EigendistortionImage shows clamp(image + Alpha·distortion, 0, 1) for the
// eigendistortion with the given eigenindex (negative values count from the
// end of the spectrum: -1 is the last), like plenoptic's
// display_eigendistortion. The image is drawn with Imshow.
func EigendistortionImage(e EigendistortionView, eigenindex int, o EigendistortionImageOptions) (*Figure, error) {
	return call("EigendistortionImage", func() (*Figure, error) {
		alpha := o.Alpha
		if alpha == 0 {
			alpha = 5
		}
		if math.IsNaN(alpha) || math.IsInf(alpha, 0) {
			return nil, fmt.Errorf("alpha must be finite, got %v", alpha)
		}
		img, dist, err := readEigen(e)
		if err != nil {
			return nil, err
		}
		row, err := eigenRow(e, eigenindex, img.C*img.H*img.W)
		if err != nil {
			return nil, err
		}
		n := img.C * img.H * img.W
		out := make([]float32, n)
		for k := 0; k < n; k++ {
			v := img.Data[k] + alpha*dist.Data[row*n+k]
			out[k] = float32(math.Min(1, math.Max(0, v)))
		}
		return imshow([]*tensors.Tensor{tensors.FromFlatDataAndDimensions(out, 1, img.C, img.H, img.W)}, o.ImshowOptions)
	})
}

// EigendistortionGrid shows every eigendistortion in a grid (four per row
// unless ColWrap says otherwise), titled with its eigenindex and eigenvalue,
// as plenoptic 2.x's eigendistortion_imshow_all does. Several channels give
// one panel per channel unless AsRGB is set.
func EigendistortionGrid(e EigendistortionView, o ImshowOptions) (*Figure, error) {
	return call("EigendistortionGrid", func() (*Figure, error) { return eigendistortionGrid(e, o) })
}

func eigendistortionGrid(e EigendistortionView, o ImshowOptions) (*Figure, error) {
	_, dist, err := readEigen(e)
	if err != nil {
		return nil, err
	}
	idx, vals := e.Eigenindex(), e.Eigenvalues()
	if len(vals) != dist.B {
		return nil, fmt.Errorf("%d eigenvalues for %d eigendistortions", len(vals), dist.B)
	}
	var planes []plane
	var titles []string
	for b := 0; b < dist.B; b++ {
		t := fmt.Sprintf("eigenindex %d: λ=%.4g", idx[b], vals[b])
		if o.AsRGB {
			if dist.C != 3 && dist.C != 4 {
				return nil, fmt.Errorf("as_rgb (AsRGB) needs 3 or 4 channels, got %d", dist.C)
			}
			planes, titles = append(planes, dist.rgb(b)), append(titles, t)
			continue
		}
		for c := 0; c < dist.C; c++ {
			planes = append(planes, dist.gray(b, c))
			if dist.C > 1 {
				titles = append(titles, fmt.Sprintf("%s, channel %d", t, c))
			} else {
				titles = append(titles, t)
			}
		}
	}
	if o.Titles == nil && o.Title == "" {
		o.Titles = titles
	}
	if o.ColWrap == 0 && len(planes) > 4 {
		o.ColWrap = 4
	}
	return imshowPlanes(planes, o)
}
