package kernel

import (
	"encoding/binary"

	"github.com/elfloader/elfloader/abi/linux"
)

// SigInfo is a siginfo_t in its x86-64 byte layout (128 bytes).
//
// It stays a byte array read and written at fixed offsets on purpose:
// siginfo_t is a union whose fields after si_code depend on the signal and
// the code (kill, timer, SIGCHLD, fault, SIGSYS), so each accessor below
// names the offset of its field; a Go struct would have to pick one arm of
// the union or repeat the layout once per arm.
type SigInfo [linux.SizeofSiginfo]byte

// NewSigInfo returns a siginfo with signo and code set.
func NewSigInfo(signo, code int) SigInfo {
	var si SigInfo
	binary.LittleEndian.PutUint32(si[0:], uint32(signo))
	binary.LittleEndian.PutUint32(si[8:], uint32(int32(code)))
	return si
}

// Signo is si_signo.
func (si *SigInfo) Signo() int { return int(int32(binary.LittleEndian.Uint32(si[0:]))) }

// Code is si_code.
func (si *SigInfo) Code() int { return int(int32(binary.LittleEndian.Uint32(si[8:]))) }

// SetSigno sets si_signo.
func (si *SigInfo) SetSigno(sig int) { binary.LittleEndian.PutUint32(si[0:], uint32(sig)) }

// SetSender sets si_pid and si_uid (kill, tkill, sigqueue).
func (si *SigInfo) SetSender(pid int, uid uint32) {
	binary.LittleEndian.PutUint32(si[16:], uint32(pid))
	binary.LittleEndian.PutUint32(si[20:], uid)
}

// SetAddr sets si_addr (faults).
func (si *SigInfo) SetAddr(addr uint64) { binary.LittleEndian.PutUint64(si[16:], addr) }

// Addr is si_addr.
func (si *SigInfo) Addr() uint64 { return binary.LittleEndian.Uint64(si[16:]) }

// SetTimer sets si_tid (timer id), si_overrun and si_value (POSIX timers).
func (si *SigInfo) SetTimer(id int, overrun int, value uint64) {
	binary.LittleEndian.PutUint32(si[16:], uint32(id))
	binary.LittleEndian.PutUint32(si[20:], uint32(overrun))
	binary.LittleEndian.PutUint64(si[24:], value)
}

// SetStatus sets a SIGCHLD's si_status (the exit code or the signal).
func (si *SigInfo) SetStatus(status int) {
	binary.LittleEndian.PutUint32(si[24:], uint32(int32(status)))
}

// SetValue sets si_value (sigqueue).
func (si *SigInfo) SetValue(v uint64) { binary.LittleEndian.PutUint64(si[24:], v) }

// SetPoll sets si_band and si_fd (SIGPOLL-style signals: F_SETSIG).
func (si *SigInfo) SetPoll(band int64, fd int) {
	binary.LittleEndian.PutUint64(si[16:], uint64(band))
	binary.LittleEndian.PutUint32(si[24:], uint32(int32(fd)))
}

// SetSigsys sets a seccomp SIGSYS's fields: si_errno (the filter's data),
// si_call_addr, si_syscall and si_arch.
func (si *SigInfo) SetSigsys(errno int, callAddr uint64, nr int32, arch uint32) {
	binary.LittleEndian.PutUint32(si[4:], uint32(int32(errno)))
	binary.LittleEndian.PutUint64(si[16:], callAddr)
	binary.LittleEndian.PutUint32(si[24:], uint32(nr))
	binary.LittleEndian.PutUint32(si[28:], arch)
}
