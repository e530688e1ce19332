package pyramid

import (
	"fmt"
	"strconv"
)

// Level is one level of a pyramid: a scale 0…NumScales−1 (0 is the finest),
// or one of the two residuals. It is plenoptic's scale value (an int, or the
// strings "residual_highpass" and "residual_lowpass").
type Level int

const (
	// ResidualHighpass is plenoptic's "residual_highpass".
	ResidualHighpass Level = -1
	// ResidualLowpass is plenoptic's "residual_lowpass".
	ResidualLowpass Level = -2
)

// IsResidual reports whether l is one of the residuals.
func (l Level) IsResidual() bool { return l == ResidualHighpass || l == ResidualLowpass }

// String returns plenoptic's name: "residual_highpass", "residual_lowpass",
// or the scale number ("0", "1", …).
func (l Level) String() string {
	switch l {
	case ResidualHighpass:
		return "residual_highpass"
	case ResidualLowpass:
		return "residual_lowpass"
	}
	return strconv.Itoa(int(l))
}

// ParseLevel is the inverse of Level.String.
func ParseLevel(s string) (Level, error) {
	switch s {
	case "residual_highpass":
		return ResidualHighpass, nil
	case "residual_lowpass":
		return ResidualLowpass, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("pyramid: %q is not a level (a scale number, \"residual_highpass\" or \"residual_lowpass\")", s)
	}
	return Level(n), nil
}

// Key names one band of the coefficients: plenoptic's (scale, orientation)
// tuples and the residuals' string keys.
type Key struct {
	Level       Level
	Orientation int // 0 for the residuals
}

var (
	// HighpassKey is plenoptic's "residual_highpass" key.
	HighpassKey = Key{Level: ResidualHighpass}
	// LowpassKey is plenoptic's "residual_lowpass" key.
	LowpassKey = Key{Level: ResidualLowpass}
)

// BandKey returns the key of an oriented band, plenoptic's (scale, orientation).
func BandKey(scale, orientation int) Key { return Key{Level: Level(scale), Orientation: orientation} }

// IsResidual reports whether k is one of the residuals.
func (k Key) IsResidual() bool { return k.Level.IsResidual() }

// String returns "residual_highpass", "residual_lowpass" or "(scale, orientation)".
func (k Key) String() string {
	if k.IsResidual() {
		return k.Level.String()
	}
	return fmt.Sprintf("(%d, %d)", k.Level, k.Orientation)
}
