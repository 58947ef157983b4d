package overlay

import (
	"context"
	"sync"

	"github.com/elfloader/elfloader/vfs"
	"golang.org/x/sys/unix"
)

// listUpper returns the whiteout entries of an upper directory, or
// ENOTEMPTY if it holds anything else.
func listUpper(u vfs.Inode) ([]vfs.DirEntry, error) {
	entries, err := readAll(u)
	if err != nil {
		return nil, err
	}
	var wh []vfs.DirEntry
	for _, e := range entries {
		c, err := u.Lookup(e.Name)
		if err != nil {
			return nil, err
		}
		if !isWhiteout(c) {
			return nil, unix.ENOTEMPTY
		}
		wh = append(wh, e)
	}
	return wh, nil
}

// openDir opens a directory inode for listing.
func openDir(in vfs.Inode) (dirReaderFile, error) {
	f, err := in.Open(unix.O_RDONLY | unix.O_DIRECTORY)
	if err != nil {
		return nil, err
	}
	dr, ok := f.(dirReaderFile)
	if !ok {
		f.Release()
		return nil, unix.ENOTDIR
	}
	return dr, nil
}

// dirReaderFile is an open directory of a layer.
type dirReaderFile interface {
	vfs.FileImpl
	vfs.DirReader
}

// readAll lists a directory inode without "." and "..".
func readAll(in vfs.Inode) ([]vfs.DirEntry, error) {
	dr, err := openDir(in)
	if err != nil {
		return nil, err
	}
	defer dr.Release()
	var out []vfs.DirEntry
	err = dr.ReadDir(0, func(e vfs.DirEntry) bool {
		if e.Name != "." && e.Name != ".." {
			out = append(out, e)
		}
		return true
	})
	return out, err
}

// parentIno is the inode number of the directory's parent (its own for
// the root).
func (n *node) parentIno() uint64 {
	if n.parent != nil {
		return n.parent.ino
	}
	return n.ino
}

// mergedLocked lists the merged directory: ".", "..", upper entries that
// are not whiteouts, then lower entries not hidden. Cookies are positions.
func (n *node) mergedLocked() ([]vfs.DirEntry, error) {
	out := []vfs.DirEntry{{Name: ".", Ino: n.ino, Type: unix.DT_DIR}, {Name: "..", Ino: n.parentIno(), Type: unix.DT_DIR}}
	seen := make(map[string]bool)
	if u := n.upperLocked(); u != nil {
		entries, err := readAll(u)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			seen[e.Name] = true
			if e.Type == unix.DT_CHR {
				if c, err := u.Lookup(e.Name); err == nil && isWhiteout(c) {
					continue
				}
			}
			c, err := n.lookupLocked(e.Name)
			if err != nil {
				continue
			}
			out = append(out, vfs.DirEntry{Name: e.Name, Ino: c.ino, Type: e.Type})
		}
	}
	if n.lower != nil && !n.opaque() {
		entries, err := readAll(n.lower)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if !seen[e.Name] {
				out = append(out, e)
			}
		}
	}
	for i := range out {
		out[i].Next = int64(i + 1)
	}
	return out, nil
}

// dirFile is an open overlay directory. A directory that has no upper
// directory (nothing of it was ever created, changed or removed through
// the overlay) lists its lower directory directly, with the lower's
// cookies, as Linux's overlayfs reads a "pure" lower directory: python3's
// start lists a dozen such directories, and merging them copied every
// entry twice. Once it gains an upper directory, a listing restarted at
// cookie 0 merges; a merged listing is a snapshot taken when reading
// starts (or restarts at cookie 0).
type dirFile struct {
	n        *node
	mu       sync.Mutex
	snapshot []vfs.DirEntry
	lower    dirReaderFile // the pure lower directory being listed
}

func (d *dirFile) Read(context.Context, []byte, int64, bool) (int, error) { return 0, unix.EISDIR }
func (d *dirFile) Write(context.Context, []byte, int64, bool) (int, error) {
	return 0, unix.EBADF
}
func (d *dirFile) Size() (int64, error) { return 0, nil }

func (d *dirFile) Release() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.dropLowerLocked()
}

func (d *dirFile) dropLowerLocked() {
	if d.lower != nil {
		d.lower.Release()
		d.lower = nil
	}
}

// ReadDir implements vfs.DirReader.
func (d *dirFile) ReadDir(cookie int64, yield func(vfs.DirEntry) bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if cookie == 0 || (d.snapshot == nil && d.lower == nil) {
		d.dropLowerLocked()
		d.snapshot = nil
		d.n.fs.mu.Lock()
		pure := d.n.lower != nil && d.n.upperLocked() == nil
		var err error
		if !pure {
			d.snapshot, err = d.n.mergedLocked()
		}
		d.n.fs.mu.Unlock()
		if err != nil {
			return err
		}
		if pure {
			if d.lower, err = openDir(d.n.lower); err != nil {
				return err
			}
		}
	}
	if d.lower != nil {
		return d.readLowerLocked(cookie, yield)
	}
	for i := cookie; i >= 0 && i < int64(len(d.snapshot)); i++ {
		if !yield(d.snapshot[i]) {
			break
		}
	}
	return nil
}

// readLowerLocked lists the lower directory from cookie; "." and ".."
// carry the overlay's inode numbers, as a merged listing does.
func (d *dirFile) readLowerLocked(cookie int64, yield func(vfs.DirEntry) bool) error {
	d.n.fs.mu.Lock()
	self, parent := d.n.ino, d.n.parentIno()
	d.n.fs.mu.Unlock()
	return d.lower.ReadDir(cookie, func(e vfs.DirEntry) bool {
		switch e.Name {
		case ".":
			e.Ino = self
		case "..":
			e.Ino = parent
		}
		return yield(e)
	})
}
