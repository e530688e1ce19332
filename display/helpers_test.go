package display

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/gif"
	"image/png"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// readPGM is a tiny binary (P5, 8-bit) PGM reader; values are scaled to [0, 1].
func readPGM(path string) (w, h int, pix []float32, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, nil, err
	}
	r := bufio.NewReader(bytes.NewReader(data))
	var fields []int
	magic := ""
	for len(fields) < 3 {
		var tok string
		if _, err := fmt.Fscan(r, &tok); err != nil {
			return 0, 0, nil, err
		}
		if tok[0] == '#' {
			if _, err := r.ReadString('\n'); err != nil {
				return 0, 0, nil, err
			}
			continue
		}
		if magic == "" {
			magic = tok
			continue
		}
		n, err := strconv.Atoi(tok)
		if err != nil {
			return 0, 0, nil, err
		}
		fields = append(fields, n)
	}
	if magic != "P5" || fields[2] > 255 {
		return 0, 0, nil, fmt.Errorf("unsupported PGM %s maxval %d", magic, fields[2])
	}
	if _, err := r.ReadByte(); err != nil { // single whitespace after maxval
		return 0, 0, nil, err
	}
	w, h = fields[0], fields[1]
	pix = make([]float32, w*h)
	for i := range pix {
		b, err := r.ReadByte()
		if err != nil {
			return 0, 0, nil, err
		}
		pix[i] = float32(b) / float32(fields[2])
	}
	return w, h, pix, nil
}

// einstein returns the einstein image as [1,1,256,256], or a synthetic
// 256×256 image with similar statistics when the file is missing.
func einstein(t testing.TB) *tensors.Tensor {
	w, h, pix, err := readPGM("/work/shared/data/einstein.pgm")
	if err != nil {
		t.Logf("einstein.pgm not available (%v): using a synthetic image", err)
		w, h = 256, 256
		pix = make([]float32, w*h)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				v := 0.5 + 0.25*math.Sin(float64(x)/9) + 0.2*math.Cos(float64(y*x)/900)
				pix[y*w+x] = float32(math.Min(1, math.Max(1.0/255, v)))
			}
		}
	}
	return tensors.FromFlatDataAndDimensions(pix, 1, 1, h, w)
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

// writeTmp saves an image for looking at during development.
func writeTmp(t testing.TB, name string, img image.Image) {
	if os.Getenv("DISPLAY_TEST_PICTURES") == "" {
		return
	}
	f, err := os.Create("/tmp/" + name)
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
