package integration

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/elfloader/elfloader/tests/testbin"
)

// Servers with their own process model (docs/fork.md, "Servers with their
// own process model"): nginx with a master and two worker processes, redis
// forking a child for BGSAVE and BGREWRITEAOF. Each runs on loopback with a
// bounded number of requests and is always stopped.

// nginxWorkerCount is the worker_processes of the master-mode config.
const nginxWorkerCount = 2

// nginxWorkerRequests is how many requests the master-mode test sends:
// half over keep-alive connections, half on a new connection each.
const nginxWorkerRequests = 200

// stubGoneTimeout bounds how long a stub host process may outlive the
// elfloader that served it.
const stubGoneTimeout = 10 * time.Second

// nginxWorkersSite is a temp dir with a master-mode nginx config whose
// responses name the worker that answered (header X-Worker-Pid).
type nginxWorkersSite struct {
	dir   string
	conf  string
	port  int
	small []byte
}

// nginxSharedZones is the http part of a config whose workers share
// memory: a rate-limit zone, a connection-limit zone and a proxy cache
// (which adds the cache manager and cache loader processes) in front of a
// second server. %[1]s is the site directory, %[2]d the upstream port.
const nginxSharedZones = `
	limit_req_zone $binary_remote_addr zone=rate:1m rate=100000r/s;
	limit_conn_zone $binary_remote_addr zone=conns:1m;
	proxy_cache_path %[1]s/cache keys_zone=pages:1m;
	server {
		listen 127.0.0.1:%[2]d;
		root %[1]s/www;
	}`

// nginxSharedLocation is the front server's part of nginxSharedZones.
const nginxSharedLocation = `
		limit_req zone=rate burst=1000;
		limit_conn conns 100;
		location /cached/ {
			proxy_pass http://127.0.0.1:%[1]d/;
			proxy_cache pages;
			proxy_cache_valid 200 10m;
			add_header X-Cache $upstream_cache_status;
			add_header X-Worker-Pid $pid;
		}`

// newNginxWorkersSite writes the config and the document root; with
// shared, the workers share memory zones (nginxSharedZones).
func newNginxWorkersSite(t *testing.T, shared bool) *nginxWorkersSite {
	t.Helper()
	skipUnlessDynamic(t)
	if _, err := os.Stat(nginxBinary); err != nil {
		t.Skipf("%s not installed (apt-get install nginx-light): %v", nginxBinary, err)
	}
	s := &nginxWorkersSite{dir: hostScratch(t), port: loopbackPort(t)}
	s.small = []byte("hello from an nginx worker under elfloader\n")
	// Started as root, the master runs its workers as nobody (the
	// default `user`): they must be able to read the document root.
	if err := os.Chmod(s.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"www", "temp", "logs"} {
		if err := os.MkdirAll(filepath.Join(s.dir, d), 0o777); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(s.dir, "www", "small.txt"), s.small, 0o644); err != nil {
		t.Fatal(err)
	}
	var zones, location string
	if shared {
		upstream := loopbackPort(t)
		zones = fmt.Sprintf(nginxSharedZones, s.dir, upstream)
		location = fmt.Sprintf(nginxSharedLocation, upstream)
	}
	model := fmt.Sprintf("master_process on;\nworker_processes %d;\nevents { worker_connections 256; }", nginxWorkerCount)
	conf := nginxConfig(s.dir, model, fmt.Sprintf(`
	types { text/plain txt; }
	keepalive_requests 100000;%[3]s
	server {
		listen 127.0.0.1:%[2]d;
		root %[1]s/www;
		add_header X-Worker-Pid $pid;%[4]s
	}`, s.dir, s.port, zones, location))
	s.conf = filepath.Join(s.dir, "nginx.conf")
	if err := os.WriteFile(s.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return s
}

// start runs nginx under elfloader and waits until the master has
// started its workers.
func (s *nginxWorkersSite) start(t *testing.T) *appServer {
	t.Helper()
	flags := []string{"--volume", s.dir + ":" + s.dir + ":rw"}
	argv := []string{nginxBinary, "-c", s.conf, "-p", s.dir + "/", "-e", s.dir + "/logs/error.log"}
	p := startAppServer(t, flags, argv, s.port)
	p.waitFor(t, "nginx workers to start", func() bool { return len(s.startedWorkers()) >= nginxWorkerCount })
	return p
}

// errorLog returns the site's error log.
func (s *nginxWorkersSite) errorLog() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "logs", "error.log"))
	return string(b)
}

