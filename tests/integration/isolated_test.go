package integration

import (
	"testing"

	"github.com/elfloader/elfloader/tests/testbin"
)

// TestIsolatedStubRegion runs with --platform=isolated whatever
// $ELFLOADER_FLAGS says: the stub's own region is never app memory.
func TestIsolatedStubRegion(t *testing.T) {
	v := testbin.StaticVariants()[0]
	bin := cProgram{source: "iso_stubregion.c"}.build(t, v)
	got := testbin.RunElfloader(t, threadTimeout, []string{"--platform=isolated"}, []string{bin}, nil, nil)
	want := "hint in the region: mapped 1, outside 1\n" +
		"MAP_FIXED: ENOMEM\n" +
		"MAP_FIXED_NOREPLACE: EEXIST\n" +
		"write from the region: -1 errno EFAULT\n" +
		"munmap of the region: 0\n" +
		"mprotect of the region: ENOMEM\n"
	if got.Status != 0 || got.Stdout != want {
		t.Fatalf("status %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", got.Status, got.Stdout, want, got.Stderr)
	}
}
