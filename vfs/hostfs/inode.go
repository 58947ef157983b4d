package hostfs

import (
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/elfloader/elfloader/vfs"
	"golang.org/x/sys/unix"
)

// Inode is a host file, directory or symlink held by an O_PATH descriptor.
type Inode struct {
	fs  *FS
	fd  int // O_PATH|O_NOFOLLOW; closed when the Inode is collected
	ino uint64
	typ uint32

	// children caches recent lookups of a directory for lookupTTL, so
	// that a path walked again and again (a server opening the same file
	// per request) does not cost host syscalls at each component. Changes
	// made through this vfs drop the entries at once; changes made on the
	// host behind the app's back show within LookupTTL (and the vfs's
	// vfs.PathCacheTTL for whole paths it walked).
	mu       sync.Mutex
	children map[string]cachedChild
	// roFD is a read-only descriptor of a regular file, opened once and
	// shared by its read-only opens: regular files are read and mapped
	// at explicit offsets, so descriptions need no host descriptor of
	// their own, and an open costs no host path lookup.
	roFD int
}

type cachedChild struct {
	inode *Inode
	at    time.Time
}

// LookupTTL bounds how long a cached lookup is trusted.
const LookupTTL = time.Second

func (n *Inode) cached(name string) *Inode {
	n.mu.Lock()
	defer n.mu.Unlock()
	c, ok := n.children[name]
	if !ok || time.Since(c.at) > LookupTTL {
		return nil
	}
	return c.inode
}

func (n *Inode) remember(name string, c *Inode) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.children == nil || len(n.children) > 4096 {
		n.children = map[string]cachedChild{}
	}
	n.children[name] = cachedChild{c, time.Now()}
}

// forget drops the cached lookups of a directory whose entries change.
func (n *Inode) forget() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.children = nil
}

// Identity implements vfs.Identifier.
func (n *Inode) Identity() (uint64, uint32) { return n.ino, n.typ }

func (n *Inode) procPath() string { return "/proc/self/fd/" + strconv.Itoa(n.fd) }

func (n *Inode) writable() error {
	if !n.fs.opts.Writable {
		return unix.EROFS
	}
	return nil
}

func (n *Inode) dir() error {
	if n.typ != unix.S_IFDIR {
		return unix.ENOTDIR
	}
	return nil
}

// Stat implements vfs.Inode.
func (n *Inode) Stat() (vfs.Stat, error) {
	defer runtime.KeepAlive(n)
	var st unix.Stat_t
	if err := unix.Fstatat(n.fd, "", &st, unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return vfs.Stat{}, err
	}
	out := vfs.StatFromUnix(&st)
	if n.fs.opts.Dev != 0 {
		out.Dev = n.fs.opts.Dev
	}
	if o, ok := n.fs.recordedOwner(n.ino, st.Mode&unix.S_IFMT); ok {
		out.UID, out.GID = o.uid, o.gid
	}
	return out, nil
}

// HostStatDev implements vfs.HostStatInode for regular files: Stat is the
// host's with the filesystem's st_dev until an owner is recorded.
func (n *Inode) HostStatDev() (uint64, *atomic.Uint64, bool) {
	if n.typ != unix.S_IFREG {
		return 0, nil, false
	}
	g := n.fs.statGate()
	return n.fs.opts.Dev, g, g != nil
}

// SetAttr implements vfs.Inode. Mode, size and times go to the host;
// ownership is recorded in memory.
func (n *Inode) SetAttr(a vfs.SetAttr) error {
	defer runtime.KeepAlive(n)
	if err := n.writable(); err != nil {
		return err
	}
	if a.Mask&vfs.AttrSize != 0 {
		fd, err := n.reopen(unix.O_WRONLY)
		if err != nil {
			return err
		}
		err = unix.Ftruncate(fd, a.Size)
		unix.Close(fd)
		if err != nil {
			return err
		}
	}
	if a.Mask&vfs.AttrMode != 0 {
		if n.typ == unix.S_IFLNK {
			return unix.EOPNOTSUPP
		}
		if err := unix.Chmod(n.procPath(), a.Mode&0o7777); err != nil {
			return err
		}
	}
	if a.Mask&(vfs.AttrUID|vfs.AttrGID) != 0 {
		st, err := n.Stat()
		if err != nil {
			return err
		}
		o := owner{st.UID, st.GID, n.typ}
		if a.Mask&vfs.AttrUID != 0 {
			o.uid = a.UID
		}
		if a.Mask&vfs.AttrGID != 0 {
			o.gid = a.GID
		}
		n.fs.recordOwner(n.ino, o)
	}
	if a.Mask&(vfs.AttrAtime|vfs.AttrMtime) != 0 && n.typ != unix.S_IFLNK {
		ts := []unix.Timespec{{Nsec: unix.UTIME_OMIT}, {Nsec: unix.UTIME_OMIT}}
		if a.Mask&vfs.AttrAtime != 0 {
			ts[0] = a.Atime
		}
		if a.Mask&vfs.AttrMtime != 0 {
			ts[1] = a.Mtime
		}
		if err := unix.UtimesNanoAt(unix.AT_FDCWD, n.procPath(), ts, 0); err != nil {
			return err
		}
	}
	return nil
}

