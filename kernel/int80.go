package kernel

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
)

// serveInt80 serves a system call that 64-bit app code made with
// int $0x80: the number and arguments are i386's (eax; ebx, ecx, edx, esi,
// edi, ebp), never an x86-64 call. The calls whose meaning does not depend
// on i386 structure layouts are served by their x86-64 handlers; the others
// answer ENOSYS, reported once by name. Only eax changes, as with Linux.
func (t *Task) serveInt80(dispatch func(*Task)) {
	r := t.Regs()
	saved := *r
	nr := uint32(r.OrigRax)
	call, ok := linux.I386(nr)
	if !ok {
		t.k.reportOnce(fmt.Sprintf("int80-%d", nr), fmt.Sprintf(
			"elfloader: int $0x80 system call %d (i386 numbering) is not served: answered ENOSYS\n", nr))
		r.Rax = ErrnoReturn(unix.ENOSYS)
		return
	}
	args := call.I386Args([6]uint64{saved.Rbx, saved.Rcx, saved.Rdx, saved.Rsi, saved.Rdi, saved.Rbp})
	r.OrigRax = call.AMD64
	r.Rdi, r.Rsi, r.Rdx, r.R10, r.R8, r.R9 = args[0], args[1], args[2], args[3], args[4], args[5]
	dispatch(t)
	ret := r.Rax
	*r = saved
	r.Rax = ret
	// A restart re-executes int $0x80 with the i386 number.
	r.OrigRax = uint64(nr)
}
