package vfs

import (
	"context"

	"golang.org/x/sys/unix"
)

// OpenHow carries open(2)/openat2(2) arguments. Flags are the open flags;
// Mode is used with O_CREAT (the umask is applied here); Resolve holds
// openat2's RESOLVE_* flags. The caller keeps O_CLOEXEC for the fd flag.
type OpenHow struct {
	Flags   int
	Mode    uint32
	Resolve uint64
	// Wait is the context of the waits an open may make (a FIFO waiting
	// for its other end, an open waiting for a lease break): a signal
	// ends it, and the open then fails with EINTR. nil waits without
	// end.
	Wait context.Context
	// Exec marks execve's open of a program or its interpreter (Linux's
	// __FMODE_EXEC), which a Landlock policy checks for
	// LANDLOCK_ACCESS_FS_EXECUTE.
	Exec bool
}

const knownResolveFlags = unix.RESOLVE_NO_XDEV | unix.RESOLVE_NO_MAGICLINKS |
	unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_BENEATH | unix.RESOLVE_IN_ROOT

// OpenAt implements openat(2)/openat2(2) relative to start (the dirfd's
// location, or ctx.Cwd for AT_FDCWD). It returns a File with one
// reference.
func OpenAt(ctx *Context, start Location, path string, how OpenHow) (*File, error) {
	flags := how.Flags
	if how.Resolve&^uint64(knownResolveFlags) != 0 ||
		how.Resolve&unix.RESOLVE_BENEATH != 0 && how.Resolve&unix.RESOLVE_IN_ROOT != 0 {
		return nil, unix.EINVAL
	}
	if flags&unix.O_TMPFILE == unix.O_TMPFILE {
		return nil, unix.EOPNOTSUPP
	}
	if flags&unix.O_CREAT != 0 && flags&unix.O_DIRECTORY != 0 {
		return nil, unix.EINVAL // Linux ≥ 6.4
	}
	isPath := flags&unix.O_PATH != 0
	if isPath {
		flags &= unix.O_PATH | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
	}
	opts := resolveOpts{follow: flags&unix.O_NOFOLLOW == 0, resolve: how.Resolve}

	var loc Location
	var err error
	created := false
	if flags&unix.O_CREAT != 0 {
		loc, created, err = openCreate(ctx, start, path, how, opts)
	} else {
		loc, err = resolve(ctx, start, path, opts)
	}
	if err != nil {
		return nil, err
	}
	return openResolved(ctx, loc, flags, created, how.Wait, false, how.Exec)
}

// OpenLocation opens the file at loc, already found (open_by_handle_at),
// with open(2)'s access checks; O_CREAT creates nothing there.
func OpenLocation(ctx *Context, loc Location, flags int) (*File, error) {
	if !loc.Valid() {
		return nil, unix.ESTALE
	}
	if flags&unix.O_PATH != 0 {
		flags &= unix.O_PATH | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
	}
	return openResolved(ctx, loc, flags&^(unix.O_CREAT|unix.O_EXCL), false, nil, false, false)
}

// OpenNoNotify is OpenLocation for a file that raises no inotify or
// fanotify events, not even its own open and close (Linux's
// FMODE_NONOTIFY): the descriptors fanotify gives with its events.
func OpenNoNotify(ctx *Context, loc Location, flags int) (*File, error) {
	if !loc.Valid() {
		return nil, unix.ESTALE
	}
	return openResolved(ctx, loc, flags&^(unix.O_CREAT|unix.O_EXCL|unix.O_PATH), false, nil, true, false)
}

