package integration

import (
	"os"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestSeccompApp: the app's own seccomp filters, evaluated by elfloader
// and compared with Linux: strict mode, an ERRNO filter (capped at 4095,
// /proc/self/status's lines), TRAP's SIGSYS fields and the rolled-back
// rax, KILL_PROCESS and KILL_THREAD (alone and with a second thread),
// inheritance by fork and across execve (the program itself and
// /bin/true), TSYNC and its failure, the precedence of stacked filters,
// refused programs and flags with the no_new_privs rule,
// GET_ACTION_AVAIL and GET_NOTIF_SIZES, and int $0x80's i386 number and
// arch. Each scenario is a run of its own.
func TestSeccompApp(t *testing.T) {
	var runs [][]string
	for _, s := range []string{"strict", "errno", "trap", "kill", "inherit", "tsync", "stack", "invalid", "int80"} {
		if s == "int80" && !hostHasInt80(t) {
			continue
		}
		runs = append(runs, []string{s})
	}
	runBreadth(t, "seccomp_app.c", true, runs...)
	if !hostHasInt80(t) {
		t.Run("int80-linux-answers", testSeccompInt80Known)
	}
}

// testSeccompInt80Known checks seccomp_app's int80 scenario against
// Linux's answers with the int $0x80 gate, on a host without it (where the
// native run dies of SIGSEGV): the filter sees i386's number and arch, and
// rcx and r11 survive the call.
func testSeccompInt80Known(t *testing.T) {
	const want = `install: 0
int80 getpid: -18 rcx 0x1234 r11 0x5678
int80 getppid ok: 1
x86-64 getpid ok: 1
int80: exited 0
`
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "seccomp_app.c"), v)
			got := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{bin, "int80"}, nil, nil)
			if got.Status != 0 || got.Stdout != want {
				t.Errorf("status %d, output:\n%s\nwant Linux's:\n%s\nstderr:\n%s", got.Status, got.Stdout, want, got.Stderr)
			}
		})
	}
}

// TestSeccompLibseccomp: a program built with libseccomp (when its static
// and shared libraries are installed: Debian's libseccomp-dev) loads
// filters through the library's probes, compared with the native run.
func TestSeccompLibseccomp(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the native run must start as root")
	}
	if _, err := os.Stat("/usr/include/seccomp.h"); err != nil {
		t.Skip("libseccomp-dev is not installed")
	}
	for _, name := range []string{"gcc-static", "gcc-dynamic"} {
		v, ok := testbin.VariantByName(name)
		if !ok {
			continue
		}
		t.Run(name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "seccomp_lib.c"), v, "-lseccomp")
			native := testbin.RunNative(t, testTimeout, []string{bin}, nil, nil)
			loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{bin}, nil, nil)
			compareRuns(t, native, loaded)
		})
	}
}
