// itimer_cpu: the CPU-time interval timers (setitimer/getitimer
// ITIMER_VIRTUAL and ITIMER_PROF), the CPU-time clocks (the process's, the
// thread's, clock_getcpuclockid's, pthread_getcpuclockid's) and POSIX
// timers on them, across fork (not inherited) and execve (itimers kept,
// POSIX timers gone). Counts are CPU-scheduling dependent: the program
// prints whether they fall in a broad range, never the counts themselves.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "errname.h"

static volatile sig_atomic_t nvt, nprof, nusr1, nusr2;
static volatile double fired_at_cpu; // process CPU seconds when SIGUSR1 came

static double cpu_of(clockid_t c) {
	struct timespec ts;
	if (clock_gettime(c, &ts) != 0)
		return -1;
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double pcpu(void) { return cpu_of(CLOCK_PROCESS_CPUTIME_ID); }

static void on_sig(int sig) {
	if (sig == SIGVTALRM)
		nvt++;
	else if (sig == SIGPROF)
		nprof++;
	else if (sig == SIGUSR1) {
		nusr1++;
		fired_at_cpu = pcpu();
	} else if (sig == SIGUSR2)
		nusr2++;
}

static volatile unsigned long sink;

// burn uses about secs of CPU (user time) on clock c.
static void burn_on(clockid_t c, double secs) {
	double start = cpu_of(c);
	while (cpu_of(c) - start < secs)
		for (int i = 0; i < 200000; i++)
			sink = sink * 31 + i;
}

static void burn(double secs) { burn_on(CLOCK_PROCESS_CPUTIME_ID, secs); }

static void handle(int sig) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sig;
	sa.sa_flags = SA_RESTART;
	sigaction(sig, &sa, NULL);
}

static int set(int which, long value_us, long interval_us) {
	struct itimerval it = {
		.it_interval = {interval_us / 1000000, interval_us % 1000000},
		.it_value = {value_us / 1000000, value_us % 1000000},
	};
	return setitimer(which, &it, NULL);
}

static long left_us(int which) {
	struct itimerval it;
	if (getitimer(which, &it) != 0)
		return -1;
	return it.it_value.tv_sec * 1000000L + it.it_value.tv_usec;
}

// show prints a call's result and, when it failed, its errno.
static void show(const char *what, long r) { printf("%s: %ld %s\n", what, r, r < 0 ? errname(errno) : "-"); }

static const char *range(long n, long lo, long hi) { return n >= lo && n <= hi ? "in range" : "OUT OF RANGE"; }

// count: a 50 ms interval timer over 0.5 s of CPU fires about 10 times.
static void count(int which, int sig, volatile sig_atomic_t *n, const char *name) {
	handle(sig);
	*n = 0;
	set(which, 50000, 50000);
	burn(0.5);
	set(which, 0, 0);
	long got = *n;
	printf("%s: 50ms over 0.5s of CPU: %s\n", name, range(got, 6, 11));
	if (got < 6 || got > 11)
		fprintf(stderr, "%s count %ld\n", name, got);
}

static void values(void) {
	struct itimerval it, old;
	set(ITIMER_VIRTUAL, 10000000, 250000);
	getitimer(ITIMER_VIRTUAL, &it);
	long a = it.it_value.tv_sec * 1000000L + it.it_value.tv_usec;
	printf("armed: value in (9.9s, 10.1s]: %d, interval %ld.%06ld\n", a > 9900000 && a <= 10100000,
	       (long)it.it_interval.tv_sec, (long)it.it_interval.tv_usec);
	burn(0.2);
	long b = left_us(ITIMER_VIRTUAL);
	printf("after 0.2s of CPU: decreased by at least 0.1s: %d, by at most 0.5s: %d\n", a - b >= 100000, a - b <= 500000);
	memset(&it, 0, sizeof it);
	setitimer(ITIMER_VIRTUAL, &it, &old);
	printf("disarm returns the old setting: value>0 %d interval %ld.%06ld\n",
	       old.it_value.tv_sec > 0 || old.it_value.tv_usec > 0, (long)old.it_interval.tv_sec, (long)old.it_interval.tv_usec);
	getitimer(ITIMER_VIRTUAL, &it);
	printf("after disarm: %ld.%06ld %ld.%06ld\n", (long)it.it_value.tv_sec, (long)it.it_value.tv_usec,
	       (long)it.it_interval.tv_sec, (long)it.it_interval.tv_usec);
	// ITIMER_PROF, and a one-shot: interval zero.
	set(ITIMER_PROF, 3000000, 0);
	getitimer(ITIMER_PROF, &it);
	printf("prof one-shot: armed %d interval %ld.%06ld\n", it.it_value.tv_sec >= 2, (long)it.it_interval.tv_sec,
	       (long)it.it_interval.tv_usec);
	set(ITIMER_PROF, 0, 0);
	printf("prof after disarm: %ld\n", left_us(ITIMER_PROF));
}

