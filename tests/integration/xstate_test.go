package integration

import (
	"os"
	"strings"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestExtendedStateFrames compares the shape of the extended state in
// signal frames (sizes, features, magic numbers, AT_MINSIGSTKSZ, the
// arch_prctl XCOMP queries) and, where the CPU has AMX, tile data kept
// across a syscall and a signal handler, with the native run in every
// static variant. Whatever the CPU reports is what both runs must show.
func TestExtendedStateFrames(t *testing.T) {
	skipAMXOnIsolated(t)
	compareCPrograms(t, []cProgram{{source: "sig_xstate.c"}})
}

// TestAMXTiles checks the AMX part of sig_xstate on its own, so that a CPU
// without AMX shows up as a skipped test with the reason.
func TestAMXTiles(t *testing.T) {
	v := testbin.StaticVariants()[0]
	bin := cProgram{source: "sig_xstate.c"}.build(t, v)
	native := testbin.RunNative(t, threadTimeout, []string{bin}, nil, nil)
	if native.Status != 0 {
		t.Fatalf("native run failed with status %d:\n%s%s", native.Status, native.Stdout, native.Stderr)
	}
	t.Logf("native frames on this CPU:\n%s", native.Stdout)
	if strings.Contains(native.Stdout, "amx: not on this CPU") {
		t.Skip("this CPU has no AMX (CPUID.7:EDX[24] or XCR0 tile bits missing): the tile part cannot run")
	}
	skipAMXOnIsolated(t)
	got := testbin.RunElfloader(t, threadTimeout, testbin.EnvFlags(), []string{bin}, nil, nil)
	for _, want := range []string{
		"ARCH_REQ_XCOMP_PERM(XTILEDATA) = 0",
		"tile after a syscall: kept",
		"handler zeroed the tile: 1; tile after the handler: kept",
	} {
		if !strings.Contains(got.Stdout, want) {
			t.Errorf("elfloader output lacks %q (status %d):\n%s\nstderr:\n%s", want, got.Status, got.Stdout, got.Stderr)
		}
	}
	if got.Stdout != native.Stdout {
		t.Errorf("output differs from the native run:\nnative:\n%s\nelfloader:\n%s", native.Stdout, got.Stdout)
	}
}

// skipAMXOnIsolated skips on --platform=isolated when the CPU has AMX: the
// stub's signal frames carry the tile state once the permission is asked
// for, so frames show tile data that a native thread which never used
// tiles does not have yet.
func skipAMXOnIsolated(t *testing.T) {
	t.Helper()
	if testbin.Platform() != "isolated" {
		return
	}
	if info, err := os.ReadFile("/proc/cpuinfo"); err == nil && strings.Contains(string(info), " amx_tile") {
		t.Skip("platform limitation: on --platform=isolated, AMX tile data in signal frames after ARCH_REQ_XCOMP_PERM does not match Linux's yet (this CPU has AMX)")
	}
}