// lookupFD opens name beneath this directory without following symlinks.
func (n *Inode) lookupFD(name string) (int, error) {
	defer runtime.KeepAlive(n)
	return unix.Openat2(n.fd, name, &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_NOFOLLOW | unix.O_CLOEXEC,
		Resolve: resolveFlags,
	})
}

// Lookup implements vfs.Inode.
func (n *Inode) Lookup(name string) (vfs.Inode, error) {
	defer runtime.KeepAlive(n)
	if err := n.dir(); err != nil {
		return nil, err
	}
	if c := n.cached(name); c != nil {
		return c, nil
	}
	fd, err := n.lookupFD(name)
	if err != nil {
		return nil, err
	}
	c, err := n.fs.newInode(fd)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	n.remember(name, c)
	return c, nil
}

// Create implements vfs.Inode for regular files, FIFOs and sockets.
func (n *Inode) Create(name string, mode uint32, _ uint64, cred vfs.Cred) (vfs.Inode, error) {
	defer n.forget()
	defer runtime.KeepAlive(n)
	if err := n.dir(); err != nil {
		return nil, err
	}
	if err := n.writable(); err != nil {
		return nil, err
	}
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		fd, err := unix.Openat2(n.fd, name, &unix.OpenHow{
			Flags:   unix.O_CREAT | unix.O_EXCL | unix.O_WRONLY | unix.O_NOFOLLOW | unix.O_CLOEXEC,
			Mode:    uint64(mode & 0o7777),
			Resolve: resolveFlags,
		})
		if err != nil {
			return nil, err
		}
		unix.Close(fd)
	case unix.S_IFIFO, unix.S_IFSOCK:
		if err := unix.Mknodat(n.fd, name, mode, 0); err != nil {
			return nil, err
		}
	default:
		return nil, unix.EPERM
	}
	return n.created(name, cred)
}

// created looks up a new entry and records the creator as its owner.
func (n *Inode) created(name string, cred vfs.Cred) (vfs.Inode, error) {
	c, err := n.Lookup(name)
	if err != nil {
		return nil, err
	}
	if hi, ok := c.(*Inode); ok && (cred.UID != uint32(unix.Geteuid()) || cred.GID != uint32(unix.Getegid())) {
		n.fs.recordOwner(hi.ino, owner{cred.UID, cred.GID, hi.typ})
	}
	return c, nil
}

// Mkdir implements vfs.Inode.
func (n *Inode) Mkdir(name string, mode uint32, cred vfs.Cred) (vfs.Inode, error) {
	defer n.forget()
	defer runtime.KeepAlive(n)
	if err := n.dir(); err != nil {
		return nil, err
	}
	if err := n.writable(); err != nil {
		return nil, err
	}
	if err := unix.Mkdirat(n.fd, name, mode&0o7777); err != nil {
		return nil, err
	}
	return n.created(name, cred)
}

// Symlink implements vfs.Inode.
func (n *Inode) Symlink(name, target string, cred vfs.Cred) (vfs.Inode, error) {
	defer n.forget()
	defer runtime.KeepAlive(n)
	if err := n.dir(); err != nil {
		return nil, err
	}
	if err := n.writable(); err != nil {
		return nil, err
	}
	if err := unix.Symlinkat(target, n.fd, name); err != nil {
		return nil, err
	}
	return n.created(name, cred)
}

// Link implements vfs.Inode.
func (n *Inode) Link(name string, target vfs.Inode) error {
	defer n.forget()
	defer runtime.KeepAlive(n)
	defer runtime.KeepAlive(target)
	if err := n.dir(); err != nil {
		return err
	}
	if err := n.writable(); err != nil {
		return err
	}
	t, ok := target.(*Inode)
	if !ok || t.fs != n.fs {
		return unix.EXDEV
	}
	err := unix.Linkat(t.fd, "", n.fd, name, unix.AT_EMPTY_PATH)
	if err == unix.ENOENT || err == unix.EPERM {
		// AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; the /proc link names
		// the same inode.
		err = unix.Linkat(unix.AT_FDCWD, t.procPath(), n.fd, name, unix.AT_SYMLINK_FOLLOW)
	}
	return err
}

