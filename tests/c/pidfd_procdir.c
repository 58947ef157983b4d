// pidfd_procdir: pidfd_send_signal takes an open /proc/PID directory in
// place of a pidfd (CPython's test_pidfd_send_signal): a signal to the
// caller itself and to a child, signal 0, the child gone (ESRCH), and
// the descriptors it refuses (EBADF): /proc/PID/task/TID, other /proc
// directories, regular files, closed numbers.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errname.h"

#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

static const char *res(long r) {
	static char buf[32];
	if (r < 0)
		snprintf(buf, sizeof buf, "-1 %s", errname(errno));
	else
		snprintf(buf, sizeof buf, "%ld", r);
	return buf;
}

static long send(int fd, int sig, unsigned flags) { return syscall(SYS_pidfd_send_signal, fd, sig, NULL, flags); }

static volatile sig_atomic_t got;
static void on_usr1(int sig) { got = sig; }

int main(void) {
	char path[64];
	signal(SIGUSR1, on_usr1);
	int self = open("/proc/self", O_RDONLY | O_DIRECTORY);
	printf("open /proc/self %d\n", self >= 0);
	printf("signal 0 to self %s\n", res(send(self, 0, 0)));
	printf("SIGUSR1 to self %s\n", res(send(self, SIGUSR1, 0)));
	printf("handler ran %d\n", got == SIGUSR1);
	printf("bad flags %s\n", res(send(self, 0, 0x80)));

	snprintf(path, sizeof path, "/proc/%d/task/%d", getpid(), gettid());
	int task = open(path, O_RDONLY | O_DIRECTORY);
	printf("task dir %s\n", res(send(task, 0, 0)));
	int fddir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY);
	printf("fd dir %s\n", res(send(fddir, 0, 0)));
	int proc = open("/proc", O_RDONLY | O_DIRECTORY);
	printf("/proc itself %s\n", res(send(proc, 0, 0)));
	int status = open("/proc/self/status", O_RDONLY);
	printf("status file %s\n", res(send(status, 0, 0)));
	printf("closed fd %s\n", res(send(999, 0, 0)));

	pid_t child = fork();
	if (child == 0) {
		for (;;)
			pause();
	}
	snprintf(path, sizeof path, "/proc/%d", child);
	int cfd = open(path, O_RDONLY | O_DIRECTORY);
	printf("open child dir %d\n", cfd >= 0);
	printf("SIGTERM to child %s\n", res(send(cfd, SIGTERM, 0)));
	int st = 0;
	waitpid(child, &st, 0);
	printf("child killed by %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : -1);
	printf("child gone %s\n", res(send(cfd, 0, 0)));
	return 0;
}
