/*
 * time_clocks: clock_gettime/clock_getres for the REALTIME, MONOTONIC,
 * BOOTTIME, CPU-time, COARSE and RAW clocks (resolutions are compared with
 * the native run; readings only for sanity and monotonicity), invalid
 * clocks (EINVAL), CPU clocks that advance with a busy loop, nanosleep and
 * clock_nanosleep with TIMER_ABSTIME (never early), gettimeofday and time
 * agreeing with CLOCK_REALTIME, times and getrusage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

static int64_t ns(struct timespec ts)
{
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t now(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return ns(ts);
}

static volatile unsigned long sink;

/* burn spins until this thread has used 30 ms of CPU (or 20 s passed, on
 * a hopelessly overloaded machine) and says whether it got there. */
static int burn(void)
{
	int64_t start = now(CLOCK_MONOTONIC), cpu = now(CLOCK_THREAD_CPUTIME_ID);
	while (now(CLOCK_THREAD_CPUTIME_ID) - cpu < 30000000) {
		if (now(CLOCK_MONOTONIC) - start > 20000000000LL)
			return 0;
		for (int i = 0; i < 10000; i++)
			sink += i;
	}
	return 1;
}

int main(void)
{
	struct {
		const char *name;
		clockid_t id;
	} clocks[] = {
		{"REALTIME", CLOCK_REALTIME},
		{"MONOTONIC", CLOCK_MONOTONIC},
		{"BOOTTIME", CLOCK_BOOTTIME},
		{"PROCESS_CPUTIME_ID", CLOCK_PROCESS_CPUTIME_ID},
		{"THREAD_CPUTIME_ID", CLOCK_THREAD_CPUTIME_ID},
		{"REALTIME_COARSE", CLOCK_REALTIME_COARSE},
		{"MONOTONIC_COARSE", CLOCK_MONOTONIC_COARSE},
		{"MONOTONIC_RAW", CLOCK_MONOTONIC_RAW},
	};
	for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		struct timespec res = {-1, -1}, a, b;
		int rr = clock_getres(clocks[i].id, &res);
		int ra = clock_gettime(clocks[i].id, &a);
		int rb = clock_gettime(clocks[i].id, &b);
		printf("%-18s getres=%d res=%ld.%09ld gettime=%d,%d nondecreasing=%d positive=%d\n", clocks[i].name,
		       rr, (long)res.tv_sec, res.tv_nsec, ra, rb, ns(b) >= ns(a), ns(a) > 0);
	}
	struct timespec ts;
	errno = 0;
	int r = clock_gettime(12345, &ts);
	printf("invalid clock 12345: %d errno EINVAL=%d\n", r, errno == EINVAL);
	errno = 0;
	r = clock_getres(-1000, &ts);
	printf("invalid getres -1000: %d errno EINVAL=%d\n", r, errno == EINVAL);

	/* The process window encloses the thread window. */
	int64_t p0 = now(CLOCK_PROCESS_CPUTIME_ID);
	int64_t t0 = now(CLOCK_THREAD_CPUTIME_ID);
	int burned = burn();
	int64_t t1 = now(CLOCK_THREAD_CPUTIME_ID);
	int64_t p1 = now(CLOCK_PROCESS_CPUTIME_ID);
	printf("busy until 30ms of thread cpu: reached=%d process cpu advanced as much=%d\n", burned,
	       p1 - p0 >= t1 - t0);

	int64_t m0 = now(CLOCK_MONOTONIC);
	struct timespec req = {0, 30000000};
	r = nanosleep(&req, NULL);
	printf("nanosleep 30ms: %d not early=%d\n", r, now(CLOCK_MONOTONIC) - m0 >= 30000000);

	struct timespec target;
	clock_gettime(CLOCK_MONOTONIC, &target);
	target.tv_nsec += 30000000;
	if (target.tv_nsec >= 1000000000) {
		target.tv_sec++;
		target.tv_nsec -= 1000000000;
	}
	r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, NULL);
	printf("clock_nanosleep ABSTIME MONOTONIC: %d not early=%d\n", r, now(CLOCK_MONOTONIC) >= ns(target));
	clock_gettime(CLOCK_REALTIME, &target);
	target.tv_nsec += 30000000;
	if (target.tv_nsec >= 1000000000) {
		target.tv_sec++;
		target.tv_nsec -= 1000000000;
	}
	r = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &target, NULL);
	printf("clock_nanosleep ABSTIME REALTIME: %d not early=%d\n", r, now(CLOCK_REALTIME) >= ns(target));
	struct timespec past = {1, 0};
	printf("clock_nanosleep ABSTIME in the past: %d\n", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL));
	req.tv_nsec = 30000000;
	m0 = now(CLOCK_MONOTONIC);
	r = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL);
	printf("clock_nanosleep relative: %d not early=%d\n", r, now(CLOCK_MONOTONIC) - m0 >= 30000000);
	struct timespec badreq = {0, 1000000000};
	errno = 0;
	r = nanosleep(&badreq, NULL);
	printf("nanosleep bad nsec: %d errno EINVAL=%d\n", r, errno == EINVAL);
	printf("clock_nanosleep THREAD_CPUTIME: %d\n", clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL));

	struct timeval tv;
	int64_t rt = now(CLOCK_REALTIME);
	gettimeofday(&tv, NULL);
	time_t t = time(NULL);
	int64_t tvns = (int64_t)tv.tv_sec * 1000000000 + (int64_t)tv.tv_usec * 1000;
	printf("gettimeofday within 1s of REALTIME=%d time within 2s=%d\n", tvns - rt < 1000000000 && tvns - rt > -1000000000,
	       (int64_t)t - rt / 1000000000 <= 2 && (int64_t)t - rt / 1000000000 >= -2);

	struct tms tm;
	clock_t c = times(&tm);
	printf("times: returned>0=%d utime+stime>0=%d\n", c != (clock_t)-1 && c > 0, tm.tms_utime + tm.tms_stime > 0);
	struct rusage ru;
	r = getrusage(RUSAGE_SELF, &ru);
	printf("getrusage SELF: %d cpu>=20ms=%d\n", r,
	       ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec >= 20000);
	printf("getrusage THREAD: %d\n", getrusage(RUSAGE_THREAD, &ru));
	errno = 0;
	r = getrusage(42, &ru);
	printf("getrusage bad who: %d errno EINVAL=%d\n", r, errno == EINVAL);
	return 0;
}
