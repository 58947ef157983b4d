package integration

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestVDSO compares the vDSO the app sees (AT_SYSINFO_EHDR, an ELF shared
// object listed in /proc/self/maps) and the clocks read through it with the
// native run in every static variant, on both platforms: in-process the app
// uses elfloader's vDSO, isolated the one its stub process kept.
func TestVDSO(t *testing.T) {
	compareCPrograms(t, []cProgram{{source: "vdso.c"}})
}

// TestVDSOClocksWithoutSyscalls checks that the clock calls of tests/c/vdso.c
// (100,000 clock_gettime, gettimeofday, time) are served by the vDSO, without
// a system call, as natively: strace -c of the native run and elfloader
// trace -c list the same clock system calls.
func TestVDSOClocksWithoutSyscalls(t *testing.T) {
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace not installed")
	}
	v, ok := testbin.VariantByName("gcc-static")
	if !ok || v.Missing() != "" {
		t.Skip("gcc-static variant unavailable")
	}
	prog := testbin.Build(t, testbin.CSource(t, "vdso.c"), v)
	dir := t.TempDir()
	native, loaded := filepath.Join(dir, "native"), filepath.Join(dir, "elfloader")
	runTraced(t, []string{strace, "-c", "-o", native, prog})
	args := append([]string{testbin.Elfloader(t), "trace"}, testbin.EnvFlags()...)
	runTraced(t, append(args, "-c", "-o", loaded, prog))
	want, got := clockCalls(t, native), clockCalls(t, loaded)
	if want != "" {
		t.Skipf("the host's clocks do not run in the vDSO natively either:\n%s", want)
	}
	if got != "" {
		t.Errorf("clock calls trapped under elfloader (natively none):\n%s", got)
	}
}

// clockCalls is the clock rows of a -c table (summaryCounts's format).
func clockCalls(t *testing.T, path string) string {
	var rows []string
	for _, row := range strings.Split(summaryCounts(t, path), "\n") {
		switch strings.Fields(row + " x")[0] {
		case "clock_gettime", "gettimeofday", "time":
			rows = append(rows, row)
		}
	}
	return strings.Join(rows, "\n")
}
