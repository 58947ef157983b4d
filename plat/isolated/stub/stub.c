/* The stub process of the isolated platform.
 *
 * A tiny static program without libc, linked at STUB_BASE. elfloader execs it
 * from a memfd with fd 0 = control socket, fd 1 = control memfd. It keeps only
 * its own pages (layout.h) and unmaps everything else, then:
 *
 * - the first (control) thread serves commands from the socket: mmap (with a
 *   file descriptor passed by SCM_RIGHTS), munmap, mprotect, new thread,
 *   fork, extended-feature permission;
 * - every app thread runs app code; each syscall (seccomp SECCOMP_RET_TRAP),
 *   fault or kick enters handler() on the thread's signal stack, which stores
 *   the registers and the XSAVE image in the thread's shared slot, wakes
 *   elfloader and waits for the answer.
 *
 * Host system calls are allowed only from the syscall instructions below,
 * each for the numbers (and arguments) it needs; app threads add a second
 * filter that leaves them only the handler's own calls.
 *
 * Nothing here trusts the shared memory: the app can write it too. The worst
 * the app can do is break its own stub, which elfloader sees as a dead process.
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <asm/unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/ucontext.h>

#include "layout.h"

typedef uint64_t u64;
typedef uint32_t u32;

/* Syscall sites. Each is a function whose syscall instruction ends at the
 * label NAME_end; the seccomp filters name those addresses. */
#define SITE(name, nr)                    \
	".globl " #name "\n"              \
	".type " #name ",@function\n"     \
	#name ":\n"                       \
	"	mov %rcx, %r10\n"           \
	"	mov $" #nr ", %eax\n"       \
	"	syscall\n"                  \
	".globl " #name "_end\n"          \
	#name "_end:\n"                   \
	"	ret\n"

__asm__(".text\n"
	SITE(site_futex, 202)
	SITE(site_arch_prctl, 158)
	SITE(site_exit, 60)
	SITE(site_exit_group, 231)
	SITE(site_sigaltstack, 131)
	SITE(site_seccomp, 317)
	SITE(site_recvmsg, 47)
	SITE(site_sendmsg, 46)
	SITE(site_mmap, 9)
	SITE(site_munmap, 11)
	SITE(site_mprotect, 10)
	SITE(site_close, 3)
	/* Only used before the filter is installed: every call traps after. */
	".globl site_init\n"
	"site_init:\n"
	"	mov %rdi, %rax\n"
	"	mov %rsi, %rdi\n"
	"	mov %rdx, %rsi\n"
	"	mov %rcx, %rdx\n"
	"	mov %r8, %r10\n"
	"	mov %r9, %r8\n"
	"	syscall\n"
	"	ret\n"
	/* rt_sigreturn, the signal handlers' restorer. */
	".globl site_sigreturn\n"
	"site_sigreturn:\n"
	"	mov $15, %eax\n"
	"	syscall\n"
	".globl site_sigreturn_end\n"
	"site_sigreturn_end:\n"
	"	ud2\n"
	/* clone(flags, stack, ptid, ctid, tls): a new thread starts in
	 * thread_main on its stack; a fork child returns 0 like fork. */
	".globl site_clone\n"
	"site_clone:\n"
	"	mov %rcx, %r10\n"
	"	mov $56, %eax\n"
	"	syscall\n"
	".globl site_clone_end\n"
	"site_clone_end:\n"
	"	test %rax, %rax\n"
	"	jnz 1f\n"
	"	test %rsi, %rsi\n"
	"	jz 1f\n"
	"	xor %ebp, %ebp\n"
	"	call thread_main\n"
	"	ud2\n"
	"1:	ret\n"
	/* Entry: switch to the control stack in .bss. */
	".globl _start\n"
	"_start:\n"
	"	mov %rsp, %rdi\n"
	"	lea control_stack_top(%rip), %rsp\n"
	"	and $-16, %rsp\n"
	"	call stub_main\n"
	"	ud2\n");

long site_futex(long, long, long, long, long, long);
long site_arch_prctl(long, long);
long site_exit(long);
long site_exit_group(long);
long site_sigaltstack(const void *, void *);
long site_seccomp(long, long, const void *);
long site_recvmsg(long, void *, long);
long site_sendmsg(long, const void *, long);
long site_mmap(u64, u64, long, long, long, u64);
long site_munmap(u64, u64);
long site_mprotect(u64, u64, long);
long site_close(long);
long site_init(long nr, long, long, long, long, long);
long site_clone(u64 flags, u64 stack, u64 ptid, u64 ctid, u64 tls);
extern char site_futex_end[], site_arch_prctl_end[], site_exit_end[], site_exit_group_end[],
	site_sigaltstack_end[], site_seccomp_end[], site_recvmsg_end[], site_sendmsg_end[],
	site_mmap_end[], site_munmap_end[], site_mprotect_end[], site_close_end[],
	site_sigreturn[], site_sigreturn_end[], site_clone_end[], thread_start_trap[], _end[];

