/* netsandbox_errno: errno cases of IP sockets on loopback, compared with
 * native Linux: the sandbox's stack must refuse what Linux refuses, with
 * the same errno (bind in use, listen on UDP, accept on a non-listener,
 * calls on unconnected sockets, bad option lengths and values, wrong
 * address families and lengths). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "errname.h"

static void show(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? errname(errno) : "ok");
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(port)};
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return in;
}

static int bound_port(int fd)
{
	struct sockaddr_in in;
	socklen_t len = sizeof in;
	getsockname(fd, (struct sockaddr *)&in, &len);
	return ntohs(in.sin_port);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in in = loopback(0);
	show("bind loopback", bind(l, (struct sockaddr *)&in, sizeof in));
	show("bind again", bind(l, (struct sockaddr *)&in, sizeof in));
	show("listen", listen(l, 4));
	show("listen again", listen(l, 8));
	int other = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in same = loopback(bound_port(l));
	show("bind in use", bind(other, (struct sockaddr *)&same, sizeof same));
	show("accept unlistened", accept(other, NULL, NULL));
	show("shutdown unconnected", shutdown(other, SHUT_WR));
	show("shutdown bad how", shutdown(other, 7));
	char buf[8];
	show("recv unconnected", recv(other, buf, sizeof buf, MSG_DONTWAIT));
	show("send unconnected", send(other, "x", 1, MSG_NOSIGNAL));
	struct sockaddr peer;
	socklen_t plen = sizeof peer;
	show("getpeername unconnected", getpeername(other, &peer, &plen));
	show("bind short address", bind(other, (struct sockaddr *)&in, 8));
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
	show("bind inet6 address", bind(other, (struct sockaddr *)&in6, sizeof in6));
	show("connect inet6 address", connect(other, (struct sockaddr *)&in6, sizeof in6));
	int one = 1, neg = -1;
	show("setsockopt short", setsockopt(other, SOL_SOCKET, SO_REUSEADDR, &one, 2));
	show("setsockopt unknown level", setsockopt(other, 12345, 1, &one, sizeof one));
	show("setsockopt unknown name", setsockopt(other, SOL_SOCKET, 12345, &one, sizeof one));
	show("TCP_KEEPIDLE -1", setsockopt(other, IPPROTO_TCP, TCP_KEEPIDLE, &neg, sizeof neg));
	show("TCP_KEEPCNT -1", setsockopt(other, IPPROTO_TCP, TCP_KEEPCNT, &neg, sizeof neg));
	int v = 0;
	socklen_t vl = sizeof v;
	show("getsockopt SO_TYPE", getsockopt(other, SOL_SOCKET, SO_TYPE, &v, &vl));
	printf("  type %d len %u\n", v, vl);
	vl = 2;
	v = 0;
	show("getsockopt SO_TYPE short", getsockopt(other, SOL_SOCKET, SO_TYPE, &v, &vl));
	printf("  len %u\n", vl);
	vl = sizeof v;
	show("getsockopt TCP_NODELAY", getsockopt(other, IPPROTO_TCP, TCP_NODELAY, &v, &vl));
	printf("  nodelay %d\n", v);

	int u = socket(AF_INET, SOCK_DGRAM, 0);
	show("listen udp", listen(u, 1));
	show("accept udp", accept(u, NULL, NULL));
	show("TCP_NODELAY on udp", setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
	show("recv udp nothing", recv(u, buf, sizeof buf, MSG_DONTWAIT));
	show("send udp no address", send(u, "x", 1, 0));
	show("socket tcp proto udp", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
	show("socket seqpacket", socket(AF_INET, SOCK_SEQPACKET, 0));

	int c = socket(AF_INET, SOCK_STREAM, 0);
	show("connect", connect(c, (struct sockaddr *)&same, sizeof same));
	show("connect again", connect(c, (struct sockaddr *)&same, sizeof same));
	int s = accept(l, NULL, NULL);
	show("accept", s);
	close(s);
	usleep(100 * 1000);
	show("send after peer close", send(c, "x", 1, MSG_NOSIGNAL));
	usleep(100 * 1000);
	show("send after reset", send(c, "x", 1, MSG_NOSIGNAL));
	close(c);
	close(u);
	close(other);
	close(l);
	return 0;
}
