/* net_unix: AF_UNIX sockets bound to a path (inside the app's /tmp under
 * elfloader) and in the abstract namespace: a stream server with a client
 * thread, stat of the socket file, errno cases (EADDRINUSE, ENOENT,
 * ECONNREFUSED), datagram and seqpacket sockets, getsockname/getpeername.
 *
 * Usage: net_unix [PATH [keep]]. PATH defaults to /tmp/elfnet-PID.sock;
 * with "keep" the socket file is left in place at exit. Nothing printed
 * depends on the path or the pid. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static socklen_t path_addr(struct sockaddr_un *a, const char *path) {
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	strncpy(a->sun_path, path, sizeof a->sun_path - 1);
	return offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
}

static socklen_t abstract_addr(struct sockaddr_un *a, const char *name) {
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path + 1, name, strlen(name));
	return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
}

static const char *err(int rc) {
	if (rc >= 0) {
		return "ok";
	}
	switch (errno) {
	case EADDRINUSE: return "EADDRINUSE";
	case ENOENT: return "ENOENT";
	case ECONNREFUSED: return "ECONNREFUSED";
	case EINVAL: return "EINVAL";
	case EAGAIN: return "EAGAIN";
	}
	return strerror(errno);
}

struct target {
	struct sockaddr_un addr;
	socklen_t len;
	int type;
};

static void *client(void *arg) {
	struct target *t = arg;
	int c = socket(AF_UNIX, t->type, 0);
	if (connect(c, (struct sockaddr *)&t->addr, t->len) < 0) {
		printf("client connect: %s\n", err(-1));
		return NULL;
	}
	write(c, "hello over unix", 15);
	char buf[64];
	ssize_t n = read(c, buf, sizeof buf);
	printf("client got: %.*s\n", (int)(n > 0 ? n : 0), buf);
	close(c);
	return NULL;
}

/* serve_one accepts one client of a thread and echoes its message upper-cased. */
static void serve_one(int l, struct target *t) {
	pthread_t th;
	pthread_create(&th, NULL, client, t);
	struct sockaddr_un peer;
	socklen_t plen = sizeof peer;
	int s = accept(l, (struct sockaddr *)&peer, &plen);
	printf("accept: %s, unnamed peer: %d\n", err(s), plen == offsetof(struct sockaddr_un, sun_path));
	char buf[64];
	ssize_t n = read(s, buf, sizeof buf);
	for (int i = 0; i < n; i++) {
		if (buf[i] >= 'a' && buf[i] <= 'z') {
			buf[i] -= 'a' - 'A';
		}
	}
	write(s, buf, n);
	pthread_join(th, NULL);
	close(s);
}

static void test_path(const char *path, int keep) {
	struct target t = {.type = SOCK_STREAM};
	t.len = path_addr(&t.addr, path);
	unlink(path);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	printf("bind path: %s\n", err(bind(l, (struct sockaddr *)&t.addr, t.len)));
	struct stat st;
	int rc = lstat(path, &st);
	printf("lstat: %s, is socket: %d\n", err(rc), rc == 0 && S_ISSOCK(st.st_mode));
	struct sockaddr_un name;
	socklen_t nlen = sizeof name;
	getsockname(l, (struct sockaddr *)&name, &nlen);
	printf("getsockname matches: %d\n", nlen == t.len && strcmp(name.sun_path, path) == 0);
	printf("listen: %s\n", err(listen(l, 4)));
	int again = socket(AF_UNIX, SOCK_STREAM, 0);
	printf("bind same path again: %s\n", err(bind(again, (struct sockaddr *)&t.addr, t.len)));
	close(again);
	serve_one(l, &t);
	close(l);
	/* The file stays after close; connecting to it is refused. */
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	printf("connect after close: %s\n", err(connect(c, (struct sockaddr *)&t.addr, t.len)));
	close(c);
	printf("file still there: %d\n", lstat(path, &st) == 0);
	if (!keep) {
		printf("unlink: %s\n", err(unlink(path)));
	} else {
		l = socket(AF_UNIX, SOCK_STREAM, 0);
		unlink(path);
		bind(l, (struct sockaddr *)&t.addr, t.len);
		listen(l, 1);
		printf("kept\n");
	}
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un missing;
	socklen_t mlen = path_addr(&missing, "/tmp/elfnet-does-not-exist/sock");
	printf("connect missing path: %s\n", err(connect(c, (struct sockaddr *)&missing, mlen)));
	close(c);
}

