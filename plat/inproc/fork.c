// fork of the in-process platform: a host fork of elfloader whose child
// never returns to Go. The child keeps the calling thread only; it turns
// Syscall User Dispatch and glibc's rseq registration off, maps the isolated
// platform's stub program at its fixed region (reserved in elfloader at
// start-up, so nothing else lives there) and jumps to the stub's adoption
// entry, which unmaps everything but the app's memory and serves elfloader
// like any stub. Only raw system calls here: no libc, no TLS, no Go.
#define _GNU_SOURCE
#include <linux/sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#include "ctx.h"
#include "rawsys.h"
#include "fork.h"

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#endif
#define RSEQ_FLAG_UNREGISTER 1
#define RSEQ_SIG_X86 0x53053053

// glibc's rseq area of the calling thread (weak: other C libraries have none).
extern const ptrdiff_t __rseq_offset __attribute__((weak));
extern const unsigned int __rseq_size __attribute__((weak));

static inline long raw3(long nr, long a, long b, long c) { return raw6(nr, a, b, c, 0, 0, 0); }

__attribute__((noreturn)) static void child_die(void) {
	for (;;)
		raw3(SYS_exit_group, 127, 0, 0);
}

static void unregister_rseq(void) {
	if (&__rseq_offset == NULL || &__rseq_size == NULL || __rseq_size == 0)
		return;
	uint64_t tp;
	__asm__ volatile("mov %%fs:0, %0" : "=r"(tp));
	long area = (long)(tp + __rseq_offset);
	// glibc registers 32 bytes (the original struct rseq) when __rseq_size
	// reports less; the kernel wants the registered length back.
	if (raw6(SYS_rseq, area, __rseq_size, RSEQ_FLAG_UNREGISTER, RSEQ_SIG_X86, 0, 0) != 0 &&
	    raw6(SYS_rseq, area, 32, RSEQ_FLAG_UNREGISTER, RSEQ_SIG_X86, 0, 0) != 0)
		child_die();
}

__attribute__((noreturn, noinline)) static void fork_child(const struct ep_fork_plan *pl) {
	uint64_t all = ~0UL;
	raw6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, 0, 8, 0, 0);
	raw6(SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH, 0, 0, 0, 0, 0);
	unregister_rseq();
	uint64_t len = pl->image_end - pl->image_start;
	if (raw6(SYS_mmap, pl->image_start, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
	    (long)pl->image_start)
		child_die();
	// Only the bytes that are not zero (the rest is the stub's bss, zero
	// pages until touched), into pages populated at once (a page fault
	// each costs more than the copy), with a string copy (not a loop the
	// compiler may turn into a call to memcpy).
	raw3(SYS_madvise, pl->image_start, (pl->data_len + 4095) & ~4095ul, MADV_POPULATE_WRITE);
	void *dst = (void *)pl->image_start;
	const void *src = pl->picture;
	uint64_t n = pl->data_len;
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
	// One mprotect per run of pages with the same protection.
	uint64_t pages = len / 4096;
	for (uint64_t pg = 0; pg < pages;) {
		uint64_t end = pg + 1;
		while (end < pages && pl->page_prot[end] == pl->page_prot[pg])
			end++;
		raw3(SYS_mprotect, pl->image_start + pg * 4096, (end - pg) * 4096, pl->page_prot[pg]);
		pg = end;
	}
	__asm__ volatile("mov %0, %%rdi\n"
			 "mov %1, %%rsi\n"
			 "mov %2, %%rdx\n"
			 "jmp *%3\n" ::"r"((long)pl->sock),
			 "r"((long)pl->ctrl), "r"(pl->hwcap2), "r"(pl->entry)
			 : "rdi", "rsi", "rdx", "memory");
	__builtin_unreachable();
}

static int holds(const struct ep_range *r, uint64_t addr) { return addr >= r->start && addr < r->end; }

// needed_by_child reports whether r holds memory the child uses before it
// becomes the stub: used (stack, TLS, rseq area, context) or the plan.
// (The stub region, where the child maps the stub, is never in skip.)
static int needed_by_child(const struct ep_range *r, const struct ep_fork_plan *pl, const uint64_t *used, int nused) {
	uint64_t len = pl->image_end - pl->image_start;
	for (int i = 0; i < nused; i++)
		if (used[i] != 0 && holds(r, used[i]))
			return 1;
	return holds(r, (uint64_t)pl) || holds(r, (uint64_t)pl + sizeof(*pl) - 1) ||
	       holds(r, (uint64_t)pl->picture) || holds(r, (uint64_t)pl->picture + len - 1) ||
	       holds(r, (uint64_t)pl->page_prot) || holds(r, (uint64_t)pl->page_prot + len / 4096 - 1);
}

// advise gives the ranges of skip the child does not use the advice.
static void advise(const struct ep_range *skip, int64_t nskip, const struct ep_fork_plan *pl, const uint64_t *used, int advice) {
	for (int64_t i = 0; i < nskip; i++)
		if (!needed_by_child(&skip[i], pl, used, 4))
			raw3(SYS_madvise, skip[i].start, skip[i].end - skip[i].start, advice);
}

// ep_fork forks; the child becomes the stub (fork_child). The ranges in
// skip (elfloader's own anonymous memory: the Go heap, other threads'
// stacks) are marked MADV_DONTFORK for the time of the clone: the host
// does not copy their page tables into the child, which would unmap them
// at once, and the parent takes no copy-on-write faults on them
// afterwards. The marks are taken off again at once: a mark stays with
// its mapping, and a range marked at one fork was app memory at the next
// (a shell's children then lacked their TLS), or the stack of the next
// thread that forks (an idle thread reused). Not marked are the ranges
// the child uses: this thread's stack, its TLS and rseq area, its context
// (the GS base: the kernel reads its Syscall User Dispatch selector at the
// child's first system calls, until fork_child turns dispatch off; C
// memory, perhaps in a malloc arena of the thread's own) and the plan.
int64_t ep_fork(const struct ep_fork_plan *pl, int32_t *pidfd, const struct ep_range *skip, int64_t nskip) {
	uint64_t used[4] = {0};
	__asm__ volatile("mov %%rsp, %0" : "=r"(used[0]));
	__asm__ volatile("mov %%fs:0, %0" : "=r"(used[1]));
	if (ep_have_fsgsbase)
		__asm__ volatile("rdgsbase %0" : "=r"(used[2]));
	else
		ep_arch_prctl(EP_ARCH_GET_GS, (uint64_t)&used[2]);
	if (&__rseq_offset != NULL && &__rseq_size != NULL && __rseq_size != 0)
		used[3] = used[1] + __rseq_offset;
	advise(skip, nskip, pl, used, MADV_DONTFORK);
	int fd = -1;
	long pid = raw6(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, (long)&fd, 0, 0, 0);
	if (pid == 0)
		fork_child(pl);
	advise(skip, nskip, pl, used, MADV_DOFORK);
	*pidfd = fd;
	return pid;
}
