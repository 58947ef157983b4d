// dnotify: fcntl(F_NOTIFY) on a directory (CPython's test_fcntl_64_bit
// passes DN_MULTISHOT alone): each DN_* event of the directory's entries
// (create, modify, attrib, access, delete, rename), the F_SETSIG signal
// with si_fd and POLL_MSG, plain SIGIO without it, one-shot and
// multishot registrations, masks that add up, the owner F_NOTIFY sets,
// no signal after close, and ENOTDIR for other files.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errname.h"

#define NFD 64
static volatile int rt_count[NFD], rt_bad, sigio_count;

static void on_rt(int sig, siginfo_t *si, void *uc) {
	(void)sig, (void)uc;
	if (si->si_code != 3 /* POLL_MSG */ || si->si_band != (0x1 | 0x40 | 0x400) || si->si_fd < 0 || si->si_fd >= NFD)
		rt_bad++;
	else
		rt_count[si->si_fd]++;
}

static void on_io(int sig) {
	(void)sig;
	sigio_count++;
}

static const char *res(long r) {
	static char buf[32];
	if (r < 0)
		snprintf(buf, sizeof buf, "-1 %s", errname(errno));
	else
		snprintf(buf, sizeof buf, "%ld", r);
	return buf;
}

static char dir[64];
static int fds[4];

static void counts(const char *what) {
	printf("%-22s", what);
	for (int i = 0; i < 4; i++)
		printf(" %d", fds[i] >= 0 ? rt_count[fds[i]] : -1);
	printf(" sigio %d bad %d\n", sigio_count, rt_bad);
}

static void path(char *buf, const char *name) { snprintf(buf, 128, "%s/%s", dir, name); }

int main(void) {
	struct sigaction sa = {0};
	sa.sa_sigaction = on_rt;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGRTMIN + 2, &sa, NULL);
	signal(SIGIO, on_io);

	strcpy(dir, "/tmp/dnotify-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	char a[128], b[128], c[128];
	path(a, "a");
	path(b, "b");
	path(c, "c");
	int reg = open(a, O_CREAT | O_RDWR, 0644);
	printf("regular file %s\n", res(fcntl(reg, F_NOTIFY, DN_CREATE)));
	printf("regular file, no event bit %s\n", res(fcntl(reg, F_NOTIFY, 0)));
	printf("regular file, multishot only %s\n", res(fcntl(reg, F_NOTIFY, DN_MULTISHOT)));
	int p[2];
	pipe(p);
	printf("pipe %s\n", res(fcntl(p[0], F_NOTIFY, DN_CREATE)));

	// fds[0]: every event, multishot. fds[1]: one-shot create.
	// fds[2]: delete then rename added (the masks add up), multishot.
	// fds[3]: SIGIO (no F_SETSIG), modify, multishot.
	for (int i = 0; i < 4; i++) {
		fds[i] = open(dir, O_RDONLY | O_DIRECTORY);
		if (i < 3)
			fcntl(fds[i], F_SETSIG, SIGRTMIN + 2);
	}
	printf("all %s\n", res(fcntl(fds[0], F_NOTIFY, DN_ACCESS | DN_MODIFY | DN_CREATE | DN_DELETE | DN_RENAME | DN_ATTRIB | DN_MULTISHOT)));
	printf("owner is the caller %d\n", fcntl(fds[0], F_GETOWN) == getpid());
	// An owner set before stays (here the caller's main thread, by tid).
	struct f_owner_ex own = {F_OWNER_TID, gettid()}, got = {0};
	fcntl(fds[3], F_SETOWN_EX, &own);
	printf("one-shot create %s\n", res(fcntl(fds[1], F_NOTIFY, DN_CREATE)));
	printf("delete %s\n", res(fcntl(fds[2], F_NOTIFY, DN_DELETE | DN_MULTISHOT)));
	printf("rename added %s\n", res(fcntl(fds[2], F_NOTIFY, DN_RENAME)));
	printf("sigio modify %s\n", res(fcntl(fds[3], F_NOTIFY, DN_MODIFY | DN_MULTISHOT)));
	fcntl(fds[3], F_GETOWN_EX, &got);
	printf("owner kept %d\n", got.type == F_OWNER_TID && got.pid == gettid());
	counts("registered");

	close(open(b, O_CREAT | O_WRONLY, 0644));
	counts("create b");
	close(open(c, O_CREAT | O_WRONLY, 0644));
	counts("create c");
	write(reg, "x", 1);
	counts("write a");
	fchmod(reg, 0600);
	counts("chmod a");
	char ch;
	pread(reg, &ch, 1, 0);
	counts("read a");
	char b2[128], sub[128];
	path(b2, "b2");
	rename(b, b2);
	counts("rename b");
	unlink(c);
	counts("unlink c");
	path(sub, "sub");
	mkdir(sub, 0755);
	counts("mkdir sub");
	rmdir(sub);
	counts("rmdir sub");
	fchmod(fds[0], 0700); // the directory itself: no event
	counts("chmod the directory");

	close(fds[2]);
	fds[2] = -1;
	unlink(b2);
	counts("fds[2] closed, unlink");
	printf("drop fds[0] %s\n", res(fcntl(fds[0], F_NOTIFY, 0)));
	write(reg, "y", 1);
	counts("write after drop");
	close(reg);
	unlink(a);
	rmdir(dir);
	return 0;
}
