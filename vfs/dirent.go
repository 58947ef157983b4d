package vfs

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// direntHeader is the fixed part of struct linux_dirent64: d_ino (8),
// d_off (8), d_reclen (2), d_type (1).
const direntHeader = 19

func direntSize(name string) int {
	return (direntHeader + len(name) + 1 + 7) &^ 7
}

// Getdents64 implements getdents64(2): it encodes linux_dirent64 records
// into buf starting at the file offset (a directory cookie) and advances
// it. It returns 0 at the end of the directory, ENOTDIR for a
// non-directory and EINVAL if buf cannot hold a single record.
func (f *File) Getdents64(buf []byte) (int, error) {
	return f.Getdents64Writable(buf, len(buf))
}

// Getdents64Writable is Getdents64 for a caller whose buffer can take only
// its first writable bytes (the rest would fault): records that do not end
// within them are not consumed, and EFAULT is returned when not even the
// first one does (as Linux does when copying a record out faults).
func (f *File) Getdents64Writable(buf []byte, writable int) (int, error) {
	if f.impl == nil {
		return 0, unix.EBADF
	}
	dr, ok := f.impl.(DirReader)
	if !ok {
		return 0, unix.ENOTDIR
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	tooSmall, fault := false, false
	err := dr.ReadDir(f.off, func(e DirEntry) bool {
		size := direntSize(e.Name)
		if n+size > len(buf) {
			tooSmall = n == 0
			return false
		}
		if n+size > writable {
			fault = n == 0
			return false
		}
		rec := buf[n : n+size]
		binary.LittleEndian.PutUint64(rec[0:], e.Ino)
		binary.LittleEndian.PutUint64(rec[8:], uint64(e.Next))
		binary.LittleEndian.PutUint16(rec[16:], uint16(size))
		rec[18] = e.Type
		copy(rec[direntHeader:], e.Name)
		clear(rec[direntHeader+len(e.Name):])
		f.off = e.Next
		n += size
		return true
	})
	if n > 0 {
		return n, nil
	}
	if err != nil {
		return 0, err
	}
	if tooSmall {
		return 0, unix.EINVAL
	}
	if fault {
		return 0, unix.EFAULT
	}
	return 0, nil
}

// ParseDirents64 decodes linux_dirent64 records (the inverse of
// Getdents64; for tests and for the legacy getdents syscall). Ino, Next,
// Type and Name are filled in. Malformed trailing bytes are ignored.
func ParseDirents64(buf []byte) []DirEntry {
	var out []DirEntry
	EachDirent64(buf, func(e DirEntry) bool {
		out = append(out, e)
		return true
	})
	return out
}

// EachDirent64 decodes linux_dirent64 records one by one into yield, until
// it returns false (EachDirent64 then returns false too) or the records
// end. Malformed trailing bytes are ignored.
func EachDirent64(buf []byte, yield func(DirEntry) bool) bool {
	for len(buf) >= direntHeader {
		reclen := int(binary.LittleEndian.Uint16(buf[16:]))
		if reclen < direntHeader || reclen > len(buf) {
			break
		}
		name := buf[direntHeader:reclen]
		for i, c := range name {
			if c == 0 {
				name = name[:i]
				break
			}
		}
		if !yield(DirEntry{
			Ino:  binary.LittleEndian.Uint64(buf[0:]),
			Next: int64(binary.LittleEndian.Uint64(buf[8:])),
			Type: buf[18],
			Name: string(name),
		}) {
			return false
		}
		buf = buf[reclen:]
	}
	return true
}
