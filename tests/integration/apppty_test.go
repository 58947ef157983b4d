package integration

import (
	"regexp"
	"strings"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestAppPty: pseudo-terminals the program makes itself (posix/pty):
// /dev/ptmx and /dev/pts/N numbers, locking and ownership, TIOCGPTPEER;
// the line discipline's echo, canonical editing (erase, kill, word erase,
// EOF), ICRNL/INLCR/IGNCR, ONLCR, raw mode with VMIN/VTIME, TCSAFLUSH and
// tcflush; forkpty's session, foreground group, /dev/tty, SIGWINCH and
// ^C's SIGINT; epoll and select on both sides; hang-up of either side (EIO, EOF, poll bits). Compared
// with native, one scenario per run.
func TestAppPty(t *testing.T) {
	runBreadthVariants(t, oneVariantPerLibc(t), "pty_pair.c", false, nil,
		[]string{"numbers"}, []string{"editing"}, []string{"signals"}, []string{"readiness"}, []string{"hangup"})
}

// TestAppPtyPython: CPython's test_pty (openpty, pty.fork, reading the
// master after the slave closed, pty.spawn over select) and test_os's
// FDInheritanceTests.test_openpty pass under elfloader as they do
// natively.
func TestAppPtyPython(t *testing.T) {
	const python3 = "/usr/bin/python3"
	requireHostProgram(t, python3)
	argv := []string{python3, "-m", "unittest", "-v", "test.test_pty", "test.test_os.FDInheritanceTests.test_openpty"}
	env := []string{"PATH=/usr/bin:/bin", "HOME=/tmp"}
	native := testbin.RunNative(t, testTimeout, argv, env, nil)
	loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), argv, env, nil)
	assertNoPanic(t, loaded.Stderr)
	// The report's timing differs from run to run.
	timing := regexp.MustCompile(`Ran (\d+) tests? in [0-9.]+s`)
	clean := func(s string) string { return timing.ReplaceAllString(s, "Ran $1 tests") }
	if native.Status != 0 || !strings.Contains(native.Stderr, "\nOK") {
		t.Fatalf("native run failed (status %d):\n%s", native.Status, native.Stderr)
	}
	if loaded.Status != native.Status || clean(loaded.Stderr) != clean(native.Stderr) {
		t.Fatalf("under elfloader (status %d):\n%s\nnatively:\n%s", loaded.Status, loaded.Stderr, native.Stderr)
	}
}
