package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestFileLease: fcntl F_SETLEASE/F_GETLEASE/F_SETSIG, leases granted and
// refused, and lease breaks by another process's open or truncate (the
// holder's signal with si_fd, the break's target, the opener waiting for
// the release or downgrade, EWOULDBLOCK for O_NONBLOCK), on
// the three kinds of filesystem the app sees: /tmp (ramfs under
// elfloader), a directory of the root overlay and a host directory
// mounted as a volume (hostfs). Natively all three are host directories.
// The lease-break-time timeout is TestFileLeaseBreakTime's.
func TestFileLease(t *testing.T) {
	host := t.TempDir()
	// The unprivileged case opens the file as another user: every
	// directory on the way must let it through, natively (Go makes the
	// temporary directories 0700) as under elfloader (where the parent
	// is a mount point in the app's /tmp).
	for _, d := range []string{filepath.Dir(host), host} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	runBreadthVariants(t, oneVariantPerLibc(t), "lease.c", true, []string{"--volume", host + ":" + host + ":rw"},
		[]string{"/tmp/elfloader-lease-ramfs"},
		[]string{"/var/tmp/elfloader-lease-overlay"},
		[]string{filepath.Join(host, "hostfs")},
	)
}

// TestFileLeaseBreakTime: a holder that ignores a break loses its lease
// after /proc/sys/fs/lease-break-time, which the app sets to 1 second.
// Under elfloader only: natively the setting is the host kernel's, and a
// test does not change the host's configuration.
func TestFileLeaseBreakTime(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the lease holder must be root or the owner; the run starts as root")
	}
	v, ok := testbin.VariantByName("gcc-static")
	if !ok {
		t.Fatal("no gcc-static variant")
	}
	bin := testbin.Build(t, testbin.CSource(t, "lease.c"), v)
	res := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{bin, "/tmp/elfloader-lease-timeout", "timeout"}, nil, nil)
	assertNoPanic(t, res.Stderr)
	for _, want := range []string{"lease-break-time readable: 1\n", "lease-break-time now: 1\n", "waited about the break time: 1\n"} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("output lacks %q:\n%s\nstderr:\n%s", want, res.Stdout, res.Stderr)
		}
	}
	if res.Status != 0 {
		t.Errorf("exit status %d, want 0", res.Status)
	}
}

// TestFIFOOpen: FIFO opens wait for the other end (fifo(7)) in both
// orders between processes, O_NONBLOCK and O_RDWR rules, a waiting open
// interrupted by SIGALRM (EINTR, or restarted with SA_RESTART); in the
// app's /tmp (ramfs under elfloader) and in the root overlay.
func TestFIFOOpen(t *testing.T) {
	runBreadthVariants(t, oneVariantPerLibc(t), "fifo_open.c", false, nil,
		[]string{"/tmp/elfloader-fifo-open"},
		[]string{"/var/tmp/elfloader-fifo-open"},
	)
}

// TestFIFOShell: a shell's reader in the background and writer in the
// foreground meet on a FIFO (the writer's open waits for cat's).
func TestFIFOShell(t *testing.T) {
	if _, err := os.Stat(busybox); err != nil {
		t.Skipf("%s not installed: %v", busybox, err)
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "f")
	script := "mkdir -p " + dir + "; mkfifo " + fifo + "; cat " + fifo + " & echo hi > " + fifo + "; wait"
	argv := []string{busybox, "sh", "-c", script}
	native := testbin.RunNative(t, testTimeout, argv, nil, nil)
	if native.Stdout != "hi\n" {
		t.Fatalf("native run printed %q", native.Stdout)
	}
	// Under elfloader the app's /tmp is its own: the script makes the
	// directory there.
	loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), argv, nil, nil)
	assertNoPanic(t, loaded.Stderr)
	if loaded.Stdout != "hi\n" || loaded.Status != 0 {
		t.Fatalf("elfloader: status %d stdout %q stderr %q", loaded.Status, loaded.Stdout, loaded.Stderr)
	}
}