/* gcc may emit calls to these for struct copies. */
void *memcpy(void *dst, const void *src, size_t n) {
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n)::"memory");
	return dst;
}
void *memset(void *dst, int c, size_t n) {
	void *d = dst;
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}

__attribute__((aligned(16))) char control_stack[65536];
__asm__(".globl control_stack_top\n.set control_stack_top, control_stack + 65536\n");

/* Set once by stub_main before any app code exists (the app can write them
 * later, which only breaks its own stub). */
static u32 slot_size, nslots;
static int kick_signal, sock_fd, have_fsgsbase;
static u64 ctrl_len;

struct filter {
	struct sock_filter insns[192];
	unsigned short len;
};
static struct filter filter_stub, filter_thread;

__attribute__((noreturn)) static void die(void) {
	for (;;)
		site_exit_group(127);
}

static inline char *slot_at(u32 idx) {
	return (char *)(STUB_CTRL_BASE + HDR_SIZE + (u64)idx * slot_size);
}
#define U32(p, off) (*(volatile u32 *)((p) + (off)))
#define U64(p, off) (*(volatile u64 *)((p) + (off)))

/* ---- seccomp filters ---- */

static void emit(struct filter *f, unsigned short code, unsigned char jt, unsigned char jf, u32 k) {
	if (f->len >= sizeof(f->insns) / sizeof(f->insns[0]))
		die();
	f->insns[f->len++] = (struct sock_filter){code, jt, jf, k};
}

#define LD(off) (BPF_LD | BPF_W | BPF_ABS), 0, 0, (off)
#define RET(v) (BPF_RET | BPF_K), 0, 0, (v)
#define JEQ(k, jt, jf) (BPF_JMP | BPF_JEQ | BPF_K), (jt), (jf), (k)
#define NR offsetof(struct seccomp_data, nr)
#define ARCH offsetof(struct seccomp_data, arch)
#define IP_LO offsetof(struct seccomp_data, instruction_pointer)
#define IP_HI (offsetof(struct seccomp_data, instruction_pointer) + 4)
#define ARG_LO(i) offsetof(struct seccomp_data, args[i])
#define ARG_HI(i) (offsetof(struct seccomp_data, args[i]) + 4)

static void filter_begin(struct filter *f) {
	f->len = 0;
	emit(f, LD(ARCH));
	emit(f, JEQ(AUDIT_ARCH_X86_64, 1, 0));
	emit(f, RET(SECCOMP_RET_TRAP)); /* int $0x80: i386 */
	emit(f, LD(NR));
	emit(f, (BPF_JMP | BPF_JSET | BPF_K), 0, 1, 0x40000000); /* x32 */
	emit(f, RET(SECCOMP_RET_TRAP));
	emit(f, LD(IP_HI));
	emit(f, JEQ((u32)(STUB_BASE >> 32), 1, 0));
	emit(f, RET(SECCOMP_RET_TRAP));
}

/* A site that allows one syscall number with any arguments. */
static void allow_site(struct filter *f, const char *end, u32 nr) {
	emit(f, LD(IP_LO));
	emit(f, JEQ((u32)(u64)end, 0, 4));
	emit(f, LD(NR));
	emit(f, JEQ(nr, 0, 1));
	emit(f, RET(SECCOMP_RET_ALLOW));
	emit(f, RET(SECCOMP_RET_TRAP));
}

/* A site that allows nr only when argument arg is one of vals (all < 2^32). */
static void allow_site_arg(struct filter *f, const char *end, u32 nr, int arg, const u32 *vals, int n) {
	emit(f, LD(IP_LO));
	emit(f, JEQ((u32)(u64)end, 0, (unsigned char)(7 + n)));
	emit(f, LD(NR));
	emit(f, JEQ(nr, 0, (unsigned char)(3 + n)));
	emit(f, LD(ARG_HI(arg)));
	emit(f, JEQ(0, 0, (unsigned char)(1 + n)));
	emit(f, LD(ARG_LO(arg)));
	for (int i = 0; i < n; i++)
		emit(f, JEQ(vals[i], (unsigned char)(n - i), 0));
	emit(f, RET(SECCOMP_RET_TRAP));
	emit(f, RET(SECCOMP_RET_ALLOW));
}

static void filter_end(struct filter *f) { emit(f, RET(SECCOMP_RET_TRAP)); }

