/* sig_chld_info: the SIGCHLD a parent gets says how the child ended:
 * si_code CLD_EXITED with the exit code, CLD_KILLED with the signal. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
static volatile int code, status, got;
static void h(int s, siginfo_t *si, void *u) { (void)s; (void)u; code = si->si_code; status = si->si_status; got = 1; }
int main(void) {
	struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_sigaction = h; sa.sa_flags = SA_SIGINFO;
	sigaction(SIGCHLD, &sa, NULL);
	int cases[] = {3, -SIGTERM, -SIGSEGV};
	for (int i = 0; i < 3; i++) {
		got = 0;
		pid_t p = vfork();
		if (p == 0) { if (cases[i] >= 0) _exit(cases[i]); raise(-cases[i]); _exit(99); }
		int st; waitpid(p, &st, 0);
		while (!got) usleep(1000);
		printf("case %d: si_code %d si_status %d\n", cases[i], code, status);
	}
	return 0;
}
