/* Loopback TCP: a server thread echoes 64-byte messages; prints the
 * nanoseconds per round trip ("X ns/call"), or with "bulk" the nanoseconds
 * per MiB streamed one way. Usage: tcp_echo [echo|bulk] [n] */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int listener;
static int bulk;
static long n;

static int read_full(int fd, char *p, size_t len) {
	while (len > 0) {
		ssize_t r = read(fd, p, len);
		if (r <= 0)
			return -1;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

static void *server(void *arg) {
	(void)arg;
	int c = accept(listener, NULL, NULL);
	static char buf[1 << 20];
	if (bulk) {
		while (read(c, buf, sizeof buf) > 0) {
		}
	} else {
		for (long i = 0; i < n; i++) {
			if (read_full(c, buf, 64) != 0 || write(c, buf, 64) != 64)
				break;
		}
	}
	close(c);
	return NULL;
}

int main(int argc, char **argv) {
	bulk = argc > 1 && strcmp(argv[1], "bulk") == 0;
	n = argc > 2 ? atol(argv[2]) : (bulk ? 512 : 20000);
	listener = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof sa;
	if (bind(listener, (struct sockaddr *)&sa, sizeof sa) || listen(listener, 1) ||
	    getsockname(listener, (struct sockaddr *)&sa, &l))
		return 1;
	pthread_t t;
	pthread_create(&t, NULL, server, NULL);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(c, (struct sockaddr *)&sa, sizeof sa))
		return 1;
	static char buf[1 << 20];
	memset(buf, 'x', sizeof buf);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		if (bulk) {
			if (write(c, buf, sizeof buf) != (ssize_t)sizeof buf)
				return 1;
		} else if (write(c, buf, 64) != 64 || read_full(c, buf, 64) != 0) {
			return 1;
		}
	}
	if (bulk)
		shutdown(c, SHUT_WR);
	pthread_join(t, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	if (bulk)
		printf("%.1f ns/call (%ld MiB, %.0f MB/s)\n", ns / n, n, n * 1048576.0 / (ns / 1e9) / 1e6);
	else
		printf("%.1f ns/call (%ld round trips)\n", ns / n, n);
	return 0;
}
