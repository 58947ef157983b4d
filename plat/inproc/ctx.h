/* Layout of the per-thread switch context shared by the C signal handlers,
 * the assembly trampolines and Go. Offsets are checked at compile time. */
#ifndef ELFLOADER_INPROC_CTX_H
#define ELFLOADER_INPROC_CTX_H

/* arch_prctl (asm/prctl.h, the x86-64 syscall table), for the assembly. */
#define EP_SYS_ARCH_PRCTL 158
#define EP_ARCH_SET_GS 0x1001
#define EP_ARCH_SET_FS 0x1002
#define EP_ARCH_GET_FS 0x1003
#define EP_ARCH_GET_GS 0x1004

#define EP_SELF 0
#define EP_STATE 8
#define EP_SELECTOR 16
#define EP_HOST_RSP 24
#define EP_HOST_FS 32
#define EP_EVENT 40
#define EP_HOST_MASK 48
#define EP_APP_MASK 56
#define EP_SIGNO 64
#define EP_CODE 68
#define EP_ADDR 72
#define EP_TRAPNO 80
#define EP_ERR 88
#define EP_REGS 96
/* offsets inside the register block (Linux user_regs_struct order) */
#define R_R15 0
#define R_R14 8
#define R_R13 16
#define R_R12 24
#define R_RBP 32
#define R_RBX 40
#define R_R11 48
#define R_R10 56
#define R_R9 64
#define R_R8 72
#define R_RAX 80
#define R_RCX 88
#define R_RDX 96
#define R_RSI 104
#define R_RDI 112
#define R_ORIG_RAX 120
#define R_RIP 128
#define R_CS 136
#define R_EFLAGS 144
#define R_RSP 152
#define R_SS 160
#define R_FS_BASE 168
#define R_GS_BASE 176
#define EP_KICKS 320
#define EP_HOST_MXCSR 328
#define EP_HOST_FCW 332
#define EP_FAST_CALLS 336
/* Pointer to the app's extended state (XSAVEC compacted image, 64-byte
 * aligned), allocated per thread with the size CPUID reports. */
#define EP_FP_APP 344
/* The extended-state components saved and restored on every crossing
 * (XCR0 & FP_HOT_COMPONENTS): the ones Go code on the thread can change. */
#define EP_FP_MASK 352
/* Scratch word for the control-register compares of ep_host_exit. */
#define EP_SCRATCH 360
/* The light crossing (docs/fastpath.md): when the app's x87, AVX and
 * ZMM_Hi256 state is in its initial configuration (XINUSE, XGETBV with
 * ECX=1), the fast exit stores xmm0-15, MXCSR and the opmask registers
 * with plain moves into the compacted image instead of an XSAVEC, and
 * ep_enter loads them back the same way instead of an XRSTOR.
 * EP_FP_LIGHT_BLOCK: the components whose use forces the XSAVEC/XRSTOR
 * (all ones when the light crossing is off: no XINUSE, no AVX, or AVX-512
 * without 64-bit opmask moves). EP_FP_LIGHT_BV: the XSTATE_BV a light exit
 * writes (SSE, plus the opmask with AVX-512). EP_FP_XCOMP: the XCOMP_BV it
 * writes (compacted, the hot components). EP_FP_KOFF: the opmask
 * registers' offset in that layout (0: no AVX-512). */
#define EP_FP_LIGHT_BLOCK 368
/* Offsets in an XSAVE image: MXCSR and xmm0 in the legacy region, the
 * header's XSTATE_BV and XCOMP_BV. */
#define XSAVE_MXCSR 24
#define XSAVE_XMM0 160
#define XSAVE_HDR_XSTATE 512
#define XSAVE_HDR_XCOMP 520
#define EP_FP_LIGHT_BV 376
#define EP_FP_XCOMP 384
#define EP_FP_KOFF 392
/* EP_FP_LIGHT_OK: set by a light exit, cleared by every other save of the
 * image (ep_resume, ep_fp_from_std) and by ep_fp_to_std: the CPU's x87,
 * AVX and ZMM_Hi256 state is then known to be initial (XINUSE clear, Go
 * touches only AVX, which vzeroupper re-initializes), so a light restore
 * reproduces the app's state exactly. After a trap the kernel's sigreturn
 * leaves x87 marked in use: that entry takes the XRSTOR, which clears it. */
#define EP_FP_LIGHT_OK 400
/* Host descriptor pass-through (pass.c, plat/passthrough.go): the
 * thread's descriptor and description tables (0: every call goes to Go),
 * the stage of a pass-through call the thread is in (EP_IN_PASS: 1 in
 * ep_pass, 2 returning to the app with the result in the registers), and
 * the count of calls passed through. EP_PASS_KICKED latches a kick that
 * the thread could not act on where it was (in Go after the kernel looked
 * for work, in the fast entry, in stage 1): ep_enter and the fast entry go
 * to Go with it; Go clears it (ResetKick) before it looks for work. */
