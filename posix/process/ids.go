package process

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// The process has one identity: real, effective, saved and filesystem ids
// are the same. Root may become anyone; others may only "change" to the
// ids they have.

func registerIDs(tb *shim.Table) {
	const note = "one identity per process (real = effective = saved = fs ids)"
	tb.Register(unix.SYS_SETUID, shim.Partial, note, sysSetuid)
	tb.Register(unix.SYS_SETGID, shim.Partial, note, sysSetgid)
	tb.Register(unix.SYS_SETREUID, shim.Partial, note, sysSetreuid)
	tb.Register(unix.SYS_SETREGID, shim.Partial, note, sysSetregid)
	tb.Register(unix.SYS_SETRESUID, shim.Partial, note, sysSetresuid)
	tb.Register(unix.SYS_SETRESGID, shim.Partial, note, sysSetresgid)
	tb.Register(unix.SYS_SETFSUID, shim.Partial, note+"; returns the previous id", sysSetfsuid)
	tb.Register(unix.SYS_SETFSGID, shim.Partial, note+"; returns the previous id", sysSetfsgid)
	tb.Register(unix.SYS_GETGROUPS, shim.Full, "", sysGetgroups)
	tb.Register(unix.SYS_SETGROUPS, shim.Full, "root only", sysSetgroups)
}

// pick returns the id a set*id argument asks for: -1 keeps cur.
func pick(v uint64, cur uint32) (uint32, bool) {
	if int32(v) == -1 {
		return cur, true
	}
	return uint32(v), false
}

func setUID(t *kernel.Task, ids ...uint64) error {
	p := t.Process()
	want := p.UID
	for _, v := range ids {
		if id, keep := pick(v, p.UID); !keep {
			if p.UID != 0 && id != p.UID {
				return unix.EPERM
			}
			want = id
		}
	}
	p.UID = want
	if p.FS != nil {
		p.FS.UID = want
	}
	return nil
}

func setGID(t *kernel.Task, ids ...uint64) error {
	p := t.Process()
	want := p.GID
	for _, v := range ids {
		if id, keep := pick(v, p.GID); !keep {
			if p.UID != 0 && id != p.GID {
				return unix.EPERM
			}
			want = id
		}
	}
	p.GID = want
	if p.FS != nil {
		p.FS.GID = want
	}
	return nil
}

func sysSetuid(t *kernel.Task, a shim.Args) (uint64, error) {
	if int32(a[0]) == -1 {
		return 0, unix.EINVAL
	}
	return 0, setUID(t, a[0])
}

func sysSetgid(t *kernel.Task, a shim.Args) (uint64, error) {
	if int32(a[0]) == -1 {
		return 0, unix.EINVAL
	}
	return 0, setGID(t, a[0])
}

func sysSetreuid(t *kernel.Task, a shim.Args) (uint64, error)  { return 0, setUID(t, a[0], a[1]) }
func sysSetregid(t *kernel.Task, a shim.Args) (uint64, error)  { return 0, setGID(t, a[0], a[1]) }
func sysSetresuid(t *kernel.Task, a shim.Args) (uint64, error) { return 0, setUID(t, a[0], a[1], a[2]) }
func sysSetresgid(t *kernel.Task, a shim.Args) (uint64, error) { return 0, setGID(t, a[0], a[1], a[2]) }

func sysSetfsuid(t *kernel.Task, a shim.Args) (uint64, error) {
	old := t.Process().UID
	setUID(t, a[0])
	return uint64(old), nil
}

func sysSetfsgid(t *kernel.Task, a shim.Args) (uint64, error) {
	old := t.Process().GID
	setGID(t, a[0])
	return uint64(old), nil
}

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
	b := make([]byte, 4*len(groups))
	for i, g := range groups {
		binary.LittleEndian.PutUint32(b[4*i:], g)
	}
	return uint64(len(groups)), t.CopyOut(a[1], b)
}

func sysSetgroups(t *kernel.Task, a shim.Args) (uint64, error) {
	p := t.Process()
	if p.UID != 0 {
		return 0, unix.EPERM
	}
	n := a.Int(0)
	if n < 0 || n > 65536 {
		return 0, unix.EINVAL
	}
	b := make([]byte, 4*n)
	if err := t.CopyIn(a[1], b); err != nil {
		return 0, err
	}
	groups := make([]uint32, n)
	for i := range groups {
		groups[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	if p.FS != nil {
		p.FS.Groups = groups
	}
	return 0, nil
}
