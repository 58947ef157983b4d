/* net_event: eventfd (counter and EFD_SEMAPHORE, EFD_NONBLOCK), a periodic
 * timerfd (expiration counts, gettime, disarm), and poll, ppoll, select
 * and pselect on a pipe. The timer checks only lower bounds that hold on
 * any machine. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static void test_eventfd(void) {
	int e = eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC);
	uint64_t v = 0;
	read(e, &v, sizeof v);
	printf("eventfd counter read: %llu\n", (unsigned long long)v);
	ssize_t n = read(e, &v, sizeof v);
	printf("eventfd empty: %zd %s\n", n, n < 0 && errno == EAGAIN ? "EAGAIN" : "?");
	v = 5;
	write(e, &v, sizeof v);
	v = 2;
	write(e, &v, sizeof v);
	read(e, &v, sizeof v);
	printf("eventfd sum: %llu\n", (unsigned long long)v);
	n = read(e, &v, 4);
	printf("eventfd short read: %zd %s\n", n, n < 0 && errno == EINVAL ? "EINVAL" : "?");
	v = UINT64_MAX;
	n = write(e, &v, sizeof v);
	printf("eventfd write max: %zd %s\n", n, n < 0 && errno == EINVAL ? "EINVAL" : "?");
	close(e);

	int s = eventfd(0, EFD_SEMAPHORE | EFD_NONBLOCK);
	v = 3;
	write(s, &v, sizeof v);
	struct pollfd p = {.fd = s, .events = POLLIN | POLLOUT};
	poll(&p, 1, 0);
	printf("semaphore poll: in=%d out=%d\n", !!(p.revents & POLLIN), !!(p.revents & POLLOUT));
	for (int i = 0; i < 4; i++) {
		v = 0;
		n = read(s, &v, sizeof v);
		printf("semaphore read %d: %zd value=%llu%s\n", i + 1, n, (unsigned long long)v,
		       n < 0 && errno == EAGAIN ? " EAGAIN" : "");
	}
	p.revents = 0;
	poll(&p, 1, 0);
	printf("semaphore drained poll: in=%d\n", !!(p.revents & POLLIN));
	close(s);
}

static void test_timerfd(void) {
	int t = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	struct itimerspec its = {.it_interval = {0, 20 * 1000 * 1000}, .it_value = {0, 20 * 1000 * 1000}};
	printf("timerfd_settime: %d\n", timerfd_settime(t, 0, &its, NULL));
	struct itimerspec cur;
	timerfd_gettime(t, &cur);
	printf("gettime interval: %ld ns, armed: %d\n", cur.it_interval.tv_nsec,
	       cur.it_value.tv_sec > 0 || cur.it_value.tv_nsec > 0);
	uint64_t total = 0;
	int reads = 0;
	while (total < 5) {
		uint64_t exp = 0;
		if (read(t, &exp, sizeof exp) != sizeof exp || exp == 0) {
			printf("timerfd read failed\n");
			break;
		}
		total += exp;
		reads++;
	}
	printf("periodic: at least 5 expirations: %d, reads ok: %d\n", total >= 5, reads >= 1);
	struct pollfd p = {.fd = t, .events = POLLIN};
	printf("poll for the next tick: %d\n", poll(&p, 1, 5000));
	memset(&its, 0, sizeof its);
	timerfd_settime(t, 0, &its, NULL);
	timerfd_gettime(t, &cur);
	printf("disarmed: %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
	close(t);

	/* An absolute one-shot timer in the past fires at once; non-blocking read after it is EAGAIN. */
	t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	its = (struct itimerspec){.it_value = now};
	its.it_value.tv_sec -= 1;
	if (its.it_value.tv_sec < 0) {
		its.it_value.tv_sec = 0;
		its.it_value.tv_nsec = 1;
	}
	timerfd_settime(t, TFD_TIMER_ABSTIME, &its, NULL);
	uint64_t exp = 0;
	ssize_t n = read(t, &exp, sizeof exp);
	printf("abstime in the past: %zd exp=%llu\n", n, (unsigned long long)exp);
	n = read(t, &exp, sizeof exp);
	printf("then: %s\n", n < 0 && errno == EAGAIN ? "EAGAIN" : "?");
	close(t);
}

static void test_poll_select(void) {
	int p[2];
	pipe(p);
	struct pollfd fds[2] = {{.fd = p[0], .events = POLLIN}, {.fd = p[1], .events = POLLOUT}};
	int n = poll(fds, 2, 0);
	printf("poll empty pipe: %d in=%d out=%d\n", n, !!(fds[0].revents & POLLIN), !!(fds[1].revents & POLLOUT));
	n = poll(fds, 1, 30);
	printf("poll timeout: %d\n", n);
	write(p[1], "x", 1);
	n = poll(fds, 2, 1000);
	printf("poll after write: %d in=%d\n", n, !!(fds[0].revents & POLLIN));
	struct timespec ts = {1, 0};
	sigset_t mask;
	sigemptyset(&mask);
	n = ppoll(fds, 1, &ts, &mask);
	printf("ppoll: %d in=%d\n", n, !!(fds[0].revents & POLLIN));

	fd_set r, w;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	struct timeval tv = {1, 0};
	n = select(p[1] + 1, &r, &w, NULL, &tv);
	printf("select: %d r=%d w=%d\n", n, FD_ISSET(p[0], &r), FD_ISSET(p[1], &w));
	char c;
	read(p[0], &c, 1);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	tv = (struct timeval){0, 30000};
	n = select(p[0] + 1, &r, NULL, NULL, &tv);
	printf("select timeout: %d r=%d\n", n, FD_ISSET(p[0], &r));
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	ts = (struct timespec){0, 30000000};
	n = pselect(p[0] + 1, &r, NULL, NULL, &ts, &mask);
	printf("pselect timeout: %d\n", n);

	close(p[1]);
	fds[0].revents = 0;
	n = poll(fds, 1, 1000);
	printf("poll after writer closed: %d hup=%d\n", n, !!(fds[0].revents & POLLHUP));
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	n = select(p[0] + 1, &r, NULL, NULL, NULL);
	printf("select on EOF: %d r=%d\n", n, FD_ISSET(p[0], &r));
	struct pollfd bad = {.fd = 999, .events = POLLIN};
	n = poll(&bad, 1, 0);
	printf("poll bad fd: %d nval=%d\n", n, !!(bad.revents & POLLNVAL));
	FD_ZERO(&r);
	FD_SET(p[1], &r); /* closed */
	tv = (struct timeval){0, 0};
	n = select(p[1] + 1, &r, NULL, NULL, &tv);
	printf("select closed fd: %d %s\n", n, n < 0 && errno == EBADF ? "EBADF" : "?");
	close(p[0]);
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	test_eventfd();
	test_timerfd();
	test_poll_select();
	printf("done\n");
	return 0;
}
