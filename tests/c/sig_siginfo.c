/*
 * sig_siginfo: an SA_SIGINFO handler records the siginfo of signals sent by
 * kill (SI_USER), raise/pthread_kill/tgkill (SI_TKILL) and sigqueue
 * (SI_QUEUE with a value), checking si_pid and si_uid; real-time signals
 * queue one instance per send (in order, with their values) while standard
 * signals coalesce; SA_RESETHAND and SA_NODEFER; sigprocmask round trips.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct record {
	int signo, code, errno_, pid_ok, uid_ok, value;
};

static volatile sig_atomic_t nrecords;
static struct record records[16];

static void handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (nrecords < 16) {
		struct record *r = &records[nrecords];
		r->signo = sig == si->si_signo ? sig : -sig;
		r->code = si->si_code;
		r->errno_ = si->si_errno;
		r->pid_ok = si->si_pid == getpid();
		r->uid_ok = si->si_uid == getuid();
		r->value = si->si_value.sival_int;
	}
	nrecords++;
}

static const char *codename(int code)
{
	switch (code) {
	case SI_USER: return "SI_USER";
	case SI_TKILL: return "SI_TKILL";
	case SI_QUEUE: return "SI_QUEUE";
	case SI_KERNEL: return "SI_KERNEL";
	default: return "other";
	}
}

/* dump prints the records sorted by signal number (stable), because the
 * order in which different pending signals run is not part of the test. */
static void dump(const char *what)
{
	for (int i = 1; i < nrecords && i < 16; i++)
		for (int j = i; j > 0 && records[j - 1].signo > records[j].signo; j--) {
			struct record tmp = records[j];
			records[j] = records[j - 1];
			records[j - 1] = tmp;
		}
	printf("%s: %d delivery(s)\n", what, (int)nrecords);
	for (int i = 0; i < nrecords && i < 16; i++) {
		struct record *r = &records[i];
		printf("  signo=%d code=%s errno=%d pid_ok=%d uid_ok=%d", r->signo, codename(r->code),
		       r->errno_, r->pid_ok, r->uid_ok);
		if (r->code == SI_QUEUE)
			printf(" value=%d", r->value);
		printf("\n");
	}
	nrecords = 0;
	memset(records, 0, sizeof(records));
}

static volatile sig_atomic_t depth, max_depth, calls, resethand_calls;

static void nested(int sig)
{
	(void)sig;
	depth++;
	calls++;
	if (depth > max_depth)
		max_depth = depth;
	if (calls < 3)
		raise(SIGUSR2); /* nests with SA_NODEFER, else runs after return */
	depth--;
}

static void once(int sig)
{
	(void)sig;
	resethand_calls++;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGRTMIN, &sa, NULL);

	kill(getpid(), SIGUSR1);
	dump("kill");
	raise(SIGUSR1);
	dump("raise");
	pthread_kill(pthread_self(), SIGUSR1);
	dump("pthread_kill");
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
	dump("tgkill");
	union sigval v = {.sival_int = 1234};
	sigqueue(getpid(), SIGUSR1, v);
	dump("sigqueue");

	/* Standard signals coalesce while blocked; real-time ones queue. */
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &set, &old);
	for (int i = 0; i < 3; i++) {
		kill(getpid(), SIGUSR1);
		v.sival_int = 100 + i;
		sigqueue(getpid(), SIGRTMIN, v);
	}
	sigset_t pending;
	sigpending(&pending);
	printf("pending: SIGUSR1=%d SIGRTMIN=%d SIGUSR2=%d\n", sigismember(&pending, SIGUSR1),
	       sigismember(&pending, SIGRTMIN), sigismember(&pending, SIGUSR2));
	printf("handled while blocked: %d\n", (int)nrecords);
	sigprocmask(SIG_SETMASK, &old, NULL);
	for (int i = 0; i < nrecords && i < 16; i++)
		records[i].signo = records[i].signo == SIGRTMIN ? 1000 : records[i].signo;
	printf("(signo 1000 below stands for SIGRTMIN)\n");
	dump("after unblock");

	sigset_t cur;
	sigprocmask(SIG_SETMASK, NULL, &cur);
	printf("mask restored: SIGUSR1 blocked=%d\n", sigismember(&cur, SIGUSR1));
	sigfillset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	sigprocmask(SIG_SETMASK, NULL, &cur);
	printf("fill mask: SIGKILL blocked=%d SIGSTOP blocked=%d SIGTERM blocked=%d\n",
	       sigismember(&cur, SIGKILL), sigismember(&cur, SIGSTOP), sigismember(&cur, SIGTERM));
	sigprocmask(SIG_SETMASK, &old, NULL);

	struct sigaction nd;
	memset(&nd, 0, sizeof(nd));
	nd.sa_handler = nested;
	nd.sa_flags = SA_NODEFER;
	sigaction(SIGUSR2, &nd, NULL);
	raise(SIGUSR2);
	printf("SA_NODEFER calls=%d max nesting=%d\n", (int)calls, (int)max_depth);
	max_depth = 0;
	calls = 0;
	nd.sa_flags = 0;
	sigaction(SIGUSR2, &nd, NULL);
	raise(SIGUSR2);
	printf("without SA_NODEFER calls=%d max nesting=%d\n", (int)calls, (int)max_depth);

	struct sigaction rh;
	memset(&rh, 0, sizeof(rh));
	rh.sa_handler = once;
	rh.sa_flags = SA_RESETHAND;
	sigaction(SIGUSR2, &rh, NULL);
	raise(SIGUSR2);
	struct sigaction now;
	sigaction(SIGUSR2, NULL, &now);
	printf("SA_RESETHAND: calls=%d handler now default=%d\n", (int)resethand_calls,
	       now.sa_handler == SIG_DFL);

	struct sigaction ign;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGUSR2, &ign, NULL);
	raise(SIGUSR2);
	printf("ignored SIGUSR2 survived\n");
	printf("sigaction(SIGKILL) fails: %d\n", sigaction(SIGKILL, &ign, NULL) == -1);
	fflush(stdout);

	/* Default action of SIGTERM ends the process with status 128+15. */
	signal(SIGTERM, SIG_DFL);
	kill(getpid(), SIGTERM);
	puts("not reached");
	return 0;
}
