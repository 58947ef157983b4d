/* net_tcp: every TCP socket call servers use, and its errno cases, on
 * loopback. Ports come from getsockname; nothing printed depends on them.
 * Checks: ECONNREFUSED, EADDRINUSE, ENOTCONN, EPIPE (SIGPIPE ignored and
 * MSG_NOSIGNAL), EAGAIN on non-blocking accept/recv, non-blocking connect
 * (EINPROGRESS, poll, SO_ERROR), getsockname/getpeername, shutdown,
 * MSG_PEEK, MSG_DONTWAIT, sendmsg/recvmsg with iovecs, socket options,
 * accept4 flags, socketpair, AF_INET6 loopback. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* ename names the errno values this program expects (musl has no
 * strerrorname_np). */
static const char *ename(int e) {
	switch (e) {
	case EAGAIN: return "EAGAIN";
	case EPIPE: return "EPIPE";
	case ENOTCONN: return "ENOTCONN";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ECONNRESET: return "ECONNRESET";
	case EADDRINUSE: return "EADDRINUSE";
	case EINPROGRESS: return "EINPROGRESS";
	case EBADF: return "EBADF";
	case ENOTSOCK: return "ENOTSOCK";
	case EINVAL: return "EINVAL";
	case ENOPROTOOPT: return "ENOPROTOOPT";
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOENT: return "ENOENT";
	case EEXIST: return "EEXIST";
	case EISCONN: return "EISCONN";
	case EDESTADDRREQ: return "EDESTADDRREQ";
	case EMSGSIZE: return "EMSGSIZE";
	case ECONNABORTED: return "ECONNABORTED";
	case 0: return "0";
	}
	static char other[32];
	snprintf(other, sizeof other, "errno %d", e);
	return other;
}

static void check(int ok, const char *what) {
	printf("%s: %s\n", what, ok ? "ok" : "FAIL");
	if (!ok) {
		printf("  errno=%d (%s)\n", errno, strerror(errno));
	}
}

static void expect_errno(long rc, int want, const char *what) {
	int got = rc < 0 ? errno : 0;
	printf("%s: %s\n", what, rc < 0 && got == want ? ename(want) : "FAIL");
	if (!(rc < 0 && got == want)) {
		printf("  rc=%ld errno=%s\n", rc, got ? ename(got) : "0");
	}
}

static struct sockaddr_in loopback(unsigned short port) {
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* listener returns a listening socket on 127.0.0.1 and its address. */
static int listener(int flags, struct sockaddr_in *addr) {
	int s = socket(AF_INET, SOCK_STREAM | flags, 0);
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = loopback(0);
	if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 16) < 0) {
		perror("listener");
		exit(1);
	}
	socklen_t len = sizeof *addr;
	getsockname(s, (struct sockaddr *)addr, &len);
	return s;
}

static int connect_to(const struct sockaddr_in *a) {
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (const struct sockaddr *)a, sizeof *a) < 0) {
		perror("connect");
		exit(1);
	}
	return c;
}

static void test_refused(void) {
	struct sockaddr_in a;
	int l = listener(0, &a);
	close(l); /* the port is now free: nobody listens there */
	int c = socket(AF_INET, SOCK_STREAM, 0);
	expect_errno(connect(c, (struct sockaddr *)&a, sizeof a), ECONNREFUSED, "connect to closed port");
	close(c);
}

static void test_addrinuse(void) {
	struct sockaddr_in a;
	int l = listener(0, &a);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	expect_errno(bind(s, (struct sockaddr *)&a, sizeof a), EADDRINUSE, "bind to listening port");
	close(s);
	close(l);
}

static void test_notconn(void) {
	int s = socket(AF_INET, SOCK_STREAM, 0);
	char buf[4];
	struct sockaddr_in peer;
	socklen_t len = sizeof peer;
	expect_errno(getpeername(s, (struct sockaddr *)&peer, &len), ENOTCONN, "getpeername unconnected");
	expect_errno(send(s, "x", 1, MSG_NOSIGNAL), EPIPE, "send unconnected");
	expect_errno(recv(s, buf, sizeof buf, 0), ENOTCONN, "recv unconnected");
	expect_errno(shutdown(s, SHUT_RDWR), ENOTCONN, "shutdown unconnected");
	close(s);
	expect_errno(send(-1, "x", 1, 0), EBADF, "send bad fd");
	int fd = open("/dev/null", O_RDONLY);
	expect_errno(send(fd, "x", 1, 0), ENOTSOCK, "send non-socket");
	close(fd);
}

