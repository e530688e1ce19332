package data

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func stats(t *testing.T, x *tensors.Tensor) (minV, maxV, mean float64) {
	t.Helper()
	f := tensors.MustCopyFlatData[float32](x)
	minV, maxV = math.Inf(1), math.Inf(-1)
	s := 0.0
	for _, v := range f {
		minV, maxV = min(minV, float64(v)), max(maxV, float64(v))
		s += float64(v)
	}
	return minV, maxV, s / float64(len(f))
}

// TestBundledImages checks shapes and the statistics of spec §1.2.
func TestBundledImages(t *testing.T) {
	for _, c := range []struct {
		name           string
		load           func() (*tensors.Tensor, error)
		min, max, mean float64
	}{
		{"einstein", Einstein, 1.0 / 255, 1, 0.4566933},
		{"curie", Curie, 0, 1, 0.3351228},
	} {
		img, err := c.load()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := img.Shape().Dimensions; len(got) != 4 || got[0] != 1 || got[1] != 1 || got[2] != 256 || got[3] != 256 {
			t.Fatalf("%s: shape %v, want [1 1 256 256]", c.name, got)
		}
		mn, mx, mean := stats(t, img)
		if math.Abs(mn-c.min) > 1e-7 || math.Abs(mx-c.max) > 1e-7 || math.Abs(mean-c.mean) > 1e-7 {
			t.Errorf("%s: min %.7f max %.7f mean %.7f, want %.7f %.7f %.7f", c.name, mn, mx, mean, c.min, c.max, c.mean)
		}
	}
}

func TestPGMCommentsAndFormats(t *testing.T) {
	dir := t.TempDir()
	// A binary PGM with comments before every header field.
	p5 := append([]byte("P5\n# made by hand\n3 # width\n2\n# maxval next\n255\n"), 0, 51, 102, 153, 204, 255)
	// A plain PGM with maxval 15.
	p2 := []byte("P2\n# plain\n3 2\n15\n0 3 6\n9 12 15\n")
	// A 16-bit PGM.
	p16 := append([]byte("P5 1 1 65535\n"), 0x80, 0x00)
	for name, content := range map[string][]byte{"a.pgm": p5, "b.pgm": p2, "c.pgm": p16} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := []float32{0, 0.2, 0.4, 0.6, 0.8, 1}
	for _, name := range []string{"a.pgm", "b.pgm"} {
		img, err := LoadImages(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := tensors.MustCopyFlatData[float32](img)
		for i := range want {
			if math.Abs(float64(got[i]-want[i])) > 1e-6 {
				t.Errorf("%s: pixel %d = %v, want %v", name, i, got[i], want[i])
			}
		}
	}
	img, err := LoadImages(filepath.Join(dir, "c.pgm"))
	if err != nil {
		t.Fatal(err)
	}
	if v := tensors.MustCopyFlatData[float32](img)[0]; math.Abs(float64(v)-32768.0/65535) > 1e-6 {
		t.Errorf("16-bit pixel %v", v)
	}
	// Batches stack along the first axis.
	both, err := LoadImages(filepath.Join(dir, "a.pgm"), filepath.Join(dir, "b.pgm"))
	if err != nil {
		t.Fatal(err)
	}
	if d := both.Shape().Dimensions; d[0] != 2 || d[1] != 1 || d[2] != 2 || d[3] != 3 {
		t.Errorf("stacked shape %v", d)
	}
}

func TestPNGAndJPEG(t *testing.T) {
	dir := t.TempDir()
	rgb := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	rgb.Set(0, 0, color.NRGBA{255, 0, 0, 255})
	rgb.Set(1, 0, color.NRGBA{0, 0, 255, 0}) // fully transparent → white
	var buf bytes.Buffer
	if err := png.Encode(&buf, rgb); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "c.png"), buf.Bytes(), 0o644)
	gray, err := LoadImages(filepath.Join(dir, "c.png"))
	if err != nil {
		t.Fatal(err)
	}
	g := tensors.MustCopyFlatData[float32](gray)
	if math.Abs(float64(g[0])-0.2125) > 1e-6 || math.Abs(float64(g[1])-1) > 1e-6 {
		t.Errorf("rgb2gray gave %v, want [0.2125 1]", g)
	}
	col, err := Load([]string{filepath.Join(dir, "c.png")}, Options{AsGray: false})
	if err != nil {
		t.Fatal(err)
	}
	if d := col.Shape().Dimensions; d[1] != 3 {
		t.Errorf("colour load shape %v, want 3 channels", d)
	}
	buf.Reset()
	gimg := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range gimg.Pix {
		gimg.Pix[i] = 128
	}
	if err := jpeg.Encode(&buf, gimg, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "g.jpg"), buf.Bytes(), 0o644)
	j, err := Load([]string{filepath.Join(dir, "g.jpg")}, Options{AsGray: false})
	if err != nil {
		t.Fatal(err)
	}
	if d := j.Shape().Dimensions; d[1] != 3 {
		t.Errorf("gray JPEG with AsGray=false: shape %v, want 3 repeated channels", d)
	}
	if v := tensors.MustCopyFlatData[float32](j)[0]; math.Abs(float64(v)-128.0/255) > 2.0/255 {
		t.Errorf("jpeg pixel %v", v)
	}
}

