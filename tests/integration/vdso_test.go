package integration

import "testing"

// TestVDSO compares the vDSO the app sees (AT_SYSINFO_EHDR, an ELF shared
// object listed in /proc/self/maps) and the clocks read through it with the
// native run in every static variant.
func TestVDSO(t *testing.T) {
	compareCPrograms(t, []cProgram{{source: "vdso.c"}})
}
