/* net_epoll: an epoll echo server on loopback serving 50 concurrent
 * clients (threads of this program), once level-triggered and once
 * edge-triggered; then EPOLLONESHOT, EPOLLRDHUP and epoll_ctl errors.
 * Every client sends its messages one at a time and checks each echo. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define CLIENTS 50
#define MESSAGES 20
#define MSGLEN 16

static struct sockaddr_in server_addr;

static int read_full(int fd, char *buf, int len) {
	int got = 0;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n <= 0) {
			return -1;
		}
		got += n;
	}
	return got;
}

static void *client(void *arg) {
	long id = (long)arg;
	long ok = 0;
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&server_addr, sizeof server_addr) < 0) {
		close(c);
		return (void *)ok;
	}
	for (int i = 0; i < MESSAGES; i++) {
		char msg[MSGLEN + 1], back[MSGLEN];
		snprintf(msg, sizeof msg, "c%03ld-m%03d-xxxxx", id, i);
		if (write(c, msg, MSGLEN) != MSGLEN || read_full(c, back, MSGLEN) < 0) {
			break;
		}
		if (memcmp(msg, back, MSGLEN) == 0) {
			ok++;
		}
	}
	close(c);
	return (void *)ok;
}

/* serve runs the echo server until every client has hung up and returns
 * the number of bytes echoed. */
static long serve(int l, int edge) {
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = l};
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	long echoed = 0;
	int accepted = 0, closed = 0;
	while (closed < CLIENTS) {
		struct epoll_event evs[16];
		int n = epoll_wait(ep, evs, 16, 10000);
		if (n <= 0) {
			printf("epoll_wait: %d (%s)\n", n, n < 0 ? strerror(errno) : "timeout");
			break;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == l) {
				for (;;) {
					int s = accept4(l, NULL, NULL, SOCK_NONBLOCK);
					if (s < 0) {
						break; /* EAGAIN: drained */
					}
					accepted++;
					struct epoll_event cev = {.events = EPOLLIN | (edge ? EPOLLET : 0), .data.fd = s};
					epoll_ctl(ep, EPOLL_CTL_ADD, s, &cev);
					if (!edge) {
						break; /* level-triggered: the next wait reports more */
					}
				}
				continue;
			}
			for (;;) {
				char buf[256];
				ssize_t r = read(fd, buf, edge ? sizeof buf : MSGLEN);
				if (r > 0) {
					if (write(fd, buf, r) != r) {
						printf("short write\n");
					}
					echoed += r;
					if (!edge) {
						break;
					}
					continue;
				}
				if (r == 0 || errno != EAGAIN) {
					epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
					close(fd);
					closed++;
				}
				break;
			}
		}
	}
	close(ep);
	printf("accepted %d, closed %d\n", accepted, closed);
	return echoed;
}

static void echo_round(const char *mode, int edge) {
	int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int one = 1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&server_addr, 0, sizeof server_addr);
	server_addr.sin_family = AF_INET;
	server_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof server_addr;
	if (bind(l, (struct sockaddr *)&server_addr, sizeof server_addr) < 0 || listen(l, 128) < 0 ||
	    getsockname(l, (struct sockaddr *)&server_addr, &len) < 0) {
		perror("listen");
		exit(1);
	}
	pthread_t th[CLIENTS];
	for (long i = 0; i < CLIENTS; i++) {
		pthread_create(&th[i], NULL, client, (void *)i);
	}
	long echoed = serve(l, edge);
	long ok = 0;
	for (int i = 0; i < CLIENTS; i++) {
		void *r;
		pthread_join(th[i], &r);
		ok += (long)r;
	}
	printf("%s: %ld bytes echoed, %ld of %d messages intact\n", mode, echoed, ok, CLIENTS * MESSAGES);
	close(l);
}

static void test_oneshot_rdhup(void) {
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT | EPOLLRDHUP, .data.u64 = 7};
	epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev);
	struct epoll_event out;
	write(sv[1], "a", 1);
	int n = epoll_wait(ep, &out, 1, 1000);
	printf("oneshot first: %d data=%llu in=%d\n", n, (unsigned long long)out.data.u64, !!(out.events & EPOLLIN));
	write(sv[1], "b", 1);
	n = epoll_wait(ep, &out, 1, 50);
	printf("oneshot disarmed: %d\n", n);
	ev.events = EPOLLIN | EPOLLONESHOT | EPOLLRDHUP;
	ev.data.u64 = 8;
	epoll_ctl(ep, EPOLL_CTL_MOD, sv[0], &ev);
	n = epoll_wait(ep, &out, 1, 1000);
	printf("oneshot rearmed: %d data=%llu\n", n, (unsigned long long)out.data.u64);
	char buf[4];
	read(sv[0], buf, sizeof buf);
	/* Level-triggered: an unread byte is reported on every wait. */
	ev.events = EPOLLIN | EPOLLRDHUP;
	epoll_ctl(ep, EPOLL_CTL_MOD, sv[0], &ev);
	write(sv[1], "c", 1);
	int a = epoll_wait(ep, &out, 1, 1000), b = epoll_wait(ep, &out, 1, 1000);
	printf("level-triggered twice: %d %d\n", a, b);
	/* Edge-triggered: reported once until new data arrives. */
	ev.events = EPOLLIN | EPOLLET;
	epoll_ctl(ep, EPOLL_CTL_MOD, sv[0], &ev);
	a = epoll_wait(ep, &out, 1, 1000);
	b = epoll_wait(ep, &out, 1, 50);
	write(sv[1], "d", 1);
	int c = epoll_wait(ep, &out, 1, 1000);
	printf("edge-triggered: %d %d, after new data %d\n", a, b, c);
	read(sv[0], buf, sizeof buf);
	ev.events = EPOLLIN | EPOLLRDHUP;
	epoll_ctl(ep, EPOLL_CTL_MOD, sv[0], &ev);
	shutdown(sv[1], SHUT_WR);
	n = epoll_wait(ep, &out, 1, 1000);
	printf("peer shutdown: %d rdhup=%d in=%d\n", n, !!(out.events & EPOLLRDHUP), !!(out.events & EPOLLIN));

	/* epoll_ctl errors. */
	ev.events = EPOLLIN;
	n = epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev);
	printf("add twice: %d %s\n", n, errno == EEXIST ? "EEXIST" : "?");
	n = epoll_ctl(ep, EPOLL_CTL_MOD, sv[1], &ev);
	printf("mod missing: %d %s\n", n, errno == ENOENT ? "ENOENT" : "?");
	n = epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev);
	printf("add itself: %d %s\n", n, errno == EINVAL ? "EINVAL" : "?");
	n = epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev);
	printf("add bad fd: %d %s\n", n, errno == EBADF ? "EBADF" : "?");
	n = epoll_wait(ep, &out, 0, 0);
	printf("maxevents 0: %d %s\n", n, errno == EINVAL ? "EINVAL" : "?");
	close(ep);
	close(sv[0]);
	close(sv[1]);
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	echo_round("level-triggered", 0);
	echo_round("edge-triggered", 1);
	test_oneshot_rdhup();
	printf("done\n");
	return 0;
}
