package kernel

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// The docs tests build the site the way `make docs` does (kernel/docs/build.py)
// from the tutorial executed once for the whole test binary (executedIntroduction,
// shared with TestIntroductionNotebook) plus a small fixture notebook written
// here. The fixture makes the checks independent of what the tutorials happen
// to contain: it names API identifiers in its prose (cross-links), has math
// (MathJax served by the site), GoNB's `!*` and `%%` lines (the Go lexer), a
// PNG figure (thumbnail) and an MP4 video.

const fixtureName = "docs_fixture"

var (
	siteOnce sync.Once
	siteDir  string // the built site (…/html)
	siteErr  string
	siteNbs  []string // notebook names in the site
)

// builtSite builds the site once per test binary and returns its html folder.
func builtSite(t *testing.T) string {
	t.Helper()
	executedDir := executedNotebooks(t)
	tracked := trackedNotebooks(t)
	siteOnce.Do(func() {
		root := projectRoot(t)
		work, err := os.MkdirTemp("", "goplenoptic-docs-")
		if err != nil {
			siteErr = err.Error()
			return
		}
		docsWork = work
		nbs := filepath.Join(work, "notebooks")
		if err := os.MkdirAll(nbs, 0o755); err != nil {
			siteErr = err.Error()
			return
		}
		// Every tracked notebook, executed, plus the fixture.
		siteNbs = nil
		for _, p := range tracked {
			b, err := os.ReadFile(filepath.Join(executedDir, filepath.Base(p)))
			if err == nil {
				err = os.WriteFile(filepath.Join(nbs, filepath.Base(p)), b, 0o644)
			}
			if err != nil {
				siteErr = err.Error()
				return
			}
			siteNbs = append(siteNbs, strings.TrimSuffix(filepath.Base(p), ".ipynb"))
		}
		if err := writeFixtureNotebook(filepath.Join(nbs, fixtureName+".ipynb")); err != nil {
			siteErr = err.Error()
			return
		}
		siteNbs = append(siteNbs, fixtureName)
		start := time.Now()
		cmd := exec.Command(filepath.Join(root, ".venv", "bin", "python"), filepath.Join(root, "kernel", "docs", "build.py"),
			"--notebooks", nbs, "--out", filepath.Join(work, "build"))
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			siteErr = fmt.Sprintf("kernel/docs/build.py failed: %v\n%s", err, lastLines(string(out), 60))
			return
		}
		siteDir = filepath.Join(work, "build", "html")
		t.Logf("site built in %.1f s, %.1f MiB: %s", time.Since(start).Seconds(), float64(dirSize(siteDir))/(1<<20),
			strings.TrimSpace(string(out)))
	})
	if siteErr != "" {
		t.Fatal(siteErr)
	}
	return siteDir
}

var docsWork string

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n
}

