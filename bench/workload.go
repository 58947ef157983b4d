package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/elfloader/elfloader/images"
)

// Metric says what a workload measures.
type Metric int

const (
	// WallTime is the wall time of the whole run, start-up included, in ms.
	WallTime Metric = iota
	// SelfReported is the program's own "X ns/call" line: it times only its
	// loop, so start-up is excluded.
	SelfReported
	// Throughput is requests per second of a server under a load
	// generator (wrk); the workload's Load says how.
	Throughput
	// ReadyTime is the time from starting a server (the workload's Load
	// says how) until it answers its first HTTP request, in ms.
	ReadyTime
	// MaxRSS is the program's peak resident memory (ru_maxrss), in MiB:
	// natively the program's, under elfloader elfloader's with the app in
	// it (in-process), so the difference is what elfloader adds.
	MaxRSS
	// PrivateDirty is the private dirty memory (Private_Dirty of
	// /proc/PID/smaps_rollup), in MiB, of a program that has printed its
	// first line and waits for the end of its input: natively the
	// program's, under elfloader elfloader's with the app in it. Unlike
	// MaxRSS it leaves out clean file pages (the binaries' code and
	// read-only data), which the page cache shares with every other
	// process mapping them: it is what one more instance costs.
	PrivateDirty
)

// Unit is the unit in which the metric's values are reported.
func (m Metric) Unit() string {
	switch m {
	case WallTime:
		return "ms"
	case SelfReported:
		return "ns/call"
	case Throughput:
		return "req/s"
	case ReadyTime:
		return "ms"
	case MaxRSS, PrivateDirty:
		return "MiB"
	}
	return "?"
}

// Program is the binary a workload runs: either a C source of bench/c,
// compiled at run time, or a program already on the host.
type Program struct {
	Source  string   // file under bench/c, e.g. "hello.c"; empty for a host program
	Variant Variant  // how Source is compiled
	Path    string   // host program, e.g. "/bin/busybox"; used when Source is empty
	Args    []string // arguments after the program name
}

// Argv resolves the program to a command line, compiling it when needed.
func (p Program) Argv(ctx context.Context, c *Compiler) ([]string, error) {
	var bin string
	switch {
	case p.Source != "":
		if c == nil {
			return nil, errors.New("no compiler configured")
		}
		var err error
		if bin, err = c.Compile(ctx, p.Source, p.Variant); err != nil {
			return nil, err
		}
	case p.Path != "":
		var err error
		if bin, err = exec.LookPath(p.Path); err != nil {
			return nil, fmt.Errorf("%s not installed: %w", p.Path, err)
		}
	default:
		return nil, errors.New("workload names no program")
	}
	return append([]string{bin}, p.Args...), nil
}

// Workload is one entry of the benchmark table.
type Workload struct {
	Name        string
	Description string
	Program     Program
	Metric      Metric
	Runs        int           // default number of measured runs per side
	Timeout     time.Duration // bound on one run; DefaultTimeout when zero

	// SameOutput requires elfloader's stdout to equal the native run's; a
	// run that computes something else is not reported.
	SameOutput bool

	// Floor, when set, is a program run natively next to the workload whose
	// figure is the lowest elfloader's could be (e.g. a bare trap).
	Floor     *Program
	FloorName string

	// Goal is the project's target for Result.Ratio (DESIGN.md): the
	// largest acceptable elfloader/native (native/elfloader for throughput);
	// zero when there is none.
	Goal float64

	// Load configures a Throughput workload: the server and the wrk run.
	Load *LoadTest

	// Pending, when non-empty, says why elfloader cannot run this workload
	// yet; it is skipped unless pending workloads are asked for.
	Pending string

	// ElfloaderFlags are `elfloader run` flags the workload needs (e.g. a
	// --volume); they go before the program: see ElfloaderArgv.
	ElfloaderFlags []string

	// Setup, when set, prepares the host before the first run (e.g.
	// creates an input file) and returns the function that undoes it.
	// It gets the elfloader binary being measured ("" when there is none).
	Setup func(ctx context.Context, elfloader string) (cleanup func(), err error)

	// ElfloaderCommand is the elfloader command that runs the program
	// ("run" when empty; e.g. "coverage" with its flags, ending in "--").
	ElfloaderCommand []string

	// ElfloaderEnv are environment variables (NAME=value) for the
	// elfloader side only, set through env(1) (e.g. a comparison knob).
	ElfloaderEnv []string

	// ElfloaderProgram, when set, replaces the program path in the
	// elfloader command line (an image file that holds the same program).
	ElfloaderProgram string

	// OverheadOf names another workload whose elfloader run this one
	// extends (e.g. the same program under `elfloader coverage`): the
	// report gives this one's elfloader median over that one's, against
	// OverheadGoal (the largest acceptable ratio; zero when there is none).
	OverheadOf   string
	OverheadGoal float64
}

