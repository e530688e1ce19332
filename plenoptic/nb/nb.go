// Package nb is goplenoptic's notebook layer: the everyday calls of a
// research notebook in one short form each, for GoNB cells. It sits on the
// error-returning packages (data, models, synth, store, display) that
// programs use.
//
// Every function here stops the cell with a clear message when something
// goes wrong (Must), instead of returning an error; images show inline
// (Imshow, Show); and syntheses go through a content-keyed result store
// (package store), so that re-running a cell loads its result, a larger
// MaxIter resumes it, and any changed input computes afresh — each call says
// which in one line:
//
//	%%
//	img := nb.Einstein()
//	model := nb.Must(models.NewGaussianBlur(models.GaussianBlurOptions{}))
//	nb.Imshow(img, nb.Eval(model, img), display.ImshowOptions{Titles: []string{"Original image", "Model output"}})
//	met := nb.NewMetamer(img, model, synth.MetamerOptions{})
//	met.Synthesize(synth.SynthesizeOptions{MaxIter: 150, StoreProgress: 1})
//
// A synthesis shows a live view (loss and current image, redrawn in place)
// while it runs, unless its options carry a Progress callback of their own.
// plenoptic's messages and the backend line go to the cell's output.
package nb

import (
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/display"
	"github.com/goplenoptic/goplenoptic/plenoptic/backend"
	"github.com/goplenoptic/goplenoptic/plenoptic/data"
	"github.com/goplenoptic/goplenoptic/plenoptic/models"
	"github.com/goplenoptic/goplenoptic/plenoptic/store"
	"github.com/goplenoptic/goplenoptic/plenoptic/tools"
)

// Out is where the notebook layer writes plenoptic's messages, the store's
// outcome lines and the backend line (the cell's standard output).
var Out io.Writer = os.Stdout

// exit ends the cell's program; tests replace it.
var exit = func(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

// Must returns v, or stops the cell with err's message (on standard error,
// and the cell fails).
func Must[T any](v T, err error) T {
	if err != nil {
		exit(err)
	}
	return v
}

// Must2 is Must for functions that return two values and an error:
// coeffs, info := nb.Must2(pyramid.EvalConvertPyrToTensor(c, false)).
func Must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		exit(err)
	}
	return a, b
}

// Check stops the cell with err's message when err is not nil.
func Check(err error) {
	if err != nil {
		exit(err)
	}
}

var backendOnce sync.Once

// Backend prints, once per cell, which backend computes (for example
// "goplenoptic backend: xla:cpu (PJRT plugin …)").
func Backend() {
	backendOnce.Do(func() {
		info := Must(backend.Describe())
		fmt.Fprintln(Out, info)
	})
}

// Einstein returns plenoptic's einstein image, [1, 1, 256, 256] in [0, 1].
func Einstein() *tensors.Tensor { return Must(data.Einstein()) }

// Curie returns plenoptic's curie image, [1, 1, 256, 256] in [0, 1].
func Curie() *tensors.Tensor { return Must(data.Curie()) }

// ReptileSkin returns plenoptic's reptile-skin texture, [1, 1, 256, 256].
func ReptileSkin() *tensors.Tensor { return Must(data.ReptileSkin()) }

// Parrot returns plenoptic's parrot photograph in colour, [1, 3, 254, 266].
func Parrot() *tensors.Tensor { return Must(data.Parrot()) }

// ColorWheel returns plenoptic's colour wheel, [1, 3, 600, 600].
func ColorWheel() *tensors.Tensor { return Must(data.ColorWheel()) }

// Load reads image files as grayscale and stacks them (plenoptic's
// load_images).
func Load(paths ...string) *tensors.Tensor { return Must(data.LoadImages(paths...)) }

// Eval evaluates model on img (plenoptic's model(img)).
func Eval(model models.Model, img *tensors.Tensor) *tensors.Tensor {
	return Must(models.Eval(model, img))
}

// Imshow shows images inline in one figure, like plenoptic's po.imshow.
// Its arguments are image tensors ([B, C, H, W]; each batch item and channel
// is a panel), slices of them, and at most one display.ImshowOptions:
//
//	nb.Imshow(img, rep, display.ImshowOptions{Titles: []string{"Original image", "Model output"}})
func Imshow(args ...any) {
	var imgs []*tensors.Tensor
	var opts display.ImshowOptions
	seenOpts := false
	for i, a := range args {
		switch v := a.(type) {
		case *tensors.Tensor:
			imgs = append(imgs, v)
		case []*tensors.Tensor:
			imgs = append(imgs, v...)
		case display.ImshowOptions:
			if seenOpts {
				exit(fmt.Errorf("nb: Imshow: argument %d: more than one ImshowOptions", i))
			}
			opts, seenOpts = v, true
		default:
			exit(fmt.Errorf("nb: Imshow: argument %d is a %T; want image tensors, slices of them, or one display.ImshowOptions", i, a))
		}
	}
	Show(display.Imshow(imgs, opts))
}

// shower is what Show displays: a figure or an animation.
type shower interface{ Show() error }

// Show displays a figure (or an animation) inline, stopping the cell if
// making it failed: nb.Show(display.PlotLoss(m.Losses(), display.LossOptions{})).
func Show[T shower](f T, err error) {
	Check(err)
	Check(f.Show())
}

// RandLike returns uniform noise in [0, 1) shaped like img (torch.rand_like),
// drawn from tools.Rand (seed it with tools.Seed).
func RandLike(img *tensors.Tensor) *tensors.Tensor {
	n := img.Shape().Size()
	v := tools.Rand(n)
	f := make([]float32, n)
	for i, x := range v {
		f[i] = float32(x)
	}
	return tensors.FromFlatDataAndDimensions(f, img.Shape().Dimensions...)
}

// Rescale returns img linearly stretched so that its minimum is a and its
// maximum b (plenoptic's rescale).
func Rescale(img *tensors.Tensor, a, b float64) *tensors.Tensor {
	return Must(tools.EvalRescale(img, a, b))
}

// PinkNoise returns the tutorial's pink noise: pyrtools' pink_noise((h, w))
// drawn from NumPy's global generator (tools.Seed seeds it), rescaled to
// [0, 1], as a [1, 1, h, w] float32 tensor.
func PinkNoise(h, w int) *tensors.Tensor { return Must(tools.PinkNoiseImage(h, w, 1)) }

var (
	storeOnce sync.Once
	theStore  *store.Store
)

// Store returns the notebook's result store (store.DefaultDir(): the folder
// $GOPLENOPTIC_STORE, else the user's cache), writing its outcome lines to
// Out.
func Store() *store.Store {
	storeOnce.Do(func() {
		dir := Must(store.DefaultDir())
		theStore = Must(store.Open(dir, store.Options{Log: Out}))
	})
	return theStore
}
