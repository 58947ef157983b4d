package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// LoadTest describes the load of a throughput workload. The workload's
// Program.Path is the server, started once natively and once under
// `elfloader run` per measured run; wrk puts the load on it.
type LoadTest struct {
	// Setup prepares a fresh directory dir (under /var/tmp, so that the
	// app can see it through a --volume mount) for a server listening on
	// 127.0.0.1:port and returns the server's arguments after its name.
	Setup func(dir string, port int) ([]string, error)
	// Path is the URL path requested, e.g. "/index.html".
	Path string
	// Threads, Connections and Duration are wrk's -t, -c and -d.
	Threads     int
	Connections int
	Duration    time.Duration
	// Stop is the signal that shuts the server down cleanly.
	Stop syscall.Signal
	// SandboxSetup, when set, runs the elfloader side in its own network
	// (--net=sandbox) instead: it prepares a server listening on the
	// sandbox's port `port` (any address), which elfloader publishes on
	// the host's 127.0.0.1:port.
	SandboxSetup func(dir string, port int) ([]string, error)
	// Drive, when set, puts the load on the server instead of wrk (e.g.
	// redis-benchmark) and returns what it measured; Client names the
	// program it runs, which must be installed.
	Drive  func(ctx context.Context, port int) (LoadFigures, error)
	Client string
}

// client is the load generator's program name (wrk unless Drive is set).
func (lt *LoadTest) client() string {
	if lt.Drive != nil {
		return lt.Client
	}
	return "wrk"
}

// serverArgv prepares dir for one server run and returns its command line:
// serverPath natively (prefix empty), or under prefix ("elfloader run")
// with dir mounted, in the sandbox when lt says so.
func serverArgv(prefix []string, serverPath string, lt *LoadTest, dir string, port int) ([]string, error) {
	setup := lt.Setup
	var flags []string
	if len(prefix) > 0 {
		flags = []string{"--volume", dir + ":" + dir + ":rw"}
		if lt.SandboxSetup != nil {
			setup = lt.SandboxSetup
			flags = append(flags, "--net=sandbox", "-p", fmt.Sprintf("127.0.0.1:%d:%d", port, port))
		}
	}
	args, err := setup(dir, port)
	if err != nil {
		return nil, fmt.Errorf("set up server: %w", err)
	}
	argv := append([]string{serverPath}, args...)
	if len(prefix) > 0 {
		argv = append(append(append([]string{}, prefix...), flags...), argv...)
	}
	return argv, nil
}

// LoadFigures is what one wrk run measured.
type LoadFigures struct {
	RequestsPerSec float64
	P50, P99       time.Duration
}

// loadScratchParent is where a load test's server directory is created:
// the app's /tmp is its own ramfs, /var/tmp is the host's.
const loadScratchParent = "/var/tmp"

// serverStartTimeout bounds how long a server may take to accept its first
// connection, and serverStopTimeout how long it may take to exit after
// its stop signal.
const (
	serverStartTimeout = 30 * time.Second
	serverStopTimeout  = 10 * time.Second
)

// runThroughput measures a Throughput workload: per run, the native server
// and then the server under elfloader each get one wrk run of
// lt.Duration. Requests/s are the samples; p50/p99 latencies go into the
// notes.
func (env *Env) runThroughput(ctx context.Context, w Workload) Result {
	r := Result{Workload: w}
	lt := w.Load
	if lt == nil {
		r.Skipped = "no load test configured"
		return r
	}
	wrk, err := exec.LookPath(lt.client())
	if err != nil && w.Metric == Throughput {
		r.Skipped = lt.client() + " not installed (scripts/deps.sh installs it)"
		return r
	}
	serverPath, err := exec.LookPath(w.Program.Path)
	if err != nil {
		r.Skipped = fmt.Sprintf("%s not installed: %v", w.Program.Path, err)
		return r
	}
	runs := w.Runs
	if env.Runs > 0 {
		runs = env.Runs
	}
	runs = max(runs, 1)

	type side struct {
		label    string
		elf      bool
		values   []float64
		p50, p99 []float64 // ms
		err      error
	}
	native := &side{label: "native"}
	sides := []*side{native}
	var elf *side
	if env.Elfloader != "" {
		elf = &side{label: "elfloader", elf: true}
		sides = append(sides, elf)
	} else if env.ElfloaderErr != nil {
		r.Notes = append(r.Notes, "elfloader unavailable: "+firstLine(env.ElfloaderErr.Error()))
	}
	env.logf("benchmark", "workload", w.Name, "runs", runs, "sides", len(sides))
	for i := 0; i < runs && ctx.Err() == nil; i++ {
		for _, s := range sides {
			if s.err != nil {
				continue
			}
			var prefix []string
			program := serverPath
			if s.elf {
				prefix = []string{env.Elfloader, "run"}
				if w.ElfloaderProgram != "" {
					program = w.ElfloaderProgram
				}
			}
			if w.Metric == ReadyTime {
				d, err := readyOnce(ctx, prefix, program, lt)
				if err != nil {
					s.err = fmt.Errorf("run %d: %w", i+1, err)
					continue
				}
				env.logf("ready run", "workload", w.Name, "side", s.label, "ms", ms(d))
				s.values = append(s.values, ms(d))
				continue
			}
			f, err := loadOnce(ctx, wrk, prefix, program, lt)
			if err != nil {
				s.err = fmt.Errorf("run %d: %w", i+1, err)
				continue
			}
			env.logf("load run", "workload", w.Name, "side", s.label, "req/s", f.RequestsPerSec)
			s.values = append(s.values, f.RequestsPerSec)
			s.p50 = append(s.p50, ms(f.P50))
			s.p99 = append(s.p99, ms(f.P99))
		}
	}
	summary := func(s *side) *Summary {
		sum, err := Summarize(w.Metric.Unit(), s.values)
		if err != nil {
			return nil
		}
		return &sum
	}
	if native.err != nil || len(native.values) == 0 {
		r.Skipped = "native run failed"
		if native.err != nil {
			r.Skipped += ": " + native.err.Error()
		}
		return r
	}
	r.Native = summary(native)
	if w.Metric == Throughput {
		r.Notes = append(r.Notes, latencyNote(native.label, native.p50, native.p99))
	}
	if elf != nil {
		if elf.err != nil {
			r.Notes = append(r.Notes, "elfloader run failed: "+elf.err.Error())
		} else if r.Elfloader = summary(elf); r.Elfloader != nil && w.Metric == Throughput {
			r.Notes = append(r.Notes, latencyNote(elf.label, elf.p50, elf.p99))
		}
	}
	return r
}