// ElfloaderArgv is the command line that runs argv (the native command)
// under the elfloader binary with the workload's flags.
func (w Workload) ElfloaderArgv(elfloader string, argv []string) []string {
	cmd := w.ElfloaderCommand
	if len(cmd) == 0 {
		cmd = []string{"run"}
	}
	var full []string
	if len(w.ElfloaderEnv) > 0 {
		full = append([]string{"env"}, w.ElfloaderEnv...)
	}
	full = append(append(append(full, elfloader), cmd...), w.ElfloaderFlags...)
	if w.ElfloaderProgram != "" && len(argv) > 0 {
		return append(append(full, w.ElfloaderProgram), argv[1:]...)
	}
	return append(full, argv...)
}

// shellPipesScript runs 100 two-process pipelines (fork, pipe, exec).
const shellPipesScript = `i=0; while [ $i -lt 100 ]; do echo $i | cat >/dev/null; i=$((i+1)); done; echo $i`

// DefaultTimeout bounds one run of a workload that sets no Timeout.
const DefaultTimeout = 60 * time.Second

// fastIterations is the loop count of the fast-path syscall workloads.
const fastIterations = "1000000"

// getpidIterations is the loop count of the syscall workloads: long enough
// for a stable figure natively, short enough under a slow trap path.
const getpidIterations = "100000"

// isolatedFlags run a workload on the isolated platform (a stub process
// per app process) instead of the default in-process one.
var isolatedFlags = []string{"--platform=isolated"}

