// nofile: RLIMIT_NOFILE bounds the descriptor table as soon as it is
// set (Go raises its soft limit to the hard one at start-up and expects
// to open more than 1,024 files): open, dup, dup2, fcntl(F_DUPFD) and
// pipe against a raised and a lowered limit; descriptors above a lowered
// limit stay open. The limits are set explicitly (the native hard limit
// is the host's).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "show.h"

static int fds[3000];

// fill opens path until it fails or n descriptors are open, and prints
// how many it got (or, stopped by the limit, the highest descriptor: the
// count depends on what the runner left open) and the errno that
// stopped it.
static int fill(const char *what, const char *path, int n) {
	int got = 0;
	errno = 0;
	while (got < n) {
		int fd = path ? open(path, O_RDONLY) : dup(0);
		if (fd < 0)
			break;
		fds[got++] = fd;
	}
	if (got < n)
		printf("%s: stopped after fd %d, errno %d\n", what, got ? fds[got - 1] : -1, errno);
	else
		printf("%s: %d open\n", what, got);
	return got;
}

static void closeAll(int n) {
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	struct rlimit rl = {4096, 4096};
	show("setrlimit 4096", setrlimit(RLIMIT_NOFILE, &rl));
	getrlimit(RLIMIT_NOFILE, &rl);
	printf("limit %llu %llu\n", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	// More than the default 1,024: files of the filesystem and dups.
	int n = fill("open /etc/passwd x1500", "/etc/passwd", 1500);
	closeAll(n);
	n = fill("dup x2500", NULL, 2500);
	closeAll(n);
	show("dup2 to 4000", dup2(0, 4000));
	show("dup2 to 4096", dup2(0, 4096));
	show("F_DUPFD 4095", fcntl(0, F_DUPFD, 4095));
	show("F_DUPFD 4096", fcntl(0, F_DUPFD, 4096));

	// Lowered: the limit applies at once; fd 4000 stays open.
	rl.rlim_cur = 64;
	show("setrlimit 64", setrlimit(RLIMIT_NOFILE, &rl));
	n = fill("open /etc/passwd to 64", "/etc/passwd", 100);
	int p[2];
	show("pipe at the limit", pipe(p));
	closeAll(n);
	show("fcntl F_GETFD 4000 (above the limit)", fcntl(4000, F_GETFD));
	show("close 4000", close(4000));
	show("close 4095", close(4095));
	show("dup2 to 64", dup2(0, 64));
	show("F_DUPFD 64", fcntl(0, F_DUPFD, 64));
	show("dup2 to 63", dup2(0, 63));
	show("close 63", close(63));
	// Raising the soft limit up to the hard one needs no privilege.
	rl.rlim_cur = 4096;
	show("setrlimit back to 4096", setrlimit(RLIMIT_NOFILE, &rl));
	n = fill("dup x1200", NULL, 1200);
	closeAll(n);
	return 0;
}
