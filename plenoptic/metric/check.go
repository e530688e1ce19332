package metric

import (
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/goplenoptic/goplenoptic/plenoptic/filters"
)

// checkPair applies plenoptic's input checks for comparing two images (in
// its order, with its words): 4-D, the same height and width, batch and
// channel sizes equal or 1, the same float dtype, nothing empty.
func checkPair(name string, a, b shapes.Shape) error {
	if a.Rank() != 4 || b.Rank() != 4 {
		return fmt.Errorf("metric: %s: Input images should have four dimensions: (batch, channel, height, width); got shapes %v and %v", name, a.Dimensions, b.Dimensions)
	}
	da, db := a.Dimensions, b.Dimensions
	if da[2] != db[2] || da[3] != db[3] {
		return fmt.Errorf("metric: %s: img1 and img2 must have the same height and width! Got shapes %v and %v", name, da, db)
	}
	for i := range 2 {
		if da[i] != db[i] && da[i] != 1 && db[i] != 1 {
			return fmt.Errorf("metric: %s: Either img1 and img2 should have the same number of elements in each dimension, or one of them should be 1! But got shapes %v and %v", name, da, db)
		}
	}
	if a.DType != b.DType {
		return fmt.Errorf("metric: %s: Input images must have same dtype! Got %s and %s", name, a.DType.GoStr(), b.DType.GoStr())
	}
	if a.DType != dtypes.Float32 && a.DType != dtypes.Float64 {
		return fmt.Errorf("metric: %s: images must be float32 or float64, got %s", name, a.DType.GoStr())
	}
	if slices.Contains(da, 0) || slices.Contains(db, 0) {
		return fmt.Errorf("metric: %s: images must not be empty, got shapes %v and %v", name, da, db)
	}
	return nil
}

// broadcastDims returns the [B, C] two images are compared at.
func broadcastDims(a, b shapes.Shape) (int, int) {
	return max(a.Dimensions[0], b.Dimensions[0]), max(a.Dimensions[1], b.Dimensions[1])
}

// broadcastTo broadcasts x ([B, C, H, W] with B and C equal to bb, cc or 1)
// to [bb, cc, H, W].
func broadcastTo(x *Node, bb, cc int) *Node {
	d := x.Shape().Dimensions
	if d[0] == bb && d[1] == cc {
		return x
	}
	return BroadcastToDims(x, bb, cc, d[2], d[3])
}

// logger writes plenoptic's warnings, each once per call, to w (nil means
// os.Stderr), as "metric: NAME: warning: ...".
type logger struct {
	w    io.Writer
	name string
	said map[string]bool
}

func newLogger(w io.Writer, name string) *logger {
	if w == nil {
		w = os.Stderr
	}
	return &logger{w: w, name: name, said: map[string]bool{}}
}

func (l *logger) warn(msg string) {
	if l.said[msg] {
		return
	}
	l.said[msg] = true
	fmt.Fprintf(l.w, "metric: %s: warning: %s\n", l.name, msg)
}

// plenoptic's warnings.
const (
	warnGrayscale = "%s was designed for grayscale images and here it will be computed separately for each channel (so channels are treated in the same way as batches)."
	warnSmall     = "SSIM uses 11x11 convolutional kernel, but the height and/or the width of the input image is smaller than 11, so the kernel size is set to be the minimum of these two numbers."
	warnSmallMS   = "SSIM uses 11x11 convolutional kernel, but for some scales of the input image, the height and/or the width is smaller than 11, so the kernel size in SSIM is set to be the minimum of these two numbers for these scales."
	warnRange     = "Image range falls outside [0, 1]. img1: [%g, %g], img2: [%g, %g]. Continuing anyway..."
)

func warnChannels(l *logger, a, b shapes.Shape, what string) {
	if a.Dimensions[1] > 1 || b.Dimensions[1] > 1 {
		l.warn(fmt.Sprintf(warnGrayscale, what))
	}
}

// CheckSSIM returns an error when SSIM (or SSIMMap, whose checks are the
// same) cannot compare images of shapes a and b with opts, or nil. The
// conditions are plenoptic's: 4-D [B, C, H, W] images of the same height and
// width, batch and channel sizes equal or 1, the same dtype (float32 or
// float64); and a known pad mode.
func CheckSSIM(a, b shapes.Shape, opts SSIMOptions) error {
	if err := checkPair("SSIM", a, b); err != nil {
		return err
	}
	return checkPad("SSIM", opts.Pad)
}

func checkPad(name string, pad filters.PadMode) error {
	switch pad {
	case NoPad, filters.Reflect, filters.Circular, filters.Replicate, filters.Constant:
		return nil
	}
	return fmt.Errorf("metric: %s: unknown pad mode %q (want \"\" for no padding, or reflect, circular, replicate, constant)", name, pad)
}

// CheckMSSSIM returns an error when MSSSIM cannot compare images of shapes a
// and b with opts, or nil: SSIM's conditions, and at least one power factor,
// all finite. Images of any size are accepted, as in plenoptic (scales
// smaller than 11 pixels use a smaller window and give a warning).
func CheckMSSSIM(a, b shapes.Shape, opts MSSSIMOptions) error {
	if err := checkPair("MS-SSIM", a, b); err != nil {
		return err
	}
	if opts.PowerFactors != nil && len(opts.PowerFactors) == 0 {
		return fmt.Errorf("metric: MS-SSIM: PowerFactors is empty (give at least one, or nil for the default five)")
	}
	for i, p := range opts.PowerFactors {
		if p != p || p-p != 0 {
			return fmt.Errorf("metric: MS-SSIM: power factor %d is %v", i, p)
		}
	}
	return nil
}

// CheckNLPD returns an error when NLPD cannot compare images of shapes a and
// b, or nil: SSIM's shape and dtype conditions; images at least 33 pixels
// high and wide (the six-scale Laplacian pyramid pads every scale but the
// last by reflection, which needs 3 pixels); and the normalisation filters
// (DN_filts.npy, DN_sigmas.npy in the data folder) loadable.
func CheckNLPD(a, b shapes.Shape) error {
	if err := checkPair("NLPD", a, b); err != nil {
		return err
	}
	if err := filters.CheckLaplacianPyramid(a.Dimensions, a.DType, nlpdPyramid); err != nil {
		return fmt.Errorf("metric: NLPD: images must be at least 33×33, got %d×%d (%w)", a.Dimensions[2], a.Dimensions[3], err)
	}
	_, err := dnParams()
	return err
}

// CheckMSE returns an error when MSE cannot compare images of shapes a and
// b, or nil (SSIM's shape and dtype conditions).
func CheckMSE(a, b shapes.Shape) error { return checkPair("MSE", a, b) }
