package kernel

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/vfs"
)

// Capability numbers the kernel itself checks (capabilities(7)).
const (
	CapChown          = 0
	CapDacOverride    = 1
	CapDacReadSearch  = 2
	CapFowner         = 3
	CapFsetid         = 4
	CapKill           = 5
	CapSetgid         = 6
	CapSetuid         = 7
	CapSetpcap        = 8
	CapLinuxImmutable = 9
	CapIpcLock        = 14
	CapIpcOwner       = 15
	CapSysChroot      = 18
	CapSysAdmin       = 21
	CapSysBoot        = 22
	CapSysNice        = 23
	CapSysResource    = 24
	CapMknod          = 27
	CapLease          = 28
	CapMacOverride    = 32
	// CapLastCap is the highest capability the kernel knows
	// (/proc/sys/kernel/cap_last_cap).
	CapLastCap = 40
)

// CapValidMask has a bit for every capability up to CapLastCap.
const CapValidMask = uint64(1)<<(CapLastCap+1) - 1

// capFSMask is the capabilities an fsuid change from or to 0 drops or
// raises (Linux's CAP_FS_MASK).
const capFSMask = 1<<CapChown | 1<<CapDacOverride | 1<<CapDacReadSearch | 1<<CapFowner |
	1<<CapFsetid | 1<<CapLinuxImmutable | 1<<CapMacOverride | 1<<CapMknod

// Securebits (include/uapi/linux/securebits.h): each flag and its lock.
const (
	SecbitNoroot            = 1 << 0
	SecbitNorootLocked      = 1 << 1
	SecbitNoSetuidFixup     = 1 << 2
	SecbitNoSetuidFixupLock = 1 << 3
	SecbitKeepCaps          = 1 << 4
	SecbitKeepCapsLocked    = 1 << 5
	SecbitNoCapAmbientRaise = 1 << 6
	SecbitNoCapAmbientLock  = 1 << 7
	// SecbitValid is every flag and lock Linux accepts.
	SecbitValid = 0xff
)

// Credentials is a process's identity (credentials(7)): the real,
// effective, saved and filesystem user and group ids, and the capability
// sets and securebits of capabilities(7). Supplementary groups live in the
// process's vfs context, which checks permissions with them.
type Credentials struct {
	RUID, EUID, SUID, FSUID uint32
	RGID, EGID, SGID, FSGID uint32

	Inheritable, Permitted, Effective, Bounding, Ambient uint64
	Securebits                                           uint32
}

// HasCap reports whether capability c is in the effective set.
func (c *Credentials) HasCap(cp int) bool { return c.Effective&(1<<cp) != 0 }

// initialCredentials is the first process's identity: uid and gid as
// given; the capability sets are the host's own when the app runs as the
// host's user (so that it sees what a native run sees), otherwise root
// gets every capability the host's bounding set allows and others none.
func initialCredentials(uid, gid uint32) Credentials {
	c := Credentials{RUID: uid, EUID: uid, SUID: uid, FSUID: uid, RGID: gid, EGID: gid, SGID: gid, FSGID: gid}
	c.Bounding = hostBoundingSet()
	if uid == uint32(os.Geteuid()) {
		if inh, prm, eff, ok := hostCapabilities(); ok {
			c.Inheritable, c.Permitted, c.Effective = inh, prm, eff
			return c
		}
	}
	if uid == 0 {
		c.Permitted, c.Effective = c.Bounding, c.Bounding
	}
	return c
}

// hostBoundingSet reads the host process's capability bounding set.
func hostBoundingSet() uint64 {
	var set uint64
	for cp := 0; cp <= CapLastCap; cp++ {
		if r, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(cp), 0, 0, 0); err == nil && r == 1 {
			set |= 1 << cp
		}
	}
	return set
}

// hostCapabilities reads the host process's inheritable, permitted and
// effective sets.
func hostCapabilities() (inh, prm, eff uint64, ok bool) {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return 0, 0, 0, false
	}
	join := func(lo, hi uint32) uint64 { return (uint64(hi)<<32 | uint64(lo)) & CapValidMask }
	return join(data[0].Inheritable, data[1].Inheritable), join(data[0].Permitted, data[1].Permitted),
		join(data[0].Effective, data[1].Effective), true
}

// Creds returns a copy of the process's credentials.
func (p *Process) Creds() Credentials {
	p.credMu.Lock()
	defer p.credMu.Unlock()
	return p.creds
}

// HasCap reports whether the process has capability cp in its effective
// set.
func (p *Process) HasCap(cp int) bool {
	c := p.Creds()
	return c.HasCap(cp)
}

// UpdateCreds runs change on a copy of the credentials and installs the
// result unless change fails. The legacy UID/GID fields (the effective
// ids) and the vfs context (fsuid, fsgid) follow.
func (p *Process) UpdateCreds(change func(c *Credentials) error) error {
	p.credMu.Lock()
	defer p.credMu.Unlock()
	c := p.creds
	if err := change(&c); err != nil {
		return err
	}
	p.creds = c
	p.UID, p.GID = c.EUID, c.EGID
	if p.FS != nil {
		p.FS.UID, p.FS.GID = c.FSUID, c.FSGID
		p.FS.Caps, p.FS.CapsSet = c.Effective, true
	}
	return nil
}

// inheritCreds gives a new child process its parent's credentials and
// scheduling attributes.
func (p *Process) inheritCreds(parent *Process) {
	p.creds = parent.Creds()
	p.inheritSched(parent)
}

