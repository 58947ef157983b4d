/* Trampolines between Go (through cgo) and application code.
 *
 * ep_enter(ctx) saves the host's callee-saved registers, stack, FS base and
 * FP control words in ctx, loads the app's extended state, FS base and
 * registers and jumps to the app. (Asynchronous signals stay blocked on app
 * threads for their whole life; see inproc.go.) It "returns" when a signal
 * handler (sighandler.c) rewrites the signal context to ep_resume (after a trap
 * or fault in app code) or to ep_abort (a kick arrived before the app ran). */
#include "ctx.h"

	.text
	.globl ep_text_begin
	.hidden ep_text_begin
ep_text_begin:

	.globl ep_enter
	.hidden ep_enter
	.type ep_enter,@function
	.p2align 4
ep_enter:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	subq $8, %rsp
	movq %rdi, %r12
	movq %rsp, EP_HOST_RSP(%r12)
	/* The host's callee-saved FP control state (SysV ABI): MXCSR and the x87
	 * control word. Vector registers are caller-saved, so Go keeps nothing
	 * else in them across this call. */
	stmxcsr EP_HOST_MXCSR(%r12)
	fnstcw EP_HOST_FCW(%r12)
	/* Without FSGSBASE, ep_sud_on set the GS base and read the host's
	 * FS base once: both stay the thread's. */
	cmpl $0, ep_have_fsgsbase(%rip)
	je 7f
	rdfsbase %rax
	movq %rax, EP_HOST_FS(%r12)
	wrgsbase %r12
7:
	/* The app's extended state: the light restore when the image holds
	 * only SSE (and the opmask registers) in the hot components' layout,
	 * else XRSTOR. See EP_FP_LIGHT_BLOCK in ctx.h. */
	movq EP_FP_APP(%r12), %rcx
	cmpq $0, EP_FP_LIGHT_OK(%r12)
	je 3f
	movq XSAVE_HDR_XCOMP(%rcx), %rdx
	cmpq EP_FP_XCOMP(%r12), %rdx
	jne 3f
	movq XSAVE_HDR_XSTATE(%rcx), %rax
	testq EP_FP_LIGHT_BLOCK(%r12), %rax
	jnz 3f
	testl $2, %eax
	jz 3f
	/* Go may have used the upper halves of ymm/zmm0-15: the app's are in
	 * their initial state (zero). x87 is the app's own: Go never uses it. */
	vzeroupper
	ldmxcsr XSAVE_MXCSR(%rcx)
	vmovaps 160(%rcx), %xmm0
	vmovaps 176(%rcx), %xmm1
	vmovaps 192(%rcx), %xmm2
	vmovaps 208(%rcx), %xmm3
	vmovaps 224(%rcx), %xmm4
	vmovaps 240(%rcx), %xmm5
	vmovaps 256(%rcx), %xmm6
	vmovaps 272(%rcx), %xmm7
	vmovaps 288(%rcx), %xmm8
	vmovaps 304(%rcx), %xmm9
	vmovaps 320(%rcx), %xmm10
	vmovaps 336(%rcx), %xmm11
	vmovaps 352(%rcx), %xmm12
	vmovaps 368(%rcx), %xmm13
	vmovaps 384(%rcx), %xmm14
	vmovaps 400(%rcx), %xmm15
	movq EP_FP_KOFF(%r12), %rdx
	testq %rdx, %rdx
	jz 4f
	addq %rcx, %rdx
	testl $0x20, %eax
	jz 5f
	kmovq 0(%rdx), %k0
	kmovq 8(%rdx), %k1
	kmovq 16(%rdx), %k2
	kmovq 24(%rdx), %k3
	kmovq 32(%rdx), %k4
	kmovq 40(%rdx), %k5
	kmovq 48(%rdx), %k6
	kmovq 56(%rdx), %k7
	jmp 4f
5:
	kxorq %k0, %k0, %k0
	kxorq %k1, %k1, %k1
	kxorq %k2, %k2, %k2
	kxorq %k3, %k3, %k3
	kxorq %k4, %k4, %k4
	kxorq %k5, %k5, %k5
	kxorq %k6, %k6, %k6
	kxorq %k7, %k7, %k7
	jmp 4f
3:	movl EP_FP_MASK(%r12), %eax
	xorl %edx, %edx
	xrstor64 (%rcx)
4:	movq $EP_STATE_APP, EP_STATE(%r12)
	/* A kick that came while the thread was in Go since the kernel
	 * looked for work (ResetKick) set EP_PASS_KICKED: go back with it
	 * before the app runs (the app's state is in ctx unchanged). From
	 * here on, the handler sees state APP and handles a kick itself. */
	cmpl $0, EP_PASS_KICKED(%r12)
	jne 20f
	movb $1, EP_SELECTOR(%r12)
	movq EP_REGS+R_FS_BASE(%r12), %rsi
	cmpl $0, ep_have_fsgsbase(%rip)
	je 8f
	wrfsbase %rsi
	jmp 9f
	/* arch_prctl(ARCH_SET_FS): from here, inside the range Syscall User
	 * Dispatch lets through; it clobbers rax, rcx and r11, loaded below. */
