package creds

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// Register adds the library's handlers to tb.
func Register(tb *shim.Table) {
	registerIDs(tb)
	tb.Register(unix.SYS_CAPGET, shim.Full, "the five sets per process (threads share them); versions 1, 2 and 3", sysCapget)
	tb.Register(unix.SYS_CAPSET, shim.Full, "capabilities(7)'s rules: permitted only shrinks, effective within permitted, inheritable within permitted|inheritable and the bounding set unless CAP_SETPCAP; ambient follows", sysCapset)
}

// capHeader is struct __user_cap_header_struct.
type capHeader struct {
	Version uint32
	PID     int32
}

// capData is one 32-bit slice of struct __user_cap_data_struct.
type capData struct {
	Effective, Permitted, Inheritable uint32
}

// capWords returns how many 32-bit slices a header version uses, or 0 for
// an unknown version.
func capWords(version uint32) int {
	switch version {
	case unix.LINUX_CAPABILITY_VERSION_1:
		return 1
	case unix.LINUX_CAPABILITY_VERSION_2, unix.LINUX_CAPABILITY_VERSION_3:
		return 2
	}
	return 0
}

// readHeader reads the header and checks its version; an unknown version is
// answered by writing the preferred one back (EINVAL), as Linux does.
func readHeader(t *kernel.Task, addr uint64) (capHeader, int, error) {
	var h capHeader
	if err := kernel.CopyInStruct(t, addr, &h); err != nil {
		return h, 0, err
	}
	words := capWords(h.Version)
	if words == 0 {
		if err := kernel.CopyOutValue(t, addr, uint32(unix.LINUX_CAPABILITY_VERSION_3)); err != nil {
			return h, 0, err
		}
		return h, 0, unix.EINVAL
	}
	return h, words, nil
}

// target returns the process whose capabilities pid names (0: the caller).
func target(t *kernel.Task, pid int32) (*kernel.Process, error) {
	if pid == 0 || int(pid) == t.TID || int(pid) == t.Process().PID {
		return t.Process(), nil
	}
	if pid < 0 {
		return nil, unix.EINVAL
	}
	other := t.Kernel().TaskByTID(int(pid))
	if other == nil {
		return nil, unix.ESRCH
	}
	return other.Process(), nil
}

