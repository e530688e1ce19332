package display

import (
	"image/color"
	"os/exec"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// constantVideo returns a [b,c,T,h,w] video whose frame t is filled with
// start+t (for every batch item and channel).
func constantVideo(b, c, nT, h, w int, start float32) *tensors.Tensor {
	v := make([]float32, 0, b*c*nT*h*w)
	for range b * c {
		for t := range nT {
			for range h * w {
				v = append(v, start+float32(t))
			}
		}
	}
	return tensors.FromFlatDataAndDimensions(v, b, c, nT, h, w)
}

func TestAnimShow(t *testing.T) {
	vid := constantVideo(1, 1, 5, 16, 16, 0)
	a, err := AnimShow([]*tensors.Tensor{vid}, AnimShowOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Len() != 5 || a.FrameRate != 2 || a.Repeat {
		t.Fatalf("got %d frames at %v fps (repeat %v), want 5 at 2 (plenoptic's default), played once", a.Len(), a.FrameRate, a.Repeat)
	}
	// The frames have the geometry of Imshow of one frame, and the colour
	// limits of the whole video: frame 0 (value 0) is black, frame 4 white.
	one, err := Imshow([]*tensors.Tensor{ramp(1, 1, 16, 16, 0, 1)}, ImshowOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ax := one.Axes[0].Rect
	for i, want := range map[int]uint8{0: 0, 4: 255, 2: 128} {
		f, err := a.Frame(i)
		if err != nil {
			t.Fatal(err)
		}
		if f.Bounds() != one.Image().Bounds() {
			t.Fatalf("frame size %v, want Imshow's %v", f.Bounds(), one.Image().Bounds())
		}
		c := color.GrayModel.Convert(f.At(ax.Min.X+8, ax.Min.Y+8)).(color.Gray)
		if d := int(c.Y) - int(want); d < -2 || d > 2 {
			t.Errorf("frame %d: gray %d, want about %d (limits over all frames)", i, c.Y, want)
		}
	}
	writeTmpFrame(t, a, "animshow_frame2.png", 2)

	// Two videos (batch of 2), complex splits into two panels, repeat.
	two := constantVideo(2, 1, 3, 8, 8, 1)
	b, err := AnimShow([]*tensors.Tensor{two}, AnimShowOptions{Repeat: true, FrameRate: 5, Titles: []string{"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if b.Len() != 3 || b.FrameRate != 5 || !b.Repeat || !strings.Contains(b.HTML(), "repeat = true") {
		t.Errorf("batch video: %d frames at %v fps, repeat %v", b.Len(), b.FrameRate, b.Repeat)
	}
	if _, err := exec.LookPath("ffmpeg"); err == nil {
		v, err := b.VideoHTML()
		if err != nil || !strings.Contains(v, "controls loop") {
			t.Errorf("VideoHTML of a repeating animation: %v, %.80q", err, v)
		}
		v, err = a.VideoHTML()
		if err != nil || strings.Contains(v, "loop") {
			t.Errorf("VideoHTML of an animation played once: %v, %.80q", err, v)
		}
	}
	cv := make([]complex64, 4*8*8)
	for i := range cv {
		cv[i] = complex(float32(i), -float32(i))
	}
	cplx := tensors.FromFlatDataAndDimensions(cv, 1, 1, 4, 8, 8)
	c, err := AnimShow([]*tensors.Tensor{cplx, constantVideo(1, 1, 4, 8, 8, 0)}, AnimShowOptions{Titles: []string{"z", "x"}})
	if err != nil {
		t.Fatal(err)
	}
	three, err := Imshow([]*tensors.Tensor{ramp(1, 3, 8, 8, 0, 1)}, ImshowOptions{Titles: []string{"z real", "z imaginary", "x"}})
	if err != nil {
		t.Fatal(err)
	}
	f0, _ := c.Frame(0)
	if f0.Bounds() != three.Image().Bounds() {
		t.Errorf("complex + real video: frame %v, want three panels %v", f0.Bounds(), three.Image().Bounds())
	}
}

func writeTmpFrame(t *testing.T, a *Animation, name string, i int) {
	f, err := a.Frame(i)
	if err != nil {
		t.Fatal(err)
	}
	writeTmp(t, name, f)
}

func TestAnimShowErrors(t *testing.T) {
	vid := constantVideo(1, 1, 3, 8, 8, 0)
	cases := []struct {
		name   string
		videos []*tensors.Tensor
		o      AnimShowOptions
		want   string
	}{
		{"empty", nil, AnimShowOptions{}, "no videos"},
		{"nil", []*tensors.Tensor{nil}, AnimShowOptions{}, "video 0: tensor is nil"},
		{"rank 4", []*tensors.Tensor{ramp(1, 1, 8, 8, 0, 1)}, AnimShowOptions{}, "StackFrames"},
		{"frames", []*tensors.Tensor{vid, constantVideo(1, 1, 4, 8, 8, 0)}, AnimShowOptions{}, "same number of frames"},
		{"framerate", []*tensors.Tensor{vid}, AnimShowOptions{FrameRate: -1}, "framerate"},
		{"titles", []*tensors.Tensor{vid}, AnimShowOptions{Titles: []string{"a", "b"}}, "2 titles for 1 panels"},
		{"batch and channel", []*tensors.Tensor{constantVideo(2, 2, 3, 8, 8, 0)}, AnimShowOptions{}, "more than one channel and batch"},
		{"rgb", []*tensors.Tensor{constantVideo(1, 2, 3, 8, 8, 0)}, AnimShowOptions{AsRGB: true}, "3 or 4 channels"},
		{"channel", []*tensors.Tensor{vid}, AnimShowOptions{ChannelIdx: new(3)}, "channel_idx 3 out of range"},
		{"colwrap", []*tensors.Tensor{vid}, AnimShowOptions{ColWrap: -1}, "col_wrap"},
	}
	for _, c := range cases {
		_, err := AnimShow(c.videos, c.o)
		if err == nil || !strings.HasPrefix(err.Error(), "display: AnimShow: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestStackFrames(t *testing.T) {
	f0, f1 := ramp(2, 1, 2, 2, 0, 1), ramp(2, 1, 2, 2, 100, 1)
	v, err := StackFrames([]*tensors.Tensor{f0, f1})
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Shape().Dimensions; len(got) != 5 || got[0] != 2 || got[2] != 2 {
		t.Fatalf("shape %v, want [2 1 2 2 2]", got)
	}
	want := []float32{0, 1, 2, 3, 100, 101, 102, 103, 4, 5, 6, 7, 104, 105, 106, 107}
	got := tensors.MustCopyFlatData[float32](v)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("values %v, want %v", got, want)
		}
	}
	for name, frames := range map[string][]*tensors.Tensor{
		"none":  nil,
		"shape": {f0, ramp(1, 1, 2, 2, 0, 1)},
		"rank":  {tensors.FromFlatDataAndDimensions([]float32{1}, 1)},
		"nil":   {f0, nil},
	} {
		if _, err := StackFrames(frames); err == nil || !strings.HasPrefix(err.Error(), "display: StackFrames: ") {
			t.Errorf("%s: error %v", name, err)
		}
	}
}
