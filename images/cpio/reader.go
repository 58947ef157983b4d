package cpio

import (
	"errors"
	"fmt"
	"io"
)

// Reader reads a newc archive record by record. After Next, Read returns the
// record's data.
type Reader struct {
	r      io.Reader
	offset int64 // archive bytes consumed
	remain int64 // unread data of the current record
	pad    int64
	crc    bool   // current record is "070702": verify the checksum
	sum    uint32 // running checksum of the current record's data
	want   uint32
	name   string
	done   bool
	err    error
}

// NewReader returns a Reader that reads an archive from r.
func NewReader(r io.Reader) *Reader { return &Reader{r: r} }

// Offset returns the number of archive bytes consumed so far.
func (r *Reader) Offset() int64 { return r.offset }

// Next advances to the next record, skipping any unread data of the current
// one. It returns io.EOF after the trailer. The returned name is cleaned
// (see CleanName).
func (r *Reader) Next() (*Header, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.done {
		return nil, io.EOF
	}
	hdr, err := r.next()
	if err != nil {
		r.err = err
		return nil, err
	}
	return hdr, nil
}

func (r *Reader) next() (*Header, error) {
	if r.remain > 0 {
		if _, err := io.Copy(io.Discard, r); err != nil {
			return nil, err
		}
	}
	if err := r.checkSum(); err != nil {
		return nil, err
	}
	if err := r.skip(r.pad); err != nil {
		return nil, err
	}
	start := r.offset
	var raw [headerSize]byte
	if err := r.readFull(raw[:]); err != nil {
		if errors.Is(err, io.EOF) && start > 0 {
			return nil, fmt.Errorf("cpio: archive ends at offset %d without a trailer", start)
		}
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("cpio: empty archive")
		}
		return nil, fmt.Errorf("cpio: header at offset %d: %w", start, err)
	}
	magic := string(raw[:6])
	if magic != magicNewc && magic != magicNewcCRC {
		return nil, fmt.Errorf("cpio: bad magic %q at offset %d (want %q)", magic, start, magicNewc)
	}
	var fields [13]uint32
	fieldNames := [13]string{"ino", "mode", "uid", "gid", "nlink", "mtime", "filesize",
		"devmajor", "devminor", "rdevmajor", "rdevminor", "namesize", "check"}
	for i := range fields {
		v, err := parseHex(raw[6+8*i : 14+8*i])
		if err != nil {
			return nil, fmt.Errorf("cpio: header at offset %d: field %s: %w", start, fieldNames[i], err)
		}
		fields[i] = v
	}
	hdr := &Header{
		Ino: fields[0], Mode: fields[1], UID: fields[2], GID: fields[3], Nlink: fields[4],
		Mtime: fields[5], Size: int64(fields[6]), DevMajor: fields[7], DevMinor: fields[8],
		RDevMajor: fields[9], RDevMinor: fields[10], Check: fields[12],
	}
	nameSize := int64(fields[11])
	if nameSize < 1 || nameSize > MaxNameSize {
		return nil, fmt.Errorf("cpio: header at offset %d: name size %d out of range", start, nameSize)
	}
	nameBuf := make([]byte, nameSize)
	if err := r.readFull(nameBuf); err != nil {
		return nil, fmt.Errorf("cpio: name at offset %d: %w", start+headerSize, err)
	}
	if nameBuf[nameSize-1] != 0 {
		return nil, fmt.Errorf("cpio: name at offset %d is not NUL-terminated", start+headerSize)
	}
	rawName := string(nameBuf[:nameSize-1])
	if err := r.skip(padding(headerSize + nameSize)); err != nil {
		return nil, fmt.Errorf("cpio: name padding at offset %d: %w", r.offset, err)
	}
	if rawName == trailerName {
		r.done = true
		return nil, io.EOF
	}
	name, err := CleanName(rawName)
	if err != nil {
		return nil, fmt.Errorf("cpio: record at offset %d: %w", start, err)
	}
	hdr.Name = name
	switch {
	case hdr.IsDir() && hdr.Size != 0:
		return nil, fmt.Errorf("cpio: %s: directory record carries %d bytes of data", name, hdr.Size)
	case hdr.IsSymlink() && (hdr.Size == 0 || hdr.Size > MaxSymlinkSize):
		return nil, fmt.Errorf("cpio: %s: symlink target length %d out of range", name, hdr.Size)
	}
	r.name = name
	r.remain = hdr.Size
	r.pad = padding(hdr.Size)
	r.crc = magic == magicNewcCRC
	r.sum, r.want = 0, hdr.Check
	return hdr, nil
}

// Read reads data of the current record. It returns io.EOF at the end of the
// record's data and an error wrapping io.ErrUnexpectedEOF when the archive
// ends before the data the header announced.
func (r *Reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.remain == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.remain {
		p = p[:r.remain]
	}
	n, err := r.r.Read(p)
	r.offset += int64(n)
	r.remain -= int64(n)
	if r.crc {
		for _, b := range p[:n] {
			r.sum += uint32(b)
		}
	}
	if errors.Is(err, io.EOF) {
		if r.remain > 0 {
			r.err = fmt.Errorf("cpio: %s: data runs past the end of the archive (%d bytes missing): %w",
				r.name, r.remain, io.ErrUnexpectedEOF)
			return n, r.err
		}
		err = nil
	}
	if err != nil {
		r.err = fmt.Errorf("cpio: %s: read data: %w", r.name, err)
		return n, r.err
	}
	if r.remain == 0 {
		if err := r.checkSum(); err != nil {
			r.err = err
			return n, err
		}
	}
	return n, nil
}

// ReadLink reads the current record's data as a symlink target.
func (r *Reader) ReadLink() (string, error) {
	if r.remain > MaxSymlinkSize {
		return "", fmt.Errorf("cpio: %s: symlink target too long", r.name)
	}
	buf := make([]byte, r.remain)
	if _, err := io.ReadFull(r, buf); err != nil {
		return "", err
	}
	return string(buf), nil
}

func (r *Reader) checkSum() error {
	if r.crc && r.remain == 0 {
		r.crc = false
		if r.sum != r.want {
			return fmt.Errorf("cpio: %s: data checksum %08x does not match header %08x", r.name, r.sum, r.want)
		}
	}
	return nil
}

func (r *Reader) readFull(p []byte) error {
	n, err := io.ReadFull(r.r, p)
	r.offset += int64(n)
	return err
}

func (r *Reader) skip(n int64) error {
	if n == 0 {
		return nil
	}
	var buf [4]byte
	if err := r.readFull(buf[:n]); err != nil {
		if errors.Is(err, io.EOF) {
			return io.ErrUnexpectedEOF
		}
		return err
	}
	return nil
}

func parseHex(b []byte) (uint32, error) {
	var v uint32
	for _, c := range b {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, fmt.Errorf("non-hex byte %q in %q", c, b)
		}
		v = v<<4 | uint32(d)
	}
	return v, nil
}
