package display

import (
	"fmt"
	"image"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// AnimShowOptions configures AnimShow. The zero value gives plenoptic's
// defaults: 2 frames per second, played once, vrange indep1 (over all
// frames of a video), zoom 1, empty titles, all videos in one row, complex
// values as real and imaginary parts.
type AnimShowOptions struct {
	// FrameRate in frames per second (0: 2).
	FrameRate float64
	// Repeat loops the animation (repeat=True).
	Repeat bool
	// VRange picks the colour limits, computed over all frames of each video
	// (Indep modes) or of all videos (Auto modes); nil is Indep1.
	VRange VRange
	// Zoom is screen pixels per pixel, as in Imshow (0: 1).
	Zoom float64
	// Title, Titles and NoTitles work as in Imshow (one title per video).
	Title    string
	Titles   []string
	NoTitles bool
	// ColWrap is the number of videos per row; 0 puts all in one row.
	ColWrap int
	// Cmap overrides the colormap, as in Imshow.
	Cmap *Colormap
	// PlotComplex says how complex videos are shown ("": Rectangular).
	PlotComplex PlotComplex
	// BatchIdx keeps one batch element (when B > 1); nil keeps all.
	BatchIdx *int
	// ChannelIdx keeps one channel; nil keeps all.
	ChannelIdx *int
	// AsRGB shows the channel axis (3 or 4 entries) as colour.
	AsRGB bool
}

// AnimShow plays videos side by side as an animation, like plenoptic's
// animshow. Each tensor is a video [B,C,T,H,W] (T frames; float32/float64,
// or complex); each batch item and channel is one video panel, as in
// Imshow, and all must have the same number of frames. Use StackFrames to
// make a video out of a list of images. The animation is shown with
// Animation.Show (an HTML5 player), or saved as HTML, GIF or MP4.
func AnimShow(videos []*tensors.Tensor, o AnimShowOptions) (*Animation, error) {
	return call("AnimShow", func() (*Animation, error) { return animShow(videos, o) })
}

// video is one panel of AnimShow: its frames as planes.
type video struct {
	frames []plane
	title  string
}

func animShow(videos []*tensors.Tensor, o AnimShowOptions) (*Animation, error) {
	if len(videos) == 0 {
		return nil, fmt.Errorf("no videos to show (empty list)")
	}
	rate := o.FrameRate
	if rate == 0 {
		rate = 2
	}
	if !(rate > 0) || math.IsInf(rate, 0) {
		return nil, fmt.Errorf("framerate must be positive and finite, got %v", o.FrameRate)
	}
	if o.ColWrap < 0 {
		return nil, fmt.Errorf("col_wrap (ColWrap) must be positive (or 0 for one row), got %d", o.ColWrap)
	}
	var vids []video
	for k, t := range videos {
		vs, err := videoPanels(t, o)
		if err != nil {
			return nil, fmt.Errorf("video %d: %w", k, err)
		}
		vids = append(vids, vs...)
	}
	nT := len(vids[0].frames)
	for i, v := range vids {
		if len(v.frames) != nT {
			return nil, fmt.Errorf("all videos must have the same number of frames: panel 0 has %d, panel %d has %d", nT, i, len(v.frames))
		}
	}
	// Titles apply to the videos as given; complex videos split into two
	// panels with suffixed titles.
	base, err := titleList(ImshowOptions{Title: o.Title, Titles: o.Titles, NoTitles: o.NoTitles}, countSources(videos, o))
	if err != nil {
		return nil, err
	}
	var titles []string
	if base != nil {
		titles = make([]string, len(vids))
		src := 0
		for i, v := range vids {
			titles[i] = base[src] + v.title
			if v.title != " real" && v.title != " amplitude" && v.title != " log(1+amplitude)" {
				src++
			}
		}
	}
	// The colour limits cover every frame of a video.
	whole := make([]plane, len(vids))
	for i, v := range vids {
		f := v.frames[0]
		w := plane{H: f.H * nT, W: f.W, C: f.C}
		for _, fr := range v.frames {
			w.Pix = append(w.Pix, fr.Pix...)
		}
		if !w.hasNumber() {
			return nil, fmt.Errorf("panel %d contains only NaN values", i)
		}
		whole[i] = w
	}
	vr := vrangeOrDefault(o.VRange)
	lims, err := vr.planeLimits(whole)
	if err != nil {
		return nil, err
	}
	for i := range lims {
		if lims[i][0] == lims[i][1] { // a constant video: any range shows it
			lims[i][0], lims[i][1] = lims[i][0]-0.5, lims[i][1]+0.5
		}
	}
	cmap := o.Cmap
	if cmap == nil {
		cmap = vr.defaultCmap()
	}
	imo := ImshowOptions{VRange: vr, Zoom: o.Zoom, Titles: titles, NoTitles: o.NoTitles || titles == nil, ColWrap: o.ColWrap,
		Cmap: cmap, PanelLimits: lims}
	frames := make([]image.Image, nT)
	for t := range nT {
		planes := make([]plane, len(vids))
		for i, v := range vids {
			planes[i] = v.frames[t]
		}
		fig, err := imshowPlanes(planes, imo)
		if err != nil {
			return nil, fmt.Errorf("frame %d: %w", t, err)
		}
		frames[t] = fig.img
	}
	a, err := newAnimation(frames, rate)
	if err != nil {
		return nil, err
	}
	a.Repeat = o.Repeat
	return a, nil
}

// countSources is the number of videos before complex ones are split (the
// number of titles expected).
func countSources(videos []*tensors.Tensor, o AnimShowOptions) int {
	n := 0
	for _, t := range videos {
		d := t.Shape().Dimensions
		b, c := d[0], d[1]
		if o.BatchIdx != nil && b > 1 {
			b = 1
		}
		if o.ChannelIdx != nil {
			c = 1
		}
		if o.AsRGB {
			c = 1
		}
		n += b * c
	}
	return n
}

// videoPanels splits a [B,C,T,H,W] tensor into video panels (batch-major,
// channel-minor), complex ones into two.
func videoPanels(t *tensors.Tensor, o AnimShowOptions) ([]video, error) {
	if t == nil {
		return nil, fmt.Errorf("tensor is nil")
	}
	dims := t.Shape().Dimensions
	if len(dims) != 5 {
		return nil, fmt.Errorf("tensor has shape %v, want a 5-D video [B,C,T,H,W] (StackFrames makes one from a list of [B,C,H,W] frames)", dims)
	}
	for _, d := range dims {
		if d == 0 {
			return nil, fmt.Errorf("tensor has shape %v, with an empty axis", dims)
		}
	}
	re, im, isComplex, err := realImag(t)
	if err != nil {
		return nil, err
	}
	B, C, T, H, W := dims[0], dims[1], dims[2], dims[3], dims[4]
	bs, cs := seq(B), seq(C)
	if o.BatchIdx != nil && B > 1 {
		b, err := normIndex(*o.BatchIdx, B, "batch_idx")
		if err != nil {
			return nil, err
		}
		bs = []int{b}
	}
	if o.ChannelIdx != nil {
		c, err := normIndex(*o.ChannelIdx, C, "channel_idx")
		if err != nil {
			return nil, err
		}
		cs = []int{c}
	}
	frameOf := func(vals []float64, b, c, f int) []float64 {
		off := (((b*C+c)*T + f) * H) * W
		return vals[off : off+H*W]
	}
	var out []video
	switch {
	case o.AsRGB:
		if len(cs) != 3 && len(cs) != 4 {
			return nil, fmt.Errorf("as_rgb (AsRGB) needs 3 or 4 channels, got %d", len(cs))
		}
		if isComplex {
			return nil, fmt.Errorf("as_rgb (AsRGB) needs a real video, got dtype %s", t.DType())
		}
		for _, b := range bs {
			v := video{}
			for f := range T {
				p := plane{H: H, W: W, C: len(cs), Pix: make([]float64, H*W*len(cs))}
				for k, c := range cs {
					for i, x := range frameOf(re, b, c, f) {
						p.Pix[i*len(cs)+k] = x
					}
				}
				v.frames = append(v.frames, p)
			}
			out = append(out, v)
		}
	case len(bs) > 1 && len(cs) > 1:
		return nil, fmt.Errorf("shape %v: don't know how to plot videos with more than one channel and batch; set BatchIdx or ChannelIdx, or AsRGB", dims)
	default:
		for _, b := range bs {
			for _, c := range cs {
				if !isComplex {
					v := video{}
					for f := range T {
						v.frames = append(v.frames, plane{H: H, W: W, C: 1, Pix: append([]float64(nil), frameOf(re, b, c, f)...)})
					}
					out = append(out, v)
					continue
				}
				var v1, v2 video
				for f := range T {
					a, bb, sa, sb, err := o.PlotComplex.split(frameOf(re, b, c, f), frameOf(im, b, c, f))
					if err != nil {
						return nil, err
					}
					v1.title, v2.title = sa, sb
					v1.frames = append(v1.frames, plane{H: H, W: W, C: 1, Pix: a})
					v2.frames = append(v2.frames, plane{H: H, W: W, C: 1, Pix: bb})
				}
				out = append(out, v1, v2)
			}
		}
	}
	return out, nil
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// StackFrames makes a video [B,C,T,H,W] out of T frames [B,C,H,W] of the
// same shape and dtype (float32 or float64), for AnimShow: for example the
// stored iterates of a synthesis (SavedMetamers).
func StackFrames(frames []*tensors.Tensor) (*tensors.Tensor, error) {
	return call("StackFrames", func() (*tensors.Tensor, error) { return stackFrames(frames) })
}

func stackFrames(frames []*tensors.Tensor) (*tensors.Tensor, error) {
	if len(frames) == 0 {
		return nil, fmt.Errorf("no frames")
	}
	var dims []int
	var dt dtypes.DType
	vals := make([][]float64, len(frames))
	for i, f := range frames {
		if f == nil {
			return nil, fmt.Errorf("frame %d is nil", i)
		}
		d := f.Shape().Dimensions
		if len(d) != 4 {
			return nil, fmt.Errorf("frame %d has shape %v, want 4-D [B,C,H,W]", i, d)
		}
		if i == 0 {
			dims, dt = d, f.DType()
		} else if fmt.Sprint(d) != fmt.Sprint(dims) || f.DType() != dt {
			return nil, fmt.Errorf("frame %d is %s%v, frame 0 is %s%v: all frames must have the same shape and dtype", i, f.DType(), d, dt, dims)
		}
		v, err := toFloat64(f)
		if err != nil {
			return nil, fmt.Errorf("frame %d: %w", i, err)
		}
		vals[i] = v
	}
	B, C, H, W, T := dims[0], dims[1], dims[2], dims[3], len(frames)
	out := make([]float64, B*C*T*H*W)
	for b := range B {
		for c := range C {
			for t := range T {
				src := vals[t][(b*C+c)*H*W : (b*C+c+1)*H*W]
				copy(out[(((b*C+c)*T+t)*H)*W:], src)
			}
		}
	}
	if dt == dtypes.Float64 {
		return tensors.FromFlatDataAndDimensions(out, B, C, T, H, W), nil
	}
	f := make([]float32, len(out))
	for i, x := range out {
		f[i] = float32(x)
	}
	return tensors.FromFlatDataAndDimensions(f, B, C, T, H, W), nil
}
