package isolated

import (
	"os"
	"strings"
	"testing"

	"github.com/elfloader/elfloader/plat"
)

// TestAdoptLayoutMatchesHeader compares adopt.go with stub/adopt.h.
func TestAdoptLayoutMatchesHeader(t *testing.T) {
	src, err := os.ReadFile("stub/adopt.h")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]uint64{
		"ADOPT_MAGIC": adoptMagic, "ADOPT_HEADER": adoptHeader, "ADOPT_KEEP_SIZE": adoptKeepSize,
		"ADOPT_SITE_SIZE": adoptSiteSize, "ADOPT_SITE_LEN": adoptSiteLen, "ADOPT_MIN_SLOTS": adoptMinSlots,
		"ADOPT_USER_END": adoptUserEnd,
	}
	checkHeaderDefines(t, "adopt.h", "adopt.go", src, want)
}

// TestStubImageHasAdoptEntry: the embedded stub can be mapped by a fork child.
func TestStubImageHasAdoptEntry(t *testing.T) {
	img, err := AdoptImage()
	if err != nil {
		t.Fatal(err)
	}
	if img.Entry < StubStart || img.Entry >= img.End || img.End > stubCtrlBase {
		t.Fatalf("entry %#x, image end %#x", img.Entry, img.End)
	}
}

// TestKeptVDSO: a fork child keeps the host vDSO mappings that lie in the
// app memory it keeps, and nothing is known when one lies partly in it.
func TestKeptVDSO(t *testing.T) {
	host := []plat.VDSOMapping{
		{Start: 0x7000, End: 0x9000, Name: "[vvar]"},
		{Start: 0x9000, End: 0xb000, Name: "[vdso]"},
	}
	for _, c := range []struct {
		name  string
		app   []plat.Range
		names []string // nil: unknown
	}{
		{"none kept", []plat.Range{{Start: 0x1000, End: 0x2000}}, []string{}},
		{"both kept", []plat.Range{{Start: 0x1000, End: 0x2000}, {Start: 0x7000, End: 0x9000}, {Start: 0x9000, End: 0xb000}}, []string{"[vvar]", "[vdso]"}},
		{"one kept", []plat.Range{{Start: 0x9000, End: 0xc000}}, []string{"[vdso]"}},
		{"partly kept", []plat.Range{{Start: 0x8000, End: 0xb000}}, nil},
	} {
		got := keptVDSO(host, c.app)
		if c.names == nil {
			if got != nil {
				t.Errorf("%s: %v, want unknown", c.name, *got)
			}
			continue
		}
		if got == nil {
			t.Errorf("%s: unknown, want %v", c.name, c.names)
			continue
		}
		var names []string
		for _, m := range *got {
			names = append(names, m.Name)
		}
		if strings.Join(names, " ") != strings.Join(c.names, " ") {
			t.Errorf("%s: %v, want %v", c.name, names, c.names)
		}
	}
}
