package integration

import (
	"bufio"
	"context"
	"io"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/elfloader/elfloader/tests/testbin"
)

// gdbTimeout bounds one gdb session against elfloader's stub.
const gdbTimeout = 90 * time.Second

// gdbSession runs `elfloader run --gdb 127.0.0.1:0 --gdb-wait argv...`,
// then the real gdb in batch mode with cmds against the port elfloader
// reports, and returns gdb's output. elfloader is killed at the end.
func gdbSession(t *testing.T, argv []string, cmds ...string) string {
	t.Helper()
	gdbPath, err := exec.LookPath("gdb")
	if err != nil {
		t.Skip("gdb is not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), gdbTimeout)
	defer cancel()
	args := append([]string{"run", "--gdb", "127.0.0.1:0", "--gdb-wait"}, testbin.EnvFlags()...)
	app := exec.CommandContext(ctx, testbin.Elfloader(t), append(args, argv...)...)
	stderr, err := app.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Start(); err != nil {
		t.Fatalf("start elfloader: %v", err)
	}
	defer func() {
		app.Process.Kill()
		app.Wait()
	}()
	addr := listenAddress(t, stderr)
	gdbArgs := []string{"-batch", "-nx", "-ex", "set remotetimeout 30", "-ex", "target remote " + addr}
	for _, c := range cmds {
		gdbArgs = append(gdbArgs, "-ex", c)
	}
	gdbArgs = append(gdbArgs, argv[0])
	out, err := exec.CommandContext(ctx, gdbPath, gdbArgs...).CombinedOutput()
	t.Logf("gdb %s:\n%s", strings.Join(cmds, " | "), out)
	if ctx.Err() != nil {
		t.Fatalf("gdb session did not finish within %v", gdbTimeout)
	}
	if err != nil {
		t.Fatalf("gdb: %v", err)
	}
	return string(out)
}

// listenAddress reads elfloader's stderr up to the stub's "listening on"
// line and keeps draining it afterwards.
func listenAddress(t *testing.T, stderr io.Reader) string {
	t.Helper()
	sc := bufio.NewScanner(stderr)
	re := regexp.MustCompile(`gdb stub listening on (\S+)`)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, stderr)
			return m[1]
		}
	}
	t.Fatal("elfloader did not report the stub's address")
	return ""
}

// wantAll fails the test for each pattern the output does not match.
func wantAll(t *testing.T, out string, patterns ...string) {
	t.Helper()
	for _, p := range patterns {
		if !regexp.MustCompile(p).MatchString(out) {
			t.Errorf("gdb output does not match %q", p)
		}
	}
}

// gdbTargetBuild compiles tests/c/gdb_target.c with debug information.
func gdbTargetBuild(t *testing.T, variant string) string {
	v, ok := testbin.VariantByName(variant)
	if !ok {
		t.Fatalf("no variant %s", variant)
	}
	return testbin.Build(t, testbin.CSource(t, "gdb_target.c"), v, "-g", "-O0", "-pthread")
}

// TestGDBBreakStepPrint debugs static, static-PIE and dynamic builds: a
// breakpoint on main, the backtrace, rip, a source-line step, a local
// variable, a breakpoint in a function called from main, the FS base and
// the program running to its end.
func TestGDBBreakStepPrint(t *testing.T) {
	for _, variant := range []string{"gcc-static", "gcc-static-pie", "gcc-dynamic"} {
		t.Run(variant, func(t *testing.T) {
			t.Parallel()
			if variant == "gcc-dynamic" {
				skipUnlessDynamic(t)
			}
			bin := gdbTargetBuild(t, variant)
			out := gdbSession(t, []string{bin},
				"break main", "continue", "bt", "info registers rip", "next", "p var",
				"break add_up", "continue", "bt", "info registers fs_base", "info registers mxcsr",
				"delete", "continue")
			wantAll(t, out,
				`Breakpoint 1, main \(argc=1, argv=0x[0-9a-f]+\) at \S*gdb_target\.c:27`,
				`#0  main \(argc=1`,
				`rip\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <main\+\d+>`,
				`\n28\s+if \(argc > 1 && strcmp\(argv\[1\], "segv"\) == 0\)`,
				`\$1 = 7\n`,
				`Breakpoint 2, add_up \(n=10\) at \S*gdb_target\.c:11`,
				`#1  0x[0-9a-f]+ in main \(argc=1, argv=0x[0-9a-f]+\) at \S*gdb_target\.c:39`,
				`fs_base\s+0x[1-9a-f][0-9a-f]*`,
				`mxcsr\s+0x1f80\s+\[ IM DM ZM OM UM PM \]`,
				`\[Inferior 1 \(Remote target\) exited normally\]`)
			if variant == "gcc-dynamic" {
				wantAll(t, gdbSession(t, []string{bin}, "break add_up", "continue", "info sharedlibrary"),
					`Breakpoint 1, add_up \(n=10\)`, `Yes\s+/\S*libc\.so\.6`)
			}
		})
	}
}

// TestGDBThreads stops a two-thread program: gdb lists both threads,
// switches to the second and walks its stack into the thread function.
func TestGDBThreads(t *testing.T) {
	bin := gdbTargetBuild(t, "gcc-static")
	out := gdbSession(t, []string{bin, "threads"},
		"break add_up", "continue", "info threads", "thread 2", "bt", "thread 1", "bt")
	wantAll(t, out,
		`Breakpoint 1, add_up \(n=3\)`,
		`\* 1\s+Thread \d+ "gdb_target[^"]*"\s+add_up \(n=3\)`,
		`\n  2\s+Thread \d+ "gdb_target[^"]*"`,
		`\[Switching to thread 2 \(Thread \d+\)\]`,
		// The worker waits in the second barrier (line 20), or is still
		// returning from the first (line 19) when main, released by the
		// same barrier, reaches the breakpoint first: both are its stack.
		`in worker \(arg=0x0\) at \S*gdb_target\.c:(19|20)`,
		`#1  0x[0-9a-f]+ in main \(argc=2, argv=0x[0-9a-f]+\) at \S*gdb_target\.c:35`)
}

// TestGDBSegfault sees the program's SIGSEGV stop at the faulting store,
// then delivers it: the program dies of it.
func TestGDBSegfault(t *testing.T) {
	bin := gdbTargetBuild(t, "gcc-static")
	out := gdbSession(t, []string{bin, "segv"}, "continue", "x/i $pc", "bt", "continue")
	wantAll(t, out,
		`Program received signal SIGSEGV, Segmentation fault\.`,
		`in crash \(where=0x10\) at \S*gdb_target\.c:24`,
		`=> 0x[0-9a-f]+ <crash\+\d+>:\s+movl\s+\$0x2a,\(%rax\)`,
		`#1  0x[0-9a-f]+ in main \(argc=2`,
		`Program terminated with signal SIGSEGV, Segmentation fault\.`)
}

// TestGDBGoProgram breaks in a static Go binary's main.main and in a
// function its goroutines call.
func TestGDBGoProgram(t *testing.T) {
	bin := testbin.BuildGo(t, "gdbtarget")
	out := gdbSession(t, []string{bin},
		"break main.main", "continue", "bt", "break main.square", "continue", "bt", "delete", "continue")
	wantAll(t, out,
		`Breakpoint 1, main\.main \(\) at \S*gdbtarget/main\.go:13`,
		`#0  main\.main \(\) at`,
		`hit Breakpoint 2, main\.square \(n=\d`,
		`in main\.main\.func1 \(\) at \S*gdbtarget/main\.go:20`,
		`\[Inferior 1 \(Remote target\) exited normally\]`)
}