// sleeping: no CPU used, no SIGVTALRM (the wall-clock ITIMER_REAL fires).
static void sleeping(void) {
	handle(SIGVTALRM);
	handle(SIGPROF);
	handle(SIGALRM);
	nvt = nprof = 0;
	set(ITIMER_VIRTUAL, 30000, 30000);
	set(ITIMER_PROF, 30000, 30000);
	struct timespec ts = {0, 400000000};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	printf("sleeping 0.4s with 30ms CPU timers: SIGVTALRM %d SIGPROF %d\n", (int)nvt, (int)nprof);
	long v = left_us(ITIMER_VIRTUAL);
	printf("still armed, not expired: %d\n", v > 0 && v <= 40000);
	set(ITIMER_VIRTUAL, 0, 0);
	set(ITIMER_PROF, 0, 0);
}

static void posix_timer_on(clockid_t clock, const char *name, int busy_thread) {
	timer_t id;
	struct sigevent sev;
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR1;
	handle(SIGUSR1);
	if (timer_create(clock, &sev, &id) != 0) {
		printf("%s: timer_create: %s\n", name, errname(errno));
		return;
	}
	nusr1 = 0;
	struct itimerspec its = {.it_value = {0, 150000000}};
	double t0 = pcpu();
	timer_settime(id, 0, &its, NULL);
	struct timespec ts = {0, 200000000};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	struct itimerspec cur;
	timer_gettime(id, &cur);
	long left = cur.it_value.tv_sec * 1000000000L + cur.it_value.tv_nsec;
	printf("%s: not fired after sleeping 0.2s: %d, left in (0.1s, 0.15s]: %d\n", name, nusr1 == 0,
	       left > 100000000 && left <= 150000000);
	(void)busy_thread;
	double start = pcpu();
	while (nusr1 == 0 && pcpu() - start < 2)
		for (int i = 0; i < 200000; i++)
			sink = sink * 31 + i;
	double used = fired_at_cpu - t0;
	printf("%s: fired once after 0.15s of CPU (not early, at most 0.1s late): %d %d\n", name, (int)nusr1,
	       used >= 0.145 && used <= 0.25);
	if (used < 0.145 || used > 0.25)
		fprintf(stderr, "%s fired at %.3f\n", name, used);
	timer_gettime(id, &cur);
	printf("%s: disarmed after firing: %ld.%09ld\n", name, (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);
	// TIMER_ABSTIME on the CPU clock: already past, fires at once.
	nusr1 = 0;
	its.it_value.tv_sec = 0;
	its.it_value.tv_nsec = 1;
	timer_settime(id, TIMER_ABSTIME, &its, NULL);
	start = pcpu();
	while (nusr1 == 0 && pcpu() - start < 1)
		;
	printf("%s: absolute time in the past fires: %d\n", name, (int)nusr1);
	timer_delete(id);
}

static void *spin_thread(void *arg) {
	clockid_t *c = arg;
	pthread_getcpuclockid(pthread_self(), c);
	burn_on(*c, 0.3);
	return NULL;
}

static void clocks(void) {
	clockid_t c;
	int r = clock_getcpuclockid(0, &c);
	printf("clock_getcpuclockid(0): %d\n", r);
	double a = cpu_of(c), p = pcpu();
	printf("its clock reads the process clock: %d\n", a >= 0 && p - a < 0.05 && p >= a);
	r = clock_getcpuclockid(getpid(), &c);
	printf("clock_getcpuclockid(getpid()): %d\n", r);
	r = clock_getcpuclockid(999999, &c);
	printf("clock_getcpuclockid(999999): %s\n", r ? errname(r) : "0");
	struct timespec res;
	r = clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res);
	printf("clock_getres(process): %d, below a tick: %d\n", r, res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec < 10000000);
	struct timespec cres;
	r = clock_getres(c, &cres);
	printf("clock_getres(clock_getcpuclockid's): %d, same: %d\n", r, cres.tv_nsec == res.tv_nsec);
	// A thread's clock: pthread_getcpuclockid, read from another thread.
	clockid_t tc;
	pthread_t th;
	pthread_create(&th, NULL, spin_thread, &tc);
	pthread_join(th, NULL);
	double mine = cpu_of(CLOCK_THREAD_CPUTIME_ID);
	printf("main thread clock reads: %d\n", mine > 0);
	// The exited thread's time stays in the process clock.
	printf("process clock includes the exited thread: %d\n", pcpu() - mine >= 0.29);
	// Encoded as Linux's MAKE_PROCESS_CPUCLOCK / MAKE_THREAD_CPUCLOCK.
	clockid_t kind3 = (clockid_t)(-8 | 3); // pid 0, kind 3
	clockid_t nothread = (clockid_t)((-999999 - 1) * 8 | 4 | 2);
	show("bad encoded clock (kind 3)", clock_gettime(kind3, &res));
	show("thread clock of no thread", clock_gettime(nothread, &res));
	timer_t id;
	show("timer_create on it", timer_create(nothread, NULL, &id));
	show("clock_nanosleep on the thread clock", clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &res, NULL));
}

