/*
 * sig_alarm: SIGALRM from alarm() (with the remaining-seconds return
 * value), from setitimer(ITIMER_REAL) one-shot and periodic (getitimer
 * while armed and after), and from POSIX timers: timer_create with
 * SIGEV_SIGNAL and a value, one-shot (taken with sigwaitinfo: SI_TIMER and
 * the value) and periodic (handler counts ticks), timer_gettime,
 * disarming, timer_delete, and a timer with TIMER_ABSTIME.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms, ticks;
static volatile int tick_code, tick_value;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void on_tick(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	ticks++;
	tick_code = si->si_code;
	tick_value = si->si_value.sival_int;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);

	/* alarm: the return value is the old alarm's remaining seconds. */
	printf("alarm(10) returned %u\n", alarm(10));
	printf("alarm(0) returned %u\n", alarm(0));
	printf("alarm(0) again returned %u\n", alarm(0));
	alarm(1);
	while (alarms == 0)
		pause();
	printf("alarm fired: alarms=%d\n", (int)alarms);

	/* setitimer one-shot. */
	struct itimerval it = {{0, 0}, {0, 100000}}, cur;
	setitimer(ITIMER_REAL, &it, NULL);
	getitimer(ITIMER_REAL, &cur);
	printf("getitimer armed: value in (0,100ms]=%d interval zero=%d\n",
	       (cur.it_value.tv_sec == 0 && cur.it_value.tv_usec > 0 && cur.it_value.tv_usec <= 100000),
	       cur.it_interval.tv_sec == 0 && cur.it_interval.tv_usec == 0);
	while (alarms == 1)
		pause();
	getitimer(ITIMER_REAL, &cur);
	printf("setitimer one-shot fired: alarms=%d disarmed=%d\n", (int)alarms,
	       cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);

	/* setitimer periodic: five ticks, then disarm. */
	struct itimerval periodic = {{0, 10000}, {0, 10000}};
	setitimer(ITIMER_REAL, &periodic, NULL);
	while (alarms < 7)
		pause();
	struct itimerval off = {{0, 0}, {0, 0}}, was;
	setitimer(ITIMER_REAL, &off, &was);
	printf("setitimer periodic: alarms>=7=%d old interval=%ldus\n", alarms >= 7, (long)was.it_interval.tv_usec);

	/* POSIX timer, one-shot, taken synchronously. */
	sigset_t rt;
	sigemptyset(&rt);
	sigaddset(&rt, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &rt, NULL);
	struct sigevent sev;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGRTMIN;
	sev.sigev_value.sival_int = 77;
	timer_t timer;
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) != 0) {
		printf("timer_create: %s\n", strerror(errno));
		return 1;
	}
	struct itimerspec spec = {{0, 0}, {0, 50 * 1000000L}}, got;
	printf("timer_settime: %d\n", timer_settime(timer, 0, &spec, NULL));
	timer_gettime(timer, &got);
	printf("timer_gettime armed: value in (0,50ms]=%d\n",
	       got.it_value.tv_sec == 0 && got.it_value.tv_nsec > 0 && got.it_value.tv_nsec <= 50 * 1000000L);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	int sig = sigwaitinfo(&rt, &si);
	printf("timer signal: sig is SIGRTMIN=%d code SI_TIMER=%d value=%d\n", sig == SIGRTMIN,
	       si.si_code == SI_TIMER, si.si_value.sival_int);
	timer_gettime(timer, &got);
	printf("timer_gettime after expiry: zero=%d\n", got.it_value.tv_sec == 0 && got.it_value.tv_nsec == 0);
	printf("timer_getoverrun: %d\n", timer_getoverrun(timer));

	/* POSIX timer, periodic, delivered to a handler. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_tick;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGRTMIN, &sa, NULL);
	sigprocmask(SIG_UNBLOCK, &rt, NULL);
	struct itimerspec every = {{0, 5 * 1000000L}, {0, 5 * 1000000L}};
	timer_settime(timer, 0, &every, NULL);
	while (ticks < 5)
		pause();
	struct itimerspec stop = {{0, 0}, {0, 0}}, old;
	timer_settime(timer, 0, &stop, &old);
	printf("periodic timer: ticks>=5=%d code SI_TIMER=%d value=%d old interval=%ldns\n", ticks >= 5,
	       tick_code == SI_TIMER, tick_value, old.it_interval.tv_nsec);
	int before = ticks;
	struct timespec nap = {0, 30 * 1000000L};
	nanosleep(&nap, NULL);
	printf("disarmed timer stays quiet: %d\n", ticks == before);

	/* Absolute expiry on CLOCK_REALTIME. */
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	timer_t abs_timer;
	sev.sigev_value.sival_int = 88;
	timer_create(CLOCK_REALTIME, &sev, &abs_timer);
	struct itimerspec at = {{0, 0}, {now.tv_sec, now.tv_nsec}};
	at.it_value.tv_nsec += 20 * 1000000L;
	if (at.it_value.tv_nsec >= 1000000000L) {
		at.it_value.tv_sec++;
		at.it_value.tv_nsec -= 1000000000L;
	}
	before = ticks;
	timer_settime(abs_timer, TIMER_ABSTIME, &at, NULL);
	while (ticks == before)
		pause();
	printf("absolute timer fired: value=%d\n", tick_value);

	printf("timer_delete: %d %d\n", timer_delete(timer), timer_delete(abs_timer));
	errno = 0;
	printf("timer_gettime deleted fails: %d\n", timer_gettime(timer, &got) == -1);
	return 0;
}
