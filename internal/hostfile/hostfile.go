// Package hostfile reads small files of the host kernel (/proc, /sys)
// the way a start-up can afford.
//
// os.ReadFile puts every file it opens in the Go runtime's poller: a /proc
// or /sys file can be polled, so that costs an epoll_ctl to add it and one
// to remove it on close, besides an fstat and the os.File's bookkeeping.
// On a PVM guest the two epoll_ctl calls cost more than the read (a start
// of elfloader read ten such files: ~0.8 ms of it). ReadFile here makes
// open, read and close, nothing else.
//
// It depends on golang.org/x/sys/unix only.
package hostfile

import (
	"io/fs"

	"golang.org/x/sys/unix"
)

// ReadFile returns the contents of the file at path, as os.ReadFile does
// (errors are *fs.PathError around the errno).
func ReadFile(path string) ([]byte, error) {
	fd, err := open(path)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	buf := make([]byte, 0, 4096)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}

func open(path string) (int, error) {
	for {
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}
