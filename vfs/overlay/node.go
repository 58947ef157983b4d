package overlay

import (
	"context"
	"strconv"
	"sync/atomic"

	"github.com/elfloader/elfloader/vfs"
	"golang.org/x/sys/unix"
)

// node is an overlay inode: an upper inode, a lower inode, or both (a
// merged directory, or a file whose copy-up is pending).
type node struct {
	fs     *FS
	parent *node // nil for the root
	name   string
	ino    uint64
	typ    uint32

	// upper and lower are guarded by fs.mu for writes; upper only changes
	// from nil to non-nil (copy-up).
	upper vfs.Inode
	lower vfs.Inode

	// children caches this directory's lookups (guarded by fs.mu): a path
	// walked again and again (a server opening the same file per request)
	// costs no upper lookup, whiteout or opacity check and no new node per
	// component. Every change to this directory's upper entries goes
	// through the overlay and drops the name (forgetLocked); the lower
	// layer can change behind the overlay's back, so a hit is checked
	// against the lower's current answer (see cachedLocked).
	children map[string]*node
}

// Identity implements vfs.Identifier.
func (n *node) Identity() (uint64, uint32) { return n.ino, n.typ }

func (fs *FS) newNode(parent *node, name string, upper, lower vfs.Inode) (*node, error) {
	n := &node{fs: fs, parent: parent, name: name, upper: upper, lower: lower}
	src := lower
	if src == nil {
		src = upper
	}
	// Identity answers without a stat (a host syscall for hostfs lowers).
	var ino uint64
	if id, ok := src.(vfs.Identifier); ok {
		ino, n.typ = id.Identity()
	} else {
		st, err := src.Stat()
		if err != nil {
			return nil, err
		}
		ino, n.typ = st.Ino, st.Type()
	}
	n.ino = ino
	if lower == nil {
		n.ino = upperInoBase + ino
		if x, ok := upper.(vfs.Xattrer); ok {
			if v, err := x.GetXattr(originXattr); err == nil {
				if o, err := strconv.ParseUint(string(v), 10, 64); err == nil {
					n.ino = o
				}
			}
		}
	}
	return n, nil
}

// currentUpper returns the upper inode, picking up a copy-up made through
// another node object for the same name.
func (n *node) currentUpper() vfs.Inode {
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	return n.upperLocked()
}

func (n *node) upperLocked() vfs.Inode {
	if n.upper != nil || n.parent == nil {
		return n.upper
	}
	pu := n.parent.upperLocked()
	if pu == nil {
		return nil
	}
	u, err := pu.Lookup(n.name)
	if err == nil && !isWhiteout(u) && typeOf(u) == n.typ {
		n.upper = u
	}
	return n.upper
}

func (n *node) opaque() bool {
	u := n.upperLocked()
	return u != nil && isOpaque(u)
}

// lowerHas reports whether the lower layer shows an entry called name in
// this directory. Caller holds fs.mu.
func (n *node) lowerHas(name string) bool {
	if n.lower == nil || n.opaque() {
		return false
	}
	_, err := n.lower.Lookup(name)
	return err == nil
}

// Stat implements vfs.Inode.
func (n *node) Stat() (vfs.Stat, error) {
	src := n.currentUpper()
	if src == nil {
		src = n.lower
	}
	st, err := src.Stat()
	if err != nil {
		return vfs.Stat{}, err
	}
	if n.typ == unix.S_IFDIR && src != n.lower && n.lower != nil && !n.opaque() {
		// A merged directory: its entries (and so its link count and
		// size) are mostly the lower's.
		if lst, err := n.lower.Stat(); err == nil {
			st.Nlink = max(st.Nlink, lst.Nlink)
			st.Size = max(st.Size, lst.Size)
			st.Blocks = max(st.Blocks, lst.Blocks)
		}
	}
	st.Ino = n.ino
	st.Dev = n.fs.opts.Dev
	return st, nil
}

