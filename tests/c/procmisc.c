// procmisc: process and clock calls, one scenario per argument: wait
// (wait4/waitid's __WCLONE, __WALL, __WNOTHREAD), personality, sched (sched_setattr/getattr), clock\n// (adjtimex, clock_adjtime, settimeofday), membarrier.
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
static int forked_pipe[2], done_pipe[2];
/* Forks, then lives until the main thread's waits are done: its children
 * go to another thread of the process when it ends (no sleep decides). */
static void *forker(void *arg) {
	(void)arg;
	thread_child = fork();
	if (thread_child == 0)
		_exit(9);
	char b = 1;
	if (write(forked_pipe[1], &b, 1) != 1 || read(done_pipe[0], &b, 1) != 1)
		perror("forker");
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
	char b = 0;
	if (pipe(forked_pipe) != 0 || pipe(done_pipe) != 0) {
		perror("pipe");
		return;
	}
	pthread_create(&th, NULL, forker, NULL);
	if (read(forked_pipe[0], &b, 1) != 1)
		perror("read");
	memset(&si, 0, sizeof si);
	waitid(P_PID, thread_child, &si, WEXITED | WNOWAIT); /* it has exited, unreaped */
	WAITRES("thread's child, __WNOTHREAD", thread_child, wait4(-1, &st, __WNOTHREAD | WNOHANG, NULL));
	WAITRES("thread's child, no flag", thread_child, wait4(-1, &st, 0, NULL));
	if (write(done_pipe[1], &b, 1) != 1)
		perror("write");
	pthread_join(th, NULL);
	close(forked_pipe[0]), close(forked_pipe[1]), close(done_pipe[0]), close(done_pipe[1]);

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

// ---- sched ----

#include <stdint.h>
#include <sys/resource.h>

// struct sched_attr and its flags (include/uapi/linux/sched/types.h,
// linux/sched.h), defined here: glibc and musl differ in what they export.
struct sched_attr {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
	uint32_t sched_util_min, sched_util_max;
};
#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif
#define SCHED_FLAG_RESET_ON_FORK 0x01
#define SCHED_FLAG_KEEP_POLICY 0x08
#define SCHED_FLAG_KEEP_PARAMS 0x10
#define SCHED_FLAG_UTIL_CLAMP_MIN 0x20
#define SCHED_FLAG_UTIL_CLAMP_MAX 0x40

static long setattr(pid_t pid, void *attr, unsigned flags) { return syscall(SYS_sched_setattr, pid, attr, flags); }
static long getattr(pid_t pid, void *attr, unsigned size, unsigned flags) {
	return syscall(SYS_sched_getattr, pid, attr, size, flags);
}

static void show_attr(const char *label, pid_t pid) {
	struct sched_attr a;
	memset(&a, 0xee, sizeof a);
	long r = getattr(pid, &a, sizeof a, 0);
	if (r < 0) {
		printf("%s: getattr %s\n", label, res(r));
		return;
	}
	printf("%s: size %u policy %u flags %#llx nice %d prio %u rt %llu dl %llu per %llu util %u..%u\n", label, a.size,
	       a.sched_policy, (unsigned long long)a.sched_flags, a.sched_nice, a.sched_priority,
	       (unsigned long long)a.sched_runtime, (unsigned long long)a.sched_deadline,
	       (unsigned long long)a.sched_period, a.sched_util_min, a.sched_util_max);
}

static void set_show(const char *label, struct sched_attr *a) {
	errno = 0;
	printf("%s: %s", label, res(setattr(0, a, 0)));
	printf(" size now %u\n", a->size);
}

static void sched_attr_calls(void) {
	show_attr("initial", 0);
	unsigned char big[128];
	memset(big, 0xee, sizeof big);
	printf("getattr size 48: %s", res(getattr(0, big, 48, 0)));
	printf(" size %u byte48 %#x\n", *(unsigned *)big, big[48]);
	memset(big, 0xee, sizeof big);
	printf("getattr size 100: %s", res(getattr(0, big, 100, 0)));
	printf(" size %u byte56 %#x\n", *(unsigned *)big, big[56]);
	printf("getattr size 47: %s\n", res(getattr(0, big, 47, 0)));
	printf("getattr size 4097: %s\n", res(getattr(0, big, 4097, 0)));
	printf("getattr flags 1: %s\n", res(getattr(0, big, 56, 1)));
	printf("getattr pid -1: %s\n", res(getattr(-1, big, 56, 0)));
	printf("getattr NULL: %s\n", res(getattr(0, NULL, 56, 0)));
	printf("getattr no such pid: %s\n", res(getattr(999999, big, 56, 0)));
	printf("getattr bad pointer: %s\n", res(getattr(0, (void *)8, 56, 0)));

	struct sched_attr a = {0};
	a.sched_policy = SCHED_OTHER;
	a.sched_nice = 5;
	set_show("setattr size 0 nice 5", &a);
	printf("getpriority %d\n", getpriority(PRIO_PROCESS, 0));
	show_attr("after nice 5", 0);
	memset(big, 0, sizeof big);
	struct sched_attr *b = (struct sched_attr *)big;
	b->size = 64;
	b->sched_policy = SCHED_BATCH;
	b->sched_nice = 3;
	set_show("setattr size 64 zero tail", b);
	show_attr("batch", 0);
	b->size = 64;
	big[60] = 1;
	set_show("setattr size 64 nonzero tail", b);
	big[60] = 0;
	b->size = 40;
	set_show("setattr size 40", b);
	b->size = 5000;
	set_show("setattr size 5000", b);
	printf("setattr bad pointer: %s\n", res(setattr(0, (void *)8, 0)));
	printf("setattr NULL: %s\n", res(setattr(0, NULL, 0)));
	b->size = 56;
	printf("setattr flags 1: %s\n", res(setattr(0, b, 1)));
	printf("setattr pid -1: %s\n", res(setattr(-1, b, 0)));
	printf("setattr no such pid: %s\n", res(setattr(999999, b, 0)));

	struct sched_attr e;
#define TRY(label, ...)                                   \
	do {                                              \
		e = (struct sched_attr){.size = 56, __VA_ARGS__}; \
		set_show(label, &e);                      \
	} while (0)
	TRY("fifo prio 0", .sched_policy = SCHED_FIFO);
	TRY("other prio 5", .sched_policy = SCHED_OTHER, .sched_priority = 5);
	TRY("policy 4", .sched_policy = 4);
	TRY("policy 7", .sched_policy = 7);
	TRY("policy -1", .sched_policy = (unsigned)-1);
	TRY("prio 100", .sched_policy = SCHED_FIFO, .sched_priority = 100);
	TRY("unknown flag", .sched_policy = SCHED_OTHER, .sched_flags = 0x80);
	TRY("sugov", .sched_policy = SCHED_OTHER, .sched_flags = 0x10000000);
	TRY("deadline runtime 0", .sched_policy = SCHED_DEADLINE, .sched_deadline = 30000000, .sched_period = 100000000);
	TRY("deadline runtime > deadline", .sched_policy = SCHED_DEADLINE, .sched_runtime = 40000000, .sched_deadline = 30000000);
	TRY("deadline period too short", .sched_policy = SCHED_DEADLINE, .sched_runtime = 10000, .sched_deadline = 50000);
	TRY("deadline period > 4s", .sched_policy = SCHED_DEADLINE, .sched_runtime = 10000000, .sched_deadline = 30000000, .sched_period = 5000000000ULL);
	TRY("util clamp size 48", .size = 48, .sched_policy = SCHED_OTHER, .sched_flags = SCHED_FLAG_UTIL_CLAMP_MIN);
	TRY("nice 50 clamped", .sched_policy = SCHED_OTHER, .sched_nice = 50);
	show_attr("after nice 50", 0);
	TRY("nice -3 as root", .sched_policy = SCHED_OTHER, .sched_nice = -3);
	TRY("keep policy, reset on fork", .sched_policy = SCHED_FIFO, .sched_flags = SCHED_FLAG_KEEP_POLICY | SCHED_FLAG_RESET_ON_FORK);
	show_attr("after keep policy", 0);
	TRY("reset on fork", .sched_policy = SCHED_BATCH, .sched_nice = -2, .sched_flags = SCHED_FLAG_RESET_ON_FORK);
	show_attr("reset on fork", 0);
	pid_t f = fork();
	if (f == 0) {
		show_attr("fork child of reset-on-fork", 0);
		_exit(0);
	}
	int st;
	waitpid(f, &st, 0);
	TRY("keep params", .sched_policy = SCHED_OTHER, .sched_nice = 10, .sched_flags = SCHED_FLAG_KEEP_PARAMS | SCHED_FLAG_RESET_ON_FORK);
	show_attr("after keep params", 0);
	TRY("custom slice 50us", .sched_policy = SCHED_OTHER, .sched_runtime = 50000);
	show_attr("slice 50us", 0);
	TRY("custom slice 200ms", .sched_policy = SCHED_BATCH, .sched_runtime = 200000000);
	show_attr("slice 200ms", 0);
	TRY("drop reset on fork", .sched_policy = SCHED_OTHER, .sched_nice = 0);
	show_attr("back to other", 0);

	// Real-time and deadline policies only in children that exit at once.
	f = fork();
	if (f == 0) {
		TRY("child fifo 10", .sched_policy = SCHED_FIFO, .sched_priority = 10);
		show_attr("child fifo", 0);
		printf("getscheduler %d\n", sched_getscheduler(0));
		_exit(0);
	}
	waitpid(f, &st, 0);
	f = fork();
	if (f == 0) {
		if (setuid(65534) != 0)
			printf("setuid: %s\n", errname(errno));
		TRY("unprivileged deadline", .sched_policy = SCHED_DEADLINE, .sched_runtime = 10000000, .sched_deadline = 30000000, .sched_period = 100000000);
		TRY("unprivileged fifo", .sched_policy = SCHED_FIFO, .sched_priority = 1);
		TRY("unprivileged nice -1", .sched_policy = SCHED_OTHER, .sched_nice = -1);
		TRY("unprivileged nice 7", .sched_policy = SCHED_OTHER, .sched_nice = 7);
		show_attr("unprivileged", 0);
		printf("unprivileged on parent: %s\n", res(setattr(getppid(), &e, 0)));
		_exit(0);
	}
	waitpid(f, &st, 0);
	f = fork();
	if (f == 0) {
		TRY("root deadline", .sched_policy = SCHED_DEADLINE, .sched_runtime = 10000000, .sched_deadline = 30000000, .sched_period = 100000000);
		show_attr("deadline", 0);
		printf("getscheduler %d\n", sched_getscheduler(0));
		_exit(0);
	}
	waitpid(f, &st, 0);
}

// ---- clock ----

#include <sys/time.h>
#include <sys/timex.h>

static void show_timex(const char *label, long r, struct timex *tx) {
	if (r < 0) {
		printf("%s: -1 %s\n", label, errname(errno));
		return;
	}
	struct timeval now;
	gettimeofday(&now, NULL);
	long skew = labs(now.tv_sec - tx->time.tv_sec);
	printf("%s: state %ld modes %#x tick %ld constant %ld precision %ld tolerance %ld status %#x tai %d time-near %d\n",
	       label, r, tx->modes, tx->tick, tx->constant, tx->precision, tx->tolerance, tx->status, tx->tai, skew <= 1);
}

static long clock_adj(clockid_t id, struct timex *tx) { return syscall(SYS_clock_adjtime, id, tx); }

// Changes are only tried in forms Linux refuses before it changes
// anything: the native run is root and must not touch the host's clock.
static void clock_calls(void) {
	struct timex tx;
	memset(&tx, 0, sizeof tx);
	show_timex("adjtimex read", adjtimex(&tx), &tx);
	memset(&tx, 0, sizeof tx);
	tx.modes = ADJ_OFFSET_SS_READ;
	show_timex("adjtimex ADJ_OFFSET_SS_READ", adjtimex(&tx), &tx);
	memset(&tx, 0, sizeof tx);
	show_timex("clock_adjtime REALTIME read", clock_adj(CLOCK_REALTIME, &tx), &tx);
#define ADJ(label, ...)                                          \
	do {                                                     \
		memset(&tx, 0, sizeof tx);                       \
		__VA_ARGS__;                                     \
		printf("%s: %s\n", label, res(adjtimex(&tx)));   \
	} while (0)
	ADJ("bad tick", tx.modes = ADJ_TICK; tx.tick = 5);
	ADJ("setoffset negative usec", tx.modes = ADJ_SETOFFSET; tx.time.tv_usec = -1);
	ADJ("setoffset nano 1e9", tx.modes = ADJ_SETOFFSET | ADJ_NANO; tx.time.tv_usec = 1000000000);
	ADJ("adjtime without singleshot", tx.modes = 0x8000);
	ADJ("freq overflow", tx.modes = ADJ_FREQUENCY; tx.freq = 0x7fffffffffffffffL);
	printf("adjtimex bad pointer: %s\n", res(adjtimex((struct timex *)8)));
	memset(&tx, 0, sizeof tx);
	printf("clock_adjtime MONOTONIC: %s\n", res(clock_adj(CLOCK_MONOTONIC, &tx)));
	printf("clock_adjtime TAI: %s\n", res(clock_adj(CLOCK_TAI, &tx)));
	printf("clock_adjtime 10: %s\n", res(clock_adj(10, &tx)));
	printf("clock_adjtime 12: %s\n", res(clock_adj(12, &tx)));
	printf("clock_adjtime process cpu: %s\n", res(clock_adj(CLOCK_PROCESS_CPUTIME_ID, &tx)));
	printf("clock_adjtime bad pointer: %s\n", res(clock_adj(CLOCK_REALTIME, (struct timex *)8)));
	printf("clock_adjtime MONOTONIC bad pointer: %s\n", res(clock_adj(CLOCK_MONOTONIC, (struct timex *)8)));

	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct timeval badtv = {.tv_sec = tv.tv_sec, .tv_usec = 1000000};
	printf("settimeofday usec 1e6: %s\n", res(settimeofday(&badtv, NULL)));
	badtv.tv_usec = -1;
	printf("settimeofday usec -1: %s\n", res(settimeofday(&badtv, NULL)));
	badtv = (struct timeval){.tv_sec = -5};
	printf("settimeofday sec -5: %s\n", res(settimeofday(&badtv, NULL)));
	printf("settimeofday bad pointer: %s\n", res(syscall(SYS_settimeofday, 8, 0)));
	printf("settimeofday bad tz pointer: %s\n", res(syscall(SYS_settimeofday, 0, 8)));
	struct timezone tz = {.tz_minuteswest = 1000};
	printf("settimeofday tz 1000 min: %s\n", res(syscall(SYS_settimeofday, 0, &tz)));
	printf("settimeofday NULL NULL: %s\n", res(syscall(SYS_settimeofday, 0, 0)));

	pid_t f = fork();
	if (f == 0) {
		if (setuid(65534) != 0)
			printf("setuid: %s\n", errname(errno));
		ADJ("unprivileged offset", tx.modes = ADJ_OFFSET; tx.offset = 1);
		ADJ("unprivileged singleshot", tx.modes = ADJ_OFFSET_SINGLESHOT; tx.offset = 1);
		ADJ("unprivileged bad tick", tx.modes = ADJ_TICK; tx.tick = 5);
		memset(&tx, 0, sizeof tx);
		show_timex("unprivileged read", adjtimex(&tx), &tx);
		memset(&tx, 0, sizeof tx);
		tx.modes = ADJ_OFFSET_SS_READ;
		show_timex("unprivileged ADJ_OFFSET_SS_READ", adjtimex(&tx), &tx);
		printf("unprivileged settimeofday: %s\n", res(settimeofday(&tv, NULL)));
		printf("unprivileged settimeofday NULL NULL: %s\n", res(syscall(SYS_settimeofday, 0, 0)));
		printf("unprivileged settimeofday tz 1000: %s\n", res(syscall(SYS_settimeofday, 0, &tz)));
		printf("unprivileged clock_settime: %s\n", res(clock_settime(CLOCK_REALTIME, &(struct timespec){tv.tv_sec, 0})));
		_exit(0);
	}
	int st;
	waitpid(f, &st, 0);
}

// ---- membarrier ----

// The commands (include/uapi/linux/membarrier.h; musl has no kernel headers).
enum {
	MEMBARRIER_CMD_QUERY = 0,
	MEMBARRIER_CMD_GLOBAL = 1 << 0,
	MEMBARRIER_CMD_GLOBAL_EXPEDITED = 1 << 1,
	MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED = 1 << 2,
	MEMBARRIER_CMD_PRIVATE_EXPEDITED = 1 << 3,
	MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED = 1 << 4,
	MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE = 1 << 5,
	MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE = 1 << 6,
	MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ = 1 << 7,
	MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ = 1 << 8,
	MEMBARRIER_CMD_GET_REGISTRATIONS_ = 1 << 9,
};

static long mb(int cmd, unsigned flags) { return syscall(SYS_membarrier, cmd, flags, 0); }

static void membarrier_calls(const char *self) {
	long q = mb(MEMBARRIER_CMD_QUERY, 0);
	// The RSEQ commands are left out: elfloader has no rseq.
	printf("query (without rseq bits): %s\n", res(q < 0 ? q : q & ~(MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ)));
	printf("query flags 1: %s\n", res(mb(MEMBARRIER_CMD_QUERY, 1)));
	printf("private unregistered: %s\n", res(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0)));
	printf("sync core unregistered: %s\n", res(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0)));
	printf("registrations: %s\n", res(mb(MEMBARRIER_CMD_GET_REGISTRATIONS_, 0)));
	printf("register private: %s\n", res(mb(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0)));
	printf("private: %s\n", res(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0)));
	printf("register sync core: %s\n", res(mb(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0)));
	printf("sync core: %s\n", res(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0)));
	printf("global: %s\n", res(mb(MEMBARRIER_CMD_GLOBAL, 0)));
	printf("register global expedited: %s\n", res(mb(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0)));
	printf("global expedited: %s\n", res(mb(MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0)));
	printf("registrations: %s\n", res(mb(MEMBARRIER_CMD_GET_REGISTRATIONS_, 0)));
	printf("bad flags: %s\n", res(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 2)));
	printf("bad command: %s\n", res(mb(1 << 12, 0)));
	pid_t f = fork();
	if (f == 0) {
		printf("fork child registrations: %s\n", res(mb(MEMBARRIER_CMD_GET_REGISTRATIONS_, 0)));
		printf("fork child private: %s\n", res(mb(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0)));
		execl(self, self, "membarrier-exec", (char *)NULL);
		_exit(1);
	}
	int st;
	waitpid(f, &st, 0);
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IONBF, 0);
	const char *s = argc > 1 ? argv[1] : "";
	if (!strcmp(s, "wait"))
		wait_flags();
	else if (!strcmp(s, "personality"))
		personality_calls(argv[0]);
	else if (!strcmp(s, "sched"))
		sched_attr_calls();
	else if (!strcmp(s, "clock"))
		clock_calls();
	else if (!strcmp(s, "membarrier"))
		membarrier_calls(argv[0]);
	else if (!strcmp(s, "membarrier-exec"))
		printf("after exec registrations: %s\n", res(mb(MEMBARRIER_CMD_GET_REGISTRATIONS_, 0)));
	else if (!strcmp(s, "personality-exec"))
		personality_exec();
	else {
		printf("unknown scenario %s\n", s);
		return 2;
	}
	return 0;
}
