package integration

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/elfloader/elfloader/tests/testbin"
)

// reboot(2) as the unikernel's power button, and --restart (docs/reboot.md).
// The program is tests/c/reboot.c; it keeps its boot count in a :rw volume
// mounted at /data, which outlives restarts, while its /tmp is in memory
// and must be fresh after each.

// TestRebootErrno: EPERM without CAP_SYS_BOOT (before the magic numbers
// are looked at), EINVAL for a bad magic or an unknown command; the same
// natively.
func TestRebootErrno(t *testing.T) {
	runBreadth(t, "reboot.c", true, []string{"errno"})
}

// rebootRun runs tests/c/reboot.c ARGS under elfloader with FLAGS and a
// fresh :rw volume at /data; it returns the run and the volume's host path.
func rebootRun(t *testing.T, flags []string, args ...string) (testbin.Result, string) {
	t.Helper()
	v, ok := testbin.VariantByName("gcc-static")
	if !ok {
		t.Skip("no gcc-static variant")
	}
	bin := testbin.Build(t, testbin.CSource(t, "reboot.c"), v)
	dir := hostScratch(t)
	all := append(testbin.EnvFlags(), "--volume", dir+":/data:rw")
	all = append(all, flags...)
	res := testbin.RunElfloader(t, testTimeout, all, append([]string{bin}, args...), nil, nil)
	assertNoPanic(t, res.Stderr)
	if res.TimedOut {
		t.Fatalf("elfloader run timed out; stderr:\n%s", res.Stderr)
	}
	return res, dir
}

// assertRun checks a run's status and stdout, and the boot count the app
// left in the volume.
func assertRun(t *testing.T, res testbin.Result, dir string, status int, stdout string, boots string) {
	t.Helper()
	if res.Status != status {
		t.Errorf("status %d, want %d", res.Status, status)
	}
	if res.Stdout != stdout {
		t.Errorf("stdout:\n%s\nwant:\n%s", res.Stdout, stdout)
	}
	if got := readFile(t, filepath.Join(dir, "count")); got != boots+"\n" {
		t.Errorf("boot count in the volume: %q, want %q", got, boots+"\n")
	}
	if t.Failed() {
		t.Logf("stderr:\n%s", res.Stderr)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("%v", err)
	}
	return string(b)
}

