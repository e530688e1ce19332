package metric

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// readNPY decodes a NumPy .npy file holding a little-endian float64 or
// float32 array in C order (what DN_filts.npy and DN_sigmas.npy are),
// returning its values as float64 and its shape. It is a minimal reader for
// those two files, not a general one: the standard library and gonum have no
// .npy decoder, and the format is a short text header followed by raw data.
func readNPY(b []byte) ([]float64, []int, error) {
	const magic = "\x93NUMPY"
	if len(b) < 10 || string(b[:6]) != magic {
		return nil, nil, fmt.Errorf("not a .npy file")
	}
	var hlen, start int
	switch major := b[6]; major {
	case 1:
		hlen, start = int(binary.LittleEndian.Uint16(b[8:10])), 10
	case 2, 3:
		if len(b) < 12 {
			return nil, nil, fmt.Errorf("truncated .npy header")
		}
		hlen, start = int(binary.LittleEndian.Uint32(b[8:12])), 12
	default:
		return nil, nil, fmt.Errorf("unsupported .npy version %d", major)
	}
	if start+hlen > len(b) {
		return nil, nil, fmt.Errorf("truncated .npy header")
	}
	header := string(b[start : start+hlen])
	body := b[start+hlen:]

	descr := npyField(header, "descr")
	if strings.Contains(npyField(header, "fortran_order"), "True") {
		return nil, nil, fmt.Errorf(".npy arrays in Fortran order are not supported")
	}
	shape, err := npyShape(npyField(header, "shape"))
	if err != nil {
		return nil, nil, err
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	var size int
	switch strings.Trim(descr, "'\" ") {
	case "<f8":
		size = 8
	case "<f4":
		size = 4
	default:
		return nil, nil, fmt.Errorf("unsupported .npy dtype %s (want <f8 or <f4)", descr)
	}
	if len(body) != n*size {
		return nil, nil, fmt.Errorf(".npy data has %d bytes, want %d for shape %v", len(body), n*size, shape)
	}
	out := make([]float64, n)
	r := bytes.NewReader(body)
	for i := range out {
		if size == 8 {
			var v uint64
			_ = binary.Read(r, binary.LittleEndian, &v)
			out[i] = math.Float64frombits(v)
		} else {
			var v uint32
			_ = binary.Read(r, binary.LittleEndian, &v)
			out[i] = float64(math.Float32frombits(v))
		}
	}
	return out, shape, nil
}

// npyField returns the raw value text of key in the header dictionary.
func npyField(header, key string) string {
	re := regexp.MustCompile(`'` + key + `'\s*:\s*(\([^)]*\)|'[^']*'|[A-Za-z]+)`)
	m := re.FindStringSubmatch(header)
	if m == nil {
		return ""
	}
	return m[1]
}

func npyShape(s string) ([]int, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "(") || !strings.HasSuffix(s, ")") {
		return nil, fmt.Errorf("bad .npy shape %q", s)
	}
	var shape []int
	for _, f := range strings.Split(s[1:len(s)-1], ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		d, err := strconv.Atoi(f)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("bad .npy shape %q", s)
		}
		shape = append(shape, d)
	}
	return shape, nil
}
