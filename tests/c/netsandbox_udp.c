/* netsandbox_udp: datagram edges over loopback, compared with native: a
 * receive into no buffer consumes the datagram (MSG_TRUNC), an empty
 * datagram, MSG_PEEK|MSG_TRUNC giving the full size, a truncated receive. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(void) {
	int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof in;
	bind(a, (void *)&in, sizeof in); getsockname(a, (void *)&in, &l);
	sendto(b, "hello", 5, 0, (void *)&in, sizeof in);
	sendto(b, "", 0, 0, (void *)&in, sizeof in);
	sendto(b, "world", 5, 0, (void *)&in, sizeof in);
	char buf[16];
	struct iovec iov = {buf, 0};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n = recvmsg(a, &m, 0);
	printf("zero buffer: %zd flags trunc %d\n", n, (m.msg_flags & MSG_TRUNC) != 0);
	n = recv(a, buf, sizeof buf, 0);
	printf("empty datagram: %zd\n", n);
	n = recv(a, buf, sizeof buf, MSG_TRUNC | MSG_PEEK);
	printf("peek trunc: %zd\n", n);
	n = recv(a, buf, 2, MSG_TRUNC);
	printf("trunc: %zd %.2s\n", n, buf);
	return 0;
}