// bootLines is "boot 1, /tmp fresh: yes\n" ... up to n.
func bootLines(n int, fresh bool) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		b.WriteString("boot " + strconv.Itoa(i))
		if fresh {
			b.WriteString(", /tmp fresh: yes")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestRebootRestartCounts: RESTART and RESTART2 start the app again in the
// same elfloader with a fresh /tmp; the volume keeps the count; the last
// boot powers off and elfloader exits 0.
func TestRebootRestartCounts(t *testing.T) {
	res, dir := rebootRun(t, nil, "count", "/data", "4")
	assertRun(t, res, dir, 0, bootLines(4, true), "4")
	if n := strings.Count(res.Stderr, "elfloader: restarting the app"); n != 3 {
		t.Errorf("%d restart notes on stderr, want 3:\n%s", n, res.Stderr)
	}
	if !strings.Contains(res.Stderr, "LINUX_REBOOT_CMD_RESTART2") {
		t.Errorf("stderr does not name RESTART2:\n%s", res.Stderr)
	}
}

// TestRebootRestartLimit: an app that restarts for ever is stopped after
// --restart-limit restarts in a row, with status 1 and a note saying so.
func TestRebootRestartLimit(t *testing.T) {
	res, dir := rebootRun(t, []string{"--restart-limit=3"}, "count", "/data", "100")
	assertRun(t, res, dir, 1, bootLines(4, true), "4")
	if !strings.Contains(res.Stderr, "reached --restart-limit=3") {
		t.Errorf("stderr does not name the limit:\n%s", res.Stderr)
	}
}

// TestRebootPowerOff: a child powers off while the first process and two
// other children wait: each gets SIGTERM first (its handler writes a file
// in the volume and exits 3), and elfloader exits 0 whatever their status.
func TestRebootPowerOff(t *testing.T) {
	res, dir := rebootRun(t, []string{"--restart=always"}, "poweroff", "/data")
	if res.Status != 0 {
		t.Errorf("status %d, want 0; stderr:\n%s", res.Status, res.Stderr)
	}
	if res.Stdout != "children ready\n" {
		t.Errorf("stdout %q, want %q (reboot must not return)", res.Stdout, "children ready\n")
	}
	for _, name := range []string{"first", "child1", "child2"} {
		if got := readFile(t, filepath.Join(dir, "term."+name)); got != "SIGTERM\n" {
			t.Errorf("term.%s: %q, want SIGTERM", name, got)
		}
	}
	if strings.Contains(res.Stderr, "restarting") {
		t.Errorf("--restart=always restarted after a power-off:\n%s", res.Stderr)
	}
}

// TestRebootGracePeriod: a process that ignores SIGTERM is killed after
// --stop-timeout (at once with 0), and the power-off still ends elfloader
// with status 0.
func TestRebootGracePeriod(t *testing.T) {
	for _, timeout := range []string{"1", "0"} {
		res, _ := rebootRun(t, []string{"--stop-timeout=" + timeout}, "stubborn")
		if res.Status != 0 || res.Stdout != "stubborn child ready\n" {
			t.Errorf("--stop-timeout=%s: status %d, stdout %q; want 0 and the child's readiness only\n%s", timeout, res.Status, res.Stdout, res.Stderr)
		}
	}
}

// TestRestartOnFailure: --restart=on-failure:3 restarts a crashing app three
// times; elfloader exits with the last crash's status.
func TestRestartOnFailure(t *testing.T) {
	res, dir := rebootRun(t, []string{"--restart=on-failure:3"}, "crash", "/data")
	assertRun(t, res, dir, 128+int(syscall.SIGABRT), bootLines(4, false), "4")
	if !strings.Contains(res.Stderr, "--restart=on-failure:3 retries used") {
		t.Errorf("stderr does not say the retries are used:\n%s", res.Stderr)
	}
	// A clean exit is not a failure.
	res, dir = rebootRun(t, []string{"--restart=on-failure"}, "exit", "/data", "0")
	assertRun(t, res, dir, 0, bootLines(1, false), "1")
}

// TestRestartAlways: --restart=always restarts an app that exits 0, bounded
// by --restart-limit; --restart=no (the default) never restarts.
func TestRestartAlways(t *testing.T) {
	res, dir := rebootRun(t, []string{"--restart=always", "--restart-limit=2"}, "exit", "/data", "0")
	assertRun(t, res, dir, 0, bootLines(3, false), "3")
	res, dir = rebootRun(t, nil, "exit", "/data", "5")
	assertRun(t, res, dir, 5, bootLines(1, false), "1")
}

// TestRestartBadPolicy: a --restart value elfloader does not know is a flag
// error.
func TestRestartBadPolicy(t *testing.T) {
	res := testbin.RunElfloader(t, testTimeout, []string{"--restart=sometimes"}, []string{"/bin/true"}, nil, nil)
	if res.Status != 125 || !strings.Contains(res.Stderr, "want no, on-failure[:N] or always") {
		t.Errorf("status %d, stderr %q; want 125 and the accepted values", res.Status, res.Stderr)
	}
}

// TestRebootBusybox: busybox's reboot -f, halt -f and poweroff -f, from a
// shell: two restarts, then the end.
func TestRebootBusybox(t *testing.T) {
	bb := requireBusybox(t)
	const script = `n=$(cat /data/count 2>/dev/null || echo 0); n=$((n+1)); echo $n > /data/count; echo boot $n
case $n in 1) reboot -f;; 2) reboot -f;; 3) %s -f;; esac; echo not reached`
	for _, last := range []string{"poweroff", "halt"} {
		t.Run(last, func(t *testing.T) {
			dir := hostScratch(t)
			flags := append(testbin.EnvFlags(), "--volume", dir+":/data:rw")
			argv := []string{bb, "sh", "-c", strings.Replace(script, "%s", last, 1)}
			res := testbin.RunElfloader(t, testTimeout, flags, argv, nil, nil)
			assertNoPanic(t, res.Stderr)
			assertRun(t, res, dir, 0, bootLines(3, false), "3")
		})
	}
}

// TestRebootCtrlAltDel: after reboot(LINUX_REBOOT_CMD_CAD_ON), a SIGINT to
// elfloader restarts the app (Linux restarts on Ctrl-Alt-Del then) instead
// of reaching it.
func TestRebootCtrlAltDel(t *testing.T) {
	v, ok := testbin.VariantByName("gcc-static")
	if !ok {
		t.Skip("no gcc-static variant")
	}
	bin := testbin.Build(t, testbin.CSource(t, "reboot.c"), v)
	dir := hostScratch(t)
	args := append([]string{"run"}, testbin.EnvFlags()...)
	args = append(args, "--volume", dir+":/data:rw", bin, "cad", "/data")
	cmd := exec.Command(testbin.Elfloader(t), args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(testTimeout, func() { cmd.Process.Kill() })
	defer timer.Stop()
	var lines []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if sc.Text() == "cad on: 0" {
			cmd.Process.Signal(os.Interrupt)
		}
	}
	err = cmd.Wait()
	want := []string{"boot 1", "cad on: 0", "boot 2"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") || err != nil {
		t.Errorf("stdout %q (wait: %v), want %q; stderr:\n%s", lines, err, want, stderr.String())
	}
	if !strings.Contains(stderr.String(), "Ctrl-Alt-Del") {
		t.Errorf("stderr does not say why the app restarted:\n%s", stderr.String())
	}
}
