package integration

import (
	"strings"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestSegv checks that a program killed by SIGSEGV ends with status 139
// under elfloader as it does natively, after its flushed output, and that
// elfloader reports the fault: the signal, the address 0x10, a register
// dump and the faulting instruction.
func TestSegv(t *testing.T) {
	for _, v := range testbin.StaticVariants() {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			checkSegv(t, v)
		})
	}
	t.Run("dynamic", func(t *testing.T) {
		skipUnlessDynamic(t)
		for _, v := range testbin.DynamicVariants() {
			t.Run(v.Name, func(t *testing.T) {
				t.Parallel()
				checkSegv(t, v)
			})
		}
	})
}

func checkSegv(t *testing.T, v testbin.Variant) {
	bin := testbin.Build(t, testbin.CSource(t, "segv.c"), v)
	argv := []string{bin}
	const wantStdout = "about to fault\n"
	const wantStatus = 128 + 11

	native := testbin.RunNative(t, testTimeout, argv, nil, nil)
	if native.Status != wantStatus || native.Stdout != wantStdout {
		t.Fatalf("native run: status %d stdout %q, want %d %q", native.Status, native.Stdout, wantStatus, wantStdout)
	}

	loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), argv, nil, nil)
	if loaded.TimedOut {
		t.Fatalf("elfloader timed out; stderr:\n%s", loaded.Stderr)
	}
	if loaded.Status != wantStatus {
		t.Errorf("elfloader status %d, want %d", loaded.Status, wantStatus)
	}
	if loaded.Stdout != wantStdout {
		t.Errorf("elfloader stdout %q, want %q", loaded.Stdout, wantStdout)
	}
	if !strings.HasPrefix(loaded.Stderr, testbin.DiagnosticPrefix) {
		t.Errorf("elfloader stderr does not start with %q", testbin.DiagnosticPrefix)
	}
	report := strings.ToLower(loaded.Stderr)
	for _, want := range []string{"sigsegv", "0x10", "rip", "rsp", "mov"} {
		if !strings.Contains(report, want) {
			t.Errorf("fault report lacks %q", want)
		}
	}
	assertNoPanic(t, loaded.Stderr)
	if t.Failed() {
		t.Logf("elfloader stderr:\n%s", loaded.Stderr)
	}
}
