package cpio

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// fuzzArchive is a small archive with every record kind, in both magics.
func fuzzArchive(crc bool) []byte {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, rec := range []struct {
		hdr  Header
		data string
	}{
		{Header{Name: ".", Ino: 1, Mode: TypeDir | 0o755, Nlink: 2}, ""},
		{Header{Name: "bin", Ino: 2, Mode: TypeDir | 0o755, Nlink: 2}, ""},
		{Header{Name: "bin/sh", Ino: 3, Mode: TypeRegular | 0o755, Nlink: 2}, "#!shell"},
		{Header{Name: "bin/ash", Ino: 3, Mode: TypeRegular | 0o755, Nlink: 2}, ""},
		{Header{Name: "bin/ls", Ino: 4, Mode: TypeSymlink | 0o777, Nlink: 1}, "sh"},
		{Header{Name: "dev/null", Ino: 5, Mode: TypeChar | 0o666, Nlink: 1, RDevMajor: 1, RDevMinor: 3}, ""},
	} {
		hdr := rec.hdr
		hdr.Size = int64(len(rec.data))
		if err := w.WriteHeader(&hdr); err != nil {
			panic(err)
		}
		io.WriteString(w, rec.data)
	}
	w.Close()
	data := buf.Bytes()
	if crc {
		// "070702" archives carry a byte-sum of each record's data.
		data = bytes.ReplaceAll(data, []byte(magicNewc), []byte(magicNewcCRC))
	}
	return data
}

// FuzzReader reads arbitrary bytes as a newc archive the way the image
// reader does: every record, its data, symlink targets. Nothing may panic,
// every name must be clean, and reading must stop.
func FuzzReader(f *testing.F) {
	f.Add(fuzzArchive(false))
	f.Add(fuzzArchive(true))
	f.Add([]byte(magicNewc))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data))
		for records := 0; ; records++ {
			if records > len(data)/headerSize+1 {
				t.Fatalf("%d records from %d bytes", records, len(data))
			}
			hdr, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				_ = err.Error()
				return
			}
			if clean, err := CleanName(hdr.Name); err != nil || clean != hdr.Name {
				t.Fatalf("Next returned name %q: clean %q, %v", hdr.Name, clean, err)
			}
			if hdr.Size < 0 || hdr.Size > MaxFileSize {
				t.Fatalf("size %d out of range", hdr.Size)
			}
			if hdr.IsSymlink() {
				if _, err := r.ReadLink(); err != nil {
					return
				}
				continue
			}
			if records%2 == 0 { // leave every other record's data for Next to skip
				n, err := io.Copy(io.Discard, r)
				if err != nil {
					return
				}
				if n != hdr.Size {
					t.Fatalf("read %d bytes of a %d-byte record without an error", n, hdr.Size)
				}
			}
		}
	})
}
