package integration

import (
	"fmt"
	"os"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestLandlockApp runs tests/c/landlock_app.c natively (as root, on a host
// kernel with Landlock) and under elfloader, one scenario per process:
// the ABI version and errata, the syscalls' errors, filesystem rules (read
// only beneath /usr and a directory, write beneath another, truncate,
// make and remove, O_PATH), the ABI 2 refer rules (reparenting within a
// layer's rights, EXDEV when a file would gain rights, an ABI 1 ruleset),
// a denied execve, TCP bind and connect by port, a stacked second layer
// and the 16-layer limit, inheritance into a fork child and across
// execve, and the signal scope. elfloader serves it from its own kernel:
// the app's domain is never a host Landlock domain.
func TestLandlockApp(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the native run must start as root")
	}
	if _, err := os.Stat("/usr/bin/true"); err != nil {
		t.Skip("no /usr/bin/true to execute")
	}
	scenarios := []string{"abi", "errors", "fs", "refer", "refer1", "exec", "net", "stack", "fork", "execinherit", "signal"}
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "landlock_app.c"), v)
			if out := testbin.RunNative(t, testTimeout, []string{bin, "abi", "/nonexistent"}, nil, nil); out.Stdout == "" || out.Stdout[:11] != "abi >= 6: 1" {
				t.Skipf("the host kernel has no Landlock ABI 6 to compare with: %q", out.Stdout)
			}
			for _, s := range scenarios {
				t.Run(s, func(t *testing.T) {
					// The same scratch path in both runs: the host's
					// /tmp natively, the app's own /tmp under elfloader.
					// Each run makes it and removes it.
					scratch := appScratch(fmt.Sprintf("landlock-%s-%s", v.Name, s))
					os.RemoveAll(scratch)
					argv := []string{bin, s, scratch}
					native := testbin.RunNative(t, testTimeout, argv, nil, nil)
					loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), argv, nil, nil)
					assertNoPanic(t, loaded.Stderr)
					compareRuns(t, native, loaded)
				})
			}
		})
	}
}
