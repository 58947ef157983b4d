// splice, tee and vmsplice: file -> pipe -> file, socket -> pipe -> file,
// pipe -> pipe, tee between two pipes, vmsplice both ways, and the errno
// rules. argv[1] is a scratch directory.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static char dir[4096];

static void show(const char *what, long r) {
	if (r < 0)
		printf("%s: -1 errno %d\n", what, errno);
	else
		printf("%s: %ld\n", what, r);
}

static char *pathof(const char *name) {
	static char buf[8192];
	snprintf(buf, sizeof buf, "%s/%s", dir, name);
	return buf;
}


// fileToFile copies src to dst through a pipe with offsets on the file ends.
static void fileToFile(void) {
	enum { N = 300000 };
	char *data = malloc(N);
	for (int i = 0; i < N; i++)
		data[i] = (char)(i * 7 + i / 251);
	int src = open(pathof("src"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (write(src, data, N) != N)
		return;
	lseek(src, 5, SEEK_SET);
	int dst = open(pathof("dst"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	int p[2];
	pipe(p);
	loff_t in = 0;
	long total = 0;
	for (;;) {
		long n = splice(src, &in, p[1], NULL, 65536, 0);
		if (n <= 0) {
			show("file->pipe end", n);
			break;
		}
		long m = splice(p[0], NULL, dst, NULL, n, SPLICE_F_MOVE);
		if (m != n)
			show("pipe->file short", m);
		total += n;
	}
	printf("file->pipe->file: %ld bytes, off_in %lld, src pos %ld, dst pos %ld\n", total,
	       (long long)in, (long)lseek(src, 0, SEEK_CUR), (long)lseek(dst, 0, SEEK_CUR));
	char *back = malloc(N);
	long r = pread(dst, back, N, 0);
	printf("dst: %ld bytes, same %d\n", r, r == N && memcmp(back, data, N) == 0);
	// Without an offset the file position moves.
	lseek(src, 100, SEEK_SET);
	long n = splice(src, NULL, p[1], NULL, 1000, 0);
	printf("splice at pos: %ld, pos now %ld\n", n, (long)lseek(src, 0, SEEK_CUR));
	// pipe -> file at an offset.
	loff_t out = 10;
	n = splice(p[0], NULL, dst, &out, 1000, 0);
	printf("pipe->file at 10: %ld, off_out %lld, dst pos %ld\n", n, (long long)out,
	       (long)lseek(dst, 0, SEEK_CUR));
	pread(dst, back, 1000, 10);
	printf("at 10 same: %d\n", memcmp(back, data + 100, 1000) == 0);
	close(src);
	close(dst);
	close(p[0]);
	close(p[1]);
	free(data);
	free(back);
}

// socketToFile sends bytes over loopback TCP and splices them to a file.
static void socketToFile(void) {
	enum { N = 100000 };
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	bind(l, (struct sockaddr *)&a, sizeof a);
	listen(l, 1);
	getsockname(l, (struct sockaddr *)&a, &al);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	connect(c, (struct sockaddr *)&a, sizeof a);
	int s = accept(l, NULL, NULL);
	char *data = malloc(N);
	for (int i = 0; i < N; i++)
		data[i] = (char)(i % 253);
	pid_t pid = fork();
	if (pid == 0) {
		long off = 0;
		while (off < N) {
			long w = write(c, data + off, N - off);
			if (w <= 0)
				_exit(1);
			off += w;
		}
		_exit(0);
	}
	close(c);
	int dst = open(pathof("sock"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	int p[2];
	pipe(p);
	long total = 0;
	for (;;) {
		long n = splice(s, NULL, p[1], NULL, 32768, SPLICE_F_MORE);
		if (n <= 0) {
			show("socket->pipe end", n);
			break;
		}
		while (n > 0) {
			long m = splice(p[0], NULL, dst, NULL, n, 0);
			if (m <= 0) {
				show("pipe->file", m);
				return;
			}
			n -= m;
			total += m;
		}
	}
	char *back = malloc(N);
	long r = pread(dst, back, N, 0);
	printf("socket->pipe->file: %ld bytes, file %ld, same %d\n", total, r, r == N && memcmp(back, data, N) == 0);
	// pipe -> socket.
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	write(p[1], "to a socket", 11);
	long n = splice(p[0], NULL, sv[0], NULL, 100, 0);
	char buf[32] = {0};
	read(sv[1], buf, sizeof buf - 1);
	printf("pipe->socket: %ld %s\n", n, buf);
	loff_t off = 0;
	write(p[1], "x", 1);
	show("pipe->socket with off_out", splice(p[0], NULL, sv[0], &off, 1, 0));
	close(sv[0]);
	close(sv[1]);
	close(s);
	close(l);
	close(dst);
	close(p[0]);
	close(p[1]);
	free(data);
	free(back);
}

static void pipes(void) {
	int a[2], b[2], c[2];
	pipe(a);
	pipe(b);
	pipe(c);
	write(a[1], "hello tee and splice", 20);
	long n = tee(a[0], b[1], 100, 0);
	char buf[64] = {0};
	read(b[0], buf, sizeof buf);
	printf("tee: %ld '%s'\n", n, buf);
	n = splice(a[0], NULL, c[1], NULL, 5, 0);
	memset(buf, 0, sizeof buf);
	read(c[0], buf, sizeof buf);
	printf("pipe->pipe: %ld '%s'\n", n, buf);
	memset(buf, 0, sizeof buf);
	read(a[0], buf, sizeof buf);
	printf("rest: '%s'\n", buf);
	show("tee empty nonblock", tee(a[0], b[1], 10, SPLICE_F_NONBLOCK));
	show("splice empty nonblock", splice(a[0], NULL, b[1], NULL, 10, SPLICE_F_NONBLOCK));
	fcntl(a[0], F_SETFL, O_NONBLOCK);
	show("splice empty O_NONBLOCK", splice(a[0], NULL, b[1], NULL, 10, 0));
	show("tee same pipe", tee(a[0], a[1], 10, 0));
	show("splice same pipe", splice(a[0], NULL, a[1], NULL, 10, 0));
	close(a[1]);
	show("splice at EOF", splice(a[0], NULL, b[1], NULL, 10, 0));

	// vmsplice into a pipe and out of one.
	char x[] = "vm", y[] = "splice!";
	struct iovec iov[2] = {{x, 2}, {y, 7}};
	n = vmsplice(c[1], iov, 2, 0);
	memset(buf, 0, sizeof buf);
	read(c[0], buf, sizeof buf);
	printf("vmsplice to pipe: %ld '%s'\n", n, buf);
	write(c[1], "0123456789", 10);
	char r1[4] = {0}, r2[16] = {0};
	struct iovec out[2] = {{r1, 3}, {r2, 15}};
	n = vmsplice(c[0], out, 2, 0);
	printf("vmsplice from pipe: %ld '%s' '%s'\n", n, r1, r2);
	show("vmsplice empty nonblock", vmsplice(c[0], out, 2, SPLICE_F_NONBLOCK));
	show("vmsplice zero segments", vmsplice(c[1], iov, 0, 0));
	close(a[0]);
	close(b[0]);
	close(b[1]);
	close(c[0]);
	close(c[1]);
}

static void errors(void) {
	int p[2];
	pipe(p);
	int f = open(pathof("err"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	write(f, "abcdef", 6);
	int g = open(pathof("err2"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	int ro = open(pathof("err"), O_RDONLY);
	int ap = open(pathof("err2"), O_WRONLY | O_APPEND);
	loff_t off = 0, neg = -1;
	show("len 0", splice(f, NULL, g, NULL, 0, 0));
	show("file->file", splice(f, NULL, g, NULL, 10, 0));
	show("bad flags", splice(f, NULL, p[1], NULL, 10, 0x100));
	show("bad in fd", splice(99, NULL, p[1], NULL, 10, 0));
	show("bad out fd", splice(f, NULL, 99, NULL, 10, 0));
	show("off on pipe in", splice(p[0], &off, f, NULL, 10, 0));
	show("off on pipe out", splice(f, NULL, p[1], &off, 10, 0));
	show("read end as out", splice(f, NULL, p[0], NULL, 10, 0));
	show("write end as in", splice(p[1], NULL, f, NULL, 10, 0));
	show("ro file as out", splice(p[0], NULL, ro, NULL, 10, 0));
	show("negative off", splice(f, &neg, p[1], NULL, 10, 0));
	show("bad off pointer", splice(f, (loff_t *)8, p[1], NULL, 10, 0));
	write(p[1], "xyz", 3);
	show("O_APPEND out", splice(p[0], NULL, ap, NULL, 10, 0));
	show("tee file", tee(f, p[1], 10, 0));
	show("tee bad flags", tee(p[0], p[1], 10, 0x100));
	struct iovec iov = {"q", 1};
	show("vmsplice file", vmsplice(f, &iov, 1, 0));
	show("vmsplice bad fd", vmsplice(99, &iov, 1, 0));
	show("vmsplice bad flags", vmsplice(p[1], &iov, 1, 0x100));
	show("vmsplice bad iov", vmsplice(p[1], (struct iovec *)8, 1, 0));
	// An offset past the end reads nothing.
	off = 1000;
	show("off past end", splice(f, &off, p[1], NULL, 10, 0));
	close(p[0]);
	show("no readers", splice(f, NULL, p[1], NULL, 3, 0));
	close(p[1]);
	close(f);
	close(g);
	close(ro);
	close(ap);
}

// sendfileSources: sendfile splices its input, and a pipe cannot be
// spliced from that way: EINVAL, whether or not it has data (Go's io.Copy
// then falls back to read and write); a socket can.
static void sendfileSources(void) {
	int p[2], sv[2];
	if (pipe2(p, O_NONBLOCK) < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0) {
		printf("sendfile sources: setup failed\n");
		return;
	}
	ssize_t n = sendfile(sv[0], p[0], NULL, 100);
	printf("sendfile from an empty pipe: %zd %s\n", n, n < 0 ? strerror(errno) : "");
	write(p[1], "ab", 2);
	n = sendfile(sv[0], p[0], NULL, 100);
	printf("sendfile from a pipe with data: %zd %s\n", n, n < 0 ? strerror(errno) : "");
	write(sv[1], "cd", 2);
	n = sendfile(p[1], sv[0], NULL, 100);
	printf("sendfile from a socket: %zd %s\n", n, n < 0 ? strerror(errno) : "");
	char fifo[sizeof dir + 32];
	snprintf(fifo, sizeof fifo, "%s/sendfile.fifo", dir);
	mkfifo(fifo, 0600);
	int fr = open(fifo, O_RDONLY | O_NONBLOCK), fw = open(fifo, O_WRONLY | O_NONBLOCK);
	write(fw, "ef", 2);
	n = sendfile(sv[0], fr, NULL, 100);
	printf("sendfile from a FIFO: %zd %s\n", n, n < 0 ? strerror(errno) : "");
	close(fr);
	close(fw);
	unlink(fifo);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: splice DIR\n");
		return 2;
	}
	snprintf(dir, sizeof dir, "%s", argv[1]);
	mkdir(dir, 0755);
	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGPIPE, SIG_IGN);
	fileToFile();
	socketToFile();
	pipes();
	errors();
	sendfileSources();
	return 0;
}
