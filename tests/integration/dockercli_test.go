package integration

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/elfloader/elfloader/tests/testbin"
)

// End-to-end tests of run's docker-shaped flags and of detached apps
// (run -d, ps, logs, stop, rm, inspect). The programs are the host's
// busybox applets, and dash (/bin/sh) where a shell must start children
// (it uses vfork, which the in-process platform serves; busybox sh forks).

// elfRun runs elfloader with args and returns stdout, stderr and the exit
// status.
func elfRun(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, testbin.Elfloader(t), args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	status := 0
	if errors.As(err, &ee) {
		status = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("elfloader %q: %v", args, err)
	}
	assertNoPanic(t, stderr.String())
	return stdout.String(), stderr.String(), status
}

func requireBusybox(t *testing.T) string {
	t.Helper()
	const bb = "/bin/busybox"
	if _, err := os.Stat(bb); err != nil {
		t.Skip("busybox not installed")
	}
	return bb
}

func TestDockerFlags(t *testing.T) {
	bb := requireBusybox(t)
	dir := t.TempDir()
	envFile := filepath.Join(dir, "env")
	os.WriteFile(envFile, []byte("# comment\nFROM_FILE=f1\n\nBOTH=file\n"), 0o644)
	vol := filepath.Join(dir, "vol")
	os.Mkdir(vol, 0o755)
	os.WriteFile(filepath.Join(vol, "data"), []byte("in-volume\n"), 0o644)
	cases := []struct {
		name   string
		args   []string
		stdin  string
		stdout string
		status int
	}{
		{"short env", []string{"-e", "A=1", "-eB=2", bb, "sh", "-c", "echo $A$B"}, "", "12\n", 0},
		{"long env", []string{"--env", "A=3", "--env=B=4", bb, "sh", "-c", "echo $A$B"}, "", "34\n", 0},
		{"go-style long flag", []string{"-env", "A=5", bb, "sh", "-c", "echo $A"}, "", "5\n", 0},
		{"env file, -e wins", []string{"--env-file", envFile, "-e", "BOTH=flag", bb, "sh", "-c", "echo $FROM_FILE $BOTH"}, "", "f1 flag\n", 0},
		{"volume and workdir inside it", []string{"-v", vol + ":/data:rw", "-w", "/data/new/dir", bb, "sh", "-c", "pwd; cat ../../data"}, "", "/data/new/dir\nin-volume\n", 0},
		{"long volume and workdir", []string{"--volume=" + vol + ":/data", "--workdir=/data", bb, "cat", "data"}, "", "in-volume\n", 0},
		{"user by uid", []string{"-u", "65534", bb, "id", "-u"}, "", "65534\n", 0},
		{"user and group by number", []string{"-u", "65534:7", bb, "id", "-g"}, "", "7\n", 0},
		{"user by name", []string{"--user", "root", bb, "id", "-u"}, "", "0\n", 0},
		{"interactive stdin", []string{"-i", bb, "cat"}, "piped\n", "piped\n", 0},
		{"tty without a terminal", []string{"-t", bb, "sh", "-c", "test -t 0 && test -t 1 && echo terminal"}, "", "terminal\r\n", 0},
		{"entrypoint for a program", []string{"--entrypoint", bb, "echo", "via", "entrypoint"}, "", "via entrypoint\n", 0},
		{"read-only root", []string{"--read-only", bb, "sh", "-c", "echo x > /etc/elfloader-test 2>/dev/null || echo refused; echo y > /tmp/t && cat /tmp/t"}, "", "refused\ny\n", 0},
		{"network none", []string{"--network", "none", "--hostname", "box", bb, "hostname"}, "", "box\n", 0},
		{"net alias", []string{"--net=host", bb, "true"}, "", "", 0},
		{"rm and name in the foreground", []string{"--rm", "--name", "fg", bb, "sh", "-c", "exit 4"}, "", "", 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, status := elfRun(t, c.stdin, append([]string{"run"}, c.args...)...)
			if stdout != c.stdout || status != c.status {
				t.Errorf("run %q: stdout %q status %d, want %q %d; stderr %s", c.args, stdout, status, c.stdout, c.status, stderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(vol, "new", "dir")); err != nil {
		t.Errorf("the workdir was not created in the :rw volume: %v", err)
	}
}

// TestReadOnlyErrno: --read-only refuses a write with EROFS, the errno the
// program sees (busybox prints strerror).
func TestReadOnlyErrno(t *testing.T) {
	bb := requireBusybox(t)
	_, stderr, status := elfRun(t, "", "run", "--read-only", bb, "touch", "/newfile")
	if status != 1 || !strings.Contains(stderr, "Read-only file system") {
		t.Errorf("touch on a read-only root: status %d stderr %q, want 1 and EROFS", status, stderr)
	}
	if _, stderr, status := elfRun(t, "", "run", bb, "touch", "/newfile"); status != 0 {
		t.Errorf("touch without --read-only: status %d stderr %q", status, stderr)
	}
}

func TestUnknownFlagOneLine(t *testing.T) {
	cases := map[string]string{"--enf": "did you mean --env?", "--volumes": "did you mean --volume?", "--detatch": "did you mean --detach?", "-Z": "unknown flag -Z"}
	for flag, want := range cases {
		stdout, stderr, status := elfRun(t, "", "run", flag, "x", "/bin/true")
		if status != 125 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "elfloader") || !strings.Contains(stderr, want) {
			t.Errorf("run %s: status %d stderr %q, want 125 and one line with %q", flag, status, stderr, want)
		}
	}
}

func TestDetachedApps(t *testing.T) {
	bb := requireBusybox(t)
	root := t.TempDir()
	el := func(args ...string) (string, string, int) {
		t.Helper()
		return elfRun(t, "", append([]string{"--root", root}, args...)...)
	}
	t.Cleanup(func() { el("rm", "-f", "server", "batch") })
	out, stderr, status := el("run", "-d", "--name", "server", "/bin/sh", "-c", `echo started; trap "echo got SIGTERM; exit 3" TERM; while :; do sleep 0.1; done`)
	if status != 0 || out != "server\n" {
		t.Fatalf("run -d: %q %q %d", out, stderr, status)
	}
	if out, _, _ := el("run", "-d", "--name", "server", bb, "true"); out != "" {
		t.Errorf("a second app of the same name started: %q", out)
	}
	el("run", "-d", "--name", "batch", bb, "sh", "-c", "echo batch output; exit 7")
	waitFor(t, "server output", func() bool { out, _, _ := el("logs", "server"); return out == "started\n" })
	waitFor(t, "condition", func() bool { out, _, _ := el("ps", "-a"); return strings.Contains(out, "exited (7)") })
	if out, _, _ := el("ps"); !strings.Contains(out, "server") || !strings.Contains(out, "running") || strings.Contains(out, "batch") {
		t.Errorf("ps:\n%s", out)
	}
	if out, _, _ := el("logs", "batch"); out != "batch output\n" {
		t.Errorf("logs batch = %q", out)
	}
	if _, stderr, status := el("rm", "server"); status == 0 || !strings.Contains(stderr, "running") {
		t.Errorf("rm of a running app: status %d %q", status, stderr)
	}
	if out, stderr, status := el("stop", "-t", "10", "server"); status != 0 || out != "server\n" {
		t.Errorf("stop: %q %q %d", out, stderr, status)
	}
	if out, _, _ := el("logs", "-f", "server"); out != "started\ngot SIGTERM\n" {
		t.Errorf("logs -f after stop = %q", out)
	}
	out, _, _ = el("inspect", "server")
	var st struct {
		Name     string
		Status   string
		ExitCode *int
		Command  []string
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.Status != "exited" || st.ExitCode == nil || *st.ExitCode != 3 || st.Command[0] != "/bin/sh" {
		t.Errorf("inspect server = %s (%v)", out, err)
	}
	if out, _, status := el("rm", "server", "batch"); status != 0 || out != "server\nbatch\n" {
		t.Errorf("rm: %q %d", out, status)
	}
	if out, _, _ := el("ps", "-a", "-q"); out != "" {
		t.Errorf("ps after rm: %q", out)
	}
	// SIGKILL after the grace period when the app ignores SIGTERM.
	el("run", "-d", "--name", "stubborn", "/bin/sh", "-c", `trap "" TERM; echo ready; while :; do sleep 0.1; done`)
	waitFor(t, "condition", func() bool { out, _, _ := el("logs", "stubborn"); return out == "ready\n" })
	el("stop", "-t", "1", "stubborn")
	if out, _, _ := el("ps", "-a"); !strings.Contains(out, "exited (137)") {
		t.Errorf("ps after stop of an app that ignores SIGTERM:\n%s", out)
	}
	el("rm", "stubborn")
	// --rm removes the state when the app ends.
	el("run", "-d", "--rm", "--name", "gone", bb, "true")
	waitFor(t, "condition", func() bool { out, _, _ := el("ps", "-a", "-q"); return out == "" })
}