static void handler_sites(struct filter *f) {
	static const u32 futex_ops[] = {FUTEX_WAIT, FUTEX_WAKE};
	static const u32 arch_ops[] = {ARCH_GET_FS, ARCH_SET_FS, ARCH_GET_GS, ARCH_SET_GS, ARCH_REQ_XCOMP_PERM};
	allow_site_arg(f, site_futex_end, __NR_futex, 1, futex_ops, 2);
	allow_site_arg(f, site_arch_prctl_end, __NR_arch_prctl, 0, arch_ops, 5);
	allow_site(f, site_sigreturn_end, __NR_rt_sigreturn);
	allow_site(f, site_exit_end, __NR_exit);
	allow_site(f, site_exit_group_end, __NR_exit_group);
}

static void build_filters(void) {
	static const u32 clone_flags[] = {THREAD_CLONE_FLAGS, FORK_CLONE_FLAGS};
	static const u32 seccomp_ops[] = {SECCOMP_SET_MODE_FILTER};
	struct filter *f = &filter_stub;
	filter_begin(f);
	handler_sites(f);
	allow_site(f, site_sigaltstack_end, __NR_sigaltstack);
	allow_site_arg(f, site_seccomp_end, __NR_seccomp, 0, seccomp_ops, 1);
	allow_site(f, site_recvmsg_end, __NR_recvmsg);
	allow_site(f, site_sendmsg_end, __NR_sendmsg);
	allow_site(f, site_mmap_end, __NR_mmap);
	allow_site(f, site_munmap_end, __NR_munmap);
	allow_site(f, site_mprotect_end, __NR_mprotect);
	allow_site(f, site_close_end, __NR_close);
	allow_site_arg(f, site_clone_end, __NR_clone, 0, clone_flags, 2);
	filter_end(f);

	f = &filter_thread;
	filter_begin(f);
	handler_sites(f);
	filter_end(f);
}

static long install_filter(struct filter *f, int early) {
	struct sock_fprog prog = {.len = f->len, .filter = f->insns};
	if (early)
		return site_init(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, (long)&prog, 0, 0);
	return site_seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog);
}

/* ---- the trap handler ---- */

struct fpx_sw_bytes {
	u32 magic1, extended_size;
	u64 xfeatures;
	u32 xstate_size, padding[7];
};
#ifndef FP_XSTATE_MAGIC1
#define FP_XSTATE_MAGIC1 0x46505853u
#endif
#define SA_RESTORER 0x04000000
#define FP_SW_OFFSET 464
#define XSAVE_HEADER 512

static inline u64 rdfsbase(void) {
	u64 v;
	__asm__ volatile("rdfsbase %0" : "=r"(v));
	return v;
}
static inline u64 rdgsbase(void) {
	u64 v;
	__asm__ volatile("rdgsbase %0" : "=r"(v));
	return v;
}

/* Registers in Linux's user_regs_struct order. */
enum { R15, R14, R13, R12, RBP, RBX, R11, R10, R9, R8, RAX, RCX, RDX, RSI, RDI, ORIG_RAX,
       RIP, CS, EFLAGS, RSP, SS, FS_BASE, GS_BASE, DS, ES, FS, GS, NREGS };

static const unsigned char greg_of[] = {
	[R15] = REG_R15, [R14] = REG_R14, [R13] = REG_R13, [R12] = REG_R12, [RBP] = REG_RBP,
	[RBX] = REG_RBX, [R11] = REG_R11, [R10] = REG_R10, [R9] = REG_R9, [R8] = REG_R8,
	[RAX] = REG_RAX, [RCX] = REG_RCX, [RDX] = REG_RDX, [RSI] = REG_RSI, [RDI] = REG_RDI,
	[RIP] = REG_RIP, [EFLAGS] = REG_EFL, [RSP] = REG_RSP,
};

static void save_state(char *s, ucontext_t *uc) {
	greg_t *g = uc->uc_mcontext.gregs;
	u64 *r = (u64 *)(s + SLOT_REGS);
	for (int i = R15; i <= RSP; i++)
		if (i != ORIG_RAX && i != CS)
			r[i] = g[greg_of[i]];
	u64 csgsfs = g[REG_CSGSFS];
	r[CS] = csgsfs & 0xffff;
	r[SS] = (csgsfs >> 48) & 0xffff;
	if (have_fsgsbase) {
		r[FS_BASE] = rdfsbase();
		r[GS_BASE] = rdgsbase();
	} else {
		site_arch_prctl(ARCH_GET_FS, (long)&r[FS_BASE]);
		site_arch_prctl(ARCH_GET_GS, (long)&r[GS_BASE]);
	}
	r[DS] = r[ES] = r[FS] = r[GS] = 0;
}

