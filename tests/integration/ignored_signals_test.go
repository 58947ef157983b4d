package integration

import (
	"testing"
	"time"
)

// TestIgnoredSignalsInherited starts elfloader from a shell that ignores
// SIGHUP and SIGPIPE (as nohup and many daemons' parents do): the app
// starts with them ignored, as a program exec'd by that shell does, and
// resets them for its own children only if it asks to.
func TestIgnoredSignalsInherited(t *testing.T) {
	const script = `trap '' HUP PIPE; exec "$@"`
	prog := []string{"/bin/sh", "-c", "grep SigIgn /proc/self/status; (trap - PIPE; grep SigIgn /proc/self/status)"}
	native := runCmd(t, 20*time.Second, "", append([]string{"/bin/sh", "-c", script, "sh"}, prog...)...)
	loaded := runCmd(t, 20*time.Second, "", append([]string{"/bin/sh", "-c", script, "sh"}, underElfloader(t, nil, prog)...)...)
	if native.status != 0 || native.stdout == "" {
		t.Fatalf("native run: status %d, %q %q", native.status, native.stdout, native.stderr)
	}
	if loaded.stdout != native.stdout || loaded.status != native.status {
		t.Errorf("elfloader: status %d\n%s\nnative: status %d\n%s\nstderr: %s", loaded.status, loaded.stdout, native.status, native.stdout, loaded.stderr)
	}
}
