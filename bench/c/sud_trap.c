/* The floor under elfloader's trap path: the bare cost of one Syscall User
 * Dispatch trap on this machine. SUD is enabled for the thread; before each
 * raw getpid the selector byte is set to BLOCK, so the kernel raises SIGSYS
 * instead of running the syscall. The handler answers the call (sets rax) and
 * sets the selector back to ALLOW, so that the rt_sigreturn that ends the
 * handler is not itself trapped. Prints the nanoseconds per trapped call,
 * measured around the loop only. Usage: sud_trap [iterations] */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#endif
#ifndef PR_SYS_DISPATCH_ON
#define PR_SYS_DISPATCH_ON 1
#endif
#ifndef SYSCALL_DISPATCH_FILTER_ALLOW
#define SYSCALL_DISPATCH_FILTER_ALLOW 0
#define SYSCALL_DISPATCH_FILTER_BLOCK 1
#endif

static volatile char selector = SYSCALL_DISPATCH_FILTER_ALLOW;
static volatile long traps;
static long emulated_pid;

static void on_sigsys(int sig, siginfo_t *info, void *ctx) {
	(void)sig;
	(void)info;
	ucontext_t *uc = ctx;
	selector = SYSCALL_DISPATCH_FILTER_ALLOW;
	uc->uc_mcontext.gregs[REG_RAX] = emulated_pid;
	traps++;
}

static inline long raw_getpid(void) {
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(SYS_getpid) : "rcx", "r11", "memory");
	return ret;
}

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 200000;
	if (n <= 0) {
		fprintf(stderr, "sud_trap: iterations must be positive\n");
		return 2;
	}
	emulated_pid = getpid();

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) != 0) {
		perror("sud_trap: sigaction");
		return 1;
	}
	if (prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, 0, 0, &selector) != 0) {
		perror("sud_trap: prctl(PR_SET_SYSCALL_USER_DISPATCH)");
		return 1;
	}

	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	long sum = 0;
	for (long i = 0; i < n; i++) {
		selector = SYSCALL_DISPATCH_FILTER_BLOCK;
		sum += raw_getpid();
	}
	clock_gettime(CLOCK_MONOTONIC, &b);

	if (traps != n) {
		fprintf(stderr, "sud_trap: %ld traps for %ld calls\n", traps, n);
		return 1;
	}
	double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("%.1f ns/call (%ld calls, checksum %ld)\n", ns / n, n, sum % 7);
	return 0;
}