func sysCapget(t *kernel.Task, a shim.Args) (uint64, error) {
	h, words, err := readHeader(t, a[0])
	if a[1] == 0 {
		// A null data pointer asks only for the preferred version.
		if err == unix.EINVAL {
			return 0, nil
		}
		return 0, err
	}
	if err != nil {
		return 0, err
	}
	p, err := target(t, h.PID)
	if err != nil {
		return 0, err
	}
	c := p.Creds()
	data := make([]capData, words)
	for i := range data {
		shift := 32 * i
		data[i] = capData{uint32(c.Effective >> shift), uint32(c.Permitted >> shift), uint32(c.Inheritable >> shift)}
	}
	for i := range data {
		if err := kernel.CopyOutStruct(t, a[1]+uint64(12*i), &data[i]); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

func sysCapset(t *kernel.Task, a shim.Args) (uint64, error) {
	h, words, err := readHeader(t, a[0])
	if err != nil {
		return 0, err
	}
	if h.PID != 0 && int(h.PID) != t.TID {
		return 0, unix.EPERM
	}
	var eff, prm, inh uint64
	for i := 0; i < words; i++ {
		var d capData
		if err := kernel.CopyInStruct(t, a[1]+uint64(12*i), &d); err != nil {
			return 0, err
		}
		shift := 32 * i
		eff |= uint64(d.Effective) << shift
		prm |= uint64(d.Permitted) << shift
		inh |= uint64(d.Inheritable) << shift
	}
	eff, prm, inh = eff&kernel.CapValidMask, prm&kernel.CapValidMask, inh&kernel.CapValidMask
	return 0, t.Process().UpdateCreds(func(c *kernel.Credentials) error {
		if !c.HasCap(kernel.CapSetpcap) && inh&^(c.Inheritable|c.Permitted) != 0 {
			return unix.EPERM
		}
		if inh&^(c.Inheritable|c.Bounding) != 0 || prm&^c.Permitted != 0 || eff&^prm != 0 {
			return unix.EPERM
		}
		c.Effective, c.Permitted, c.Inheritable = eff, prm, inh
		c.Ambient &= prm & inh
		return nil
	})
}

// capValid reports whether v names a capability.
func capValid(v uint64) bool { return v <= kernel.CapLastCap }

// Prctl serves prctl's capability and securebits options; handled is false
// for the other options (the caller serves them).
func Prctl(t *kernel.Task, a shim.Args) (ret uint64, err error, handled bool) {
	p := t.Process()
	switch a.Int(0) {
	case unix.PR_CAPBSET_READ:
		if !capValid(a[1]) {
			return 0, unix.EINVAL, true
		}
		return bit(p.Creds().Bounding, a[1]), nil, true
	case unix.PR_CAPBSET_DROP:
		if !capValid(a[1]) {
			return 0, unix.EINVAL, true
		}
		return 0, p.UpdateCreds(func(c *kernel.Credentials) error {
			if !c.HasCap(kernel.CapSetpcap) {
				return unix.EPERM
			}
			c.Bounding &^= 1 << a[1]
			return nil
		}), true
	case unix.PR_CAP_AMBIENT:
		ret, err := ambient(p, a)
		return ret, err, true
	case unix.PR_GET_SECUREBITS:
		return uint64(p.Creds().Securebits), nil, true
	case unix.PR_SET_SECUREBITS:
		return 0, p.UpdateCreds(func(c *kernel.Credentials) error { return setSecurebits(c, a[1]) }), true
	case unix.PR_GET_KEEPCAPS:
		return bit(uint64(p.Creds().Securebits), 4), nil, true
	case unix.PR_SET_KEEPCAPS:
		if a[1] > 1 {
			return 0, unix.EINVAL, true
		}
		return 0, p.UpdateCreds(func(c *kernel.Credentials) error {
			if c.Securebits&kernel.SecbitKeepCapsLocked != 0 {
				return unix.EPERM
			}
			c.Securebits &^= kernel.SecbitKeepCaps
			if a[1] == 1 {
				c.Securebits |= kernel.SecbitKeepCaps
			}
			return nil
		}), true
	}
	return 0, nil, false
}

func bit(set, n uint64) uint64 { return set >> n & 1 }

// setSecurebits applies PR_SET_SECUREBITS: locked flags cannot change, locks
// cannot be released, and the caller needs CAP_SETPCAP.
func setSecurebits(c *kernel.Credentials, v uint64) error {
	const locks = kernel.SecbitNorootLocked | kernel.SecbitNoSetuidFixupLock | kernel.SecbitKeepCapsLocked | kernel.SecbitNoCapAmbientLock
	old := uint64(c.Securebits)
	if (old&locks)>>1&(old^v) != 0 || old&locks&^v != 0 || v&^kernel.SecbitValid != 0 || !c.HasCap(kernel.CapSetpcap) {
		return unix.EPERM
	}
	c.Securebits = uint32(v)
	return nil
}

// ambient serves PR_CAP_AMBIENT.
func ambient(p *kernel.Process, a shim.Args) (uint64, error) {
	if a[1] == unix.PR_CAP_AMBIENT_CLEAR_ALL {
		if a[2]|a[3]|a[4] != 0 {
			return 0, unix.EINVAL
		}
		return 0, p.UpdateCreds(func(c *kernel.Credentials) error { c.Ambient = 0; return nil })
	}
	if a[3]|a[4] != 0 || !capValid(a[2]) {
		return 0, unix.EINVAL
	}
	switch a[1] {
	case unix.PR_CAP_AMBIENT_IS_SET:
		return bit(p.Creds().Ambient, a[2]), nil
	case unix.PR_CAP_AMBIENT_RAISE:
		return 0, p.UpdateCreds(func(c *kernel.Credentials) error {
			m := uint64(1) << a[2]
			if c.Permitted&m == 0 || c.Inheritable&m == 0 || c.Securebits&kernel.SecbitNoCapAmbientRaise != 0 {
				return unix.EPERM
			}
			c.Ambient |= m
			return nil
		})
	case unix.PR_CAP_AMBIENT_LOWER:
		return 0, p.UpdateCreds(func(c *kernel.Credentials) error { c.Ambient &^= 1 << a[2]; return nil })
	}
	return 0, unix.EINVAL
}
