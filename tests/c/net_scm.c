/* net_scm: SCM_RIGHTS passes the write end of a pipe from one socket of a
 * socketpair to the other; the program writes into the received fd and
 * reads the bytes from the original read end. Also passes two fds in one
 * message and checks MSG_CMSG_CLOEXEC and SCM_CREDENTIALS-free control
 * parsing (MSG_CTRUNC when the control buffer is too small). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static int send_fds(int s, const int *fds, int count) {
	char data = 'F';
	struct iovec iov = {&data, 1};
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof u);
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
	                   .msg_controllen = CMSG_SPACE(count * sizeof(int))};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(count * sizeof(int));
	memcpy(CMSG_DATA(c), fds, count * sizeof(int));
	return sendmsg(s, &m, 0);
}

/* recv_fds returns the number of fds received into fds. */
static int recv_fds(int s, int *fds, int max, int flags, size_t controllen, int *msg_flags) {
	char data;
	struct iovec iov = {&data, 1};
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = controllen};
	if (recvmsg(s, &m, flags) != 1) {
		return -1;
	}
	*msg_flags = m.msg_flags;
	int n = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (int i = 0; i < k && n < max; i++) {
				memcpy(&fds[n++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			}
		}
	}
	return n;
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	int sv[2], p[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 || pipe(p) < 0) {
		perror("setup");
		return 1;
	}
	printf("sendmsg with the pipe's write end: %d\n", send_fds(sv[0], &p[1], 1));
	int got[4], flags = 0;
	int n = recv_fds(sv[1], got, 4, 0, sizeof(char[CMSG_SPACE(4 * sizeof(int))]), &flags);
	printf("received fds: %d, new fd differs: %d, flags=%d\n", n, n == 1 && got[0] != p[1], flags);
	close(p[1]); /* only the received copy keeps the pipe open now */
	struct stat st;
	fstat(got[0], &st);
	printf("received fd is a fifo: %d, write-only: %d\n", S_ISFIFO(st.st_mode),
	       (fcntl(got[0], F_GETFL) & O_ACCMODE) == O_WRONLY);
	printf("write into received fd: %zd\n", write(got[0], "through the socket", 18));
	close(got[0]);
	char buf[64];
	ssize_t r = read(p[0], buf, sizeof buf);
	printf("read from original end: %zd %.*s\n", r, (int)(r > 0 ? r : 0), buf);
	r = read(p[0], buf, sizeof buf);
	printf("then EOF: %zd\n", r);
	close(p[0]);

	/* Two fds in one message, received with MSG_CMSG_CLOEXEC. */
	int q[2];
	pipe(q);
	send_fds(sv[1], q, 2);
	n = recv_fds(sv[0], got, 4, MSG_CMSG_CLOEXEC, sizeof(char[CMSG_SPACE(4 * sizeof(int))]), &flags);
	printf("two fds: %d, cloexec %d %d\n", n, (fcntl(got[0], F_GETFD) & FD_CLOEXEC) != 0,
	       (fcntl(got[1], F_GETFD) & FD_CLOEXEC) != 0);
	write(got[1], "xy", 2);
	r = read(q[0], buf, sizeof buf);
	printf("pipe pair works: %zd\n", r);
	close(got[0]);
	close(got[1]);

	/* A control buffer too small for the fds: MSG_CTRUNC. */
	send_fds(sv[1], q, 2);
	n = recv_fds(sv[0], got, 4, 0, CMSG_LEN(sizeof(int)), &flags);
	printf("short control buffer: %d fd(s), MSG_CTRUNC %d\n", n, (flags & MSG_CTRUNC) != 0);
	for (int i = 0; i < n; i++) {
		close(got[i]);
	}
	/* A regular file and /dev/null: the receiver gets the same open file
	 * description (the offset is shared), whatever kind of file it is. */
	char path[] = "/tmp/net_scm.XXXXXX";
	int file = mkstemp(path);
	write(file, "hello", 5);
	lseek(file, 0, SEEK_SET);
	int devnull = open("/dev/null", O_WRONLY);
	int two[2] = {file, devnull};
	printf("sendmsg with a file and /dev/null: %d\n", send_fds(sv[0], two, 2));
	n = recv_fds(sv[1], got, 4, 0, sizeof(char[CMSG_SPACE(4 * sizeof(int))]), &flags);
	printf("received: %d\n", n);
	if (n == 2) {
		fstat(got[0], &st);
		printf("first is a regular file: %d\n", S_ISREG(st.st_mode));
		r = read(got[0], buf, 2);
		printf("read 2 through it: %zd %.*s\n", r, (int)(r > 0 ? r : 0), buf);
		r = read(file, buf, 3);
		printf("original continues at the shared offset: %zd %.*s\n", r, (int)(r > 0 ? r : 0), buf);
		fstat(got[1], &st);
		printf("second is a character device: %d, write %zd\n", S_ISCHR(st.st_mode), write(got[1], "z", 1));
		close(got[0]);
		close(got[1]);
	}
	unlink(path);
	close(file);
	close(devnull);

	/* A bad fd in SCM_RIGHTS is EBADF. */
	int bad = 999;
	r = send_fds(sv[0], &bad, 1);
	printf("send bad fd: %zd %s\n", r, r < 0 && errno == EBADF ? "EBADF" : "?");
	close(q[0]);
	close(q[1]);
	close(sv[0]);
	close(sv[1]);
	printf("done\n");
	return 0;
}