// latencyNote renders the median p50 and p99 latencies of one side.
func latencyNote(label string, p50, p99 []float64) string {
	a, errA := Summarize("ms", p50)
	b, errB := Summarize("ms", p99)
	if errA != nil || errB != nil {
		return label + " latency unavailable"
	}
	return fmt.Sprintf("%s latency p50 %s, p99 %s", label, figure(a.Median, "ms"), figure(b.Median, "ms"))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// readyOnce starts serverPath (under prefix when not empty) in a fresh
// directory and returns how long it took to answer its first HTTP request.
func readyOnce(ctx context.Context, prefix []string, serverPath string, lt *LoadTest) (time.Duration, error) {
	dir, err := os.MkdirTemp(loadScratchParent, "elfloader-bench-")
	if err != nil {
		return 0, fmt.Errorf("create server directory: %w", err)
	}
	defer os.RemoveAll(dir)
	port, err := loopbackPort()
	if err != nil {
		return 0, err
	}
	argv, err := serverArgv(prefix, serverPath, lt, dir, port)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	srv, err := startServerPoll(ctx, argv, port, time.Millisecond)
	if err != nil {
		return 0, err
	}
	defer srv.kill()
	// Ready means serving: the first complete HTTP response.
	client := &http.Client{Timeout: time.Second}
	url := fmt.Sprintf("http://127.0.0.1:%d%s", port, lt.Path)
	for {
		resp, err := client.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			break
		}
		if time.Since(start) > serverStartTimeout {
			return 0, fmt.Errorf("no HTTP response within %v: %w", serverStartTimeout, err)
		}
		time.Sleep(time.Millisecond)
	}
	ready := time.Since(start)
	if err := srv.stop(lt.Stop); err != nil {
		return 0, err
	}
	return ready, nil
}

// loadOnce starts serverPath (under prefix, e.g. "elfloader run", when not
// empty) in a fresh directory, runs wrk against it, stops it with lt.Stop
// and returns wrk's figures.
func loadOnce(ctx context.Context, wrk string, prefix []string, serverPath string, lt *LoadTest) (LoadFigures, error) {
	dir, err := os.MkdirTemp(loadScratchParent, "elfloader-bench-")
	if err != nil {
		return LoadFigures{}, fmt.Errorf("create server directory: %w", err)
	}
	defer os.RemoveAll(dir)
	port, err := loopbackPort()
	if err != nil {
		return LoadFigures{}, err
	}
	argv, err := serverArgv(prefix, serverPath, lt, dir, port)
	if err != nil {
		return LoadFigures{}, err
	}
	srv, err := startServer(ctx, argv, port)
	if err != nil {
		return LoadFigures{}, err
	}
	defer srv.kill()

	var figures LoadFigures
	if lt.Drive != nil {
		figures, err = lt.Drive(ctx, port)
	} else {
		figures, err = runWrk(ctx, wrk, port, lt)
	}
	stopErr := srv.stop(lt.Stop)
	if err != nil {
		return LoadFigures{}, err
	}
	if stopErr != nil {
		return LoadFigures{}, fmt.Errorf("%w; server output: %s", stopErr, diagnostic(srv.output.Bytes()))
	}
	return figures, nil
}

