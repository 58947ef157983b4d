package images

import (
	"fmt"
	"io"
	"time"

	"github.com/elfloader/elfloader/images/cpio"
)

// Kind is the type of a root-filesystem entry.
type Kind uint8

// Entry kinds. Device nodes, FIFOs and sockets are not part of images.
const (
	KindDir Kind = iota + 1
	KindFile
	KindSymlink
	KindHardlink
)

func (k Kind) String() string {
	switch k {
	case KindDir:
		return "dir"
	case KindFile:
		return "file"
	case KindSymlink:
		return "symlink"
	case KindHardlink:
		return "hardlink"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Header describes one entry of a root filesystem.
type Header struct {
	// Path is relative to the root, slash-separated and clean; "." is the
	// root directory itself.
	Path string
	Kind Kind
	// Perm holds the Linux permission bits, including setuid (04000),
	// setgid (02000) and sticky (01000). For a hard link it repeats the
	// target's bits.
	Perm    uint32
	UID     uint32
	GID     uint32
	ModTime time.Time
	// Size is the content length of a KindFile entry; zero otherwise.
	Size int64
	// Linkname is the target of a symlink (any string, never resolved) or,
	// for a hard link, the Path of an entry delivered earlier.
	Linkname string
	// Nlink is a hint: how many names the file has in this tree (0 or 1
	// when it is not hard-linked). Writers use it for the cpio nlink field.
	Nlink uint32
}

// WalkFunc receives the entries of a tree. For a KindFile entry, content
// yields exactly hdr.Size bytes and is valid only during the call; it is nil
// for other kinds.
type WalkFunc func(hdr Header, content io.Reader) error

// CleanPath validates an entry path and returns its canonical form. It
// rejects absolute paths and paths that climb out of the root after
// cleaning.
func CleanPath(p string) (string, error) {
	return cpio.CleanName(p)
}

// validate checks that a header is well formed.
func (h *Header) validate() error {
	clean, err := CleanPath(h.Path)
	if err != nil {
		return err
	}
	if clean != h.Path {
		return fmt.Errorf("path %q is not clean (want %q)", h.Path, clean)
	}
	if h.Perm&^cpio.PermMask != 0 {
		return fmt.Errorf("%s: permission bits %#o out of range", h.Path, h.Perm)
	}
	switch h.Kind {
	case KindDir:
	case KindFile:
		if h.Size < 0 {
			return fmt.Errorf("%s: negative size", h.Path)
		}
	case KindSymlink:
		if h.Linkname == "" || len(h.Linkname) > cpio.MaxSymlinkSize {
			return fmt.Errorf("%s: symlink target length %d out of range", h.Path, len(h.Linkname))
		}
	case KindHardlink:
		if _, err := CleanPath(h.Linkname); err != nil {
			return fmt.Errorf("%s: hard link target: %w", h.Path, err)
		}
	default:
		return fmt.Errorf("%s: unknown kind %v", h.Path, h.Kind)
	}
	if h.Path == "." && h.Kind != KindDir {
		return fmt.Errorf("root entry must be a directory, not a %v", h.Kind)
	}
	return nil
}
