/* close_range(CLOSE_RANGE_UNSHARE) in a child that shares the parent's
 * descriptor table (clone with CLONE_VM|CLONE_FILES|CLONE_VFORK): the
 * child closes its own copy, the parent's descriptors stay open; without
 * the flag the shared table loses them. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE 2
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

static int fd;
static unsigned flags;
static char stack[64 << 10];

static int child(void *arg) {
	(void)arg;
	long r = syscall(SYS_close_range, fd, fd, flags);
	/* The child sees its own table either way. */
	_exit(r == 0 && fcntl(fd, F_GETFD) == -1 ? 0 : 1);
}

static void run(const char *name, unsigned f) {
	fd = open("/proc/self/status", O_RDONLY);
	flags = f;
	pid_t pid = clone(child, stack + sizeof stack, CLONE_VM | CLONE_FILES | CLONE_VFORK | SIGCHLD, NULL);
	int status = -1;
	waitpid(pid, &status, 0);
	printf("%s: child closed its fd: %d, parent's fd still open: %d\n", name,
	       WIFEXITED(status) && WEXITSTATUS(status) == 0, fcntl(fd, F_GETFD) != -1);
	close(fd);
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	run("shared table", 0);
	run("CLOSE_RANGE_UNSHARE", CLOSE_RANGE_UNSHARE);
	return 0;
}
