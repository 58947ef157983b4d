/*
 * sig_wait: sigsuspend with a pending blocked signal (the handler runs,
 * sigsuspend fails with EINTR and the old mask comes back), sigsuspend
 * woken by a signal from another thread, sigtimedwait whose timeout
 * expires (EAGAIN), sigtimedwait/sigwaitinfo that take a pending signal
 * (with its siginfo) without running the handler, sigwait woken by another
 * thread, and sigtimedwait with a zero timeout as a poll.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t handled_usr1, handled_usr2;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		handled_usr1++;
	else
		handled_usr2++;
}

static const char *errname(int err)
{
	return err == EINTR ? "EINTR" : err == EAGAIN ? "EAGAIN" : err == EINVAL ? "EINVAL" : strerror(err);
}

static void *kill_later(void *arg)
{
	int sig = (int)(long)arg;
	struct timespec ts = {0, 50 * 1000000L};
	nanosleep(&ts, NULL);
	kill(getpid(), sig);
	return NULL;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);

	sigset_t block, old, cur, empty;
	sigemptyset(&empty);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, &old);

	/* sigsuspend with the signal already pending. */
	raise(SIGUSR1);
	printf("before sigsuspend: handled=%d\n", (int)handled_usr1);
	int r = sigsuspend(&empty);
	printf("sigsuspend pending: r=%d errno=%s handled=%d\n", r, errname(errno), (int)handled_usr1);
	sigprocmask(SIG_SETMASK, NULL, &cur);
	printf("mask after sigsuspend: SIGUSR1 blocked=%d\n", sigismember(&cur, SIGUSR1));

	/* sigsuspend woken by another thread. */
	pthread_t t;
	pthread_create(&t, NULL, kill_later, (void *)(long)SIGUSR2);
	r = sigsuspend(&empty);
	printf("sigsuspend from thread: r=%d errno=%s handled_usr2=%d\n", r, errname(errno), (int)handled_usr2);
	pthread_join(t, NULL);

	/* sigtimedwait: nothing pending, the timeout expires. */
	siginfo_t si;
	struct timespec timeout = {0, 100 * 1000000L};
	r = sigtimedwait(&block, &si, &timeout);
	printf("sigtimedwait timeout: r=%d errno=%s\n", r, errname(errno));
	struct timespec zero = {0, 0};
	r = sigtimedwait(&block, &si, &zero);
	printf("sigtimedwait zero timeout: r=%d errno=%s\n", r, errname(errno));

	/* sigtimedwait: a pending signal is taken, the handler does not run. */
	raise(SIGUSR2);
	memset(&si, 0, sizeof(si));
	timeout.tv_sec = 5;
	r = sigtimedwait(&block, &si, &timeout);
	printf("sigtimedwait pending: r=%d signo=%d code_tkill=%d pid_ok=%d handled_usr2=%d\n", r, si.si_signo,
	       si.si_code == SI_TKILL, si.si_pid == getpid(), (int)handled_usr2);

	union sigval v = {.sival_int = 4242};
	sigqueue(getpid(), SIGUSR1, v);
	memset(&si, 0, sizeof(si));
	r = sigwaitinfo(&block, &si);
	printf("sigwaitinfo queued: r=%d code_queue=%d value=%d\n", r, si.si_code == SI_QUEUE, si.si_value.sival_int);

	/* sigtimedwait blocked while another thread sends the signal. */
	pthread_create(&t, NULL, kill_later, (void *)(long)SIGUSR1);
	memset(&si, 0, sizeof(si));
	r = sigtimedwait(&block, &si, &timeout);
	printf("sigtimedwait from thread: r=%d code_user=%d\n", r, si.si_code == SI_USER);
	pthread_join(t, NULL);

	/* sigwait. */
	pthread_create(&t, NULL, kill_later, (void *)(long)SIGUSR2);
	int sig = 0;
	r = sigwait(&block, &sig);
	printf("sigwait: r=%d sig=%d\n", r, sig);
	pthread_join(t, NULL);

	sigset_t pending;
	sigpending(&pending);
	printf("nothing pending at end: %d\n", !sigismember(&pending, SIGUSR1) && !sigismember(&pending, SIGUSR2));
	printf("handlers ran: usr1=%d usr2=%d\n", (int)handled_usr1, (int)handled_usr2);
	struct timespec bad = {0, 2000000000L};
	r = sigtimedwait(&block, &si, &bad);
	printf("sigtimedwait bad timeout: r=%d errno=%s\n", r, errname(errno));
	sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;
}