// FixSetuid applies capabilities(7)'s "effect of user ID changes on
// capabilities" to a change from old to c (Linux's cap_emulate_setxuid
// and the fsuid fixup), unless SECBIT_NO_SETUID_FIXUP is set.
func (c *Credentials) FixSetuid(old Credentials) {
	if old.Securebits&SecbitNoSetuidFixup != 0 {
		return
	}
	wasRoot := old.RUID == 0 || old.EUID == 0 || old.SUID == 0
	isRoot := c.RUID == 0 || c.EUID == 0 || c.SUID == 0
	if wasRoot && !isRoot {
		if old.Securebits&SecbitKeepCaps == 0 {
			c.Permitted, c.Effective = 0, 0
		}
		c.Ambient = 0
	}
	if old.EUID == 0 && c.EUID != 0 {
		c.Effective = 0
	}
	if old.EUID != 0 && c.EUID == 0 {
		c.Effective = c.Permitted
	}
	c.fixFS(old.FSUID)
}

// fixFS drops the filesystem capabilities when the fsuid leaves 0 and
// raises the permitted ones when it becomes 0.
func (c *Credentials) fixFS(oldFSUID uint32) {
	switch {
	case oldFSUID == 0 && c.FSUID != 0:
		c.Effective &^= capFSMask
	case oldFSUID != 0 && c.FSUID == 0:
		c.Effective |= c.Permitted & capFSMask
	}
}

// FixSetfsuid is the fsuid-only part of FixSetuid (setfsuid).
func (c *Credentials) FixSetfsuid(old Credentials) {
	if old.Securebits&SecbitNoSetuidFixup == 0 {
		c.fixFS(old.FSUID)
	}
}

// CapabilitySets are the capability sets a runtime gives the first
// process before it executes the program (an OCI bundle's
// process.capabilities).
type CapabilitySets struct{ Bounding, Effective, Permitted, Inheritable, Ambient uint64 }

// runtimeCredentials are the first process's credentials when a runtime
// sets its capabilities: the sets as given (the effective and ambient ones
// kept within what Linux allows), then execve's transformation, as runc's
// init sets them right before it executes the program.
func runtimeCredentials(uid, gid uint32, s CapabilitySets) Credentials {
	c := initialCredentials(uid, gid)
	c.Bounding = s.Bounding & CapValidMask
	c.Inheritable = s.Inheritable & CapValidMask
	c.Permitted = s.Permitted & CapValidMask
	c.Effective = s.Effective & c.Permitted
	c.Ambient = s.Ambient & c.Permitted & c.Inheritable
	c.execCreds(nil, false)
	return c
}

// execCreds applies execve's transformation (capabilities(7),
// "Transformation of capabilities during execve"; Linux's
// cap_bprm_creds_from_file) for a program whose file capabilities are
// file (nil for none; the set-user-ID bit is not applied):
//
//	P'(permitted) = (P(inheritable) & F(inheritable)) | (F(permitted) & P(bounding)) | P'(ambient)
//	P'(effective) = F(effective) ? P'(permitted) : P'(ambient)
//	P'(ambient)   = file capabilities ? 0 : P(ambient)
//
// Root (a real or effective uid 0, unless SECBIT_NOROOT) is treated as if
// the file had every capability, and with effective uid 0 the effective
// flag set. A file with the effective flag whose permitted set is not all
// granted fails with EPERM (a program that would not run as it expects).
// With no_new_privs, nothing is gained beyond the old permitted set. The
// saved and filesystem ids become the effective ones and
// SECBIT_KEEP_CAPS is cleared. c is unchanged on error.
func (c *Credentials) execCreds(file *vfs.FileCaps, noNewPrivs bool) error {
	old := *c
	var effective bool
	var permitted uint64
	if file != nil {
		fP, fI := file.Permitted&CapValidMask, file.Inheritable&CapValidMask
		effective = file.Effective
		permitted = old.Bounding&fP | old.Inheritable&fI
		if effective && fP&^permitted != 0 {
			return unix.EPERM
		}
	}
	// handle_privileged_root; a setuid-root program with file
	// capabilities (a non-root real uid, effective uid 0) gets only the
	// file's.
	if old.Securebits&SecbitNoroot == 0 && !(file != nil && old.RUID != 0 && old.EUID == 0) {
		if old.RUID == 0 || old.EUID == 0 {
			permitted = old.Bounding | old.Inheritable
		}
		if old.EUID == 0 {
			effective = true
		}
	}
	if noNewPrivs && permitted&^old.Permitted != 0 {
		permitted &= old.Permitted
	}
	ambient := old.Ambient
	if file != nil {
		ambient = 0
	}
	permitted |= ambient
	eff := ambient
	if effective {
		eff = permitted
	}
	c.Permitted, c.Effective, c.Ambient = permitted&CapValidMask, eff&CapValidMask, ambient
	c.SUID, c.FSUID = c.EUID, c.EUID
	c.SGID, c.FSGID = c.EGID, c.EGID
	c.Securebits &^= SecbitKeepCaps
	return nil
}

// checkExecCreds reports whether execCreds would fail for the process.
func (p *Process) checkExecCreds(file *vfs.FileCaps) error {
	c := p.Creds()
	return c.execCreds(file, p.NoNewPrivs)
}

// applyExecCreds runs execCreds on the process at exec, past the point
// of no return (checkExecCreds said it would succeed; should it fail
// after all, the credentials become the ones it gives a file without
// capabilities, never more).
func (p *Process) applyExecCreds(file *vfs.FileCaps) {
	p.UpdateCreds(func(c *Credentials) error {
		if err := c.execCreds(file, p.NoNewPrivs); err != nil {
			return c.execCreds(nil, p.NoNewPrivs)
		}
		return nil
	})
}
