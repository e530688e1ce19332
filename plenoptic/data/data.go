// Package data loads the images plenoptic ships (Einstein, Curie, ReptileSkin,
// Parrot, ColorWheel) and any PGM, PNG or JPEG file as float32 tensors shaped
// [B, C, H, W] with values in [0, 1], the way plenoptic's load_images does.
//
// The bundled files are not part of this repository: `make setup` extracts
// them from the plenoptic 1.1.0 wheel into .local/data (sha256-checked). Set
// GOPLENOPTIC_DATA to use another folder.
package data

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // registers JPEG decoding
	_ "image/png"  // registers PNG decoding
	"io"
	"os"
	"path/filepath"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/internal/root"
)

// EnvDataDir names the environment variable that points at the image folder.
const EnvDataDir = "GOPLENOPTIC_DATA"

// ErrNotFound is wrapped by every error about a missing image file.
var ErrNotFound = errors.New("image file not found")

// ErrTooLarge is wrapped by the error for an image whose header declares
// more than MaxPixels pixels (or a side longer than MaxSide): it is refused
// before any pixel memory is allocated.
var ErrTooLarge = errors.New("image too large")

// MaxSide and MaxPixels bound the images Load accepts: 32768 pixels a side
// and 2²⁸ pixels in all (1 GiB as float32, per channel).
const (
	MaxSide   = 1 << 15
	MaxPixels = 1 << 28
)

// checkSize refuses dimensions beyond MaxSide or MaxPixels.
func checkSize(w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("image size %d×%d must be positive", w, h)
	}
	if w > MaxSide || h > MaxSide || w*h > MaxPixels {
		return fmt.Errorf("%d×%d pixels exceeds the limit of %d a side and %d in all: %w", w, h, MaxSide, MaxPixels, ErrTooLarge)
	}
	return nil
}

// Dir returns the folder holding the bundled files: $GOPLENOPTIC_DATA, else
// .local/data under the goplenoptic checkout.
func Dir() (string, error) {
	if d := os.Getenv(EnvDataDir); d != "" {
		return d, nil
	}
	top, err := root.Dir()
	if err != nil {
		return "", fmt.Errorf("data: cannot locate the image folder: set %s or run inside the goplenoptic checkout after `make setup` (%v)", EnvDataDir, err)
	}
	return filepath.Join(top, ".local", "data"), nil
}

// Einstein returns the 256×256 grayscale portrait of Albert Einstein as a
// [1, 1, 256, 256] tensor in [0, 1].
func Einstein() (*tensors.Tensor, error) { return bundled("einstein.pgm") }

// Curie returns the 256×256 grayscale portrait of Marie Curie as a
// [1, 1, 256, 256] tensor in [0, 1].
func Curie() (*tensors.Tensor, error) { return bundled("curie.pgm") }

// ReptileSkin returns the 256×256 grayscale reptile-skin texture as a
// [1, 1, 256, 256] tensor in [0, 1].
func ReptileSkin() (*tensors.Tensor, error) { return bundled("reptile_skin.pgm") }

// Parrot returns the 254×266 colour photograph of a parrot as a
// [1, 3, 254, 266] tensor in [0, 1] (plenoptic 1.1.0's default, as_gray=False;
// Load with Options{AsGray: true} and Path("parrot.png") gives its gray version).
func Parrot() (*tensors.Tensor, error) { return bundledColor("parrot.png") }

// ColorWheel returns the 600×600 colour wheel as a [1, 3, 600, 600] tensor
// in [0, 1] (as_gray=False, plenoptic 1.1.0's default).
func ColorWheel() (*tensors.Tensor, error) { return bundledColor("color_wheel.jpg") }

// Path returns the path of a bundled file ("einstein.pgm", "curie.pgm",
// "reptile_skin.pgm", "parrot.png", "color_wheel.jpg"), checking that it
// exists.
func Path(name string) (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("data: %s: %w; run `make setup` to extract it from the plenoptic 1.1.0 wheel, or set %s", p, ErrNotFound, EnvDataDir)
	}
	return p, nil
}

func bundled(name string) (*tensors.Tensor, error) { return loadBundled(name, true) }

func bundledColor(name string) (*tensors.Tensor, error) { return loadBundled(name, false) }

