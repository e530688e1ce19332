package data

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"io"
)

// DecodePGM reads a binary (P5) or plain (P2) PGM image, skipping '#'
// comment lines in the header. 8-bit files give *image.Gray, 16-bit files
// (maxval > 255) *image.Gray16; values are rescaled from maxval to the full
// range of the pixel type.
func DecodePGM(r io.Reader) (image.Image, error) {
	br := bufio.NewReader(r)
	magic, err := pgmToken(br)
	if err != nil {
		return nil, fmt.Errorf("pgm: reading magic number: %w", err)
	}
	if magic != "P5" && magic != "P2" {
		return nil, fmt.Errorf("pgm: magic number %q is not P5 or P2", magic)
	}
	var dims [3]int
	for i, name := range []string{"width", "height", "maxval"} {
		tok, err := pgmToken(br)
		if err != nil {
			return nil, fmt.Errorf("pgm: reading %s: %w", name, err)
		}
		if _, err := fmt.Sscanf(tok, "%d", &dims[i]); err != nil || dims[i] <= 0 {
			return nil, fmt.Errorf("pgm: bad %s %q", name, tok)
		}
	}
	w, h, maxval := dims[0], dims[1], dims[2]
	if maxval > 65535 {
		return nil, fmt.Errorf("pgm: maxval %d exceeds 65535", maxval)
	}
	samples := make([]int, w*h)
	if magic == "P5" {
		size := 1
		if maxval > 255 {
			size = 2
		}
		buf := make([]byte, w*h*size)
		if _, err := io.ReadFull(br, buf); err != nil {
			return nil, fmt.Errorf("pgm: pixel data shorter than %d×%d: %w", w, h, err)
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
			if _, err := fmt.Sscanf(tok, "%d", &samples[i]); err != nil {
				return nil, fmt.Errorf("pgm: bad pixel %q", tok)
			}
		}
	}
	rect := image.Rect(0, 0, w, h)
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
			if _, err := br.ReadString('\n'); err != nil {
				return "", err
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if len(tok) > 0 {
				return string(tok), nil
			}
		default:
			tok = append(tok, c)
		}
	}
}
