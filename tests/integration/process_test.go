package integration

import (
	"path/filepath"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestProcesses runs child processes (posix_spawn: vfork-style clone and
// execve, #! scripts, wait4, SIGCHLD, pipes) natively and under elfloader.
func TestProcesses(t *testing.T) {
	for _, v := range []string{"gcc-static", "gcc-dynamic", "musl-static"} {
		t.Run(v, func(t *testing.T) {
			variant, ok := testbin.VariantByName(v)
			if !ok {
				t.Skipf("no variant %s", v)
			}
			bin := testbin.Build(t, testbin.CSource(t, "proc_spawn.c"), variant)
			native := testbin.RunNative(t, testTimeout, []string{bin, filepath.Join(t.TempDir(), "spawn")}, nil, nil)
			loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{bin, appScratch("spawn")}, nil, nil)
			compareRuns(t, native, loaded)
		})
	}
}

// TestPythonSubprocess: Python's subprocess module starts children with
// vfork and exec.
func TestPythonSubprocess(t *testing.T) {
	const python3 = "/usr/bin/python3"
	requireHostProgram(t, python3, "/bin/ls", "/bin/sh")
	argv := []string{python3, "-c", "import subprocess as s; r = s.run(['/bin/ls', '/etc/os-release'], capture_output=True, text=True); " +
		"print(repr(r.stdout), r.returncode); print(s.run(['/bin/sh', '-c', 'exit 3']).returncode); " +
		"print(s.check_output(['/bin/echo', 'out']).decode().strip())"}
	_, loaded := testbin.CompareWithNative(t, testTimeout, testbin.EnvFlags(), argv, nil, nil)
	assertNoPanic(t, loaded.Stderr)
}

// TestDevConsole: the app's /dev/console is elfloader's own stdout.
func TestDevConsole(t *testing.T) {
	const python3 = "/usr/bin/python3"
	requireHostProgram(t, python3)
	argv := []string{python3, "-c", "import os, stat; print(stat.S_ISCHR(os.stat('/dev/console').st_mode), flush=True); f = open('/dev/console', 'w'); f.write('via console\\n'); f.close()"}
	r := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), argv, nil, nil)
	assertNoPanic(t, r.Stderr)
	if r.Status != 0 || r.Stdout != "True\nvia console\n" {
		t.Fatalf("status %d, stdout %q, stderr %q", r.Status, r.Stdout, r.Stderr)
	}
}

// TestGoExec: a static Go program runs children with os/exec.
func TestGoExec(t *testing.T) {
	requireHostProgram(t, "/bin/echo", "/bin/false")
	bin := testbin.BuildGo(t, "goexec")
	_, loaded := testbin.CompareWithNative(t, testTimeout, testbin.EnvFlags(), []string{bin}, nil, nil)
	assertNoPanic(t, loaded.Stderr)
}

// TestMiscCalls runs tests/c/misc_calls.c: identities, prctl names,
// getcpu, sched_setaffinity, fadvise, flock, sync, mknod, and execveat of
// the program itself (a non-PIE program replacing its own image).
func TestMiscCalls(t *testing.T) {
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "misc_calls.c"), v)
			native := testbin.RunNative(t, testTimeout, []string{bin, filepath.Join(t.TempDir(), "misc")}, nil, nil)
			loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{bin, appScratch("misc-" + v.Name)}, nil, nil)
			compareRuns(t, native, loaded)
		})
	}
}
