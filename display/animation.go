package display

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// AnimateOptions configures Animate. The zero value gives plenoptic's
// defaults.
type AnimateOptions struct {
	// StatusOptions chooses the panels, as for PlotSynthesisStatus; its
	// VRange defaults to Limits{0, 1} here, and Iteration must be nil.
	StatusOptions
	// FrameRate in frames per second (default 10).
	FrameRate float64
}

// Animation is a sequence of rendered frames, playable as a self-contained
// HTML5 player, an animated GIF, or an MP4 video (with ffmpeg).
type Animation struct {
	frames [][]byte // PNG-encoded
	width  int
	height int
	// FrameRate is the playback speed in frames per second.
	FrameRate float64
	// Repeat loops the HTML player and the GIF; false plays them once
	// (matplotlib's repeat=False, plenoptic's default).
	Repeat bool
}

// Animate renders one synthesis-status frame per stored iterate of a metamer
// synthesis, like plenoptic's animate: frame i shows SavedMetamers()[i], the
// loss dot at iteration i*StoreProgress() and the representation error
// there. Titles and colour limits stay those of the first frame (the
// representation error's range line is dropped). Frames are bounded like
// figures (MaxFigureSide, MaxFigurePixels).
func Animate(m MetamerView, o AnimateOptions) (*Animation, error) {
	return call("Animate", func() (*Animation, error) { return animate(m, o) })
}

func animate(m MetamerView, o AnimateOptions) (*Animation, error) {
	if m == nil {
		return nil, fmt.Errorf("metamer view is nil")
	}
	sp, saved := m.StoreProgress(), m.SavedMetamers()
	if sp <= 0 || len(saved) == 0 {
		return nil, fmt.Errorf("synthesis was run without storing progress (StoreProgress() == 0): nothing to animate; run the synthesis with StoreProgress set")
	}
	if o.Iteration != nil {
		return nil, fmt.Errorf("the Iteration option must be nil (every stored iterate becomes a frame)")
	}
	if !(o.FrameRate >= 0) || math.IsInf(o.FrameRate, 0) {
		return nil, fmt.Errorf("framerate must be positive and finite, got %v", o.FrameRate)
	}
	if o.VRange == nil {
		o.VRange = Limits{0, 1}
	}
	r, err := newStatusRenderer(m, o.StatusOptions)
	if err != nil {
		return nil, err
	}
	return animateFrames(r, sp, saved, len(m.Losses()), o.FrameRate)
}

// animateFrames renders one frame per stored iterate with r (titles and
// colour limits frozen at the first frame): frame i shows saved[i] with the
// loss dot at iteration i*sp.
func animateFrames(r *statusRenderer, sp int, saved []*tensors.Tensor, nLoss int, frameRate float64) (*Animation, error) {
	if sp <= 0 || len(saved) == 0 {
		return nil, fmt.Errorf("synthesis was run without storing progress (StoreProgress() == 0): nothing to animate; run the synthesis with StoreProgress set")
	}
	if frameRate == 0 {
		frameRate = 10
	}
	if !(frameRate > 0) || math.IsInf(frameRate, 0) {
		return nil, fmt.Errorf("framerate must be positive and finite, got %v", frameRate)
	}
	r.freeze, r.frozen = true, map[Panel][]imagePanel{}
	a := &Animation{FrameRate: frameRate, width: r.w, height: r.h}
	for i, s := range saved {
		st := synthState{image: s, lossIdx: i * sp, repIter: i * sp}
		if st.lossIdx >= nLoss { // no loss recorded for this iterate: no dot
			st.lossIdx = noDot
		}
		fig, err := r.render(st)
		if err != nil {
			return nil, fmt.Errorf("frame %d: %w", i, err)
		}
		b, err := encodePNG(fig.img)
		if err != nil {
			return nil, err
		}
		a.frames = append(a.frames, b)
	}
	return a, nil
}

// NewAnimation builds an animation from frames of equal size (for example
// Figure.Image of figures drawn in a loop), played at frameRate frames per
// second.
func NewAnimation(frames []image.Image, frameRate float64) (*Animation, error) {
	return call("NewAnimation", func() (*Animation, error) { return newAnimation(frames, frameRate) })
}

func newAnimation(frames []image.Image, frameRate float64) (*Animation, error) {
	if len(frames) == 0 {
		return nil, fmt.Errorf("no frames")
	}
	if !(frameRate > 0) || math.IsInf(frameRate, 0) {
		return nil, fmt.Errorf("framerate must be positive and finite, got %v", frameRate)
	}
	for i, f := range frames {
		if f == nil {
			return nil, fmt.Errorf("frame %d is nil", i)
		}
	}
	b := frames[0].Bounds()
	if err := checkSize("a frame", float64(b.Dx()), float64(b.Dy()), "draw smaller frames"); err != nil {
		return nil, err
	}
	a := &Animation{FrameRate: frameRate, width: b.Dx(), height: b.Dy()}
	for i, f := range frames {
		if f.Bounds().Dx() != a.width || f.Bounds().Dy() != a.height {
			return nil, fmt.Errorf("frame %d is %v, frame 0 is %v", i, f.Bounds().Size(), b.Size())
		}
		p, err := encodePNG(f)
		if err != nil {
			return nil, err
		}
		a.frames = append(a.frames, p)
	}
	return a, nil
}

