package plat

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/arch/amd64"
)

// int80GPErr is the error code of the general-protection fault an
// int $0x80 raises when the host's interrupt gate for vector 0x80 does not
// admit user code: the vector times 8, with the IDT bit (2) set.
const int80GPErr = 0x80<<3 | 2

// siKernel is si_code SI_KERNEL: the host kernel sent the signal for a
// CPU exception it did not otherwise classify (#GP among them).
const siKernel = 0x80

// Int80Refused reports whether fault f, raised at regs.Rip, is the host
// refusing int $0x80 to 64-bit code: Linux booted with ia32_emulation=0,
// or a hypervisor without the gate (seen on a PVM guest), where the CPU
// raises #GP(0x80*8+2) and Linux sends SIGSEGV with SI_KERNEL. When it is,
// and the instruction at rip (read with read) is CD 80, regs become what
// an int $0x80 system call leaves for the kernel (rip after the
// instruction, OrigRax the i386 number), and the platform reports
// EventSyscall32: app code gets int $0x80 served by elfloader whatever the
// host's configuration, as it gets every other call.
func Int80Refused(f Fault, regs *amd64.Regs, read func(addr uint64, dst []byte) error) bool {
	if f.Signo != int(unix.SIGSEGV) || f.Code != siKernel || f.Trapno != 13 || f.Err != int80GPErr {
		return false
	}
	var insn [2]byte
	if read(regs.Rip, insn[:]) != nil || insn != [2]byte{0xcd, 0x80} {
		return false
	}
	regs.Rip += 2
	regs.OrigRax = regs.Rax
	return true
}
