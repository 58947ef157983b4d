package fs

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/ext2"
	"github.com/elfloader/elfloader/vfs/procfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
	"github.com/elfloader/elfloader/vfs/sysfs"
)

// fsParams are the parameters of a filesystem instance being made (mount
// data, fsconfig): the superblock flags every filesystem takes and the
// options of the type.
type fsParams struct {
	fsType string
	source string
	hasSrc bool
	ro     *bool // "ro"/"rw" given (a reconfigure changes only what was)
	mode   uint32
	uid    uint32
	gid    uint32
	// typeOptions is set once an option of the type was given.
	typeOptions bool
	sizeKiB     uint64 // size= and nr_blocks=, 0 unless given
	nrInodes    uint64
	inode64     bool
}

// fsTypes are the filesystem types mount(2) and fsopen know, with the
// options each takes; a type elfloader does not have answers ENODEV.
var fsTypes = map[string]func(key, value string, hasValue bool, p *fsParams) error{
	"tmpfs":    parseTmpfsOption,
	"ramfs":    parseTmpfsOption,
	"proc":     parseNoOption,
	"sysfs":    parseNoOption,
	"devtmpfs": parseNoOption,
	"devpts":   parseDevptsOption,
	"ext2":     parseNoOption,
}

func newFSParams(fsType string) (*fsParams, error) {
	if _, ok := fsTypes[fsType]; !ok {
		return nil, unix.ENODEV
	}
	p := &fsParams{fsType: fsType, mode: 0o1777}
	if fsType == "ramfs" {
		p.mode = 0o755
	}
	return p, nil
}

// parse applies one parameter: a superblock flag, "source", or an option
// of the type (EINVAL for an unknown one or a missing value).
func (p *fsParams) parse(key, value string, hasValue bool) error {
	if key == "" {
		return unix.EINVAL
	}
	switch key {
	case "ro", "rw":
		ro := key == "ro"
		p.ro = &ro
		return nil
	case "sync", "async", "dirsync", "lazytime", "nolazytime", "mand", "nomand", "silent":
		return nil // superblock flags without an effect on in-memory filesystems
	case "source":
		if !hasValue || p.hasSrc {
			return unix.EINVAL
		}
		p.source, p.hasSrc = value, true
		return nil
	}
	if err := fsTypes[p.fsType](key, value, hasValue, p); err != nil {
		return err
	}
	p.typeOptions = true
	return nil
}

// parseData parses mount(2)'s comma-separated data string.
func (p *fsParams) parseData(data string) error {
	for opt := range strings.SplitSeq(data, ",") {
		if opt == "" {
			continue
		}
		key, value, hasValue := strings.Cut(opt, "=")
		if err := p.parse(key, value, hasValue); err != nil {
			return err
		}
	}
	return nil
}

func parseNoOption(string, string, bool, *fsParams) error { return unix.EINVAL }

// parseDevptsOption accepts devpts's options (newinstance, gid=, mode=,
// ptmxmode=, uid=, max=); the one instance keeps Linux's defaults.
func parseDevptsOption(key, _ string, hasValue bool, _ *fsParams) error {
	switch key {
	case "newinstance":
		return nil
	case "gid", "uid", "mode", "ptmxmode", "max":
		if hasValue {
			return nil
		}
	}
	return unix.EINVAL
}

// parseTmpfsOption takes tmpfs's size, nr_blocks, nr_inodes (recorded
// and shown: memory is not limited per instance), mode, uid, gid,
// inode32 and inode64.
func parseTmpfsOption(key, value string, hasValue bool, p *fsParams) error {
	if key == "inode32" || key == "inode64" {
		if hasValue {
			return unix.EINVAL
		}
		p.inode64 = key == "inode64"
		return nil
	}
	if !hasValue {
		return unix.EINVAL
	}
	switch key {
	case "size", "nr_blocks", "nr_inodes":
		n, ok := memparse(value)
		if !ok {
			return unix.EINVAL
		}
		page := uint64(unix.Getpagesize())
		switch key {
		case "size":
			p.sizeKiB = (n + page - 1) / page * page >> 10
		case "nr_blocks":
			p.sizeKiB = n * page >> 10
		default:
			p.nrInodes = n
		}
		return nil
	case "mode":
		mode, err := strconv.ParseUint(value, 8, 32)
		if err != nil {
			return unix.EINVAL
		}
		p.mode = uint32(mode) & 0o7777
		return nil
	case "uid", "gid":
		id, err := strconv.ParseUint(value, 10, 32)
		if err != nil {
			return unix.EINVAL
		}
		if key == "uid" {
			p.uid = uint32(id)
		} else {
			p.gid = uint32(id)
		}
		return nil
	}
	return unix.EINVAL
}

// memparse reads a number with an optional k, m, g, t, p or e suffix, as
// Linux's memparse.
func memparse(s string) (uint64, bool) {
	shift := 0
	if n := len(s); n > 0 {
		if i := strings.IndexByte("kmgtpe", s[n-1]|0x20); i >= 0 {
			shift, s = 10*(i+1), s[:n-1]
		}
	}
	v, err := strconv.ParseUint(s, 0, 64)
	return v << shift, err == nil
}

