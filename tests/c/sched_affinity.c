// sched_affinity: CPU affinity masks (a per-thread attribute: set, read
// back, inherited by a new thread and a forked child, read by thread id
// from another thread), Linux's error cases for both calls, and the
// scheduling policy and parameter of the parent process (read only: the
// native run must not change its parent).
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errname.h"

static const char *res(long r) {
	static char buf[32];
	if (r < 0)
		snprintf(buf, sizeof buf, "-1 %s", errname(errno));
	else
		snprintf(buf, sizeof buf, "%ld", r);
	return buf;
}

// show prints a mask as a CPU list.
static void show(const char *what, const cpu_set_t *s) {
	printf("%s:", what);
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, s))
			printf(" %d", i);
	printf("\n");
}

static void show_tid(const char *what, pid_t tid) {
	cpu_set_t s;
	CPU_ZERO(&s);
	if (sched_getaffinity(tid, sizeof s, &s) < 0) {
		printf("%s: -1 %s\n", what, errname(errno));
		return;
	}
	show(what, &s);
}

static cpu_set_t reduced; // the first CPU of the mask only
static pid_t main_tid;

// turn is whose move it is in the sched_yield ping-pong (0 main, 1 the
// other thread); each side yields its CPU while waiting for its turn.
static volatile int turn;
enum { yieldRounds = 200 };

static void *yielder(void *arg) {
	(void)arg;
	sched_setaffinity(0, sizeof reduced, &reduced);
	for (int i = 0; i < yieldRounds; i++) {
		while (turn != 1)
			sched_yield();
		turn = 0;
	}
	return NULL;
}

static void *thread(void *arg) {
	(void)arg;
	show_tid("thread inherits", 0);
	cpu_set_t all;
	CPU_ZERO(&all);
	sched_getaffinity(main_tid, sizeof all, &all);
	show("thread reads main by tid", &all);
	return NULL;
}

int main(void) {
	cpu_set_t s;
	CPU_ZERO(&s);
	printf("getaffinity %s\n", res(sched_getaffinity(0, sizeof s, &s)));
	int first = -1, n = CPU_COUNT(&s);
	for (int i = 0; i < CPU_SETSIZE && first < 0; i++)
		if (CPU_ISSET(i, &s))
			first = i;
	printf("cpus in mask >= 1: %d\n", n >= 1);
	CPU_ZERO(&reduced);
	CPU_SET(first, &reduced);

	// Raw lengths: a whole number of longs covering every CPU; the
	// answer is the kernel's cpumask size, whatever the buffer.
	unsigned long big[128];
	printf("raw len 4 %s\n", res(syscall(SYS_sched_getaffinity, 0, 4, big)));
	printf("raw len 12 %s\n", res(syscall(SYS_sched_getaffinity, 0, 12, big)));
	long r8 = syscall(SYS_sched_getaffinity, 0, 8, big);
	long r1024 = syscall(SYS_sched_getaffinity, 0, sizeof big, big);
	printf("raw len 8 and 1024 agree %d, a whole number of longs %d\n", r8 == r1024 || r1024 > 8, r1024 % 8 == 0);
	printf("raw bad pointer %s\n", res(syscall(SYS_sched_getaffinity, 0, 8, (void *)8)));
	printf("getaffinity bad pid %s\n", res(sched_getaffinity(999999, sizeof s, &s)));
	printf("getaffinity negative pid %s\n", res(sched_getaffinity(-1, sizeof s, &s)));

	cpu_set_t empty;
	CPU_ZERO(&empty);
	printf("setaffinity empty %s\n", res(sched_setaffinity(0, sizeof empty, &empty)));
	cpu_set_t far;
	CPU_ZERO(&far);
	CPU_SET(CPU_SETSIZE - 1, &far);
	printf("setaffinity no such cpu %s\n", res(sched_setaffinity(0, sizeof far, &far)));
	printf("setaffinity bad pid %s\n", res(sched_setaffinity(999999, sizeof reduced, &reduced)));
	printf("setaffinity bad pointer %s\n", res(syscall(SYS_sched_setaffinity, 0, 8, (void *)8)));

	printf("setaffinity first cpu %s\n", res(sched_setaffinity(0, sizeof reduced, &reduced)));
	show_tid("after set", 0);
	show_tid("by pid", getpid());
	// A short mask (one byte) is padded with zeros.
	unsigned char one = 1u << first % 8;
	if (first < 8)
		printf("setaffinity 1 byte %s\n", res(syscall(SYS_sched_setaffinity, 0, 1, &one)));
	show_tid("after short set", 0);

	main_tid = gettid();
	pthread_t th;
	pthread_create(&th, NULL, thread, NULL);
	pthread_join(th, NULL);

	fflush(stdout);
	int go[2], ready[2];
	if (pipe(go) < 0 || pipe(ready) < 0)
		return 1;
	pid_t child = fork();
	if (child == 0) {
		show_tid("child inherits", 0);
		fflush(stdout);
		// Back to every CPU: the parent then reads the child's mask.
		sched_setaffinity(0, sizeof s, &s);
		char c = 0;
		write(ready[1], &c, 1);
		read(go[0], &c, 1);
		_exit(0);
	}
	char c;
	read(ready[0], &c, 1);
	show_tid("parent reads child", child);
	show_tid("parent keeps its own", 0);
	write(go[1], &c, 1);
	waitpid(child, NULL, 0);

	printf("setaffinity back %s\n", res(sched_setaffinity(0, sizeof s, &s)));
	show_tid("restored", 0);

	// sched_yield: 0, and two threads on one CPU that hand a turn back
	// and forth, each yielding while it waits, get through every round.
	printf("sched_yield %s\n", res(sched_yield()));
	sched_setaffinity(0, sizeof reduced, &reduced);
	pthread_t y;
	pthread_create(&y, NULL, yielder, NULL);
	int rounds = 0;
	for (; rounds < yieldRounds; rounds++) {
		turn = 1;
		while (turn != 0)
			sched_yield();
	}
	pthread_join(y, NULL);
	printf("yield ping-pong rounds %d\n", rounds);
	sched_setaffinity(0, sizeof s, &s);

	// The parent process: policy and parameter, read only.
	pid_t pp = getppid();
	printf("parent getscheduler %s\n", res(sched_getscheduler(pp)));
	struct sched_param sp = {.sched_priority = -7};
	long r = sched_getparam(pp, &sp);
	printf("parent getparam %s prio %d\n", res(r), sp.sched_priority);
	printf("getscheduler -1 %s\n", res(sched_getscheduler(-1)));
	return 0;
}
