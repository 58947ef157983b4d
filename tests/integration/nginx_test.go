package integration

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/elfloader/elfloader/tests/testbin"
)

// nginxBinary is Debian's nginx-light (dynamic PIE, glibc).
const nginxBinary = "/usr/sbin/nginx"

// serverStartTimeout bounds how long a server under elfloader may take to
// accept its first connection.
const serverStartTimeout = 30 * time.Second

// serverStopTimeout bounds how long a server may take to exit after the
// stop signal.
const serverStopTimeout = 10 * time.Second

// bigFileSize is the size of the large static file nginx serves.
const bigFileSize = 10 << 20

// keepAliveRequests is the number of requests sent over keep-alive
// connections.
const keepAliveRequests = 1000

// appServer is a server running under `elfloader run` in its own
// process group.
type appServer struct {
	cmd    *exec.Cmd
	output *serverOutput // stdout and stderr of elfloader and the app
	done   chan struct{}
	err    error // Wait's result, set before done is closed
}

// serverOutput is a bytes.Buffer safe for concurrent writes and reads.
type serverOutput struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *serverOutput) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *serverOutput) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startAppServer starts `elfloader run FLAGS... argv...` and waits
// until 127.0.0.1:port accepts a connection. The process is killed when
// the test ends if it is still running.
func startAppServer(t *testing.T, flags, argv []string, port int) *appServer {
	t.Helper()
	p := startApp(t, testbin.Elfloader(t), nil, flags, argv)
	p.waitListening(t, port)
	return p
}

// waitListening waits until 127.0.0.1:port accepts a connection (a
// refused one is tried again: the server may be between two listen
// calls), failing the test when the server exits or the start-up time
// runs out.
func (p *appServer) waitListening(t *testing.T, port int) {
	t.Helper()
	deadline := time.Now().Add(serverStartTimeout)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return
		}
		select {
		case <-p.done:
			t.Fatalf("server exited before listening on %s (%v); output:\n%s", addr, p.err, p.output.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not listen on %s within %v; output:\n%s", addr, serverStartTimeout, p.output.String())
		}
	}
}

// startApp starts `ELFLOADER run FLAGS... argv...` in its own process
// group, as the host user cred when it is not nil (the test runs as
// root), and returns at once. The group is killed when the test ends if
// elfloader is still running.
func startApp(t *testing.T, elfloader string, cred *syscall.Credential, flags, argv []string) *appServer {
	t.Helper()
	args := append([]string{"run"}, testbin.EnvFlags()...)
	args = append(args, flags...)
	args = append(args, argv...)
	cmd := exec.Command(elfloader, args...)
	out := &serverOutput{}
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: cred}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start elfloader: %v", err)
	}
	p := &appServer{cmd: cmd, output: out, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
	})
	return p
}

// stop sends sig to the elfloader process (which forwards it to the app)
// and waits for it to exit; it returns the shell-style exit status.
func (p *appServer) stop(t *testing.T, sig syscall.Signal) int {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("send %v: %v", sig, err)
	}
	return p.wait(t, serverStopTimeout, sig.String())
}

// wait waits up to timeout for elfloader to exit (after what, for the
// failure message) and returns the shell-style exit status.
func (p *appServer) wait(t *testing.T, timeout time.Duration, after string) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("still running %v after %s; output:\n%s", timeout, after, p.output.String())
	}
	ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok {
		return -1
	}
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

// loopbackPort returns a loopback TCP port that nothing listens on right now.
func loopbackPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pick a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// fetchURL fetches url with client and returns the status and body.
func fetchURL(t *testing.T, client *http.Client, url string) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", url, err)
	}
	return resp.StatusCode, body
}

// compareBody fails t unless got equals want byte for byte.
func compareBody(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	first := 0
	for first < len(got) && first < len(want) && got[first] == want[first] {
		first++
	}
	t.Errorf("%s: body of %d bytes differs from the file's %d bytes (first difference at byte %d)",
		what, len(got), len(want), first)
}

