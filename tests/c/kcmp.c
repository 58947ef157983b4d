/* kcmp(2): shared open file descriptions, address spaces, descriptor
 * tables, filesystem contexts and signal handlers between this process, a
 * thread, a fork child and a vfork-style child; the order is symmetric; the
 * error cases. Prints "equal" or "differ", never the order itself (it is
 * obfuscated with random keys). Raw syscalls. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_kcmp
#define SYS_kcmp 312
#endif
enum { KCMP_FILE, KCMP_VM, KCMP_FILES, KCMP_FS, KCMP_SIGHAND };

static long kcmp(pid_t a, pid_t b, int type, long i1, long i2) { return syscall(SYS_kcmp, a, b, type, i1, i2); }

static void show(const char *what, long r) {
	if (r < 0)
		printf("%s: errno %d\n", what, errno);
	else
		printf("%s: %s\n", what, r == 0 ? "equal" : "differ");
}

static void both(const char *what, pid_t a, pid_t b, int type, long i1, long i2) {
	long r1 = kcmp(a, b, type, i1, i2), r2 = kcmp(b, a, type, i2, i1);
	show(what, r1);
	if (r1 > 0 && r2 > 0 && r1 + r2 != 3)
		printf("%s: order not symmetric\n", what);
}

static pid_t thread_tid;
static volatile int thread_go;

static void *thread_main(void *arg) {
	(void)arg;
	thread_tid = syscall(SYS_gettid);
	while (!thread_go)
		usleep(1000);
	return NULL;
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	pid_t self = getpid();
	int a = open("/proc/self/status", O_RDONLY), b = open("/proc/self/status", O_RDONLY), c = dup(a);

	both("file: same fd", self, self, KCMP_FILE, a, a);
	both("file: dup", self, self, KCMP_FILE, a, c);
	both("file: two opens", self, self, KCMP_FILE, a, b);
	both("vm: self", self, self, KCMP_VM, 0, 0);

	pthread_t th;
	pthread_create(&th, NULL, thread_main, NULL);
	while (!thread_tid)
		usleep(1000);
	both("thread: vm", self, thread_tid, KCMP_VM, 0, 0);
	both("thread: files", self, thread_tid, KCMP_FILES, 0, 0);
	both("thread: fs", self, thread_tid, KCMP_FS, 0, 0);
	both("thread: sighand", self, thread_tid, KCMP_SIGHAND, 0, 0);
	both("thread: file", self, thread_tid, KCMP_FILE, a, a);
	thread_go = 1;
	pthread_join(th, NULL);

	int ready[2], hold[2];
	pipe(ready);
	pipe(hold);
	pid_t child = fork();
	if (child == 0) {
		char x;
		write(ready[1], "r", 1);
		read(hold[0], &x, 1);
		_exit(0);
	}
	char x;
	read(ready[0], &x, 1);
	both("fork: vm", self, child, KCMP_VM, 0, 0);
	both("fork: files", self, child, KCMP_FILES, 0, 0);
	both("fork: fs", self, child, KCMP_FS, 0, 0);
	both("fork: sighand", self, child, KCMP_SIGHAND, 0, 0);
	both("fork: inherited file", self, child, KCMP_FILE, a, a);
	both("fork: other file", self, child, KCMP_FILE, a, b);
	errno = 0;
	show("fork: bad fd", kcmp(self, child, KCMP_FILE, a, 999));
	errno = 0;
	show("bad type", kcmp(self, self, 99, 0, 0));
	errno = 0;
	show("no such pid", kcmp(self, 999999, KCMP_VM, 0, 0));
	write(hold[1], "g", 1);
	waitpid(child, NULL, 0);
	return 0;
}