// Len returns the number of frames.
func (a *Animation) Len() int { return len(a.frames) }

// Frame decodes frame i.
func (a *Animation) Frame(i int) (image.Image, error) {
	return call("Frame", func() (image.Image, error) { return a.frame(i) })
}

func (a *Animation) frame(i int) (image.Image, error) {
	if i < 0 || i >= len(a.frames) {
		return nil, fmt.Errorf("frame %d out of range [0, %d)", i, len(a.frames))
	}
	return png.Decode(bytes.NewReader(a.frames[i]))
}

// frameRate is FrameRate, or 10 when it is not a positive finite number.
func (a *Animation) frameRate() float64 {
	if !(a.FrameRate > 0) || math.IsInf(a.FrameRate, 0) {
		return 10
	}
	return a.FrameRate
}

func (a *Animation) delayMS() int { return int(1000/a.frameRate() + 0.5) }

// HTML returns a self-contained HTML5 player: every frame as a PNG data URI,
// a play/pause button, a slider and a frame counter, driven by a little
// inline JavaScript (no network access). It plays once, like matplotlib's
// animation with repeat=False, or loops when Repeat is set.
func (a *Animation) HTML() string {
	id := "gpa-" + randomID()
	var sb strings.Builder
	fmt.Fprintf(&sb, `<div id="%s" class="goplenoptic-animation" style="display:inline-block">`+"\n<div>\n", id)
	for i, f := range a.frames {
		disp := "none"
		if i == 0 {
			disp = "block"
		}
		fmt.Fprintf(&sb, `<img class="gpa-frame" width="%d" height="%d" style="display:%s;image-rendering:pixelated" src="data:image/png;base64,%s">`+"\n",
			a.width, a.height, disp, base64.StdEncoding.EncodeToString(f))
	}
	fmt.Fprintf(&sb, `</div>
<div style="display:flex;align-items:center;gap:8px;font-family:sans-serif;font-size:13px">
<button type="button" class="gpa-play">Play</button>
<input type="range" class="gpa-slider" min="0" max="%d" value="0" step="1" style="flex:1">
<span class="gpa-label">1 / %d</span>
</div>
<script>
(function() {
  var root = document.getElementById(%q);
  var frames = root.getElementsByClassName("gpa-frame");
  var btn = root.getElementsByClassName("gpa-play")[0];
  var slider = root.getElementsByClassName("gpa-slider")[0];
  var label = root.getElementsByClassName("gpa-label")[0];
  var cur = 0, timer = null, delay = %d, repeat = %t;
  function show(i) {
    frames[cur].style.display = "none";
    cur = i;
    frames[cur].style.display = "block";
    slider.value = i;
    label.textContent = (i + 1) + " / " + frames.length;
  }
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    btn.textContent = "Play";
  }
  function play() {
    if (cur >= frames.length - 1) { show(0); }
    btn.textContent = "Pause";
    timer = setInterval(function() {
      if (cur >= frames.length - 1) { if (repeat) { show(0); return; } stop(); return; }
      show(cur + 1);
    }, delay);
  }
  btn.onclick = function() { if (timer !== null) { stop(); } else { play(); } };
  slider.oninput = function() { stop(); show(parseInt(slider.value, 10)); };
})();
</script>
</div>
`, len(a.frames)-1, len(a.frames), id, a.delayMS(), a.Repeat)
	return sb.String()
}

// SaveHTML writes the HTML5 player to a file, as a complete page.
func (a *Animation) SaveHTML(path string) error {
	return callErr("SaveHTML", func() error { return os.WriteFile(path, []byte(htmlPage(a.HTML())), 0o644) })
}

// htmlPage wraps an HTML fragment into a page.
func htmlPage(body string) string { return "<!DOCTYPE html>\n<meta charset=\"utf-8\">\n" + body }

// gifPalette has the 6×6×6 colour cube plus 40 extra grays, so grayscale
// images keep 46 levels before dithering.
var gifPalette = func() color.Palette {
	var p color.Palette
	for r := 0; r < 6; r++ {
		for g := 0; g < 6; g++ {
			for b := 0; b < 6; b++ {
				p = append(p, color.RGBA{uint8(r * 51), uint8(g * 51), uint8(b * 51), 255})
			}
		}
	}
	for i := 0; len(p) < 256; i++ {
		if v := uint8(3 + i*255/41); v%51 != 0 {
			p = append(p, color.RGBA{v, v, v, 255})
		}
	}
	return p
}()

