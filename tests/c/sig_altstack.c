/*
 * sig_altstack: a SIGSEGV handler installed with SA_ONSTACK runs on the
 * alternate signal stack when the main stack overflows through infinite
 * recursion; it checks where it runs, prints with write and _exit(0)s.
 * Before that, sigaltstack round trips, a SIGUSR1 handler with
 * SA_ONSTACK reports SS_ONSTACK from inside, and a signal raised inside a
 * handler running on the alternate stack nests below it there.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define ALT_SIZE (64 * 1024)

static char *alt_base;
static volatile int usr1_on_alt, usr1_ss_onstack;

static int on_alt_stack(void)
{
	char here;
	uintptr_t p = (uintptr_t)&here;
	return p >= (uintptr_t)alt_base && p < (uintptr_t)alt_base + ALT_SIZE;
}

static void say(const char *s)
{
	write(1, s, strlen(s));
}

static void on_usr1(int sig)
{
	(void)sig;
	stack_t cur;
	usr1_on_alt = on_alt_stack();
	if (sigaltstack(NULL, &cur) == 0)
		usr1_ss_onstack = (cur.ss_flags & SS_ONSTACK) != 0;
}

/* Nested delivery on the alternate stack: the inner frame must go below
 * the outer handler's frame, not back to the top of the stack. */
static volatile uintptr_t outer_local, inner_local;
static volatile int canary_intact, inner_on_alt;

static void on_usr2_inner(int sig)
{
	(void)sig;
	char here;
	inner_local = (uintptr_t)&here;
	inner_on_alt = on_alt_stack();
	volatile char scribble[2048];
	memset((char *)scribble, 0x5a, sizeof(scribble));
}

static void on_usr1_outer(int sig)
{
	(void)sig;
	volatile char canary[1024];
	memset((char *)canary, 0x11, sizeof(canary));
	outer_local = (uintptr_t)&canary[0];
	raise(SIGUSR2);
	int ok = 1;
	for (size_t i = 0; i < sizeof(canary); i++)
		ok &= canary[i] == 0x11;
	canary_intact = ok;
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	stack_t cur;
	sigaltstack(NULL, &cur);
	say(sig == SIGSEGV ? "handler: SIGSEGV\n" : "handler: other signal\n");
	say(si->si_signo == SIGSEGV ? "handler: si_signo ok\n" : "handler: si_signo wrong\n");
	say(on_alt_stack() ? "handler: on alternate stack\n" : "handler: NOT on alternate stack\n");
	say(cur.ss_flags & SS_ONSTACK ? "handler: SS_ONSTACK set\n" : "handler: SS_ONSTACK clear\n");
	/* Changing the stack while on it must fail with EPERM. */
	stack_t again = {.ss_sp = alt_base, .ss_size = ALT_SIZE};
	say(sigaltstack(&again, NULL) == -1 ? "handler: sigaltstack while on it fails\n"
					    : "handler: sigaltstack while on it succeeded\n");
	_exit(0);
}

static volatile unsigned long sink;

__attribute__((noinline)) static unsigned long recurse(unsigned long n)
{
	volatile char pad[256];
	pad[n % 256] = (char)n;
	sink += pad[(n * 7) % 256];
	if (n != (unsigned long)-1)
		sink += recurse(n + 1);
	return sink;
}

int main(void)
{
	/* Keep the overflow bounded and quick under any limit. */
	struct rlimit rl = {8 << 20, 8 << 20};
	setrlimit(RLIMIT_STACK, &rl);

	alt_base = malloc(ALT_SIZE);
	stack_t ss = {.ss_sp = alt_base, .ss_size = ALT_SIZE, .ss_flags = 0};
	stack_t old;
	printf("sigaltstack set: %d\n", sigaltstack(&ss, &old));
	printf("old stack disabled: %d\n", (old.ss_flags & SS_DISABLE) != 0);
	stack_t cur;
	sigaltstack(NULL, &cur);
	printf("query: same base=%d same size=%d flags=%d\n", cur.ss_sp == alt_base, cur.ss_size == ALT_SIZE,
	       cur.ss_flags);
	stack_t tiny = {.ss_sp = alt_base, .ss_size = 16, .ss_flags = 0};
	printf("too small fails: %d\n", sigaltstack(&tiny, NULL) == -1);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	printf("SIGUSR1 handler: on alternate stack=%d SS_ONSTACK=%d\n", usr1_on_alt, usr1_ss_onstack);
	sa.sa_flags = 0;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	printf("SIGUSR1 without SA_ONSTACK: on alternate stack=%d\n", usr1_on_alt);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr2_inner;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR2, &sa, NULL);
	sa.sa_handler = on_usr1_outer;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	printf("nested on alternate stack: inner on alt=%d inner below outer=%d outer canary intact=%d\n",
	       inner_on_alt, inner_local < outer_local, canary_intact);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGSEGV, &sa, NULL);
	printf("recursing\n");
	fflush(stdout);
	recurse(0);
	printf("recursion returned?\n");
	return 1;
}
