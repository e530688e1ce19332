package kernel

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// imageReport is what the injected script records about a page's images.
type imageReport struct {
	Images []struct {
		Src           string `json:"src"`
		NaturalWidth  int    `json:"w"`
		NaturalHeight int    `json:"h"`
	} `json:"images"`
	Videos int `json:"videos"`
}

// checkScript runs in the page after load and writes a JSON report of every
// <img> (natural size, so unrendered images show up as 0×0) into the DOM.
const checkScript = `<script>
window.addEventListener('load', function () {
  var imgs = Array.from(document.images).map(function (i) {
    return {src: i.src.slice(0, 40), w: i.naturalWidth, h: i.naturalHeight};
  });
  var r = {images: imgs, videos: document.getElementsByTagName('video').length};
  var pre = document.createElement('pre');
  pre.id = 'goplenoptic-image-report';
  pre.textContent = JSON.stringify(r);
  document.body.appendChild(pre);
});
</script>`

// buildDocs runs kernel/build_docs.py on executed notebooks into out.
func buildDocs(t *testing.T, out string, executed ...string) {
	t.Helper()
	root := projectRoot(t)
	args := append([]string{filepath.Join(root, "kernel", "build_docs.py"), out}, executed...)
	cmd := exec.Command(filepath.Join(root, ".venv", "bin", "python"), args...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build_docs: %v\n%s", err, b)
	}
}

// renderInChromium opens page in headless Chromium, saves a screenshot next
// to it and returns the image report.
func renderInChromium(t *testing.T, page string) imageReport {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed: `make test` installs it (kernel/setup.sh --test)")
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	probe := strings.TrimSuffix(page, ".html") + ".probe.html"
	html := strings.Replace(string(b), "</body>", checkScript+"</body>", 1)
	if err := os.WriteFile(probe, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	common := []string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--virtual-time-budget=20000", "--user-data-dir=" + t.TempDir()}
	run := func(args ...string) string {
		cmd := exec.Command(chromium, append(common, args...)...)
		done := make(chan struct{})
		var out []byte
		var err error
		go func() { out, err = cmd.Output(); close(done) }()
		select {
		case <-done:
		case <-time.After(2 * time.Minute):
			cmd.Process.Kill()
			t.Fatalf("chromium timed out on %s", page)
		}
		if err != nil {
			t.Fatalf("chromium %v: %v", args, err)
		}
		return string(out)
	}
	shot := strings.TrimSuffix(page, ".html") + ".png"
	run("--window-size=1280,4000", "--screenshot="+shot, "file://"+probe)
	if st, err := os.Stat(shot); err != nil || st.Size() == 0 {
		t.Fatalf("no screenshot of %s: %v", page, err)
	}
	dom := run("--dump-dom", "file://"+probe)
	m := regexp.MustCompile(`<pre id="goplenoptic-image-report">(.*?)</pre>`).FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("the image report did not appear in %s's DOM", page)
	}
	var r imageReport
	if err := json.Unmarshal([]byte(strings.ReplaceAll(m[1], "&quot;", `"`)), &r); err != nil {
		t.Fatalf("image report %q: %v", m[1], err)
	}
	return r
}

// TestDocs builds the docs from the executed tutorial and opens the page in
// headless Chromium: every image must render (non-zero natural size).
func TestDocs(t *testing.T) {
	executed := filepath.Join(executedIntroduction(t), "introduction.ipynb")
	docs := filepath.Join(t.TempDir(), "docs")
	buildDocs(t, docs, executed)
	index, err := os.ReadFile(filepath.Join(docs, "index.html"))
	if err != nil || !strings.Contains(string(index), `href="introduction.html"`) {
		t.Fatalf("index does not link the page: %v\n%s", err, index)
	}
	r := renderInChromium(t, filepath.Join(docs, "introduction.html"))
	if len(r.Images) < 20 {
		t.Errorf("the page shows %d images, want the tutorial's figures (≥ 20)", len(r.Images))
	}
	for _, img := range r.Images {
		if img.NaturalWidth == 0 || img.NaturalHeight == 0 {
			t.Errorf("image %s… did not render (natural size %d×%d)", img.Src, img.NaturalWidth, img.NaturalHeight)
		}
	}
	t.Logf("%d images rendered, %d videos", len(r.Images), r.Videos)
}
