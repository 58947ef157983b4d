package container

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/images"
	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
)

// progressSink counts the content bytes passing through to a sink.
type progressSink struct {
	images.Sink
	done, total int64
	bar         images.Progress
}

func (s *progressSink) File(hdr images.Header, content io.Reader) error {
	err := s.Sink.File(hdr, content)
	s.done += hdr.Size
	s.bar.Report(s.done, s.total)
	return err
}

// VFSSink writes an image's root filesystem through the vfs API, as root,
// below ctx.Root (a fresh ramfs). Owners, modes, times, symlinks and hard
// links are kept. Directory times are applied by finish, after their
// contents were written.
type VFSSink struct {
	ctx  *vfs.Context
	dirs []images.Header
	buf  []byte
}

func NewVFSSink(ctx *vfs.Context) *VFSSink {
	ctx.Cred = vfs.Cred{} // root: every owner and mode can be set
	return &VFSSink{ctx: ctx, buf: make([]byte, 256<<10)}
}

func guestPath(p string) string {
	if p == "." {
		return "/"
	}
	return "/" + p
}

// Dir implements images.Sink.
func (s *VFSSink) Dir(hdr images.Header) error {
	p := guestPath(hdr.Path)
	if p != "/" {
		err := vfs.MkdirAt(s.ctx, s.ctx.Root, p, hdr.Perm&0o7777)
		if errors.Is(err, unix.ENOENT) && s.makeParents(p) {
			err = vfs.MkdirAt(s.ctx, s.ctx.Root, p, hdr.Perm&0o7777)
		}
		if errors.Is(err, unix.EEXIST) {
			st, serr := vfs.StatAt(s.ctx, s.ctx.Root, p, unix.AT_SYMLINK_NOFOLLOW)
			if serr == nil && st.Mode&unix.S_IFMT != unix.S_IFDIR {
				if err = s.remove(p); err == nil {
					err = vfs.MkdirAt(s.ctx, s.ctx.Root, p, hdr.Perm&0o7777)
				}
			} else {
				err = nil
			}
		}
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	if err := s.attrs(p, hdr, false); err != nil {
		return err
	}
	s.dirs = append(s.dirs, hdr)
	return nil
}

// create makes the regular file of hdr, replacing what is at its path.
func (s *VFSSink) create(p string, hdr images.Header) (*vfs.File, error) {
	if err := s.remove(p); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	how := vfs.OpenHow{Flags: unix.O_WRONLY | unix.O_CREAT | unix.O_EXCL | unix.O_NOFOLLOW, Mode: hdr.Perm & 0o777}
	f, err := vfs.OpenAt(s.ctx, s.ctx.Root, p, how)
	if errors.Is(err, unix.ENOENT) && s.makeParents(p) {
		f, err = vfs.OpenAt(s.ctx, s.ctx.Root, p, how)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return f, nil
}

// lazyContent is a filesystem whose files can take their bytes on first
// use (ramfs).
type lazyContent interface {
	SetLazyContent(size int64, load func() (io.Reader, error)) error
}

// LazyFile makes the regular file of hdr with content that load returns
// when the app first opens it (an indexed image's file, decompressed
// then). The root must be a ramfs.
func (s *VFSSink) LazyFile(hdr images.Header, load func() (io.Reader, error)) error {
	return s.fileWith(hdr, func(in vfs.Inode) error {
		lc, ok := in.(lazyContent)
		if !ok {
			return errors.New("the root filesystem cannot load files on demand")
		}
		return lc.SetLazyContent(hdr.Size, load)
	})
}

// ExtentFile makes the regular file of hdr with content that is a range
// of a host file, which open returns on the app's first open of it (an
// image's stored file, mapped from the image). The root must be a ramfs.
func (s *VFSSink) ExtentFile(hdr images.Header, open func() (ramfs.Extent, error)) error {
	return s.fileWith(hdr, func(in vfs.Inode) error {
		n, ok := in.(*ramfs.Inode)
		if !ok {
			return errors.New("the root filesystem cannot hold files mapped from the image")
		}
		return n.SetExtentContent(hdr.Size, open)
	})
}

// fileWith makes the regular file of hdr, lets set give its inode its
// content, then applies hdr's attributes.
func (s *VFSSink) fileWith(hdr images.Header, set func(in vfs.Inode) error) error {
	p := guestPath(hdr.Path)
	f, err := s.create(p, hdr)
	if err != nil {
		return err
	}
	defer f.DecRef()
	if err := set(f.Location().Inode()); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return s.attrs(p, hdr, true)
}

// File implements images.Sink.
func (s *VFSSink) File(hdr images.Header, content io.Reader) error {
	p := guestPath(hdr.Path)
	f, err := s.create(p, hdr)
	if err != nil {
		return err
	}
	defer f.DecRef()
	var written int64
	for written < hdr.Size {
		n, rerr := content.Read(s.buf)
		for off := 0; off < n; {
			m, werr := f.Write(context.Background(), s.buf[off:n])
			if werr != nil {
				return fmt.Errorf("%s: %w", p, werr)
			}
			off += m
		}
		written += int64(n)
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return fmt.Errorf("%s: %w", p, rerr)
		}
	}
	if written != hdr.Size {
		return fmt.Errorf("%s: %d bytes of content, want %d", p, written, hdr.Size)
	}
	return s.attrs(p, hdr, true)
}

// Symlink implements images.Sink.
func (s *VFSSink) Symlink(hdr images.Header, target string) error {
	p := guestPath(hdr.Path)
	if err := s.remove(p); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	err := vfs.SymlinkAt(s.ctx, target, s.ctx.Root, p)
	if errors.Is(err, unix.ENOENT) && s.makeParents(p) {
		err = vfs.SymlinkAt(s.ctx, target, s.ctx.Root, p)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	if err := vfs.ChownAt(s.ctx, s.ctx.Root, p, int(hdr.UID), int(hdr.GID), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return s.times(p, hdr)
}

// Hardlink implements images.Sink.
func (s *VFSSink) Hardlink(hdr images.Header, target string) error {
	p := guestPath(hdr.Path)
	if err := s.remove(p); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	err := vfs.LinkAt(s.ctx, s.ctx.Root, guestPath(target), s.ctx.Root, p, 0)
	if errors.Is(err, unix.ENOENT) && s.makeParents(p) {
		err = vfs.LinkAt(s.ctx, s.ctx.Root, guestPath(target), s.ctx.Root, p, 0)
	}
	if err != nil {
		return fmt.Errorf("%s: link to %s: %w", p, target, err)
	}
	return nil
}

// Finish applies the directories' times, now that nothing is added to them.
func (s *VFSSink) Finish() error {
	for i := len(s.dirs) - 1; i >= 0; i-- {
		if err := s.times(guestPath(s.dirs[i].Path), s.dirs[i]); err != nil {
			return err
		}
	}
	s.dirs = nil
	return nil
}

// makeParents creates the missing parents of p (mode 0755, owner 0:0, as
// image writers do) and reports whether it did.
func (s *VFSSink) makeParents(p string) bool {
	return MkdirAll(s.ctx, path.Dir(p)) == nil
}

// remove unlinks a non-directory at p if there is one.
func (s *VFSSink) remove(p string) error {
	err := vfs.UnlinkAt(s.ctx, s.ctx.Root, p, 0)
	if err == nil || errors.Is(err, unix.ENOENT) {
		return nil
	}
	return err
}

// attrs sets owner then mode (a chown clears setuid/setgid) and, for
// non-directories, the times.
func (s *VFSSink) attrs(p string, hdr images.Header, withTimes bool) error {
	if err := vfs.ChownAt(s.ctx, s.ctx.Root, p, int(hdr.UID), int(hdr.GID), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	if err := vfs.ChmodAt(s.ctx, s.ctx.Root, p, hdr.Perm&0o7777, 0); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	if withTimes {
		return s.times(p, hdr)
	}
	return nil
}

func (s *VFSSink) times(p string, hdr images.Header) error {
	ts := unix.NsecToTimespec(hdr.ModTime.UnixNano())
	if hdr.ModTime.IsZero() {
		ts = unix.NsecToTimespec(0)
	}
	times := [2]unix.Timespec{ts, ts}
	if err := vfs.UtimensAt(s.ctx, s.ctx.Root, p, &times, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return nil
}
