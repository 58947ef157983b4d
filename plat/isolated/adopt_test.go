package isolated

import (
	"os"
	"regexp"
	"strconv"
	"testing"
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
	re := regexp.MustCompile(`(?m)^#define ([A-Z0-9_]+) (0x[0-9a-f]+|[0-9]+)u?L?U?L?`)
	seen := 0
	for _, m := range re.FindAllStringSubmatch(string(src), -1) {
		v, err := strconv.ParseUint(m[2], 0, 64)
		if err != nil {
			t.Fatalf("%s: %v", m[1], err)
		}
		w, ok := want[m[1]]
		if !ok {
			t.Errorf("adopt.h defines %s, which adopt.go lacks", m[1])
			continue
		}
		seen++
		if v != w {
			t.Errorf("%s: adopt.h %#x, adopt.go %#x", m[1], v, w)
		}
	}
	if seen != len(want) {
		t.Errorf("adopt.h defines %d of the %d values", seen, len(want))
	}
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
