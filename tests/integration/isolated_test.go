package integration

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

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

// TestIsolatedEscape (issue #13) runs, with --platform=isolated whatever
// $ELFLOADER_FLAGS says, app code that tries every way out of its stub
// (tests/c/escape_isolated.c): the in-process escape (clearing the
// dispatch selector), a raw syscall and int $0x80, a jump to every syscall
// instruction of its mappings and of the stub region, overwriting every
// writable page of the stub region. None of it reaches the host: the file
// every attempt tries to create does not exist afterwards. elfloader keeps
// serving the app's other processes and reports the death of the broken
// ones in one line each, the first process's last, with status 128+SIGKILL.
func TestIsolatedEscape(t *testing.T) {
	v := testbin.StaticVariants()[0]
	bin := cProgram{source: "escape_isolated.c"}.build(t, v)
	host := filepath.Join(t.TempDir(), "escaped")
	got := testbin.RunElfloader(t, 10*time.Minute, []string{"--platform=isolated"}, []string{bin, host}, nil, nil)
	want := "clearing the dispatch selector: SIGSEGV\n" +
		"raw syscall: returned\n" +
		"int $0x80: returned\n" +
		"syscall instructions: in the app's mappings found, in the stub region found\n" +
		"jumps: done\n" +
		"child that broke its stub: ended\n" +
		"another child: exit 7\n"
	if got.Status != 128+int(unix.SIGKILL) || got.Stdout != want {
		t.Errorf("status %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", got.Status, got.Stdout, want, got.Stderr)
	}
	if _, err := os.Stat(host); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the app reached the host: %s exists (%v)", host, err)
	}
	lines := strings.Split(strings.TrimSuffix(got.Stderr, "\n"), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "elfloader: program killed by signal SIGKILL (process ") || !strings.Contains(last, "isolated: stub") {
		t.Errorf("the last line should report the first process's broken stub, got %q\nstderr:\n%s", last, got.Stderr)
	}
	for _, l := range lines {
		if strings.Contains(l, "panic") || strings.Contains(l, "internal error") || strings.Contains(l, "goroutine ") {
			t.Errorf("elfloader failed itself: %q", l)
		}
	}
}
