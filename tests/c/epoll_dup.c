/* epoll registrations of a descriptor and its dups: Linux keys them by
 * (descriptor, open file description), so each dup is a registration of
 * its own (own events and data, own MOD/DEL), and all of them stay until
 * the description's last descriptor closes (epoll(7), Q6). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

static int add(int ep, int op, int fd, uint32_t events, uint64_t data) {
	struct epoll_event ev = {.events = events, .data.u64 = data};
	return epoll_ctl(ep, op, fd, &ev) == 0 ? 0 : errno;
}

/* report prints the ready events sorted by data, to compare with native. */
static void report(const char *what, int ep) {
	struct epoll_event evs[16];
	int n = epoll_wait(ep, evs, 16, 0);
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (evs[j].data.u64 < evs[i].data.u64) {
				struct epoll_event t = evs[i];
				evs[i] = evs[j];
				evs[j] = t;
			}
	printf("%s: %d", what, n);
	for (int i = 0; i < n; i++)
		printf(" [data=%llu ev=%#x]", (unsigned long long)evs[i].data.u64, evs[i].events);
	printf("\n");
}

static void eventfd_case(void) {
	int ep = epoll_create1(EPOLL_CLOEXEC);
	int a = eventfd(0, EFD_NONBLOCK);
	int b = dup(a);
	int c = fcntl(a, F_DUPFD_CLOEXEC, 0);
	printf("add a=%d\n", add(ep, EPOLL_CTL_ADD, a, EPOLLIN, 1));
	printf("add b=%d\n", add(ep, EPOLL_CTL_ADD, b, EPOLLIN | EPOLLOUT, 2));
	printf("add c=%d\n", add(ep, EPOLL_CTL_ADD, c, EPOLLIN | EPOLLET, 3));
	printf("add a again=%d\n", add(ep, EPOLL_CTL_ADD, a, EPOLLIN, 9));
	printf("add b again=%d\n", add(ep, EPOLL_CTL_ADD, b, EPOLLIN, 9));
	report("idle", ep);
	uint64_t one = 1;
	write(a, &one, 8);
	report("after write", ep);
	report("again (c is edge-triggered)", ep);
	printf("mod b=%d\n", add(ep, EPOLL_CTL_MOD, b, EPOLLIN | EPOLLONESHOT, 20));
	report("b one-shot", ep);
	report("b disabled", ep);
	printf("del a=%d\n", add(ep, EPOLL_CTL_DEL, a, 0, 0));
	printf("del a again=%d\n", add(ep, EPOLL_CTL_DEL, a, 0, 0));
	printf("mod b=%d\n", add(ep, EPOLL_CTL_MOD, b, EPOLLIN, 21));
	report("a deleted", ep);
	/* Q6: closing b leaves its registration while a and c still refer
	 * to the description; b's number is no longer a descriptor. */
	close(b);
	printf("del closed b=%d\n", add(ep, EPOLL_CTL_DEL, b, 0, 0));
	write(a, &one, 8);
	report("b closed", ep);
	/* A new file at b's number is a new registration. */
	int p[2];
	pipe(p);
	if (p[0] != b) {
		dup2(p[0], b);
		close(p[0]);
	}
	printf("add new b=%d\n", add(ep, EPOLL_CTL_ADD, b, EPOLLIN, 30));
	printf("mod new b=%d\n", add(ep, EPOLL_CTL_MOD, b, EPOLLIN, 31));
	write(p[1], "x", 1);
	report("new b", ep);
	close(a);
	close(c);
	report("all of the eventfd closed", ep);
	/* poll of the epoll descriptor sees a dup's registration alone. */
	int e2 = eventfd(1, EFD_NONBLOCK);
	int e3 = dup(e2);
	int ep2 = epoll_create1(0);
	add(ep2, EPOLL_CTL_ADD, e2, EPOLLIN, 40);
	add(ep2, EPOLL_CTL_ADD, e3, EPOLLIN, 41);
	add(ep2, EPOLL_CTL_DEL, e2, 0, 0);
	struct pollfd pf = {.fd = ep2, .events = POLLIN};
	int pr = poll(&pf, 1, 1000);
	printf("poll epoll=%d revents=%#x\n", pr, pf.revents);
	report("dup only", ep2);
	close(b);
	close(p[1]);
	close(e2);
	close(e3);
	close(ep2);
	close(ep);
}

/* A listening socket and its dup, the way Go's net.FileListener adds a
 * dup of a listener registered in the same epoll. */
static void socket_case(void) {
	int ep = epoll_create1(EPOLL_CLOEXEC);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof sa;
	bind(l, (struct sockaddr *)&sa, sizeof sa);
	listen(l, 4);
	getsockname(l, (struct sockaddr *)&sa, &sl);
	int d = dup(l);
	printf("add listener=%d\n", add(ep, EPOLL_CTL_ADD, l, EPOLLIN | EPOLLET, 100));
	printf("add dup=%d\n", add(ep, EPOLL_CTL_ADD, d, EPOLLIN | EPOLLET, 101));
	int c = socket(AF_INET, SOCK_STREAM, 0);
	connect(c, (struct sockaddr *)&sa, sizeof sa);
	struct epoll_event evs[4];
	int n = epoll_wait(ep, evs, 4, 2000);
	if (n == 1) /* the second may trail by a moment */
		n += epoll_wait(ep, evs + 1, 3, 2000);
	printf("connection: %d events\n", n);
	close(l);
	int s = accept(d, NULL, NULL);
	printf("accept on dup after closing listener: %s\n", s >= 0 ? "ok" : strerror(errno));
	close(s);
	close(c);
	close(d);
	close(ep);
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	eventfd_case();
	socket_case();
	return 0;
}
