/* net_eintr: blocking socket and event calls interrupted by a signal whose
 * handler has no SA_RESTART fail with EINTR (accept, recv, epoll_wait,
 * poll); with SA_RESTART, recv is restarted and poll still fails with
 * EINTR. Then signalfd, eventfd and timerfd watched by one epoll set,
 * and last SO_RCVTIMEO, which turns a blocking recv into EAGAIN. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <unistd.h>

static volatile sig_atomic_t alarms;

static void on_alarm(int sig) {
	(void)sig;
	alarms++;
}

static void arm(int restart) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {.it_value = {0, 50 * 1000}};
	setitimer(ITIMER_REAL, &it, NULL);
}

static const char *result(long rc) {
	if (rc >= 0) {
		return "ok";
	}
	switch (errno) {
	case EINTR: return "EINTR";
	case EAGAIN: return "EAGAIN";
	}
	return strerror(errno);
}

static int pair_tcp(int *client, int *server, int *listener) {
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof a;
	if (bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 4) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &len) < 0) {
		return -1;
	}
	*client = socket(AF_INET, SOCK_STREAM, 0);
	connect(*client, (struct sockaddr *)&a, sizeof a);
	*server = accept(l, NULL, NULL);
	*listener = l;
	return 0;
}

static void *send_later(void *arg) {
	usleep(150 * 1000);
	send(*(int *)arg, "late", 4, 0);
	return NULL;
}

static void test_eintr(void) {
	int c, s, l;
	if (pair_tcp(&c, &s, &l) < 0) {
		perror("pair");
		return;
	}
	char buf[8];
	arm(0);
	printf("accept interrupted: %s\n", result(accept(l, NULL, NULL)));
	arm(0);
	printf("recv interrupted: %s\n", result(recv(s, buf, sizeof buf, 0)));
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = s}, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
	arm(0);
	printf("epoll_wait interrupted: %s\n", result(epoll_wait(ep, &out, 1, 5000)));
	struct pollfd p = {.fd = s, .events = POLLIN};
	arm(1);
	printf("poll interrupted despite SA_RESTART: %s\n", result(poll(&p, 1, 5000)));

	/* SA_RESTART: recv survives the signal and gets the late data. */
	pthread_t th;
	pthread_create(&th, NULL, send_later, &c);
	arm(1);
	long n = recv(s, buf, sizeof buf, 0);
	printf("recv with SA_RESTART: %s %ld %.4s\n", result(n), n, buf);
	pthread_join(th, NULL);
	printf("alarms delivered: %d\n", (int)alarms);

	close(ep);
	close(c);
	close(s);
	close(l);
}

/* test_rcvtimeo runs last: an implementation that ignores SO_RCVTIMEO
 * blocks here until a watchdog signal. */
static void test_rcvtimeo(void) {
	int c, s, l;
	if (pair_tcp(&c, &s, &l) < 0) {
		perror("pair");
		return;
	}
	struct timeval tv = {0, 50 * 1000}, got;
	socklen_t len = sizeof got;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &got, &len);
	printf("SO_RCVTIMEO reads back: %d\n", got.tv_sec == 0 && got.tv_usec == 50 * 1000);
	char buf[8];
	/* Watchdog: if the timeout is ignored, a signal two seconds later
	 * ends the recv with EINTR instead of blocking forever. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval watchdog = {.it_value = {2, 0}};
	setitimer(ITIMER_REAL, &watchdog, NULL);
	printf("recv with SO_RCVTIMEO: %s\n", result(recv(s, buf, sizeof buf, 0)));
	watchdog.it_value.tv_sec = 0;
	setitimer(ITIMER_REAL, &watchdog, NULL);
	close(c);
	close(s);
	close(l);
}

static void test_epoll_event_fds(void) {
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	printf("signalfd: %s\n", result(sfd));
	int efd = eventfd(0, EFD_NONBLOCK);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	int ep = epoll_create1(0);
	int fds[3] = {sfd, efd, tfd};
	for (int i = 0; i < 3; i++) {
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
	}
	struct epoll_event out[4];
	printf("nothing ready: %d\n", epoll_wait(ep, out, 4, 0));
	kill(getpid(), SIGUSR1);
	uint64_t one = 1;
	write(efd, &one, sizeof one);
	struct itimerspec its = {.it_value = {0, 10 * 1000 * 1000}};
	timerfd_settime(tfd, 0, &its, NULL);
	int seen = 0;
	for (int tries = 0; tries < 50 && seen != 7; tries++) {
		int n = epoll_wait(ep, out, 4, 1000);
		if (n <= 0) {
			break;
		}
		for (int i = 0; i < n; i++) {
			seen |= 1 << out[i].data.u32;
		}
		if (seen & 1) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof si) == sizeof si) {
				printf("signalfd read: signo %s\n", si.ssi_signo == SIGUSR1 ? "SIGUSR1" : "?");
			}
		}
		if (seen & 2) {
			uint64_t v;
			read(efd, &v, sizeof v);
		}
		if (seen & 4) {
			uint64_t v;
			read(tfd, &v, sizeof v);
		}
	}
	printf("epoll saw signalfd %d eventfd %d timerfd %d\n", !!(seen & 1), !!(seen & 2), !!(seen & 4));
	printf("drained: %d\n", epoll_wait(ep, out, 4, 0));
	close(ep);
	close(sfd);
	close(efd);
	close(tfd);
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	test_eintr();
	test_epoll_event_fds();
	test_rcvtimeo();
	printf("done\n");
	return 0;
}