/* frame_xsave returns the signal frame's XSAVE image and its size. */
static char *frame_xsave(ucontext_t *uc, u32 *size) {
	char *fp = (char *)uc->uc_mcontext.fpregs;
	struct fpx_sw_bytes *sw = (struct fpx_sw_bytes *)(fp + FP_SW_OFFSET);
	*size = sw->magic1 == FP_XSTATE_MAGIC1 ? sw->xstate_size : XSAVE_HEADER;
	if (*size > slot_size - SLOT_XSAVE)
		*size = slot_size - SLOT_XSAVE;
	return fp;
}

static void load_state(char *s, ucontext_t *uc, char *fp, u32 size) {
	greg_t *g = uc->uc_mcontext.gregs;
	const u64 *r = (const u64 *)(s + SLOT_REGS);
	for (int i = R15; i <= RSP; i++)
		if (i != ORIG_RAX && i != CS)
			g[greg_of[i]] = r[i];
	u64 fsb = r[FS_BASE], gsb = r[GS_BASE];
	if (have_fsgsbase) {
		/* A non-canonical base faults (#GP) here: the thread dies. */
		__asm__ volatile("wrfsbase %0; wrgsbase %1" ::"r"(fsb), "r"(gsb));
	} else {
		site_arch_prctl(ARCH_SET_FS, fsb);
		site_arch_prctl(ARCH_SET_GS, gsb);
	}
	/* The image, except the kernel's software bytes; only features the
	 * frame holds; standard format. */
	struct fpx_sw_bytes *sw = (struct fpx_sw_bytes *)(fp + FP_SW_OFFSET);
	u64 xfeatures = sw->magic1 == FP_XSTATE_MAGIC1 ? sw->xfeatures : 3;
	memcpy(fp, s + SLOT_XSAVE, FP_SW_OFFSET);
	if (size > XSAVE_HEADER) {
		memcpy(fp + XSAVE_HEADER, s + SLOT_XSAVE + XSAVE_HEADER, size - XSAVE_HEADER);
		u64 *hdr = (u64 *)(fp + XSAVE_HEADER);
		hdr[0] &= xfeatures;
		for (int i = 1; i < 8; i++)
			hdr[i] = 0;
	}
	/* App code runs with every signal open (the others are ignored). */
	*(u64 *)&uc->uc_sigmask = 0;
}

#define SPIN 300

/* post hands the slot to elfloader and waits until it answers. */
static u32 post(char *s) {
	__atomic_store_n((u32 *)(s + SLOT_STATE), ST_EVENT, __ATOMIC_SEQ_CST);
	if (__atomic_load_n((u32 *)(s + SLOT_GO_WAITING), __ATOMIC_SEQ_CST))
		site_futex((long)(s + SLOT_STATE), FUTEX_WAKE, 1, 0, 0, 0);
	for (;;) {
		for (int i = 0; i < SPIN; i++) {
			u32 st = __atomic_load_n((u32 *)(s + SLOT_STATE), __ATOMIC_ACQUIRE);
			if (st != ST_EVENT)
				return st;
			__builtin_ia32_pause();
		}
		__atomic_store_n((u32 *)(s + SLOT_STUB_WAITING), 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n((u32 *)(s + SLOT_STATE), __ATOMIC_SEQ_CST) == ST_EVENT)
			site_futex((long)(s + SLOT_STATE), FUTEX_WAIT, ST_EVENT, 0, 0, 0);
		__atomic_store_n((u32 *)(s + SLOT_STUB_WAITING), 0, __ATOMIC_SEQ_CST);
	}
}

/* my_slot finds the thread's slot from the signal stack the handler runs on;
 * any other stack (the control thread's, or one the app chose) is fatal. */
static char *my_slot(void) {
	u64 sp = (u64)__builtin_frame_address(0);
	if (sp <= STUB_PRIV_BASE || sp >= STUB_PRIV_BASE + (u64)nslots * STUB_PRIV_SLOT)
		die();
	u64 off = sp - STUB_PRIV_BASE;
	if (off % STUB_PRIV_SLOT > STUB_SIGSTACK_SIZE)
		die();
	return slot_at((u32)(off / STUB_PRIV_SLOT));
}

/* cas32 is CMD_CAS32: an atomic compare-and-swap on a word of app memory,
 * done by the control thread for the futex operations. elfloader checks the
 * word is mapped writable first, but the host may still fault (a shared file
 * mapping past the end of its file): a fault at cas_insn resumes at cas_done
 * with -EFAULT (see handler). A single instance (noinline): the labels are
 * global. */
