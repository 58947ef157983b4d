package elfloader

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// maxTableRead bounds any single table read (dynamic section, string table,
// notes) so a corrupt size field cannot make Parse allocate gigabytes.
const maxTableRead = 64 << 20

// fileReader reads ranges of an ELF file and turns short reads into
// FormatErrors that say what was being read.
type fileReader struct {
	r    io.ReaderAt
	path string
	size int64 // -1 when the reader cannot tell its size
}

func newFileReader(r io.ReaderAt, path string) *fileReader {
	return &fileReader{r: r, path: path, size: sizeOf(r)}
}

// sizeOf returns the size of r if it can report one, or -1.
func sizeOf(r io.ReaderAt) int64 {
	switch v := r.(type) {
	case interface{ Size() int64 }:
		return v.Size()
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() {
			return fi.Size()
		}
	}
	return -1
}

// checkRange verifies that [off, off+n) lies inside the file.
func (f *fileReader) checkRange(off, n uint64, what string) error {
	end := off + n
	if end < off || end > 1<<63-1 {
		return formatErr(f.path, ErrMalformed, "%s: range 0x%x+0x%x overflows", what, off, n)
	}
	if n == 0 {
		return nil
	}
	if f.size >= 0 {
		if end > uint64(f.size) {
			return f.truncated(off, n, what)
		}
		return nil
	}
	var b [1]byte
	if _, err := f.r.ReadAt(b[:], int64(end-1)); err != nil {
		return f.readErr(off, n, what, err)
	}
	return nil
}

// read returns the n bytes at off.
func (f *fileReader) read(off, n uint64, what string) ([]byte, error) {
	if n > maxTableRead {
		return nil, formatErr(f.path, ErrMalformed, "%s: size 0x%x is implausibly large", what, n)
	}
	if err := f.checkRange(off, n, what); err != nil {
		return nil, err
	}
	buf := make([]byte, n)
	if n == 0 {
		return buf, nil
	}
	if got, err := f.r.ReadAt(buf, int64(off)); got < len(buf) {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, f.readErr(off, n, what, err)
	}
	return buf, nil
}

func (f *fileReader) readErr(off, n uint64, what string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return f.truncated(off, n, what)
	}
	return fmt.Errorf("%s: reading %s at offset 0x%x: %w", f.path, what, off, err)
}

func (f *fileReader) truncated(off, n uint64, what string) error {
	if f.size >= 0 {
		return formatErr(f.path, ErrTruncated,
			"truncated file: %s at offset 0x%x (0x%x bytes) extends past the end of the file (%d bytes)",
			what, off, n, f.size)
	}
	return formatErr(f.path, ErrTruncated,
		"truncated file: %s at offset 0x%x (0x%x bytes) extends past the end of the file", what, off, n)
}