// The master's children: workers, and with a proxy cache the cache
// manager and the cache loader.
var (
	nginxStartedRE = regexp.MustCompile(`start (worker|cache manager|cache loader) process (\d+)`)
	nginxExitedRE  = regexp.MustCompile(`(?:worker|cache manager|cache loader) process (\d+) exited (.*)`)
)

// startedChildren lists the PIDs of the children of a kind ("" for all)
// that the master reported starting, in order.
func (s *nginxWorkersSite) startedChildren(kind string) []string {
	var pids []string
	for _, m := range nginxStartedRE.FindAllStringSubmatch(s.errorLog(), -1) {
		if kind == "" || m[1] == kind {
			pids = append(pids, m[2])
		}
	}
	return pids
}

// startedWorkers lists the PIDs of the workers the master reported
// starting, in order.
func (s *nginxWorkersSite) startedWorkers() []string { return s.startedChildren("worker") }

// exitedChildren maps the PIDs of the children the master reaped to how
// they ended ("with code 0", "on signal 9", ...).
func (s *nginxWorkersSite) exitedChildren() map[string]string {
	out := map[string]string{}
	for _, m := range nginxExitedRE.FindAllStringSubmatch(s.errorLog(), -1) {
		out[m[1]] = m[2]
	}
	return out
}

// waitFor polls cond until it holds; it fails t if the server exits first
// or if cond still fails after serverStartTimeout.
func (p *appServer) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(serverStartTimeout)
	for !cond() {
		select {
		case <-p.done:
			t.Fatalf("server exited while waiting for %s (%v); output:\n%s", what, p.err, p.output.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v; output:\n%s", what, serverStartTimeout, p.output.String())
		}
	}
}

// nginxAnswer is what the test notes of one response: the worker that sent
// it (X-Worker-Pid) and, from the proxy cache, HIT or MISS (X-Cache).
type nginxAnswer struct {
	pid, cache string
}

