package amd64

import "fmt"

// Regs is an application thread's general register set, laid out like Linux's
// struct user_regs_struct (the layout ptrace uses), so platforms can share it.
type Regs struct {
	R15, R14, R13, R12, Rbp, Rbx, R11, R10, R9, R8             uint64
	Rax, Rcx, Rdx, Rsi, Rdi, OrigRax, Rip, Cs, Eflags, Rsp, Ss uint64
	FsBase, GsBase, Ds, Es, Fs, Gs                             uint64
}

// SyscallArgs returns the six system-call arguments (rdi, rsi, rdx, r10, r8, r9).
func (r *Regs) SyscallArgs() [6]uint64 {
	return [6]uint64{r.Rdi, r.Rsi, r.Rdx, r.R10, r.R8, r.R9}
}

// SetSyscallReturn stores a system call's result the way the syscall
// instruction leaves it: rax holds the result, rcx the return address and
// r11 the flags.
func (r *Regs) SetSyscallReturn(v uint64) {
	r.Rax = v
	r.Rcx = r.Rip
	r.R11 = r.Eflags
}

// Dump formats the registers as a crash report shows them.
func (r *Regs) Dump() string {
	return fmt.Sprintf(
		"rax %016x rbx %016x rcx %016x rdx %016x\n"+
			"rsi %016x rdi %016x rbp %016x rsp %016x\n"+
			"r8  %016x r9  %016x r10 %016x r11 %016x\n"+
			"r12 %016x r13 %016x r14 %016x r15 %016x\n"+
			"rip %016x flags %08x fs_base %016x",
		r.Rax, r.Rbx, r.Rcx, r.Rdx, r.Rsi, r.Rdi, r.Rbp, r.Rsp,
		r.R8, r.R9, r.R10, r.R11, r.R12, r.R13, r.R14, r.R15,
		r.Rip, r.Eflags, r.FsBase)
}
