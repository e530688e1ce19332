package kernel

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMakeLab starts `make lab` on a free port of 127.0.0.1, fetches the
// notebook list from the server and stops it: the working copies of the
// notebooks are served, with the gonb kernel available.
func TestMakeLab(t *testing.T) {
	root := projectRoot(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	const token = "goplenoptic-test"
	cmd := exec.Command("bash", filepath.Join(root, "kernel", "lab.sh"), fmt.Sprint(port), token)
	cmd.Dir = root
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logPath := filepath.Join(t.TempDir(), "lab.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	}()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	get := func(path string) (*http.Response, error) {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "token "+token)
		return http.DefaultClient.Do(req)
	}
	var listing struct {
		Content []struct{ Name, Type string } `json:"content"`
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := get("/api/contents")
		if err == nil && resp.StatusCode == 200 {
			err = json.NewDecoder(resp.Body).Decode(&listing)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			break
		}
		if resp != nil {
			resp.Body.Close()
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logPath)
			t.Fatalf("JupyterLab did not answer on %s: %v\n%s", base, err, b)
		}
		time.Sleep(500 * time.Millisecond)
	}
	var names []string
	for _, c := range listing.Content {
		names = append(names, c.Name)
	}
	if !strings.Contains(strings.Join(names, " "), "introduction.ipynb") {
		t.Errorf("the server lists %v, want the notebooks' working copies", names)
	}
	// The lab page itself and the gonb kernel spec.
	for path, want := range map[string]string{"/lab": "JupyterLab", "/api/kernelspecs": `"gonb"`} {
		resp, err := get(path)
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 1<<20)
		n, _ := resp.Body.Read(b)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b[:n]), want) {
			t.Errorf("GET %s: %d, body lacks %q", path, resp.StatusCode, want)
		}
	}
	if !strings.HasPrefix(listingAddr(t, logPath), "127.0.0.1") {
		t.Errorf("the server does not say it listens on 127.0.0.1")
	}
}

// listingAddr returns the address the server's log says it listens on.
func listingAddr(t *testing.T, logPath string) string {
	b, _ := os.ReadFile(logPath)
	for _, line := range strings.Split(string(b), "\n") {
		if i := strings.Index(line, "http://"); i >= 0 {
			return strings.TrimPrefix(line[i:], "http://")
		}
	}
	return ""
}