// Workloads is the benchmark table. A new workload is one entry here (plus
// its C source in bench/c when it is not a host program).
func Workloads() []Workload {
	return []Workload{
		{
			Name:        "syscall",
			Description: "raw getpid loop (bench/c/getpid_loop.c), ns per call, start-up excluded: a window site, answered in the fast entry (pass-through of the identity)",
			Program:     Program{Source: "getpid_loop.c", Args: []string{getpidIterations}},
			Metric:      SelfReported,
			Runs:        5,
			Goal:        2.5,
			Floor:       &Program{Source: "sud_trap.c", Args: []string{getpidIterations}},
			FloorName:   "bare SUD trap (bench/c/sud_trap.c)",
		},
		{
			Name:           "syscall-isolated",
			Description:    "the raw getpid loop with --platform=isolated: every call a seccomp trap in the app's stub process, served over shared memory; compare with syscall (inproc)",
			Program:        Program{Source: "getpid_loop.c", Args: []string{getpidIterations}},
			Metric:         SelfReported,
			Runs:           5,
			ElfloaderFlags: isolatedFlags,
		},
		{
			Name:        "syscall-fast",
			Description: "glibc's getppid() in a loop (bench/c/getppid_loop.c): a 'mov $nr,%eax; syscall' site the fast path rewrites, answered there from the identity the kernel published (no crossing into Go; see syscall-kernel), ns per call",
			Program:     Program{Source: "getppid_loop.c", Args: []string{fastIterations}},
			Metric:      SelfReported,
			Runs:        5,
			Goal:        2.5,
		},
		{
			Name:         "syscall-kernel",
			Description:  "the getppid() loop of syscall-fast with pass-through off (ELFLOADER_PASSTHROUGH=0): every call crosses into the kernel's Go code, ns per call; syscall-fast's calls are answered in the fast entry itself",
			Program:      Program{Source: "getppid_loop.c", Args: []string{fastIterations}},
			Metric:       SelfReported,
			Runs:         5,
			ElfloaderEnv: []string{"ELFLOADER_PASSTHROUGH=0"},
		},
		{
			Name:        "clock-gettime",
			Description: "clock_gettime(CLOCK_MONOTONIC) in a loop (bench/c/clock_loop.c, static glibc): served by the vDSO, ns per call",
			Program:     Program{Source: "clock_loop.c", Args: []string{fastIterations}},
			Metric:      SelfReported,
			Runs:        5,
			Goal:        1.5,
		},
		{
			Name:        "go-getppid",
			Description: "syscall.Getppid() in a loop in a static Go program (bench/go/sysloop getppid), ns per call",
			Program:     Program{Path: goSysloop, Args: []string{"getppid", fastIterations}},
			Metric:      SelfReported,
			Runs:        5,
			Goal:        3,
			Setup:       buildGoSysloop,
		},
		{
			Name:        "go-readat",
			Description: "(*os.File).ReadAt of 4 KiB from a 1 MiB file in the temporary directory (the app's ramfs; natively the host's /tmp), in a static Go program (bench/go/sysloop readat), ns per call",
			Program:     Program{Path: goSysloop, Args: []string{"readat", "200000"}},
			Metric:      SelfReported,
			Runs:        5,
			Goal:        1.5,
			Setup:       buildGoSysloop,
		},
		{
			Name:           "syscall-trap",
			Description:    "the same getppid() loop with --rewrite=off: every call through Syscall User Dispatch, ns per call",
			Program:        Program{Source: "getppid_loop.c", Args: []string{getpidIterations}},
			Metric:         SelfReported,
			Runs:           5,
			ElfloaderFlags: []string{"--rewrite=off"},
			Floor:          &Program{Source: "sud_trap.c", Args: []string{getpidIterations}},
			FloorName:      "bare SUD trap (bench/c/sud_trap.c)",
		},
		{
			Name:             "syscall-fast-coverage",
			Description:      "the getppid() loop under `elfloader coverage` (recording every call); compare with syscall-kernel (which also crosses into Go at every call) for the recording overhead",
			Program:          Program{Source: "getppid_loop.c", Args: []string{fastIterations}},
			Metric:           SelfReported,
			Runs:             5,
			ElfloaderCommand: []string{"coverage", "--format=json", "--"},
		},
		{
			Name:        "futex-pingpong",
			Description: "two threads handing a token through futexes (bench/c/futex_pingpong.c), ns per hand-off",
			Program:     Program{Source: "futex_pingpong.c", Args: []string{"20000"}},
			Metric:      SelfReported,
			Runs:        5,
		},
		{
			Name:        "mutex-contention",
			Description: "two threads incrementing under one pthread mutex (bench/c/mutex_contention.c), ns per lock/unlock",
			Program:     Program{Source: "mutex_contention.c", Args: []string{"500000"}},
			Metric:      SelfReported,
			Runs:        5,
		},
		{
			Name:        "thread-create",
			Description: "pthread_create + pthread_join in a loop (bench/c/thread_create.c), ns per thread",
			Program:     Program{Source: "thread_create.c", Args: []string{"2000"}},
			Metric:      SelfReported,
			Runs:        5,
		},
		{
			Name:        "fork-wait",
			Description: "fork + _exit + waitpid in a loop (bench/c/fork_wait.c), ns per round trip; in-process, each child is a host fork of elfloader adopted as a stub",
			Program:     Program{Source: "fork_wait.c", Args: []string{"200"}},
			Metric:      SelfReported,
			Runs:        5,
		},
		{
			Name:           "fork-wait-isolated",
			Description:    "the fork-wait loop with --platform=isolated: each child a host fork of the parent's stub",
			Program:        Program{Source: "fork_wait.c", Args: []string{"200"}},
			Metric:         SelfReported,
			Runs:           5,
			ElfloaderFlags: isolatedFlags,
		},
		{
			Name:        "spawn-true",
			Description: "posix_spawn of /bin/true + waitpid in a loop (bench/c/spawn_true.c), ns per round trip: a vfork-style child that execs a dynamic program",
			Program:     Program{Source: "spawn_true.c", Args: []string{"100"}},
			Metric:      SelfReported,
			Runs:        5,
		},
		{
			Name:           "spawn-true-isolated",
			Description:    "the spawn-true loop with --platform=isolated",
			Program:        Program{Source: "spawn_true.c", Args: []string{"100"}},
			Metric:         SelfReported,
			Runs:           5,
			ElfloaderFlags: isolatedFlags,
		},
		{
			Name:        "shell-pipes",
			Description: "dash running 100 pipelines (echo | cat) in a loop, wall time",
			Program:     Program{Path: "/bin/dash", Args: []string{"-c", shellPipesScript}},
			Metric:      WallTime,
			Runs:        5,
			SameOutput:  true,
		},
		{
			Name:           "shell-pipes-isolated",
			Description:    "the shell-pipes script with --platform=isolated",
			Program:        Program{Path: "/bin/dash", Args: []string{"-c", shellPipesScript}},
			Metric:         WallTime,
			Runs:           5,
			SameOutput:     true,
			ElfloaderFlags: isolatedFlags,
		},
		{
			Name:        "startup",
			Description: "static hello world (bench/c/hello.c, gcc -static), wall time",
			Program:     Program{Source: "hello.c"},
			Metric:      WallTime,
			Runs:        30,
			Goal:        3,
			SameOutput:  true,
		},
		{
			Name:           "startup-isolated",
			Description:    "static hello world with --platform=isolated (a stub process started per run), wall time; compare with startup (inproc)",
			Program:        Program{Source: "hello.c"},
			Metric:         WallTime,
			Runs:           30,
			SameOutput:     true,
			ElfloaderFlags: isolatedFlags,
		},
		{
			Name:        "startup-musl",
			Description: "static hello world (bench/c/hello.c, musl-gcc -static), wall time",
			Program:     Program{Source: "hello.c", Variant: MuslStatic},
			Metric:      WallTime,
			Runs:        30,
			Goal:        3,
			SameOutput:  true,
		},
		{
			Name:        "startup-busybox",
			Description: "/bin/busybox true (static), wall time",
			Program:     Program{Path: "/bin/busybox", Args: []string{"true"}},
			Metric:      WallTime,
			Runs:        30,
			Goal:        3,
		},
		{
			Name:        "startup-true",
			Description: "/bin/true (dynamic PIE), wall time",
			Program:     Program{Path: "/bin/true"},
			Metric:      WallTime,
			Runs:        30,
			Goal:        3,
		},
		{
			Name:        "startup-python",
			Description: "/usr/bin/python3 -c pass (dynamic non-PIE), wall time",
			Program:     Program{Path: "/usr/bin/python3", Args: []string{"-c", "pass"}},
			Metric:      WallTime,
			Runs:        10,
			Goal:        1.5,
		},
		{
			Name:           "startup-python-isolated",
			Description:    "/usr/bin/python3 -c pass with --platform=isolated, wall time; compare with startup-python (inproc)",
			Program:        Program{Path: "/usr/bin/python3", Args: []string{"-c", "pass"}},
			Metric:         WallTime,
			Runs:           10,
			ElfloaderFlags: isolatedFlags,
		},
		{
			Name:             "boot-busybox-image",
			Description:      "/bin/busybox echo hi natively against the same busybox packed as an elfloader image (elfloader run IMAGE echo hi), wall time",
			Program:          Program{Path: "/bin/busybox", Args: []string{"echo", "hi"}},
			Metric:           WallTime,
			Runs:             20,
			Goal:             3,
			SameOutput:       true,
			Setup:            packBusyboxImage,
			ElfloaderProgram: busyboxImage,
		},
		{
			Name:        "boot-nginx",
			Description: "/usr/sbin/nginx (as in the nginx workload) from start until it answers its first request, natively and under elfloader from the host filesystem",
			Program:     Program{Path: "/usr/sbin/nginx"},
			Metric:      ReadyTime,
			Runs:        5,
			Goal:        3,
			Load:        &LoadTest{Setup: nginxSetup, Path: "/index.html", Stop: syscall.SIGQUIT},
		},
		{
			Name:             "boot-nginx-image",
			Description:      "the same, with elfloader booting nginx from an image packed by `elfloader pack --binary /usr/sbin/nginx` (the configuration comes through --volume)",
			Program:          Program{Path: "/usr/sbin/nginx"},
			Metric:           ReadyTime,
			Runs:             5,
			Goal:             3,
			Load:             &LoadTest{Setup: nginxSetup, Path: "/index.html", Stop: syscall.SIGQUIT},
			Setup:            packNginxImage,
			ElfloaderProgram: nginxImage,
		},
		{
			Name: "boot-large-image",
			Description: "/bin/busybox echo hi natively against `elfloader run IMAGE echo hi` of an image holding busybox and 2 GiB " +
				"of other files (bench/largeimage.go); the goal is absolute: at most 100 ms, whatever the image's size",
			Program:          Program{Path: "/bin/busybox", Args: []string{"echo", "hi"}},
			Metric:           WallTime,
			Runs:             5,
			SameOutput:       true,
			Setup:            packLargeImage,
			ElfloaderProgram: largeImage,
		},
		{
			Name:             "rss-large-image",
			Description:      "peak resident memory (ru_maxrss) of the same boot; the goal is absolute: at most 50 MiB",
			Program:          Program{Path: "/bin/busybox", Args: []string{"echo", "hi"}},
			Metric:           MaxRSS,
			Runs:             3,
			Setup:            packLargeImage,
			ElfloaderProgram: largeImage,
		},
		{
			Name:             "startup-python-coverage",
			Description:      "/usr/bin/python3 -c pass under `elfloader coverage`; the recording overhead is its elfloader median over startup-python's",
			Program:          Program{Path: "/usr/bin/python3", Args: []string{"-c", "pass"}},
			Metric:           WallTime,
			Runs:             10,
			ElfloaderCommand: []string{"coverage", "--format=json", "--"},
			OverheadOf:       "startup-python",
			OverheadGoal:     1.10,
		},
		{
			Name: "read-ramfs",
			Description: fmt.Sprintf("sequential read of a %d MiB file the program writes to /tmp first "+
				"(the app's ramfs; natively the host's /tmp) (bench/c/read_seq.c), ns per MiB read", readMiB),
			Program: Program{Source: "read_seq.c", Args: []string{"/tmp/elfloader-bench-read.bin", strconv.Itoa(readMiB), "create"}},
			Metric:  SelfReported,
			Runs:    5,
			Timeout: 2 * time.Minute,
		},
		{
			Name: "read-hostfs",
			Description: fmt.Sprintf("sequential read of a %d MiB host file mounted with --volume "+
				"(bench/c/read_seq.c), ns per MiB read", readMiB),
			Program:        Program{Source: "read_seq.c", Args: []string{filepath.Join(hostReadDir, hostReadFile), strconv.Itoa(readMiB)}},
			Metric:         SelfReported,
			Runs:           5,
			Timeout:        2 * time.Minute,
			ElfloaderFlags: []string{"--volume", hostReadDir + ":" + hostReadDir},
			Setup:          createHostReadFile,
		},
		{
			Name:        "tcp-echo",
			Description: "loopback TCP echo of 64-byte messages between two threads (bench/c/tcp_echo.c), ns per round trip",
			Program:     Program{Source: "tcp_echo.c", Args: []string{"echo", "20000"}},
			Metric:      SelfReported,
			Runs:        5,
		},
		{
			Name:        "tcp-bulk",
			Description: "loopback TCP bulk transfer, 1 MiB writes between two threads (bench/c/tcp_echo.c bulk), ns per MiB",
			Program:     Program{Source: "tcp_echo.c", Args: []string{"bulk", "512"}},
			Metric:      SelfReported,
			Runs:        5,
		},
		{
			Name:           "tcp-echo-sandbox",
			Description:    "the tcp-echo loop with --net=sandbox: the app's loopback is its own TCP/IP stack (gVisor's tcpip) in elfloader",
			Program:        Program{Source: "tcp_echo.c", Args: []string{"echo", "20000"}},
			Metric:         SelfReported,
			Runs:           5,
			ElfloaderFlags: []string{"--net=sandbox"},
		},
		{
			Name:           "tcp-bulk-sandbox",
			Description:    "the tcp-bulk transfer with --net=sandbox",
			Program:        Program{Source: "tcp_echo.c", Args: []string{"bulk", "512"}},
			Metric:         SelfReported,
			Runs:           5,
			ElfloaderFlags: []string{"--net=sandbox"},
		},
		{
			Name:        "nginx",
			Description: nginxLoadDescription,
			Program:     Program{Path: "/usr/sbin/nginx"},
			Metric:      Throughput,
			// Three interleaved runs: one 10 s run each moved the ratio
			// between 68% and 91% on the shared 2-vCPU guest.
			Runs: 3,
			Goal: 1 / 0.9,
			Load: nginxLoad(nil),
		},
		{
			Name: "nginx-sandbox",
			Description: nginxLoadDescription + "; elfloader's nginx runs with --net=sandbox (its own TCP/IP stack) " +
				"behind a port published on 127.0.0.1 (compare with the nginx workload: host networking)",
			Program: Program{Path: "/usr/sbin/nginx"},
			Metric:  Throughput,
			Runs:    1,
			// No goal: the stack is in user space; the ratio is measured.
			Load: nginxLoad(nginxSandboxSetup),
		},
		{
			Name:           "nginx-isolated",
			Description:    "the nginx workload with --platform=isolated (goal: at least half of native)",
			Program:        Program{Path: "/usr/sbin/nginx"},
			Metric:         Throughput,
			Runs:           1,
			Goal:           1 / 0.5,
			ElfloaderFlags: isolatedFlags,
			Load: &LoadTest{
				Setup:       nginxSetup,
				Path:        "/index.html",
				Threads:     1,
				Connections: 50,
				Duration:    10 * time.Second,
				Stop:        syscall.SIGQUIT,
			},
		},
		{
			Name:        "rss-hello",
			Description: "peak resident memory (ru_maxrss) of the static hello world (bench/c/hello.c, gcc -static): natively the program's, under elfloader elfloader's process with the app in it",
			Program:     Program{Source: "hello.c"},
			Metric:      MaxRSS,
			Runs:        5,
		},
		{
			Name:        "dirty-hello",
			Description: "private dirty memory (smaps_rollup Private_Dirty) of a static hello world idling after its line (bench/c/hello_wait.c): what one more instance costs; rss-hello's peak also counts the binaries' clean file pages, which the page cache shares (elfloader's code and read-only data, mapped in up to 2 MiB folios on a filesystem with large folios)",
			Program:     Program{Source: "hello_wait.c"},
			Metric:      PrivateDirty,
			Runs:        5,
		},
		{
			Name:        "dirty-python",
			Description: "private dirty memory (smaps_rollup Private_Dirty) of /usr/bin/python3 idling after it printed a line, natively and under elfloader",
			Program:     Program{Path: "/usr/bin/python3", Args: []string{"-c", "import sys; print('ready', flush=True); sys.stdin.read()"}},
			Metric:      PrivateDirty,
			Runs:        5,
		},
		{
			Name:        "rss-python",
			Description: "peak resident memory (ru_maxrss) of /usr/bin/python3 -c pass, natively and under elfloader",
			Program:     Program{Path: "/usr/bin/python3", Args: []string{"-c", "pass"}},
			Metric:      MaxRSS,
			Runs:        5,
		},
		{
			Name: "go-http",
			Description: "a Go net/http server (bench/go/httpserver, CGO_ENABLED=0: static, goroutines, epoll) serving a " +
				"4 KiB page to `wrk -t1 -c50 -d10s --latency` on loopback with keep-alive, requests/s",
			Program: Program{Path: goHTTPServer},
			Metric:  Throughput,
			Runs:    1,
			Setup:   buildGoHTTPServer,
			Load: &LoadTest{
				Setup:       goHTTPSetup,
				Path:        "/",
				Threads:     1,
				Connections: 50,
				Duration:    10 * time.Second,
				Stop:        syscall.SIGTERM,
			},
		},
		redisWorkload("get"),
		redisWorkload("set"),
	}
}