// openResolved is the second half of an open, once the path is resolved
// (created: the file was just made by this open). wait is OpenHow.Wait;
// noNotify makes a file without events (OpenNoNotify); exec is
// OpenHow.Exec.
func openResolved(ctx *Context, loc Location, flags int, created bool, wait context.Context, noNotify, exec bool) (*File, error) {
	if wait == nil {
		wait = context.Background()
	}
	isPath := flags&unix.O_PATH != 0
	typ := loc.Dentry.typ
	if typ == unix.S_IFLNK {
		if !isPath {
			return nil, unix.ELOOP
		}
	}
	if flags&unix.O_DIRECTORY != 0 && typ != unix.S_IFDIR {
		return nil, unix.ENOTDIR
	}
	if isPath {
		return NewFile(loc, nil, flags), nil
	}

	acc := flags & unix.O_ACCMODE
	wantWrite := acc == unix.O_WRONLY || acc == unix.O_RDWR
	if typ == unix.S_IFDIR && (wantWrite || flags&(unix.O_TRUNC|unix.O_CREAT) != 0) {
		return nil, unix.EISDIR
	}
	if !created {
		if (typ == unix.S_IFCHR || typ == unix.S_IFBLK) && loc.Mount.Attr()&unix.MOUNT_ATTR_NODEV != 0 {
			return nil, unix.EACCES
		}
		if (typ == unix.S_IFREG || typ == unix.S_IFDIR) && (wantWrite || flags&unix.O_TRUNC != 0) && loc.Mount.ReadOnly() {
			return nil, unix.EROFS
		}
		var mask uint32
		if acc == unix.O_RDONLY || acc == unix.O_RDWR {
			mask |= unix.R_OK
		}
		if wantWrite || flags&unix.O_TRUNC != 0 {
			mask |= unix.W_OK
		}
		if err := mayAccess(ctx, loc, mask); err != nil {
			return nil, err
		}
	}
	// The process's Landlock policy comes after the permission bits
	// (security_file_open after may_open), an O_TRUNC's truncation
	// after the open (security_file_truncate).
	guardDenied, err := guardOpen(ctx, loc, acc == unix.O_RDONLY || acc == unix.O_RDWR, wantWrite, exec)
	if err != nil {
		return nil, err
	}
	if !created && flags&unix.O_TRUNC != 0 && typ == unix.S_IFREG && guardDenied&unix.LANDLOCK_ACCESS_FS_TRUNCATE != 0 {
		return nil, unix.EACCES
	}
	// A regular file's open is counted for the lease rules, then breaks
	// the leases it conflicts with before it truncates (do_dentry_open's
	// break_lease comes before handle_truncate; as there, an O_RDONLY
	// open with O_TRUNC breaks only write leases).
	counted := typ == unix.S_IFREG
	lt, key := &loc.Mount.vfs.leases, loc.WatchKey()
	uncount := func() {
		if counted {
			lt.closed(key, nil, !wantWrite)
		}
	}
	if counted {
		lt.opened(key, !wantWrite)
		if err := lt.breakLeases(wait, key, wantWrite, flags&unix.O_NONBLOCK != 0); err != nil {
			uncount()
			return nil, err
		}
	}
	if !created && flags&unix.O_TRUNC != 0 && typ == unix.S_IFREG {
		if err := loc.Dentry.inode.SetAttr(SetAttr{Mask: AttrSize, Size: 0}); err != nil {
			uncount()
			return nil, err
		}
		notifyInode(loc, unix.IN_MODIFY)
	}
	impl, err := openInode(wait, loc, flags)
	if err != nil {
		uncount()
		return nil, err
	}
	if w, ok := impl.(OpenWaiter); ok {
		// A FIFO's open waits for the other end (fifo(7)).
		if err := w.WaitOpen(wait); err != nil {
			impl.Release()
			uncount()
			return nil, err
		}
	}
	f := NewFile(loc, impl, flags)
	f.guardDenied = guardDenied
	f.counted = counted
	f.pid = int32(ctx.PID)
	f.noNotify = noNotify
	notifyFile(f, nil, unix.IN_OPEN)
	return f, nil
}

// OpenWaiter is implemented by files whose open may wait after the file
// is opened: a FIFO's end waits for its peer. WaitOpen returns EINTR when
// ctx ends; the caller then releases the file.
type OpenWaiter interface {
	WaitOpen(ctx context.Context) error
}

