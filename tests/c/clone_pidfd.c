/* clone(2) and clone3(2) with CLONE_PIDFD: the child's pidfd in the
 * parent (close-on-exec, pollable when the child exits, usable with
 * waitid(P_PIDFD) and pidfd_send_signal), the vfork-style probe Go's os
 * package makes, and the argument rules. Raw syscalls throughout. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x1000
#endif
#ifndef CLONE_DETACHED
#define CLONE_DETACHED 0x400000
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

/* struct clone_args of <linux/sched.h> (musl has no kernel headers). */
struct clone_args_v0 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static void report_child(const char *name, int pidfd) {
	int cloexec = fcntl(pidfd, F_GETFD) & FD_CLOEXEC;
	printf("%s: pidfd %s, cloexec %d\n", name, pidfd >= 0 ? "valid" : "missing", cloexec != 0);
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	int r = poll(&p, 1, 5000);
	printf("%s: poll %d revents %#x\n", name, r, p.revents);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	r = syscall(SYS_waitid, P_PIDFD, pidfd, &si, WEXITED, NULL);
	printf("%s: waitid %d code %d status %d\n", name, r, si.si_code, si.si_status);
	close(pidfd);
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);

	/* fork-style clone: the pidfd where the parent's TID would go. */
	int pidfd = -1;
	long pid = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pidfd, 0, 0);
	if (pid == 0)
		_exit(7);
	printf("clone: pid %s\n", pid > 0 ? "positive" : "failed");
	printf("clone: signal 0 through the pidfd: %ld\n", syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0));
	report_child("clone", pidfd);

	/* clone3 with CLONE_VM|CLONE_VFORK, as Go's checkClonePidfd. */
	pidfd = -1;
	struct clone_args_v0 ca;
	memset(&ca, 0, sizeof ca);
	ca.flags = CLONE_PIDFD | CLONE_VM | CLONE_VFORK;
	ca.pidfd = (uintptr_t)&pidfd;
	ca.exit_signal = SIGCHLD;
	static char stack[64 << 10];
	ca.stack = (uintptr_t)stack;
	ca.stack_size = sizeof stack;
	pid = syscall(SYS_clone3, &ca, sizeof ca);
	if (pid == 0)
		syscall(SYS_exit, 3);
	printf("clone3 vfork: pid %s\n", pid > 0 ? "positive" : "failed");
	report_child("clone3 vfork", pidfd);

	/* The pidfd and the parent TID share clone(2)'s argument. */
	errno = 0;
	long r = syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &pidfd, 0, 0);
	if (r == 0)
		_exit(0);
	printf("clone PIDFD|PARENT_SETTID: %ld errno %d\n", r, r < 0 ? errno : 0);
	errno = 0;
	r = syscall(SYS_clone, CLONE_PIDFD | CLONE_DETACHED | SIGCHLD, 0, &pidfd, 0, 0);
	if (r == 0)
		_exit(0);
	printf("clone PIDFD|DETACHED: %ld errno %d\n", r, r < 0 ? errno : 0);
	return 0;
}
