package kernel

import (
	"os"

	"golang.org/x/sys/unix"
)

// HostFile is an app file backed by a host descriptor the user handed over
// (the console: elfloader's own stdin, stdout and stderr).
type HostFile struct {
	f *os.File
}

// NewHostFile wraps f; Close does not close the host descriptor.
func NewHostFile(f *os.File) *HostFile { return &HostFile{f: f} }

// FD is the host descriptor.
func (h *HostFile) FD() int { return int(h.f.Fd()) }

func retryEINTR(fn func() (int, error)) (int, error) {
	for {
		n, err := fn()
		if err != unix.EINTR {
			return n, err
		}
	}
}

// Read implements File.
func (h *HostFile) Read(t *Task, p []byte) (int, error) {
	n, err := retryEINTR(func() (int, error) { return unix.Read(h.FD(), p) })
	if n < 0 {
		n = 0
	}
	return n, err
}

// Write implements File.
func (h *HostFile) Write(t *Task, p []byte) (int, error) {
	n, err := retryEINTR(func() (int, error) { return unix.Write(h.FD(), p) })
	if n < 0 {
		n = 0
	}
	return n, err
}

// Close implements File; the host descriptor stays open.
func (h *HostFile) Close() error { return nil }

// Ioctl answers the read-only terminal requests from the host terminal, if
// the console is one; ENOTTY otherwise.
func (h *HostFile) Ioctl(t *Task, req, arg uint64) (uint64, error) {
	switch req {
	case unix.TCGETS:
		tio, err := unix.IoctlGetTermios(h.FD(), unix.TCGETS)
		if err != nil {
			return 0, err
		}
		return 0, t.CopyOut(arg, termiosBytes(tio))
	case unix.TIOCGWINSZ:
		ws, err := unix.IoctlGetWinsize(h.FD(), unix.TIOCGWINSZ)
		if err != nil {
			return 0, err
		}
		return 0, t.CopyOut(arg, winsizeBytes(ws))
	case unix.TIOCGPGRP:
		if _, err := unix.IoctlGetTermios(h.FD(), unix.TCGETS); err != nil {
			return 0, err
		}
		return 0, t.CopyOut(arg, []byte{byte(t.p.PID), byte(t.p.PID >> 8), 0, 0})
	case 0x541B: // FIONREAD
		n, err := unix.IoctlGetInt(h.FD(), 0x541B)
		if err != nil {
			return 0, err
		}
		return 0, t.CopyOut(arg, []byte{byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)})
	case unix.TCSETS, unix.TCSETSW, unix.TCSETSF, unix.TIOCSWINSZ, unix.TIOCSPGRP:
		// The console's settings belong to the user's terminal: accept and
		// ignore when it is a terminal.
		if _, err := unix.IoctlGetTermios(h.FD(), unix.TCGETS); err != nil {
			return 0, err
		}
		return 0, nil
	}
	return 0, unix.ENOTTY
}

// Stat implements Stater with the host descriptor's attributes.
func (h *HostFile) Stat(t *Task) (unix.Stat_t, error) {
	var st unix.Stat_t
	err := unix.Fstat(h.FD(), &st)
	return st, err
}

// Seek implements Seeker.
func (h *HostFile) Seek(t *Task, off int64, whence int) (int64, error) {
	return unix.Seek(h.FD(), off, whence)
}

// OwnedHostFile is a HostFile whose descriptor belongs to the app (a pipe
// end): closing the last reference closes the host descriptor.
type OwnedHostFile struct{ HostFile }

// NewOwnedHostFile takes ownership of a host descriptor.
func NewOwnedHostFile(fd int, name string) *OwnedHostFile {
	return &OwnedHostFile{HostFile{f: os.NewFile(uintptr(fd), name)}}
}

// Close implements File.
func (o *OwnedHostFile) Close() error { return o.f.Close() }
