package ramfs

import (
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/pipe"
	"golang.org/x/sys/unix"
)

// Inode is a ramfs inode. Its directory fields are guarded by FS.mu, the
// rest by mu.
type Inode struct {
	fs    *FS
	ino   uint64
	ftype uint32 // S_IFMT bits, immutable

	mu                  sync.Mutex
	mode                uint32 // type and permission bits
	uid, gid            uint32
	nlink               uint64
	rdev                uint64
	atime, mtime, ctime unix.Timespec
	// atimeFresh is set while an atime that relatime set is less than a
	// day old: atimeTimer, armed at that update, clears it a day later,
	// so that a read of a fresh file reads no clock. Cleared as well when
	// atime is set otherwise.
	atimeFresh atomic.Bool
	atimeTimer *time.Timer
	// readGate, once a file's pread has been handed to the host
	// (HostPread), is the gate of that pass-through: 0 while a read
	// would leave every attribute alone (atime fresh, as above, and newer
	// than mtime and ctime), 1 otherwise (syncReadGateLocked).
	readGate atomic.Pointer[atomic.Uint64]
	xattrs   map[string][]byte

	// directories (guarded by fs.mu)
	entries map[string]*entry
	nextSeq int64
	parent  *Inode

	// regular files (guarded by mu)
	memfd int    // -1 until the file is mapped or grows past SmallFileMax
	view  []byte // read-only mapping of memfd (view.go), nil until read
	data  []byte // contents while memfd is -1
	size  int64
	opens int
	seals uint32                    // F_SEAL_* (seals.go)
	lazy  func() (io.Reader, error) // content not loaded yet (lazy.go)
	// An extent file's bytes are a range of a host file (extent.go):
	// extOpen until the first open, then ext.
	ext     *Extent
	extOpen func() (Extent, error)

	target string     // symlinks
	pipe   *pipe.Pipe // FIFOs
}

type entry struct {
	inode *Inode
	seq   int64 // readdir cookie; "." is 1 and ".." is 2
}

func (fs *FS) newNode(mode uint32, cred vfs.Cred) *Inode {
	now := vfs.Now()
	n := &Inode{
		fs: fs, ino: fs.nextIno.Add(1), ftype: mode & unix.S_IFMT, mode: mode, uid: cred.UID, gid: cred.GID,
		nlink: 1, atime: now, mtime: now, ctime: now, memfd: -1,
	}
	switch mode & unix.S_IFMT {
	case unix.S_IFDIR:
		n.nlink = 2
		n.entries = make(map[string]*entry)
		n.nextSeq = 3
	case unix.S_IFIFO:
		n.pipe = pipe.New()
	case unix.S_IFREG:
		n.seals = fs.initialSeals()
	}
	return n
}

func (n *Inode) typ() uint32 { return n.ftype }

// Identity implements vfs.Identifier.
func (n *Inode) Identity() (uint64, uint32) { return n.ino, n.typ() }

// Stat implements vfs.Inode.
func (n *Inode) Stat() (vfs.Stat, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	st := vfs.Stat{
		Dev: n.fs.opts.Dev, Ino: n.ino, Mode: n.mode, Nlink: n.nlink,
		UID: n.uid, GID: n.gid, Rdev: n.rdev, Blksize: 4096,
		Atime: n.atime, Mtime: n.mtime, Ctime: n.ctime,
	}
	switch n.typ() {
	case unix.S_IFREG:
		st.Size = n.size
	case unix.S_IFLNK:
		st.Size = int64(len(n.target))
	case unix.S_IFDIR:
		st.Size = 4096
	}
	st.Blocks = (st.Size + 511) / 512
	return st, nil
}