// redisWorkload is redis-server (Debian's, in the foreground, nothing saved
// to disk) under redis-benchmark's GET or SET test.
func redisWorkload(test string) Workload {
	return Workload{
		Name: "redis-" + test,
		Description: fmt.Sprintf("/usr/bin/redis-server (--save \"\", --appendonly no) under `redis-benchmark -t %s -n %d -c 50` "+
			"on loopback, requests/s; the notes give redis-benchmark's p50/p99 latencies", test, redisRequests),
		Program: Program{Path: "/usr/bin/redis-server"},
		Metric:  Throughput,
		Runs:    3,
		Load: &LoadTest{
			Setup:  redisSetup,
			Drive:  redisBenchmark(test),
			Client: "redis-benchmark",
			Stop:   syscall.SIGTERM,
		},
	}
}

// nginxLoadDescription describes the nginx workloads' load.
const nginxLoadDescription = "/usr/sbin/nginx (nginx-light, daemon off, master_process off, sendfile on) serving a " +
	"4 KiB static file to `wrk -t1 -c50 -d10s --latency` on loopback with keep-alive, requests/s; " +
	"the notes give the median p50/p99 latencies"

// nginxLoad is the nginx workloads' load test; sandboxSetup, when set,
// runs elfloader's side in --net=sandbox.
func nginxLoad(sandboxSetup func(dir string, port int) ([]string, error)) *LoadTest {
	return &LoadTest{
		Setup:        nginxSetup,
		Path:         "/index.html",
		Threads:      1,
		Connections:  50,
		Duration:     10 * time.Second,
		Stop:         syscall.SIGQUIT,
		SandboxSetup: sandboxSetup,
	}
}