8:	movl $EP_ARCH_SET_FS, %edi
	movl $EP_SYS_ARCH_PRCTL, %eax
	syscall
9:	pushq EP_REGS+R_EFLAGS(%r12)
	popfq
	movq %gs:EP_REGS+R_R15, %r15
	movq %gs:EP_REGS+R_R14, %r14
	movq %gs:EP_REGS+R_R13, %r13
	movq %gs:EP_REGS+R_R12, %r12
	movq %gs:EP_REGS+R_RBP, %rbp
	movq %gs:EP_REGS+R_RBX, %rbx
	movq %gs:EP_REGS+R_R11, %r11
	movq %gs:EP_REGS+R_R10, %r10
	movq %gs:EP_REGS+R_R9, %r9
	movq %gs:EP_REGS+R_R8, %r8
	movq %gs:EP_REGS+R_RAX, %rax
	movq %gs:EP_REGS+R_RCX, %rcx
	movq %gs:EP_REGS+R_RDX, %rdx
	movq %gs:EP_REGS+R_RSI, %rsi
	movq %gs:EP_REGS+R_RDI, %rdi
	movq %gs:EP_REGS+R_RSP, %rsp
	.globl ep_enter_jump
	.hidden ep_enter_jump
ep_enter_jump:
	jmpq *%gs:EP_REGS+R_RIP
	.size ep_enter, .-ep_enter

20:	movq $EP_STATE_HOST, EP_STATE(%r12)
	movq $EP_EVENT_KICK, EP_EVENT(%r12)
	incq EP_KICKS(%r12)
	jmp ep_host_exit

/* long ep_arch_prctl(int code, uint64_t addr): arch_prctl from inside the
 * range Syscall User Dispatch always lets through (the signal handler
 * reads the GS base with it before it knows the thread's selector). */
	.globl ep_arch_prctl
	.hidden ep_arch_prctl
	.type ep_arch_prctl,@function
	.p2align 4
ep_arch_prctl:
	movl $EP_SYS_ARCH_PRCTL, %eax
	syscall
	ret
	.size ep_arch_prctl, .-ep_arch_prctl

/* long ep_pass_wait(long nr, long a1, long a2, long a3, long a4): a
 * pass-through call that may block (pass.c). A kick that comes before the
 * syscall instruction has entered the host kernel finds EP_PASS_KICKED
 * checked too late; the handler moves such a thread to ep_wait_abort
 * (rip in [ep_wait_check, ep_wait_done)), and a kick during the wait ends
 * it with EINTR: either way the call goes to Go, which sees the kick. */
	.globl ep_pass_wait
	.hidden ep_pass_wait
	.type ep_pass_wait,@function
	.p2align 4
ep_pass_wait:
	movq %rdi, %rax
	movq %rsi, %rdi
	movq %rdx, %rsi
	movq %rcx, %rdx
	movq %r8, %r10
	.globl ep_wait_check
	.hidden ep_wait_check
ep_wait_check:
	cmpl $0, %gs:EP_PASS_KICKED
	jne ep_wait_abort
	syscall
	.globl ep_wait_done
	.hidden ep_wait_done
ep_wait_done:
	ret
	.globl ep_wait_abort
	.hidden ep_wait_abort
ep_wait_abort:
	movq $-4, %rax
	ret
	.size ep_pass_wait, .-ep_pass_wait

/* Where the SIGSYS handler returns after passing a trapped call through
 * (sighandler.c): the app's registers are loaded, the saved ones in ctx
 * are the same; the selector closes only now, after the sigreturn. */
	.globl ep_pass_trap_return
	.hidden ep_pass_trap_return
	.p2align 4
ep_pass_trap_return:
	movb $1, %gs:EP_SELECTOR
	.globl ep_pass_trap_jump
	.hidden ep_pass_trap_jump
ep_pass_trap_jump:
	jmpq *%gs:EP_REGS+R_RIP

/* Reached through sigreturn from the trap handler: the kernel restored the
 * app's extended state into the CPU; keep it in ctx and bring back the host's. */
	.globl ep_resume
	.hidden ep_resume
	.p2align 4
