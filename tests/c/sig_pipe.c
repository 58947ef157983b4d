/*
 * sig_pipe: writing to a pipe whose read end is closed. With SIGPIPE
 * ignored the write fails with EPIPE; with a handler, the handler runs
 * (si_code SI_USER... as the kernel sends it) and the write fails with
 * EPIPE; with the default action the process dies of SIGPIPE (status 141).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t caught;

static void on_pipe(int sig)
{
	(void)sig;
	caught++;
}

static void attempt(const char *label)
{
	int fds[2];
	pipe(fds);
	close(fds[0]);
	errno = 0;
	long n = write(fds[1], "x", 1);
	int err = errno;
	printf("%s: write=%ld EPIPE=%d caught=%d\n", label, n, err == EPIPE, (int)caught);
	fflush(stdout);
	close(fds[1]);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	attempt("ignored");
	signal(SIGPIPE, on_pipe);
	attempt("handler");
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_DFL);
	attempt("blocked");
	sigset_t pending;
	sigpending(&pending);
	printf("SIGPIPE pending while blocked: %d\n", sigismember(&pending, SIGPIPE));
	fflush(stdout);
	/* Unblocking delivers the pending SIGPIPE: default action, death. */
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	printf("not reached\n");
	return 0;
}
