package integration

import (
	"testing"

	"github.com/elfloader/elfloader/plat"
	"github.com/elfloader/elfloader/tests/testbin"
)

// noFSGSBASEEnv makes the in-process platform move FS bases with
// arch_prctl, as it must on a host without FSGSBASE in user space.
const noFSGSBASEEnv = "ELFLOADER_INPROC_FSGSBASE=0"

// TestInprocWithoutFSGSBASE runs app code in process the way a host
// without user-space FSGSBASE requires (seen on an AMD EPYC guest, where
// every program failed to start before): the FS base switched by
// arch_prctl at each crossing, the thread's context found through a GS
// base set once. The fast path (its rewritten sites, signals arriving in
// app code and trampolines, fork), threads and a shell's pipeline must
// behave as natively; on such a host every test takes this path anyway.
func TestInprocWithoutFSGSBASE(t *testing.T) {
	testbin.RequireInproc(t, "the in-process platform's FS base switching")
	if !plat.HostFSGSBase() {
		t.Skip("the host has no FSGSBASE in user space: every test takes this path")
	}
	env := []string{statsEnv, noFSGSBASEEnv}
	for _, v := range fastVariants(t, "gcc-static", "musl-static") {
		bin := testbin.Build(t, testbin.CSource(t, "fast_shapes.c"), v, "-pthread")
		for _, sc := range []string{"window", "signals", "resume", "fork"} {
			t.Run(v.Name+"/"+sc, func(t *testing.T) {
				_, loaded := testbin.CompareWithNative(t, fastTimeout, rewriteFlags("eager"), []string{bin, sc}, env, nil)
				assertNoPanic(t, loaded.Stderr)
				st, ok := parseFastStats(loaded.Stderr)
				if !ok || st.fast == 0 {
					t.Errorf("no call took the fast path (stats %+v):\n%s", st, loaded.Stderr)
				}
			})
		}
	}
	t.Run("threads", func(t *testing.T) {
		bin := testbin.Build(t, testbin.CSource(t, "fast_threads.c"), testbin.StaticVariants()[0], "-pthread")
		_, loaded := testbin.CompareWithNative(t, fastTimeout, nil, []string{bin}, env, nil)
		assertNoPanic(t, loaded.Stderr)
	})
	t.Run("shell", func(t *testing.T) {
		argv := []string{"/bin/sh", "-c", `x=$(echo piped | tr a-z A-Z); echo "$x"; (exit 3)`}
		got := testbin.RunElfloader(t, fastTimeout, nil, argv, []string{noFSGSBASEEnv, "PATH=/usr/bin:/bin"}, nil)
		if got.Status != 3 || got.Stdout != "PIPED\n" {
			t.Errorf("status %d, output %q, want 3, %q\nstderr:\n%s", got.Status, got.Stdout, "PIPED\n", got.Stderr)
		}
	})
}
