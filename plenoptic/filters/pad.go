package filters

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// PadMode says how an image is extended beyond its borders before a "same"
// convolution. The names and behaviour follow torch.nn.functional.pad.
type PadMode string

// The padding modes plenoptic uses.
const (
	Circular  PadMode = "circular"  // wrap around (the image is a torus)
	Reflect   PadMode = "reflect"   // mirror without repeating the edge sample
	Replicate PadMode = "replicate" // repeat the edge sample
	Constant  PadMode = "constant"  // zeros
)

// ParsePadMode checks a pad mode name.
func ParsePadMode(s string) (PadMode, error) {
	switch m := PadMode(s); m {
	case Circular, Reflect, Replicate, Constant:
		return m, nil
	}
	return "", fmt.Errorf("filters: unknown pad mode %q (want circular, reflect, replicate or constant)", s)
}

// SamePad returns how many samples a kernel of size k needs before and after
// an axis for a stride-1 "same" convolution: k−1 in all, the extra one after
// (k=31 → 15, 15; k=4 → 1, 2), as plenoptic's same_padding splits it.
func SamePad(k int) (before, after int) {
	p := k - 1
	return p / 2, p - p/2
}

// checkPad reports whether an axis of length n can be padded by (before,
// after) in mode m, with torch's limits.
func checkPad(m PadMode, n, before, after int, axis string) error {
	switch m {
	case Reflect:
		if before >= n || after >= n {
			return fmt.Errorf("filters: reflect padding of %d/%d needs the %s axis longer than the padding, but it is %d", before, after, axis, n)
		}
	case Circular:
		if before > n || after > n {
			return fmt.Errorf("filters: circular padding of %d/%d needs the %s axis at least as long as the padding, but it is %d", before, after, axis, n)
		}
	case Replicate, Constant:
	default:
		return fmt.Errorf("filters: unknown pad mode %q", m)
	}
	return nil
}

// sliceLast takes [start, end) of the last axis; an empty range gives nil.
func sliceLast(x *Node, start, end int) *Node {
	if end <= start {
		return nil
	}
	specs := make([]SliceAxisSpec, x.Rank())
	for i := range specs {
		specs[i] = AxisRange()
	}
	specs[len(specs)-1] = AxisRange(start, end)
	return Slice(x, specs...)
}

// zerosLast returns zeros shaped like x but with m entries on the last axis
// (nil for m = 0).
func zerosLast(x *Node, m int) *Node {
	if m <= 0 {
		return nil
	}
	s := x.Shape().Clone()
	s.Dimensions[len(s.Dimensions)-1] = m
	return Zeros(x.Graph(), s)
}

// reverseLast reverses the last axis: with Reverse on XLA, with slices on
// the pure-Go backend (which has no Reverse); used for pads of at most a few
// dozen samples. (On XLA the slices made SSIM's reflect-padded graphs
// compile about 3× slower at 256×256.)
func reverseLast(x *Node) *Node {
	if x == nil {
		return nil
	}
	n := x.Shape().Dimensions[x.Rank()-1]
	if n <= 1 {
		return x
	}
	if !pureGo(x) {
		return Reverse(x, x.Rank()-1)
	}
	parts := make([]*Node, n)
	for i := range parts {
		parts[i] = sliceLast(x, n-1-i, n-i)
	}
	return Concatenate(parts, -1)
}

func concatNonEmpty(parts []*Node) *Node {
	var keep []*Node
	for _, p := range parts {
		if p != nil && p.Shape().Dimensions[p.Rank()-1] > 0 {
			keep = append(keep, p)
		}
	}
	switch len(keep) {
	case 0:
		return nil
	case 1:
		return keep[0]
	}
	return Concatenate(keep, -1)
}

// padLast extends the last axis by before/after samples in mode m, using only
// forward operations available on every backend (slices and concatenation).
func padLast(x *Node, before, after int, m PadMode) *Node {
	if before == 0 && after == 0 {
		return x
	}
	n := x.Shape().Dimensions[x.Rank()-1]
	var head, tail *Node
	switch m {
	case Circular:
		head, tail = sliceLast(x, n-before, n), sliceLast(x, 0, after)
	case Reflect:
		head, tail = reverseLast(sliceLast(x, 1, before+1)), reverseLast(sliceLast(x, n-1-after, n-1))
	case Replicate:
		head, tail = repeatLast(sliceLast(x, 0, 1), before), repeatLast(sliceLast(x, n-1, n), after)
	case Constant:
		head, tail = zerosLast(x, before), zerosLast(x, after)
	}
	return concatNonEmpty([]*Node{head, x, tail})
}

func repeatLast(x1 *Node, m int) *Node {
	if m == 0 {
		return nil
	}
	s := x1.Shape().Clone()
	s.Dimensions[len(s.Dimensions)-1] = m
	return BroadcastToDims(x1, s.Dimensions...)
}

// padLastAdjoint is the transpose of padLast: it takes a tensor whose last
// axis has n+before+after entries and folds the padded entries back onto the
// samples they were copied from, giving n entries.
func padLastAdjoint(z *Node, n, before, after int, m PadMode) *Node {
	c := sliceLast(z, before, before+n)
	if before == 0 && after == 0 {
		return c
	}
	head, tail := sliceLast(z, 0, before), sliceLast(z, before+n, before+n+after)
	switch m {
	case Circular: // head came from x[n-before:], tail from x[:after]
		if before > 0 {
			c = Add(c, concatNonEmpty([]*Node{zerosLast(z, n-before), head}))
		}
		if after > 0 {
			c = Add(c, concatNonEmpty([]*Node{tail, zerosLast(z, n-after)}))
		}
	case Reflect: // head came from x[before..1], tail from x[n-2..n-1-after]
		if before > 0 {
			c = Add(c, concatNonEmpty([]*Node{zerosLast(z, 1), reverseLast(head), zerosLast(z, n-1-before)}))
		}
		if after > 0 {
			c = Add(c, concatNonEmpty([]*Node{zerosLast(z, n-1-after), reverseLast(tail), zerosLast(z, 1)}))
		}
	case Replicate: // head came from x[0], tail from x[n-1]
		if before > 0 {
			c = Add(c, concatNonEmpty([]*Node{ReduceAndKeep(head, ReduceSum, -1), zerosLast(z, n-1)}))
		}
		if after > 0 {
			c = Add(c, concatNonEmpty([]*Node{zerosLast(z, n-1), ReduceAndKeep(tail, ReduceSum, -1)}))
		}
	case Constant:
	}
	return c
}
