package cpio

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

type record struct {
	hdr  Header
	data string
}

func writeArchive(t *testing.T, recs []record) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, rec := range recs {
		hdr := rec.hdr
		hdr.Size = int64(len(rec.data))
		if err := w.WriteHeader(&hdr); err != nil {
			t.Fatalf("WriteHeader(%s): %v", hdr.Name, err)
		}
		if _, err := io.WriteString(w, rec.data); err != nil {
			t.Fatalf("Write(%s): %v", hdr.Name, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if int64(buf.Len()) != w.Written() {
		t.Fatalf("Written() = %d, buffer holds %d", w.Written(), buf.Len())
	}
	return buf.Bytes()
}

func readArchive(data []byte) ([]record, error) {
	r := NewReader(bytes.NewReader(data))
	var recs []record
	for {
		hdr, err := r.Next()
		if err == io.EOF {
			return recs, nil
		}
		if err != nil {
			return recs, err
		}
		body, err := io.ReadAll(r)
		if err != nil {
			return recs, err
		}
		recs = append(recs, record{hdr: *hdr, data: string(body)})
	}
}

func TestRoundTripEveryKind(t *testing.T) {
	in := []record{
		{hdr: Header{Name: ".", Ino: 1, Mode: TypeDir | 0o755, Nlink: 2, Mtime: 1700000000}},
		{hdr: Header{Name: "etc", Ino: 2, Mode: TypeDir | 0o755, Nlink: 2}},
		{hdr: Header{Name: "etc/passwd", Ino: 3, Mode: TypeRegular | 0o644, UID: 0, GID: 0, Nlink: 1, Mtime: 1234}, data: "root:x:0:0::/root:/bin/sh\n"},
		{hdr: Header{Name: "bin", Ino: 4, Mode: TypeDir | 0o755, Nlink: 2}},
		{hdr: Header{Name: "bin/busybox", Ino: 5, Mode: TypeRegular | 0o4755, UID: 1000, GID: 100, Nlink: 2}, data: "ELF..."},
		{hdr: Header{Name: "bin/sh", Ino: 5, Mode: TypeRegular | 0o4755, UID: 1000, GID: 100, Nlink: 2}},
		{hdr: Header{Name: "bin/ls", Ino: 6, Mode: TypeSymlink | 0o777, Nlink: 1}, data: "busybox"},
		{hdr: Header{Name: "dev", Ino: 7, Mode: TypeDir | 0o755, Nlink: 2}},
		{hdr: Header{Name: "dev/console", Ino: 8, Mode: TypeChar | 0o600, Nlink: 1, RDevMajor: 5, RDevMinor: 1}},
		{hdr: Header{Name: "empty", Ino: 9, Mode: TypeRegular | 0o600, Nlink: 1}},
		{hdr: Header{Name: "odd", Ino: 10, Mode: TypeRegular | 0o640, Nlink: 1}, data: "abc"},
	}
	got, err := readArchive(writeArchive(t, in))
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if len(got) != len(in) {
		t.Fatalf("read %d records, wrote %d", len(got), len(in))
	}
	for i := range in {
		want := in[i]
		want.hdr.Size = int64(len(want.data))
		if got[i] != want {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, got[i], want)
		}
	}
}

func TestWriterRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		hdr  Header
	}{
		{"absolute", Header{Name: "/etc/passwd", Mode: TypeRegular}},
		{"dotdot", Header{Name: "../x", Mode: TypeRegular}},
		{"dir with data", Header{Name: "d", Mode: TypeDir, Size: 3}},
		{"empty symlink", Header{Name: "l", Mode: TypeSymlink}},
		{"too big", Header{Name: "big", Mode: TypeRegular, Size: MaxFileSize + 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := NewWriter(io.Discard)
			if err := w.WriteHeader(&tc.hdr); err == nil {
				t.Fatal("WriteHeader succeeded")
			}
		})
	}
	w := NewWriter(io.Discard)
	if err := w.WriteHeader(&Header{Name: "f", Mode: TypeRegular, Size: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("abc")); !errors.Is(err, ErrWriteTooLong) {
		t.Fatalf("Write past size: %v", err)
	}
	if _, err := w.Write([]byte("a")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err == nil {
		t.Fatal("Close with short data succeeded")
	}
}

// rawHeader builds a newc header by hand so tests can corrupt any field.
func rawHeader(fields [13]string, name string) string {
	var b strings.Builder
	b.WriteString("070701")
	for _, f := range fields {
		b.WriteString(f)
	}
	b.WriteString(name)
	b.WriteByte(0)
	for b.Len()%4 != 0 {
		b.WriteByte(0)
	}
	return b.String()
}

func joinFields(f [13]string) string { return strings.Join(f[:], "") }

func hexFields(mode, size, nameSize string) [13]string {
	z := "00000000"
	return [13]string{"00000001", mode, z, z, "00000001", z, size, z, z, z, z, nameSize, z}
}

func TestReaderRejects(t *testing.T) {
	good := writeArchive(t, []record{{hdr: Header{Name: "f", Mode: TypeRegular | 0o644, Nlink: 1}, data: "hello"}})
	trailer := rawHeader(hexFields("00000000", "00000000", "0000000B"), "TRAILER!!!")
	for _, tc := range []struct {
		name    string
		archive string
		want    string
	}{
		{"bad magic", "070707" + string(good[6:]), "bad magic"},
		{"non-hex field", rawHeader(hexFields("000081A4", "0000000G", "00000002"), "f") + trailer, "non-hex"},
		{"absolute name", rawHeader(hexFields("000081A4", "00000000", "00000005"), "/etc") + trailer, "absolute"},
		{"dotdot name", rawHeader(hexFields("000081A4", "00000000", "00000008"), "a/../..") + trailer, "climbs out"},
		{"size past end", rawHeader(hexFields("000081A4", "00001000", "00000002"), "f") + "short", "runs past the end"},
		{"truncated header", string(good[:50]), "header at offset 0"},
		{"no trailer", string(good[:len(good)-len(trailer)]), "without a trailer"},
		{"name not terminated", "070701" + joinFields(hexFields("000081A4", "00000000", "00000002")) + "ab", "NUL-terminated"},
		{"empty", "", "empty archive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readArchive([]byte(tc.archive))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestReaderCleansNamesAndSkipsUnreadData(t *testing.T) {
	data := writeArchive(t, []record{
		{hdr: Header{Name: "./a/./b", Mode: TypeRegular, Nlink: 1}, data: "skipped"},
		{hdr: Header{Name: "c", Mode: TypeRegular, Nlink: 1}, data: "read"},
	})
	r := NewReader(bytes.NewReader(data))
	hdr, err := r.Next()
	if err != nil || hdr.Name != "a/b" {
		t.Fatalf("first = %v, %v", hdr, err)
	}
	hdr, err = r.Next()
	if err != nil || hdr.Name != "c" {
		t.Fatalf("second = %v, %v", hdr, err)
	}
	body, _ := io.ReadAll(r)
	if string(body) != "read" {
		t.Fatalf("data = %q", body)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("after last: %v", err)
	}
}
