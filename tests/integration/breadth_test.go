package integration

import (
	"os"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// runBreadth builds one C program of the syscall families of issue 16
// (credentials, SysV IPC, memory, process facts) in every static variant
// and the glibc dynamic one, and compares its run under elfloader with the
// native run.
// Each argument list in runs is one run of the program (a scenario).
func runBreadth(t *testing.T, source string, needRoot bool, runs ...[]string) {
	if needRoot && os.Geteuid() != 0 {
		t.Skip("the native run must start as root")
	}
	if len(runs) == 0 {
		runs = [][]string{nil}
	}
	for _, v := range staticAndGlibcDynamic(t) {
		t.Run(v.Name, func(t *testing.T) {
			bin := testbin.Build(t, testbin.CSource(t, source), v)
			for _, args := range runs {
				argv := append([]string{bin}, args...)
				native := testbin.RunNative(t, testTimeout, argv, nil, nil)
				loaded := testbin.RunElfloader(t, testTimeout, testbin.EnvFlags(), argv, nil, nil)
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
	for _, s := range []string{"saved", "reuid", "keepcaps", "ambient", "bounding", "securebits", "capset", "dac"} {
		runs = append(runs, []string{s})
	}
	runBreadth(t, "caps_creds.c", true, runs...)
}
