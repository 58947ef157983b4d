package plat

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestParseMaps reads names with spaces, anonymous mappings and the vDSO,
// and leaves out lines that are not mappings.
func TestParseMaps(t *testing.T) {
	maps := []byte("00400000-00401000 r-xp 00000000 08:01 7 /opt/my app/bin\n" +
		"7f0000000000-7f0000010000 rw-p 00000000 00:00 0\n" +
		"not a mapping\n" +
		"7ffd00100000-7ffd00102000 r--p 00000000 00:00 0 [vvar]\n" +
		"7ffd00102000-7ffd00104000 r-xp 00000000 00:00 0 [vdso]\n")
	got := ParseMaps(maps)
	want := []HostMapping{
		{0x400000, 0x401000, "r-xp", "/opt/my app/bin"},
		{0x7f0000000000, 0x7f0000010000, "rw-p", ""},
		{0x7ffd00100000, 0x7ffd00102000, "r--p", "[vvar]"},
		{0x7ffd00102000, 0x7ffd00104000, "r-xp", "[vdso]"},
	}
	if len(got) != len(want) {
		t.Fatalf("ParseMaps = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("mapping %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	vdso := ParseVDSO(maps)
	if len(vdso) != 2 || vdso[1].Name != "[vdso]" || vdso[1].Prot != unix.PROT_READ|unix.PROT_EXEC || vdso[0].Prot != unix.PROT_READ {
		t.Errorf("ParseVDSO = %+v", vdso)
	}
}
