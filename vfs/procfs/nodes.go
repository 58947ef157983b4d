package procfs

import (
	"context"
	"time"

	"github.com/elfloader/elfloader/vfs"
	"golang.org/x/sys/unix"
)

// attrs are the fixed attributes every procfs inode carries.
type attrs struct {
	fs   *FS
	ino  uint64
	mode uint32 // type and permission bits
	uid  uint32
	gid  uint32
	time time.Time
}

// Stat implements vfs.Inode. Sizes are 0, as on Linux: the contents only
// exist once the file is opened.
func (a *attrs) Stat() (vfs.Stat, error) {
	ts := unix.NsecToTimespec(a.time.UnixNano())
	nlink := uint64(1)
	if a.mode&unix.S_IFMT == unix.S_IFDIR {
		nlink = 2
	}
	return vfs.Stat{
		Dev: a.fs.dev, Ino: a.ino, Mode: a.mode, Nlink: nlink,
		UID: a.uid, GID: a.gid, Blksize: 1024,
		Atime: ts, Mtime: ts, Ctime: ts,
	}, nil
}

// Identity implements vfs.Identifier.
func (a *attrs) Identity() (uint64, uint32) { return a.ino, a.mode & unix.S_IFMT }

// SetAttr implements vfs.Inode: procfs attributes cannot be changed.
func (a *attrs) SetAttr(vfs.SetAttr) error { return unix.EPERM }

// entry is one named child of a directory. pos is its directory cookie:
// entries are listed in increasing pos order.
type entry struct {
	name string
	pos  int64
	node vfs.Inode
}

// Cookies: 0 and 1 are "." and "..", fixed entries follow from
// firstFixedPos, and numbered entries (pids, tids, fds) use
// firstNumberPos+n so that a directory read resumes correctly while
// processes come and go.
const (
	firstFixedPos  = 2
	firstNumberPos = 1 << 12
)

// dirNode is a directory whose children are computed on every lookup and
// read, so they always reflect the kernel's current state.
type dirNode struct {
	attrs
	readOnlyDir
	children func() ([]entry, error)
	// lookup, when set, finds a child without listing them all.
	lookup func(name string) (vfs.Inode, error)
	// proc is the process of a /proc/PID directory (nil for any other).
	proc Process
}

// Lookup implements vfs.Inode.
func (d *dirNode) Lookup(name string) (vfs.Inode, error) {
	if d.lookup != nil {
		return d.lookup(name)
	}
	ents, err := d.children()
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		if e.name == name {
			return e.node, nil
		}
	}
	return nil, unix.ENOENT
}

// Readlink implements vfs.Inode.
func (d *dirNode) Readlink() (string, error) { return "", unix.EINVAL }

// Open implements vfs.Inode.
func (d *dirNode) Open(flags int) (vfs.FileImpl, error) {
	if flags&unix.O_ACCMODE != unix.O_RDONLY {
		return nil, unix.EISDIR
	}
	return &dirFile{dir: d}, nil
}

// dirFile is an open procfs directory.
type dirFile struct {
	noWrite
	dir *dirNode
}

// ReadDir implements vfs.DirReader.
func (f *dirFile) ReadDir(cookie int64, yield func(vfs.DirEntry) bool) error {
	ents, err := f.dir.children()
	if err != nil {
		return err
	}
	dots := []entry{{name: ".", pos: 0, node: f.dir}, {name: "..", pos: 1}}
	for _, e := range append(dots, ents...) {
		if e.pos < cookie {
			continue
		}
		de := vfs.DirEntry{Name: e.name, Type: unix.DT_DIR, Next: e.pos + 1}
		if e.node != nil {
			ino, typ := e.node.(vfs.Identifier).Identity()
			de.Ino, de.Type = ino, vfs.DirentType(typ)
		} else {
			de.Ino = f.dir.ino // ".." of the root; the vfs does not use it
		}
		if !yield(de) {
			return nil
		}
	}
	return nil
}

// Read implements vfs.FileImpl (the vfs answers EISDIR before calling it).
func (f *dirFile) Read(context.Context, []byte, int64, bool) (int, error) {
	return 0, unix.EISDIR
}