// runWrk puts lt's wrk load on the server at port.
func runWrk(ctx context.Context, wrk string, port int, lt *LoadTest) (LoadFigures, error) {
	url := fmt.Sprintf("http://127.0.0.1:%d%s", port, lt.Path)
	wrkArgv := []string{wrk, "--latency",
		"-t", strconv.Itoa(lt.Threads), "-c", strconv.Itoa(lt.Connections),
		"-d", fmt.Sprintf("%ds", int(lt.Duration.Seconds())), url}
	out, err := RunOnce(ctx, wrkArgv, lt.Duration+time.Minute)
	if err != nil {
		return LoadFigures{}, fmt.Errorf("wrk: %w", err)
	}
	return ParseWrk(out.Stdout)
}

// loopbackPort returns a TCP port of 127.0.0.1 that nothing listens on.
func loopbackPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pick a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// server is a running server process in its own process group.
type server struct {
	cmd    *exec.Cmd
	output *bytes.Buffer // only read after the process has exited
	done   chan error
}

// startServer starts argv and waits until 127.0.0.1:port accepts a
// connection.
func startServer(ctx context.Context, argv []string, port int) (*server, error) {
	return startServerPoll(ctx, argv, port, 50*time.Millisecond)
}

// startServerPoll is startServer checking for the listener every poll.
func startServerPoll(ctx context.Context, argv []string, port int, poll time.Duration) (*server, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	s := &server{cmd: cmd, output: &out, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(serverStartTimeout)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return s, nil
		}
		select {
		case err := <-s.done:
			s.done <- err
			return nil, fmt.Errorf("server exited before listening (%v): %s", err, diagnostic(out.Bytes()))
		case <-ctx.Done():
			s.kill()
			return nil, ctx.Err()
		case <-time.After(poll):
		}
		if time.Now().After(deadline) {
			s.kill()
			return nil, fmt.Errorf("server not listening on %s after %v", addr, serverStartTimeout)
		}
	}
}

// stop sends sig and waits for a clean exit.
func (s *server) stop(sig syscall.Signal) error {
	if err := s.cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("stop server: %w", err)
	}
	select {
	case err := <-s.done:
		s.done <- err
		if err != nil {
			return fmt.Errorf("server exit after %v: %w", sig, err)
		}
		return nil
	case <-time.After(serverStopTimeout):
		s.kill()
		return fmt.Errorf("server still running %v after %v", serverStopTimeout, sig)
	}
}

// kill ends the server's process group if it is still running.
func (s *server) kill() {
	select {
	case err := <-s.done:
		s.done <- err
	default:
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		s.done <- <-s.done
	}
}

// ParseWrk extracts requests/s and the 50% and 99% latencies from the
// output of `wrk --latency`. Non-2xx/3xx responses or socket errors other
// than timeouts make the run invalid.
func ParseWrk(out []byte) (LoadFigures, error) {
	var f LoadFigures
	var haveRate, have50, have99 bool
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		fields := strings.Fields(line)
		switch {
		case strings.HasPrefix(line, "Requests/sec:") && len(fields) == 2:
			v, err := strconv.ParseFloat(fields[1], 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				return f, fmt.Errorf("parse wrk %q", line)
			}
			f.RequestsPerSec, haveRate = v, true
		case len(fields) == 2 && (fields[0] == "50%" || fields[0] == "99%"):
			d, err := parseWrkDuration(fields[1])
			if err != nil {
				return f, err
			}
			if fields[0] == "50%" {
				f.P50, have50 = d, true
			} else {
				f.P99, have99 = d, true
			}
		case strings.HasPrefix(line, "Non-2xx or 3xx responses:"):
			return f, fmt.Errorf("wrk: %s", line)
		case strings.HasPrefix(line, "Socket errors:"):
			if !onlyTimeouts(line) {
				return f, fmt.Errorf("wrk: %s", line)
			}
		}
	}
	if !haveRate || !have50 || !have99 {
		return f, errors.New("wrk output lacks Requests/sec or the 50%/99% latency lines (was --latency given?)")
	}
	return f, nil
}

// onlyTimeouts reports whether a "Socket errors: connect 0, read 0, write
// 0, timeout N" line counts nothing but timeouts.
func onlyTimeouts(line string) bool {
	_, list, _ := strings.Cut(line, ":")
	for _, part := range strings.Split(list, ",") {
		fields := strings.Fields(part)
		if len(fields) == 2 && fields[0] != "timeout" && fields[1] != "0" {
			return false
		}
	}
	return true
}

// parseWrkDuration parses wrk's latency figures: "635.00us", "2.34ms",
// "1.02s", "1.00m".
func parseWrkDuration(s string) (time.Duration, error) {
	units := []struct {
		suffix string
		unit   time.Duration
	}{{"us", time.Microsecond}, {"ms", time.Millisecond}, {"m", time.Minute}, {"s", time.Second}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseFloat(num, 64)
			if err != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, fmt.Errorf("parse wrk latency %q", s)
			}
			return time.Duration(v * float64(u.unit)), nil
		}
	}
	return 0, fmt.Errorf("parse wrk latency %q: unknown unit", s)
}
