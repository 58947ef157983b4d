package isolated

import (
	"os"
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