// superOptions are the type's options as mountinfo's super options show
// them: tmpfs's in shmem_show_options' order, each only when not the
// default.
func (p *fsParams) superOptions() string {
	if p.fsType != "tmpfs" && p.fsType != "ramfs" {
		return ""
	}
	var shown []string
	if p.sizeKiB != 0 {
		shown = append(shown, fmt.Sprintf("size=%dk", p.sizeKiB))
	}
	if p.nrInodes != 0 {
		shown = append(shown, fmt.Sprintf("nr_inodes=%d", p.nrInodes))
	}
	def := uint32(0o1777)
	if p.fsType == "ramfs" {
		def = 0o755
	}
	if p.mode != def {
		shown = append(shown, fmt.Sprintf("mode=%03o", p.mode))
	}
	if p.uid != 0 {
		shown = append(shown, fmt.Sprintf("uid=%d", p.uid))
	}
	if p.gid != 0 {
		shown = append(shown, fmt.Sprintf("gid=%d", p.gid))
	}
	if p.inode64 {
		shown = append(shown, "inode64")
	}
	return strings.Join(shown, ",")
}

// readOnly is the superblock's read-only flag for a new instance.
func (p *fsParams) readOnly() bool { return p.ro != nil && *p.ro }

// newDetachedMount makes a new instance of the filesystem p describes,
// mounted nowhere yet. devtmpfs has one instance: a second mount shows
// the one on /dev.
func newDetachedMount(t *kernel.Task, p *fsParams, attr uint64) (*vfs.Mount, error) {
	v := t.Kernel().VFS()
	if v == nil {
		return nil, unix.ENOSYS
	}
	source := p.source
	if !p.hasSrc {
		source = "none"
	}
	var fs vfs.FileSystem
	switch p.fsType {
	case "tmpfs", "ramfs":
		rfs := ramfs.New(ramfs.Options{Dev: v.NewAnonDev(), RootMode: p.mode, PathCacheable: true})
		if p.uid != 0 || p.gid != 0 {
			if err := rfs.RootInode().SetAttr(vfs.SetAttr{Mask: vfs.AttrUID | vfs.AttrGID, UID: p.uid, GID: p.gid}); err != nil {
				return nil, err
			}
		}
		fs = rfs
	case "proc":
		fs = procfs.New(t.Kernel().ProcProvider(), v.NewAnonDev())
	case "sysfs":
		fs = sysfs.New(v.NewAnonDev())
	case "ext2":
		dev, err := openBlockDevice(t, p)
		if err != nil {
			return nil, err
		}
		efs, err := ext2.New(dev.impl, dev.rdev)
		if err != nil {
			dev.file.DecRef()
			return nil, unix.EINVAL
		}
		efs.OnRelease(dev.file.DecRef) // the mounts hold the device open, as Linux's superblock
		fs = efs
	case "devpts":
		// One instance (posix/pty): a mount shows the one on /dev/pts.
		pts, ok := v.FindSuper("devpts")
		if !ok {
			return nil, unix.ENODEV
		}
		return v.MountSuper(pts, attr), nil
	case "devtmpfs":
		dev, ok := v.FindSuper("devtmpfs")
		if !ok {
			return nil, unix.ENODEV
		}
		m := v.MountSuper(dev, attr)
		return m, nil
	default:
		return nil, unix.ENODEV
	}
	m, err := v.NewMount(fs, vfs.MountOptions{Attr: attr, Source: source, Type: p.fsType, FSOptions: p.superOptions()})
	if err != nil {
		return nil, err
	}
	if p.readOnly() {
		if err := v.SetSuperReadOnly(m, true); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// blockDevice is the device a disk filesystem is read from, open.
type blockDevice struct {
	file *vfs.File
	impl vfs.BlockDevice
	rdev uint64
}

// openBlockDevice finds the block device the source names (a loop
// device): ENOTBLK for another kind of file, ENXIO for a device that
// cannot serve a filesystem. The open is the filesystem's until its last
// mount is gone.
func openBlockDevice(t *kernel.Task, p *fsParams) (blockDevice, error) {
	if !p.hasSrc || p.source == "" {
		return blockDevice{}, unix.ENOENT
	}
	ctx, err := fsctx(t)
	if err != nil {
		return blockDevice{}, err
	}
	f, err := vfs.OpenAt(ctx, ctx.Cwd, p.source, vfs.OpenHow{Flags: unix.O_RDONLY})
	if err != nil {
		return blockDevice{}, err
	}
	st, err := f.Stat()
	impl, ok := f.Impl().(vfs.BlockDevice)
	switch {
	case err != nil:
	case st.Type() != unix.S_IFBLK:
		err = unix.ENOTBLK
	case !ok:
		err = unix.ENXIO
	default:
		return blockDevice{file: f, impl: impl, rdev: st.Rdev}, nil
	}
	f.DecRef()
	return blockDevice{}, err
}
