package fs

import (
	"errors"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
	"github.com/elfloader/elfloader/vfs"
)

const mountNote = "over elfloader's own mount tree, never the host's: tmpfs, ramfs, proc, sysfs, devtmpfs (the one on /dev), ext2 read-only from a loop device; MS_BIND (MS_REC), MS_MOVE, MS_REMOUNT (with MS_BIND: the mount's flags), MS_RDONLY/NOSUID/NODEV/NOEXEC/atime flags/NOSYMFOLLOW; propagation: MS_PRIVATE, MS_SLAVE and MS_UNBINDABLE as in a private tree, MS_SHARED EINVAL (no peer groups); noexec (execve EACCES, mmap PROT_EXEC EPERM) and nodev (EACCES) are enforced, nosuid is recorded (elfloader runs no set-id programs)"

func registerMount(tb *shim.Table) {
	tb.Register(unix.SYS_MOUNT, shim.Partial, mountNote, sysMount)
	tb.Register(unix.SYS_UMOUNT2, shim.Partial, "MNT_DETACH, MNT_FORCE, MNT_EXPIRE, UMOUNT_NOFOLLOW; busy (EBUSY): a mount inside, an open file, a process's cwd or root, not a mapping whose descriptor was closed; umount of the caller's root remounts it read-only, as Linux", sysUmount2)
	registerFSMount(tb)
}

// Linux's mount(2) flags that golang.org/x/sys/unix does not name apart.
const (
	msMgcMask     = 0xffff0000 // MS_MGC_MSK
	msMgcVal      = 0xc0ed0000 // MS_MGC_VAL
	msNoUser      = 1 << 31    // MS_NOUSER
	msPropagation = unix.MS_SHARED | unix.MS_PRIVATE | unix.MS_SLAVE | unix.MS_UNBINDABLE
)

// mayMount is may_mount(): CAP_SYS_ADMIN in the caller's credentials.
func mayMount(t *kernel.Task) error {
	if !t.Process().HasCap(kernel.CapSysAdmin) {
		return unix.EPERM
	}
	return nil
}

// optionalString reads a string argument that may be NULL.
func optionalString(t *kernel.Task, addr uint64, max int) (string, bool, error) {
	if addr == 0 {
		return "", false, nil
	}
	s, err := t.CopyInString(addr, max)
	if errors.Is(err, unix.ENAMETOOLONG) {
		err = unix.EINVAL // strndup_user's answer
	}
	return s, true, err
}

// mountData reads mount(2)'s data page: the string up to its NUL or a
// page, whichever ends first.
func mountData(t *kernel.Task, addr uint64) (string, error) {
	if addr == 0 {
		return "", nil
	}
	s, err := t.CopyInString(addr, unix.Getpagesize())
	if errors.Is(err, unix.ENAMETOOLONG) {
		buf := make([]byte, unix.Getpagesize())
		if err := t.CopyIn(addr, buf); err != nil {
			return "", err
		}
		return string(buf[:len(buf)-1]), nil
	}
	return s, err
}

func sysMount(t *kernel.Task, a shim.Args) (uint64, error) {
	source, hasSource, err := optionalString(t, a[0], unix.Getpagesize())
	if err != nil {
		return 0, err
	}
	fsType, hasType, err := optionalString(t, a[2], unix.Getpagesize())
	if err != nil {
		return 0, err
	}
	data, err := mountData(t, a[4])
	if err != nil {
		return 0, err
	}
	ctx, loc, p, err := at(t, a, -1, 1)
	if err != nil {
		return 0, err
	}
	target, err := vfs.ResolveAt(ctx, loc, p, 0)
	if err != nil {
		return 0, err
	}
	flags := a[3]
	if flags&msMgcMask == msMgcVal {
		flags &^= msMgcMask
	}
	if flags&msNoUser != 0 {
		return 0, unix.EINVAL
	}
	if err := mayMount(t); err != nil {
		return 0, err
	}
	attr := mountAttrOf(flags)
	if flags&unix.MS_REMOUNT != 0 && flags&(unix.MS_NOATIME|unix.MS_NODIRATIME|unix.MS_RELATIME|unix.MS_STRICTATIME) == 0 {
		// A remount keeps the atime mode unless it names one.
		const atimeBits = unix.MOUNT_ATTR__ATIME | unix.MOUNT_ATTR_NODIRATIME
		attr = attr&^atimeBits | target.Mount.Attr()&atimeBits
	}
	req := mountRequest{t: t, ctx: ctx, target: target, flags: flags, attr: attr,
		source: source, hasSource: hasSource, fsType: fsType, hasType: hasType, data: data}
	return 0, req.do()
}

