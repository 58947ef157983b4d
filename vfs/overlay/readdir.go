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

// readAll lists a directory inode without "." and "..".
func readAll(in vfs.Inode) ([]vfs.DirEntry, error) {
	f, err := in.Open(unix.O_RDONLY | unix.O_DIRECTORY)
	if err != nil {
		return nil, err
	}
	defer f.Release()
	dr, ok := f.(vfs.DirReader)
	if !ok {
		return nil, unix.ENOTDIR
	}
	var out []vfs.DirEntry
	err = dr.ReadDir(0, func(e vfs.DirEntry) bool {
		if e.Name != "." && e.Name != ".." {
			out = append(out, e)
		}
		return true
	})
	return out, err
}

// mergedLocked lists the merged directory: ".", "..", upper entries that
// are not whiteouts, then lower entries not hidden. Cookies are positions.
func (n *node) mergedLocked() ([]vfs.DirEntry, error) {
	out := []vfs.DirEntry{{Name: ".", Ino: n.ino, Type: unix.DT_DIR}}
	parentIno := n.ino
	if n.parent != nil {
		parentIno = n.parent.ino
	}
	out = append(out, vfs.DirEntry{Name: "..", Ino: parentIno, Type: unix.DT_DIR})
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

// dirFile is an open overlay directory; it lists a snapshot taken when
// reading starts (or restarts at cookie 0).
type dirFile struct {
	n        *node
	mu       sync.Mutex
	snapshot []vfs.DirEntry
}

func (d *dirFile) Read(context.Context, []byte, int64, bool) (int, error) { return 0, unix.EISDIR }
func (d *dirFile) Write(context.Context, []byte, int64, bool) (int, error) {
	return 0, unix.EBADF
}
func (d *dirFile) Release()             {}
func (d *dirFile) Size() (int64, error) { return 0, nil }

// ReadDir implements vfs.DirReader.
func (d *dirFile) ReadDir(cookie int64, yield func(vfs.DirEntry) bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if cookie == 0 || d.snapshot == nil {
		d.n.fs.mu.Lock()
		s, err := d.n.mergedLocked()
		d.n.fs.mu.Unlock()
		if err != nil {
			return err
		}
		d.snapshot = s
	}
	for i := cookie; i >= 0 && i < int64(len(d.snapshot)); i++ {
		if !yield(d.snapshot[i]) {
			break
		}
	}
	return nil
}
