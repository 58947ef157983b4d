// access/faccessat check the real IDs and faccessat2 with AT_EACCESS the
// effective ones (a root-owned 0600 file, from a process whose real and
// effective IDs differ both ways); posix_fadvise's rules on a file, a
// pipe and with bad advice; recvmmsg's timeout, looked at between
// datagrams, and the time left written back. Run as root; argv[1] is a
// scratch directory to create.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "show.h"

static void access_checks(const char *who, const char *file) {
	char what[128];
	snprintf(what, sizeof what, "%s access R_OK", who);
	show(what, access(file, R_OK));
	snprintf(what, sizeof what, "%s faccessat R_OK", who);
	show(what, faccessat(AT_FDCWD, file, R_OK, 0));
	snprintf(what, sizeof what, "%s faccessat2 R_OK", who);
	show(what, syscall(SYS_faccessat2, AT_FDCWD, file, R_OK, 0));
	snprintf(what, sizeof what, "%s faccessat2 AT_EACCESS R_OK", who);
	show(what, syscall(SYS_faccessat2, AT_FDCWD, file, R_OK, AT_EACCESS));
}

int main(int argc, char **argv) {
	if (argc < 2)
		return 2;
	setvbuf(stdout, NULL, _IONBF, 0);
	const char *dir = argv[1];
	mkdir(dir, 0755);
	char file[512];
	snprintf(file, sizeof file, "%s/secret", dir);
	int fd = open(file, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	write(fd, "s", 1);
	close(fd);
	chmod(file, 0600);

	access_checks("root", file);
	pid_t pid = fork();
	if (pid == 0) {
		// Real root, effective nobody.
		if (setresuid(0, 65534, 0) != 0)
			printf("setresuid: errno %d\n", errno);
		access_checks("ruid 0 euid nobody", file);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	pid = fork();
	if (pid == 0) {
		// Real nobody, effective root.
		if (setresuid(65534, 0, 0) != 0)
			printf("setresuid: errno %d\n", errno);
		access_checks("ruid nobody euid 0", file);
		_exit(0);
	}
	waitpid(pid, NULL, 0);

	// posix_fadvise (the raw call: glibc's returns the errno).
	fd = open(file, O_RDONLY);
	show("fadvise WILLNEED", syscall(SYS_fadvise64, fd, 0, 0, POSIX_FADV_WILLNEED));
	show("fadvise DONTNEED", syscall(SYS_fadvise64, fd, 0, 4096, POSIX_FADV_DONTNEED));
	show("fadvise SEQUENTIAL", syscall(SYS_fadvise64, fd, 0, 0, POSIX_FADV_SEQUENTIAL));
	show("fadvise bad advice", syscall(SYS_fadvise64, fd, 0, 0, 99));
	show("fadvise negative length", syscall(SYS_fadvise64, fd, 0, -1, POSIX_FADV_NORMAL));
	close(fd);
	show("fadvise bad fd", syscall(SYS_fadvise64, 999, 0, 0, POSIX_FADV_NORMAL));
	int p[2];
	pipe(p);
	show("fadvise pipe", syscall(SYS_fadvise64, p[0], 0, 0, POSIX_FADV_NORMAL));
	fd = open("/etc/hostname", O_RDONLY);
	show("fadvise host file", syscall(SYS_fadvise64, fd, 0, 0, POSIX_FADV_WILLNEED));
	close(fd);

	// recvmmsg's timeout.
	int sv[2];
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	for (int i = 0; i < 3; i++)
		send(sv[1], "dgram", 5, 0);
	char bufs[5][16];
	struct iovec iov[5];
	struct mmsghdr msgs[5];
	memset(msgs, 0, sizeof msgs);
	for (int i = 0; i < 5; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof bufs[i];
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	struct timespec ts = {0, 0};
	show("recvmmsg zero timeout", recvmmsg(sv[0], msgs, 5, MSG_DONTWAIT, &ts));
	printf("  left %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
	ts.tv_sec = 10;
	show("recvmmsg long timeout", recvmmsg(sv[0], msgs, 5, MSG_DONTWAIT, &ts));
	printf("  left positive, at most 10 s: %d\n", ts.tv_sec >= 0 && ts.tv_sec <= 10 && (ts.tv_sec > 0 || ts.tv_nsec > 0));
	ts.tv_nsec = 1000000000;
	show("recvmmsg bad timeout", recvmmsg(sv[0], msgs, 5, MSG_DONTWAIT, &ts));
	ts.tv_sec = -1;
	ts.tv_nsec = 0;
	show("recvmmsg negative timeout", recvmmsg(sv[0], msgs, 5, MSG_DONTWAIT, &ts));
	show("recvmmsg bad timeout pointer", recvmmsg(sv[0], msgs, 5, MSG_DONTWAIT, (struct timespec *)16));
	unlink(file);
	return 0;
}
