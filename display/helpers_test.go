package display

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/gif"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/data"
)

// Flags of this package's tests.
var (
	update   = flag.Bool("update", false, "rewrite the golden files in testdata/display (TestGolden, TestSideBySidePlenoptic)")
	pictures = flag.String("pictures", "", "also write the figures the tests draw into this folder, to look at")
)

// einstein returns plenoptic's einstein image as [1,1,256,256], loaded with
// plenoptic/data from $GOPLENOPTIC_DATA (the Makefile sets it; `make setup`
// extracts the image). The test fails when the image is missing.
func einstein(t testing.TB) *tensors.Tensor {
	t.Helper()
	img, err := data.Einstein()
	if err != nil {
		t.Fatalf("einstein image not available (the Makefile sets GOPLENOPTIC_DATA): %v", err)
	}
	if d := img.Shape().Dimensions; len(d) != 4 || d[0] != 1 || d[1] != 1 || d[2] != 256 || d[3] != 256 {
		t.Fatalf("einstein image has shape %v, want [1 1 256 256]", d)
	}
	return img
}

// imshowOne shows one tensor.
func imshowOne(img *tensors.Tensor, o ImshowOptions) (*Figure, error) {
	return Imshow([]*tensors.Tensor{img}, o)
}

// ramp returns a [b,c,h,w] tensor with values start, start+step, ...
func ramp(b, c, h, w int, start, step float32) *tensors.Tensor {
	d := make([]float32, b*c*h*w)
	for i := range d {
		d[i] = start + step*float32(i)
	}
	return tensors.FromFlatDataAndDimensions(d, b, c, h, w)
}

func fromValues(vals []float32, dims ...int) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(append([]float32(nil), vals...), dims...)
}

// writeTmp saves an image into the -pictures folder, for looking at during
// development.
func writeTmp(t testing.TB, name string, img image.Image) {
	if *pictures == "" {
		return
	}
	f, err := os.Create(filepath.Join(*pictures, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// fakeMetamer is a MetamerView of a made-up synthesis that moves from noise
// to the target; its "model" is the identity repeated over repChannels
// channels (scaled by 1, 1/2, ...), or 3-D [B,C,L] outputs when rep3D.
type fakeMetamer struct {
	target      *tensors.Tensor
	iterates    [][]float32 // one per iteration, plus the current one last
	sp          int
	repChannels int
	rep3D       bool
}

func newFakeMetamer(target *tensors.Tensor, iters, sp, repChannels int) *fakeMetamer {
	t := tensors.MustCopyFlatData[float32](target)
	f := &fakeMetamer{target: target, sp: sp, repChannels: repChannels}
	seed := uint32(1)
	noise := make([]float32, len(t))
	for i := range noise {
		seed = seed*1664525 + 1013904223
		noise[i] = float32(seed>>8) / float32(1<<24)
	}
	for k := 0; k <= iters; k++ {
		w := float32(math.Exp(-float64(k) / (float64(iters) / 4)))
		m := make([]float32, len(t))
		for i := range m {
			m[i] = t[i] + w*(noise[i]-t[i])
		}
		f.iterates = append(f.iterates, m)
	}
	return f
}

func (f *fakeMetamer) dims() []int            { return f.target.Shape().Dimensions }
func (f *fakeMetamer) Image() *tensors.Tensor { return f.target }
func (f *fakeMetamer) Metamer() *tensors.Tensor {
	return fromValues(f.iterates[len(f.iterates)-1], f.dims()...)
}
func (f *fakeMetamer) Losses() []float64 {
	var out []float64
	t := tensors.MustCopyFlatData[float32](f.target)
	for _, m := range f.iterates[:len(f.iterates)-1] {
		var s float64
		for i := range m {
			s += float64((m[i] - t[i]) * (m[i] - t[i]))
		}
		out = append(out, s/float64(len(m)))
	}
	return out
}
func (f *fakeMetamer) StoreProgress() int { return f.sp }
func (f *fakeMetamer) SavedMetamers() []*tensors.Tensor {
	if f.sp == 0 {
		return nil
	}
	var out []*tensors.Tensor
	for k := 0; k < len(f.iterates)-1; k += f.sp {
		out = append(out, fromValues(f.iterates[k], f.dims()...))
	}
	return out
}
func (f *fakeMetamer) RepresentationError(it int) (*tensors.Tensor, error) {
	if it < 0 {
		it = len(f.iterates) - 1
	}
	if it >= len(f.iterates) {
		return nil, fmt.Errorf("iteration %d not available", it)
	}
	d := f.dims()
	b, c, h, w := d[0], d[1], d[2], d[3]
	t := tensors.MustCopyFlatData[float32](f.target)
	m := f.iterates[it]
	out := make([]float32, 0, b*f.repChannels*c*h*w)
	for bi := 0; bi < b; bi++ {
		for k := 0; k < f.repChannels; k++ {
			for i := bi * c * h * w; i < (bi+1)*c*h*w; i++ {
				out = append(out, (m[i]-t[i])/float32(k+1))
			}
		}
	}
	if f.rep3D {
		return fromValues(out, b, f.repChannels, c*h*w), nil
	}
	return fromValues(out, b, f.repChannels*c, h, w), nil
}

func decodeGIF(b []byte) (*gif.GIF, error) { return gif.DecodeAll(bytes.NewReader(b)) }
