/*
 * sig_blocked_fault: a synchronous fault while its signal is blocked cannot
 * be held pending: the kernel forces the default action even though a
 * handler is installed, so the process dies of SIGSEGV (status 139).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void never(int sig)
{
	(void)sig;
	write(1, "handler ran\n", 12);
	_exit(3);
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = never;
	sigaction(SIGSEGV, &sa, NULL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGSEGV);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("faulting with SIGSEGV blocked\n");
	fflush(stdout);
	*(volatile int *)8 = 1;
	printf("not reached\n");
	return 0;
}
