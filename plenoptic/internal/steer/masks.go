// Package steer builds the steerable pyramid of plenoptic 1.1.0's
// SteerablePyramidFreq: its Fourier-domain masks (computed on the host in
// float64 exactly as plenoptic computes them, then kept in natural FFT order)
// and the graph operations of the analysis and the reconstruction. Package
// pyramid exposes it; the Portilla–Simoncelli model uses its pieces directly.
package steer

import (
	"fmt"
	"math"
	"sort"
)

// Config is a pyramid's construction parameters, already validated.
type Config struct {
	H, W       int
	NumScales  int
	Order      int
	TWidth     int
	Complex    bool
	Downsample bool
	TightFrame bool
}

// Filters holds a pyramid's masks in natural (unshifted) FFT order, row-major.
type Filters struct {
	Config
	NumOrientations int
	// Sizes[i] is the grid of scale i's bands (Sizes[0] = the image), and
	// Sizes[NumScales] that of the residual lowpass.
	Sizes    [][2]int
	Lo0, Hi0 []float64 // on Sizes[0]
	// HiMask[i] and Angle[i][b], AngleRecon[i][b] are on Sizes[i]; LoMask[i]
	// on Sizes[i+1] (the grid after scale i's downsampling).
	HiMask            [][]float64
	Angle, AngleRecon [][][]float64
	LoMask            [][]float64

	consts constCache
}

// MaxHeight is plenoptic's largest pyramid height for an image: floor(log2(min(h, w))) − 2.
func MaxHeight(h, w int) int {
	return int(math.Floor(math.Log2(float64(min(h, w))))) - 2
}

// grid is a 2-D float64 array on the fftshift-ed frequency grid.
type grid struct {
	h, w int
	v    []float64
}

func (g grid) crop(r0, r1, c0, c1 int) grid {
	out := grid{h: r1 - r0, w: c1 - c0}
	out.v = make([]float64, out.h*out.w)
	for y := r0; y < r1; y++ {
		copy(out.v[(y-r0)*out.w:(y-r0+1)*out.w], g.v[y*g.w+c0:y*g.w+c1])
	}
	return out
}

// natural returns g in natural FFT order (numpy's ifftshift).
func (g grid) natural() []float64 {
	out := make([]float64, len(g.v))
	for ky := range g.h {
		sy := (ky + g.h/2) % g.h
		for kx := range g.w {
			sx := (kx + g.w/2) % g.w
			out[ky*g.w+kx] = g.v[sy*g.w+sx]
		}
	}
	return out
}

func (g grid) interp(xp, fp []float64) []float64 {
	out := make([]float64, len(g.v))
	for i, x := range g.v {
		out[i] = interp(x, xp, fp)
	}
	return out
}

func toGrid(h, w int, v []float64) grid { return grid{h: h, w: w, v: v} }

// interp is numpy's interp(x, xp, fp) for increasing xp (fp[0] below the
// range, fp[len-1] above it).
func interp(x float64, xp, fp []float64) float64 {
	n := len(xp)
	if x < xp[0] {
		return fp[0]
	}
	if x > xp[n-1] {
		return fp[n-1]
	}
	j := sort.Search(n, func(i int) bool { return xp[i] > x }) - 1 // xp[j] <= x < xp[j+1]
	if j >= n-1 {
		return fp[n-1]
	}
	if xp[j] == x {
		return fp[j]
	}
	slope := (fp[j+1] - fp[j]) / (xp[j+1] - xp[j])
	r := slope*(x-xp[j]) + fp[j]
	if math.IsNaN(r) {
		r = slope*(x-xp[j+1]) + fp[j+1]
		if math.IsNaN(r) && fp[j] == fp[j+1] {
			r = fp[j]
		}
	}
	return r
}

// raisedCosine is plenoptic's raised_cosine(width, position, (0, 1)).
func raisedCosine(width, position float64) (x, y []float64) {
	const sz = 256
	x = make([]float64, sz+3)
	y = make([]float64, sz+3)
	for i := range x {
		xi := math.Pi * float64(i-sz-1) / (2 * sz)
		c := math.Cos(xi)
		y[i] = c * c
		x[i] = xi
	}
	y[0] = y[1]
	y[sz+2] = y[sz+1]
	for i := range x {
		x[i] = position + (2*width/math.Pi)*(x[i]+math.Pi/4)
	}
	return x, y
}

// linspaceOpen returns numpy's linspace(-1, 1, n+1)[:-1].
func linspaceOpen(n int) []float64 {
	step := 2 / float64(n)
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(i)*step - 1
	}
	return out
}

func factorial(n int) float64 {
	f := 1.0
	for i := 2; i <= n; i++ {
		f *= float64(i)
	}
	return f
}

func ceilHalf(v float64) int { return int(math.Ceil(v)) }