#define EP_PASS_FDS 408
#define EP_PASS_OFDS 416
#define EP_IN_PASS 424
#define EP_PASS_KICKED 428
#define EP_PASS_CALLS 432
/* Of those, the ones passed through by the SIGSYS handler (trapped). */
#define EP_PASS_TRAPPED 440
/* The thread's identity for getpid, gettid and getppid (pass.c): its
 * process's PID and its TID (0: those calls go to Go), and the address of
 * the process's parent PID word, which the kernel rewrites when the
 * process is reparented. */
#define EP_PASS_PID 448
#define EP_PASS_TID 452
#define EP_PASS_PPID 456
#define EP_SIZE 464

#define EP_STATE_HOST 0
#define EP_STATE_APP 1

#define EP_EVENT_SYSCALL 1
#define EP_EVENT_FAULT 2
#define EP_EVENT_KICK 3
#define EP_EVENT_FAST 4
#define EP_EVENT_SYSCALL32 5

#ifndef __ASSEMBLER__
#include <stdint.h>

struct ep_regs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx,
		rsi, rdi, orig_rax, rip, cs, eflags, rsp, ss, fs_base, gs_base, ds,
		es, fs, gs;
};

struct ep_ctx {
	struct ep_ctx *self;
	uint64_t state;
	uint8_t selector;
	uint8_t pad0[7];
	uint64_t host_rsp;
	uint64_t host_fs;
	uint64_t event;
	uint64_t host_mask;
	uint64_t app_mask;
	int32_t signo;
	int32_t code;
	uint64_t addr;
	uint64_t trapno;
	uint64_t err;
	struct ep_regs regs;
	/* Set by the handler while the trap flag single-steps through
	 * ep_enter: the next trace trap is the landing on the app's first
	 * instruction, which has not run yet. */
	uint64_t step_landing;
	uint64_t kicks;
	uint32_t host_mxcsr;
	uint16_t host_fcw;
	uint16_t pad3;
	uint64_t fast_calls;
	uint8_t *fp_app;
	uint64_t fp_mask;
	uint64_t scratch;
	uint64_t fp_light_block;
	uint64_t fp_light_bv;
	uint64_t fp_xcomp;
	uint64_t fp_koff;
	uint64_t fp_light_ok;
	uint32_t *pass_fds;
	uint64_t *pass_ofds;
	uint32_t in_pass;
	uint32_t pass_kicked;
	uint64_t pass_calls;
	uint64_t pass_trapped;
	uint32_t pass_pid;
	uint32_t pass_tid;
	const uint32_t *pass_ppid;
};

struct ep_ctx *ep_ctx_new(uint32_t fp_size);
void ep_ctx_free(struct ep_ctx *c);
/* ep_enter takes the context as an integer: it is C memory, and a pointer
 * argument would make cgo check on every call whether it is Go memory. */
uint64_t ep_enter(uintptr_t c);
int ep_install(int kick_signal);
int ep_sud_on(struct ep_ctx *c);
/* ep_have_fsgsbase says whether the host lets user code use
 * rd/wr{fs,gs}base (HWCAP2_FSGSBASE); without, the FS base moves with
 * arch_prctl at each crossing and the GS base is set once per thread. */
extern int ep_have_fsgsbase;
long ep_arch_prctl(int code, uint64_t addr);
int ep_sud_off(void);
uint64_t ep_text_start(void);
uint64_t ep_text_end(void);
uint64_t ep_fast_entry_addr(void);
uint64_t ep_enter_addr(void);
int ep_cas8(uint64_t *addr, uint64_t old, uint64_t new);
int ep_cas16(void *addr, const uint64_t old[2], const uint64_t new[2]);
void ep_bench_empty(void);
void ep_bench_xsave(struct ep_ctx *c, long n);
void ep_bench_fsbase(long n);
void ep_fp_to_std(struct ep_ctx *c, void *dst);
void ep_fp_from_std(struct ep_ctx *c, const void *src);
int ep_pass(struct ep_ctx *c, int may_wait);
/* The signal mask that leaves only the kick open (sighandler.c): a wait
 * in the SIGSYS handler, where every signal is blocked, takes it with
 * ppoll. */
uint64_t ep_kick_only_mask(void);
void ep_trap_site_add(uint64_t sys);
int ep_trap_site(uint64_t sys);
long ep_pass_wait(long nr, long a1, long a2, long a3, long a4);
#endif
#endif
