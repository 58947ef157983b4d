// Signal handlers of the in-process platform.
//
// These run on the thread's alternate signal stack (Go's gsignal stack) with
// whatever FS base the interrupted code had. They must not touch TLS, call libc
// functions that may, or make system calls while the Syscall User Dispatch
// selector blocks them. The per-thread context is found through the GS base,
// which ep_enter points at it.
#define _GNU_SOURCE
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <ucontext.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "ctx.h"

_Static_assert(offsetof(struct ep_ctx, state) == EP_STATE, "state");
_Static_assert(offsetof(struct ep_ctx, selector) == EP_SELECTOR, "selector");
_Static_assert(offsetof(struct ep_ctx, host_rsp) == EP_HOST_RSP, "host_rsp");
_Static_assert(offsetof(struct ep_ctx, host_fs) == EP_HOST_FS, "host_fs");
_Static_assert(offsetof(struct ep_ctx, event) == EP_EVENT, "event");
_Static_assert(offsetof(struct ep_ctx, host_mask) == EP_HOST_MASK, "host_mask");
_Static_assert(offsetof(struct ep_ctx, app_mask) == EP_APP_MASK, "app_mask");
_Static_assert(offsetof(struct ep_ctx, signo) == EP_SIGNO, "signo");
_Static_assert(offsetof(struct ep_ctx, addr) == EP_ADDR, "addr");
_Static_assert(offsetof(struct ep_ctx, err) == EP_ERR, "err");
_Static_assert(offsetof(struct ep_ctx, regs) == EP_REGS, "regs");
_Static_assert(offsetof(struct ep_regs, rip) == R_RIP, "rip");
_Static_assert(offsetof(struct ep_regs, rsp) == R_RSP, "rsp");
_Static_assert(offsetof(struct ep_regs, fs_base) == R_FS_BASE, "fs_base");
_Static_assert(offsetof(struct ep_regs, eflags) == R_EFLAGS, "eflags");
_Static_assert(offsetof(struct ep_ctx, kicks) == EP_KICKS, "kicks");
_Static_assert(offsetof(struct ep_ctx, host_mxcsr) == EP_HOST_MXCSR, "mxcsr");
_Static_assert(offsetof(struct ep_ctx, host_fcw) == EP_HOST_FCW, "fcw");
_Static_assert(offsetof(struct ep_ctx, fast_calls) == EP_FAST_CALLS, "fast_calls");
_Static_assert(offsetof(struct ep_ctx, fp_app) == EP_FP_APP, "fp_app");
_Static_assert(offsetof(struct ep_ctx, fp_mask) == EP_FP_MASK, "fp_mask");
_Static_assert(offsetof(struct ep_ctx, scratch) == EP_SCRATCH, "scratch");
_Static_assert(offsetof(struct ep_ctx, fp_light_block) == EP_FP_LIGHT_BLOCK, "fp_light_block");
_Static_assert(offsetof(struct ep_ctx, fp_light_bv) == EP_FP_LIGHT_BV, "fp_light_bv");
_Static_assert(offsetof(struct ep_ctx, fp_xcomp) == EP_FP_XCOMP, "fp_xcomp");
_Static_assert(offsetof(struct ep_ctx, fp_koff) == EP_FP_KOFF, "fp_koff");
_Static_assert(offsetof(struct ep_ctx, fp_light_ok) == EP_FP_LIGHT_OK, "fp_light_ok");
_Static_assert(offsetof(struct ep_ctx, pass_fds) == EP_PASS_FDS, "pass_fds");
_Static_assert(offsetof(struct ep_ctx, pass_ofds) == EP_PASS_OFDS, "pass_ofds");
_Static_assert(offsetof(struct ep_ctx, in_pass) == EP_IN_PASS, "in_pass");
_Static_assert(offsetof(struct ep_ctx, pass_kicked) == EP_PASS_KICKED, "pass_kicked");
_Static_assert(offsetof(struct ep_ctx, pass_calls) == EP_PASS_CALLS, "pass_calls");
_Static_assert(offsetof(struct ep_ctx, pass_trapped) == EP_PASS_TRAPPED, "pass_trapped");
_Static_assert(offsetof(struct ep_ctx, pass_pid) == EP_PASS_PID, "pass_pid");
_Static_assert(offsetof(struct ep_ctx, pass_tid) == EP_PASS_TID, "pass_tid");
_Static_assert(offsetof(struct ep_ctx, pass_ppid) == EP_PASS_PPID, "pass_ppid");

