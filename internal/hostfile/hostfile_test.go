package hostfile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadFileAsOS reads what os.ReadFile reads: an empty file, one
// larger than the first buffer, a /proc file, and a missing one.
func TestReadFileAsOS(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, bytes.Repeat([]byte("0123456789"), 1000), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{big, empty, "/proc/self/status"} {
		got, err := ReadFile(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		want, _ := os.ReadFile(p)
		if p == "/proc/self/status" {
			// The values change; the fields do not.
			if !strings.HasPrefix(string(got), "Name:") || len(got) < 100 {
				t.Errorf("%s: %q", p, got)
			}
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes, want %d", p, len(got), len(want))
		}
	}
	_, err := ReadFile(filepath.Join(dir, "missing"))
	var pe *fs.PathError
	if !errors.As(err, &pe) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want a PathError that is fs.ErrNotExist", err)
	}
}
