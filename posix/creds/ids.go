package creds

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

func registerIDs(tb *shim.Table) {
	const note = "real, effective, saved and fs ids with credentials(7)'s rules; capabilities follow uid changes (capabilities(7))"
	tb.Register(unix.SYS_GETUID, shim.Full, "", sysGetuid)
	tb.Register(unix.SYS_GETEUID, shim.Full, "", sysGeteuid)
	tb.Register(unix.SYS_GETGID, shim.Full, "", sysGetgid)
	tb.Register(unix.SYS_GETEGID, shim.Full, "", sysGetegid)
	tb.Register(unix.SYS_GETRESUID, shim.Full, "", sysGetresuid)
	tb.Register(unix.SYS_GETRESGID, shim.Full, "", sysGetresgid)
	tb.Register(unix.SYS_SETUID, shim.Full, note, sysSetuid)
	tb.Register(unix.SYS_SETGID, shim.Full, note, sysSetgid)
	tb.Register(unix.SYS_SETREUID, shim.Full, note, sysSetreuid)
	tb.Register(unix.SYS_SETREGID, shim.Full, note, sysSetregid)
	tb.Register(unix.SYS_SETRESUID, shim.Full, note, sysSetresuid)
	tb.Register(unix.SYS_SETRESGID, shim.Full, note, sysSetresgid)
	tb.Register(unix.SYS_SETFSUID, shim.Full, note+"; returns the previous fsuid", sysSetfsuid)
	tb.Register(unix.SYS_SETFSGID, shim.Full, note+"; returns the previous fsgid", sysSetfsgid)
	tb.Register(unix.SYS_GETGROUPS, shim.Full, "", sysGetgroups)
	tb.Register(unix.SYS_SETGROUPS, shim.Full, "needs CAP_SETGID", sysSetgroups)
}

func sysGetuid(t *kernel.Task, a shim.Args) (uint64, error) {
	return uint64(t.Process().Creds().RUID), nil
}
func sysGeteuid(t *kernel.Task, a shim.Args) (uint64, error) {
	return uint64(t.Process().Creds().EUID), nil
}
func sysGetgid(t *kernel.Task, a shim.Args) (uint64, error) {
	return uint64(t.Process().Creds().RGID), nil
}
func sysGetegid(t *kernel.Task, a shim.Args) (uint64, error) {
	return uint64(t.Process().Creds().EGID), nil
}

func putIDs(t *kernel.Task, ids [3]uint32, addrs [3]uint64) error {
	for i, addr := range addrs {
		if err := kernel.CopyOutValue(t, addr, ids[i]); err != nil {
			return err
		}
	}
	return nil
}

func sysGetresuid(t *kernel.Task, a shim.Args) (uint64, error) {
	c := t.Process().Creds()
	return 0, putIDs(t, [3]uint32{c.RUID, c.EUID, c.SUID}, [3]uint64{a[0], a[1], a[2]})
}

func sysGetresgid(t *kernel.Task, a shim.Args) (uint64, error) {
	c := t.Process().Creds()
	return 0, putIDs(t, [3]uint32{c.RGID, c.EGID, c.SGID}, [3]uint64{a[0], a[1], a[2]})
}

// idArg decodes a set*id argument: -1 (as a 32-bit value) means "unchanged".
func idArg(v uint64) (id uint32, keep bool) {
	id = uint32(v)
	return id, id == ^uint32(0)
}

// idSet is one family of ids (user or group) inside Credentials, so that
// one set of rules serves both.
type idSet struct {
	real, eff, saved, fs *uint32
	cap                  int // the capability that lifts the rules
}

func userIDs(c *kernel.Credentials) idSet {
	return idSet{&c.RUID, &c.EUID, &c.SUID, &c.FSUID, kernel.CapSetuid}
}

func groupIDs(c *kernel.Credentials) idSet {
	return idSet{&c.RGID, &c.EGID, &c.SGID, &c.FSGID, kernel.CapSetgid}
}

// oneOf reports whether id is one of the current real, effective or saved
// ids.
func (s idSet) oneOf(id uint32) bool { return id == *s.real || id == *s.eff || id == *s.saved }

// change runs a set*id rule on the process's credentials and applies the
// capability fixups when user ids changed.
func change(t *kernel.Task, users bool, rule func(s idSet, privileged bool) error) error {
	return t.Process().UpdateCreds(func(c *kernel.Credentials) error {
		old := *c
		s := groupIDs(c)
		if users {
			s = userIDs(c)
		}
		if err := rule(s, c.HasCap(s.cap)); err != nil {
			return err
		}
		if users {
			c.FixSetuid(old)
		}
		return nil
	})
}

// setID is setuid(2)/setgid(2): a privileged caller sets all four ids,
// others may set the effective id to the real or saved one.
func setID(t *kernel.Task, users bool, v uint64) error {
	id, keep := idArg(v)
	if keep {
		return unix.EINVAL
	}
	return change(t, users, func(s idSet, privileged bool) error {
		switch {
		case privileged:
			*s.real, *s.saved = id, id
		case id != *s.real && id != *s.saved:
			return unix.EPERM
		}
		*s.eff, *s.fs = id, id
		return nil
	})
}