/* The components Go code running on an app thread between two crossings
 * can change: x87 (fninit), SSE, the upper halves of ymm0-15 and zmm0-15
 * (VEX instructions and vzeroupper zero them) and the opmask registers
 * (the runtime's AVX-512 GC scanning). Go never touches zmm16-31 (only
 * its async-preemption code, which restores them), PKRU, AMX tiles or
 * APX registers: those stay live in the CPU across a crossing and are only
 * saved when Go needs the whole state (ep_fp_to_std), on the same thread.
 * Glibc's string functions leave zmm16-31 in use, so this keeps 1 KiB (and
 * 8 KiB of tile data for AMX programs) out of every XSAVEC and XRSTOR. */
#define FP_HOT_COMPONENTS ((1u << 0) | (1u << 1) | (1u << 2) | (1u << 5) | (1u << 6))

static uint64_t xcr0(void) {
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]) {
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

#define XFEATURE_X87 (1u << 0)
#define XFEATURE_SSE (1u << 1)
#define XFEATURE_AVX (1u << 2)
#define XFEATURE_OPMASK (1u << 5)
#define XFEATURE_ZMM_HI256 (1u << 6)

/* Sets up the light crossing of a context (see EP_FP_LIGHT_BLOCK in ctx.h)
 * from what CPUID reports: XGETBV with ECX=1 (leaf 0xD.1 EAX bit 2), AVX
 * (vzeroupper re-initializes the upper halves Go may have used), and with
 * AVX-512 the 64-bit opmask moves (AVX512BW) and the opmask component's
 * offset in the compacted layout of the hot components (leaf 0xD.i: size
 * in EAX, 64-byte alignment in ECX bit 1). */
static void light_setup(struct ep_ctx *c) {
	uint32_t r[4];
	c->fp_light_block = ~0ull;
	c->fp_xcomp = (1ull << 63) | c->fp_mask;
	c->fp_koff = 0;
	if (!(c->fp_mask & XFEATURE_AVX) || !(c->fp_mask & XFEATURE_SSE))
		return;
	cpuid(0, 0, r);
	if (r[0] < 0xd)
		return;
	cpuid(0xd, 1, r);
	if (!(r[0] & (1u << 2)) || !(r[0] & (1u << 1))) /* XGETBV ECX=1, XSAVEC */
		return;
	c->fp_light_bv = XFEATURE_SSE;
	if (c->fp_mask & XFEATURE_OPMASK) {
		cpuid(7, 0, r);
		if (!(r[1] & (1u << 30))) /* AVX512BW: kmovq */
			return;
		uint64_t off = 576;
		for (int i = 2; i < 63; i++) {
			if (!(c->fp_mask & (1ull << i)))
				continue;
			cpuid(0xd, i, r);
			if (r[2] & 2)
				off = (off + 63) & ~63ull;
			if (i == 5) {
				c->fp_koff = off;
				break;
			}
			off += r[0];
		}
		c->fp_light_bv |= XFEATURE_OPMASK;
	}
	c->fp_light_block = c->fp_mask & (XFEATURE_X87 | XFEATURE_AVX | XFEATURE_ZMM_HI256);
}
_Static_assert(sizeof(struct ep_ctx) == EP_SIZE, "size");

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_OFF 0
#define PR_SYS_DISPATCH_ON 1
#endif
#define SYS_USER_DISPATCH 2
#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1
#endif
#ifndef AUDIT_ARCH_I386
#define AUDIT_ARCH_I386 0x40000003u
#endif

extern char ep_probe_load[], ep_poke_store[], ep_probe_fault[];
extern char ep_text_begin[], ep_text_finish[], ep_resume[], ep_abort[], ep_fast_begin[], ep_fast_end[], ep_fast_entry[], ep_pass_jump[], ep_wait_check[], ep_wait_done[], ep_wait_abort[],
    ep_pass_trap_return[], ep_pass_trap_jump[];

static struct sigaction prev[65];
static int kick_sig;

uint64_t ep_kick_only_mask(void) { return kick_sig > 0 ? ~(1ull << (kick_sig - 1)) : ~0ull; }

int ep_have_fsgsbase;

/* The GS base holds the thread's context (ep_sud_on without FSGSBASE, else ep_enter). Without
 * FSGSBASE it is read with arch_prctl from inside the range Syscall User
 * Dispatch lets through: the handler does not know the selector yet. */
static inline uint64_t rdgs(void) {
	uint64_t v = 0;
	if (!ep_have_fsgsbase) {
		ep_arch_prctl(EP_ARCH_GET_GS, (uint64_t)&v);
		return v;
	}
	__asm__ volatile("rdgsbase %0" : "=r"(v));
	return v;
}
static inline uint64_t rdfs(void) {
	uint64_t v = 0;
	if (!ep_have_fsgsbase) {
		ep_arch_prctl(EP_ARCH_GET_FS, (uint64_t)&v);
		return v;
	}
	__asm__ volatile("rdfsbase %0" : "=r"(v));
	return v;
}
static inline void wrfs(uint64_t v) {
	if (!ep_have_fsgsbase) {
		ep_arch_prctl(EP_ARCH_SET_FS, v);
		return;
	}
	__asm__ volatile("wrfsbase %0" ::"r"(v));
}

static void chain(int sig, siginfo_t *si, void *uc) {
	struct sigaction *p = &prev[sig];
	if (p->sa_flags & SA_SIGINFO) {
		if (p->sa_sigaction != NULL) {
			p->sa_sigaction(sig, si, uc);
			return;
		}
	} else if (p->sa_handler != SIG_DFL && p->sa_handler != SIG_IGN) {
		p->sa_handler(sig);
		return;
	}
	if (p->sa_handler == SIG_IGN)
		return;
	/* Default action: restore it and let the signal happen again. */
	signal(sig, SIG_DFL);
	raise(sig);
}

static void save_regs(struct ep_regs *r, const greg_t *g) {
	r->r15 = g[REG_R15];
	r->r14 = g[REG_R14];
	r->r13 = g[REG_R13];
	r->r12 = g[REG_R12];
	r->rbp = g[REG_RBP];
	r->rbx = g[REG_RBX];
	r->r11 = g[REG_R11];
	r->r10 = g[REG_R10];
	r->r9 = g[REG_R9];
	r->r8 = g[REG_R8];
	r->rax = g[REG_RAX];
	r->rcx = g[REG_RCX];
	r->rdx = g[REG_RDX];
	r->rsi = g[REG_RSI];
	r->rdi = g[REG_RDI];
	r->rip = g[REG_RIP];
	r->eflags = g[REG_EFL];
	r->rsp = g[REG_RSP];
}

static void to_host(struct ep_ctx *c, ucontext_t *uc, void *target) {
	greg_t *g = uc->uc_mcontext.gregs;
	c->state = EP_STATE_HOST;
	c->step_landing = 0;
	wrfs(c->host_fs);
	g[REG_RIP] = (greg_t)target;
	g[REG_RSP] = (greg_t)c->host_rsp;
	g[REG_EFL] = 0x246;
}

/* pass_trapped serves a trapped call on a host descriptor without Go, as
 * ep_fast_entry does for rewritten sites (pass.c), at a site the rewriter
 * left on the trap path. The handler returns to ep_pass_trap_return, which
 * closes the selector after the sigreturn and jumps to the app. */
static int pass_trapped(struct ep_ctx *c, greg_t *g, uint64_t rip) {
	save_regs(&c->regs, g);
	c->regs.orig_rax = c->regs.rax;
	if (!ep_pass(c, 0))
		return 0;
	c->pass_trapped++;
	if (ep_have_fsgsbase)
		c->regs.fs_base = rdfs();
	c->regs.rcx = rip; /* as the syscall instruction leaves them */
	c->regs.r11 = c->regs.eflags;
	g[REG_RAX] = (greg_t)c->regs.rax;
	g[REG_RCX] = (greg_t)c->regs.rcx;
	g[REG_R11] = (greg_t)c->regs.r11;
	g[REG_RIP] = (greg_t)ep_pass_trap_return;
	return 1;
}

static void ep_handler(int sig, siginfo_t *si, void *ucv) {
	ucontext_t *uc = ucv;
	struct ep_ctx *c;
	if (!ep_have_fsgsbase && sig == SIGSYS && si->si_code == SYS_USER_DISPATCH) {
		/* Only a thread with dispatch on traps so: its GS base is its
		 * context, read without the system call rdgs makes. */
		__asm__ volatile("movq %%gs:0, %0" : "=r"(c));
	} else {
		c = (struct ep_ctx *)rdgs();
	}
	if (c == NULL || c->self != c || c->state != EP_STATE_APP) {
		if (sig == kick_sig && c != NULL && c->self == c) {
			/* The thread is in Go: after the kernel's last look for
			 * work, ep_enter sees this and goes back (ResetKick). */
			c->pass_kicked = 1;
			return;
		}
		chain(sig, si, ucv);
		return;
	}
	greg_t *g = uc->uc_mcontext.gregs;
	uint64_t rip = (uint64_t)g[REG_RIP];
	c->selector = 0;
	if (c->in_pass == 1) {
		/* In a pass-through call (pass.c): ep_fast_entry sees the kick
		 * when the host call returns and goes to Go. */
		if ((sig == SIGSEGV || sig == SIGBUS) && (rip == (uint64_t)ep_probe_load || rip == (uint64_t)ep_poke_store)) {
			/* A bad address of the app's: the access returns -1. */
			g[REG_RIP] = (greg_t)ep_probe_fault;
			return;
		}
		if (sig == kick_sig) {
			c->kicks++;
			c->pass_kicked = 1;
			if (rip >= (uint64_t)ep_wait_check && rip < (uint64_t)ep_wait_done)
				g[REG_RIP] = (greg_t)ep_wait_abort; /* not waiting yet: do not */
			return;
		}
		chain(sig, si, ucv);
		return;
	}
	if (c->in_pass == 2 || rip == (uint64_t)ep_pass_jump || rip == (uint64_t)ep_pass_trap_return ||
	    rip == (uint64_t)ep_pass_trap_jump) {
		/* Returning to the app from a pass-through call: the saved
		 * registers are the app's, after its syscall instruction; the
		 * CPU's extended state is the app's too. Go takes the kick. */
		if (sig == kick_sig) {
			c->in_pass = 0;
			c->kicks++;
			c->event = EP_EVENT_KICK;
			to_host(c, uc, ep_resume);
			return;
		}
		chain(sig, si, ucv);
		return;
	}
	if (rip >= (uint64_t)ep_fast_begin && rip < (uint64_t)ep_fast_end) {
		/* On the way out through the fast entry: the thread is about to
		 * return to the kernel, which sees whatever a kick wanted, or to
		 * pass the call through, which then goes to the kernel too. */
		if (sig == kick_sig) {
			c->kicks++;
			c->pass_kicked = 1;
			return;
		}
		chain(sig, si, ucv);
		return;
	}
	if (rip >= (uint64_t)ep_text_begin && rip < (uint64_t)ep_text_finish) {
		/* Interrupted between "state = app" and the jump: the app has not run. */
		if (sig == SIGTRAP && si->si_code == TRAP_TRACE) {
			/* The app's eflags carry the trap flag (a debugger's single
			 * step): popfq in ep_enter set it early. Trace on to the app. */
			c->step_landing = 1;
			return;
		}
		if (sig == kick_sig) {
			c->kicks++;
			c->event = EP_EVENT_KICK;
			to_host(c, uc, ep_abort);
			return;
		}
		c->state = EP_STATE_HOST;
		wrfs(c->host_fs);
		chain(sig, si, ucv);
		return;
	}
	if (sig == SIGTRAP && si->si_code == TRAP_TRACE && c->step_landing) {
		/* The jump into the app trapped before its first instruction:
		 * let that instruction run; the next trace trap is the step. */
		c->step_landing = 0;
		return;
	}
	c->step_landing = 0;
	if (sig == SIGSYS && si->si_code == SYS_USER_DISPATCH && si->si_arch != AUDIT_ARCH_I386 &&
	    c->pass_fds != NULL && ep_trap_site(rip - 2) && pass_trapped(c, g, rip)) {
		if (c->pass_kicked) {
			/* A kick came while the call waited in the host (a
			 * blocking write that ended short): its result stands
			 * in the saved registers; Go takes the kick now. */
			c->event = EP_EVENT_KICK;
			to_host(c, uc, ep_resume);
		}
		return;
	}
	save_regs(&c->regs, g);
	/* Without FSGSBASE app code cannot move its FS base on its own (every
	 * arch_prctl is elfloader's): the base ep_enter set stands. */
	if (ep_have_fsgsbase)
		c->regs.fs_base = rdfs();
	c->signo = sig;
	c->code = si->si_code;
	c->addr = (uint64_t)si->si_addr;
	c->trapno = g[REG_TRAPNO];
	c->err = g[REG_ERR];
	if (sig == SIGSYS && si->si_code == SYS_USER_DISPATCH) {
		/* int $0x80 from 64-bit code arrives with the i386 audit arch. */
		c->event = si->si_arch == AUDIT_ARCH_I386 ? EP_EVENT_SYSCALL32 : EP_EVENT_SYSCALL;
		c->regs.orig_rax = c->regs.rax;
	} else if (sig == kick_sig) {
		c->kicks++;
		c->event = EP_EVENT_KICK;
	} else {
		c->event = EP_EVENT_FAULT;
		if (sig == SIGSYS && si->si_code == SYS_SECCOMP)
			c->err = si->si_arch; /* elfloader's host filter refused an escaped call */
	}
	to_host(c, uc, ep_resume);
}

int ep_install(int ks) {
	static const int sigs[] = {SIGSYS, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP};
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = ep_handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	sigfillset(&sa.sa_mask);
	kick_sig = ks;
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (sigaction(sigs[i], &sa, &prev[sigs[i]]) != 0)
			return -1;
	}
	if (ks > 0 && sigaction(ks, &sa, &prev[ks]) != 0)
		return -1;
	return 0;
}

