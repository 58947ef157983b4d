package overlay

import (
	"github.com/elfloader/elfloader/vfs"
	"golang.org/x/sys/unix"
)

// prepareEntryLocked copies the directory up and clears a whiteout at
// name, reporting whether there was one. It returns EEXIST if name exists.
func (n *node) prepareEntryLocked(name string) (vfs.Inode, bool, error) {
	if n.typ != unix.S_IFDIR {
		return nil, false, unix.ENOTDIR
	}
	if _, err := n.lookupLocked(name); err == nil {
		return nil, false, unix.EEXIST
	} else if err != unix.ENOENT {
		return nil, false, err
	}
	pu, err := n.copyUpLocked(-1)
	if err != nil {
		return nil, false, err
	}
	hadWhiteout := false
	if c, err := pu.Lookup(name); err == nil && isWhiteout(c) {
		if err := pu.Unlink(name); err != nil {
			return nil, false, err
		}
		hadWhiteout = true
	}
	return pu, hadWhiteout, nil
}

// Create implements vfs.Inode.
func (n *node) Create(name string, mode uint32, rdev uint64, cred vfs.Cred) (vfs.Inode, error) {
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	defer n.forgetLocked(name)
	pu, _, err := n.prepareEntryLocked(name)
	if err != nil {
		return nil, err
	}
	u, err := pu.Create(name, mode, rdev, cred)
	if err != nil {
		return nil, err
	}
	return n.fs.newNode(n, name, u, nil)
}

// Mkdir implements vfs.Inode; a directory made over a whiteout is opaque.
func (n *node) Mkdir(name string, mode uint32, cred vfs.Cred) (vfs.Inode, error) {
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	defer n.forgetLocked(name)
	pu, hadWhiteout, err := n.prepareEntryLocked(name)
	if err != nil {
		return nil, err
	}
	u, err := pu.Mkdir(name, mode, cred)
	if err != nil {
		return nil, err
	}
	if hadWhiteout || n.lowerHas(name) {
		if err := setOpaque(u); err != nil {
			return nil, err
		}
	}
	return n.fs.newNode(n, name, u, nil)
}

func setOpaque(u vfs.Inode) error {
	x, ok := u.(vfs.Xattrer)
	if !ok {
		return unix.EOPNOTSUPP
	}
	return x.SetXattr(opaqueXattr, []byte("y"), 0)
}

// Symlink implements vfs.Inode.
func (n *node) Symlink(name, target string, cred vfs.Cred) (vfs.Inode, error) {
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	defer n.forgetLocked(name)
	pu, _, err := n.prepareEntryLocked(name)
	if err != nil {
		return nil, err
	}
	u, err := pu.Symlink(name, target, cred)
	if err != nil {
		return nil, err
	}
	return n.fs.newNode(n, name, u, nil)
}

// Link implements vfs.Inode (the target is copied up first).
func (n *node) Link(name string, target vfs.Inode) error {
	t, ok := target.(*node)
	if !ok || t.fs != n.fs {
		return unix.EXDEV
	}
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	defer n.forgetLocked(name)
	tu, err := t.copyUpLocked(-1)
	if err != nil {
		return err
	}
	pu, _, err := n.prepareEntryLocked(name)
	if err != nil {
		return err
	}
	return pu.Link(name, tu)
}

// whiteoutLocked hides the lower entry name in directory upper pu.
func whiteoutLocked(pu vfs.Inode, name string) error {
	_, err := pu.Create(name, unix.S_IFCHR, 0, vfs.Cred{})
	return err
}

// Unlink implements vfs.Inode.
func (n *node) Unlink(name string) error {
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	defer n.forgetLocked(name)
	c, err := n.lookupLocked(name)
	if err != nil {
		return err
	}
	if c.typ == unix.S_IFDIR {
		return unix.EISDIR
	}
	return n.removeLocked(name, c)
}

