package kernel

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// A minimal Chrome DevTools Protocol client over --remote-debugging-pipe
// (messages are JSON objects ended by a NUL byte; Chromium reads fd 3 and
// writes fd 4), so the docs tests can watch every request and console message
// of a page with the standard library alone: no websocket package, no
// browser-automation framework to install.

type cdpMessage struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *cdpError       `json:"error,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
}

type cdpError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type browser struct {
	cmd     *exec.Cmd
	w       io.WriteCloser
	mu      sync.Mutex
	nextID  int
	pending map[int]chan cdpMessage
	pages   map[string]*page // by session
	closed  chan struct{}
}

// startBrowser starts headless Chromium with a DevTools pipe.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed: `make test` installs it (kernel/setup.sh --test)")
	}
	toChrome, chromeIn, err := os.Pipe() // Chromium reads commands on fd 3
	if err != nil {
		t.Fatal(err)
	}
	chromeOut, fromChrome, err := os.Pipe() // and writes replies and events on fd 4
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(chromium, "--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
		"--hide-scrollbars", "--mute-audio", "--no-first-run", "--no-default-browser-check",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--user-data-dir="+t.TempDir(),
		// Nothing may leave the machine: names resolve to nothing and every
		// request not for the loopback interface goes to a closed local port.
		"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--proxy-server=http://127.0.0.1:9",
		"about:blank")
	cmd.ExtraFiles = []*os.File{toChrome, fromChrome}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	toChrome.Close()
	fromChrome.Close()
	b := &browser{cmd: cmd, w: chromeIn, pending: map[int]chan cdpMessage{}, pages: map[string]*page{},
		closed: make(chan struct{})}
	go b.read(chromeOut)
	t.Cleanup(func() {
		b.w.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	return b
}

func (b *browser) read(r io.Reader) {
	defer close(b.closed)
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			return
		}
		var m cdpMessage
		if json.Unmarshal(raw[:len(raw)-1], &m) != nil {
			continue
		}
		b.mu.Lock()
		ch := b.pending[m.ID]
		delete(b.pending, m.ID)
		p := b.pages[m.SessionID]
		b.mu.Unlock()
		switch {
		case m.ID != 0 && ch != nil:
			ch <- m
		case m.ID == 0 && p != nil:
			p.event(m)
		}
	}
}

// call sends a command (to the browser when session is "") and waits for its reply.
func (b *browser) call(session, method string, params any, result any) error {
	if params == nil {
		params = map[string]any{}
	}
	p, err := json.Marshal(params)
	if err != nil {
		return err
	}
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	ch := make(chan cdpMessage, 1)
	b.pending[id] = ch
	b.mu.Unlock()
	msg, _ := json.Marshal(cdpMessage{ID: id, Method: method, Params: p, SessionID: session})
	if _, err := b.w.Write(append(msg, 0)); err != nil {
		return fmt.Errorf("%s: %v", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		if result != nil {
			return json.Unmarshal(m.Result, result)
		}
		return nil
	case <-b.closed:
		return fmt.Errorf("%s: chromium exited", method)
	case <-time.After(90 * time.Second):
		return fmt.Errorf("%s: no reply in 90 s", method)
	}
}

// page is one tab, with what it requested and logged since the last visit.
type page struct {
	b       *browser
	session string

	mu       sync.Mutex
	requests map[string]string // requestId -> URL, still in flight
	urls     []string          // every URL requested
	failures []string          // failed requests and HTTP errors
	console  []string          // console errors, exceptions, error log entries
	loaded   chan struct{}
	lastNet  time.Time
}

func (b *browser) newPage(t *testing.T, width, height int) *page {
	t.Helper()
	var target struct{ TargetID string }
	if err := b.call("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		t.Fatal(err)
	}
	var attached struct{ SessionID string }
	if err := b.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		t.Fatal(err)
	}
	p := &page{b: b, session: attached.SessionID, requests: map[string]string{}}
	b.mu.Lock()
	b.pages[p.session] = p
	b.mu.Unlock()
	for _, domain := range []string{"Page", "Network", "Runtime", "Log"} {
		if err := b.call(p.session, domain+".enable", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.call(p.session, "Emulation.setDeviceMetricsOverride", map[string]any{
		"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}, nil); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *page) event(m cdpMessage) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch m.Method {
	case "Page.loadEventFired":
		if p.loaded != nil {
			close(p.loaded)
			p.loaded = nil
		}
	case "Network.requestWillBeSent":
		var e struct {
			RequestID string `json:"requestId"`
			Request   struct{ URL string }
		}
		json.Unmarshal(m.Params, &e)
		p.requests[e.RequestID] = e.Request.URL
		p.urls = append(p.urls, e.Request.URL)
		p.lastNet = time.Now()
	case "Network.responseReceived":
		var e struct {
			Response struct {
				URL    string
				Status int
			}
		}
		json.Unmarshal(m.Params, &e)
		if e.Response.Status >= 400 {
			p.failures = append(p.failures, fmt.Sprintf("HTTP %d %s", e.Response.Status, e.Response.URL))
		}
	case "Network.loadingFinished", "Network.loadingFailed":
		var e struct {
			RequestID     string `json:"requestId"`
			ErrorText     string
			Canceled      bool
			BlockedReason string
		}
		json.Unmarshal(m.Params, &e)
		if m.Method == "Network.loadingFailed" {
			p.failures = append(p.failures, fmt.Sprintf("%s %s (canceled %v, blocked %q)",
				e.ErrorText, short(p.requests[e.RequestID]), e.Canceled, e.BlockedReason))
		}
		delete(p.requests, e.RequestID)
		p.lastNet = time.Now()
	case "Runtime.consoleAPICalled":
		var e struct {
			Type string
			Args []struct {
				Value       any
				Description string
			}
		}
		json.Unmarshal(m.Params, &e)
		if e.Type == "error" || e.Type == "assert" {
			var parts []string
			for _, a := range e.Args {
				parts = append(parts, fmt.Sprint(a.Value, a.Description))
			}
			p.console = append(p.console, "console."+e.Type+": "+strings.Join(parts, " "))
		}
	case "Runtime.exceptionThrown":
		var e struct {
			ExceptionDetails struct {
				Text      string
				Exception struct{ Description string }
			}
		}
		json.Unmarshal(m.Params, &e)
		p.console = append(p.console, "exception: "+e.ExceptionDetails.Text+" "+e.ExceptionDetails.Exception.Description)
	case "Log.entryAdded":
		var e struct {
			Entry struct{ Level, Text, URL, Source string }
		}
		json.Unmarshal(m.Params, &e)
		if e.Entry.Level == "error" {
			p.console = append(p.console, fmt.Sprintf("log (%s): %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL))
		}
	}
}

func short(u string) string {
	if len(u) > 100 {
		return u[:100] + "…"
	}
	return u
}

// visitResult is what one page load requested and reported.
type visitResult struct {
	URLs     []string
	Failures []string
	Console  []string
}

// visit loads url, waits for the load event and for the network to be quiet
// for half a second, and returns what happened since the navigation.
func (p *page) visit(url string) (visitResult, error) {
	loaded := make(chan struct{})
	p.mu.Lock()
	p.requests, p.urls, p.failures, p.console = map[string]string{}, nil, nil, nil
	p.loaded = loaded
	p.mu.Unlock()
	var nav struct{ ErrorText string }
	if err := p.b.call(p.session, "Page.navigate", map[string]any{"url": url}, &nav); err != nil {
		return visitResult{}, err
	}
	if nav.ErrorText != "" {
		return visitResult{}, fmt.Errorf("navigating to %s: %s", url, nav.ErrorText)
	}
	select {
	case <-loaded:
	case <-time.After(60 * time.Second):
		return visitResult{}, fmt.Errorf("%s: no load event in 60 s", url)
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		quiet := len(p.requests) == 0 && time.Since(p.lastNet) > 500*time.Millisecond
		p.mu.Unlock()
		if quiet {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return visitResult{URLs: append([]string(nil), p.urls...), Failures: append([]string(nil), p.failures...),
		Console: append([]string(nil), p.console...)}, nil
}

// eval runs a JavaScript expression (awaiting a returned promise) and decodes its JSON value into out.
func (p *page) eval(expr string, out any) error {
	var r struct {
		Result           struct{ Value json.RawMessage }
		ExceptionDetails *struct {
			Text      string
			Exception struct{ Description string }
		}
	}
	if err := p.b.call(p.session, "Runtime.evaluate", map[string]any{
		"expression": expr, "awaitPromise": true, "returnByValue": true}, &r); err != nil {
		return err
	}
	if r.ExceptionDetails != nil {
		return fmt.Errorf("evaluating script: %s %s", r.ExceptionDetails.Text, r.ExceptionDetails.Exception.Description)
	}
	return json.Unmarshal(r.Result.Value, out)
}

// screenshot returns a PNG of the top of the page, height CSS pixels at most.
func (p *page) screenshot(width, maxHeight int) ([]byte, error) {
	var height float64
	if err := p.eval("document.documentElement.scrollHeight", &height); err != nil {
		return nil, err
	}
	if height > float64(maxHeight) {
		height = float64(maxHeight)
	}
	var r struct{ Data string }
	if err := p.b.call(p.session, "Page.captureScreenshot", map[string]any{
		"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": 0, "y": 0, "width": width, "height": height, "scale": 1}}, &r); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(r.Data)
}