// mountRequest is one mount(2) call after its arguments are read.
type mountRequest struct {
	t                    *kernel.Task
	ctx                  *vfs.Context
	target               vfs.Location
	flags                uint64
	attr                 uint64
	source, fsType, data string
	hasSource, hasType   bool
}

// do dispatches as path_mount does: remount, bind, propagation, move,
// else a new mount.
func (r *mountRequest) do() error {
	v := r.t.Kernel().VFS()
	switch {
	case r.flags&(unix.MS_REMOUNT|unix.MS_BIND) == unix.MS_REMOUNT|unix.MS_BIND:
		if !r.target.IsMountRoot() {
			return unix.EINVAL
		}
		return v.SetAttr(r.target.Mount, r.attr, mountSettable, false)
	case r.flags&unix.MS_REMOUNT != 0:
		return r.remount(v)
	case r.flags&unix.MS_BIND != 0:
		return r.bind(v)
	case r.flags&msPropagation != 0:
		return changePropagation(v, r.target, r.flags)
	case r.flags&unix.MS_MOVE != 0:
		from, err := r.sourcePath()
		if err != nil {
			return err
		}
		if !from.IsMountRoot() {
			return unix.EINVAL
		}
		return v.Move(from.Mount, r.target)
	}
	if !r.hasType {
		return unix.EINVAL
	}
	p, err := newFSParams(r.fsType)
	if err != nil {
		return err
	}
	if r.hasSource {
		p.source, p.hasSrc = r.source, true
	}
	if r.flags&unix.MS_RDONLY != 0 {
		ro := true
		p.ro = &ro
	}
	if err := p.parseData(r.data); err != nil {
		return err
	}
	m, err := newDetachedMount(r.t, p, r.attr)
	if err != nil {
		return err
	}
	return v.Attach(m, r.target, true)
}

// sourcePath resolves the source argument of MS_BIND and MS_MOVE (EINVAL
// when missing or empty).
func (r *mountRequest) sourcePath() (vfs.Location, error) {
	if !r.hasSource || r.source == "" {
		return vfs.Location{}, unix.EINVAL
	}
	return vfs.ResolveAt(r.ctx, r.ctx.Cwd, r.source, 0)
}

func (r *mountRequest) bind(v *vfs.VFS) error {
	from, err := r.sourcePath()
	if err != nil {
		return err
	}
	m, err := v.Clone(from, r.flags&unix.MS_REC != 0)
	if err != nil {
		return err
	}
	return v.Attach(m, r.target, false)
}

// remount reconfigures the filesystem instance (read-only or not, its
// options) and sets the mount's flags, as do_remount.
func (r *mountRequest) remount(v *vfs.VFS) error {
	if !r.target.IsMountRoot() {
		return unix.EINVAL
	}
	m := r.target.Mount
	info, ok := mountInfoOf(v, r.ctx, m)
	if !ok {
		return unix.EINVAL
	}
	p, err := newFSParams(info.Type)
	if err != nil {
		p = &fsParams{fsType: info.Type}
	}
	if err := p.parseRemountData(r.data); err != nil {
		return err
	}
	if err := v.SetSuperReadOnly(m, r.flags&unix.MS_RDONLY != 0); err != nil {
		return err
	}
	if p.typeOptions {
		m.SetSuperOptions(p.superOptions())
	}
	return v.SetAttr(m, r.attr, mountSettable, false)
}

// parseRemountData parses a remount's options: an instance of a type
// elfloader made only through its own image (overlay, hostfs) takes the
// superblock flags alone.
func (p *fsParams) parseRemountData(data string) error {
	if _, ok := fsTypes[p.fsType]; ok {
		return p.parseData(data)
	}
	for opt := range strings.SplitSeq(data, ",") {
		switch opt {
		case "":
		case "ro", "rw", "sync", "async", "dirsync", "lazytime", "nolazytime", "silent":
		default:
			return unix.EINVAL
		}
	}
	return nil
}

