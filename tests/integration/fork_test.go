package integration

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestFork runs the fork programs (tests/c/fork_*.c) in every variant,
// natively and under elfloader: pipes and wait status, copy-on-write,
// loops, signals, grandchildren, SIGCHLD, pipelines, shared file offsets,
// execve in the child, fork from a multi-threaded process.
func TestFork(t *testing.T) {
	for _, p := range []string{"/bin/true", "/bin/false", "/bin/busybox"} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("%s is not installed", p)
		}
	}
	for _, prog := range []string{"fork_basic", "fork_exec", "fork_threads"} {
		for _, v := range testbin.Variants() {
			t.Run(prog+"/"+v.Name, func(t *testing.T) {
				if !v.Static {
					skipUnlessDynamic(t)
				}
				bin := testbin.Build(t, testbin.CSource(t, prog+".c"), v, "-pthread")
				native := testbin.RunNative(t, testTimeout, []string{bin, filepath.Join(t.TempDir(), "scratch")}, nil, nil)
				loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{bin, appScratch(prog + "-" + v.Name)}, nil, nil)
				compareRuns(t, native, loaded)
				assertNoPanic(t, loaded.Stderr)
			})
		}
	}
}

// TestFutexShared runs tests/c/futex_shared.c in every variant, natively
// and under elfloader: futexes and pshared semaphores in MAP_SHARED memory
// between a parent and its fork child (anonymous memory, a file mapped
// twice, a SysV segment attached twice), private wakes that must not cross
// processes, and SysV attachments inherited by fork (shm_nattch, shmdt).
func TestFutexShared(t *testing.T) {
	for _, v := range testbin.Variants() {
		t.Run(v.Name, func(t *testing.T) {
			if !v.Static {
				skipUnlessDynamic(t)
			}
			bin := testbin.Build(t, testbin.CSource(t, "futex_shared.c"), v, "-pthread")
			native := testbin.RunNative(t, testTimeout, []string{bin, filepath.Join(t.TempDir(), "scratch")}, nil, nil)
			loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{bin, appScratch("futex-shared-" + v.Name)}, nil, nil)
			compareRuns(t, native, loaded)
			assertNoPanic(t, loaded.Stderr)
		})
	}
}

// forkShellScript exercises what shells fork for: a pipeline, command
// substitution, a subshell's exit status, and a loop of external commands
// and pipes.
const forkShellScript = `echo a | cat; x=$(echo hi); echo $x; (exit 3); echo $?
i=0; while [ $i -lt 100 ]; do /bin/true; echo $i | cat >/dev/null; i=$((i+1)); done; echo loop $i
echo one two three | tr ' ' '\n' | sort -r | head -n 2
cat <<EOF | tr a-z A-Z
here-doc $x
EOF
(sleep 0.1; echo background done) & wait; echo waited $?; (exit 4) & wait $!; echo job status $?
(set -e; false; echo not reached); echo set-e $?
(trap 'echo trap on exit' EXIT; echo in subshell)
sh -c 'trap "echo got USR1" USR1; kill -USR1 $$; echo after the trap'
sh -c 'exec echo exec replaced the shell'; echo exec $?
y=$( (echo nested; echo sub) | wc -l ); echo lines $y`

// TestForkShells runs the script with busybox sh, dash and bash (those
// installed), natively and under elfloader.
func TestForkShells(t *testing.T) {
	shells := [][]string{{"/bin/busybox", "sh"}, {"/bin/dash"}, {"/bin/bash"}}
	for _, sh := range shells {
		t.Run(filepath.Base(sh[len(sh)-1]), func(t *testing.T) {
			if _, err := os.Stat(sh[0]); err != nil {
				t.Skipf("%s is not installed", sh[0])
			}
			requireHostProgram(t, "/bin/true", "/usr/bin/tr", "/usr/bin/sort", "/usr/bin/head")
			argv := append(append([]string(nil), sh...), "-c", forkShellScript)
			_, loaded := testbin.CompareWithNative(t, 2*testTimeout, testbin.EnvFlags(), argv, nil, nil)
			assertNoPanic(t, loaded.Stderr)
		})
	}
}

// TestForkExecInProcess: a program that a fork child execs (a shell's
// command) runs in process again, as a vfork child's does (docs/fork.md):
// with the fast path, so its calls on host descriptors pass through,
// which never happens in a stub process. The shell's output and status
// are the native run's.
func TestForkExecInProcess(t *testing.T) {
	testbin.RequireInproc(t, "in-process exec of fork children")
	if _, err := os.Stat("/bin/dash"); err != nil {
		t.Skip("/bin/dash is not installed")
	}
	for _, v := range fastVariants(t, "gcc-static-pie", "gcc-dynamic") {
		t.Run(v.Name, func(t *testing.T) {
			if !v.Static {
				skipUnlessDynamic(t)
			}
			built := testbin.Build(t, testbin.CSource(t, "fast_pass.c"), v, "-pthread")
			// Where the app sees the host's files (its /tmp is its own).
			bin := filepath.Join(hostScratchDir(t, "elfloader-forkexec-"), "fast_pass")
			if data, err := os.ReadFile(built); err != nil {
				t.Fatal(err)
			} else if err := os.WriteFile(bin, data, 0o755); err != nil {
				t.Fatal(err)
			}
			// A subshell is a fork child (dash vforks for a plain
			// command), which execs the program.
			argv := []string{"/bin/dash", "-c", "(" + bin + " io) && echo the child is done"}
			if st := compareFast(t, "lazy", argv); st.passed < 1000 {
				t.Errorf("%d calls passed through, want at least 1000 (the exec'd program ran in a stub?): %+v", st.passed, st)
			}
		})
	}
}