extern char cas_insn[], cas_done[];
__attribute__((noinline, noclone)) static long cas32(u64 addr, u32 old, u32 nv) {
	long r = old;
	__asm__ volatile(".globl cas_insn\ncas_insn: lock cmpxchgl %2, (%1)\n"
			 "	movl %%eax, %%eax\n"
			 ".globl cas_done\ncas_done:\n"
			 : "+a"(r)
			 : "r"(addr), "r"(nv)
			 : "memory", "cc");
	return r;
}

static void handler(int sig, siginfo_t *si, void *ucv) {
	ucontext_t *uc = ucv;
	u64 rip = uc->uc_mcontext.gregs[REG_RIP];
	if ((sig == SIGSEGV || sig == SIGBUS) && rip == (u64)cas_insn) {
		uc->uc_mcontext.gregs[REG_RIP] = (long long)cas_done;
		uc->uc_mcontext.gregs[REG_RAX] = -14; /* EFAULT */
		return;
	}
	char *s = my_slot();
	u32 ev;
	if (sig == SIGILL && rip == (u64)thread_start_trap)
		ev = EV_BORN;
	else if (sig == SIGSYS && si->si_code == 1 /* SYS_SECCOMP */)
		ev = si->si_arch == AUDIT_ARCH_I386 ? EV_SYSCALL32 : EV_SYSCALL;
	else if (sig == kick_signal)
		ev = EV_KICK;
	else
		ev = EV_FAULT;
	u32 size;
	char *fp = frame_xsave(uc, &size);
	if (ev != EV_BORN) {
		save_state(s, uc);
		u64 *r = (u64 *)(s + SLOT_REGS);
		if (ev == EV_SYSCALL || ev == EV_SYSCALL32)
			r[ORIG_RAX] = r[RAX] = (u64)(u32)si->si_syscall;
		else
			r[ORIG_RAX] = ~0UL;
	}
	U32(s, SLOT_EVENT) = ev;
	U32(s, SLOT_SIGNO) = sig;
	U32(s, SLOT_CODE) = si->si_code;
	U64(s, SLOT_ADDR) = (u64)si->si_addr;
	U64(s, SLOT_TRAPNO) = uc->uc_mcontext.gregs[REG_TRAPNO];
	U64(s, SLOT_ERR) = uc->uc_mcontext.gregs[REG_ERR];
	U32(s, SLOT_XSAVE_SIZE) = size;
	memcpy(s + SLOT_XSAVE, fp, size);
	u32 st = post(s);
	if (st != ST_RUN)
		for (;;)
			site_exit(0);
	load_state(s, uc, fp, size);
}

/* ---- app threads ---- */

__attribute__((used, noreturn, noinline, noclone)) void thread_main(void) {
	u64 sp = (u64)__builtin_frame_address(0);
	u64 base = sp & ~(STUB_PRIV_SLOT - 1);
	stack_t ss = {.ss_sp = (void *)base, .ss_size = STUB_SIGSTACK_SIZE, .ss_flags = 0};
	if (site_sigaltstack(&ss, 0) != 0)
		die();
	if (install_filter(&filter_thread, 0) != 0)
		die();
	/* The handler takes it from here: it parks the thread until elfloader
	 * gives it registers, then returns into app code. */
	__asm__ volatile(".globl thread_start_trap\nthread_start_trap: ud2");
	die();
}