// nginxSite is a temp dir holding an nginx config, its document root
// (small.txt, big.bin) and, after a run, its logs.
type nginxSite struct {
	dir          string
	conf         string
	small, big   []byte
	portOn       int // server with sendfile on
	portOff      int // server with sendfile off
	accessLogRel string
}

// newNginxSite writes the config and the files. The directory is under
// /var/tmp because the app's /tmp is its own ramfs; it is mounted into the
// app at the same path with --volume DIR:DIR:rw.
func newNginxSite(t *testing.T) *nginxSite {
	t.Helper()
	if _, err := os.Stat(nginxBinary); err != nil {
		t.Skipf("%s not installed (apt-get install nginx-light): %v", nginxBinary, err)
	}
	s := &nginxSite{dir: hostScratch(t), portOn: loopbackPort(t), portOff: loopbackPort(t)}
	s.small = []byte("hello from nginx under elfloader\n")
	s.big = make([]byte, bigFileSize)
	if _, err := rand.Read(s.big); err != nil {
		t.Fatal(err)
	}
	www := filepath.Join(s.dir, "www")
	for _, d := range []string{"www", "temp", "logs"} {
		if err := os.MkdirAll(filepath.Join(s.dir, d), 0o777); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(www, "small.txt"), s.small, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(www, "big.bin"), s.big, 0o644); err != nil {
		t.Fatal(err)
	}
	conf := nginxConfig(s.dir, "master_process off;\nworker_processes 1;\nevents { worker_connections 256; }", fmt.Sprintf(`
	types { text/plain txt; application/octet-stream bin; }
	default_type application/octet-stream;
	keepalive_requests 100000;
	keepalive_timeout 60s;
	server {
		listen 127.0.0.1:%[2]d;
		root %[1]s/www;
		sendfile on;
	}
	server {
		listen 127.0.0.1:%[3]d;
		root %[1]s/www;
		sendfile off;
	}`, s.dir, s.portOn, s.portOff))
	s.conf = filepath.Join(s.dir, "nginx.conf")
	if err := os.WriteFile(s.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return s
}

// nginxConfig is an nginx config for a site in dir (logs, temp paths and
// the pid file below it, nothing outside): processModel holds the
// master_process and worker_processes lines and the events block,
// httpBlock the rest of the http block (types, servers).
func nginxConfig(dir, processModel, httpBlock string) string {
	return fmt.Sprintf(`daemon off;
%[2]s
error_log %[1]s/logs/error.log info;
pid %[1]s/logs/nginx.pid;
http {
	access_log %[1]s/logs/access.log;
	client_body_temp_path %[1]s/temp/body;
	proxy_temp_path %[1]s/temp/proxy;
	fastcgi_temp_path %[1]s/temp/fastcgi;
	uwsgi_temp_path %[1]s/temp/uwsgi;
	scgi_temp_path %[1]s/temp/scgi;%[3]s
}
`, dir, processModel, httpBlock)
}

// start runs nginx under elfloader with the site's directory mounted.
func (s *nginxSite) start(t *testing.T) *appServer {
	t.Helper()
	flags := []string{"--volume", s.dir + ":" + s.dir + ":rw"}
	argv := []string{nginxBinary, "-c", s.conf, "-p", s.dir + "/", "-e", s.dir + "/logs/error.log"}
	p := startAppServer(t, flags, argv, s.portOn)
	// The second server listens from the same start-up, a few calls
	// later (a dial in between is refused): wait for it too.
	p.waitListening(t, s.portOff)
	return p
}

// readLog returns a log file of the site ("" if missing).
func (s *nginxSite) readLog(name string) string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "logs", name))
	return string(b)
}

