// scm_creds: recvmsg's msg_flags carries the call's MSG_CMSG_CLOEXEC (as
// Linux's ____sys_recvmsg starts it) next to MSG_TRUNC; SCM_CREDENTIALS
// on a unix socketpair with SO_PASSCRED, sent explicitly and implicitly
// by the same process, reads back the process's pid, uid and gid;
// MSG_CMSG_COMPAT is refused by the 64-bit calls.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "show.h"

#ifndef MSG_CMSG_COMPAT
#define MSG_CMSG_COMPAT 0x80000000
#endif

// receive reads one message with flags and prints msg_flags and the
// credentials it carried, compared with the caller's.
static void receive(const char *what, int fd, int flags, size_t bufLen) {
	char buf[16];
	char cbuf[CMSG_SPACE(sizeof(struct ucred))];
	memset(cbuf, 0, sizeof cbuf);
	struct iovec iov = {buf, bufLen};
	struct msghdr m;
	memset(&m, 0, sizeof m);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof cbuf;
	long n = recvmsg(fd, &m, flags);
	if (n < 0) {
		printf("%s: -1 errno %d\n", what, errno);
		return;
	}
	printf("%s: n %ld msg_flags %#x controllen %zu", what, n, m.msg_flags, (size_t)m.msg_controllen);
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
		struct ucred u;
		memcpy(&u, CMSG_DATA(c), sizeof u);
		printf(" creds: pid %d uid %d gid %d", u.pid == getpid(), u.uid == getuid(), u.gid == getgid());
	}
	printf("\n");
}

static void sendCreds(int fd) {
	struct ucred u = {getpid(), getuid(), getgid()};
	char cbuf[CMSG_SPACE(sizeof u)];
	memset(cbuf, 0, sizeof cbuf);
	struct iovec iov = {"x", 1};
	struct msghdr m;
	memset(&m, 0, sizeof m);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof cbuf;
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = CMSG_LEN(sizeof u);
	memcpy(CMSG_DATA(c), &u, sizeof u);
	show("sendmsg SCM_CREDENTIALS", sendmsg(fd, &m, 0));
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	int types[] = {SOCK_DGRAM, SOCK_STREAM};
	for (int i = 0; i < 2; i++) {
		printf("-- %s\n", types[i] == SOCK_DGRAM ? "dgram" : "stream");
		int sv[2];
		show("socketpair", socketpair(AF_UNIX, types[i], 0, sv));
		send(sv[1], "hello", 5, 0);
		receive("no SO_PASSCRED, CLOEXEC", sv[0], MSG_CMSG_CLOEXEC, 16);
		send(sv[1], "hello", 5, 0);
		receive("no SO_PASSCRED, plain", sv[0], 0, 16);
		int one = 1;
		show("SO_PASSCRED", setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof one));
		sendCreds(sv[1]);
		receive("explicit creds, CLOEXEC", sv[0], MSG_CMSG_CLOEXEC, 16);
		send(sv[1], "hello", 5, 0);
		receive("implicit creds", sv[0], 0, 16);
		send(sv[1], "hello", 5, 0);
		receive("short buffer, CLOEXEC", sv[0], MSG_CMSG_CLOEXEC, 2);
		if (types[i] == SOCK_STREAM)
			receive("rest", sv[0], MSG_DONTWAIT, 16);
		send(sv[1], "hello", 5, 0);
		receive("MSG_CMSG_COMPAT", sv[0], MSG_CMSG_COMPAT | MSG_DONTWAIT, 16);
		close(sv[0]);
		close(sv[1]);
	}
	return 0;
}
