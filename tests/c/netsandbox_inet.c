/* netsandbox_inet: what an app sees of its own network under
 * `elfloader run --net=sandbox`: the eth0 addresses 10.0.2.15 and fd00::15
 * beside loopback, TCP over IPv4 and IPv6 to a dual-stack listener (v4
 * peers appear v4-mapped), non-blocking connect with SO_ERROR, accept4
 * flags, FIONREAD, half-close, UDP echo over both families with MSG_TRUNC,
 * and the edges of the sandbox: no route beyond it (ENETUNREACH) and the
 * gateway refusing connections on the subnet (ECONNREFUSED).
 *
 * It runs only in the sandbox: natively the addresses it connects to would
 * be real ones, so it first checks that 10.0.2.15 is one of its own
 * (bind succeeds) and stops otherwise, before sending anything. Prints no
 * ports. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "errname.h"

struct addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

static struct addr make_addr(const char *ip, int port)
{
	struct addr a;
	memset(&a, 0, sizeof a);
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a.ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		inet_pton(AF_INET6, ip, &s6->sin6_addr);
		a.len = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&a.ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		inet_pton(AF_INET, ip, &s4->sin_addr);
		a.len = sizeof *s4;
	}
	return a;
}

static const char *ip_of(const struct sockaddr_storage *ss, char *buf, size_t n)
{
	if (ss->ss_family == AF_INET6)
		return inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, buf, n);
	if (ss->ss_family == AF_INET)
		return inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, buf, n);
	snprintf(buf, n, "family %d", ss->ss_family);
	return buf;
}

static int port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static int wait_for(int fd, short events)
{
	struct pollfd p = {.fd = fd, .events = events};
	return poll(&p, 1, 20000);
}

/* tcp_to connects to ip through the dual-stack listener l. */
static void tcp_to(int l, const char *ip)
{
	struct addr a = make_addr(ip, port_of(l));
	int c = socket(a.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int r = connect(c, (struct sockaddr *)&a.ss, a.len);
	printf("tcp %s: connect %s", ip, r == 0 ? "0" : errname(errno));
	wait_for(c, POLLOUT);
	int soerr = -1;
	socklen_t sl = sizeof soerr;
	getsockopt(c, SOL_SOCKET, SO_ERROR, &soerr, &sl);
	printf(", SO_ERROR %d", soerr);
	wait_for(l, POLLIN);
	struct sockaddr_storage peer;
	socklen_t pl = sizeof peer;
	int s = accept4(l, (struct sockaddr *)&peer, &pl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (s < 0) {
		printf(", accept4 %s\n", errname(errno));
		close(c);
		return;
	}
	char buf[64];
	printf(", peer %s", ip_of(&peer, buf, sizeof buf));
	printf(", O_NONBLOCK %d, FD_CLOEXEC %d", (fcntl(s, F_GETFL) & O_NONBLOCK) != 0,
	       (fcntl(s, F_GETFD) & FD_CLOEXEC) != 0);
	fcntl(c, F_SETFL, 0); /* blocking from here */
	write(c, "ping", 4);
	wait_for(s, POLLIN);
	int avail = -1;
	ioctl(s, FIONREAD, &avail);
	ssize_t n = read(s, buf, sizeof buf);
	printf(", FIONREAD %d, read %zd", avail, n);
	write(s, "pong", 4);
	shutdown(s, SHUT_WR);
	n = read(c, buf, sizeof buf);
	printf(", reply %.*s", (int)(n > 0 ? n : 0), buf);
	n = read(c, buf, sizeof buf);
	printf(", then %zd\n", n);
	close(s);
	close(c);
}

static void tcp_all(void)
{
	int l = socket(AF_INET6, SOCK_STREAM, 0);
	int off = 0, on = 1;
	setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	struct addr any = make_addr("::", 0);
	if (bind(l, (struct sockaddr *)&any.ss, any.len) < 0 || listen(l, 8) < 0) {
		printf("listen [::]: %s\n", errname(errno));
		return;
	}
	const char *targets[] = {"::1", "fd00::15", "127.0.0.1", "10.0.2.15"};
	for (size_t i = 0; i < sizeof targets / sizeof *targets; i++)
		tcp_to(l, targets[i]);
	close(l);
}

static void udp_echo(const char *ip)
{
	struct addr a = make_addr(ip, 0);
	int srv = socket(a.ss.ss_family, SOCK_DGRAM, 0);
	int cli = socket(a.ss.ss_family, SOCK_DGRAM, 0);
	if (bind(srv, (struct sockaddr *)&a.ss, a.len) < 0) {
		printf("udp %s: bind %s\n", ip, errname(errno));
		return;
	}
	a = make_addr(ip, port_of(srv));
	sendto(cli, "0123456789", 10, 0, (struct sockaddr *)&a.ss, a.len);
	char buf[64];
	struct sockaddr_storage from;
	socklen_t fl = sizeof from;
	wait_for(srv, POLLIN);
	ssize_t n = recvfrom(srv, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
	char name[64];
	printf("udp %s: got %zd from %s", ip, n, ip_of(&from, name, sizeof name));
	sendto(srv, buf, n, 0, (struct sockaddr *)&from, fl);
	wait_for(cli, POLLIN);
	n = recv(cli, buf, 4, MSG_TRUNC);
	printf(", echo %.4s with MSG_TRUNC %zd\n", buf, n);
	close(srv);
	close(cli);
}

/* ping sends an ICMP echo request on a ping socket (SOCK_DGRAM,
 * IPPROTO_ICMP/ICMPV6): the stack fills in the checksum and identifier. */
static void ping(const char *ip)
{
	struct addr a = make_addr(ip, 0);
	int v6 = a.ss.ss_family == AF_INET6;
	int s = socket(a.ss.ss_family, SOCK_DGRAM, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (s < 0) {
		printf("ping %s: socket %s\n", ip, errname(errno));
		return;
	}
	unsigned char pkt[16] = {v6 ? 128 : 8, 0, 0, 0, 0, 0, 0, 1};
	memcpy(pkt + 8, "sandbox!", 8);
	sendto(s, pkt, sizeof pkt, 0, (struct sockaddr *)&a.ss, a.len);
	wait_for(s, POLLIN);
	unsigned char buf[64];
	ssize_t n = recv(s, buf, sizeof buf, MSG_DONTWAIT);
	printf("ping %s: reply type %d, %zd bytes, payload %.8s\n", ip, n > 0 ? buf[0] : -1, n, n >= 16 ? (char *)buf + 8 : "");
	close(s);
}

static void unreachable(const char *ip, int port)
{
	struct addr a = make_addr(ip, port);
	int c = socket(a.ss.ss_family, SOCK_STREAM, 0);
	int r = connect(c, (struct sockaddr *)&a.ss, a.len);
	printf("connect %s: %s\n", ip, r == 0 ? "0" : errname(errno));
	close(c);
}

/* epoll_readd: a closed socket leaves the epoll set, so its descriptor
 * number, reused by a new socket, can be added again (nginx does). */
static void epoll_readd(void)
{
	int ep = epoll_create1(0);
	int a = socket(AF_INET, SOCK_STREAM, 0);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = a};
	int r1 = epoll_ctl(ep, EPOLL_CTL_ADD, a, &ev);
	close(a);
	int b = socket(AF_INET, SOCK_STREAM, 0);
	ev.data.fd = b;
	int r2 = epoll_ctl(ep, EPOLL_CTL_ADD, b, &ev);
	printf("epoll add %d, same fd %d, add again %s\n", r1, a == b, r2 == 0 ? "0" : errname(errno));
	close(b);
	close(ep);
}

/* in_sandbox reports whether 10.0.2.15 is a local address (a bind sends
 * nothing). */
static int in_sandbox(void)
{
	struct addr a = make_addr("10.0.2.15", 0);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	int ok = s >= 0 && bind(s, (struct sockaddr *)&a.ss, a.len) == 0;
	close(s);
	return ok;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (!in_sandbox()) {
		printf("not in elfloader's --net=sandbox: 10.0.2.15 is not local\n");
		return 1;
	}
	tcp_all();
	epoll_readd();
	udp_echo("127.0.0.1");
	udp_echo("10.0.2.15");
	udp_echo("::1");
	udp_echo("fd00::15");
	ping("127.0.0.1");
	ping("10.0.2.2");
	ping("::1");
	ping("fd00::2");
	unreachable("192.0.2.1", 80);
	unreachable("2001:db8::1", 80);
	unreachable("10.0.2.2", 80);
	unreachable("10.0.2.3", 80);
	return 0;
}
