package landlock

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
	model "github.com/elfloader/elfloader/vfs/landlock"
)

// Register adds the Landlock syscalls to tb.
func Register(tb *shim.Table) {
	tb.Register(unix.SYS_LANDLOCK_CREATE_RULESET, shim.Partial, "ABI 6: filesystem rights up to IOCTL_DEV (IOCTL_DEV not yet enforced on ioctl), BIND_TCP/CONNECT_TCP, scope SIGNAL; scope ABSTRACT_UNIX_SOCKET is accepted but not enforced (elfloader does not track which domain made a host-backed abstract socket); LANDLOCK_CREATE_RULESET_VERSION and _ERRATA (errata 1 and 2)", sysCreateRuleset)
	tb.Register(unix.SYS_LANDLOCK_ADD_RULE, shim.Full, "LANDLOCK_RULE_PATH_BENEATH and LANDLOCK_RULE_NET_PORT", sysAddRule)
	tb.Register(unix.SYS_LANDLOCK_RESTRICT_SELF, shim.Partial, "restricts the whole process, not only the calling thread (other threads of a multi-threaded caller are restricted too); no ABI 7 logging flags (EINVAL)", sysRestrictSelf)
}

// rulesetFile is a landlock-ruleset descriptor.
type rulesetFile struct {
	kernel.FileRefs
	rs *model.Ruleset
}

// Read implements kernel.File: a ruleset cannot be read.
func (f *rulesetFile) Read(t *kernel.Task, b []byte) (int, error) { return 0, unix.EINVAL }

// Write implements kernel.File: a ruleset cannot be written.
func (f *rulesetFile) Write(t *kernel.Task, b []byte) (int, error) { return 0, unix.EINVAL }

// Name is what /proc/PID/fd shows.
func (f *rulesetFile) Name() string { return "anon_inode:[landlock-ruleset]" }

// StatusFlags implements kernel.FlagFile.
func (f *rulesetFile) StatusFlags() int { return unix.O_RDWR }

// SetStatusFlags implements kernel.FlagFile.
func (f *rulesetFile) SetStatusFlags(int) error { return nil }

// rulesetAttrSize is struct landlock_ruleset_attr of ABI 6
// (handled_access_fs, handled_access_net, scoped); ABI 1's has only the
// first field.
const (
	ruleNetPort        = 2 // LANDLOCK_RULE_NET_PORT
	rulesetAttrSize    = 24
	rulesetAttrMinSize = 8
	pageSize           = 4096
)

func sysCreateRuleset(t *kernel.Task, a shim.Args) (uint64, error) {
	addr, size, flags := a[0], a[1], uint32(a[2])
	if flags != 0 {
		if addr != 0 || size != 0 {
			return 0, unix.EINVAL
		}
		switch flags {
		case unix.LANDLOCK_CREATE_RULESET_VERSION:
			return model.ABI, nil
		case unix.LANDLOCK_CREATE_RULESET_ERRATA:
			return model.Errata, nil
		}
		return 0, unix.EINVAL
	}
	// copy_min_struct_from_user: a NULL buffer is EFAULT, shorter than
	// ABI 1's struct EINVAL, longer than a page E2BIG, and bytes beyond
	// what this ABI knows must be zero (E2BIG).
	if addr == 0 {
		return 0, unix.EFAULT
	}
	if size < rulesetAttrMinSize {
		return 0, unix.EINVAL
	}
	if size > pageSize {
		return 0, unix.E2BIG
	}
	buf := make([]byte, size)
	if err := t.CopyIn(addr, buf); err != nil {
		return 0, err
	}
	for _, b := range buf[min(size, rulesetAttrSize):] {
		if b != 0 {
			return 0, unix.E2BIG
		}
	}
	var attr [rulesetAttrSize]byte
	copy(attr[:], buf)
	fs := binary.LittleEndian.Uint64(attr[0:])
	net := binary.LittleEndian.Uint64(attr[8:])
	scoped := binary.LittleEndian.Uint64(attr[16:])
	rs, err := model.NewRuleset(fs, net, scoped)
	if err != nil {
		return 0, err
	}
	f := &rulesetFile{rs: rs}
	f.InitRefs(nil)
	defer f.DecRef()
	fd, err := t.Process().Files().Install(f, 0, true)
	return uint64(fd), err
}

// rulesetOf is the ruleset at fd: EBADF for a closed descriptor, EBADFD
// for another kind of file.
func rulesetOf(t *kernel.Task, fd int) (*model.Ruleset, error) {
	f, err := t.Process().Files().Get(fd)
	if err != nil {
		return nil, err
	}
	defer f.DecRef()
	rf, ok := f.(*rulesetFile)
	if !ok {
		return nil, unix.EBADFD
	}
	return rf.rs, nil
}

func sysAddRule(t *kernel.Task, a shim.Args) (uint64, error) {
	rfd, typ, attr, flags := a.Int(0), a.Int(1), a[2], a[3]
	if flags != 0 {
		return 0, unix.EINVAL
	}
	rs, err := rulesetOf(t, rfd)
	if err != nil {
		return 0, err
	}
	switch typ {
	case unix.LANDLOCK_RULE_PATH_BENEATH:
		// struct landlock_path_beneath_attr is packed: u64, s32.
		var b [12]byte
		if err := t.CopyIn(attr, b[:]); err != nil {
			return 0, unix.EFAULT
		}
		access := binary.LittleEndian.Uint64(b[0:])
		parent := int(int32(binary.LittleEndian.Uint32(b[8:])))
		if access == 0 {
			return 0, unix.ENOMSG
		}
		if access|rs.HandledFS() != rs.HandledFS() {
			return 0, unix.EINVAL
		}
		f, err := t.Process().Files().Get(parent)
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		vf, ok := f.(*kernel.VFSFile)
		if !ok || !vf.F.Location().Valid() {
			return 0, unix.EBADFD // pipes, sockets, anon inodes
		}
		return 0, rs.AddPathBeneath(vf.F.Location(), access)
	case ruleNetPort:
		// struct landlock_net_port_attr: u64 allowed_access, u64 port.
		var b [16]byte
		if err := t.CopyIn(attr, b[:]); err != nil {
			return 0, unix.EFAULT
		}
		return 0, rs.AddNetPort(binary.LittleEndian.Uint64(b[8:]), binary.LittleEndian.Uint64(b[0:]))
	}
	return 0, unix.EINVAL
}

func sysRestrictSelf(t *kernel.Task, a shim.Args) (uint64, error) {
	p := t.Process()
	// As seccomp: no_new_privs, or CAP_SYS_ADMIN.
	if !p.NoNewPrivs {
		c := p.Creds()
		if !c.HasCap(unix.CAP_SYS_ADMIN) {
			return 0, unix.EPERM
		}
	}
	if a[1] != 0 {
		return 0, unix.EINVAL
	}
	rs, err := rulesetOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	d, err := p.Landlock().Restrict(rs)
	if err != nil {
		return 0, err
	}
	p.SetLandlock(d)
	return 0, nil
}
