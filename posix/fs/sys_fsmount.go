package fs

import (
	"sync"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
	"github.com/elfloader/elfloader/vfs"
)

func registerFSMount(tb *shim.Table) {
	tb.Register(unix.SYS_FSOPEN, shim.Full, "tmpfs, ramfs, proc, sysfs, devtmpfs, ext2 (read-only, from a loop device); the descriptor's log reads ENODATA", sysFsopen)
	tb.Register(unix.SYS_FSCONFIG, shim.Partial, "SET_FLAG, SET_STRING, CMD_CREATE(_EXCL), CMD_RECONFIGURE; SET_BINARY, SET_PATH(_EMPTY) and SET_FD name no parameter of the types served (EINVAL)", sysFsconfig)
	tb.Register(unix.SYS_FSMOUNT, shim.Full, "", sysFsmount)
	tb.Register(unix.SYS_MOVE_MOUNT, shim.Partial, "moves and attaches mounts; MOVE_MOUNT_BENEATH EINVAL", sysMoveMount)
	tb.Register(unix.SYS_OPEN_TREE, shim.Full, "OPEN_TREE_CLONE (AT_RECURSIVE) makes a detached copy", sysOpenTree)
	tb.Register(unix.SYS_FSPICK, shim.Full, "", sysFspick)
	tb.Register(unix.SYS_MOUNT_SETATTR, shim.Partial, "attributes and propagation as mount(2); MOUNT_ATTR_IDMAP EINVAL (no user namespaces)", sysMountSetattr)
}

// fsContext phases (Linux's fs_context_phase, the ones an app can see).
const (
	phaseCreateParams  = iota // fsopen: parameters, then CMD_CREATE
	phaseAwaitingMount        // created: fsmount
	phaseReconfParams         // fspick: parameters, then CMD_RECONFIGURE
	phaseFailed
)

// fsContext is the descriptor fsopen and fspick return: a filesystem
// instance being configured, then created (or reconfigured).
type fsContext struct {
	kernel.FileRefs
	mu     sync.Mutex
	phase  int
	params *fsParams
	target *vfs.Mount // the mount fspick picked, or the instance made
}

func newFSContext(v *vfs.VFS, p *fsParams, phase int, target *vfs.Mount) *fsContext {
	c := &fsContext{params: p, phase: phase, target: target}
	c.InitRefs(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.target != nil && c.phase == phaseAwaitingMount {
			v.Discard(c.target) // the instance's own mount, never attached
		}
	})
	return c
}

// Read implements kernel.File: the message log is always empty.
func (c *fsContext) Read(*kernel.Task, []byte) (int, error) { return 0, unix.ENODATA }

// Write implements kernel.File: the context is not writable.
func (c *fsContext) Write(*kernel.Task, []byte) (int, error) { return 0, unix.EINVAL }

func installFile(t *kernel.Task, f kernel.File, cloexec bool) (uint64, error) {
	defer f.DecRef()
	fd, err := t.Process().Files().Install(f, 0, cloexec)
	return uint64(fd), err
}

func sysFsopen(t *kernel.Task, a shim.Args) (uint64, error) {
	if err := mayMount(t); err != nil {
		return 0, err
	}
	flags := a[1]
	if flags&^unix.FSOPEN_CLOEXEC != 0 {
		return 0, unix.EINVAL
	}
	name, err := path(t, a[0])
	if err != nil {
		return 0, err
	}
	p, err := newFSParams(name)
	if err != nil {
		return 0, err
	}
	return installFile(t, newFSContext(t.Kernel().VFS(), p, phaseCreateParams, nil), flags&unix.FSOPEN_CLOEXEC != 0)
}

// fsContextOf returns the fs context at fd (EBADF, or EINVAL for another
// file) with a reference the caller drops.
func fsContextOf(t *kernel.Task, fd int) (*fsContext, error) {
	f, err := fileOf(t, fd)
	if err != nil {
		return nil, err
	}
	c, ok := f.(*fsContext)
	if !ok {
		f.DecRef()
		return nil, unix.EINVAL
	}
	return c, nil
}

// fsconfigKeyMax is the longest parameter key or value fsconfig reads.
const fsconfigKeyMax = 256