// NewFilters computes the masks of plenoptic's SteerablePyramidFreq.__init__
// for cfg (which the caller has validated).
func NewFilters(cfg Config) (*Filters, error) {
	if cfg.H < 1 || cfg.W < 1 || cfg.Order < 1 || cfg.TWidth < 1 || cfg.NumScales < 0 {
		return nil, fmt.Errorf("steer: invalid configuration %+v", cfg)
	}
	f := &Filters{Config: cfg, NumOrientations: cfg.Order + 1}
	const lutsize = 1024
	xcosn := make([]float64, 0, 3*lutsize+3)
	for i := -(2*lutsize + 1); i < lutsize+2; i++ {
		xcosn = append(xcosn, math.Pi*float64(i)/lutsize)
	}
	alpha := make([]float64, len(xcosn))
	for i, v := range xcosn {
		a := math.Mod(v+math.Pi, 2*math.Pi)
		if a < 0 {
			a += 2 * math.Pi
		}
		alpha[i] = a - math.Pi
	}

	h, w := cfg.H, cfg.W
	xr, yr := linspaceOpen(w), linspaceOpen(h)
	angle := make([]float64, h*w)
	logRad := make([]float64, h*w)
	for y := range h {
		for x := range w {
			angle[y*w+x] = math.Atan2(yr[y], xr[x])
			logRad[y*w+x] = math.Sqrt(xr[x]*xr[x] + yr[y]*yr[y])
		}
	}
	cy, cx := ceilHalf((float64(h)+0.5)/2), ceilHalf((float64(w)+0.5)/2)
	logRad[(cy-1)*w+cx-1] = logRad[(cy-1)*w+cx-2]
	for i, v := range logRad {
		logRad[i] = math.Log2(v)
	}
	ang, lr := toGrid(h, w, angle), toGrid(h, w, logRad)

	xrcos, yrcos := raisedCosine(float64(cfg.TWidth), -float64(cfg.TWidth)/2)
	yi := make([]float64, len(yrcos))
	for i, v := range yrcos {
		yrcos[i] = math.Sqrt(v)
		yi[i] = math.Sqrt(1 - yrcos[i]*yrcos[i])
	}
	f.Lo0 = toGrid(h, w, lr.interp(xrcos, yi)).natural()
	f.Hi0 = toGrid(h, w, lr.interp(xrcos, yrcos)).natural()

	order, nori := cfg.Order, f.NumOrientations
	cst := math.Pow(2, float64(2*order)) * factorial(order) * factorial(order) / (float64(nori) * factorial(2*order))
	ycosFwd := make([]float64, len(xcosn))
	ycosRec := make([]float64, len(xcosn))
	for i, v := range xcosn {
		p := math.Pow(math.Cos(v), float64(order))
		ycosRec[i] = math.Sqrt(cst) * p
		if cfg.Complex {
			ind := 0.0
			if math.Abs(alpha[i]) < math.Pi/2 {
				ind = 1
			}
			ycosFwd[i] = 2 * math.Sqrt(cst) * p * ind
		} else {
			ycosFwd[i] = ycosRec[i]
		}
	}

	xr2 := append([]float64(nil), xrcos...)
	dims := [2]int{h, w}
	f.Sizes = append(f.Sizes, dims)
	shifted := func(b int) []float64 {
		out := make([]float64, len(xcosn))
		for i, v := range xcosn {
			out[i] = v + math.Pi*float64(b)/float64(nori)
		}
		return out
	}
	for range cfg.NumScales {
		for i := range xr2 {
			xr2[i] -= 1
		}
		f.HiMask = append(f.HiMask, toGrid(lr.h, lr.w, lr.interp(xr2, yrcos)).natural())
		var am, amr [][]float64
		for b := range nori {
			xs := shifted(b)
			am = append(am, toGrid(ang.h, ang.w, ang.interp(xs, ycosFwd)).natural())
			amr = append(amr, toGrid(ang.h, ang.w, ang.interp(xs, ycosRec)).natural())
		}
		f.Angle = append(f.Angle, am)
		f.AngleRecon = append(f.AngleRecon, amr)
		if cfg.Downsample {
			ctr := [2]int{ceilHalf((float64(dims[0]) + 0.5) / 2), ceilHalf((float64(dims[1]) + 0.5) / 2)}
			lod := [2]int{ceilHalf((float64(dims[0]) - 0.5) / 2), ceilHalf((float64(dims[1]) - 0.5) / 2)}
			loctr := [2]int{ceilHalf((float64(lod[0]) + 0.5) / 2), ceilHalf((float64(lod[1]) + 0.5) / 2)}
			start := [2]int{ctr[0] - loctr[0], ctr[1] - loctr[1]}
			end := [2]int{start[0] + lod[0], start[1] + lod[1]}
			lr = lr.crop(start[0], end[0], start[1], end[1])
			ang = ang.crop(start[0], end[0], start[1], end[1])
			dims = lod
		}
		f.LoMask = append(f.LoMask, toGrid(lr.h, lr.w, lr.interp(xr2, yi)).natural())
		f.Sizes = append(f.Sizes, dims)
	}
	return f, nil
}
