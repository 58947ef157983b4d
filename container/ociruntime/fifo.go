package ociruntime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// WaitStart is the init's side of runc's exec.fifo: opening the fifo for
// writing blocks until `start` opens it for reading; the init then writes
// one byte and goes on to run the app. It returns when start came or the
// open failed.
func (s Store) WaitStart(id string) error {
	f, err := os.OpenFile(filepath.Join(s.Root, id, fifoFile), os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("waiting for start: %w", err)
	}
	defer f.Close()
	if _, err := f.Write([]byte{'0'}); err != nil {
		return fmt.Errorf("waiting for start: %w", err)
	}
	return nil
}

// MarkStarted removes the fifo of a container whose init runs at once
// (run in the foreground).
func (s Store) MarkStarted(id string) error {
	return os.Remove(filepath.Join(s.Root, id, fifoFile))
}

// Start releases a created container's init: it opens the fifo for
// reading (without blocking, so that an init that died does not hang
// start), reads the init's byte and removes the fifo. timeout bounds the
// wait for the byte.
func (s Store) Start(r *Record, timeout time.Duration) error {
	p := filepath.Join(s.Root, r.ID, fifoFile)
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("cannot start a container that is not in created state (%s)", s.Status(r))
	}
	if err != nil {
		return fmt.Errorf("exec fifo: %w", err)
	}
	defer unix.Close(fd)
	deadline := time.Now().Add(timeout)
	for {
		var b [1]byte
		n, err := unix.Read(fd, b[:])
		if n == 1 {
			return os.Remove(p)
		}
		if err != nil && !errors.Is(err, unix.EAGAIN) {
			return fmt.Errorf("exec fifo: %w", err)
		}
		if !r.Alive() {
			return fmt.Errorf("cannot start a container that has stopped")
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("container %s: its init did not answer start within %s", r.ID, timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
