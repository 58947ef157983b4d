/* Calls without a program of their own elsewhere: identities, prctl names,
 * getcpu, sched_setaffinity, posix_fadvise, flock, sync, sync_file_range,
 * mknod of a FIFO,
 * and execve/execveat of this very program. Usage: misc_calls DIR */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what) {
	printf("%s %s\n", what, ok ? "ok" : "FAIL");
	if (!ok)
		failures++;
}

extern char **environ;

static long sfr(int fd, long off, long n, unsigned flags) {
	errno = 0;
	return syscall(SYS_sync_file_range, fd, off, n, flags) == 0 ? 0 : errno;
}

/* sync_file_range: a file, then Linux's errno order: EBADF, EINVAL for
 * unknown flags and bad ranges, ESPIPE for a pipe. */
static void sync_file_range_rules(int fd, int pipefd) {
	const unsigned all = SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
	check(write(fd, "data", 4) == 4 && sfr(fd, 0, 0, SYNC_FILE_RANGE_WRITE) == 0 && sfr(fd, 0, 4, all) == 0,
	      "sync_file_range");
	check(sfr(-1, 0, 0, 8) == EBADF, "sync_file_range bad fd EBADF first");
	check(sfr(fd, 0, 0, 8) == EINVAL, "sync_file_range bad flags EINVAL");
	check(sfr(fd, -1, 0, 0) == EINVAL && sfr(fd, 0, -2, 0) == EINVAL, "sync_file_range negative EINVAL");
	check(sfr(fd, 0x7fffffffffffff00L, 0x200, 0) == EINVAL, "sync_file_range wrapping EINVAL");
	check(sfr(pipefd, 0, 0, SYNC_FILE_RANGE_WRITE) == ESPIPE, "sync_file_range pipe ESPIPE");
}

int main(int argc, char **argv) {
	if (argc > 2 && strcmp(argv[2], "child") == 0) {
		printf("exec child ok\n");
		return 0;
	}
	if (argc < 2)
		return 2;
	mkdir(argv[1], 0755);
	char path[4096];

	if (getuid() == 0) {
		check(setuid(0) == 0 && setgid(0) == 0, "setuid setgid as root");
		gid_t set[1] = {0}, got[4];
		check(setgroups(1, set) == 0, "setgroups");
		int n = getgroups(4, got);
		check(n == 1 && got[0] == 0, "getgroups");
		check(getgroups(0, NULL) == 1, "getgroups count");
	}
	check(setresuid(-1, -1, -1) == 0, "setresuid keep");

	char name[16] = {0};
	check(prctl(PR_SET_NAME, "misc-test") == 0 && prctl(PR_GET_NAME, name) == 0 && strcmp(name, "misc-test") == 0,
	      "prctl name");

	unsigned cpu = 99, node = 99;
	check(syscall(SYS_getcpu, &cpu, &node, NULL) == 0 && cpu < 1024 && node < 1024, "getcpu");
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	check(sched_setaffinity(0, sizeof set, &set) == 0, "sched_setaffinity cpu0");
	CPU_ZERO(&set);
	errno = 0;
	check(sched_setaffinity(0, sizeof set, &set) == -1 && errno == EINVAL, "sched_setaffinity empty EINVAL");

	snprintf(path, sizeof path, "%s/file", argv[1]);
	int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
	check(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) == 0, "fadvise");
	check(posix_fadvise(fd, 0, 0, 12345) == EINVAL, "fadvise bad advice EINVAL");
	int p[2];
	pipe(p);
	check(posix_fadvise(p[0], 0, 0, POSIX_FADV_NORMAL) == ESPIPE, "fadvise pipe ESPIPE");

	int fd2 = open(path, O_RDWR);
	check(flock(fd, LOCK_EX) == 0, "flock ex");
	errno = 0;
	check(flock(fd2, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK, "flock conflict EWOULDBLOCK");
	check(flock(fd, LOCK_UN) == 0 && flock(fd2, LOCK_SH | LOCK_NB) == 0, "flock unlock then shared");
	sync();
	check(fsync(fd) == 0, "sync and fsync");
	sync_file_range_rules(fd, p[0]);

	snprintf(path, sizeof path, "%s/fifo", argv[1]);
	unlink(path);
	struct stat st;
	check(mknod(path, S_IFIFO | 0600, 0) == 0 && stat(path, &st) == 0 && S_ISFIFO(st.st_mode), "mknod fifo");
	errno = 0;
	check(mknod(path, S_IFIFO | 0600, 0) == -1 && errno == EEXIST, "mknod EEXIST");

	fflush(stdout);
	char *cargv[] = {argv[0], argv[1], "child", NULL};
	if (failures == 0)
		syscall(SYS_execveat, AT_FDCWD, argv[0], cargv, environ, 0);
	printf("execveat failed: %s\n", strerror(errno));
	return 1;
}