// mountInfoOf returns what the tree records of m.
func mountInfoOf(v *vfs.VFS, ctx *vfs.Context, m *vfs.Mount) (vfs.MountInfo, bool) {
	id := m.ID()
	for _, mi := range v.Mounts(ctx) {
		if mi.ID == id {
			return mi, true
		}
	}
	return vfs.MountInfo{}, false
}

// mountSettable are the attributes a remount replaces.
const mountSettable = unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC |
	unix.MOUNT_ATTR__ATIME | unix.MOUNT_ATTR_NODIRATIME | unix.MOUNT_ATTR_NOSYMFOLLOW

// mountAttrOf turns mount(2)'s per-mount flags into MOUNT_ATTR_* bits:
// relatime unless MS_NOATIME or MS_STRICTATIME.
func mountAttrOf(flags uint64) uint64 {
	var attr uint64
	for _, f := range []struct{ ms, attr uint64 }{
		{unix.MS_RDONLY, unix.MOUNT_ATTR_RDONLY}, {unix.MS_NOSUID, unix.MOUNT_ATTR_NOSUID},
		{unix.MS_NODEV, unix.MOUNT_ATTR_NODEV}, {unix.MS_NOEXEC, unix.MOUNT_ATTR_NOEXEC},
		{unix.MS_NODIRATIME, unix.MOUNT_ATTR_NODIRATIME}, {unix.MS_NOSYMFOLLOW, unix.MOUNT_ATTR_NOSYMFOLLOW},
	} {
		if flags&f.ms != 0 {
			attr |= f.attr
		}
	}
	switch {
	case flags&unix.MS_STRICTATIME != 0:
		attr |= unix.MOUNT_ATTR_STRICTATIME
	case flags&unix.MS_NOATIME != 0:
		attr |= unix.MOUNT_ATTR_NOATIME
	}
	return attr
}

// changePropagation is MS_PRIVATE, MS_SLAVE and MS_UNBINDABLE (with
// MS_REC) on a mount root. No mount of elfloader's tree is shared, so a
// slave has no master and is private; MS_SHARED would need peer groups
// and answers EINVAL.
func changePropagation(v *vfs.VFS, target vfs.Location, flags uint64) error {
	if !target.IsMountRoot() {
		return unix.EINVAL
	}
	typ := flags &^ (unix.MS_REC | unix.MS_SILENT)
	recursive := flags&unix.MS_REC != 0
	switch typ {
	case unix.MS_PRIVATE, unix.MS_SLAVE:
		v.SetUnbindable(target.Mount, false, recursive)
	case unix.MS_UNBINDABLE:
		v.SetUnbindable(target.Mount, true, recursive)
	default:
		return unix.EINVAL
	}
	return nil
}

func sysUmount2(t *kernel.Task, a shim.Args) (uint64, error) {
	flags := a.Int(1)
	if flags&^(unix.MNT_FORCE|unix.MNT_DETACH|unix.MNT_EXPIRE|unix.UMOUNT_NOFOLLOW) != 0 {
		return 0, unix.EINVAL
	}
	ctx, loc, p, err := at(t, a, -1, 0)
	if err != nil {
		return 0, err
	}
	rflags := 0
	if flags&unix.UMOUNT_NOFOLLOW != 0 {
		rflags = unix.AT_SYMLINK_NOFOLLOW
	}
	target, err := vfs.ResolveAt(ctx, loc, p, rflags)
	if err != nil {
		return 0, err
	}
	if err := mayMount(t); err != nil {
		return 0, err
	}
	if !target.IsMountRoot() {
		return 0, unix.EINVAL
	}
	return 0, t.Kernel().VFS().Unmount(ctx, target.Mount, vfs.UnmountOptions{
		Flags: flags &^ unix.UMOUNT_NOFOLLOW,
		InUse: func(m *vfs.Mount) bool { return mountInUse(t.Kernel(), m) },
	})
}

// mountInUse reports whether a process has its cwd or root in m.
func mountInUse(k *kernel.Kernel, m *vfs.Mount) bool {
	for _, p := range k.Processes() {
		if fs := p.FS; fs != nil && (fs.Cwd.Mount == m || fs.Root.Mount == m) {
			return true
		}
	}
	return false
}
