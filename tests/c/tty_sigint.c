/*
 * tty_sigint: Ctrl-C on its terminal. With a SIGINT handler installed it
 * says "ready" and waits; the handler's signal is reported with its
 * si_code (SI_KERNEL: sent by the terminal). Then SIGINT's default action
 * is restored, it says "ready again", and the second Ctrl-C kills it
 * (status 130).
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile sig_atomic_t caught, code;

static void on_int(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	code = si->si_code;
	caught = 1;
}

int main(void)
{
	sigset_t block, old;
	struct sigaction sa = {.sa_sigaction = on_int, .sa_flags = SA_SIGINFO};

	setvbuf(stdout, NULL, _IONBF, 0);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigaction(SIGINT, &sa, NULL);
	printf("ready\n");
	while (!caught)
		sigsuspend(&old);
	printf("caught SIGINT, si_code %#x\n", code);
	signal(SIGINT, SIG_DFL);
	printf("ready again\n");
	sigprocmask(SIG_SETMASK, &old, NULL);
	for (;;)
		pause();
}