func (n *node) removeLocked(name string, c *node) error {
	needWhiteout := n.lowerHas(name)
	pu, err := n.copyUpLocked(-1)
	if err != nil {
		return err
	}
	if u := c.upperLocked(); u != nil {
		if c.typ == unix.S_IFDIR {
			if err := clearWhiteouts(u); err != nil {
				return err
			}
			err = pu.Rmdir(name)
		} else {
			err = pu.Unlink(name)
		}
		if err != nil {
			return err
		}
	}
	if needWhiteout {
		return whiteoutLocked(pu, name)
	}
	return nil
}

// clearWhiteouts removes the whiteouts of an upper directory that is
// otherwise empty, so that it can be removed or replaced.
func clearWhiteouts(u vfs.Inode) error {
	names, err := listUpper(u)
	if err != nil {
		return err
	}
	for _, e := range names {
		if err := u.Unlink(e.Name); err != nil {
			return err
		}
	}
	return nil
}

// Rmdir implements vfs.Inode.
func (n *node) Rmdir(name string) error {
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	defer n.forgetLocked(name)
	c, err := n.lookupLocked(name)
	if err != nil {
		return err
	}
	if c.typ != unix.S_IFDIR {
		return unix.ENOTDIR
	}
	entries, err := c.mergedLocked()
	if err != nil {
		return err
	}
	if len(entries) > 2 {
		return unix.ENOTEMPTY
	}
	return n.removeLocked(name, c)
}

// Rename implements vfs.Inode.
func (n *node) Rename(oldName string, newDir vfs.Inode, newName string, flags uint32) error {
	nd, ok := newDir.(*node)
	if !ok || nd.fs != n.fs {
		return unix.EXDEV
	}
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	defer n.forgetLocked(oldName)
	defer nd.forgetLocked(newName)
	c, err := n.lookupLocked(oldName)
	if err != nil {
		return err
	}
	if c.typ == unix.S_IFDIR && c.lower != nil {
		return unix.EXDEV
	}
	t, err := nd.lookupLocked(newName)
	exists := err == nil
	if err != nil && err != unix.ENOENT {
		return err
	}
	if flags&unix.RENAME_NOREPLACE != 0 && exists {
		return unix.EEXIST
	}
	if flags&unix.RENAME_EXCHANGE != 0 {
		if !exists {
			return unix.ENOENT
		}
		if t.typ == unix.S_IFDIR && t.lower != nil {
			return unix.EXDEV
		}
	}
	if exists && flags&unix.RENAME_EXCHANGE == 0 && t.typ == unix.S_IFDIR {
		entries, err := t.mergedLocked()
		if err != nil {
			return err
		}
		if len(entries) > 2 {
			return unix.ENOTEMPTY
		}
	}
	oldNeedsWhiteout := n.lowerHas(oldName)
	targetInLower := nd.lowerHas(newName)
	if _, err := c.copyUpLocked(-1); err != nil {
		return err
	}
	if exists && flags&unix.RENAME_EXCHANGE != 0 {
		if _, err := t.copyUpLocked(-1); err != nil {
			return err
		}
	}
	pu, err := n.copyUpLocked(-1)
	if err != nil {
		return err
	}
	npu, err := nd.copyUpLocked(-1)
	if err != nil {
		return err
	}
	if flags&unix.RENAME_EXCHANGE == 0 {
		// Clear what the upper holds at the target: a whiteout, or the
		// whiteouts of an empty merged directory.
		if cur, err := npu.Lookup(newName); err == nil {
			switch {
			case isWhiteout(cur):
				if err := npu.Unlink(newName); err != nil {
					return err
				}
			case typeOf(cur) == unix.S_IFDIR:
				if err := clearWhiteouts(cur); err != nil {
					return err
				}
			}
		}
	}
	if err := pu.Rename(oldName, npu, newName, flags&unix.RENAME_EXCHANGE); err != nil {
		return err
	}
	if flags&unix.RENAME_EXCHANGE == 0 {
		if c.typ == unix.S_IFDIR && targetInLower {
			if err := setOpaque(c.upper); err != nil {
				return err
			}
		}
		if oldNeedsWhiteout {
			if err := whiteoutLocked(pu, oldName); err != nil {
				return err
			}
		}
	}
	c.parent, c.name = nd, newName
	return nil
}