func TestErrors(t *testing.T) {
	_, err := LoadImages("/nonexistent/einstein.pgm")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "/nonexistent/einstein.pgm") {
		t.Errorf("missing file: %v", err)
	}
	t.Setenv(EnvDataDir, t.TempDir())
	_, err = Einstein()
	if err == nil || !strings.Contains(err.Error(), "make setup") {
		t.Errorf("missing bundled image should name `make setup`, got %v", err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bad.pgm"), []byte("P5\n4 4\n255\nxx"), 0o644)
	if _, err := LoadImages(filepath.Join(dir, "bad.pgm")); err == nil || !strings.Contains(err.Error(), "shorter") {
		t.Errorf("truncated PGM: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "bad.txt"), []byte("hello"), 0o644)
	if _, err := LoadImages(filepath.Join(dir, "bad.txt")); err == nil || !strings.Contains(err.Error(), "not a readable PGM, PNG or JPEG") {
		t.Errorf("not an image: %v", err)
	}
	if _, err := LoadImages(); err == nil {
		t.Error("no paths accepted")
	}
}

// TestMoreBundledImages checks the shapes plenoptic 1.1.0 gives the other
// shipped images with their default as_gray (spec §1.3).
func TestMoreBundledImages(t *testing.T) {
	for _, c := range []struct {
		name string
		load func() (*tensors.Tensor, error)
		dims []int
	}{
		{"reptile_skin", ReptileSkin, []int{1, 1, 256, 256}},
		{"parrot", Parrot, []int{1, 3, 254, 266}},
		{"color_wheel", ColorWheel, []int{1, 3, 600, 600}},
	} {
		img, err := c.load()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := img.Shape().Dimensions; !slices.Equal(got, c.dims) {
			t.Errorf("%s: shape %v, want %v", c.name, got, c.dims)
		}
		mn, mx, _ := stats(t, img)
		if mn < 0 || mx > 1 || mx <= mn {
			t.Errorf("%s: values in [%g, %g], want a range inside [0, 1]", c.name, mn, mx)
		}
	}
	p, err := Path("parrot.png")
	if err != nil {
		t.Fatal(err)
	}
	gray, err := Load([]string{p}, Options{AsGray: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := gray.Shape().Dimensions; !slices.Equal(got, []int{1, 1, 254, 266}) {
		t.Errorf("parrot as gray: shape %v", got)
	}
	if _, err := Path("no_such.pgm"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Path of a missing file: %v, want ErrNotFound", err)
	}
}

// TestHostileHeaders checks that files declaring huge images are refused
// from their header, before any pixel memory is allocated.
func TestHostileHeaders(t *testing.T) {
	dir := t.TempDir()
	cases := map[string][]byte{
		"overflow.pgm": []byte("P5\n99999999999999999999 2\n255\n"),
		"2to32.pgm":    []byte("P5\n4294967296 4294967296\n255\n"),
		"huge.pgm":     []byte("P5\n200000 200000\n255\n"),
		"wide.pgm":     []byte("P2\n40000 2\n255\n0 0\n"),
	}
	// A PNG whose IHDR declares 100000×100000 pixels (no image data).
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// IHDR's width and height are bytes 16..23, its CRC (over type and data) bytes 29..32.
	copy(b[16:24], []byte{0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0})
	binary.BigEndian.PutUint32(b[29:33], crc32.ChecksumIEEE(b[12:29]))
	cases["huge.png"] = b
	for name, content := range cases {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadImages(p)
		if name == "overflow.pgm" {
			if err == nil || !strings.Contains(err.Error(), "bad width") {
				t.Errorf("%s: %v, want a bad-width error", name, err)
			}
			continue
		}
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: %v, want ErrTooLarge", name, err)
		}
	}
	// image.DecodeConfig sees the registered PGM format.
	cfg, format, err := image.DecodeConfig(bytes.NewReader([]byte("P5\n# c\n3 2\n255\n\x00\x01\x02\x03\x04\x05")))
	if err != nil || format != "pgm" || cfg.Width != 3 || cfg.Height != 2 {
		t.Errorf("DecodeConfig: %v %q %+v", err, format, cfg)
	}
}
