package integration

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestFileLease: fcntl F_SETLEASE/F_GETLEASE/F_SETSIG, leases granted and
// refused, and lease breaks by another process's open or truncate (the
// holder's signal with si_fd, the break's target, the opener waiting for
// the release or downgrade, EWOULDBLOCK for O_NONBLOCK, the
// lease-break-time timeout), on the three kinds of filesystem the app
// sees: /tmp (ramfs under elfloader), a directory of the root overlay and
// a host directory mounted as a volume (hostfs). Natively all three are
// host directories.
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
	runBreadthFlags(t, "lease.c", true, []string{"--volume", host + ":" + host + ":rw"},
		[]string{"/tmp/elfloader-lease-ramfs"},
		[]string{"/var/tmp/elfloader-lease-overlay"},
		[]string{filepath.Join(host, "hostfs")},
	)
}

// TestFIFOOpen: FIFO opens wait for the other end (fifo(7)) in both
// orders between processes, O_NONBLOCK and O_RDWR rules, a waiting open
// interrupted by SIGALRM (EINTR, or restarted with SA_RESTART); in the
// app's /tmp (ramfs under elfloader) and in the root overlay.
func TestFIFOOpen(t *testing.T) {
	runBreadth(t, "fifo_open.c", false,
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