// SetAttr implements vfs.Inode.
func (n *Inode) SetAttr(a vfs.SetAttr) error {
	if n.fs.opts.ReadOnly {
		return unix.EROFS
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	now := vfs.Now()
	if a.Mask&vfs.AttrSize != 0 {
		if n.typ() != unix.S_IFREG {
			return unix.EINVAL
		}
		if err := n.checkSizeSealsLocked(a.Size); err != nil {
			return err
		}
		if err := n.truncateLocked(a.Size); err != nil {
			return err
		}
		n.mtime = now
	}
	if a.Mask&vfs.AttrMode != 0 {
		if err := n.checkModeSealsLocked(a.Mode); err != nil {
			return err
		}
		n.mode = n.typ() | a.Mode&0o7777
	}
	if a.Mask&vfs.AttrUID != 0 {
		n.uid = a.UID
	}
	if a.Mask&vfs.AttrGID != 0 {
		n.gid = a.GID
	}
	if a.Mask&vfs.AttrAtime != 0 {
		n.atime = a.Atime
		n.atimeFresh.Store(false)
	}
	if a.Mask&vfs.AttrMtime != 0 {
		n.mtime = a.Mtime
	}
	n.ctime = now
	n.syncReadGateLocked()
	return nil
}

// touchLocked updates mtime and ctime. Caller holds n.mu.
func (n *Inode) touchLocked() {
	now := vfs.Now()
	n.mtime, n.ctime = now, now
	n.syncReadGateLocked()
}

func (n *Inode) touch() {
	n.mu.Lock()
	n.touchLocked()
	n.mu.Unlock()
}

func (n *Inode) changeLinks(delta int) {
	n.mu.Lock()
	n.nlink = uint64(int64(n.nlink) + int64(delta))
	n.ctime = vfs.Now()
	n.syncReadGateLocked()
	n.maybeFreeLocked()
	n.mu.Unlock()
}

// maybeFreeLocked drops the file's memory once it has no links and no
// open files. Caller holds n.mu.
func (n *Inode) maybeFreeLocked() {
	if n.nlink == 0 && n.opens == 0 {
		n.closeMemfdLocked()
		n.data = nil
		n.size = 0
		n.lazy = nil
		n.ext, n.extOpen = nil, nil
	}
}

func (n *Inode) checkDir() error {
	if n.typ() != unix.S_IFDIR {
		return unix.ENOTDIR
	}
	return nil
}

// Lookup implements vfs.Inode.
func (n *Inode) Lookup(name string) (vfs.Inode, error) {
	if err := n.checkDir(); err != nil {
		return nil, err
	}
	n.fs.mu.RLock()
	defer n.fs.mu.RUnlock()
	e, ok := n.entries[name]
	if !ok {
		return nil, unix.ENOENT
	}
	return e.inode, nil
}

// addLocked links child as name. Caller holds fs.mu for writing.
func (n *Inode) addLocked(name string, child *Inode) {
	n.entries[name] = &entry{inode: child, seq: n.nextSeq}
	n.nextSeq++
	if child.typ() == unix.S_IFDIR {
		child.parent = n
		n.changeLinks(1)
	}
	n.touch()
}

func (n *Inode) prepareAdd(name string) error {
	if err := n.checkDir(); err != nil {
		return err
	}
	if n.fs.opts.ReadOnly {
		return unix.EROFS
	}
	if _, ok := n.entries[name]; ok {
		return unix.EEXIST
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.nlink == 0 {
		return unix.ENOENT // directory was removed
	}
	return nil
}

func (n *Inode) newChild(name string, mode uint32, cred vfs.Cred) (*Inode, error) {
	if err := n.prepareAdd(name); err != nil {
		return nil, err
	}
	c := n.fs.newNode(mode, cred)
	n.mu.Lock()
	if n.mode&unix.S_ISGID != 0 {
		c.gid = n.gid
		if c.typ() == unix.S_IFDIR {
			c.mode |= unix.S_ISGID
		}
	}
	n.mu.Unlock()
	return c, nil
}

// Create implements vfs.Inode.
func (n *Inode) Create(name string, mode uint32, rdev uint64, cred vfs.Cred) (vfs.Inode, error) {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG, unix.S_IFIFO, unix.S_IFSOCK, unix.S_IFCHR, unix.S_IFBLK:
	default:
		return nil, unix.EINVAL
	}
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	c, err := n.newChild(name, mode, cred)
	if err != nil {
		return nil, err
	}
	c.rdev = rdev
	n.addLocked(name, c)
	return c, nil
}

// Mkdir implements vfs.Inode.
func (n *Inode) Mkdir(name string, mode uint32, cred vfs.Cred) (vfs.Inode, error) {
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	c, err := n.newChild(name, unix.S_IFDIR|mode&0o7777, cred)
	if err != nil {
		return nil, err
	}
	n.addLocked(name, c)
	return c, nil
}

// Symlink implements vfs.Inode.
func (n *Inode) Symlink(name, target string, cred vfs.Cred) (vfs.Inode, error) {
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	c, err := n.newChild(name, unix.S_IFLNK|0o777, cred)
	if err != nil {
		return nil, err
	}
	c.target = target
	n.addLocked(name, c)
	return c, nil
}

// Link implements vfs.Inode.
func (n *Inode) Link(name string, target vfs.Inode) error {
	t, ok := target.(*Inode)
	if !ok || t.fs != n.fs {
		return unix.EXDEV
	}
	if t.typ() == unix.S_IFDIR {
		return unix.EPERM
	}
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	if err := n.prepareAdd(name); err != nil {
		return err
	}
	t.mu.Lock()
	dead := t.nlink == 0
	t.mu.Unlock()
	if dead {
		return unix.ENOENT
	}
	n.addLocked(name, t)
	t.changeLinks(1)
	return nil
}

// removeLocked unlinks name. Caller holds fs.mu for writing.
func (n *Inode) removeLocked(name string, e *entry) {
	delete(n.entries, name)
	c := e.inode
	if c.typ() == unix.S_IFDIR {
		c.changeLinks(-2)
		n.changeLinks(-1)
	} else {
		c.changeLinks(-1)
	}
	n.touch()
}

// Unlink implements vfs.Inode.
func (n *Inode) Unlink(name string) error {
	if err := n.checkDir(); err != nil {
		return err
	}
	if n.fs.opts.ReadOnly {
		return unix.EROFS
	}
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	e, ok := n.entries[name]
	if !ok {
		return unix.ENOENT
	}
	if e.inode.typ() == unix.S_IFDIR {
		return unix.EISDIR
	}
	n.removeLocked(name, e)
	return nil
}

// Rmdir implements vfs.Inode.
func (n *Inode) Rmdir(name string) error {
	if err := n.checkDir(); err != nil {
		return err
	}
	if n.fs.opts.ReadOnly {
		return unix.EROFS
	}
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	e, ok := n.entries[name]
	if !ok {
		return unix.ENOENT
	}
	if e.inode.typ() != unix.S_IFDIR {
		return unix.ENOTDIR
	}
	if len(e.inode.entries) != 0 {
		return unix.ENOTEMPTY
	}
	n.removeLocked(name, e)
	return nil
}

// Rename implements vfs.Inode.
func (n *Inode) Rename(oldName string, newDir vfs.Inode, newName string, flags uint32) error {
	nd, ok := newDir.(*Inode)
	if !ok || nd.fs != n.fs {
		return unix.EXDEV
	}
	if err := n.checkDir(); err != nil {
		return err
	}
	if err := nd.checkDir(); err != nil {
		return err
	}
	if n.fs.opts.ReadOnly {
		return unix.EROFS
	}
	n.fs.mu.Lock()
	defer n.fs.mu.Unlock()
	oe, ok := n.entries[oldName]
	if !ok {
		return unix.ENOENT
	}
	ne, exists := nd.entries[newName]
	if flags&unix.RENAME_EXCHANGE != 0 {
		if !exists {
			return unix.ENOENT
		}
		n.entries[oldName], nd.entries[newName] = ne, oe
		fixParent(ne.inode, n, nd)
		fixParent(oe.inode, nd, n)
		n.touch()
		nd.touch()
		return nil
	}
	if exists {
		if flags&unix.RENAME_NOREPLACE != 0 {
			return unix.EEXIST
		}
		if ne.inode == oe.inode {
			return nil
		}
		oldDir := oe.inode.typ() == unix.S_IFDIR
		newIsDir := ne.inode.typ() == unix.S_IFDIR
		switch {
		case oldDir && !newIsDir:
			return unix.ENOTDIR
		case !oldDir && newIsDir:
			return unix.EISDIR
		case newIsDir && len(ne.inode.entries) != 0:
			return unix.ENOTEMPTY
		}
		nd.removeLocked(newName, ne)
	}
	delete(n.entries, oldName)
	c := oe.inode
	nd.entries[newName] = &entry{inode: c, seq: nd.nextSeq}
	nd.nextSeq++
	if c.typ() == unix.S_IFDIR && n != nd {
		c.parent = nd
		n.changeLinks(-1)
		nd.changeLinks(1)
	}
	c.mu.Lock()
	c.ctime = vfs.Now()
	c.syncReadGateLocked()
	c.mu.Unlock()
	n.touch()
	if nd != n {
		nd.touch()
	}
	return nil
}

// fixParent updates a directory's parent and the link counts when it moves
// from one directory to another in an exchange. Caller holds fs.mu.
func fixParent(c, from, to *Inode) {
	if c.typ() != unix.S_IFDIR || from == to {
		return
	}
	c.parent = to
	from.changeLinks(-1)
	to.changeLinks(1)
}

// Readlink implements vfs.Inode.
func (n *Inode) Readlink() (string, error) {
	if n.typ() != unix.S_IFLNK {
		return "", unix.EINVAL
	}
	return n.target, nil
}

// IsEmptyDir reports whether a directory has no entries.
func (n *Inode) IsEmptyDir() bool {
	n.fs.mu.RLock()
	defer n.fs.mu.RUnlock()
	return len(n.entries) == 0
}

// readDir lists the entries with a cookie above c, in creation order.
func (n *Inode) readDir(c int64, yield func(vfs.DirEntry) bool) error {
	n.fs.mu.RLock()
	parent := n.parent
	list := make([]vfs.DirEntry, 0, len(n.entries)+2)
	if c < 1 {
		list = append(list, vfs.DirEntry{Name: ".", Ino: n.ino, Type: unix.DT_DIR, Next: 1})
	}
	if c < 2 && parent != nil {
		list = append(list, vfs.DirEntry{Name: "..", Ino: parent.ino, Type: unix.DT_DIR, Next: 2})
	}
	for name, e := range n.entries {
		if e.seq > c {
			list = append(list, vfs.DirEntry{Name: name, Ino: e.inode.ino, Type: vfs.DirentType(e.inode.ftype), Next: e.seq})
		}
	}
	n.fs.mu.RUnlock()
	sort.Slice(list, func(i, j int) bool { return list[i].Next < list[j].Next })
	for _, e := range list {
		if !yield(e) {
			break
		}
	}
	return nil
}

// Xattrs (vfs.Xattrer).

// SupportsACL implements vfs.ACLSupporter: a ramfs keeps POSIX ACLs (as
// tmpfs does), stored by the vfs as system.posix_acl_* attributes.
func (n *Inode) SupportsACL() bool { return true }

// GetXattr implements vfs.Xattrer.
func (n *Inode) GetXattr(name string) ([]byte, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	v, ok := n.xattrs[name]
	if !ok {
		return nil, unix.ENODATA
	}
	return append([]byte(nil), v...), nil
}

// SetXattr implements vfs.Xattrer.
func (n *Inode) SetXattr(name string, value []byte, flags int) error {
	if n.fs.opts.ReadOnly {
		return unix.EROFS
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	_, exists := n.xattrs[name]
	if flags&unix.XATTR_CREATE != 0 && exists {
		return unix.EEXIST
	}
	if flags&unix.XATTR_REPLACE != 0 && !exists {
		return unix.ENODATA
	}
	if n.xattrs == nil {
		n.xattrs = make(map[string][]byte)
	}
	n.xattrs[name] = append([]byte(nil), value...)
	n.ctime = vfs.Now()
	n.syncReadGateLocked()
	return nil
}

// ListXattr implements vfs.Xattrer.
func (n *Inode) ListXattr() ([]string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	names := make([]string, 0, len(n.xattrs))
	for k := range n.xattrs {
		names = append(names, k)
	}
	sort.Strings(names)
	return names, nil
}

// RemoveXattr implements vfs.Xattrer.
func (n *Inode) RemoveXattr(name string) error {
	if n.fs.opts.ReadOnly {
		return unix.EROFS
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.xattrs[name]; !ok {
		return unix.ENODATA
	}
	delete(n.xattrs, name)
	n.ctime = vfs.Now()
	n.syncReadGateLocked()
	return nil
}
