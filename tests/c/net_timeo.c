/* net_timeo: SO_SNDTIMEO and SO_RCVTIMEO bound a TCP call as a whole, not
 * each of its waits: a blocking send of 64 MiB to a peer that drains 512
 * KiB every 100 ms, and a recv with MSG_WAITALL of 100 bytes from a peer
 * that sends one byte every 100 ms, both with a 300 ms timeout, end with
 * what they moved once the timeout is over (Linux's tcp_sendmsg and
 * tcp_recvmsg count one timeout down across their waits). The peers stop
 * after four seconds: a per-wait timeout would end the calls only then.
 * Last, recvmsg with MSG_WAITALL into two buffers waits for all 20 bytes
 * that arrive in two parts 50 ms apart, over AF_UNIX and TCP. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static atomic_int stop;

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int pair_tcp(int *client, int *server) {
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 1) != 0 ||
	    getsockname(l, (struct sockaddr *)&a, &len) != 0)
		return -1;
	*client = socket(AF_INET, SOCK_STREAM, 0);
	if (*client < 0 || connect(*client, (struct sockaddr *)&a, sizeof a) != 0)
		return -1;
	*server = accept(l, NULL, NULL);
	close(l);
	return *server < 0 ? -1 : 0;
}

static void *drain_slowly(void *arg) {
	int fd = *(int *)arg;
	static char buf[16384];
	for (int i = 0; i < 40 && !stop; i++) {
		usleep(100 * 1000);
		for (int j = 0; j < 32; j++) /* 512 KiB a tick: room wakes the sender */
			if (recv(fd, buf, sizeof buf, MSG_DONTWAIT) <= 0)
				break;
	}
	return NULL;
}

static void *send_slowly(void *arg) {
	int fd = *(int *)arg;
	for (int i = 0; i < 40 && !stop; i++) {
		usleep(100 * 1000);
		if (send(fd, "x", 1, MSG_NOSIGNAL) != 1)
			break;
	}
	return NULL;
}

static void set_timeout(int fd, int opt) {
	struct timeval tv = {0, 300 * 1000};
	if (setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof tv) != 0) {
		perror("setsockopt");
		exit(1);
	}
}

static void *send_two_parts(void *arg) {
	int fd = *(int *)arg;
	if (send(fd, "0123456789", 10, MSG_NOSIGNAL) == 10) {
		usleep(50 * 1000);
		send(fd, "abcdefghij", 10, MSG_NOSIGNAL);
	}
	return NULL;
}

static void recvmsg_waitall(const char *what, int r, int w) {
	pthread_t th;
	if (pthread_create(&th, NULL, send_two_parts, &w) != 0)
		exit(1);
	char a[7], b[13];
	struct iovec iov[2] = {{a, sizeof a}, {b, sizeof b}};
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
	ssize_t n = recvmsg(r, &m, MSG_WAITALL);
	pthread_join(th, NULL);
	printf("recvmsg MSG_WAITALL over %s: %zd \"%.*s%.*s\"\n", what, n, (int)sizeof a, a, (int)sizeof b, b);
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	int c, s;
	pthread_t th;
	if (pair_tcp(&c, &s) != 0) {
		perror("pair");
		return 1;
	}
	set_timeout(c, SO_SNDTIMEO);
	size_t size = 64 << 20;
	char *big = calloc(1, size);
	if (big == NULL || pthread_create(&th, NULL, drain_slowly, &s) != 0)
		return 1;
	double t0 = now();
	ssize_t n = send(c, big, size, 0);
	double dt = now() - t0;
	stop = 1;
	pthread_join(th, NULL);
	printf("send with SO_SNDTIMEO to a slow reader: part sent %d, ended well before the reader stopped %d\n",
	       n > 0 && (size_t)n < size, dt < 2.5);
	close(c);
	close(s);

	stop = 0;
	if (pair_tcp(&c, &s) != 0) {
		perror("pair");
		return 1;
	}
	set_timeout(s, SO_RCVTIMEO);
	if (pthread_create(&th, NULL, send_slowly, &c) != 0)
		return 1;
	char buf[100];
	t0 = now();
	n = recv(s, buf, sizeof buf, MSG_WAITALL);
	dt = now() - t0;
	stop = 1;
	pthread_join(th, NULL);
	printf("recv MSG_WAITALL with SO_RCVTIMEO from a slow sender: part received %d, ended well before the sender stopped %d\n",
	       n > 0 && (size_t)n < sizeof buf, dt < 2.5);
	close(c);
	close(s);

	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return 1;
	recvmsg_waitall("AF_UNIX", sv[0], sv[1]);
	if (pair_tcp(&c, &s) != 0)
		return 1;
	recvmsg_waitall("TCP", s, c);
	return 0;
}
