/*
 * sig_async: signal-driven I/O. With O_ASYNC (F_SETFL or FIOASYNC) and an
 * owner (F_SETOWN, F_SETOWN_EX), input arriving on a pipe or a socket
 * sends SIGIO (si_code SI_KERNEL) to the owner: this process, its group,
 * or a child that owns the file through fork. Input already waiting when
 * O_ASYNC is set, a file without owner, or O_ASYNC cleared send nothing.
 *
 * SIGIO stays blocked and is taken with sigtimedwait, so every check is
 * "was a SIGIO pending": the arrival under elfloader may come after the
 * write returned, so the wait for one that must come is long, and a
 * check that none came waits briefly (it can only pass wrongly, never fail
 * wrongly). Prints one line a check; exits 1 if one failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;

/* expect prints "NAME: GOT", or "FAIL NAME: GOT, want WANT". */
static void expect(const char *name, const char *got, const char *want)
{
	if (strcmp(got, want) == 0) {
		printf("%s: %s\n", name, got);
		return;
	}
	printf("FAIL %s: %s, want %s\n", name, got, want);
	failures++;
}

/* took_sigio waits up to ms for a SIGIO and describes it. */
static const char *took_sigio(int ms)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGIO);
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	siginfo_t si;
	if (sigtimedwait(&set, &si, &ts) != SIGIO)
		return errno == EAGAIN ? "none" : "error";
	return si.si_code == SI_KERNEL ? "SIGIO SI_KERNEL" : "SIGIO other code";
}

/* feed writes one byte into fd; drain reads one. */
static void feed(int fd)
{
	if (write(fd, "x", 1) != 1)
		perror("write");
}

static void drain(int fd)
{
	char c;
	if (read(fd, &c, 1) != 1)
		perror("read");
}

static void test_pipe(void)
{
	int p[2];
	pipe(p);
	fcntl(p[0], F_SETOWN, getpid());
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_ASYNC);
	feed(p[1]);
	expect("pipe input", took_sigio(10000), "SIGIO SI_KERNEL");
	feed(p[1]);
	expect("more pipe input", took_sigio(10000), "SIGIO SI_KERNEL");
	drain(p[0]);
	drain(p[0]);
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) & ~O_ASYNC);
	feed(p[1]);
	expect("O_ASYNC cleared", took_sigio(200), "none");
	/* The byte is still there: enabling again signals only new input. */
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_ASYNC);
	expect("input already waiting", took_sigio(200), "none");
	fcntl(p[0], F_SETOWN, 0);
	feed(p[1]);
	expect("no owner", took_sigio(200), "none");
	close(p[0]);
	close(p[1]);
}

static void test_socket(void)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	int on = 1;
	ioctl(sv[0], FIOASYNC, &on);
	fcntl(sv[0], F_SETOWN, -getpgrp());
	feed(sv[1]);
	expect("socket input, group owner", took_sigio(10000), "SIGIO SI_KERNEL");
	drain(sv[0]);
	struct f_owner_ex ex = {F_OWNER_TID, (pid_t)syscall(SYS_gettid)};
	fcntl(sv[0], F_SETOWN_EX, &ex);
	close(sv[1]);
	expect("peer hang-up, thread owner", took_sigio(10000), "SIGIO SI_KERNEL");
	close(sv[0]);
}

/* test_child: a fork child takes the file over and gets the SIGIO. */
static void test_child(void)
{
	int p[2], ready[2];
	pipe(p);
	pipe(ready);
	pid_t pid = fork();
	if (pid == 0) {
		fcntl(p[0], F_SETOWN, getpid());
		fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_ASYNC);
		feed(ready[1]);
		_exit(strcmp(took_sigio(10000), "SIGIO SI_KERNEL") == 0 ? 0 : 1);
	}
	drain(ready[0]);
	feed(p[1]);
	int status = 0;
	waitpid(pid, &status, 0);
	expect("fork child owner", WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "SIGIO in the child" : "none in the child",
	       "SIGIO in the child");
	expect("parent not owner", took_sigio(200), "none");
	close(p[0]);
	close(p[1]);
	close(ready[0]);
	close(ready[1]);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* A group of its own: the group-owner check must not signal the
	 * harness that started this program. */
	if (setpgid(0, 0) != 0) {
		perror("setpgid");
		return 2;
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGIO);
	sigprocmask(SIG_BLOCK, &set, NULL);
	test_pipe();
	test_socket();
	test_child();
	return failures ? 1 : 0;
}