struct ep_ctx *ep_ctx_new(uint32_t fp_size) {
	struct ep_ctx *c;
	if (posix_memalign((void **)&c, 64, sizeof(*c)) != 0)
		return NULL;
	memset(c, 0, sizeof(*c));
	if (posix_memalign((void **)&c->fp_app, 64, fp_size) != 0) {
		free(c);
		return NULL;
	}
	memset(c->fp_app, 0, fp_size);
	c->self = c;
	c->fp_mask = xcr0() & FP_HOT_COMPONENTS;
	light_setup(c);
	c->regs.eflags = 0x202;
	/* A valid initial xsave image: every component in its init state, MXCSR default. */
	uint32_t mxcsr = 0x1f80;
	memcpy(c->fp_app + 24, &mxcsr, 4);
	uint16_t fcw = 0x37f;
	memcpy(c->fp_app, &fcw, 2);
	return c;
}

void ep_ctx_free(struct ep_ctx *c) {
	free(c->fp_app);
	free(c);
}

int ep_sud_on(struct ep_ctx *c) {
	c->selector = 0;
	if (!ep_have_fsgsbase) {
		/* The context lives in the GS base for the thread's life (ep_enter
		 * sets it each time when it can, without a system call), and the
		 * host's FS base, Go's TLS for this thread, stays. */
		if (ep_arch_prctl(EP_ARCH_SET_GS, (uint64_t)c) != 0 ||
		    ep_arch_prctl(EP_ARCH_GET_FS, (uint64_t)&c->host_fs) != 0)
			return -1;
	}
	return prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON,
		     (unsigned long)ep_text_begin,
		     (unsigned long)(ep_text_finish - ep_text_begin), &c->selector);
}