static long new_thread(u64 idx) {
	if (idx >= nslots)
		return -22;
	u64 priv = STUB_PRIV_BASE + idx * STUB_PRIV_SLOT;
	long r = site_mmap(priv, STUB_PRIV_SLOT, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (r < 0)
		return r;
	char *s = slot_at((u32)idx);
	return site_clone(THREAD_CLONE_FLAGS, priv + STUB_PRIV_SLOT - 64, 0, (u64)(s + SLOT_TID), 0);
}

/* ---- the control thread ---- */

static int overlaps_stub(u64 addr, u64 len) {
	return addr < STUB_END && addr + len > STUB_BASE;
}

static long send_reply(long v) {
	struct iovec iov = {.iov_base = &v, .iov_len = sizeof(v)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	return site_sendmsg(sock_fd, &msg, MSG_NOSIGNAL);
}

/* fork_child finishes a fork in the child: own control memory, own socket. */
static void fork_child(int new_sock, int new_ctrl) {
	if (site_mmap(STUB_CTRL_BASE, ctrl_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, new_ctrl, 0) < 0)
		die();
	site_close(new_ctrl);
	site_close(sock_fd);
	sock_fd = new_sock;
	if (send_reply(STUB_MAGIC) < 0)
		die();
}

static long do_command(u32 op, const u64 *a, int *fds, int *nfdsp) {
	int nfds = *nfdsp;
	switch (op) {
	case CMD_MMAP: {
		if (overlaps_stub(a[0], a[1]) || a[1] > STUB_BASE)
			return -1;
		int fd = -1;
		if (a[4]) {
			if (nfds < 1)
				return -9;
			fd = fds[0];
		}
		long r = site_mmap(a[0], a[1], (long)a[2], (long)a[3], fd, a[5]);
		if (r >= 0 && overlaps_stub((u64)r, a[1])) {
			site_munmap((u64)r, a[1]);
			return -12;
		}
		return r;
	}
	case CMD_MUNMAP:
		if (overlaps_stub(a[0], a[1]))
			return -1;
		return site_munmap(a[0], a[1]);
	case CMD_MPROTECT:
		if (overlaps_stub(a[0], a[1]))
			return -1;
		return site_mprotect(a[0], a[1], (long)a[2]);
	case CMD_THREAD:
		return new_thread(a[0]);
	case CMD_FORK: {
		if (nfds < 2)
			return -9;
		long pid = site_clone(FORK_CLONE_FLAGS, 0, 0, 0, 0);
		if (pid == 0) {
			fork_child(fds[0], fds[1]);
			*nfdsp = 0;
			return 0x7fffffff; /* no reply: the child answered on its socket */
		}
		return pid;
	}
	case CMD_XCOMP:
		return site_arch_prctl(ARCH_REQ_XCOMP_PERM, (long)a[0]);
	case CMD_CAS32:
		if (a[0] % 4 != 0 || overlaps_stub(a[0], 4) || a[0] >= 0x7ffffffff000UL)
			return -14;
		return cas32(a[0], (u32)a[1], (u32)a[2]);
	}
	return -38;
}

static void serve(void) {
	for (;;) {
		u64 buf[CMD_SIZE / 8];
		union {
			struct cmsghdr h;
			char space[CMSG_SPACE(2 * sizeof(int))];
		} ctl;
		struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
		struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl, .msg_controllen = sizeof(ctl)};
		long n = site_recvmsg(sock_fd, &msg, 0);
		if (n <= 0)
			die(); /* elfloader is gone */
		int fds[2], nfds = 0;
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		if (c != NULL && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			nfds = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			int *p = (int *)CMSG_DATA(c);
			for (int i = 0; i < nfds; i++) {
				if (i < 2)
					fds[i] = p[i];
				else
					site_close(p[i]);
			}
			if (nfds > 2)
				nfds = 2;
		}
		long r = n == CMD_SIZE ? do_command((u32)buf[0], buf + 1, fds, &nfds) : -22;
		for (int i = 0; i < nfds; i++)
			site_close(fds[i]);
		if (r == 0x7fffffff)
			continue;
		if (send_reply(r) < 0)
			die();
	}
}

/* ---- start-up ---- */

static void set_handlers(void) {
	struct ksigaction {
		void *handler;
		u64 flags;
		void *restorer;
		u64 mask;
	} sa;
	for (int sig = 1; sig <= 64; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		int trap = sig == SIGSYS || sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE ||
			   sig == SIGILL || sig == SIGTRAP || sig == kick_signal;
		sa.handler = trap ? (void *)handler : SIG_IGN;
		sa.flags = SA_SIGINFO | SA_ONSTACK | SA_RESTORER;
		sa.restorer = site_sigreturn;
		sa.mask = ~0UL;
		if (site_init(__NR_rt_sigaction, sig, (long)&sa, 0, 8, 0) != 0 && trap)
			die();
	}
	/* Block the kick (inherited by new threads until their first return
	 * to app code); the synchronous signals stay open: blocked, they kill. */
	u64 mask = ~0UL;
	for (int sig = 1; sig <= 64; sig++)
		if (sig == SIGSYS || sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP)
			mask &= ~(1UL << (sig - 1));
	site_init(__NR_rt_sigprocmask, SIG_SETMASK, (long)&mask, 0, 8, 0);
}

/* auxv_value is the value of auxiliary vector entry type, or 0. */
static u64 auxv_value(const u64 *sp, u64 type) {
	u64 argc = sp[0];
	const u64 *p = sp + 1 + argc + 1;
	while (*p != 0)
		p++;
	for (p++; p[0] != 0; p += 2)
		if (p[0] == type)
			return p[1];
	return 0;
}

/* unmap_except unmaps [lo, hi) but for [klo, khi). */
static void unmap_except(u64 lo, u64 hi, u64 klo, u64 khi) {
	if (khi <= lo || klo >= hi) {
		site_init(__NR_munmap, lo, hi - lo, 0, 0, 0);
		return;
	}
	if (klo > lo)
		site_init(__NR_munmap, lo, klo - lo, 0, 0, 0);
	if (hi > khi)
		site_init(__NR_munmap, khi, hi - khi, 0, 0, 0);
}

/* vdso_keep is the range of the exec's vDSO that elfloader asked to keep
 * (the header's extent around AT_SYSINFO_EHDR), or an empty range. */
static void vdso_keep(const u64 *initial_sp, const char *hdr, u64 *klo, u64 *khi) {
	u64 base = auxv_value(initial_sp, 33 /* AT_SYSINFO_EHDR */);
	u64 before = U64(hdr, HDR_VDSO_BEFORE), size = U64(hdr, HDR_VDSO_SIZE);
	*klo = *khi = 0;
	if (base == 0 || size == 0 || base % 4096 != 0 || before % 4096 != 0 || size % 4096 != 0 ||
	    before > (1UL << 24) || size > (1UL << 24) || base < before)
		return;
	u64 lo = base - before, hi = base + size;
	if (lo < STUB_END && hi > STUB_BASE)
		return;
	*klo = lo;
	*khi = hi;
}

__attribute__((used, noreturn)) void stub_main(const u64 *initial_sp) {
	have_fsgsbase = (auxv_value(initial_sp, 26 /* AT_HWCAP2 */) & 2) != 0;
	sock_fd = 0;
	/* Reserve the stub region so no app mapping can land in its gaps. */
	u64 end = ((u64)_end + 4095) & ~4095UL;
	if (site_mmap(end, STUB_END - end, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
		      -1, 0) != (long)end)
		die();
	char *hdr = (char *)STUB_CTRL_BASE;
	if (site_mmap(STUB_CTRL_BASE, HDR_SIZE, PROT_READ, MAP_SHARED | MAP_FIXED, 1, 0) < 0)
		die();
	if (U32(hdr, HDR_MAGIC) != STUB_MAGIC)
		die();
	slot_size = U32(hdr, HDR_SLOT_SIZE);
	nslots = U32(hdr, HDR_NSLOTS);
	kick_signal = (int)U32(hdr, HDR_KICK_SIGNAL);
	u64 xcomp = U64(hdr, HDR_XCOMP_PERM);
	if (slot_size % 4096 != 0 || slot_size < SLOT_XSAVE + 576 || slot_size > STUB_MAX_SLOT_SIZE ||
	    nslots == 0 || nslots > STUB_MAX_SLOTS || kick_signal < 32 || kick_signal > 64)
		die();
	ctrl_len = HDR_SIZE + (u64)nslots * slot_size;
	if (site_mmap(STUB_CTRL_BASE, ctrl_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, 1, 0) < 0)
		die();
	site_init(__NR_close_range, 1, ~0U, 0, 0, 0);
	/* Only the stub region stays, and the exec's vDSO when elfloader shows
	 * it to the app: no stack or other mapping of the exec. */
	u64 klo, khi;
	vdso_keep(initial_sp, hdr, &klo, &khi);
	unmap_except(0, STUB_BASE, klo, khi);
	unmap_except(STUB_END, 0x7ffffffff000UL, klo, khi);
	struct rlimit nocore = {0, 0};
	site_init(__NR_setrlimit, RLIMIT_CORE, (long)&nocore, 0, 0, 0);
	set_handlers();
	for (int i = 0; i < 64; i++)
		if (xcomp & (1UL << i))
			site_init(__NR_arch_prctl, ARCH_REQ_XCOMP_PERM, i, 0, 0, 0);
	static const char name[16] = "elfloader-stub";
	site_init(__NR_prctl, PR_SET_NAME, (long)name, 0, 0, 0);
	if (site_init(__NR_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		die();
	build_filters();
	if (install_filter(&filter_stub, 1) != 0)
		die();
	if (send_reply(STUB_MAGIC) < 0)
		die();
	serve();
	die();
}

/* ---- adoption: a host fork of another program becomes a stub ----
 *
 * plat/inproc forks elfloader itself (copy-on-write app memory), maps this
 * program's segments at STUB_BASE in the child and jumps to stub_adopt with
 * rdi = control socket, rsi = control memfd, rdx = AT_HWCAP2, every signal
 * blocked and Syscall User Dispatch off. Everything but the app's memory
 * (the keep list in the control memory, adopt.h) and the stub region goes;
 * then the stub starts as after an exec. */
#include "adopt.h"

__asm__(".text\n"
	".globl stub_adopt\n"
	"stub_adopt:\n"
	"	lea control_stack_top(%rip), %rsp\n"
	"	and $-16, %rsp\n"
	"	call adopt_main\n"
	"	ud2\n");

/* adopt_unmap unmaps [lo, hi) except the stub region. */
static void adopt_unmap(u64 lo, u64 hi) {
	if (lo < STUB_BASE && hi > lo)
		site_init(__NR_munmap, lo, (hi < STUB_BASE ? hi : STUB_BASE) - lo, 0, 0, 0);
	if (hi > STUB_END && hi > lo) {
		u64 from = lo > STUB_END ? lo : STUB_END;
		site_init(__NR_munmap, from, hi - from, 0, 0, 0);
	}
}

/* adopt_restore_site puts a rewritten syscall site's original bytes back. */
static void adopt_restore_site(const char *e) {
	u64 addr = *(const u64 *)e;
	u64 first = addr & ~4095UL, last = (addr + ADOPT_SITE_LEN - 1) & ~4095UL;
	long pf = (unsigned char)e[8 + ADOPT_SITE_LEN], pl = (unsigned char)e[9 + ADOPT_SITE_LEN];
	if (site_init(__NR_mprotect, first, last + 4096 - first, PROT_READ | PROT_WRITE, 0, 0) != 0)
		die();
	memcpy((void *)addr, e + 8, ADOPT_SITE_LEN);
	site_init(__NR_mprotect, first, 4096, pf, 0, 0);
	if (last != first)
		site_init(__NR_mprotect, last, 4096, pl, 0, 0);
}

/* adopt_memory keeps only the app's memory and restores rewritten sites. */
static void adopt_memory(const char *d, u64 room) {
	u64 nkeep = U64(d, 8), nsites = U64(d, 16);
	if (U64(d, 0) != ADOPT_MAGIC || nkeep > room / ADOPT_KEEP_SIZE ||
	    nsites > (room - ADOPT_HEADER - nkeep * ADOPT_KEEP_SIZE) / ADOPT_SITE_SIZE)
		die();
	const u64 *keep = (const u64 *)(d + ADOPT_HEADER);
	u64 pos = 0;
	for (u64 i = 0; i < nkeep; i++) {
		u64 start = keep[2 * i], end = keep[2 * i + 1];
		if (start < pos || end <= start || end > ADOPT_USER_END || overlaps_stub(start, end - start))
			die();
		adopt_unmap(pos, start);
		pos = end;
	}
	adopt_unmap(pos, ADOPT_USER_END);
	const char *sites = d + ADOPT_HEADER + nkeep * ADOPT_KEEP_SIZE;
	for (u64 i = 0; i < nsites; i++)
		adopt_restore_site(sites + i * ADOPT_SITE_SIZE);
}

__attribute__((used, noreturn)) void adopt_main(long sock, long ctrl, u64 hwcap2) {
	have_fsgsbase = (hwcap2 & 2) != 0;
	sock_fd = (int)sock;
	stack_t ss = {.ss_flags = SS_DISABLE};
	site_init(__NR_sigaltstack, (long)&ss, 0, 0, 0, 0);
	u64 end = ((u64)_end + 4095) & ~4095UL;
	if (site_mmap(end, STUB_END - end, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
		      -1, 0) != (long)end)
		die();
	char *hdr = (char *)STUB_CTRL_BASE;
	if (site_mmap(STUB_CTRL_BASE, HDR_SIZE, PROT_READ, MAP_SHARED | MAP_FIXED, ctrl, 0) < 0)
		die();
	slot_size = U32(hdr, HDR_SLOT_SIZE);
	nslots = U32(hdr, HDR_NSLOTS);
	kick_signal = (int)U32(hdr, HDR_KICK_SIGNAL);
	if (U32(hdr, HDR_MAGIC) != STUB_MAGIC || slot_size % 4096 != 0 || slot_size < SLOT_XSAVE + 576 ||
	    slot_size > STUB_MAX_SLOT_SIZE || nslots < ADOPT_MIN_SLOTS || nslots > STUB_MAX_SLOTS ||
	    kick_signal < 32 || kick_signal > 64)
		die();
	ctrl_len = HDR_SIZE + (u64)nslots * slot_size;
	if (site_mmap(STUB_CTRL_BASE, ctrl_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, ctrl, 0) < 0)
		die();
	adopt_memory(hdr + HDR_SIZE + slot_size, ctrl_len - HDR_SIZE - slot_size);
	if (sock_fd > 0)
		site_init(__NR_close_range, 0, sock_fd - 1, 0, 0, 0);
	site_init(__NR_close_range, sock_fd + 1, ~0U, 0, 0, 0);
	struct rlimit nocore = {0, 0};
	site_init(__NR_setrlimit, RLIMIT_CORE, (long)&nocore, 0, 0, 0);
	set_handlers();
	static const char name[16] = "elfloader-stub";
	site_init(__NR_prctl, PR_SET_NAME, (long)name, 0, 0, 0);
	if (site_init(__NR_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		die();
	build_filters();
	if (install_filter(&filter_stub, 1) != 0)
		die();
	if (send_reply(STUB_MAGIC) < 0)
		die();
	serve();
	die();
}
