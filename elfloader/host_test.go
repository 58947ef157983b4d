package elfloader

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestParseHostFiles parses every regular file under the host's binary and
// library directories: every x86-64 executable and shared object the host
// runs must be accepted; only non-ELF files and non-executables (ET_REL
// objects, other architectures) may be refused.
func TestParseHostFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("walks host directories")
	}
	parsed := 0
	for _, root := range []string{"/usr/bin", "/usr/sbin", "/usr/lib/x86_64-linux-gnu", "/usr/libexec", "/usr/local/go/pkg/tool"} {
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return nil
			}
			b, err := ParseFile(path)
			switch {
			case err == nil:
				parsed++
				if len(b.Segments) == 0 {
					t.Errorf("%s: no segments", path)
				}
			case errors.Is(err, ErrNotELF), errors.Is(err, ErrUnsupported), errors.Is(err, os.ErrPermission):
			default:
				t.Errorf("%v", err)
			}
			return nil
		})
	}
	if parsed == 0 {
		t.Skip("no host binaries found")
	}
	t.Logf("parsed %d host ELF files", parsed)
}