// setREID is setreuid(2)/setregid(2).
func setREID(t *kernel.Task, users bool, rv, ev uint64) error {
	r, keepR := idArg(rv)
	e, keepE := idArg(ev)
	return change(t, users, func(s idSet, privileged bool) error {
		if !privileged {
			if !keepR && r != *s.real && r != *s.eff {
				return unix.EPERM
			}
			if !keepE && !s.oneOf(e) {
				return unix.EPERM
			}
		}
		oldReal := *s.real
		if !keepR {
			*s.real = r
		}
		if !keepE {
			*s.eff = e
		}
		// The saved id follows the effective one when the real id is set
		// or the effective one is set to anything but the old real id.
		if !keepR || (!keepE && e != oldReal) {
			*s.saved = *s.eff
		}
		*s.fs = *s.eff
		return nil
	})
}

// setRESID is setresuid(2)/setresgid(2): unprivileged callers may set each
// id to one of the current real, effective or saved ids.
func setRESID(t *kernel.Task, users bool, rv, ev, sv uint64) error {
	var ids [3]uint32
	var keep [3]bool
	for i, v := range []uint64{rv, ev, sv} {
		ids[i], keep[i] = idArg(v)
	}
	return change(t, users, func(s idSet, privileged bool) error {
		if !privileged {
			for i := range ids {
				if !keep[i] && !s.oneOf(ids[i]) {
					return unix.EPERM
				}
			}
		}
		for i, dst := range []*uint32{s.real, s.eff, s.saved} {
			if !keep[i] {
				*dst = ids[i]
			}
		}
		*s.fs = *s.eff
		return nil
	})
}

// setFSID is setfsuid(2)/setfsgid(2): it always returns the previous fs id
// and changes it only to one of the other ids, or to anything with the
// capability.
func setFSID(t *kernel.Task, users bool, v uint64) uint64 {
	var prev uint32
	id := uint32(v)
	t.Process().UpdateCreds(func(c *kernel.Credentials) error {
		old := *c
		s := groupIDs(c)
		if users {
			s = userIDs(c)
		}
		prev = *s.fs
		if !s.oneOf(id) && id != *s.fs && !c.HasCap(s.cap) {
			return unix.EPERM
		}
		*s.fs = id
		if users {
			c.FixSetfsuid(old)
		}
		return nil
	})
	return uint64(prev)
}

func sysSetuid(t *kernel.Task, a shim.Args) (uint64, error) { return 0, setID(t, true, a[0]) }
func sysSetgid(t *kernel.Task, a shim.Args) (uint64, error) { return 0, setID(t, false, a[0]) }
func sysSetreuid(t *kernel.Task, a shim.Args) (uint64, error) {
	return 0, setREID(t, true, a[0], a[1])
}
func sysSetregid(t *kernel.Task, a shim.Args) (uint64, error) {
	return 0, setREID(t, false, a[0], a[1])
}
func sysSetresuid(t *kernel.Task, a shim.Args) (uint64, error) {
	return 0, setRESID(t, true, a[0], a[1], a[2])
}
func sysSetresgid(t *kernel.Task, a shim.Args) (uint64, error) {
	return 0, setRESID(t, false, a[0], a[1], a[2])
}
func sysSetfsuid(t *kernel.Task, a shim.Args) (uint64, error) { return setFSID(t, true, a[0]), nil }
func sysSetfsgid(t *kernel.Task, a shim.Args) (uint64, error) { return setFSID(t, false, a[0]), nil }

func sysGetgroups(t *kernel.Task, a shim.Args) (uint64, error) {
	var groups []uint32
	if fs := t.Process().FS; fs != nil {
		groups = fs.Groups
	}
	n := a.Int(0)
	if n < 0 {
		return 0, unix.EINVAL
	}
	if n == 0 {
		return uint64(len(groups)), nil
	}
	if n < len(groups) {
		return 0, unix.EINVAL
	}
	return uint64(len(groups)), kernel.CopyOutStructs(t, a[1], groups)
}

// ngroupsMax is Linux's NGROUPS_MAX (/proc/sys/kernel/ngroups_max).
const ngroupsMax = 65536

func sysSetgroups(t *kernel.Task, a shim.Args) (uint64, error) {
	p := t.Process()
	n := a.Int(0)
	if n < 0 || n > ngroupsMax {
		return 0, unix.EINVAL
	}
	if !p.HasCap(kernel.CapSetgid) {
		return 0, unix.EPERM
	}
	groups := make([]uint32, n)
	if err := kernel.CopyInStructs(t, a[1], groups); err != nil {
		return 0, err
	}
	if p.FS != nil {
		p.FS.Groups = groups
	}
	return 0, nil
}
