package cpio

import (
	"errors"
	"fmt"
	"io"
)

// ErrWriteTooLong is returned when more data is written than the header announced.
var ErrWriteTooLong = errors.New("cpio: write exceeds the size in the header")

// Writer streams a newc archive. Call WriteHeader, then write exactly
// Header.Size bytes of data, repeat, and finish with Close, which writes the
// trailer. The Writer does not close the underlying io.Writer.
type Writer struct {
	w       io.Writer
	written int64 // bytes written to w so far
	remain  int64 // data bytes still owed for the current record
	pad     int64 // padding owed after the current record's data
	closed  bool
	err     error // sticky error
}

// NewWriter returns a Writer that writes an archive to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Written returns the number of archive bytes written so far.
func (w *Writer) Written() int64 { return w.written }

// WriteHeader finishes the previous record and starts a new one. The name is
// written as given after validation with CleanName.
func (w *Writer) WriteHeader(hdr *Header) error {
	if err := w.finishRecord(); err != nil {
		return err
	}
	name, err := CleanName(hdr.Name)
	if err != nil {
		return fmt.Errorf("cpio: %w", err)
	}
	if hdr.Size < 0 || hdr.Size > MaxFileSize {
		return fmt.Errorf("cpio: %s: size %d does not fit a newc record (limit %d bytes)", name, hdr.Size, int64(MaxFileSize))
	}
	if hdr.IsDir() && hdr.Size != 0 {
		return fmt.Errorf("cpio: %s: a directory record cannot carry data", name)
	}
	if hdr.IsSymlink() && (hdr.Size == 0 || hdr.Size > MaxSymlinkSize) {
		return fmt.Errorf("cpio: %s: symlink target length %d out of range", name, hdr.Size)
	}
	return w.writeRecordHeader(magicNewc, name, hdr)
}

func (w *Writer) writeRecordHeader(magic, name string, hdr *Header) error {
	if len(name)+1 > MaxNameSize {
		return fmt.Errorf("cpio: name %q is longer than %d bytes", name, MaxNameSize-1)
	}
	buf := make([]byte, 0, headerSize+len(name)+4)
	buf = append(buf, magic...)
	for _, v := range [...]uint32{
		hdr.Ino, hdr.Mode, hdr.UID, hdr.GID, hdr.Nlink, hdr.Mtime, uint32(hdr.Size),
		hdr.DevMajor, hdr.DevMinor, hdr.RDevMajor, hdr.RDevMinor,
		uint32(len(name) + 1), 0,
	} {
		buf = fmt.Appendf(buf, "%08X", v)
	}
	buf = append(buf, name...)
	buf = append(buf, 0)
	buf = append(buf, make([]byte, padding(int64(len(buf))))...)
	if err := w.write(buf); err != nil {
		return err
	}
	w.remain = hdr.Size
	w.pad = padding(hdr.Size)
	return nil
}

// Write writes data of the current record.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if int64(len(p)) > w.remain {
		return 0, ErrWriteTooLong
	}
	n, err := w.w.Write(p)
	w.written += int64(n)
	w.remain -= int64(n)
	if err != nil {
		w.err = fmt.Errorf("cpio: write: %w", err)
		return n, w.err
	}
	return n, nil
}

// ReadFrom copies the current record's data from r (used by io.Copy).
func (w *Writer) ReadFrom(r io.Reader) (int64, error) {
	return io.Copy(writerOnly{w}, r)
}

// writerOnly hides ReadFrom so io.Copy does not recurse.
type writerOnly struct{ io.Writer }

// Close finishes the last record and writes the trailer. It does not close
// the underlying writer.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	if err := w.finishRecord(); err != nil {
		return err
	}
	w.closed = true
	return w.writeRecordHeader(magicNewc, trailerName, &Header{Nlink: 1})
}

func (w *Writer) finishRecord() error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return errors.New("cpio: writer is closed")
	}
	if w.remain > 0 {
		w.err = fmt.Errorf("cpio: record data short by %d bytes", w.remain)
		return w.err
	}
	if w.pad > 0 {
		if err := w.write(make([]byte, w.pad)); err != nil {
			return err
		}
		w.pad = 0
	}
	return nil
}

func (w *Writer) write(p []byte) error {
	n, err := w.w.Write(p)
	w.written += int64(n)
	if err != nil {
		w.err = fmt.Errorf("cpio: write: %w", err)
	}
	return w.err
}

// padding returns how many bytes bring n to a multiple of four.
func padding(n int64) int64 { return (4 - n%4) % 4 }