// writeFixtureNotebook writes an executed-looking notebook with one of each
// thing the site must render.
func writeFixtureNotebook(path string) error {
	img := image.NewRGBA(image.Rect(0, 0, 48, 32))
	for y := 0; y < 32; y++ {
		for x := 0; x < 48; x++ {
			img.Set(x, y, color.RGBA{uint8(5 * x), uint8(8 * y), 128, 255})
		}
	}
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, img); err != nil {
		return err
	}
	mp4 := filepath.Join(filepath.Dir(path), "fixture.mp4")
	ff := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10",
		"-t", "1", "-pix_fmt", "yuv420p", "-c:v", "libx264", "-movflags", "+faststart", "-y", mp4)
	if out, err := ff.CombinedOutput(); err != nil {
		return fmt.Errorf("ffmpeg (installed by `make test`'s set-up): %v\n%s", err, out)
	}
	video, err := os.ReadFile(mp4)
	if err != nil {
		return err
	}
	os.Remove(mp4)
	code := func(src string, outputs ...map[string]any) map[string]any {
		if outputs == nil {
			outputs = []map[string]any{}
		}
		return map[string]any{"cell_type": "code", "execution_count": 1, "metadata": map[string]any{},
			"source": src, "outputs": outputs, "id": fmt.Sprintf("code-%d", len(src))}
	}
	nb := map[string]any{
		"nbformat": 4, "nbformat_minor": 5,
		"metadata": map[string]any{
			"kernelspec":    map[string]any{"display_name": "Go (gonb)", "language": "go", "name": "gonb"},
			"language_info": map[string]any{"name": "go", "pygments_lexer": "", "file_extension": ".go"},
		},
		"cells": []map[string]any{
			{"cell_type": "markdown", "id": "prose", "metadata": map[string]any{}, "source": "# Docs fixture\n\n" +
				"A page that the docs tests add. It names `synth.NewMetamer`, `display.Imshow(imgs, opts)`,\n" +
				"`synth.Metamer.Synthesize` and the package `synth`, and has math, $e^{i\\pi} + 1 = 0$, and\n\n" +
				"$$\n\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}\n$$\n"},
			code("!*echo a GoNB shell line in the module's folder\n%%\nfor i := range 3 {\n\tfmt.Println(\"cell\", i)\n}",
				map[string]any{"output_type": "stream", "name": "stdout", "text": "cell 0\ncell 1\ncell 2\n"}),
			code("%%\nshow(display.Imshow(list(einstein()), display.ImshowOptions{}))",
				map[string]any{"output_type": "display_data", "metadata": map[string]any{},
					"data": map[string]any{"image/png": base64.StdEncoding.EncodeToString(pngBuf.Bytes())}}),
			code("%%\nanimate()",
				map[string]any{"output_type": "display_data", "metadata": map[string]any{},
					"data": map[string]any{"text/html": `<video width="64" height="48" controls><source type="video/mp4" src="data:video/mp4;base64,` +
						base64.StdEncoding.EncodeToString(video) + `"></video>`}}),
		},
	}
	b, err := json.MarshalIndent(nb, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func readSite(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(builtSite(t), filepath.FromSlash(rel)))
	if err != nil {
		t.Fatalf("the site has no %s: %v", rel, err)
	}
	return string(b)
}

// publicPackages lists the packages that must have an API page, by the rule
// kernel/cmd/apidoc applies: not a command, not internal, not test-only, not
// the set-up package kernel.
func publicPackages(t *testing.T) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}} {{.Name}} {{len .GoFiles}}", "./...")
	cmd.Dir = projectRoot(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if f[1] == "main" || f[2] == "0" || strings.Contains("/"+f[0]+"/", "/internal/") ||
			f[0] == "github.com/goplenoptic/goplenoptic/kernel" {
			continue
		}
		names = append(names, f[1])
	}
	return names
}