func loadBundled(name string, gray bool) (*tensors.Tensor, error) {
	p, err := Path(name)
	if err != nil {
		return nil, err
	}
	return Load([]string{p}, Options{AsGray: gray})
}

// LoadImages reads one or more images of the same size, converts them to
// grayscale and stacks them along the batch axis: the result is
// [len(paths), 1, H, W] float32 with pixel values divided by the format's
// maximum (255 for 8-bit files). It is plenoptic's load_images with its
// default as_gray=True.
func LoadImages(paths ...string) (*tensors.Tensor, error) {
	return Load(paths, Options{AsGray: true})
}

// Options controls Load.
type Options struct {
	// AsGray converts colour images to one luminance channel (scikit-image's
	// rgb2gray weights). When false, grayscale images are repeated into three
	// channels and colour images keep their RGB channels.
	AsGray bool
}

// Load reads images as LoadImages does, with explicit options. Every file's
// header is read first (image.DecodeConfig), so an image beyond MaxPixels is
// refused before its pixels are decoded.
func Load(paths []string, opts Options) (*tensors.Tensor, error) {
	if len(paths) == 0 {
		return nil, errors.New("data: no image paths given")
	}
	var flat []float32
	var c, h, w int
	for i, p := range paths {
		img, err := readImage(p)
		if err != nil {
			return nil, err
		}
		ch := toChannels(img, opts.AsGray)
		b := img.Bounds()
		if i == 0 {
			c, h, w = len(ch), b.Dy(), b.Dx()
		} else if len(ch) != c || b.Dy() != h || b.Dx() != w {
			return nil, fmt.Errorf("data: %s is %d×%d×%d but %s is %d×%d×%d: images must share one size to stack",
				p, len(ch), b.Dy(), b.Dx(), paths[0], c, h, w)
		}
		for _, plane := range ch {
			flat = append(flat, plane...)
		}
	}
	return tensors.FromFlatDataAndDimensions(flat, len(paths), c, h, w), nil
}

func readImage(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("data: %s: %w", path, ErrNotFound)
		}
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return nil, fmt.Errorf("data: %s: not a readable PGM, PNG or JPEG image: %w", path, err)
	}
	if err := checkSize(cfg.Width, cfg.Height); err != nil {
		return nil, fmt.Errorf("data: %s: %w", path, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("data: %s: %w", path, err)
	}
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("data: %s: not a readable PGM, PNG or JPEG image: %w", path, err)
	}
	return img, nil
}

// toChannels converts an image to float planes in [0, 1]: one gray plane, or
// three RGB planes.
func toChannels(img image.Image, asGray bool) [][]float32 {
	b := img.Bounds()
	n := b.Dx() * b.Dy()
	gray := isGray(img)
	planes := 3
	if asGray {
		planes = 1
	}
	out := make([][]float32, planes)
	for i := range out {
		out[i] = make([]float32, n)
	}
	k := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			var r, g, bl float64
			if gray {
				v := float64(color.Gray16Model.Convert(img.At(x, y)).(color.Gray16).Y)
				if g8, ok := img.(*image.Gray); ok {
					v = float64(g8.GrayAt(x, y).Y) / 255 * 65535
				}
				r, g, bl = v, v, v
			} else {
				// Straight (non-premultiplied) RGBA, composited onto white as
				// scikit-image's rgba2rgb does, before any gray conversion.
				c := color.NRGBA64Model.Convert(img.At(x, y)).(color.NRGBA64)
				a := float64(c.A) / 65535
				r = float64(c.R)*a + 65535*(1-a)
				g = float64(c.G)*a + 65535*(1-a)
				bl = float64(c.B)*a + 65535*(1-a)
			}
			r, g, bl = r/65535, g/65535, bl/65535
			if asGray {
				if gray {
					out[0][k] = float32(r)
				} else {
					out[0][k] = float32(0.2125*r + 0.7154*g + 0.0721*bl)
				}
			} else {
				out[0][k], out[1][k], out[2][k] = float32(r), float32(g), float32(bl)
			}
			k++
		}
	}
	return out
}

func isGray(img image.Image) bool {
	switch img.(type) {
	case *image.Gray, *image.Gray16:
		return true
	}
	return false
}