// readMiB is the size of the read workloads' file in MiB.
const readMiB = 256

// hostReadDir holds the read-hostfs input. The app mounts it at the same
// path, so that the native and the elfloader command lines are the same.
// It is under /var/tmp because the app's /tmp is a fresh ramfs.
const (
	hostReadDir  = "/var/tmp/elfloader-bench-read"
	hostReadFile = "read.bin"
)

// createHostReadFile writes the read-hostfs input (readMiB MiB) and
// returns the function that removes it again.
func createHostReadFile(ctx context.Context, _ string) (func(), error) {
	if err := os.MkdirAll(hostReadDir, 0o755); err != nil {
		return nil, fmt.Errorf("read-hostfs input: %w", err)
	}
	cleanup := func() { os.RemoveAll(hostReadDir) }
	if err := writePattern(ctx, filepath.Join(hostReadDir, hostReadFile), readMiB); err != nil {
		cleanup()
		return nil, fmt.Errorf("read-hostfs input: %w", err)
	}
	return cleanup, nil
}

// writePattern writes mib MiB of a byte pattern to path.
func writePattern(ctx context.Context, path string, mib int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	chunk := make([]byte, 1<<20)
	for i := range chunk {
		chunk[i] = byte(i*7 + 3)
	}
	for i := 0; i < mib; i++ {
		if err := ctx.Err(); err != nil {
			f.Close()
			return err
		}
		if _, err := f.Write(chunk); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	return nil
}

// Lookup returns the workload of the table with the given name.
func Lookup(name string) (Workload, bool) {
	for _, w := range Workloads() {
		if w.Name == name {
			return w, true
		}
	}
	return Workload{}, false
}

// busyboxImage is the image the boot-busybox-image workload starts.
const busyboxImage = "/var/tmp/elfloader-bench-img/busybox.img"

// packBusyboxImage packs /bin/busybox (as /bin/busybox, entrypoint
// busybox) into busyboxImage and returns the function that removes it.
func packBusyboxImage(ctx context.Context, _ string) (func(), error) {
	dir := filepath.Dir(busyboxImage)
	tree := filepath.Join(dir, "tree")
	if err := os.MkdirAll(filepath.Join(tree, "bin"), 0o755); err != nil {
		return nil, fmt.Errorf("boot-busybox-image: %w", err)
	}
	cleanup := func() { os.RemoveAll(dir) }
	data, err := os.ReadFile("/bin/busybox")
	if err == nil {
		err = os.WriteFile(filepath.Join(tree, "bin", "busybox"), data, 0o755)
	}
	if err == nil {
		cfg := images.Config{Entrypoint: []string{"/bin/busybox"}, Env: []string{"PATH=/bin"}}
		err = images.WriteFile(ctx, busyboxImage, cfg, images.NewDirSource(tree, images.DirOptions{}), images.WriteOptions{})
	}
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("boot-busybox-image: %w", err)
	}
	return cleanup, nil
}

// nginxImage is the image the boot-nginx-image workload starts.
const nginxImage = "/var/tmp/elfloader-bench-img/nginx.img"

// packNginxImage packs nginx with its libraries into nginxImage using the
// elfloader being measured, and returns the function that removes it.
func packNginxImage(ctx context.Context, elfloader string) (func(), error) {
	if elfloader == "" {
		return nil, errors.New("boot-nginx-image: no elfloader to pack with")
	}
	dir := filepath.Dir(nginxImage)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("boot-nginx-image: %w", err)
	}
	cleanup := func() { os.Remove(nginxImage) }
	out, err := RunOnce(ctx, []string{elfloader, "pack", "--binary", "/usr/sbin/nginx", "-o", nginxImage}, 2*time.Minute)
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("boot-nginx-image: pack: %w: %s", err, firstLine(string(out.Stderr)))
	}
	return cleanup, nil
}
