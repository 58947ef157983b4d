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

#include "fork.h"

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#endif
#define RSEQ_FLAG_UNREGISTER 1
#define RSEQ_SIG_X86 0x53053053

// glibc's rseq area of the calling thread (weak: other C libraries have none).
extern const ptrdiff_t __rseq_offset __attribute__((weak));
extern const unsigned int __rseq_size __attribute__((weak));

static inline long raw6(long nr, long a, long b, long c, long d, long e, long f) {
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

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
	if (raw6(SYS_mmap, pl->image_start, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != (long)pl->image_start)
		child_die();
	volatile uint8_t *dst = (uint8_t *)pl->image_start;
	for (uint64_t i = 0; i < len; i++)
		dst[i] = pl->picture[i];
	for (uint64_t pg = 0; pg < len / 4096; pg++)
		raw3(SYS_mprotect, pl->image_start + pg * 4096, 4096, pl->page_prot[pg]);
	__asm__ volatile("mov %0, %%rdi\n"
			 "mov %1, %%rsi\n"
			 "mov %2, %%rdx\n"
			 "jmp *%3\n" ::"r"((long)pl->sock),
			 "r"((long)pl->ctrl), "r"(pl->hwcap2), "r"(pl->entry)
			 : "rdi", "rsi", "rdx", "memory");
	__builtin_unreachable();
}

int64_t ep_fork(const struct ep_fork_plan *pl, int32_t *pidfd) {
	int fd = -1;
	long pid = raw6(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, (long)&fd, 0, 0, 0);
	if (pid == 0)
		fork_child(pl);
	*pidfd = fd;
	return pid;
}
