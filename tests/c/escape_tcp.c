/*
 * escape_tcp.c: app code that gets past elfloader (see escape.h) and makes
 * a raw host TCP socket, then connects it to 127.0.0.1:argv[1] (a host
 * listener) and binds another. Under --net=sandbox the host's Landlock
 * network rules refuse both (EACCES); with the host's network they go
 * through. Only run under elfloader, in-process.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "escape.h"

static void report(const char *what, long r) {
	if (r < 0)
		printf("%s: errno %ld\n", what, -r);
	else
		printf("%s: ok\n", what);
}

int main(int argc, char **argv) {
	if (argc < 2)
		return 2;
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	long fd = host_syscall(SYS_socket, AF_INET, SOCK_STREAM, 0, 0);
	if (fd < 0) {
		printf("socket: errno %ld\n", -fd);
		return 1;
	}
	report("connect", host_syscall(SYS_connect, fd, (long)&sa, sizeof sa, 0));
	long fd2 = host_syscall(SYS_socket, AF_INET, SOCK_STREAM, 0, 0);
	sa.sin_port = 0;
	report("bind", host_syscall(SYS_bind, fd2, (long)&sa, sizeof sa, 0));
	return 0;
}
