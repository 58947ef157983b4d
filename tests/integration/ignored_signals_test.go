package integration

import (
	"testing"
	"time"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestIgnoredSignalsInherited starts elfloader from a parent that ignores
// SIGHUP, SIGPIPE and signal 32 (glibc's own, which libc's sigaction does
// not report): the app starts with them ignored, as a program the same
// parent execs does, and its shell resets one for a child on request.
func TestIgnoredSignalsInherited(t *testing.T) {
	v, ok := testbin.VariantByName("gcc-static")
	if !ok || v.Missing() != "" {
		t.Skip("no gcc-static variant")
	}
	ignore := testbin.Build(t, testbin.CSource(t, "ignore_exec.c"), v)
	prog := []string{"/bin/sh", "-c", "grep SigIgn /proc/self/status; (trap - PIPE; grep SigIgn /proc/self/status)"}
	parent := []string{ignore, "1", "13", "32", "--"}
	native := runCmd(t, 20*time.Second, "", append(parent, prog...)...)
	loaded := runCmd(t, 20*time.Second, "", append(parent, underElfloader(t, nil, prog)...)...)
	if native.status != 0 || native.stdout == "" {
		t.Fatalf("native run: status %d, %q %q", native.status, native.stdout, native.stderr)
	}
	if loaded.stdout != native.stdout || loaded.status != native.status {
		t.Errorf("elfloader: status %d\n%s\nnative: status %d\n%s\nstderr: %s", loaded.status, loaded.stdout, native.status, native.stdout, loaded.stderr)
	}
}