// TestNginx runs Debian's nginx under elfloader on loopback: small and
// 10 MiB static files with sendfile on and off compared byte for byte, a
// 404, 1,000 keep-alive requests, the access log, and a clean stop on
// SIGQUIT.
func TestNginx(t *testing.T) {
	skipUnlessDynamic(t)
	site := newNginxSite(t)
	proc := site.start(t)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4, MaxConnsPerHost: 4}}
	defer client.CloseIdleConnections()

	for _, sf := range []struct {
		name string
		port int
	}{{"sendfile_on", site.portOn}, {"sendfile_off", site.portOff}} {
		t.Run(sf.name, func(t *testing.T) {
			base := fmt.Sprintf("http://127.0.0.1:%d", sf.port)
			status, body := fetchURL(t, client, base+"/small.txt")
			if status != http.StatusOK {
				t.Errorf("small.txt: status %d", status)
			}
			compareBody(t, "small.txt", body, site.small)
			status, body = fetchURL(t, client, base+"/big.bin")
			if status != http.StatusOK {
				t.Errorf("big.bin: status %d", status)
			}
			compareBody(t, "big.bin", body, site.big)
			if status, _ := fetchURL(t, client, base+"/missing.html"); status != http.StatusNotFound {
				t.Errorf("missing.html: status %d, want 404", status)
			}
		})
	}

	t.Run("keepalive_1000", func(t *testing.T) {
		const workers = 4
		transport := &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}
		defer transport.CloseIdleConnections()
		ka := &http.Client{Transport: transport}
		url := fmt.Sprintf("http://127.0.0.1:%d/small.txt", site.portOn)
		var wg sync.WaitGroup
		errs := make(chan string, keepAliveRequests)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < keepAliveRequests/workers; i++ {
					resp, err := ka.Get(url)
					if err != nil {
						errs <- err.Error()
						return
					}
					body, err := io.ReadAll(resp.Body)
					resp.Body.Close()
					if err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(body, site.small) {
						errs <- fmt.Sprintf("status %d, %d bytes, err %v", resp.StatusCode, len(body), err)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Errorf("keep-alive request: %s", e)
		}
	})

	client.CloseIdleConnections()
	if status := proc.stop(t, syscall.SIGQUIT); status != 0 {
		t.Errorf("nginx exit status after SIGQUIT: %d, want 0; output:\n%s", status, proc.output.String())
	}
	assertNoPanic(t, proc.output.String())

	access := site.readLog("access.log")
	if n := strings.Count(access, "GET /small.txt HTTP/1.1\" 200"); n < keepAliveRequests+2 {
		t.Errorf("access log lists %d successful GET /small.txt, want at least %d", n, keepAliveRequests+2)
	}
	if n := strings.Count(access, "GET /big.bin HTTP/1.1\" 200"); n != 2 {
		t.Errorf("access log lists %d GET /big.bin, want 2", n)
	}
	if !strings.Contains(access, "GET /missing.html HTTP/1.1\" 404") {
		t.Errorf("access log lacks the 404:\n%s", firstLines(access, 5))
	}
	errLog := site.readLog("error.log")
	if strings.Contains(errLog, "[emerg]") || strings.Contains(errLog, "[alert]") {
		t.Errorf("error log has emerg/alert lines:\n%s", errLog)
	}
}

// TestNginxSIGTERM checks that nginx under elfloader stops on SIGTERM
// (fast shutdown) after serving a request.
func TestNginxSIGTERM(t *testing.T) {
	skipUnlessDynamic(t)
	site := newNginxSite(t)
	proc := site.start(t)
	client := &http.Client{Transport: &http.Transport{}}
	status, body := fetchURL(t, client, fmt.Sprintf("http://127.0.0.1:%d/small.txt", site.portOff))
	if status != http.StatusOK {
		t.Errorf("small.txt: status %d", status)
	}
	compareBody(t, "small.txt", body, site.small)
	client.CloseIdleConnections()
	if status := proc.stop(t, syscall.SIGTERM); status != 0 {
		t.Errorf("nginx exit status after SIGTERM: %d, want 0; output:\n%s", status, proc.output.String())
	}
	assertNoPanic(t, proc.output.String())
	if !strings.Contains(site.readLog("access.log"), "GET /small.txt HTTP/1.1\" 200") {
		t.Errorf("access log lacks the request:\n%s", site.readLog("access.log"))
	}
}
