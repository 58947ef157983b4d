// clock_settime: Linux's answers for the clocks that cannot be set
// (EINVAL, before the time is read), bad times and pointers, and the CPU
// clocks (EPERM once the id names one, EINVAL otherwise). Setting
// CLOCK_REALTIME itself is not compared: natively it would change the
// host's clock (TestClockSettime checks elfloader's EPERM on its own).
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "errname.h"

static void res(const char *what, long r) {
	if (r < 0)
		printf("%s -1 %s\n", what, errname(errno));
	else
		printf("%s %ld\n", what, r);
}

static long settime(long id, const void *ts) { return syscall(SYS_clock_settime, id, ts); }

int main(int argc, char **argv) {
	struct timespec ts = {5, 0};
	if (argc > 1 && !strcmp(argv[1], "realtime")) {
		// Only under elfloader: the current time, refused.
		clock_gettime(CLOCK_REALTIME, &ts);
		res("realtime now", settime(CLOCK_REALTIME, &ts));
		return 0;
	}
	struct timespec bad = {5, 2000000000}, neg = {-1, 0};
	const struct {
		const char *name;
		long id;
	} clocks[] = {
		{"MONOTONIC", CLOCK_MONOTONIC},
		{"MONOTONIC_RAW", CLOCK_MONOTONIC_RAW},
		{"REALTIME_COARSE", CLOCK_REALTIME_COARSE},
		{"MONOTONIC_COARSE", CLOCK_MONOTONIC_COARSE},
		{"BOOTTIME", CLOCK_BOOTTIME},
		{"REALTIME_ALARM", 8},
		{"BOOTTIME_ALARM", 9},
		{"TAI", 11},
		{"PROCESS_CPUTIME_ID", CLOCK_PROCESS_CPUTIME_ID},
		{"THREAD_CPUTIME_ID", CLOCK_THREAD_CPUTIME_ID},
		{"10 (none)", 10},
		{"99 (none)", 99},
		{"-1 (bad CPU clock kind)", -1},
	};
	for (unsigned i = 0; i < sizeof clocks / sizeof clocks[0]; i++)
		res(clocks[i].name, settime(clocks[i].id, &ts));
	res("MONOTONIC bad pointer", settime(CLOCK_MONOTONIC, (void *)8));
	res("99 bad pointer", settime(99, (void *)8));
	res("REALTIME bad pointer", settime(CLOCK_REALTIME, (void *)8));
	res("REALTIME bad nsec", settime(CLOCK_REALTIME, &bad));
	res("REALTIME negative", settime(CLOCK_REALTIME, &neg));

	clockid_t c;
	clock_getcpuclockid(getpid(), &c);
	res("own process CPU clock", settime(c, &ts));
	pthread_getcpuclockid(pthread_self(), &c);
	res("own thread CPU clock", settime(c, &ts));
	res("no such process CPU clock", settime((~999999L << 3) | 2, &ts));
	return 0;
}
