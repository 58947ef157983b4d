package images

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"time"

	"golang.org/x/sys/unix"
)

// HostDirOptions tune NewHostDir.
type HostDirOptions struct {
	// Owners applies the entries' uid/gid (needs CAP_CHOWN); otherwise the
	// files belong to the caller.
	Owners bool
}

// HostDir is a Sink that writes a root filesystem into a host directory, for
// tests and debugging. It cannot escape the directory: every operation goes
// through an os.Root, entry paths are validated, and a parent that is a
// symlink is refused rather than followed. Directory permissions and times
// are applied by Close, after their contents are written.
type HostDir struct {
	root *os.Root
	opts HostDirOptions
	dirs []Header
}

// NewHostDir creates dir if needed and returns a sink writing into it.
func NewHostDir(dir string, opts HostDirOptions) (*HostDir, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("host dir sink: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("host dir sink: %w", err)
	}
	return &HostDir{root: root, opts: opts}, nil
}

// Close applies directory modes, owners and times, and releases the root.
func (h *HostDir) Close() error {
	var errs []error
	// Deepest first, so setting a parent's time is not undone by a child.
	for _, d := range slices.Backward(h.dirs) {
		if err := h.finishDir(d); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", d.Path, err))
		}
	}
	h.dirs = nil
	errs = append(errs, h.root.Close())
	return errors.Join(errs...)
}

func (h *HostDir) finishDir(d Header) error {
	if h.opts.Owners {
		if err := h.root.Lchown(d.Path, int(d.UID), int(d.GID)); err != nil {
			return err
		}
	}
	if err := h.root.Chmod(d.Path, fileMode(d.Perm)|fs.ModeDir); err != nil {
		return err
	}
	return h.setTimes(d)
}

// checkParents validates p and refuses to work under a parent that is not a
// real directory.
func (h *HostDir) checkParents(p string) error {
	if clean, err := CleanPath(p); err != nil {
		return err
	} else if clean != p {
		return fmt.Errorf("path %q is not clean", p)
	}
	for dir := parentDir(p); dir != "."; dir = parentDir(dir) {
		st, err := h.root.Lstat(dir)
		if err != nil {
			return fmt.Errorf("parent %q: %w", dir, err)
		}
		if !st.IsDir() {
			return fmt.Errorf("parent %q is not a directory (symlinks are never followed)", dir)
		}
	}
	return nil
}

// clear removes a non-directory at p so it can be replaced.
func (h *HostDir) clear(p string) error {
	st, err := h.root.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if st.IsDir() {
		return fmt.Errorf("a directory already exists there")
	}
	return h.root.Remove(p)
}

// Dir implements Sink.
func (h *HostDir) Dir(hdr Header) error {
	if hdr.Path != "." {
		if err := h.checkParents(hdr.Path); err != nil {
			return err
		}
		st, err := h.root.Lstat(hdr.Path)
		switch {
		case err == nil && !st.IsDir():
			if err := h.root.Remove(hdr.Path); err != nil {
				return err
			}
			fallthrough
		case errors.Is(err, fs.ErrNotExist):
			if err := h.root.Mkdir(hdr.Path, 0o700); err != nil {
				return err
			}
		case err != nil:
			return err
		}
	}
	h.dirs = append(h.dirs, hdr)
	return nil
}

// File implements Sink.
func (h *HostDir) File(hdr Header, content io.Reader) error {
	if hdr.Size > 0 && content == nil {
		return fmt.Errorf("no content for a %d-byte file", hdr.Size)
	}
	if err := h.checkParents(hdr.Path); err != nil {
		return err
	}
	if err := h.clear(hdr.Path); err != nil {
		return err
	}
	f, err := h.root.OpenFile(hdr.Path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	if hdr.Size > 0 {
		if _, err := io.CopyN(f, content, hdr.Size); err != nil {
			f.Close()
			return fmt.Errorf("write content: %w", err)
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	return h.finishFile(hdr)
}

func (h *HostDir) finishFile(hdr Header) error {
	if h.opts.Owners {
		if err := h.root.Lchown(hdr.Path, int(hdr.UID), int(hdr.GID)); err != nil {
			return err
		}
	}
	// Chmod after chown: chown clears setuid/setgid bits.
	if err := h.root.Chmod(hdr.Path, fileMode(hdr.Perm)); err != nil {
		return err
	}
	return h.setTimes(hdr)
}

// Symlink implements Sink.
func (h *HostDir) Symlink(hdr Header, target string) error {
	if err := h.checkParents(hdr.Path); err != nil {
		return err
	}
	if err := h.clear(hdr.Path); err != nil {
		return err
	}
	if err := h.root.Symlink(target, hdr.Path); err != nil {
		return err
	}
	if h.opts.Owners {
		return h.root.Lchown(hdr.Path, int(hdr.UID), int(hdr.GID))
	}
	return nil
}

// Hardlink implements Sink.
func (h *HostDir) Hardlink(hdr Header, target string) error {
	if err := h.checkParents(hdr.Path); err != nil {
		return err
	}
	if err := h.checkParents(target); err != nil {
		return fmt.Errorf("hard link target: %w", err)
	}
	if st, err := h.root.Lstat(target); err != nil {
		return fmt.Errorf("hard link target: %w", err)
	} else if !st.Mode().IsRegular() {
		return fmt.Errorf("hard link target %q is not a regular file", target)
	}
	if err := h.clear(hdr.Path); err != nil {
		return err
	}
	return h.root.Link(target, hdr.Path)
}

func (h *HostDir) setTimes(hdr Header) error {
	if hdr.ModTime.IsZero() {
		return nil
	}
	return h.root.Chtimes(hdr.Path, time.Time{}, hdr.ModTime)
}

// fileMode converts Linux permission bits to an fs.FileMode.
func fileMode(perm uint32) fs.FileMode {
	m := fs.FileMode(perm & 0o777)
	if perm&unix.S_ISUID != 0 {
		m |= fs.ModeSetuid
	}
	if perm&unix.S_ISGID != 0 {
		m |= fs.ModeSetgid
	}
	if perm&unix.S_ISVTX != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// linuxPerm converts an fs.FileMode's permission bits to Linux bits.
func linuxPerm(m fs.FileMode) uint32 {
	perm := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		perm |= unix.S_ISUID
	}
	if m&fs.ModeSetgid != 0 {
		perm |= unix.S_ISGID
	}
	if m&fs.ModeSticky != 0 {
		perm |= unix.S_ISVTX
	}
	return perm
}

func parentDir(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[:i]
		}
	}
	return "."
}