// openInode opens the inode at loc: a device node (on any filesystem) is
// the mount tree's device of its numbers, as Linux's char and block
// devices do not belong to the filesystem that holds their node. The
// device gets the open's context (which names the caller to devices that
// need it: a terminal's controlling-terminal rules, a pseudo-terminal
// slave's owner).
func openInode(ctx context.Context, loc Location, flags int) (FileImpl, error) {
	if t := loc.Dentry.typ; t == unix.S_IFCHR || t == unix.S_IFBLK {
		if devices := loc.Mount.vfs.Devices(); devices != nil {
			st, err := loc.Dentry.inode.Stat()
			if err != nil {
				return nil, err
			}
			return devices(ctx, st.Rdev, flags)
		}
	}
	return loc.Dentry.inode.Open(flags)
}

// openCreate resolves an O_CREAT open, creating the file if needed and
// following a final symlink (even a dangling one) unless O_EXCL or
// O_NOFOLLOW forbid it.
func openCreate(ctx *Context, start Location, path string, how OpenHow, opts resolveOpts) (Location, bool, error) {
	p, err := resolveParent(ctx, start, path, opts)
	if err != nil {
		return Location{}, false, err
	}
	for {
		if p.name == "." || p.name == ".." || p.trailing {
			return Location{}, false, unix.EISDIR
		}
		child, err := p.child()
		if err == unix.ENOENT {
			if p.dir.Mount.ReadOnly() {
				return Location{}, false, unix.EROFS
			}
			if err := GuardCheck(ctx, p.dir, unix.LANDLOCK_ACCESS_FS_MAKE_REG); err != nil {
				return Location{}, false, err
			}
			if err := mayAccess(ctx, p.dir, unix.W_OK|unix.X_OK); err != nil {
				return Location{}, false, err
			}
			perm, inherit := createMode(ctx, p.dir.Dentry.inode, unix.S_IFREG, how.Mode)
			in, err := p.dir.Dentry.inode.Create(p.name, unix.S_IFREG|perm, 0, ctx.Cred)
			if err != nil {
				return Location{}, false, err
			}
			if err := inherit.apply(in); err != nil {
				return Location{}, false, err
			}
			notifyEntry(p.dir, p.name, unix.IN_CREATE, 0)
			loc, err := p.child()
			return loc, true, err
		}
		if err != nil {
			return Location{}, false, err
		}
		if how.Flags&unix.O_EXCL != 0 {
			return Location{}, false, unix.EEXIST
		}
		if child.Dentry.typ != unix.S_IFLNK {
			return child, false, nil
		}
		if how.Flags&unix.O_NOFOLLOW != 0 {
			return Location{}, false, unix.ELOOP
		}
		target, comps, slash, err := p.w.followLink(p.dir, child)
		if err != nil {
			return Location{}, false, err
		}
		if len(comps) == 0 {
			loc, err := p.w.walk(target, nil)
			return loc, false, err
		}
		dir, err := p.w.walk(target, comps[:len(comps)-1])
		if err != nil {
			return Location{}, false, err
		}
		if dir.Dentry.typ != unix.S_IFDIR {
			return Location{}, false, unix.ENOTDIR
		}
		p.dir, p.name, p.trailing = dir, comps[len(comps)-1], slash
	}
}

// ResolveAt resolves path to a Location (for chdir, chroot, execve,
// mount). flags accepts AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH.
func ResolveAt(ctx *Context, start Location, path string, flags int) (Location, error) {
	return locate(ctx, start, path, flags)
}

// locate resolves path honouring AT_EMPTY_PATH and AT_SYMLINK_NOFOLLOW.
func locate(ctx *Context, start Location, path string, flags int) (Location, error) {
	if path == "" && flags&unix.AT_EMPTY_PATH != 0 {
		if !start.Valid() {
			return Location{}, unix.EBADF
		}
		return start, nil
	}
	return resolve(ctx, start, path, resolveOpts{follow: flags&unix.AT_SYMLINK_NOFOLLOW == 0})
}

// Locate resolves path from start as the *at calls do (flags:
// AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH) without opening it.
func Locate(ctx *Context, start Location, path string, flags int) (Location, error) {
	return locate(ctx, start, path, flags)
}
