package integration

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// pythonBinary is Debian's python3 (dynamic, glibc).
const pythonBinary = "/usr/bin/python3"

// TestPythonHTTPServer runs `python3 -m http.server` under elfloader on a
// loopback port, fetches a file and a directory listing with a Go client,
// and stops it with SIGINT (KeyboardInterrupt: status 0) and SIGTERM (the
// default action: status 143).
func TestPythonHTTPServer(t *testing.T) {
	skipUnlessDynamic(t)
	if _, err := os.Stat(pythonBinary); err != nil {
		t.Skipf("%s not installed: %v", pythonBinary, err)
	}
	for _, stop := range []struct {
		sig    syscall.Signal
		status int
	}{{syscall.SIGINT, 0}, {syscall.SIGTERM, 128 + int(syscall.SIGTERM)}} {
		t.Run(stop.sig.String(), func(t *testing.T) {
			t.Parallel()
			dir := hostScratch(t)
			content := []byte(strings.Repeat("served by python under elfloader\n", 3000))
			if err := os.WriteFile(filepath.Join(dir, "data.txt"), content, 0o644); err != nil {
				t.Fatal(err)
			}
			port := loopbackPort(t)
			argv := []string{pythonBinary, "-m", "http.server", fmt.Sprint(port), "--bind", "127.0.0.1", "--directory", dir}
			proc := startAppServer(t, nil, argv, port)
			client := &http.Client{Transport: &http.Transport{}}
			base := fmt.Sprintf("http://127.0.0.1:%d", port)
			status, body := fetchURL(t, client, base+"/data.txt")
			if status != http.StatusOK {
				t.Errorf("data.txt: status %d", status)
			}
			compareBody(t, "data.txt", body, content)
			status, body = fetchURL(t, client, base+"/")
			if status != http.StatusOK || !strings.Contains(string(body), `href="data.txt"`) {
				t.Errorf("directory listing: status %d, body:\n%s", status, body)
			}
			if status, _ := fetchURL(t, client, base+"/missing.txt"); status != http.StatusNotFound {
				t.Errorf("missing.txt: status %d, want 404", status)
			}
			client.CloseIdleConnections()
			if got := proc.stop(t, stop.sig); got != stop.status {
				t.Errorf("exit status after %v: %d, want %d; output:\n%s", stop.sig, got, stop.status, proc.output.String())
			}
			out := proc.output.String()
			assertNoPanic(t, out)
			if !strings.Contains(out, `"GET /data.txt HTTP/1.1" 200`) {
				t.Errorf("server log lacks the request:\n%s", out)
			}
		})
	}
}
