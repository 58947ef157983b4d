package integration

import (
	"path/filepath"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestBadPointers runs tests/c/badptr.c: NULL, 0x1, kernel, unmapped and
// read-only pointers, huge lengths and bad descriptors passed through raw
// syscalls to every registered syscall that takes a pointer, plus the
// address-range rules of mmap, munmap, mprotect and madvise. Every errno
// and return value must be the native one.
func TestBadPointers(t *testing.T) {
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "badptr.c"), v)
			native := testbin.RunNative(t, testTimeout, []string{bin, filepath.Join(t.TempDir(), "badptr")}, nil, nil)
			loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{bin, appScratch("badptr-" + v.Name)}, nil, nil)
			compareRuns(t, native, loaded)
		})
	}
}

// TestBadPointersChildren: wait4 and waitid reap the child even when the
// status, rusage or siginfo pointer is bad, and answer EFAULT.
func TestBadPointersChildren(t *testing.T) {
	requireHostProgram(t, "/bin/sh")
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, "badptr.c"), v)
			native := testbin.RunNative(t, testTimeout, []string{bin, "children"}, nil, nil)
			loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{bin, "children"}, nil, nil)
			compareRuns(t, native, loaded)
		})
	}
}

// TestKillAllSparesCaller: kill(-1, SIGKILL) signals every other process of
// the app and never the caller. It runs under elfloader only: natively, as
// root, it would signal every process of the machine.
func TestKillAllSparesCaller(t *testing.T) {
	requireHostProgram(t, "/bin/sh", "/bin/sleep")
	v, ok := testbin.VariantByName("gcc-static")
	if !ok {
		t.Skip("no gcc-static variant")
	}
	bin := testbin.Build(t, testbin.CSource(t, "badptr.c"), v)
	r := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), []string{bin, "killall"}, nil, nil)
	assertNoPanic(t, r.Stderr)
	const want = "kill(-1 SIGKILL) = 0\nchild killed by signal 9\ncaller survived\n"
	if r.Status != 0 || r.Stdout != want {
		t.Fatalf("status %d, stdout %q, want 0 and %q; stderr:\n%s", r.Status, r.Stdout, want, r.Stderr)
	}
}