// Size implements vfs.Seekable.
func (f *dirFile) Size() (int64, error) { return 0, nil }

// Release implements vfs.FileImpl.
func (f *dirFile) Release() {}

// fileNode is a regular file whose contents are generated at open.
type fileNode struct {
	attrs
	vfs.NotDir
	generate func() ([]byte, error)
}

// Readlink implements vfs.Inode.
func (n *fileNode) Readlink() (string, error) { return "", unix.EINVAL }

// Open implements vfs.Inode: it takes a snapshot of the contents so that
// reads at any offset see one consistent version.
func (n *fileNode) Open(flags int) (vfs.FileImpl, error) {
	if flags&unix.O_ACCMODE != unix.O_RDONLY || flags&unix.O_TRUNC != 0 {
		return nil, unix.EACCES
	}
	data, err := n.generate()
	if err != nil {
		return nil, err
	}
	return &snapshotFile{data: data}, nil
}

// snapshotFile is an open procfs file: a fixed byte slice.
type snapshotFile struct {
	noWrite
	data []byte
}

// Read implements vfs.FileImpl.
func (f *snapshotFile) Read(_ context.Context, p []byte, off int64, _ bool) (int, error) {
	if off >= int64(len(f.data)) {
		return 0, nil
	}
	return copy(p, f.data[off:]), nil
}

// Size implements vfs.Seekable.
func (f *snapshotFile) Size() (int64, error) { return int64(len(f.data)), nil }

// Release implements vfs.FileImpl.
func (f *snapshotFile) Release() {}

// symlinkNode is a symbolic link whose text may depend on the caller
// ("self", "thread-self").
type symlinkNode struct {
	attrs
	vfs.NotDir
	target func(ctx *vfs.Context) (string, error)
}

// ReadlinkCtx implements vfs.ContextReadlinker.
func (n *symlinkNode) ReadlinkCtx(ctx *vfs.Context) (string, error) { return n.target(ctx) }

// Readlink implements vfs.Inode for callers without a context.
func (n *symlinkNode) Readlink() (string, error) { return n.target(nil) }

// Open implements vfs.Inode (the vfs never opens a symlink itself).
func (n *symlinkNode) Open(int) (vfs.FileImpl, error) { return nil, unix.ELOOP }

// magicLinkNode is a procfs magic link (exe, cwd, root, fd/N): path
// resolution jumps straight to a Location, readlink shows a text.
type magicLinkNode struct {
	symlinkNode
	resolve func(ctx *vfs.Context) (vfs.Location, error)
}

// ResolveMagic implements vfs.MagicLinker.
func (n *magicLinkNode) ResolveMagic(ctx *vfs.Context) (vfs.Location, error) {
	return n.resolve(ctx)
}

// readOnlyDir gives directories the modifying methods, all refused. The
// vfs already answers EROFS for a read-only filesystem; these are the
// answers of Linux's procfs for callers that bypass it.
type readOnlyDir struct{}

func (readOnlyDir) Create(string, uint32, uint64, vfs.Cred) (vfs.Inode, error) {
	return nil, unix.EACCES
}
func (readOnlyDir) Mkdir(string, uint32, vfs.Cred) (vfs.Inode, error) { return nil, unix.EACCES }
func (readOnlyDir) Symlink(string, string, vfs.Cred) (vfs.Inode, error) {
	return nil, unix.EACCES
}
func (readOnlyDir) Link(string, vfs.Inode) error                   { return unix.EACCES }
func (readOnlyDir) Unlink(string) error                            { return unix.EACCES }
func (readOnlyDir) Rmdir(string) error                             { return unix.EACCES }
func (readOnlyDir) Rename(string, vfs.Inode, string, uint32) error { return unix.EACCES }

// noWrite gives open files a Write that fails: procfs files are only ever
// opened for reading.
type noWrite struct{}

// Write implements vfs.FileImpl.
func (noWrite) Write(context.Context, []byte, int64, bool) (int, error) { return 0, unix.EBADF }
