/*
 * sig_longjmp: synchronous faults are delivered to the program's handlers
 * with the right si_code and si_addr, and the handler leaves with
 * siglongjmp (which restores the signal mask, so the next fault is
 * delivered too): a write to NULL, a write to a read-only page, an
 * integer division by zero, ud2 and int3. Execution continues normally.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile int got_sig, got_code;
static void *volatile got_addr;

static void handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_addr = si->si_addr;
	siglongjmp(env, 1);
}

static const char *codename(int sig, int code)
{
	if (sig == SIGSEGV && code == SEGV_MAPERR) return "SEGV_MAPERR";
	if (sig == SIGSEGV && code == SEGV_ACCERR) return "SEGV_ACCERR";
	if (sig == SIGFPE && code == FPE_INTDIV) return "FPE_INTDIV";
	if (sig == SIGILL && code == ILL_ILLOPN) return "ILL_ILLOPN";
	if (code == SI_KERNEL) return "SI_KERNEL";
	return "other";
}

extern char ud2_site[];

__attribute__((noinline)) static void do_ud2(void)
{
	__asm__ volatile(".globl ud2_site\nud2_site: ud2");
}

__attribute__((noinline)) static void do_int3(void)
{
	__asm__ volatile("int3");
}

static volatile int divisor;

#define TRY(label, expr, want_addr)                                                          \
	do {                                                                                   \
		got_sig = 0;                                                                   \
		if (sigsetjmp(env, 1) == 0) {                                                  \
			expr;                                                                  \
			printf("%s: no signal\n", label);                                      \
		} else {                                                                       \
			printf("%s: sig=%d code=%s addr_ok=%d\n", label, got_sig,              \
			       codename(got_sig, got_code), got_addr == (void *)(want_addr)); \
		}                                                                              \
	} while (0)

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGTRAP, &sa, NULL);

	for (int i = 0; i < 3; i++) {
		char label[32];
		snprintf(label, sizeof(label), "NULL write #%d", i + 1);
		TRY(label, *(volatile int *)0 = 1, 0);
	}
	TRY("wild read", (void)*(volatile int *)0x10000, 0x10000);

	long page = sysconf(_SC_PAGESIZE);
	char *ro = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro[0] = 'x';
	mprotect(ro, page, PROT_READ);
	TRY("read-only write", ro[100] = 'y', ro + 100);
	printf("read-only page still reads: %c\n", ro[0]);
	mprotect(ro, page, PROT_NONE);
	TRY("PROT_NONE read", (void)*(volatile char *)(ro + 8), ro + 8);
	munmap(ro, page);
	TRY("unmapped read", (void)*(volatile char *)ro, ro);

	divisor = 0;
	TRY("divide by zero", divisor = 10 / divisor, got_addr);
	TRY("ud2", do_ud2(), ud2_site);
	TRY("int3", do_int3(), 0);

	sigset_t cur;
	sigprocmask(SIG_SETMASK, NULL, &cur);
	printf("after all: SIGSEGV blocked=%d SIGFPE blocked=%d\n", sigismember(&cur, SIGSEGV),
	       sigismember(&cur, SIGFPE));
	return 0;
}