func sysFsconfig(t *kernel.Task, a shim.Args) (uint64, error) {
	fd, cmd, keyAddr, valueAddr, aux := a.Int(0), a[1], a[2], a[3], a.Int(4)
	if fd < 0 {
		return 0, unix.EINVAL
	}
	if err := checkFsconfigArgs(cmd, keyAddr != 0, valueAddr != 0, aux); err != nil {
		return 0, err
	}
	c, err := fsContextOf(t, fd)
	if err != nil {
		return 0, err
	}
	defer c.DecRef()
	var key, value string
	if keyAddr != 0 {
		if key, _, err = optionalString(t, keyAddr, fsconfigKeyMax); err != nil {
			return 0, err
		}
	}
	if cmd == unix.FSCONFIG_SET_STRING {
		if value, _, err = optionalString(t, valueAddr, fsconfigKeyMax); err != nil {
			return 0, err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return 0, c.config(t, cmd, key, value)
}

// checkFsconfigArgs is fsconfig's first check: which of key, value and
// aux each command takes.
func checkFsconfigArgs(cmd uint64, hasKey, hasValue bool, aux int) error {
	switch cmd {
	case unix.FSCONFIG_SET_FLAG:
		if !hasKey || hasValue || aux != 0 {
			return unix.EINVAL
		}
	case unix.FSCONFIG_SET_STRING:
		if !hasKey || !hasValue || aux != 0 {
			return unix.EINVAL
		}
	case unix.FSCONFIG_SET_BINARY:
		if !hasKey || !hasValue || aux <= 0 || aux > 1<<20 {
			return unix.EINVAL
		}
	case unix.FSCONFIG_SET_PATH, unix.FSCONFIG_SET_PATH_EMPTY:
		if !hasKey || !hasValue || aux != unix.AT_FDCWD && aux < 0 {
			return unix.EINVAL
		}
	case unix.FSCONFIG_SET_FD:
		if !hasKey || hasValue || aux < 0 {
			return unix.EINVAL
		}
	case unix.FSCONFIG_CMD_CREATE, linux.FSCONFIG_CMD_CREATE_EXCL, unix.FSCONFIG_CMD_RECONFIGURE:
		if hasKey || hasValue || aux != 0 {
			return unix.EINVAL
		}
	default:
		return unix.EOPNOTSUPP
	}
	return nil
}

// config runs one fsconfig command. Caller holds c.mu.
func (c *fsContext) config(t *kernel.Task, cmd uint64, key, value string) error {
	switch cmd {
	case unix.FSCONFIG_CMD_CREATE, linux.FSCONFIG_CMD_CREATE_EXCL:
		if c.phase != phaseCreateParams {
			return unix.EBUSY
		}
		if err := mayMount(t); err != nil {
			return err
		}
		m, err := newDetachedMount(t, c.params, 0)
		if err != nil {
			c.phase = phaseFailed
			return err
		}
		c.target, c.phase = m, phaseAwaitingMount
		return nil
	case unix.FSCONFIG_CMD_RECONFIGURE:
		if c.phase != phaseReconfParams {
			return unix.EBUSY
		}
		return c.reconfigure(t)
	}
	if c.phase != phaseCreateParams && c.phase != phaseReconfParams {
		return unix.EBUSY
	}
	switch cmd {
	case unix.FSCONFIG_SET_FLAG:
		return c.params.parse(key, "", false)
	case unix.FSCONFIG_SET_STRING:
		return c.params.parse(key, value, true)
	}
	return unix.EINVAL // no parameter of the types served takes a blob, a path or a descriptor
}

// reconfigure applies what was set on an fspick context: the
// superblock's read-only flag when "ro" or "rw" was given, and the type's
// options.
func (c *fsContext) reconfigure(t *kernel.Task) error {
	if err := mayMount(t); err != nil {
		return err
	}
	v := t.Kernel().VFS()
	if ro := c.params.ro; ro != nil {
		if err := v.SetSuperReadOnly(c.target, *ro); err != nil {
			return err
		}
	}
	if c.params.typeOptions {
		c.target.SetSuperOptions(c.params.superOptions())
	}
	p, err := newFSParams(c.params.fsType)
	if err != nil {
		p = &fsParams{fsType: c.params.fsType}
	}
	c.params = p
	return nil
}

// fsmountAttrs are the attributes fsmount and mount_setattr take.
const fsmountAttrs = unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC |
	unix.MOUNT_ATTR__ATIME | unix.MOUNT_ATTR_NODIRATIME | unix.MOUNT_ATTR_NOSYMFOLLOW

func sysFsmount(t *kernel.Task, a shim.Args) (uint64, error) {
	if err := mayMount(t); err != nil {
		return 0, err
	}
	flags, attr := a[1], a[2]
	if flags&^unix.FSMOUNT_CLOEXEC != 0 || attr&^fsmountAttrs != 0 {
		return 0, unix.EINVAL
	}
	switch attr & unix.MOUNT_ATTR__ATIME {
	case unix.MOUNT_ATTR_STRICTATIME, unix.MOUNT_ATTR_NOATIME, unix.MOUNT_ATTR_RELATIME:
	default:
		return 0, unix.EINVAL
	}
	c, err := fsContextOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer c.DecRef()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.target == nil {
		return 0, unix.EINVAL
	}
	if c.phase != phaseAwaitingMount {
		return 0, unix.EBUSY
	}
	v := t.Kernel().VFS()
	m := v.MountSuper(c.target, attr)
	return installMountFile(t, m.Root(), flags&unix.FSMOUNT_CLOEXEC != 0)
}

// installMountFile gives the app an O_PATH descriptor of loc (fsmount's
// and open_tree's result).
func installMountFile(t *kernel.Task, loc vfs.Location, cloexec bool) (uint64, error) {
	name := "/"
	if ctx, err := fsctx(t); err == nil {
		if p, err := vfs.PathOf(ctx, loc); err == nil {
			name = p
		}
	}
	return installFile(t, kernel.NewVFSFile(vfs.NewFile(loc, nil, unix.O_PATH), name), cloexec)
}

// moveMountFlags are move_mount's flags (MOVE_MOUNT__MASK).
const moveMountFlags = unix.MOVE_MOUNT_F_SYMLINKS | unix.MOVE_MOUNT_F_AUTOMOUNTS | unix.MOVE_MOUNT_F_EMPTY_PATH |
	unix.MOVE_MOUNT_T_SYMLINKS | unix.MOVE_MOUNT_T_AUTOMOUNTS | unix.MOVE_MOUNT_T_EMPTY_PATH |
	unix.MOVE_MOUNT_SET_GROUP | linux.MOVE_MOUNT_BENEATH

func sysMoveMount(t *kernel.Task, a shim.Args) (uint64, error) {
	if err := mayMount(t); err != nil {
		return 0, err
	}
	flags := a[4]
	if flags&^moveMountFlags != 0 || flags&linux.MOVE_MOUNT_BENEATH != 0 {
		return 0, unix.EINVAL
	}
	from, err := resolveMountPath(t, a, 0, 1, flags&unix.MOVE_MOUNT_F_SYMLINKS != 0, flags&unix.MOVE_MOUNT_F_EMPTY_PATH != 0)
	if err != nil {
		return 0, err
	}
	to, err := resolveMountPath(t, a, 2, 3, flags&unix.MOVE_MOUNT_T_SYMLINKS != 0, flags&unix.MOVE_MOUNT_T_EMPTY_PATH != 0)
	if err != nil {
		return 0, err
	}
	if !from.IsMountRoot() {
		return 0, unix.EINVAL
	}
	if flags&unix.MOVE_MOUNT_SET_GROUP != 0 {
		// Both private: nothing to share, once Linux's checks pass.
		if !to.IsMountRoot() || !vfs.SameSuper(from.Mount, to.Mount) {
			return 0, unix.EINVAL
		}
		return 0, nil
	}
	return 0, t.Kernel().VFS().Move(from.Mount, to)
}

// resolveMountPath resolves a (dirfd, path) pair of the mount calls.
func resolveMountPath(t *kernel.Task, a shim.Args, dirArg, pathArg int, follow, emptyPath bool) (vfs.Location, error) {
	ctx, loc, p, err := at(t, a, dirArg, pathArg)
	if err != nil {
		return vfs.Location{}, err
	}
	flags := 0
	if !follow {
		flags |= unix.AT_SYMLINK_NOFOLLOW
	}
	if emptyPath {
		flags |= unix.AT_EMPTY_PATH
	}
	return vfs.ResolveAt(ctx, loc, p, flags)
}

func sysOpenTree(t *kernel.Task, a shim.Args) (uint64, error) {
	flags := a[2]
	const known = unix.AT_EMPTY_PATH | unix.AT_NO_AUTOMOUNT | unix.AT_RECURSIVE | unix.AT_SYMLINK_NOFOLLOW |
		unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC
	if flags&^known != 0 || flags&(unix.AT_RECURSIVE|unix.OPEN_TREE_CLONE) == unix.AT_RECURSIVE {
		return 0, unix.EINVAL
	}
	clone := flags&unix.OPEN_TREE_CLONE != 0
	if clone {
		if err := mayMount(t); err != nil {
			return 0, err
		}
	}
	loc, err := resolveMountPath(t, a, 0, 1, flags&unix.AT_SYMLINK_NOFOLLOW == 0, flags&unix.AT_EMPTY_PATH != 0)
	if err != nil {
		return 0, err
	}
	if clone {
		m, err := t.Kernel().VFS().Clone(loc, flags&unix.AT_RECURSIVE != 0)
		if err != nil {
			return 0, err
		}
		loc = m.Root()
	}
	return installMountFile(t, loc, flags&unix.OPEN_TREE_CLOEXEC != 0)
}

func sysFspick(t *kernel.Task, a shim.Args) (uint64, error) {
	if err := mayMount(t); err != nil {
		return 0, err
	}
	flags := a[2]
	if flags&^(unix.FSPICK_CLOEXEC|unix.FSPICK_SYMLINK_NOFOLLOW|unix.FSPICK_NO_AUTOMOUNT|unix.FSPICK_EMPTY_PATH) != 0 {
		return 0, unix.EINVAL
	}
	loc, err := resolveMountPath(t, a, 0, 1, flags&unix.FSPICK_SYMLINK_NOFOLLOW == 0, flags&unix.FSPICK_EMPTY_PATH != 0)
	if err != nil {
		return 0, err
	}
	if !loc.IsMountRoot() {
		return 0, unix.EINVAL
	}
	info, ok := mountInfoOf(t.Kernel().VFS(), t.Process().FS, loc.Mount)
	if !ok {
		info.Type = ""
	}
	p, err := newFSParams(info.Type)
	if err != nil {
		p = &fsParams{fsType: info.Type}
	}
	return installFile(t, newFSContext(t.Kernel().VFS(), p, phaseReconfParams, loc.Mount), flags&unix.FSPICK_CLOEXEC != 0)
}

func sysMountSetattr(t *kernel.Task, a shim.Args) (uint64, error) {
	flags, size := a[2], a[4]
	if flags&^(unix.AT_EMPTY_PATH|unix.AT_RECURSIVE|unix.AT_SYMLINK_NOFOLLOW|unix.AT_NO_AUTOMOUNT) != 0 {
		return 0, unix.EINVAL
	}
	if size > uint64(unix.Getpagesize()) {
		return 0, unix.E2BIG
	}
	if size < unix.MOUNT_ATTR_SIZE_VER0 {
		return 0, unix.EINVAL
	}
	if err := mayMount(t); err != nil {
		return 0, err
	}
	attr, err := copyInMountAttr(t, a[3], int(size))
	if err != nil {
		return 0, err
	}
	if attr.Attr_set == 0 && attr.Attr_clr == 0 && attr.Propagation == 0 {
		return 0, nil
	}
	set, clr, err := mountSetattrBits(attr)
	if err != nil {
		return 0, err
	}
	loc, err := resolveMountPath(t, a, 0, 1, flags&unix.AT_SYMLINK_NOFOLLOW == 0, flags&unix.AT_EMPTY_PATH != 0)
	if err != nil {
		return 0, err
	}
	if !loc.IsMountRoot() {
		return 0, unix.EINVAL
	}
	v, recursive := t.Kernel().VFS(), flags&unix.AT_RECURSIVE != 0
	if err := v.SetAttr(loc.Mount, set, clr, recursive); err != nil {
		return 0, err
	}
	if attr.Propagation == 0 {
		return 0, nil
	}
	prop := attr.Propagation
	if recursive {
		prop |= unix.MS_REC
	}
	return 0, changePropagation(v, loc, prop)
}

// copyInMountAttr reads a struct mount_attr of the app's size: a larger
// one must be zero past the fields known (E2BIG otherwise).
func copyInMountAttr(t *kernel.Task, addr uint64, size int) (unix.MountAttr, error) {
	var attr unix.MountAttr
	buf := make([]byte, size)
	if err := t.CopyIn(addr, buf); err != nil {
		return attr, err
	}
	known := int(unix.MOUNT_ATTR_SIZE_VER0)
	for _, b := range buf[min(known, size):] {
		if b != 0 {
			return attr, unix.E2BIG
		}
	}
	return attr, kernel.CopyInStruct(t, addr, &attr)
}

// mountSetattrBits checks mount_attr's attributes and propagation as
// build_mount_kattr does and returns the bits to set and clear.
func mountSetattrBits(attr unix.MountAttr) (set, clr uint64, err error) {
	if attr.Propagation&^msPropagation != 0 || bitsSet(attr.Propagation) > 1 {
		return 0, 0, unix.EINVAL
	}
	if (attr.Attr_set|attr.Attr_clr)&^(fsmountAttrs|unix.MOUNT_ATTR_IDMAP) != 0 {
		return 0, 0, unix.EINVAL
	}
	if attr.Attr_set&unix.MOUNT_ATTR_IDMAP != 0 {
		return 0, 0, unix.EINVAL // no user namespace to map through
	}
	set, clr = attr.Attr_set, attr.Attr_clr&^unix.MOUNT_ATTR_IDMAP
	if clr&unix.MOUNT_ATTR__ATIME != 0 {
		if clr&unix.MOUNT_ATTR__ATIME != unix.MOUNT_ATTR__ATIME {
			return 0, 0, unix.EINVAL
		}
		switch set & unix.MOUNT_ATTR__ATIME {
		case unix.MOUNT_ATTR_RELATIME, unix.MOUNT_ATTR_NOATIME, unix.MOUNT_ATTR_STRICTATIME:
		default:
			return 0, 0, unix.EINVAL
		}
	} else if set&unix.MOUNT_ATTR__ATIME != 0 {
		return 0, 0, unix.EINVAL
	}
	return set, clr, nil
}

func bitsSet(x uint64) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}