// HostStatDev implements vfs.HostStatInode for a regular file still in
// the lower layer only, whose lower Stat is the host's: Stat is then the
// host's with the overlay's st_dev (the inode number is the lower's),
// until a copy-up closes the gate. The lower's own gate must be open now;
// it stays so, for a read-only lower records no owner.
func (n *node) HostStatDev() (uint64, *atomic.Uint64, bool) {
	if n.typ != unix.S_IFREG {
		return 0, nil, false
	}
	hs, ok := n.lower.(vfs.HostStatInode)
	if !ok {
		return 0, nil, false
	}
	if _, lg, ok := hs.HostStatDev(); !ok || lg.Load() != 0 {
		return 0, nil, false
	}
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	if n.upperLocked() != nil {
		return 0, nil, false
	}
	g := n.fs.gateByIno[n.ino]
	if g == nil {
		if g = n.fs.gates.New(); g == nil {
			return 0, nil, false
		}
		if n.fs.gateByIno == nil {
			n.fs.gateByIno = make(map[uint64]*atomic.Uint64)
		}
		n.fs.gateByIno[n.ino] = g
	}
	return n.fs.opts.Dev, g, true
}

// SetAttr implements vfs.Inode by copying up first.
func (n *node) SetAttr(a vfs.SetAttr) error {
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	limit := int64(-1)
	if a.Mask&vfs.AttrSize != 0 {
		limit = a.Size
	}
	u, err := n.copyUpLocked(limit)
	if err != nil {
		return err
	}
	return u.SetAttr(a)
}

// lookupLocked finds name in directory n across both layers, through
// the cache of n's children.
func (n *node) lookupLocked(name string) (*node, error) {
	if n.typ != unix.S_IFDIR {
		return nil, unix.ENOTDIR
	}
	if c := n.cachedLocked(name); c != nil {
		return c, nil
	}
	c, err := n.lookupLayersLocked(name)
	if err != nil {
		return nil, err
	}
	if n.children == nil || len(n.children) >= maxCachedChildren {
		n.children = map[string]*node{}
	}
	n.children[name] = c
	return c, nil
}

// maxCachedChildren bounds a directory's lookup cache.
const maxCachedChildren = 4096

// cachedLocked returns the cached child name while it is still what a
// lookup would find. The upper side is current (the overlay makes every
// change to it); a child with a lower inode is current while the lower
// still answers the same inode (hostfs keeps its lookups for a second,
// then answers a new inode, which rebuilds the child once). A child
// without a lower is current when it is not a directory: a lookup would
// not consult the lower for it. An upper-only directory always looks
// again (the lower may have gained an entry to merge with).
func (n *node) cachedLocked(name string) *node {
	c, ok := n.children[name]
	if !ok {
		return nil
	}
	switch {
	case c.lower != nil:
		if lo, err := n.lower.Lookup(name); err == nil && lo == c.lower {
			return c
		}
	case c.typ != unix.S_IFDIR:
		return c
	}
	delete(n.children, name)
	return nil
}

// forgetLocked drops name from the lookup cache: its upper entry changes.
func (n *node) forgetLocked(name string) { delete(n.children, name) }

// lookupLayersLocked finds name in directory n across both layers.
func (n *node) lookupLayersLocked(name string) (*node, error) {
	var up, lo vfs.Inode
	if u := n.upperLocked(); u != nil {
		c, err := u.Lookup(name)
		switch {
		case err == nil && isWhiteout(c):
			return nil, unix.ENOENT
		case err == nil:
			up = c
		case err != unix.ENOENT:
			return nil, err
		}
	}
	if n.lower != nil && !n.opaque() && (up == nil || (typeOf(up) == unix.S_IFDIR && !isOpaque(up))) {
		c, err := n.lower.Lookup(name)
		switch {
		case err == nil && (up == nil || typeOf(c) == unix.S_IFDIR):
			lo = c
		case err != nil && err != unix.ENOENT:
			return nil, err
		}
	}
	if up == nil && lo == nil {
		return nil, unix.ENOENT
	}
	return n.fs.newNode(n, name, up, lo)
}

