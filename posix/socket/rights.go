package socket

import (
	"sync"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
)

// inFlight carries files that have no host descriptor (the vfs's regular
// files, devices, in-memory objects) through SCM_RIGHTS: the sender puts
// a placeholder in the message, a host memfd whose inode identifies the
// file here, and the receiver trades the placeholder for the file. The
// table holds a reference to each file until it is received. (A message
// that is never received keeps its file's reference for the kernel's
// life.)
type inFlight struct {
	mu    sync.Mutex
	files map[placeholderKey]kernel.File
}

type placeholderKey struct{ dev, ino uint64 }

type inFlightKey struct{}

func flight(t *kernel.Task) *inFlight {
	return t.Kernel().LibraryState(inFlightKey{}, func() any {
		return &inFlight{files: map[placeholderKey]kernel.File{}}
	}).(*inFlight)
}

// send registers f (taking a reference) and returns the placeholder's
// host descriptor, owned by the caller.
func (fl *inFlight) send(f kernel.File) (int, error) {
	pfd, err := unix.MemfdCreate("elfloader-scm-rights", unix.MFD_CLOEXEC)
	if err != nil {
		return -1, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(pfd, &st); err != nil {
		unix.Close(pfd)
		return -1, err
	}
	f.IncRef()
	fl.mu.Lock()
	fl.files[placeholderKey{st.Dev, st.Ino}] = f
	fl.mu.Unlock()
	return pfd, nil
}

// receive returns the file a received host descriptor stands for, with the
// table's reference, or nil when it is not a placeholder.
func (fl *inFlight) receive(st *unix.Stat_t) kernel.File {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	k := placeholderKey{st.Dev, st.Ino}
	f := fl.files[k]
	delete(fl.files, k)
	return f
}

func cmsgAlign(n int) int { return (n + 7) &^ 7 }

// walkCmsgs calls fn for each control message (level, type, data offset,
// data length) in a control buffer, an array of struct cmsghdr each
// followed by its data.
func walkCmsgs(control []byte, fn func(level, typ int32, off, n int) error) error {
	for off := 0; off+unix.SizeofCmsghdr <= len(control); {
		var h unix.Cmsghdr
		kernel.DecodeStruct(control[off:], &h)
		l := int(h.Len)
		if h.Len < unix.SizeofCmsghdr || h.Len > uint64(len(control)-off) {
			return unix.EINVAL
		}
		if err := fn(h.Level, h.Type, off+unix.SizeofCmsghdr, l-unix.SizeofCmsghdr); err != nil {
			return err
		}
		off += cmsgAlign(l)
	}
	return nil
}

// rightsFD reads the descriptor at b, one int of an SCM_RIGHTS array.
func rightsFD(b []byte) int {
	var fd int32
	kernel.DecodeStruct(b, &fd)
	return int(fd)
}

// setRightsFD writes fd at b.
func setRightsFD(b []byte, fd int) {
	v := int32(fd)
	kernel.EncodeStruct(b, &v)
}

// rightsToHost rewrites SCM_RIGHTS descriptors from app fds to host fds.
// It returns the files with a reference each, which the caller holds until
// the host has the message: from then on the message in flight holds the
// host objects, whatever the app closes.
func rightsToHost(t *kernel.Task, control []byte) ([]byte, []kernel.File, error) {
	var held []kernel.File
	out := append([]byte(nil), control...)
	err := walkCmsgs(out, func(level, typ int32, off, n int) error {
		if level != unix.SOL_SOCKET || typ != unix.SCM_RIGHTS {
			return nil
		}
		for i := 0; i+4 <= n; i += 4 {
			fd := rightsFD(out[off+i:])
			f, err := t.Process().Files().Get(fd)
			if err != nil {
				return err
			}
			held = append(held, f)
			p, ok := f.(kernel.Pollable)
			if !ok {
				// A file of the vfs has no host descriptor: a
				// placeholder travels in its place.
				pfd, err := flight(t).send(f)
				if err != nil {
					return err
				}
				held = append(held, kernel.NewOwnedHostFile(pfd, "scm-rights", unix.O_RDONLY))
				setRightsFD(out[off+i:], pfd)
				continue
			}
			setRightsFD(out[off+i:], p.HostFD())
		}
		return nil
	})
	return out, held, err
}

// dropAll drops a reference on each file.
func dropAll(files []kernel.File) {
	for _, f := range files {
		f.DecRef()
	}
}

// rightsFromHost installs received host descriptors as app descriptors and
// rewrites the SCM_RIGHTS data with their numbers.
func rightsFromHost(t *kernel.Task, control []byte, cloexec bool) ([]byte, error) {
	err := walkCmsgs(control, func(level, typ int32, off, n int) error {
		if level != unix.SOL_SOCKET || typ != unix.SCM_RIGHTS {
			return nil
		}
		for i := 0; i+4 <= n; i += 4 {
			hfd := rightsFD(control[off+i:])
			f := receivedFile(t, hfd)
			defer f.DecRef()
			fd, err := t.Process().Files().Install(f, 0, cloexec)
			if err != nil {
				return err
			}
			setRightsFD(control[off+i:], fd)
		}
		return nil
	})
	return control, err
}

// receivedFile is the app file a received host descriptor stands for: the
// file a placeholder carried (the placeholder is closed), or the host
// object itself.
func receivedFile(t *kernel.Task, hfd int) kernel.File {
	var st unix.Stat_t
	if unix.Fstat(hfd, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFREG {
		if f := flight(t).receive(&st); f != nil {
			unix.Close(hfd)
			return f
		}
	}
	return adoptHostFD(t, hfd)
}

// adoptHostFD wraps a host descriptor received from another app socket as
// the kind of app file it is.
func adoptHostFD(t *kernel.Task, hfd int) kernel.File {
	fl, err := unix.FcntlInt(uintptr(hfd), unix.F_GETFL, 0)
	if err != nil {
		fl = unix.O_RDWR
	}
	appFlags := fl & (unix.O_ACCMODE | unix.O_APPEND) // the host side is always non-blocking
	var st unix.Stat_t
	if unix.Fstat(hfd, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFSOCK {
		domain, _ := unix.GetsockoptInt(hfd, unix.SOL_SOCKET, unix.SO_DOMAIN)
		typ, _ := unix.GetsockoptInt(hfd, unix.SOL_SOCKET, unix.SO_TYPE)
		proto, _ := unix.GetsockoptInt(hfd, unix.SOL_SOCKET, unix.SO_PROTOCOL)
		s := newSocket(t, hfd, domain, typ, proto, false)
		s.SetStatusFlags(appFlags)
		return s
	}
	name := "anon_inode:[unknown]"
	if st.Mode&unix.S_IFMT == unix.S_IFIFO {
		name = "pipe"
	}
	return kernel.NewOwnedHostFile(hfd, name, appFlags)
}