int ep_sud_off(void) {
	return prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF, 0, 0, 0);
}

uint64_t ep_text_start(void) { return (uint64_t)ep_text_begin; }
uint64_t ep_text_end(void) { return (uint64_t)ep_text_finish; }
uint64_t ep_fast_entry_addr(void) { return (uint64_t)ep_fast_entry; }
uint64_t ep_enter_addr(void) { return (uint64_t)ep_enter; }

/* Drops an x87 state in its initial configuration from an XSAVE image (as
 * ep_resume does): the next XRSTOR initializes it and XINUSE reports it
 * unused, so that crossings can take the light path. */
static void drop_initial_x87(uint8_t *img) {
	uint64_t w[3];
	memcpy(w, img, sizeof(w));
	if (w[0] == 0x37f && w[1] == 0 && w[2] == 0)
		img[XSAVE_HDR_XSTATE] &= ~XFEATURE_X87;
}

/* The app's extended state in the standard (non-compacted) XSAVE format, as
 * signal frames carry it. The host's MXCSR and x87 control word survive. */
void ep_fp_to_std(struct ep_ctx *c, void *dst) {
	uint32_t mxcsr;
	uint16_t fcw;
	__asm__ volatile("stmxcsr %0; fnstcw %1" : "=m"(mxcsr), "=m"(fcw));
	c->fp_light_ok = 0; /* fninit below marks x87 in use */
	/* The hot components from the buffer; the others are still live. */
	__asm__ volatile("xrstor64 (%0)" ::"r"(c->fp_app), "a"((uint32_t)c->fp_mask), "d"(0) : "memory");
	__asm__ volatile("xsave64 (%0)" ::"r"(dst), "a"(-1), "d"(-1) : "memory");
	__asm__ volatile("vzeroupper; fninit; ldmxcsr %0; fldcw %1" ::"m"(mxcsr), "m"(fcw));
}

