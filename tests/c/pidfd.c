// pidfd_open, pidfd_send_signal, pidfd_getfd and waitid(P_PIDFD): errors,
// close-on-exec, readiness in poll and epoll when the process exits.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static int pidfd_open(pid_t pid, unsigned flags) { return syscall(SYS_pidfd_open, pid, flags); }
static int pidfd_send_signal(int fd, int sig, siginfo_t *info, unsigned flags) {
	return syscall(SYS_pidfd_send_signal, fd, sig, info, flags);
}
static int pidfd_getfd(int fd, int target, unsigned flags) { return syscall(SYS_pidfd_getfd, fd, target, flags); }

static void check(const char *what, long ret) {
	if (ret < 0)
		printf("%s: -1 errno %d\n", what, errno);
	else
		printf("%s: ok\n", what);
}

int main(void) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	check("pidfd_open(bad pid)", pidfd_open(999999, 0));
	check("pidfd_open(bad flags)", pidfd_open(getpid(), 1));
	check("pidfd_open(0)", pidfd_open(0, 0));
	check("send_signal(not a pidfd)", pidfd_send_signal(1, 0, NULL, 0));
	int self = pidfd_open(getpid(), 0);
	check("send_signal(flags)", pidfd_send_signal(self, 0, NULL, 8));
	check("send_signal(two scopes)", pidfd_send_signal(self, 0, NULL, 3));
	check("send_signal(self, 0)", pidfd_send_signal(self, 0, NULL, 0));
	char b[8];
	check("read(pidfd)", read(self, b, sizeof b));

	int ready[2], hold[2], msg[2];
	pipe(ready);
	pipe(hold);
	pipe(msg);
	pid_t c = fork();
	if (c == 0) {
		dup2(msg[1], 50);
		write(ready[1], "x", 1);
		char x;
		read(hold[0], &x, 1);
		_exit(4);
	}
	close(hold[0]);
	char x;
	read(ready[0], &x, 1);
	int pfd = pidfd_open(c, PIDFD_NONBLOCK);
	check("pidfd_open(child)", pfd);
	printf("cloexec: %d\n", (fcntl(pfd, F_GETFD) & FD_CLOEXEC) != 0);
	printf("nonblock: %d\n", (fcntl(pfd, F_GETFL) & O_NONBLOCK) != 0);
	struct pollfd p = {.fd = pfd, .events = POLLIN};
	printf("poll before exit: %d\n", poll(&p, 1, 0));

	int got = pidfd_getfd(pfd, 50, 0);
	check("pidfd_getfd", got);
	printf("getfd cloexec: %d\n", (fcntl(got, F_GETFD) & FD_CLOEXEC) != 0);
	write(got, "via", 3);
	close(got);
	char buf[4] = {0};
	read(msg[0], buf, 3);
	printf("read through the duplicate: %s\n", buf);
	check("pidfd_getfd(closed fd)", pidfd_getfd(pfd, 77, 0));
	check("pidfd_getfd(flags)", pidfd_getfd(pfd, 50, 1));

	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 9};
	check("epoll_ctl(pidfd)", epoll_ctl(ep, EPOLL_CTL_ADD, pfd, &ev));
	printf("epoll before exit: %d\n", epoll_wait(ep, &ev, 1, 0));

	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_signo = SIGTERM;
	si.si_code = SI_USER;
	check("send_signal(kernel code)", pidfd_send_signal(pfd, SIGTERM, &si, 0));
	si.si_code = SI_QUEUE;
	check("send_signal(wrong signo)", pidfd_send_signal(pfd, SIGUSR1, &si, 0));
	check("send_signal(SIGTERM)", pidfd_send_signal(pfd, SIGTERM, NULL, 0));
	p.revents = 0;
	int n = poll(&p, 1, -1);
	printf("poll after exit: %d revents %#x\n", n, p.revents);
	printf("epoll after exit: %d data %u\n", epoll_wait(ep, &ev, 1, -1), ev.data.u32);
	check("send_signal(zombie)", pidfd_send_signal(pfd, 0, NULL, 0));

	memset(&si, 0, sizeof si);
	check("waitid(P_PIDFD)", waitid(P_PIDFD, pfd, &si, WEXITED));
	printf("waitid: pid ok %d code %d status %d\n", si.si_pid == c, si.si_code, si.si_status);
	check("send_signal(reaped)", pidfd_send_signal(pfd, 0, NULL, 0));
	check("pidfd_getfd(reaped)", pidfd_getfd(pfd, 50, 0));

	c = fork();
	if (c == 0)
		_exit(6);
	int st;
	pfd = pidfd_open(c, 0);
	p.fd = pfd;
	p.revents = 0;
	n = poll(&p, 1, -1);
	printf("poll exited child: %d revents %#x\n", n, p.revents);
	waitpid(c, &st, 0);
	printf("status: %d\n", WEXITSTATUS(st));
	close(hold[1]);
	return 0;
}
