package integration

import (
	"path/filepath"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// rewriteModes are the values of `elfloader run --rewrite`.
var rewriteModes = []string{"off", "lazy", "eager"}

// modeProgram is one program of the rewrite-mode test; build returns the
// binary and the argument lists, native and inside the app.
type modeProgram struct {
	name  string
	build func(t *testing.T) (bin string, nativeArgs, appArgs []string)
	env   []string
}

// cModeProgram builds a C program of tests/c with gcc-static.
func cModeProgram(source string, flags ...string) func(t *testing.T) (string, []string, []string) {
	return func(t *testing.T) (string, []string, []string) {
		v, _ := testbin.VariantByName("gcc-static")
		return testbin.Build(t, testbin.CSource(t, source), v, flags...), nil, nil
	}
}

// modePrograms is the selection: the core programs, thread and signal
// programs, fs_ops and the goroutines Go program.
func modePrograms() []modeProgram {
	var args program
	for _, p := range programs() {
		if p.name == "args" {
			args = p
		}
	}
	return []modeProgram{
		{name: "hello", build: cModeProgram("hello.c")},
		{name: "args", build: func(t *testing.T) (string, []string, []string) {
			bin, _, _ := cModeProgram("args.c")(t)
			return bin, args.args, args.args
		}, env: args.env},
		{name: "brkmmap", build: cModeProgram("brkmmap.c")},
		{name: "tls", build: cModeProgram("tls.c")},
		{name: "syscalls", build: cModeProgram("syscalls.c")},
		{name: "thr_prodcons", build: cModeProgram("thr_prodcons.c", "-pthread")},
		{name: "thr_futex", build: cModeProgram("thr_futex.c", "-pthread")},
		{name: "sig_siginfo", build: cModeProgram("sig_siginfo.c", "-pthread")},
		{name: "sig_restart", build: cModeProgram("sig_restart.c", "-pthread")},
		{name: "sig_avx", build: cModeProgram("sig_avx.c", "-pthread", "-mavx2")},
		{name: "fp_syscall", build: cModeProgram("fp_syscall.c", "-pthread")},
		{name: "fs_ops", build: func(t *testing.T) (string, []string, []string) {
			bin, _, _ := cModeProgram("fs_ops.c")(t)
			return bin, []string{filepath.Join(t.TempDir(), "work")}, []string{appScratch("work")}
		}},
		{name: "goroutines", build: func(t *testing.T) (string, []string, []string) {
			return testbin.BuildGo(t, "goroutines"), nil, nil
		}},
	}
}

// TestRewriteModes runs a selection of the program tests (gcc-static, and
// the static Go program) under --rewrite=off, lazy and eager and compares
// each run with the native one.
func TestRewriteModes(t *testing.T) {
	testbin.RequireInproc(t, "the fast syscall path (syscall-site rewriting)")
	for _, p := range modePrograms() {
		t.Run(p.name, func(t *testing.T) {
			bin, nativeArgs, appArgs := p.build(t)
			native := testbin.RunNative(t, threadTimeout, append([]string{bin}, nativeArgs...), p.env, nil)
			for _, mode := range rewriteModes {
				t.Run(mode, func(t *testing.T) {
					loaded := testbin.RunElfloader(t, threadTimeout, rewriteFlags(mode),
						append([]string{bin}, appArgs...), p.env, nil)
					compareRuns(t, native, loaded)
				})
			}
		})
	}
}