/* Loads a standard-format XSAVE image (validated by the caller) as the app's
 * extended state. */
void ep_fp_from_std(struct ep_ctx *c, const void *src) {
	uint32_t mxcsr;
	uint16_t fcw;
	__asm__ volatile("stmxcsr %0; fnstcw %1" : "=m"(mxcsr), "=m"(fcw));
	c->fp_light_ok = 0;
	__asm__ volatile("xrstor64 (%0)" ::"r"(src), "a"(-1), "d"(-1) : "memory");
	__asm__ volatile("xsavec64 (%0)" ::"r"(c->fp_app), "a"(-1), "d"(-1) : "memory");
	__asm__ volatile("vzeroupper; fninit; ldmxcsr %0; fldcw %1" ::"m"(mxcsr), "m"(fcw));
	drop_initial_x87(c->fp_app);
}

/* Atomically replaces the 8 (or 16) aligned bytes at addr if they still
 * hold old; other threads see either the old or the new instruction bytes. */
int ep_cas8(uint64_t *addr, uint64_t old, uint64_t new) {
	return __atomic_compare_exchange_n(addr, &old, new, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

int ep_cas16(void *addr, const uint64_t old[2], const uint64_t new[2]) {
	uint64_t lo = old[0], hi = old[1];
	unsigned char ok;
	__asm__ volatile("lock cmpxchg16b %1; sete %0"
			 : "=q"(ok), "+m"(*(volatile unsigned __int128 *)addr), "+a"(lo), "+d"(hi)
			 : "b"(new[0]), "c"(new[1])
			 : "memory", "cc");
	return ok;
}

/* Micro-benchmark helpers for the cost breakdown (docs/fastpath.md). */
void ep_bench_empty(void) {}

void ep_bench_xsave(struct ep_ctx *c, long n) {
	uint32_t mxcsr;
	uint16_t fcw;
	__asm__ volatile("stmxcsr %0; fnstcw %1" : "=m"(mxcsr), "=m"(fcw));
	for (long i = 0; i < n; i++) {
		__asm__ volatile("xrstor64 (%0)" ::"r"(c->fp_app), "a"((uint32_t)c->fp_mask), "d"(0) : "memory");
		__asm__ volatile("xsavec64 (%0)" ::"r"(c->fp_app), "a"((uint32_t)c->fp_mask), "d"(0) : "memory");
	}
	__asm__ volatile("vzeroupper; fninit; ldmxcsr %0; fldcw %1" ::"m"(mxcsr), "m"(fcw));
}

void ep_bench_fsbase(long n) {
	uint64_t mine = rdfs();
	for (long i = 0; i < n; i++) {
		uint64_t v = rdfs();
		wrfs(v ^ 0); /* the app's base */
		wrfs(mine);  /* back to the host's */
	}
}