static void test_abstract(void) {
	char name[64];
	snprintf(name, sizeof name, "elfnet-abstract-%d", (int)getpid());
	struct target t = {.type = SOCK_STREAM};
	t.len = abstract_addr(&t.addr, name);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	printf("bind abstract: %s\n", err(bind(l, (struct sockaddr *)&t.addr, t.len)));
	int again = socket(AF_UNIX, SOCK_STREAM, 0);
	printf("bind abstract again: %s\n", err(bind(again, (struct sockaddr *)&t.addr, t.len)));
	close(again);
	struct sockaddr_un got;
	socklen_t glen = sizeof got;
	getsockname(l, (struct sockaddr *)&got, &glen);
	printf("abstract getsockname matches: %d\n", glen == t.len && memcmp(&got, &t.addr, glen) == 0);
	listen(l, 4);
	serve_one(l, &t);
	close(l);
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	printf("connect abstract after close: %s\n", err(connect(c, (struct sockaddr *)&t.addr, t.len)));
	close(c);
}

static void test_dgram_seqpacket(void) {
	char name[64];
	snprintf(name, sizeof name, "elfnet-dgram-%d", (int)getpid());
	struct sockaddr_un a;
	socklen_t alen = abstract_addr(&a, name);
	int srv = socket(AF_UNIX, SOCK_DGRAM, 0);
	bind(srv, (struct sockaddr *)&a, alen);
	int cl = socket(AF_UNIX, SOCK_DGRAM, 0);
	sendto(cl, "one", 3, 0, (struct sockaddr *)&a, alen);
	sendto(cl, "second", 6, 0, (struct sockaddr *)&a, alen);
	char buf[64];
	ssize_t n1 = recv(srv, buf, sizeof buf, 0);
	ssize_t n2 = recv(srv, buf, sizeof buf, 0);
	printf("unix dgram boundaries: %zd %zd\n", n1, n2);
	printf("unix dgram empty: %s\n", err(recv(srv, buf, sizeof buf, MSG_DONTWAIT)));
	close(cl);
	close(srv);

	int sp[2];
	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp);
	write(sp[0], "abc", 3);
	write(sp[0], "defgh", 5);
	n1 = read(sp[1], buf, 2); /* truncates the first record */
	n2 = read(sp[1], buf, sizeof buf);
	printf("seqpacket records: %zd %zd %.5s\n", n1, n2, buf);
	close(sp[0]);
	printf("seqpacket EOF: %zd\n", read(sp[1], buf, sizeof buf));
	close(sp[1]);
}

/* test_autobind_long: a bind with only the family autobinds to "\0" and
 * five hex digits, which others can connect to; an abstract name of the
 * full 107 bytes binds, connects and reads back whole. */
static void test_autobind_long(void) {
	int a = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	printf("autobind: %d\n", bind(a, (struct sockaddr *)&sa, sizeof(sa_family_t)));
	struct sockaddr_un got;
	socklen_t len = sizeof got;
	getsockname(a, (struct sockaddr *)&got, &len);
	int hex = len == sizeof(sa_family_t) + 6 && got.sun_path[0] == 0;
	for (int i = 1; hex && i < 6; i++)
		hex = strchr("0123456789abcdef", got.sun_path[i]) != NULL;
	printf("autobind name: length %u, NUL and five hex digits %d\n", len, hex);
	int b = socket(AF_UNIX, SOCK_DGRAM, 0);
	printf("sendto the autobound name: %zd\n", sendto(b, "hi", 2, 0, (struct sockaddr *)&got, len));
	char buf[8];
	printf("received: %zd\n", recv(a, buf, sizeof buf, 0));
	close(a);
	close(b);

	struct sockaddr_un longsa = {.sun_family = AF_UNIX};
	memset(longsa.sun_path + 1, 'L', sizeof longsa.sun_path - 1);
	snprintf(longsa.sun_path + 1, 16, "long%d", (int)getpid());
	longsa.sun_path[1 + strlen(longsa.sun_path + 1)] = 'L';
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	printf("bind a 107-byte abstract name: %d\n", bind(l, (struct sockaddr *)&longsa, sizeof longsa));
	listen(l, 1);
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	printf("connect to it: %d\n", connect(c, (struct sockaddr *)&longsa, sizeof longsa));
	len = sizeof got;
	getsockname(l, (struct sockaddr *)&got, &len);
	printf("getsockname: length %u, same name %d\n", len, len == sizeof longsa && !memcmp(&got, &longsa, len));
	int s = accept(l, NULL, NULL);
	len = sizeof got;
	getpeername(c, (struct sockaddr *)&got, &len);
	printf("getpeername: same name %d\n", len == sizeof longsa && !memcmp(&got, &longsa, len));
	close(s);
	close(c);
	close(l);
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IONBF, 0);
	char path[108];
	if (argc > 1) {
		snprintf(path, sizeof path, "%s", argv[1]);
	} else {
		snprintf(path, sizeof path, "/tmp/elfnet-%d.sock", (int)getpid());
	}
	test_path(path, argc > 2 && strcmp(argv[2], "keep") == 0);
	test_abstract();
	test_dgram_seqpacket();
	test_autobind_long();
	printf("done\n");
	return 0;
}
