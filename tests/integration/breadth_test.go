package integration

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// runBreadth builds one C program of the syscall families of issue 16
// (credentials, SysV IPC, memory, process facts) in every static variant
// and the glibc dynamic one, and compares its run under elfloader with the
// native run.
// Each argument list in runs is one run of the program (a scenario).
func runBreadth(t *testing.T, source string, needRoot bool, runs ...[]string) {
	runBreadthFlags(t, source, needRoot, nil, runs...)
}

// runBreadthFlags is runBreadth with extra elfloader flags.
func runBreadthFlags(t *testing.T, source string, needRoot bool, flags []string, runs ...[]string) {
	runBreadthVariants(t, staticAndGlibcDynamic(t), source, needRoot, flags, runs...)
}

// oneVariantPerLibc are the variants of a behaviour test whose runs wait
// for other processes (seconds each): the handlers do not depend on how
// the program was linked, so one glibc (dynamic) and one musl build do.
func oneVariantPerLibc(t *testing.T) []testbin.Variant {
	t.Helper()
	var out []testbin.Variant
	for _, name := range []string{"gcc-dynamic", "musl-static"} {
		if v, ok := testbin.VariantByName(name); ok {
			out = append(out, v)
		}
	}
	return out
}

// runBreadthVariants is runBreadthFlags on the given variants.
func runBreadthVariants(t *testing.T, variants []testbin.Variant, source string, needRoot bool, flags []string, runs ...[]string) {
	if needRoot && os.Geteuid() != 0 {
		t.Skip("the native run must start as root")
	}
	if len(runs) == 0 {
		runs = [][]string{nil}
	}
	for _, v := range variants {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, source), v)
			for _, args := range runs {
				argv := append([]string{bin}, args...)
				native := testbin.RunNative(t, testTimeout, argv, nil, nil)
				loaded := testbin.RunElfloader(t, testTimeout, append(testbin.EnvFlags(), flags...), argv, nil, nil)
				assertNoPanic(t, loaded.Stderr)
				compareRuns(t, native, loaded)
			}
		})
	}
}

// TestCapsCreds: saved set-ids, capabilities dropped and kept on uid
// changes, capget/capset, bounding and ambient sets, securebits, exec.
// Each scenario is a process of its own: they drop privileges for good.
func TestCapsCreds(t *testing.T) {
	var runs [][]string
	for _, s := range []string{"saved", "reuid", "keepcaps", "ambient", "bounding", "securebits", "capset", "dac", "vfscaps"} {
		runs = append(runs, []string{s})
	}
	runBreadth(t, "caps_creds.c", true, runs...)
}

// TestIPCSysV: shared memory, semaphores and message queues, within one
// process and with a child (started with posix_spawn from a static-PIE
// build of the same program, which every variant can spawn).
func TestIPCSysV(t *testing.T) {
	pie, ok := testbin.VariantByName("gcc-static-pie")
	if !ok {
		t.Skip("no gcc-static-pie variant")
	}
	helper := testbin.Build(t, testbin.CSource(t, "ipc_sysv.c"), pie)
	dir := filepath.Dir(helper)
	runBreadthFlags(t, "ipc_sysv.c", false, []string{"--volume", dir + ":" + dir}, []string{helper})
}

// TestMremap: mremap (grow, shrink, in place, MREMAP_FIXED,
// MREMAP_DONTUNMAP, errors, realloc, a shared file mapping), msync,
// mincore, the mlock family.
func TestMremap(t *testing.T) {
	if testbin.Platform() == "isolated" {
		t.Skip("platform limitation: on --platform=isolated, mremap cannot move shared or file-backed mappings (ENOMEM; private anonymous memory moves by copy)")
	}
	runBreadth(t, "mremap.c", false)
}

// TestPrio: nice values, scheduling policies and parameters, the UTS
// names' error cases.
func TestPrio(t *testing.T) { runBreadth(t, "prio.c", true) }

// TestSethostname: the app's own host and domain names (elfloader only:
// natively this would rename the machine).
func TestSethostname(t *testing.T) {
	const python3 = "/usr/bin/python3"
	requireHostProgram(t, python3)
	argv := []string{python3, "-c", "import os, socket, ctypes; socket.sethostname('app-host'); " +
		"libc = ctypes.CDLL(None); print(libc.setdomainname(b'app.domain', 10)); u = os.uname(); " +
		"print(u.nodename, socket.gethostname(), open('/proc/sys/kernel/hostname').read().strip(), open('/proc/sys/kernel/domainname').read().strip())"}
	r := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), argv, nil, nil)
	assertNoPanic(t, r.Stderr)
	if r.Status != 0 || r.Stdout != "0\napp-host app-host app-host app.domain\n" {
		t.Fatalf("status %d, stdout %q, stderr %q", r.Status, r.Stdout, r.Stderr)
	}
}