// TestDocsSiteBuilds checks what the build made: a page per notebook and per
// public package, the landing page with README's sections and a card per
// tutorial, cross-links from notebook prose to the API pages, examples.
func TestDocsSiteBuilds(t *testing.T) {
	site := builtSite(t)
	for _, nb := range siteNbs {
		page := readSite(t, "notebooks/"+nb+".html")
		if !strings.Contains(page, `class="cell docutils container"`) {
			t.Errorf("notebooks/%s.html shows no notebook cells", nb)
		}
	}
	pkgs := publicPackages(t)
	if len(pkgs) < 7 {
		t.Fatalf("go list found only %v", pkgs)
	}
	apiIndex := readSite(t, "api/index.html")
	for _, p := range pkgs {
		page := readSite(t, "api/"+p+".html")
		if !strings.Contains(page, `id="package-`+p+`"`) || !strings.Contains(page, "highlight-go") {
			t.Errorf("api/%s.html lacks its package target or Go code", p)
		}
		if !strings.Contains(apiIndex, `href="`+p+`.html"`) {
			t.Errorf("api/index.html does not link %s", p)
		}
	}
	synth := readSite(t, "api/synth.html")
	for _, want := range []string{`id="synth-newmetamer"`, `id="synth-metamer-synthesize"`, "Example of NewMetamer", "Output:"} {
		if !strings.Contains(synth, want) {
			t.Errorf("api/synth.html lacks %q", want)
		}
	}

	index := readSite(t, "index.html")
	indexText := htmlText(index)
	if n := strings.Count(index, `class="gp-card docutils container"`); n != len(siteNbs) {
		t.Errorf("the landing page has %d tutorial cards, want %d (one per notebook)", n, len(siteNbs))
	}
	for _, nb := range siteNbs {
		if !strings.Contains(index, `href="notebooks/`+nb+`.html"`) {
			t.Errorf("the landing page does not link notebooks/%s.html", nb)
		}
	}
	if n := strings.Count(index, `class="gp-thumb`); n != len(siteNbs) {
		t.Errorf("the landing page has %d thumbnails, want %d", n, len(siteNbs))
	}
	readme, err := os.ReadFile(filepath.Join(projectRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, section := range []string{"## plenoptic → goplenoptic", "## Speed"} {
		rows := tableFirstCells(string(readme), section)
		if len(rows) < 5 {
			t.Fatalf("README's %q table has %d rows", section, len(rows))
		}
		for _, cell := range rows {
			if !strings.Contains(indexText, strings.Join(strings.Fields(cell), " ")) {
				t.Errorf("the landing page lacks README's %s row %q", section, cell)
			}
		}
	}
	for _, want := range []string{"make notebooks", "make test"} {
		if !strings.Contains(indexText, want) || !strings.Contains(index, "highlight-sh") {
			t.Errorf("the landing page lacks %q", want)
		}
	}

	fixture := readSite(t, "notebooks/"+fixtureName+".html")
	for _, want := range []string{
		`href="../api/synth.html#synth-newmetamer"`, `href="../api/display.html#display-imshow"`,
		`href="../api/synth.html#synth-metamer-synthesize"`, `href="../api/synth.html#package-synth"`,
	} {
		if !strings.Contains(fixture, want) {
			t.Errorf("the fixture's prose lacks the cross-link %s", want)
		}
	}
	if strings.Contains(fixture, "highlight-python") || strings.Contains(fixture, "highlight-ipython") {
		t.Errorf("a notebook code cell is highlighted as Python")
	}
	t.Logf("%d notebook pages, %d API pages (%s)", len(siteNbs), len(pkgs), strings.Join(pkgs, ", "))
	_ = site
}

// tableFirstCells returns the text of the first cell of each body row of the
// first table in README's section (code spans unwrapped: the page shows them as code).
func tableFirstCells(readme, heading string) []string {
	i := strings.Index(readme, heading+"\n")
	if i < 0 {
		return nil
	}
	var cells []string
	inTable := false
	for _, line := range strings.Split(readme[i+len(heading):], "\n") {
		if strings.HasPrefix(line, "## ") {
			break
		}
		if !strings.HasPrefix(line, "|") {
			if inTable {
				break
			}
			continue
		}
		if !inTable {
			inTable = true // the header row
			continue
		}
		cell := strings.TrimSpace(strings.Split(strings.Trim(line, "|"), "|")[0])
		if strings.Trim(cell, "- :") == "" {
			continue
		}
		// The first code span (or the plain text) of the cell.
		if m := regexp.MustCompile("`([^`]+)`").FindStringSubmatch(cell); m != nil {
			cell = m[1]
		}
		cells = append(cells, cell)
	}
	return cells
}

var (
	htmlTag   = regexp.MustCompile(`<[^>]*>`)
	htmlSpace = regexp.MustCompile(`\s+`)
)

// htmlText is a page's text: tags removed, entities decoded, spaces collapsed.
func htmlText(page string) string {
	text := htmlTag.ReplaceAllString(page, "")
	text = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'", "&amp;", "&").Replace(text)
	return htmlSpace.ReplaceAllString(text, " ")
}

// serveSite serves the site on the loopback interface, as a static host would.
func serveSite(t *testing.T, site string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rel := strings.TrimPrefix(r.URL.Path, "/")
		if rel == "" || strings.HasSuffix(rel, "/") {
			rel += "index.html"
		}
		path := filepath.Join(site, filepath.FromSlash(rel))
		f, err := os.Open(path)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil || st.IsDir() {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, path, st.ModTime(), f)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// sitePages lists the site's HTML pages (not the theme's templates under _static).
func sitePages(t *testing.T, site string) []string {
	t.Helper()
	var pages []string
	filepath.Walk(site, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(site, path)
		rel = filepath.ToSlash(rel)
		if info.IsDir() && (rel == "_static" || rel == "_images") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(rel, ".html") {
			pages = append(pages, rel)
		}
		return nil
	})
	sort.Strings(pages)
	return pages
}

// pageReport is what pageCheckJS returns.
type pageReport struct {
	Images []struct {
		Src  string
		W, H int
	}
	Videos []struct {
		Src        string
		ReadyState int
		Error      int
	}
	Links       []string
	IDs         []string
	Math        int
	MathSource  int
	GoBlocks    int
	GoKeywords  []string
	GoErrors    int
	Lexers      []string
	TextLength  int
	SearchHits  int
	CodeOverrun int
}

// pageCheckJS waits for images, videos and MathJax, then reports.
const pageCheckJS = `(async () => {
  const wait = (el, evs, ms) => new Promise(r => { evs.forEach(e => el.addEventListener(e, r, {once: true})); setTimeout(r, ms); });
  const imgs = Array.from(document.images);
  imgs.forEach(i => { if (i.loading === 'lazy') i.loading = 'eager'; });
  await Promise.all(imgs.filter(i => !i.complete).map(i => wait(i, ['load', 'error'], 15000)));
  const vids = Array.from(document.querySelectorAll('video'));
  await Promise.all(vids.filter(v => v.readyState < 2).map(v => wait(v, ['loadeddata', 'error'], 15000)));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  const uniq = a => Array.from(new Set(a));
  const go = Array.from(document.querySelectorAll('div.highlight-go'));
  return {
    images: imgs.map(i => ({src: (i.currentSrc || i.src).slice(0, 100), w: i.naturalWidth, h: i.naturalHeight})),
    videos: vids.map(v => ({src: (v.currentSrc || '').slice(0, 60), readyState: v.readyState, error: v.error ? v.error.code : 0})),
    links: uniq(Array.from(document.querySelectorAll('a[href]')).map(a => a.href)),
    ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id).concat(Array.from(document.querySelectorAll('a[name]')).map(a => a.name)),
    math: document.querySelectorAll('mjx-container').length,
    mathSource: document.querySelectorAll('.math').length,
    goBlocks: go.length,
    goKeywords: uniq(go.flatMap(d => Array.from(d.querySelectorAll('.k, .kd, .kn, .kt')).map(e => e.textContent))),
    goErrors: go.reduce((n, d) => n + d.querySelectorAll('.err').length, 0),
    lexers: uniq(Array.from(document.querySelectorAll('div[class*="highlight-"]')).flatMap(d => Array.from(d.classList).filter(c => c.startsWith('highlight-')))),
    textLength: document.body.innerText.length,
    searchHits: document.querySelectorAll('#search-results ul.search li').length,
    codeOverrun: Array.from(document.querySelectorAll('div.cell div.highlight pre')).filter(p => p.scrollWidth > p.clientWidth + 1).length,
  };
})()`

// TestDocsInBrowser loads every page of the site in headless Chromium from a
// local HTTP server: no request may fail or leave the server (so the site works
// offline), no console error, every <img> rendered (non-zero natural size),
// every video playable (readyState >= 2), math typeset by the site's own MathJax,
// every link inside the site resolving to a file and, with a #fragment, to an
// element of that page. The search page finds an API name.
func TestDocsInBrowser(t *testing.T) {
	site := builtSite(t)
	srv := serveSite(t, site)
	b := startBrowser(t)
	p := b.newPage(t, 1280, 900)
	pages := sitePages(t, site)
	if len(pages) < 10 {
		t.Fatalf("the site has only %d pages: %v", len(pages), pages)
	}
	start := time.Now()
	ids := map[string]map[string]bool{}
	links := map[string]string{}       // link -> first page that has it
	linksFrom := map[string][]string{} // page -> the links on it
	images, videos, mathPages := 0, 0, 0
	visit := func(rel, query string) pageReport {
		res, err := p.visit(srv.URL + "/" + rel + query)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		var r pageReport
		if err := p.eval(pageCheckJS, &r); err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		// Requests that started after the load event (MathJax's fonts and
		// extensions) are in the page's list by now too.
		p.mu.Lock()
		res.URLs, res.Failures, res.Console = p.urls, p.failures, p.console
		p.mu.Unlock()
		for _, u := range res.URLs {
			if !strings.HasPrefix(u, srv.URL+"/") && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "blob:") && u != "about:blank" {
				t.Errorf("%s loads %s, which is not served by the site", rel, short(u))
			}
		}
		for _, f := range res.Failures {
			t.Errorf("%s: failed request: %s", rel, f)
		}
		for _, c := range res.Console {
			t.Errorf("%s: %s", rel, c)
		}
		for _, img := range r.Images {
			if img.W == 0 || img.H == 0 {
				t.Errorf("%s: image %s did not render (natural size %d×%d)", rel, img.Src, img.W, img.H)
			}
		}
		for _, v := range r.Videos {
			if v.ReadyState < 2 || v.Error != 0 {
				t.Errorf("%s: video %s is not playable (readyState %d, error %d)", rel, v.Src, v.ReadyState, v.Error)
			}
		}
		if r.MathSource > 0 && r.Math == 0 {
			t.Errorf("%s has %d math elements but MathJax typeset none", rel, r.MathSource)
		}
		if r.GoErrors > 0 {
			t.Errorf("%s: the Go lexer marked %d tokens as errors", rel, r.GoErrors)
		}
		if r.TextLength < 200 && rel != "search.html" {
			t.Errorf("%s shows only %d characters of text", rel, r.TextLength)
		}
		return r
	}
	for _, rel := range pages {
		r := visit(rel, "")
		set := map[string]bool{}
		for _, id := range r.IDs {
			set[id] = true
		}
		ids[rel] = set
		linksFrom[rel] = r.Links
		for _, l := range r.Links {
			if _, ok := links[l]; !ok {
				links[l] = rel
			}
		}
		images += len(r.Images)
		videos += len(r.Videos)
		if r.Math > 0 {
			mathPages++
		}
		if strings.HasPrefix(rel, "notebooks/") && rel != "notebooks/index.html" {
			if r.GoBlocks == 0 || len(r.GoKeywords) == 0 {
				t.Errorf("%s: code cells are not highlighted as Go (%d Go blocks, keywords %v)", rel, r.GoBlocks, r.GoKeywords)
			}
			if r.CodeOverrun > 0 {
				t.Errorf("%s: %d code cells are wider than their box", rel, r.CodeOverrun)
			}
		}
		if rel == "notebooks/"+fixtureName+".html" && (len(r.Videos) != 1 || r.Math < 2) {
			t.Errorf("the fixture shows %d videos and %d typeset formulas, want 1 and 2", len(r.Videos), r.Math)
		}
	}
	if r := visit("search.html", "?q=NewMetamer"); r.SearchHits == 0 {
		t.Errorf("searching for NewMetamer finds nothing")
	}

	external, checked := 0, 0
	for link, from := range links {
		u, err := url.Parse(link)
		if err != nil {
			t.Errorf("%s: bad link %q", from, link)
			continue
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			continue
		}
		if "http://"+u.Host != srv.URL {
			external++
			continue
		}
		checked++
		rel := strings.TrimPrefix(u.Path, "/")
		if rel == "" || strings.HasSuffix(rel, "/") {
			rel += "index.html"
		}
		if _, err := os.Stat(filepath.Join(site, filepath.FromSlash(rel))); err != nil {
			t.Errorf("%s links to %s, which does not exist (404)", from, u.Path)
			continue
		}
		if u.Fragment != "" && strings.HasSuffix(rel, ".html") {
			set, ok := ids[rel]
			if !ok {
				set = idsInFile(filepath.Join(site, filepath.FromSlash(rel)))
			}
			if !set[u.Fragment] {
				t.Errorf("%s links to %s#%s: no such element", from, rel, u.Fragment)
			}
		}
	}
	// Navigation: every page can be reached from the landing page by following links.
	reached := map[string]bool{"index.html": true}
	for queue := []string{"index.html"}; len(queue) > 0; queue = queue[1:] {
		for _, l := range linksFrom[queue[0]] {
			u, err := url.Parse(l)
			if err != nil || "http://"+u.Host != srv.URL {
				continue
			}
			rel := strings.TrimPrefix(u.Path, "/")
			if rel == "" || strings.HasSuffix(rel, "/") {
				rel += "index.html"
			}
			if _, isPage := linksFrom[rel]; isPage && !reached[rel] {
				reached[rel] = true
				queue = append(queue, rel)
			}
		}
	}
	// The search page is reached through the search form every page has.
	if b, err := os.ReadFile(filepath.Join(site, "index.html")); err == nil && strings.Contains(string(b), `action="search.html"`) {
		reached["search.html"] = true
	}
	for _, rel := range pages {
		if !reached[rel] {
			t.Errorf("%s cannot be reached from the landing page", rel)
		}
	}
	if videos == 0 || mathPages == 0 || images < len(siteNbs) {
		t.Errorf("across the site: %d images, %d videos, %d pages with math; want the fixture's at least", images, videos, mathPages)
	}
	t.Logf("%d pages in %.1f s: %d images, %d videos, %d pages with math, %d internal links checked, %d external links (not loaded)",
		len(pages)+1, time.Since(start).Seconds(), images, videos, mathPages, checked, external)
}

var idAttr = regexp.MustCompile(`\sid="([^"]+)"`)

func idsInFile(path string) map[string]bool {
	set := map[string]bool{}
	b, err := os.ReadFile(path)
	if err != nil {
		return set
	}
	for _, m := range idAttr.FindAllStringSubmatch(string(b), -1) {
		set[m[1]] = true
	}
	return set
}

// TestDocsScreenshots takes screenshots of the landing page and of the
// introduction (kept in .local/screenshots/ to look at) and checks that they
// are not blank and that the code on them is highlighted by the right lexer:
// the shell commands on the landing page, Go (with GoNB's lines) in the notebooks.
func TestDocsScreenshots(t *testing.T) {
	site := builtSite(t)
	srv := serveSite(t, site)
	b := startBrowser(t)
	p := b.newPage(t, 1280, 900)
	dir := filepath.Join(projectRoot(t), ".local", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		page, shot, lexer string
		keywords          []string
	}{
		{"index.html", "docs-index.png", "highlight-sh", nil},
		{"notebooks/introduction.html", "docs-introduction.png", "highlight-go", nil},
		{"notebooks/" + fixtureName + ".html", "docs-fixture.png", "highlight-go", []string{"for", "range"}},
		{"api/synth.html", "docs-api-synth.png", "highlight-go", []string{"func", "type", "struct"}},
	} {
		fixture := strings.Contains(c.page, fixtureName)
		if _, err := p.visit(srv.URL + "/" + c.page); err != nil {
			t.Fatal(err)
		}
		var r pageReport
		if err := p.eval(pageCheckJS, &r); err != nil {
			t.Fatal(err)
		}
		shot, err := p.screenshot(1280, 3000)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, c.shot)
		if err := os.WriteFile(path, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		ink, colors, err := inkAndColors(shot)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if ink < 0.03 || colors < 32 {
			t.Errorf("%s looks blank: %.1f%% of pixels differ from the background, %d colours", path, 100*ink, colors)
		}
		has := false
		for _, l := range r.Lexers {
			has = has || l == c.lexer
		}
		if !has {
			t.Errorf("%s: no %s code block (lexers used: %v)", c.page, c.lexer, r.Lexers)
		}
		for _, l := range r.Lexers {
			if strings.Contains(l, "python") || l == "highlight-default" {
				t.Errorf("%s: a code block is highlighted by %s", c.page, l)
			}
		}
		if c.lexer == "highlight-go" {
			for _, k := range c.keywords {
				if !contains(r.GoKeywords, k) {
					t.Errorf("%s: %q is not a Go keyword token (keywords found: %v)", c.page, k, r.GoKeywords)
				}
			}
			if len(r.GoKeywords) == 0 {
				t.Errorf("%s: no Go keyword tokens", c.page)
			}
		}
		if fixture {
			// GoNB's own lines are lexed as such, not as Go errors
			// (TestDocsInBrowser checks that no page has Go error tokens).
			var gonb []string
			if err := p.eval(`Array.from(document.querySelectorAll('div.highlight-go .cp')).map(e => e.textContent)`, &gonb); err != nil {
				t.Fatal(err)
			}
			if !contains(gonb, "%%") || !contains(gonb, "!*") {
				t.Errorf("the fixture's %%%% and !* lines are not marked as GoNB lines: %v", gonb)
			}
		}
		t.Logf("%s: %s (%.0f%% ink, %d colours, lexers %v)", c.page, path, 100*ink, colors, r.Lexers)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// inkAndColors returns the fraction of pixels that differ from the most common
// colour and the number of distinct colours (quantized to 5 bits a channel).
func inkAndColors(pngData []byte) (float64, int, error) {
	img, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		return 0, 0, err
	}
	counts := map[uint32]int{}
	bnd := img.Bounds()
	for y := bnd.Min.Y; y < bnd.Max.Y; y++ {
		for x := bnd.Min.X; x < bnd.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			counts[(r>>11)<<10|(g>>11)<<5|b>>11]++
		}
	}
	most := 0
	for _, n := range counts {
		if n > most {
			most = n
		}
	}
	total := bnd.Dx() * bnd.Dy()
	return 1 - float64(most)/float64(total), len(counts), nil
}
