package integration

import (
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestVDSO compares the vDSO the app sees (AT_SYSINFO_EHDR, an ELF shared
// object listed in /proc/self/maps) and the clocks read through it with the
// native run in every static variant.
func TestVDSO(t *testing.T) {
	testbin.RequireInproc(t, "the host's vDSO (AT_SYSINFO_EHDR; the isolated stub keeps no vDSO)")
	compareCPrograms(t, []cProgram{{source: "vdso.c"}})
}
