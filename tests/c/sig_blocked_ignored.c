/*
 * sig_blocked_ignored: a signal whose action is to be ignored (SIG_DFL of
 * SIGURG or SIGCHLD) is still queued while it is blocked, as Linux's
 * sig_ignored says, so a signalfd or sigwait can take it:
 * - SIGURG blocked, sent to oneself: pending, then taken by sigtimedwait;
 *   unblocked, it is discarded at once;
 * - a child that blocks SIGURG and sleeps in epoll_wait on a signalfd for
 *   it (PostgreSQL's latch) is woken by the parent's kill;
 * - SIGCHLD blocked with its default action: sigtimedwait returns the
 *   child's exit, also when it arrives during the wait (mostly, for the
 *   second child).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("FAIL %s (errno %d)\n", what, errno);
		exit(1);
	}
}

static void block(int sig)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	check(sigprocmask(SIG_BLOCK, &set, NULL) == 0, "sigprocmask block");
}

static void unblock(int sig)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	check(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0, "sigprocmask unblock");
}

static int pending(int sig)
{
	sigset_t set;
	check(sigpending(&set) == 0, "sigpending");
	return sigismember(&set, sig);
}

/* take waits up to 30 s for sig and returns it (or -errno), with the
 * child's exit status in *status for SIGCHLD. */
static int take(int sig, int *status)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	struct timespec ts = {30, 0};
	siginfo_t si;
	int got = sigtimedwait(&set, &si, &ts);
	if (got < 0)
		return -errno;
	if (status)
		*status = si.si_status;
	return got;
}

static void self_sigurg(void)
{
	block(SIGURG);
	check(kill(getpid(), SIGURG) == 0, "kill SIGURG");
	printf("blocked SIGURG pending %d\n", pending(SIGURG));
	printf("sigtimedwait took %s\n", take(SIGURG, NULL) == SIGURG ? "SIGURG" : "something else");
	unblock(SIGURG);
	check(kill(getpid(), SIGURG) == 0, "kill SIGURG");
	block(SIGURG);
	printf("unblocked SIGURG pending after delivery %d\n", pending(SIGURG));
	unblock(SIGURG);
}

static void signalfd_latch(void)
{
	int ready[2];
	check(pipe(ready) == 0, "pipe");
	pid_t pid = fork();
	check(pid >= 0, "fork");
	if (pid == 0) {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGURG);
		sigprocmask(SIG_BLOCK, &set, NULL);
		int sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
		int ep = epoll_create1(EPOLL_CLOEXEC);
		struct epoll_event ev = {.events = EPOLLIN, .data.fd = sfd};
		if (sfd < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev) != 0)
			_exit(2);
		write(ready[1], "r", 1);
		struct epoll_event out;
		int n = epoll_wait(ep, &out, 1, 30000);
		struct signalfd_siginfo si;
		if (n != 1 || read(sfd, &si, sizeof si) != sizeof si)
			_exit(3);
		_exit(si.ssi_signo == SIGURG && si.ssi_pid == (unsigned)getppid() ? 0 : 4);
	}
	close(ready[1]);
	char c;
	check(read(ready[0], &c, 1) == 1, "read ready");
	close(ready[0]);
	/* the child sleeps in epoll_wait by now, or the signal waits for it */
	check(kill(pid, SIGURG) == 0, "kill child SIGURG");
	int st;
	check(waitpid(pid, &st, 0) == pid, "waitpid");
	printf("signalfd in epoll woken by SIGURG from the parent: exited %d code %d\n", WIFEXITED(st), WEXITSTATUS(st));
}

static void sigchld_wait(void)
{
	block(SIGCHLD);
	pid_t pid = fork();
	check(pid >= 0, "fork");
	if (pid == 0)
		_exit(7);
	int status = -1;
	int got = take(SIGCHLD, &status);
	printf("blocked SIGCHLD (SIG_DFL) taken by sigtimedwait %d, status %d\n", got == SIGCHLD, status);
	check(waitpid(pid, NULL, 0) == pid, "waitpid");
	/* a second child, which exits once told: mostly while the parent
	 * already waits */
	int go[2];
	check(pipe(go) == 0, "pipe");
	pid = fork();
	check(pid >= 0, "fork");
	if (pid == 0) {
		char c;
		read(go[0], &c, 1);
		_exit(9);
	}
	close(go[0]);
	write(go[1], "g", 1);
	close(go[1]);
	status = -1;
	got = take(SIGCHLD, &status);
	printf("second child's SIGCHLD taken by sigtimedwait %d, status %d\n", got == SIGCHLD, status);
	check(waitpid(pid, NULL, 0) == pid, "waitpid");
	unblock(SIGCHLD);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	self_sigurg();
	signalfd_latch();
	sigchld_wait();
	return 0;
}
