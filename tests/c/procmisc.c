// procmisc: process and clock calls, one scenario per argument: wait
// (wait4/waitid's __WCLONE, __WALL, __WNOTHREAD), personality.
// Every line printed is compared with the native run (as root).
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errname.h"

static const char *res(long r) {
	static char buf[64];
	if (r < 0)
		snprintf(buf, sizeof buf, "-1 %s", errname(errno));
	else
		snprintf(buf, sizeof buf, "%ld", r);
	return buf;
}

// ---- wait ----

static char child_stack[64 << 10] __attribute__((aligned(16)));

static int clone_child(void *arg) { _exit((int)(long)arg); }

// waitres prints what a wait4 answered, relative to the expected pid.
static void waitres_(const char *what, pid_t want, pid_t got, int st) {
	if (got < 0)
		printf("%s: -1 %s\n", what, errname(errno));
	else if (got == 0)
		printf("%s: 0\n", what);
	else
		printf("%s: %s exited %d code %d\n", what, got == want ? "child" : "other", WIFEXITED(st), WEXITSTATUS(st));
}

// WAITRES runs the wait before reading the status it filled.
#define WAITRES(what, want, call)                \
	do {                                     \
		pid_t got_ = (call);             \
		waitres_(what, want, got_, st);  \
	} while (0)

static pid_t thread_child;
static void *forker(void *arg) {
	(void)arg;
	thread_child = fork();
	if (thread_child == 0)
		_exit(9);
	usleep(100000);
	return NULL;
}

static void wait_flags(void) {
	int st = 0;
	// A clone child with exit signal 0 is a "clone" child.
	pid_t c = clone(clone_child, child_stack + sizeof child_stack, 0, (void *)3);
	if (c < 0) {
		printf("clone: %s\n", errname(errno));
		return;
	}
	usleep(50000);
	WAITRES("clone child, no flag", c, wait4(c, &st, WNOHANG, NULL));
	WAITRES("clone child, any, no flag", c, wait4(-1, &st, WNOHANG, NULL));
	siginfo_t si;
	memset(&si, 0, sizeof si);
	printf("waitid clone child WNOWAIT|__WCLONE: %s", res(waitid(P_PID, c, &si, WEXITED | WNOWAIT | __WCLONE)));
	printf(" signo %d code %d status %d pidok %d\n", si.si_signo, si.si_code, si.si_status, si.si_pid == c);
	WAITRES("clone child, __WCLONE", c, wait4(c, &st, __WCLONE, NULL));

	// A fork child (SIGCHLD) is not seen with __WCLONE, is with __WALL.
	pid_t f = fork();
	if (f == 0)
		_exit(4);
	usleep(50000);
	WAITRES("fork child, __WCLONE", f, wait4(f, &st, __WCLONE | WNOHANG, NULL));
	WAITRES("fork child, __WALL", f, wait4(f, &st, __WALL, NULL));

	// A clone child with __WALL.
	c = clone(clone_child, child_stack + sizeof child_stack, 0, (void *)5);
	WAITRES("clone child, __WALL", c, wait4(-1, &st, __WALL, NULL));

	// __WNOTHREAD: another thread's child is not the caller's.
	pthread_t th;
	pthread_create(&th, NULL, forker, NULL);
	usleep(50000);
	WAITRES("thread's child, __WNOTHREAD", thread_child, wait4(-1, &st, __WNOTHREAD | WNOHANG, NULL));
	WAITRES("thread's child, no flag", thread_child, wait4(-1, &st, 0, NULL));
	pthread_join(th, NULL);

	errno = 0;
	printf("bad wait4 flag: %s\n", res(wait4(-1, &st, 0x100, NULL)));
	printf("bad waitid flag: %s\n", res(waitid(P_ALL, 0, &si, WEXITED | 0x100)));
	printf("no children __WALL: %s\n", res(wait4(-1, &st, __WALL | WNOHANG, NULL)));
}

// ---- personality ----

#include <sys/mman.h>
#include <sys/personality.h>

static void show_file(const char *label, const char *path) {
	char buf[256] = {0};
	FILE *f = fopen(path, "r");
	if (!f) {
		printf("%s: %s\n", label, errname(errno));
		return;
	}
	if (!fgets(buf, sizeof buf, f))
		buf[0] = 0;
	fclose(f);
	printf("%s: %s", label, buf);
}

// map_perms prints the permissions /proc/self/maps shows for addr.
static void map_perms(const char *label, void *addr) {
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long a = (unsigned long)addr;
	while (f && fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && a >= lo && a < hi) {
			printf("%s: %s\n", label, perms);
			fclose(f);
			return;
		}
	}
	printf("%s: not mapped\n", label);
	if (f)
		fclose(f);
}

static void *pers_thread(void *arg) {
	(void)arg;
	printf("thread inherits %#x\n", personality(0xffffffff));
	printf("thread sets PER_BSD, old %#x\n", personality(PER_BSD));
	char path[64];
	snprintf(path, sizeof path, "/proc/self/task/%ld/personality", (long)syscall(SYS_gettid));
	show_file("thread's /proc file", path);
	return NULL;
}

static void personality_calls(const char *self) {
	printf("query %#x\n", personality(0xffffffff));
	printf("set, old %#x\n", personality(PER_LINUX | ADDR_NO_RANDOMIZE | READ_IMPLIES_EXEC));
	printf("query %#x\n", personality(0xffffffff));
	show_file("/proc/self/personality", "/proc/self/personality");
	void *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	map_perms("READ_IMPLIES_EXEC anon PROT_READ", m);
	void *w = mmap(NULL, 4096, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	map_perms("READ_IMPLIES_EXEC anon PROT_WRITE", w);
	pthread_t th;
	pthread_create(&th, NULL, pers_thread, NULL);
	pthread_join(th, NULL);
	printf("main after thread %#x\n", personality(0xffffffff));
	pid_t f = fork();
	if (f == 0) {
		printf("fork child %#x\n", personality(0xffffffff));
		_exit(0);
	}
	int st;
	waitpid(f, &st, 0);
	f = fork();
	if (f == 0) {
		execl(self, self, "personality-exec", (char *)NULL);
		printf("exec: %s\n", errname(errno));
		_exit(1);
	}
	waitpid(f, &st, 0);
	printf("set 0, old %#x\n", personality(0));
	printf("query %#x\n", personality(0xffffffff));
}

static void personality_exec(void) {
	printf("after exec %#x\n", personality(0xffffffff));
	show_file("after exec /proc/self/personality", "/proc/self/personality");
	void *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	map_perms("after exec anon PROT_READ", m);
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IONBF, 0);
	const char *s = argc > 1 ? argv[1] : "";
	if (!strcmp(s, "wait"))
		wait_flags();
	else if (!strcmp(s, "personality"))
		personality_calls(argv[0]);
	else if (!strcmp(s, "personality-exec"))
		personality_exec();
	else {
		printf("unknown scenario %s\n", s);
		return 2;
	}
	return 0;
}