// getFromWorkers sends n GET requests for path (which serves small.txt)
// with client, from min(n, 4) goroutines, and returns the answers; a wrong
// status or body fails t.
func (s *nginxWorkersSite) getFromWorkers(t *testing.T, client *http.Client, path string, n int) []nginxAnswer {
	t.Helper()
	senders := min(n, 4)
	url := fmt.Sprintf("http://127.0.0.1:%d%s", s.port, path)
	var mu sync.Mutex
	var answers []nginxAnswer
	var errs []string
	var wg sync.WaitGroup
	for w := 0; w < senders; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < n/senders; i++ {
				answer, err := getFromWorker(client, url, s.small)
				mu.Lock()
				if err != nil {
					errs = append(errs, err.Error())
				} else {
					answers = append(answers, answer)
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, e := range errs {
		t.Errorf("request: %s", e)
	}
	return answers
}

// getFromWorker fetches url and checks the answer against want.
func getFromWorker(client *http.Client, url string, want []byte) (nginxAnswer, error) {
	resp, err := client.Get(url)
	if err != nil {
		return nginxAnswer{}, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(body, want) {
		return nginxAnswer{}, fmt.Errorf("status %d, %d bytes, err %v", resp.StatusCode, len(body), err)
	}
	return nginxAnswer{pid: resp.Header.Get("X-Worker-Pid"), cache: resp.Header.Get("X-Cache")}, nil
}

// checkAnsweredBy fails t unless every answer came from one of workers,
// and logs how many each answered.
func checkAnsweredBy(t *testing.T, answered []nginxAnswer, workers []string) {
	t.Helper()
	perWorker := map[string]int{}
	for _, a := range answered {
		perWorker[a.pid]++
	}
	for _, pid := range workers {
		t.Logf("worker %s answered %d requests", pid, perWorker[pid])
		delete(perWorker, pid)
	}
	if len(perWorker) > 0 {
		t.Errorf("responses came from pids %v, not from the workers %v", perWorker, workers)
	}
}

// stubChildren lists the live elfloader-stub host processes whose parent
// is pid: the fork children (and, isolated, every app process).
func stubChildren(t *testing.T, pid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, comm, state, ok := procStat(child); ok && ppid == pid && comm == "elfloader-stub" && state != "Z" {
			out = append(out, child)
		}
	}
	return out
}

// procStat reads the parent, command name and state of a host process.
func procStat(pid int) (ppid int, comm, state string, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, "", "", false
	}
	open, closing := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || closing < open {
		return 0, "", "", false
	}
	fields := strings.Fields(string(b[closing+1:]))
	if len(fields) < 2 {
		return 0, "", "", false
	}
	ppid, err = strconv.Atoi(fields[1])
	return ppid, string(b[open+1 : closing]), fields[0], err == nil
}

// checkStubsGone fails t if one of the stub host processes is still alive
// stubGoneTimeout after its elfloader exited.
func checkStubsGone(t *testing.T, stubs []int) {
	t.Helper()
	deadline := time.Now().Add(stubGoneTimeout)
	for _, pid := range stubs {
		for {
			_, comm, state, ok := procStat(pid)
			if !ok || comm != "elfloader-stub" || state == "Z" {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("stub host process %d survived its elfloader", pid)
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// wantStubs is how many stub host processes serve an app of procs
// processes whose first process is pid 1 of the platform: isolated runs
// every process in a stub, the default platform all but the first.
func wantStubs(procs int) int {
	if testbin.Platform() == "isolated" {
		return procs
	}
	return procs - 1
}

// checkNoElfloaderErrors fails t if elfloader printed an error line or a
// panic.
func checkNoElfloaderErrors(t *testing.T, output string) {
	t.Helper()
	assertNoPanic(t, output)
	for _, line := range strings.Split(output, "\n") {
		if strings.HasPrefix(line, "elfloader:") {
			t.Errorf("elfloader reported: %s", line)
		}
	}
}

// stopNginxWorkers stops nginx with sig and checks the clean stop: exit
// status 0, every started child reaped with code 0, no stub left.
func stopNginxWorkers(t *testing.T, s *nginxWorkersSite, proc *appServer, sig syscall.Signal) {
	t.Helper()
	stubs := stubChildren(t, proc.cmd.Process.Pid)
	if status := proc.stop(t, sig); status != 0 {
		t.Errorf("nginx exit status after %v: %d, want 0; output:\n%s", sig, status, proc.output.String())
	}
	checkNoElfloaderErrors(t, proc.output.String())
	exited := s.exitedChildren()
	for _, pid := range s.startedChildren("") {
		if how, ok := exited[pid]; !ok || how != "with code 0" {
			t.Errorf("child %s: exited %q (reaped: %v), want \"with code 0\"", pid, how, ok)
		}
	}
	if log := s.errorLog(); strings.Contains(log, "[emerg]") || strings.Contains(log, "[alert]") {
		t.Errorf("error log has emerg/alert lines:\n%s", log)
	}
	checkStubsGone(t, stubs)
}

// TestNginxWorkers runs Debian's nginx with its default process model (a
// master and two workers sharing the listening socket) under elfloader:
// 200 requests over keep-alive and new connections, all answered by the
// workers, both alive throughout; then a graceful stop on SIGQUIT.
func TestNginxWorkers(t *testing.T) {
	site := newNginxWorkersSite(t, false)
	proc := site.start(t)
	workers := site.startedWorkers()
	if len(workers) != nginxWorkerCount {
		t.Fatalf("master started workers %v, want %d", workers, nginxWorkerCount)
	}
	if got, want := len(stubChildren(t, proc.cmd.Process.Pid)), wantStubs(1+nginxWorkerCount); got != want {
		t.Errorf("%d stub host processes serve nginx, want %d (master and workers)", got, want)
	}

	keepAlive := &http.Transport{MaxIdleConnsPerHost: 4, MaxConnsPerHost: 4}
	fresh := &http.Transport{DisableKeepAlives: true}
	defer keepAlive.CloseIdleConnections()
	answered := site.getFromWorkers(t, &http.Client{Transport: keepAlive}, "/small.txt", nginxWorkerRequests/2)
	answered = append(answered, site.getFromWorkers(t, &http.Client{Transport: fresh}, "/small.txt", nginxWorkerRequests/2)...)
	if len(answered) != nginxWorkerRequests {
		t.Errorf("%d of %d requests answered", len(answered), nginxWorkerRequests)
	}
	checkAnsweredBy(t, answered, workers)
	if exited := site.exitedChildren(); len(exited) != 0 {
		t.Errorf("workers exited while serving: %v", exited)
	}
	if got, want := len(stubChildren(t, proc.cmd.Process.Pid)), wantStubs(1+nginxWorkerCount); got != want {
		t.Errorf("after the requests %d stub host processes serve nginx, want %d", got, want)
	}
	keepAlive.CloseIdleConnections()
	stopNginxWorkers(t, site, proc, syscall.SIGQUIT)
	access, _ := os.ReadFile(filepath.Join(site.dir, "logs", "access.log"))
	if n := strings.Count(string(access), "GET /small.txt HTTP/1.1\" 200"); n != nginxWorkerRequests {
		t.Errorf("access log lists %d GET /small.txt, want %d", n, nginxWorkerRequests)
	}
}

// TestNginxWorkersSIGTERM stops master-mode nginx with SIGTERM (fast
// shutdown) after some requests.
func TestNginxWorkersSIGTERM(t *testing.T) {
	site := newNginxWorkersSite(t, false)
	proc := site.start(t)
	transport := &http.Transport{MaxIdleConnsPerHost: 4, MaxConnsPerHost: 4}
	answered := site.getFromWorkers(t, &http.Client{Transport: transport}, "/small.txt", 20)
	checkAnsweredBy(t, answered, site.startedWorkers())
	transport.CloseIdleConnections()
	stopNginxWorkers(t, site, proc, syscall.SIGTERM)
}

// TestNginxWorkersReload sends SIGHUP (what `nginx -s reload` sends): the
// master starts new workers and the old ones finish gracefully; then only
// the new workers answer.
func TestNginxWorkersReload(t *testing.T) {
	site := newNginxWorkersSite(t, false)
	proc := site.start(t)
	old := site.startedWorkers()
	if err := proc.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	proc.waitFor(t, "old workers to exit after SIGHUP", func() bool {
		exited := site.exitedChildren()
		for _, pid := range old {
			if exited[pid] == "" {
				return false
			}
		}
		return len(site.startedWorkers()) >= 2*nginxWorkerCount
	})
	renewed := site.startedWorkers()[nginxWorkerCount:]
	transport := &http.Transport{DisableKeepAlives: true}
	answered := site.getFromWorkers(t, &http.Client{Transport: transport}, "/small.txt", 20)
	checkAnsweredBy(t, answered, renewed)
	stopNginxWorkers(t, site, proc, syscall.SIGQUIT)
}

// redisBinary is Debian's redis-server (redis 7, dynamic PIE).
const redisBinary = "/usr/bin/redis-server"

// redisKeys is how many keys the BGSAVE test writes.
const redisKeys = 100

// redisConn is a RESP connection to a redis server.
type redisConn struct {
	conn net.Conn
	r    *bufio.Reader
}

// dialRedis connects to redis on 127.0.0.1:port.
func dialRedis(t *testing.T, port int) *redisConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	if err != nil {
		t.Fatalf("connect to redis: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return &redisConn{conn: c, r: bufio.NewReader(c)}
}

// do sends one command and returns its reply: a status or bulk string, an
// integer as text, or "(nil)"; an error reply or a broken connection fails
// t.
func (c *redisConn) do(t *testing.T, args ...string) string {
	t.Helper()
	if err := c.send(args...); err != nil {
		t.Fatalf("redis %s: %v", args[0], err)
	}
	reply, err := c.readReply()
	if err != nil {
		t.Fatalf("redis %s: %v", args[0], err)
	}
	return reply
}

// send writes one command.
func (c *redisConn) send(args ...string) error {
	var req bytes.Buffer
	fmt.Fprintf(&req, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&req, "$%d\r\n%s\r\n", len(a), a)
	}
	c.conn.SetDeadline(time.Now().Add(30 * time.Second))
	_, err := c.conn.Write(req.Bytes())
	return err
}

// readReply reads one non-array RESP reply.
func (c *redisConn) readReply() (string, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("empty reply line")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", fmt.Errorf("error reply %q", line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "(nil)", err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	return "", fmt.Errorf("unexpected reply %q", line)
}

// infoField returns one field of an INFO reply ("" if missing).
func infoField(info, name string) string {
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return v
		}
	}
	return ""
}

// startRedis runs redis-server under elfloader on a loopback port with its
// working directory (dump.rdb, appendonlydir) in dir, no automatic saves
// and the append-only file on or off.
func startRedis(t *testing.T, dir, appendOnly string) (*appServer, int) {
	t.Helper()
	port := loopbackPort(t)
	flags := []string{"--volume", dir + ":" + dir + ":rw"}
	argv := []string{redisBinary, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--appendonly", appendOnly, "--daemonize", "no", "--logfile", filepath.Join(dir, "redis.log"),
		// The child sleeps 1 ms per key it saves, so that the server
		// changes its memory while the child still reads the snapshot.
		"--rdb-key-save-delay", "1000"}
	return startAppServer(t, flags, argv, port), port
}

// redisWithKeys starts redis in a scratch directory, stores the test's
// values and starts a background job with command, which must answer
// started.
func redisWithKeys(t *testing.T, appendOnly, command, started string) (string, []string, *appServer, *redisConn) {
	t.Helper()
	skipUnlessRedis(t)
	dir := hostScratch(t)
	values := redisValues(t)
	proc, port := startRedis(t, dir, appendOnly)
	c := dialRedis(t, port)
	c.setKeys(t, values)
	if got := c.do(t, command); got != started {
		t.Fatalf("%s: %q", command, got)
	}
	return dir, values, proc, c
}

// skipUnlessRedis skips t without Debian's redis-server or the dynamic
// variants.
func skipUnlessRedis(t *testing.T) {
	t.Helper()
	skipUnlessDynamic(t)
	if _, err := os.Stat(redisBinary); err != nil {
		t.Skipf("%s not installed (apt-get install redis-server): %v", redisBinary, err)
	}
}

// setKeys stores values under key:0, key:1, ...
func (c *redisConn) setKeys(t *testing.T, values []string) {
	t.Helper()
	for i, v := range values {
		if got := c.do(t, "SET", fmt.Sprintf("key:%d", i), v); got != "OK" {
			t.Fatalf("SET key:%d: %q", i, got)
		}
	}
}

// checkKeys fails t unless the server holds exactly values under key:0,
// key:1, ... and extra more keys.
func (c *redisConn) checkKeys(t *testing.T, values []string, extra int) {
	t.Helper()
	c.waitLoaded(t)
	if got := c.do(t, "DBSIZE"); got != strconv.Itoa(len(values)+extra) {
		t.Errorf("DBSIZE: %s, want %d", got, len(values)+extra)
	}
	for i, v := range values {
		if got := c.do(t, "GET", fmt.Sprintf("key:%d", i)); got != v {
			t.Errorf("GET key:%d: %d bytes, want the %d stored", i, len(got), len(v))
		}
	}
}

// waitLoaded waits (up to 30 s) until a server that accepts connections
// while it reads its dump or append-only file stops answering LOADING, as
// redis clients do: on a slow host the replay outlasts the connect.
func (c *redisConn) waitLoaded(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := c.send("DBSIZE"); err != nil {
			t.Fatalf("redis DBSIZE: %v", err)
		}
		_, err := c.readReply()
		if err == nil {
			return
		}
		if !strings.Contains(err.Error(), "LOADING") || time.Now().After(deadline) {
			t.Fatalf("redis DBSIZE: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// redisValue is the value the test stores under key i: the last one is
// 64 KiB of random bytes, so the dump is more than a few pages.
func redisValues(t *testing.T) []string {
	t.Helper()
	values := make([]string, redisKeys)
	for i := range values {
		values[i] = fmt.Sprintf("value-%d", i)
	}
	big := make([]byte, 64<<10)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	values[redisKeys-1] = string(big)
	return values
}

// TestRedisBGSAVE runs Debian's redis-server under elfloader: it stores
// keys, BGSAVE forks a child of the multi-threaded server that writes
// dump.rdb (renamed into place) while the server overwrites every key and
// adds one; the server stops on SHUTDOWN NOSAVE. A second server loads the
// dump and answers the keys as they were at the fork (the child's memory
// is a snapshot), then stops on SIGTERM.
func TestRedisBGSAVE(t *testing.T) {
	dir, values, proc, c := redisWithKeys(t, "no", "BGSAVE", "Background saving started")
	// The reply comes after the fork: what changes now is not in the dump.
	for i := range values {
		key, after := fmt.Sprintf("key:%d", i), fmt.Sprintf("after-%d", i)
		if c.do(t, "SET", key, after) != "OK" || c.do(t, "GET", key) != after {
			t.Fatalf("SET and GET %s during the save failed", key)
		}
	}
	c.do(t, "SET", "key:new", "new")
	c.waitBackground(t, proc, dir, "rdb_bgsave_in_progress", "rdb_last_bgsave_status")
	c.shutdown(t, proc, "NOSAVE")
	log := readRedisFile(dir, "redis.log")
	for _, want := range []string{"Background saving started by pid", "DB saved on disk", "Background saving terminated with success"} {
		if !strings.Contains(log, want) {
			t.Errorf("redis log lacks %q:\n%s", want, log)
		}
	}
	if dump := readRedisFile(dir, "dump.rdb"); !strings.HasPrefix(dump, "REDIS") {
		t.Fatalf("dump.rdb is not an RDB file (%d bytes)", len(dump))
	}

	proc, port := startRedis(t, dir, "no")
	dialRedis(t, port).checkKeys(t, values, 0)
	if status := proc.stop(t, syscall.SIGTERM); status != 0 {
		t.Errorf("redis exit status after SIGTERM: %d, want 0; output:\n%s", status, proc.output.String())
	}
	checkNoElfloaderErrors(t, proc.output.String())
}

// waitBackground polls INFO persistence until the background job that
// inProgress counts (a save, an AOF rewrite) has ended, and fails t unless
// its status field says ok.
func (c *redisConn) waitBackground(t *testing.T, proc *appServer, dir, inProgress, status string) {
	t.Helper()
	var info string
	proc.waitFor(t, inProgress+" to end", func() bool {
		info = c.do(t, "INFO", "persistence")
		return infoField(info, inProgress) == "0"
	})
	if st := infoField(info, status); st != "ok" {
		t.Errorf("%s %q, want ok; log:\n%s", status, st, readRedisFile(dir, "redis.log"))
	}
}

// shutdown sends SHUTDOWN with args (redis closes the connection instead
// of answering), then checks the stop: exit status 0, no elfloader error,
// no stub host process left.
func (c *redisConn) shutdown(t *testing.T, proc *appServer, args ...string) {
	t.Helper()
	stubs := stubChildren(t, proc.cmd.Process.Pid)
	cmd := append([]string{"SHUTDOWN"}, args...)
	if err := c.send(cmd...); err != nil {
		t.Fatalf("redis %v: %v", cmd, err)
	}
	select {
	case <-proc.done:
	case <-time.After(serverStopTimeout):
		t.Fatalf("redis still running %v after %v; output:\n%s", serverStopTimeout, cmd, proc.output.String())
	}
	if proc.err != nil {
		t.Errorf("redis after %v: %v; output:\n%s", cmd, proc.err, proc.output.String())
	}
	checkNoElfloaderErrors(t, proc.output.String())
	checkStubsGone(t, stubs)
}

// readRedisFile returns a file of dir as a string ("" if missing).
func readRedisFile(dir, name string) string {
	b, _ := os.ReadFile(filepath.Join(dir, name))
	return string(b)
}

// TestRedisAOFRewrite runs redis with the append-only file: BGREWRITEAOF
// forks a child that writes the new base file, which the server renames
// into place while it logs later writes to a new incremental file; after
// SHUTDOWN a second server replays both and answers every key.
func TestRedisAOFRewrite(t *testing.T) {
	dir, values, proc, c := redisWithKeys(t, "yes", "BGREWRITEAOF", "Background append only file rewriting started")
	c.do(t, "SET", "key:new", "new")
	c.waitBackground(t, proc, dir, "aof_rewrite_in_progress", "aof_last_bgrewrite_status")
	c.shutdown(t, proc)
	if log := readRedisFile(dir, "redis.log"); !strings.Contains(log, "Background AOF rewrite finished successfully") {
		t.Errorf("redis log lacks the finished rewrite:\n%s", log)
	}

	proc, port := startRedis(t, dir, "yes")
	c = dialRedis(t, port)
	c.checkKeys(t, values, 1)
	if got := c.do(t, "GET", "key:new"); got != "new" {
		t.Errorf("GET key:new: %q, want new", got)
	}
	if status := proc.stop(t, syscall.SIGTERM); status != 0 {
		t.Errorf("redis exit status after SIGTERM: %d, want 0; output:\n%s", status, proc.output.String())
	}
	checkNoElfloaderErrors(t, proc.output.String())
}

// TestNginxWorkersSharedMemory runs master-mode nginx with memory the
// workers share (rate and connection limit zones, a proxy cache's keys
// zone) and the cache manager and loader processes: the first request
// through the cache misses, the next 40 hit, whichever worker answers (the
// log says how many each answered: both, in most runs); then a graceful
// stop reaps all four children.
func TestNginxWorkersSharedMemory(t *testing.T) {
	site := newNginxWorkersSite(t, true)
	proc := site.start(t)
	proc.waitFor(t, "the cache manager and loader to start", func() bool {
		return len(site.startedChildren("cache manager")) == 1 && len(site.startedChildren("cache loader")) == 1
	})
	transport := &http.Transport{DisableKeepAlives: true}
	client := &http.Client{Transport: transport}
	first := site.getFromWorkers(t, client, "/cached/small.txt", 1)
	if len(first) != 1 || first[0].cache != "MISS" {
		t.Fatalf("first request through the cache: %+v, want one MISS", first)
	}
	// The worker stores the page in the cache before it logs the request
	// (the client may have the whole page before that).
	proc.waitFor(t, "the first request in the access log", func() bool {
		access, _ := os.ReadFile(filepath.Join(site.dir, "logs", "access.log"))
		return strings.Contains(string(access), "GET /cached/small.txt")
	})
	answered := site.getFromWorkers(t, client, "/cached/small.txt", 40)
	checkAnsweredBy(t, answered, site.startedWorkers())
	for _, a := range answered {
		if a.cache != "HIT" {
			t.Errorf("worker %s answered %q after the first request, want HIT", a.pid, a.cache)
		}
	}
	if exited := site.exitedChildren(); len(exited) != 0 {
		t.Errorf("children exited while serving: %v", exited)
	}
	stopNginxWorkers(t, site, proc, syscall.SIGQUIT)
}
