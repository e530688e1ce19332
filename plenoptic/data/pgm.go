package data

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"strconv"
)

// The PGM codec is registered with the image package, so image.Decode and
// image.DecodeConfig read P5 (binary) and P2 (plain) files like PNG and
// JPEG. The standard library and golang.org/x/image have no PGM decoder,
// hence this small one.
func init() {
	image.RegisterFormat("pgm", "P5", DecodePGM, DecodePGMConfig)
	image.RegisterFormat("pgm", "P2", DecodePGM, DecodePGMConfig)
}

// pgmHeader is what a PGM file declares before its pixels.
type pgmHeader struct {
	plain         bool // P2 (ASCII samples) rather than P5 (binary)
	width, height int
	maxval        int
}

// readPGMHeader reads and checks the header, refusing images larger than
// MaxPixels before anything is allocated.
func readPGMHeader(br *bufio.Reader) (pgmHeader, error) {
	magic, err := pgmToken(br)
	if err != nil {
		return pgmHeader{}, fmt.Errorf("pgm: reading magic number: %w", err)
	}
	if magic != "P5" && magic != "P2" {
		return pgmHeader{}, fmt.Errorf("pgm: magic number %q is not P5 or P2", magic)
	}
	var dims [3]int
	for i, name := range []string{"width", "height", "maxval"} {
		tok, err := pgmToken(br)
		if err != nil {
			return pgmHeader{}, fmt.Errorf("pgm: reading %s: %w", name, err)
		}
		v, err := strconv.Atoi(tok)
		if err != nil || v <= 0 {
			return pgmHeader{}, fmt.Errorf("pgm: bad %s %q", name, tok)
		}
		dims[i] = v
	}
	h := pgmHeader{plain: magic == "P2", width: dims[0], height: dims[1], maxval: dims[2]}
	if h.maxval > 65535 {
		return pgmHeader{}, fmt.Errorf("pgm: maxval %d exceeds 65535", h.maxval)
	}
	if err := checkSize(h.width, h.height); err != nil {
		return pgmHeader{}, fmt.Errorf("pgm: %w", err)
	}
	return h, nil
}

// DecodePGMConfig reads only the header of a PGM image: its size and color
// model (image.DecodeConfig calls it for registered PGM files).
func DecodePGMConfig(r io.Reader) (image.Config, error) {
	h, err := readPGMHeader(bufio.NewReader(r))
	if err != nil {
		return image.Config{}, err
	}
	model := color.GrayModel
	if h.maxval > 255 {
		model = color.Gray16Model
	}
	return image.Config{ColorModel: model, Width: h.width, Height: h.height}, nil
}

// DecodePGM reads a binary (P5) or plain (P2) PGM image, skipping '#'
// comment lines in the header. 8-bit files give *image.Gray, 16-bit files
// (maxval > 255) *image.Gray16; values are rescaled from maxval to the full
// range of the pixel type. Images of more than MaxPixels pixels are refused
// before their pixels are read.
func DecodePGM(r io.Reader) (image.Image, error) {
	br := bufio.NewReader(r)
	h, err := readPGMHeader(br)
	if err != nil {
		return nil, err
	}
	w, ht, maxval := h.width, h.height, h.maxval
	samples := make([]int, w*ht)
	if !h.plain {
		size := 1
		if maxval > 255 {
			size = 2
		}
		buf := make([]byte, w*ht*size)
		if _, err := io.ReadFull(br, buf); err != nil {
			return nil, fmt.Errorf("pgm: pixel data shorter than %d×%d: %w", w, ht, err)
		}
		for i := range samples {
			if size == 1 {
				samples[i] = int(buf[i])
			} else {
				samples[i] = int(buf[2*i])<<8 | int(buf[2*i+1])
			}
		}
	} else {
		for i := range samples {
			tok, err := pgmToken(br)
			if err != nil {
				return nil, fmt.Errorf("pgm: pixel %d: %w", i, err)
			}
			if samples[i], err = strconv.Atoi(tok); err != nil || samples[i] < 0 {
				return nil, fmt.Errorf("pgm: bad pixel %q", tok)
			}
		}
	}
	rect := image.Rect(0, 0, w, ht)
	if maxval <= 255 {
		img := image.NewGray(rect)
		for i, s := range samples {
			if s > maxval {
				return nil, fmt.Errorf("pgm: pixel value %d exceeds maxval %d", s, maxval)
			}
			img.Pix[i] = uint8((s*255 + maxval/2) / maxval)
		}
		return img, nil
	}
	img := image.NewGray16(rect)
	for i, s := range samples {
		if s > maxval {
			return nil, fmt.Errorf("pgm: pixel value %d exceeds maxval %d", s, maxval)
		}
		v := (s*65535 + maxval/2) / maxval
		img.Pix[2*i], img.Pix[2*i+1] = uint8(v>>8), uint8(v)
	}
	return img, nil
}

// pgmToken returns the next whitespace-separated header token, skipping
// comments that run from '#' to the end of the line. It consumes exactly one
// whitespace byte after the token, as the format requires before binary data.
// Tokens are at most 32 bytes (a hostile header cannot make it allocate).
func pgmToken(br *bufio.Reader) (string, error) {
	var tok []byte
	for {
		c, err := br.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) && len(tok) > 0 {
				return string(tok), nil
			}
			return "", err
		}
		switch {
		case c == '#' && len(tok) == 0:
			if err := skipLine(br); err != nil {
				return "", err
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if len(tok) > 0 {
				return string(tok), nil
			}
		default:
			if len(tok) == 32 {
				return "", fmt.Errorf("header token longer than 32 bytes")
			}
			tok = append(tok, c)
		}
	}
}

// skipLine consumes bytes up to and including the next newline.
func skipLine(br *bufio.Reader) error {
	for {
		c, err := br.ReadByte()
		if err != nil || c == '\n' {
			return err
		}
	}
}
