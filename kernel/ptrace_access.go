package kernel

// CapSysPtrace is CAP_SYS_PTRACE.
const CapSysPtrace = 19

// MayPtrace is Linux's ptrace_may_access with real credentials: p may
// inspect target (process_vm_readv, get_robust_list, move_pages, ...)
// when it is target itself, holds CAP_SYS_PTRACE, or its real user and
// group IDs match every user and group ID of target's.
func (p *Process) MayPtrace(target *Process) bool {
	if target == p {
		return true
	}
	c, tc := p.Creds(), target.Creds()
	if c.HasCap(CapSysPtrace) {
		return true
	}
	return c.RUID == tc.RUID && c.RUID == tc.EUID && c.RUID == tc.SUID &&
		c.RGID == tc.RGID && c.RGID == tc.EGID && c.RGID == tc.SGID
}