// Unlink implements vfs.Inode.
func (n *Inode) Unlink(name string) error {
	defer n.forget()
	defer runtime.KeepAlive(n)
	if err := n.dir(); err != nil {
		return err
	}
	if err := n.writable(); err != nil {
		return err
	}
	return unix.Unlinkat(n.fd, name, 0)
}

// Rmdir implements vfs.Inode.
func (n *Inode) Rmdir(name string) error {
	defer n.forget()
	defer runtime.KeepAlive(n)
	if err := n.dir(); err != nil {
		return err
	}
	if err := n.writable(); err != nil {
		return err
	}
	return unix.Unlinkat(n.fd, name, unix.AT_REMOVEDIR)
}

// Rename implements vfs.Inode.
func (n *Inode) Rename(oldName string, newDir vfs.Inode, newName string, flags uint32) error {
	defer n.forget()
	if d, ok := newDir.(*Inode); ok {
		defer d.forget()
	}
	defer runtime.KeepAlive(n)
	defer runtime.KeepAlive(newDir)
	if err := n.dir(); err != nil {
		return err
	}
	if err := n.writable(); err != nil {
		return err
	}
	nd, ok := newDir.(*Inode)
	if !ok || nd.fs != n.fs {
		return unix.EXDEV
	}
	return unix.Renameat2(n.fd, oldName, nd.fd, newName, uint(flags))
}

// Readlink implements vfs.Inode.
func (n *Inode) Readlink() (string, error) {
	defer runtime.KeepAlive(n)
	if n.typ != unix.S_IFLNK {
		return "", unix.EINVAL
	}
	buf := make([]byte, vfs.PathMax)
	l, err := unix.Readlinkat(n.fd, "", buf)
	if err != nil {
		return "", fmt.Errorf("hostfs: readlink: %w", err)
	}
	return string(buf[:l]), nil
}

// reopen opens this very inode for I/O and checks that it is the same
// inode.
func (n *Inode) reopen(flags int) (int, error) {
	defer runtime.KeepAlive(n)
	var fd int
	var err error
	if n.typ == unix.S_IFDIR {
		fd, err = unix.Openat2(n.fd, ".", &unix.OpenHow{
			Flags:   unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC,
			Resolve: resolveFlags,
		})
	} else {
		fd, err = unix.Open(n.procPath(), flags|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return -1, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Ino != n.ino {
		unix.Close(fd)
		return -1, unix.ESTALE
	}
	return fd, nil
}

// Open implements vfs.Inode for regular files and directories; host
// devices, FIFOs and sockets are not opened (ENXIO).
func (n *Inode) Open(flags int) (vfs.FileImpl, error) {
	defer runtime.KeepAlive(n)
	switch n.typ {
	case unix.S_IFREG:
		acc := flags & unix.O_ACCMODE
		if acc == unix.O_ACCMODE {
			acc = unix.O_RDONLY
		}
		if acc != unix.O_RDONLY && !n.fs.opts.Writable {
			return nil, unix.EROFS
		}
		if acc == unix.O_RDONLY {
			fd, err := n.sharedReadFD()
			if err != nil {
				return nil, err
			}
			return &regularFile{fd: fd, shared: true}, nil
		}
		fd, err := n.reopen(acc)
		if err != nil {
			return nil, err
		}
		return &regularFile{fd: fd}, nil
	case unix.S_IFDIR:
		fd, err := n.reopen(unix.O_RDONLY)
		if err != nil {
			return nil, err
		}
		return &dirFile{fd: fd}, nil
	case unix.S_IFLNK:
		return nil, unix.ELOOP
	}
	return nil, unix.ENXIO
}

// sharedReadFD returns the inode's shared read-only descriptor, opening it
// on first use; it is closed when the inode is collected.
func (n *Inode) sharedReadFD() (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.roFD > 0 {
		return n.roFD, nil
	}
	fd, err := n.reopen(unix.O_RDONLY)
	if err != nil {
		return -1, err
	}
	n.roFD = fd
	runtime.AddCleanup(n, func(fd int) { unix.Close(fd) }, fd)
	return fd, nil
}
