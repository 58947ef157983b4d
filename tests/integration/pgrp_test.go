package integration

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestPgrp runs the process-group programs (tests/c/pgrp_basic.c,
// tests/c/pidfd.c) in every variant, natively and under elfloader:
// setpgid's and setsid's rules, kill and waitpid of a group, CLONE_FILES
// without CLONE_VM, PR_SET_PDEATHSIG, and pidfds (signals, getfd,
// readiness in poll and epoll, waitid P_PIDFD).
func TestPgrp(t *testing.T) {
	requireHostProgram(t, "/bin/cat")
	for _, prog := range []string{"pgrp_basic", "pidfd"} {
		for _, v := range testbin.Variants() {
			t.Run(prog+"/"+v.Name, func(t *testing.T) {
				if !v.Static {
					skipUnlessDynamic(t)
				}
				bin := testbin.Build(t, testbin.CSource(t, prog+".c"), v)
				native := testbin.RunNative(t, testTimeout, []string{bin, filepath.Join(t.TempDir(), "scratch")}, nil, nil)
				loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{bin, appScratch(prog + "-" + v.Name)}, nil, nil)
				compareRuns(t, native, loaded)
			})
		}
	}
}

// pgrpShellScript runs in a session and group of its own (setsid): kill 0
// from a command substitution reaches the shell (its trap), a background
// job and the substitution itself; kill -0 0 and kill of a job in a
// subshell.
const pgrpShellScript = `trap "echo got TERM" TERM; sleep 100 & x=$(kill -TERM 0; echo sent); wait; echo "wait: $?"; echo "x=$x"
(sleep 100 & kill -0 0 && echo group ok; kill $!; wait $!; echo "inner: $?")`

// TestPgrpShell runs the script with bash under setsid(1), natively and
// under elfloader.
func TestPgrpShell(t *testing.T) {
	requireHostProgram(t, "/bin/bash", "/usr/bin/setsid", "/bin/sleep")
	if _, err := os.Stat("/bin/bash"); err != nil {
		t.Skip("bash is not installed")
	}
	argv := []string{"/usr/bin/setsid", "-w", "/bin/bash", "-c", pgrpShellScript}
	_, loaded := testbin.CompareWithNative(t, 2*testTimeout, testbin.EnvFlags(), argv, nil, nil)
	assertNoPanic(t, loaded.Stderr)
}
