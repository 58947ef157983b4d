package overlay

import (
	"strings"

	"github.com/elfloader/elfloader/vfs"
	"golang.org/x/sys/unix"
)

// Extended attributes of an overlay file are the upper file's once it has
// been copied up (copy-up copies the lower file's), the lower file's
// before. The overlay's own bookkeeping attributes (trusted.overlay.*) are
// hidden, as Linux's overlayfs hides them.

const privateXattrPrefix = "trusted.overlay."

func isPrivateXattr(name string) bool { return strings.HasPrefix(name, privateXattrPrefix) }

// POSIX ACLs are the upper layer's (a ramfs keeps them); a lower file's
// are its own filesystem's when that keeps ACLs the vfs's way (a ramfs
// image), and none otherwise (a host directory's ACLs are the host's and
// are not shown, as a host directory mounted directly does not show them).

// SupportsACL implements vfs.ACLSupporter.
func (n *node) SupportsACL() bool { return true }

// layerKeepsACLs reports whether in's filesystem keeps ACLs the vfs's way.
func layerKeepsACLs(in vfs.Inode) bool {
	s, ok := in.(vfs.ACLSupporter)
	return ok && s.SupportsACL()
}

func isACLXattr(name string) bool {
	return name == vfs.ACLAccessXattr || name == vfs.ACLDefaultXattr
}

// readLayer returns the layer whose attributes are current.
func (n *node) readLayer() vfs.Inode {
	if u := n.currentUpper(); u != nil {
		return u
	}
	return n.lower
}

// GetXattr implements vfs.Xattrer.
func (n *node) GetXattr(name string) ([]byte, error) {
	if isPrivateXattr(name) {
		return nil, unix.ENODATA
	}
	layer := n.readLayer()
	x, ok := layer.(vfs.Xattrer)
	if !ok || isACLXattr(name) && !layerKeepsACLs(layer) {
		return nil, unix.ENODATA
	}
	return x.GetXattr(name)
}

// ListXattr implements vfs.Xattrer.
func (n *node) ListXattr() ([]string, error) {
	layer := n.readLayer()
	x, ok := layer.(vfs.Xattrer)
	if !ok {
		return nil, nil
	}
	names, err := x.ListXattr()
	if err != nil {
		return nil, err
	}
	acls := layerKeepsACLs(layer)
	visible := names[:0]
	for _, name := range names {
		if !isPrivateXattr(name) && (acls || !isACLXattr(name)) {
			visible = append(visible, name)
		}
	}
	return visible, nil
}

// writableXattrs copies the file up and returns the upper's attributes.
func (n *node) writableXattrs(name string) (vfs.Xattrer, error) {
	if isPrivateXattr(name) {
		return nil, unix.EPERM
	}
	n.fs.mu.Lock()
	u, err := n.copyUpLocked(-1)
	n.fs.mu.Unlock()
	if err != nil {
		return nil, err
	}
	x, ok := u.(vfs.Xattrer)
	if !ok {
		return nil, unix.EOPNOTSUPP
	}
	return x, nil
}

// SetXattr implements vfs.Xattrer by copying up first.
func (n *node) SetXattr(name string, value []byte, flags int) error {
	x, err := n.writableXattrs(name)
	if err != nil {
		return err
	}
	return x.SetXattr(name, value, flags)
}

// RemoveXattr implements vfs.Xattrer by copying up first.
func (n *node) RemoveXattr(name string) error {
	x, err := n.writableXattrs(name)
	if err != nil {
		return err
	}
	return x.RemoveXattr(name)
}

// copyXattrs gives a new upper file the lower file's attributes (those the
// upper can hold; a host's attribute it cannot read is left behind).
func copyXattrs(lower, upper vfs.Inode) {
	lx, ok := lower.(vfs.Xattrer)
	if !ok {
		return
	}
	ux, ok := upper.(vfs.Xattrer)
	if !ok {
		return
	}
	names, err := lx.ListXattr()
	if err != nil {
		return
	}
	acls := layerKeepsACLs(lower)
	for _, name := range names {
		if isPrivateXattr(name) || isACLXattr(name) && !acls {
			continue
		}
		if v, err := lx.GetXattr(name); err == nil {
			ux.SetXattr(name, v, 0)
		}
	}
}
