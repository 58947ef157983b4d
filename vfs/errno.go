package vfs

import (
	"errors"

	"golang.org/x/sys/unix"
)

// Errno extracts the errno a syscall handler should return for err: the
// unix.Errno it is or wraps, EIO for any other error, 0 for nil. Every
// error of the syscall-shaped API (OpenAt, File.Read, FDTable ...) is a
// unix.Errno or wraps one.
func Errno(err error) unix.Errno {
	if err == nil {
		return 0
	}
	var e unix.Errno
	if errors.As(err, &e) {
		return e
	}
	return unix.EIO
}