static void test_names_and_data(void) {
	struct sockaddr_in a, local, peer, acc_peer;
	int l = listener(0, &a);
	int c = connect_to(&a);
	int s = accept4(l, (struct sockaddr *)&acc_peer, &(socklen_t){sizeof acc_peer}, SOCK_CLOEXEC);
	check(s >= 0, "accept4");
	check((fcntl(s, F_GETFD) & FD_CLOEXEC) != 0, "accept4 SOCK_CLOEXEC");
	socklen_t len = sizeof local;
	getsockname(c, (struct sockaddr *)&local, &len);
	len = sizeof peer;
	check(getpeername(c, (struct sockaddr *)&peer, &len) == 0 && len == sizeof peer, "getpeername");
	check(peer.sin_port == a.sin_port && peer.sin_addr.s_addr == a.sin_addr.s_addr, "peer is listener address");
	check(acc_peer.sin_port == local.sin_port, "accept peer is client address");
	len = sizeof local;
	getsockname(s, (struct sockaddr *)&local, &len);
	check(local.sin_port == a.sin_port, "accepted socket local port");

	/* MSG_PEEK leaves the data; MSG_DONTWAIT on an empty socket is EAGAIN. */
	char buf[64];
	send(c, "hello", 5, 0);
	ssize_t n = recv(s, buf, sizeof buf, MSG_PEEK);
	while (n > 0 && n < 5) {
		n = recv(s, buf, sizeof buf, MSG_PEEK);
	}
	printf("peek: %zd %.*s\n", n, (int)n, buf);
	n = recv(s, buf, sizeof buf, 0);
	printf("recv after peek: %zd %.*s\n", n, (int)n, buf);
	expect_errno(recv(s, buf, sizeof buf, MSG_DONTWAIT), EAGAIN, "recv MSG_DONTWAIT empty");

	/* sendmsg/recvmsg with several iovecs each. */
	struct iovec out[3] = {{"abc", 3}, {"", 0}, {"defgh", 5}};
	struct msghdr m = {.msg_iov = out, .msg_iovlen = 3};
	check(sendmsg(c, &m, 0) == 8, "sendmsg 3 iovecs");
	char p1[2], p2[6];
	struct iovec in[2] = {{p1, sizeof p1}, {p2, sizeof p2}};
	struct msghdr r = {.msg_iov = in, .msg_iovlen = 2};
	size_t got = 0;
	while (got < 8) {
		n = recvmsg(s, &r, MSG_WAITALL);
		if (n <= 0) {
			break;
		}
		got += n;
	}
	printf("recvmsg: %zu %.2s|%.6s flags=%d\n", got, p1, p2, r.msg_flags);

	/* writev/readv work on sockets too. */
	struct iovec wv[2] = {{"12", 2}, {"345", 3}};
	check(writev(c, wv, 2) == 5, "writev");
	memset(buf, 0, sizeof buf);
	n = recv(s, buf, 5, MSG_WAITALL);
	printf("recv MSG_WAITALL: %zd %s\n", n, buf);

	/* shutdown(SHUT_WR) gives the peer EOF, and the other direction works. */
	check(shutdown(c, SHUT_WR) == 0, "shutdown SHUT_WR");
	n = recv(s, buf, sizeof buf, 0);
	printf("recv after peer SHUT_WR: %zd\n", n);
	send(s, "back", 4, 0);
	n = recv(c, buf, 4, MSG_WAITALL);
	printf("reply after SHUT_WR: %zd %.4s\n", n, buf);
	expect_errno(send(c, "x", 1, MSG_NOSIGNAL), EPIPE, "send after SHUT_WR");
	close(c);
	close(s);
	close(l);
}