static void errors(void) {
	struct itimerval it = {{0, 0}, {1, 0}};
	show("setitimer(5)", setitimer(5, &it, NULL));
	show("getitimer(-1)", getitimer(-1, &it));
	it.it_value.tv_usec = 1000000;
	show("setitimer(VIRTUAL, usec 1000000)", setitimer(ITIMER_VIRTUAL, &it, NULL));
	it.it_value.tv_usec = -1;
	show("setitimer(PROF, usec -1)", setitimer(ITIMER_PROF, &it, NULL));
	show("getitimer(PROF, NULL)", syscall(SYS_getitimer, ITIMER_PROF, NULL));
	show("setitimer(VIRTUAL, bad address)", syscall(SYS_setitimer, ITIMER_VIRTUAL, (void *)8, NULL));
}

// fork: the child starts with no timers; execve: itimers stay.
static void inherit(const char *self) {
	set(ITIMER_VIRTUAL, 20000000, 0);
	set(ITIMER_PROF, 20000000, 1000000);
	pid_t pid = fork();
	if (pid == 0) {
		printf("fork child: virtual %ld prof %ld\n", left_us(ITIMER_VIRTUAL), left_us(ITIMER_PROF));
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	printf("parent keeps its timers: %d\n", left_us(ITIMER_VIRTUAL) > 0 && left_us(ITIMER_PROF) > 0);
	fflush(stdout);
	timer_t id;
	struct sigevent sev = {.sigev_notify = SIGEV_NONE};
	timer_create(CLOCK_MONOTONIC, &sev, &id);
	struct itimerspec its = {.it_value = {100, 0}};
	timer_settime(id, 0, &its, NULL);
	char idbuf[32];
	snprintf(idbuf, sizeof idbuf, "%ld", (long)(intptr_t)id);
	pid = fork();
	if (pid == 0) {
		execl(self, self, "afterexec", idbuf, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	set(ITIMER_VIRTUAL, 0, 0);
	set(ITIMER_PROF, 0, 0);
}

static void afterexec(const char *idarg) {
	// Arm in this process, exec again, and check after.
	printf("exec'd (from a fork child): virtual %ld\n", left_us(ITIMER_VIRTUAL));
	set(ITIMER_VIRTUAL, 20000000, 0);
	set(ITIMER_PROF, 20000000, 500000);
	timer_t id;
	struct sigevent sev = {.sigev_notify = SIGEV_NONE};
	timer_create(CLOCK_MONOTONIC, &sev, &id);
	char idbuf[32];
	snprintf(idbuf, sizeof idbuf, "%ld", (long)(intptr_t)id);
	(void)idarg;
	execl("/proc/self/exe", "itimer_cpu", "afterexec2", idbuf, (char *)NULL);
	printf("exec failed: %s\n", errname(errno));
}

static void afterexec2(const char *idarg) {
	long v = left_us(ITIMER_VIRTUAL);
	struct itimerval it;
	getitimer(ITIMER_PROF, &it);
	printf("after execve: virtual kept %d, prof kept %d interval %ld.%06ld\n", v > 19000000 && v <= 20100000,
	       it.it_value.tv_sec >= 19, (long)it.it_interval.tv_sec, (long)it.it_interval.tv_usec);
	struct itimerspec cur;
	timer_t id = (timer_t)(intptr_t)atol(idarg);
	show("after execve: timer_gettime on the old POSIX timer", timer_gettime(id, &cur));
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *what = argc > 1 ? argv[1] : "all";
	int all = !strcmp(what, "all");
	if (!strcmp(what, "afterexec")) {
		afterexec(argc > 2 ? argv[2] : "0");
		return 0;
	}
	if (!strcmp(what, "afterexec2")) {
		afterexec2(argc > 2 ? argv[2] : "0");
		return 0;
	}
	if (all || !strcmp(what, "count")) {
		count(ITIMER_VIRTUAL, SIGVTALRM, &nvt, "ITIMER_VIRTUAL");
		count(ITIMER_PROF, SIGPROF, &nprof, "ITIMER_PROF");
	}
	if (all || !strcmp(what, "values"))
		values();
	if (all || !strcmp(what, "sleeping"))
		sleeping();
	if (all || !strcmp(what, "posix")) {
		posix_timer_on(CLOCK_PROCESS_CPUTIME_ID, "CLOCK_PROCESS_CPUTIME_ID", 0);
		posix_timer_on(CLOCK_THREAD_CPUTIME_ID, "CLOCK_THREAD_CPUTIME_ID", 0);
		clockid_t c;
		clock_getcpuclockid(getpid(), &c);
		posix_timer_on(c, "clock_getcpuclockid(getpid())", 0);
	}
	if (all || !strcmp(what, "clocks"))
		clocks();
	if (all || !strcmp(what, "errors"))
		errors();
	if (all || !strcmp(what, "inherit"))
		inherit(argv[0]);
	return 0;
}