// Lookup implements vfs.Inode.
func (n *node) Lookup(name string) (vfs.Inode, error) {
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	c, err := n.lookupLocked(name)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// copyUpLocked makes sure n exists in the upper layer, copying parents,
// contents (at most limit bytes when limit ≥ 0) and attributes. Caller
// holds fs.mu.
func (n *node) copyUpLocked(limit int64) (vfs.Inode, error) {
	if u := n.upperLocked(); u != nil {
		return u, nil
	}
	pu, err := n.parent.copyUpLocked(-1)
	if err != nil {
		return nil, err
	}
	st, err := n.lower.Stat()
	if err != nil {
		return nil, err
	}
	cred := vfs.Cred{UID: st.UID, GID: st.GID}
	perm := st.Mode & 0o7777
	var u vfs.Inode
	switch st.Type() {
	case unix.S_IFDIR:
		u, err = pu.Mkdir(n.name, perm, cred)
	case unix.S_IFLNK:
		var target string
		if target, err = n.lower.Readlink(); err == nil {
			u, err = pu.Symlink(n.name, target, cred)
		}
	case unix.S_IFREG:
		if u, err = pu.Create(n.name, st.Mode, 0, cred); err == nil {
			err = copyData(n.lower, u, st.Size, limit)
		}
	default:
		u, err = pu.Create(n.name, st.Mode, st.Rdev, cred)
	}
	if err != nil {
		return nil, err
	}
	attr := vfs.SetAttr{
		Mask: vfs.AttrUID | vfs.AttrGID | vfs.AttrAtime | vfs.AttrMtime,
		UID:  st.UID, GID: st.GID, Atime: st.Atime, Mtime: st.Mtime,
	}
	if st.Type() != unix.S_IFLNK {
		attr.Mask |= vfs.AttrMode
		attr.Mode = perm
	}
	if err := u.SetAttr(attr); err != nil {
		return nil, err
	}
	if x, ok := u.(vfs.Xattrer); ok && st.Type() != unix.S_IFDIR {
		if err := x.SetXattr(originXattr, []byte(strconv.FormatUint(n.ino, 10)), 0); err != nil {
			return nil, err
		}
	}
	copyXattrs(n.lower, u)
	n.upper = u
	if g := n.fs.gateByIno[n.ino]; g != nil {
		g.Store(1) // Stat is the upper's from now on
	}
	return u, nil
}

// copyData copies up to size bytes (or limit, if smaller and ≥ 0) from
// the lower file to the new upper file.
func copyData(lower, upper vfs.Inode, size, limit int64) error {
	if limit >= 0 && limit < size {
		size = limit
	}
	if size == 0 {
		return nil
	}
	src, err := lower.Open(unix.O_RDONLY)
	if err != nil {
		return err
	}
	defer src.Release()
	dst, err := upper.Open(unix.O_WRONLY)
	if err != nil {
		return err
	}
	defer dst.Release()
	ctx := context.Background()
	buf := make([]byte, 1<<20)
	for off := int64(0); off < size; {
		chunk := buf[:min(int64(len(buf)), size-off)]
		r, err := src.Read(ctx, chunk, off, false)
		if err != nil {
			return err
		}
		if r == 0 {
			break
		}
		if _, err := dst.Write(ctx, chunk[:r], off, false); err != nil {
			return err
		}
		off += int64(r)
	}
	return nil
}

// Readlink implements vfs.Inode.
func (n *node) Readlink() (string, error) {
	if u := n.currentUpper(); u != nil {
		return u.Readlink()
	}
	return n.lower.Readlink()
}

// Open implements vfs.Inode. Opening for writing (or with O_TRUNC) copies
// the file up.
func (n *node) Open(flags int) (vfs.FileImpl, error) {
	if n.typ == unix.S_IFDIR {
		return &dirFile{n: n}, nil
	}
	acc := flags & unix.O_ACCMODE
	if acc == unix.O_WRONLY || acc == unix.O_RDWR || flags&unix.O_TRUNC != 0 {
		n.fs.mu.Lock()
		u, err := n.copyUpLocked(-1)
		n.fs.mu.Unlock()
		if err != nil {
			return nil, err
		}
		return u.Open(flags)
	}
	if u := n.currentUpper(); u != nil {
		return u.Open(flags)
	}
	return n.lower.Open(flags)
}