ep_resume:
	movq %gs:EP_SELF, %r12
	movq EP_FP_APP(%r12), %rcx
	movl EP_FP_MASK(%r12), %eax
	xorl %edx, %edx
	xsavec64 (%rcx)
	movq $0, EP_FP_LIGHT_OK(%r12)
	/* An x87 state in its initial configuration (FCW 0x37f; status, tags,
	 * last opcode and pointers zero) leaves the image: the next XRSTOR
	 * initializes it, and XINUSE reports x87 unused again, which lets the
	 * next crossings take the light path. (A signal's delivery and
	 * sigreturn mark x87 in use although the app never touched it.) */
	testb $1, XSAVE_HDR_XSTATE(%rcx)
	jz 6f
	cmpq $0x37f, 0(%rcx)
	jne 6f
	cmpq $0, 8(%rcx)
	jne 6f
	cmpq $0, 16(%rcx)
	jne 6f
	andb $0xfe, XSAVE_HDR_XSTATE(%rcx)
6:
	/* fall through into the common exit */
ep_host_exit:
	vzeroupper
	/* The host's MXCSR and x87 control word come back when the app
	 * changed them (rarely: a compare costs less than the loads). The
	 * app's x87 state is saved (or restored by the kernel's sigreturn,
	 * then saved); the register stack may stay as the app left it, since
	 * neither Go nor elfloader's C code uses x87 instructions (fninit
	 * cost 17 ns of a 177 ns fast-path call). Pending exceptions are
	 * cleared before fldcw, a waiting instruction, could raise one the
	 * app left unmasked. */
	stmxcsr EP_SCRATCH(%r12)
	movl EP_SCRATCH(%r12), %eax
	cmpl EP_HOST_MXCSR(%r12), %eax
	je 1f
	ldmxcsr EP_HOST_MXCSR(%r12)
1:	fnstcw EP_SCRATCH(%r12)
	movzwl EP_SCRATCH(%r12), %eax
	cmpw EP_HOST_FCW(%r12), %ax
	je 2f
	fnclex
	fldcw EP_HOST_FCW(%r12)
2:
	movq EP_HOST_RSP(%r12), %rsp
	movq EP_EVENT(%r12), %rax
	addq $8, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

/* Reached when a kick interrupted ep_enter before the app ran: the app's
 * registers in ctx are untouched. The CPU holds either state; restore host's. */
	.globl ep_abort
	.hidden ep_abort
	.p2align 4
ep_abort:
	movq %gs:EP_SELF, %r12
	jmp ep_host_exit

/* The fast syscall entry. A rewritten site jumps to its trampoline, which
 * loads the syscall number into eax and the return address into rcx (both
 * clobbered by a syscall anyway) and jumps here, in app context: FS is the
 * app's, GS points at the thread's ctx, the selector blocks syscalls. Save
 * the app's registers without touching its stack (red zone), switch to the
 * host stack and leave ep_enter exactly as the trap path does. */
	.globl ep_fast_begin
	.hidden ep_fast_begin
ep_fast_begin:
	.globl ep_fast_entry
	.hidden ep_fast_entry
	.p2align 4
ep_fast_entry:
	movq %rsp, %gs:EP_REGS+R_RSP
	movq %gs:EP_HOST_RSP, %rsp
	pushfq
	popq %r11
	movb $0, %gs:EP_SELECTOR
	movq %r11, %gs:EP_REGS+R_EFLAGS
	movq %r11, %gs:EP_REGS+R_R11
	movq %rcx, %gs:EP_REGS+R_RIP
	movq %rcx, %gs:EP_REGS+R_RCX
	movq %rax, %gs:EP_REGS+R_RAX
	movq %rax, %gs:EP_REGS+R_ORIG_RAX
	movq %r15, %gs:EP_REGS+R_R15
	movq %r14, %gs:EP_REGS+R_R14
	movq %r13, %gs:EP_REGS+R_R13
	movq %r12, %gs:EP_REGS+R_R12
	movq %rbp, %gs:EP_REGS+R_RBP
	movq %rbx, %gs:EP_REGS+R_RBX
	movq %r10, %gs:EP_REGS+R_R10
	movq %r9, %gs:EP_REGS+R_R9
	movq %r8, %gs:EP_REGS+R_R8
	movq %rdx, %gs:EP_REGS+R_RDX
	movq %rsi, %gs:EP_REGS+R_RSI
	movq %rdi, %gs:EP_REGS+R_RDI
	/* ebx: the event Go gets (a kick during a pass-through call makes it
	 * EP_EVENT_KICK); the app's rbx is saved. */
	movl $EP_EVENT_FAST, %ebx
	cmpq $0, %gs:EP_PASS_FDS
	je 10f
	/* Host descriptor pass-through (pass.c): served here, with the app's
	 * FS base and extended state untouched, or sent on to Go. A kick
	 * since the app's syscall (in this range, or in stage 1) has set
	 * EP_PASS_KICKED; once the result stands (stage 2 and the final
	 * jump) a kick takes the thread to Go itself. */
	movl $1, %gs:EP_IN_PASS
	movq %gs:EP_SELF, %rdi
	movl $1, %esi
	call ep_pass
	testl %eax, %eax
	jz 11f
	movl $2, %gs:EP_IN_PASS
	cmpl $0, %gs:EP_PASS_KICKED
	jne 12f
	pushq %gs:EP_REGS+R_EFLAGS
	popfq
	movq %gs:EP_REGS+R_RBX, %rbx
	movq %gs:EP_REGS+R_R11, %r11
	movq %gs:EP_REGS+R_R10, %r10
	movq %gs:EP_REGS+R_R9, %r9
	movq %gs:EP_REGS+R_R8, %r8
	movq %gs:EP_REGS+R_RDX, %rdx
	movq %gs:EP_REGS+R_RSI, %rsi
	movq %gs:EP_REGS+R_RDI, %rdi
	movq %gs:EP_REGS+R_RCX, %rcx
	movq %gs:EP_REGS+R_RAX, %rax
	movq %gs:EP_REGS+R_RSP, %rsp
	movb $1, %gs:EP_SELECTOR
	movl $0, %gs:EP_IN_PASS
	.globl ep_pass_jump
	.hidden ep_pass_jump