static void test_epipe(void) {
	struct sockaddr_in a;
	int l = listener(0, &a);
	int c = connect_to(&a);
	int s = accept(l, NULL, NULL);
	close(s);
	/* The first send may succeed (the peer answers with RST); a later one
	 * fails with EPIPE (or ECONNRESET on the first after the RST). */
	signal(SIGPIPE, SIG_IGN);
	int saw_epipe = 0;
	for (int i = 0; i < 200 && !saw_epipe; i++) {
		if (send(c, "data", 4, 0) < 0) {
			if (errno == EPIPE) {
				saw_epipe = 1;
			} else if (errno != ECONNRESET) {
				break;
			}
		}
		usleep(1000);
	}
	check(saw_epipe, "send to closed peer with SIGPIPE ignored is EPIPE");
	signal(SIGPIPE, SIG_DFL);
	expect_errno(send(c, "data", 4, MSG_NOSIGNAL), EPIPE, "send MSG_NOSIGNAL to closed peer");
	close(c);
	close(l);
}

static void test_nonblocking(void) {
	struct sockaddr_in a;
	int l = listener(SOCK_NONBLOCK, &a);
	expect_errno(accept(l, NULL, NULL), EAGAIN, "non-blocking accept with no client");

	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int rc = connect(c, (struct sockaddr *)&a, sizeof a);
	check(rc == 0 || errno == EINPROGRESS, "non-blocking connect returns 0 or EINPROGRESS");
	struct pollfd p = {.fd = c, .events = POLLOUT};
	check(poll(&p, 1, 5000) == 1 && (p.revents & POLLOUT), "poll POLLOUT on connecting socket");
	int err = -1;
	socklen_t len = sizeof err;
	check(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0, "SO_ERROR after connect is 0");

	struct pollfd lp = {.fd = l, .events = POLLIN};
	check(poll(&lp, 1, 5000) == 1 && (lp.revents & POLLIN), "poll POLLIN on listener");
	int s = accept4(l, NULL, NULL, SOCK_NONBLOCK);
	check(s >= 0 && (fcntl(s, F_GETFL) & O_NONBLOCK), "accept4 SOCK_NONBLOCK");
	char buf[8];
	expect_errno(recv(s, buf, sizeof buf, 0), EAGAIN, "non-blocking recv with no data");
	expect_errno(read(s, buf, sizeof buf), EAGAIN, "non-blocking read with no data");

	/* A refused non-blocking connect reports ECONNREFUSED through SO_ERROR. */
	close(s);
	close(l);
	int r = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	rc = connect(r, (struct sockaddr *)&a, sizeof a);
	if (rc < 0 && errno == EINPROGRESS) {
		struct pollfd rp = {.fd = r, .events = POLLOUT};
		poll(&rp, 1, 5000);
		err = 0;
		len = sizeof err;
		getsockopt(r, SOL_SOCKET, SO_ERROR, &err, &len);
		printf("refused non-blocking connect SO_ERROR: %s\n", ename(err));
	} else {
		printf("refused non-blocking connect SO_ERROR: %s\n", rc < 0 ? ename(errno) : "connected?");
	}
	close(r);
	close(c);
}

static void *send_later(void *arg) {
	usleep(50 * 1000);
	send(*(int *)arg, "rest", 4, 0);
	return NULL;
}

/* MSG_WAITALL waits for the whole buffer even when the data arrives in
 * two pieces. */
static void test_waitall(void) {
	struct sockaddr_in a;
	int l = listener(0, &a);
	int c = connect_to(&a);
	int s = accept(l, NULL, NULL);
	send(c, "first", 5, 0);
	pthread_t th;
	pthread_create(&th, NULL, send_later, &c);
	char buf[16] = {0};
	ssize_t n = recv(s, buf, 9, MSG_WAITALL);
	printf("recv MSG_WAITALL across two sends: %zd %s\n", n, buf);
	pthread_join(th, NULL);
	close(s);
	close(c);
	close(l);
}

