package images

import (
	"bytes"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// TestExtentCRC sums a range larger than the mapping window from a file
// (mapped) and from a reader that is not one (read), and refuses a range
// that runs past the file (the mapped pages past its end fault).
func TestExtentCRC(t *testing.T) {
	data := make([]byte, 2*crcWindow+5*StorePage)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	path := filepath.Join(t.TempDir(), "img")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	off, n := int64(StorePage), int64(len(data)-2*StorePage)
	want := crc32.Checksum(data[off:off+n], castagnoli)
	for name, r := range map[string]interface {
		ReadAt([]byte, int64) (int, error)
	}{"file": f, "reader": bytes.NewReader(data)} {
		if got, err := extentCRC(r, off, n); err != nil || got != want {
			t.Errorf("%s: crc %08x, %v; want %08x", name, got, err, want)
		}
	}
	if _, err := extentCRC(f, off, int64(len(data))); err == nil {
		t.Error("a range past the file's end: no error")
	}
}