ep_pass_jump:
	jmpq *%gs:EP_REGS+R_RIP
	/* Kicked while the host call ran: the call is made, its result is in
	 * the saved registers; Go sees the kick, as if it had come right
	 * after the app's syscall instruction. */
12:	movl $EP_EVENT_KICK, %ebx
11:	movl $0, %gs:EP_IN_PASS
10:
	cmpl $0, ep_have_fsgsbase(%rip)
	je 8f
	rdfsbase %rax
	movq %rax, %gs:EP_REGS+R_FS_BASE
	movq %gs:EP_HOST_FS, %rax
	wrfsbase %rax
	jmp 9f
	/* Without FSGSBASE the app cannot have moved its FS base (every
	 * arch_prctl is elfloader's): the saved one stands. */
8:	movl $EP_ARCH_SET_FS, %edi
	movq %gs:EP_HOST_FS, %rsi
	movl $EP_SYS_ARCH_PRCTL, %eax
	syscall
9:
	movq $EP_STATE_HOST, %gs:EP_STATE
	movq %rbx, %gs:EP_EVENT
	incq %gs:EP_FAST_CALLS
	/* The light save when the app's x87, AVX and ZMM_Hi256 state is in
	 * its initial configuration (XINUSE), else XSAVEC in ep_resume. */
	movq %gs:EP_SELF, %r12
	movq EP_FP_LIGHT_BLOCK(%r12), %rsi
	cmpq $-1, %rsi
	je ep_resume
	movl $1, %ecx
	xgetbv
	testq %rsi, %rax
	jnz ep_resume
	movq EP_FP_APP(%r12), %rcx
	vmovaps %xmm0, 160(%rcx)
	vmovaps %xmm1, 176(%rcx)
	vmovaps %xmm2, 192(%rcx)
	vmovaps %xmm3, 208(%rcx)
	vmovaps %xmm4, 224(%rcx)
	vmovaps %xmm5, 240(%rcx)
	vmovaps %xmm6, 256(%rcx)
	vmovaps %xmm7, 272(%rcx)
	vmovaps %xmm8, 288(%rcx)
	vmovaps %xmm9, 304(%rcx)
	vmovaps %xmm10, 320(%rcx)
	vmovaps %xmm11, 336(%rcx)
	vmovaps %xmm12, 352(%rcx)
	vmovaps %xmm13, 368(%rcx)
	vmovaps %xmm14, 384(%rcx)
	vmovaps %xmm15, 400(%rcx)
	stmxcsr XSAVE_MXCSR(%rcx)
	movq EP_FP_KOFF(%r12), %rdx
	testq %rdx, %rdx
	jz 1f
	addq %rcx, %rdx
	kmovq %k0, 0(%rdx)
	kmovq %k1, 8(%rdx)
	kmovq %k2, 16(%rdx)
	kmovq %k3, 24(%rdx)
	kmovq %k4, 32(%rdx)
	kmovq %k5, 40(%rdx)
	kmovq %k6, 48(%rdx)
	kmovq %k7, 56(%rdx)
1:	incq EP_KICKS(%r12)
	movq EP_FP_LIGHT_BV(%r12), %rax
	movq %rax, XSAVE_HDR_XSTATE(%rcx)
	movq EP_FP_XCOMP(%r12), %rax
	movq %rax, XSAVE_HDR_XCOMP(%rcx)
	movq $1, EP_FP_LIGHT_OK(%r12)
	jmp ep_host_exit
	.globl ep_fast_end
	.hidden ep_fast_end
ep_fast_end:

	.globl ep_text_finish
	.hidden ep_text_finish
ep_text_finish:
	.section .note.GNU-stack,"",@progbits