static int getint(int s, int level, int opt) {
	int v = -1;
	socklen_t len = sizeof v;
	if (getsockopt(s, level, opt, &v, &len) < 0) {
		return -errno;
	}
	return v;
}

static void test_options(void) {
	int s = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1, zero = 0;
	printf("SO_TYPE: %d\n", getint(s, SOL_SOCKET, SO_TYPE));
	printf("SO_REUSEADDR default: %d\n", getint(s, SOL_SOCKET, SO_REUSEADDR) != 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	printf("SO_REUSEADDR set: %d\n", getint(s, SOL_SOCKET, SO_REUSEADDR) != 0);
	setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
	printf("SO_KEEPALIVE set: %d\n", getint(s, SOL_SOCKET, SO_KEEPALIVE) != 0);
	setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &zero, sizeof zero);
	printf("SO_KEEPALIVE cleared: %d\n", getint(s, SOL_SOCKET, SO_KEEPALIVE) != 0);
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	printf("TCP_NODELAY set: %d\n", getint(s, IPPROTO_TCP, TCP_NODELAY) != 0);
	int rcv = 65536;
	check(setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv) == 0, "SO_RCVBUF set");
	/* Linux doubles the value it is given. */
	printf("SO_RCVBUF doubled: %d\n", getint(s, SOL_SOCKET, SO_RCVBUF) == 2 * rcv);
	struct linger lg = {1, 0};
	check(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == 0, "SO_LINGER set");
	expect_errno(setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcv, 1), EINVAL, "setsockopt short optlen");
	expect_errno(getsockopt(s, SOL_SOCKET, 12345, &rcv, &(socklen_t){sizeof rcv}), ENOPROTOOPT,
	             "getsockopt unknown option");
	close(s);
	expect_errno(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT, "socket TCP type with UDP protocol");
	expect_errno(socket(12345, SOCK_STREAM, 0), EAFNOSUPPORT, "socket unknown family");
}

static void test_socketpair(void) {
	int sv[2];
	check(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
	char buf[16];
	write(sv[0], "ping", 4);
	ssize_t n = read(sv[1], buf, sizeof buf);
	printf("socketpair 0->1: %zd %.4s\n", n, buf);
	write(sv[1], "pong!", 5);
	n = read(sv[0], buf, sizeof buf);
	printf("socketpair 1->0: %zd %.5s\n", n, buf);
	close(sv[1]);
	n = read(sv[0], buf, sizeof buf);
	printf("socketpair read after peer close: %zd\n", n);
	close(sv[0]);
	expect_errno(socketpair(AF_INET, SOCK_STREAM, 0, sv), EOPNOTSUPP, "socketpair AF_INET");
}

static void test_ipv6(void) {
	int l = socket(AF_INET6, SOCK_STREAM, 0);
	if (l < 0) {
		printf("ipv6: unavailable\n");
		return;
	}
	struct sockaddr_in6 a;
	memset(&a, 0, sizeof a);
	a.sin6_family = AF_INET6;
	a.sin6_addr = in6addr_loopback;
	if (bind(l, (struct sockaddr *)&a, sizeof a) < 0) {
		printf("ipv6: no loopback\n");
		close(l);
		return;
	}
	int one = 1;
	check(setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) == 0 || errno == EINVAL, "IPV6_V6ONLY");
	listen(l, 1);
	socklen_t len = sizeof a;
	getsockname(l, (struct sockaddr *)&a, &len);
	int c = socket(AF_INET6, SOCK_STREAM, 0);
	check(connect(c, (struct sockaddr *)&a, sizeof a) == 0, "ipv6 connect");
	int s = accept(l, NULL, NULL);
	char buf[8];
	send(c, "v6", 2, 0);
	ssize_t n = recv(s, buf, 2, MSG_WAITALL);
	printf("ipv6 echo: %zd %.2s\n", n, buf);
	close(s);
	close(c);
	close(l);
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	test_refused();
	test_addrinuse();
	test_notconn();
	test_names_and_data();
	test_waitall();
	test_epipe();
	test_nonblocking();
	test_options();
	test_socketpair();
	test_ipv6();
	printf("done\n");
	return 0;
}
