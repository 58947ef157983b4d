/* net_udp: a UDP ping-pong on loopback between two sockets (sendto and
 * recvfrom with addresses, connect on a datagram socket, datagram
 * boundaries, MSG_TRUNC, MSG_PEEK), then sendmmsg/recvmmsg batches and a
 * blocking recvmmsg that must wait for all of its datagrams.
 * Ports come from getsockname and are never printed. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int bound_udp(struct sockaddr_in *a) {
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	memset(a, 0, sizeof *a);
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof *a;
	if (bind(s, (struct sockaddr *)a, sizeof *a) < 0 || getsockname(s, (struct sockaddr *)a, &len) < 0) {
		perror("bind");
	}
	return s;
}

struct later {
	int fd;
	struct sockaddr_in to;
};

static void *send_two_slowly(void *arg) {
	struct later *l = arg;
	for (int i = 0; i < 2; i++) {
		usleep(50 * 1000);
		sendto(l->fd, "slow", 4, 0, (struct sockaddr *)&l->to, sizeof l->to);
	}
	return NULL;
}

/* A blocking recvmmsg without MSG_WAITFORONE waits until vlen datagrams
 * have arrived, even when they arrive one at a time. */
static void test_recvmmsg_blocks_for_vlen(void) {
	struct sockaddr_in sa, ra;
	int sender = bound_udp(&sa), receiver = bound_udp(&ra);
	struct later l = {sender, ra};
	pthread_t th;
	pthread_create(&th, NULL, send_two_slowly, &l);
	struct mmsghdr in[2];
	struct iovec iov[2];
	char buf[2][16];
	memset(in, 0, sizeof in);
	for (int i = 0; i < 2; i++) {
		iov[i] = (struct iovec){buf[i], sizeof buf[i]};
		in[i].msg_hdr.msg_iov = &iov[i];
		in[i].msg_hdr.msg_iovlen = 1;
	}
	int n = recvmmsg(receiver, in, 2, 0, NULL);
	printf("blocking recvmmsg of 2: %d\n", n);
	pthread_join(th, NULL);
	close(sender);
	close(receiver);
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	struct sockaddr_in pa, qa, from;
	int p = bound_udp(&pa), q = bound_udp(&qa);
	char buf[64];

	for (int round = 1; round <= 5; round++) {
		char msg[32];
		int len = snprintf(msg, sizeof msg, "ping %d", round);
		sendto(p, msg, len, 0, (struct sockaddr *)&qa, sizeof qa);
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(q, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
		printf("q got %.*s from p: %d\n", (int)n, buf, from.sin_port == pa.sin_port);
		len = snprintf(msg, sizeof msg, "pong %d", round);
		sendto(q, msg, len, 0, (struct sockaddr *)&from, fl);
		fl = sizeof from;
		n = recvfrom(p, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
		printf("p got %.*s from q: %d\n", (int)n, buf, from.sin_port == qa.sin_port);
	}

	/* Datagram boundaries, truncation and peeking. */
	connect(p, (struct sockaddr *)&qa, sizeof qa);
	send(p, "0123456789", 10, 0);
	send(p, "ab", 2, 0);
	ssize_t n = recv(q, buf, 4, MSG_PEEK);
	printf("peek 4: %zd %.4s\n", n, buf);
	n = recv(q, buf, 4, MSG_TRUNC);
	printf("MSG_TRUNC: returns %zd, copied %.4s\n", n, buf);
	n = recv(q, buf, sizeof buf, 0);
	printf("next datagram: %zd %.*s\n", n, (int)n, buf);
	n = recv(q, buf, sizeof buf, MSG_DONTWAIT);
	printf("empty MSG_DONTWAIT: %zd %s\n", n, n < 0 && errno == EAGAIN ? "EAGAIN" : "?");

	/* sendmmsg of 4 datagrams, recvmmsg of up to 8. */
	struct mmsghdr out[4], in[8];
	struct iovec oiov[4], iiov[8];
	char obuf[4][16], ibuf[8][16];
	memset(out, 0, sizeof out);
	memset(in, 0, sizeof in);
	for (int i = 0; i < 4; i++) {
		int len = snprintf(obuf[i], sizeof obuf[i], "batch-%d", i);
		oiov[i] = (struct iovec){obuf[i], len};
		out[i].msg_hdr.msg_iov = &oiov[i];
		out[i].msg_hdr.msg_iovlen = 1;
	}
	int sent = sendmmsg(p, out, 4, 0);
	printf("sendmmsg: %d, lens %u %u %u %u\n", sent, out[0].msg_len, out[1].msg_len, out[2].msg_len,
	       out[3].msg_len);
	for (int i = 0; i < 8; i++) {
		iiov[i] = (struct iovec){ibuf[i], sizeof ibuf[i]};
		in[i].msg_hdr.msg_iov = &iiov[i];
		in[i].msg_hdr.msg_iovlen = 1;
	}
	int got = 0;
	while (got < 4) {
		int r = recvmmsg(q, in + got, 8 - got, got ? MSG_DONTWAIT : MSG_WAITFORONE, NULL);
		if (r <= 0) {
			break;
		}
		got += r;
	}
	printf("recvmmsg: %d\n", got);
	for (int i = 0; i < got; i++) {
		printf("  %u %.*s\n", in[i].msg_len, (int)in[i].msg_len, ibuf[i]);
	}
	/* An unconnected datagram socket without an address. */
	int r = socket(AF_INET, SOCK_DGRAM, 0);
	n = send(r, "x", 1, 0);
	printf("send unconnected UDP: %zd %s\n", n, n < 0 && errno == EDESTADDRREQ ? "EDESTADDRREQ" : "?");
	close(r);
	close(p);
	close(q);
	test_recvmmsg_blocks_for_vlen();
	printf("done\n");
	return 0;
}
