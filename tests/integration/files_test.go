package integration

import (
	"os"
	"path/filepath"
	"testing"
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