// gifLUT maps a colour quantised to 5 bits per channel to its nearest
// palette entry (color.Palette.Index is a linear search, too slow per pixel).
var gifLUT = sync.OnceValue(func() []uint8 {
	lut := make([]uint8, 1<<15)
	for i := range lut {
		r, g, b := (i>>10)<<3|4, ((i>>5)&31)<<3|4, (i&31)<<3|4
		lut[i] = uint8(gifPalette.Index(color.RGBA{uint8(r), uint8(g), uint8(b), 255}))
	}
	return lut
})

// quantize maps img to the GIF palette with Floyd–Steinberg dithering.
func quantize(img image.Image) *image.Paletted {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := image.NewPaletted(image.Rect(0, 0, w, h), gifPalette)
	lut := gifLUT()
	cur, next := make([][3]int32, w+2), make([][3]int32, w+2) // errors ×16
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			var v [3]int32
			for k, c := range [3]uint32{r, g, bl} {
				v[k] = min(255, max(0, int32(c>>8)+cur[x+1][k]/16))
			}
			idx := lut[int(v[0]>>3)<<10|int(v[1]>>3)<<5|int(v[2]>>3)]
			out.Pix[y*out.Stride+x] = idx
			pc := gifPalette[idx].(color.RGBA)
			for k, q := range [3]int32{int32(pc.R), int32(pc.G), int32(pc.B)} {
				e := v[k] - q
				cur[x+2][k] += e * 7
				next[x][k] += e * 3
				next[x+1][k] += e * 5
				next[x+2][k] += e
			}
		}
		cur, next = next, cur
		clear(next)
	}
	return out
}

// GIF encodes the animation as an animated GIF (fixed palette with
// Floyd–Steinberg dithering; played once, or looped with Repeat).
func (a *Animation) GIF() ([]byte, error) { return call("GIF", a.encodeGIF) }

func (a *Animation) encodeGIF() ([]byte, error) {
	g := &gif.GIF{LoopCount: -1}
	if a.Repeat {
		g.LoopCount = 0
	}
	delay := int(100/a.frameRate() + 0.5)
	for i := range a.frames {
		img, err := a.frame(i)
		if err != nil {
			return nil, err
		}
		g.Image = append(g.Image, quantize(img))
		g.Delay = append(g.Delay, delay)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// SaveGIF writes the animated GIF to a file.
func (a *Animation) SaveGIF(path string) error {
	return callErr("SaveGIF", func() error {
		b, err := a.encodeGIF()
		if err != nil {
			return err
		}
		return os.WriteFile(path, b, 0o644)
	})
}

// ffmpegBinary is the program MP4 runs.
var ffmpegBinary = "ffmpeg"

// MP4 encodes the animation as H.264 MP4 with ffmpeg (single-threaded, as
// the plenoptic tutorial configures it). It returns ErrNoFFmpeg when ffmpeg
// is not on PATH.
func (a *Animation) MP4() ([]byte, error) { return call("MP4", a.encodeMP4) }

func (a *Animation) encodeMP4() ([]byte, error) {
	bin, err := exec.LookPath(ffmpegBinary)
	if err != nil {
		return nil, ErrNoFFmpeg
	}
	dir, err := os.MkdirTemp("", "goplenoptic-mp4-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	for i, f := range a.frames {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("frame%05d.png", i)), f, 0o644); err != nil {
			return nil, err
		}
	}
	out := filepath.Join(dir, "animation.mp4")
	cmd := exec.Command(bin, "-hide_banner", "-loglevel", "error", "-y",
		"-framerate", fmt.Sprint(a.frameRate()), "-i", filepath.Join(dir, "frame%05d.png"),
		"-threads", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p",
		"-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("ffmpeg failed: %v: %s", err, strings.TrimSpace(string(msg)))
	}
	return os.ReadFile(out)
}

// VideoHTML returns a <video> tag with the MP4 embedded as a data URI, like
// matplotlib's to_html5_video (looping when Repeat is set). It returns ErrNoFFmpeg without ffmpeg.
func (a *Animation) VideoHTML() (string, error) { return call("VideoHTML", a.videoHTML) }

func (a *Animation) videoHTML() (string, error) {
	b, err := a.encodeMP4()
	if err != nil {
		return "", err
	}
	loop := ""
	if a.Repeat {
		loop = " loop"
	}
	return fmt.Sprintf(`<video width="%d" height="%d" controls%s><source type="video/mp4" src="data:video/mp4;base64,%s"></video>`,
		a.width, a.height, loop, base64.StdEncoding.EncodeToString(b)), nil
}

func randomID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
