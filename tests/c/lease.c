// File leases (fcntl F_SETLEASE/F_GETLEASE, fcntl(2) "Leases"): which
// leases are granted and refused, F_SETSIG, and lease breaking by another
// process's open: the holder's signal (SIGIO with SI_KERNEL, or the
// F_SETSIG signal with POLL_MSG, si_band and si_fd), F_GETLEASE showing
// the break's target, the opener blocked until the holder releases or
// downgrades, O_NONBLOCK openers refused with EWOULDBLOCK, truncate(2)
// breaking a lease, and /proc/sys/fs/lease-break-time ending a break the
// holder ignores (the value read is written back). Run as root; argv[1]
// is a scratch directory to create (and remove).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "show.h"

#define SETSIG 40 /* a real-time signal number both C libraries accept */

static char path[512];

static const char *ltype(long t) {
	switch (t) {
	case F_RDLCK: return "F_RDLCK";
	case F_WRLCK: return "F_WRLCK";
	case F_UNLCK: return "F_UNLCK";
	}
	return "?";
}

static void getlease(const char *what, int fd) {
	long r = fcntl(fd, F_GETLEASE);
	if (r < 0)
		printf("%s: -1 errno %d\n", what, errno);
	else
		printf("%s: %s\n", what, ltype(r));
}

// waitsig waits up to 10 s for one of the blocked lease signals and prints
// what the kernel told (si_fd only means something with F_SETSIG).
static void waitsig(const char *what, int fd) {
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGIO);
	sigaddset(&set, SETSIG);
	struct timespec ts = {10, 0};
	siginfo_t si;
	int sig = sigtimedwait(&set, &si, &ts);
	if (sig < 0) {
		printf("%s: no signal errno %d\n", what, errno);
		return;
	}
	if (sig == SIGIO)
		printf("%s: SIGIO code %d\n", what, si.si_code);
	else
		printf("%s: F_SETSIG signal code %d band %#lx fd_matches %d\n", what, si.si_code,
		       (long)si.si_band, si.si_fd == fd);
}

// opener forks a child that opens path with flags; it reports through its
// exit status: 0 opened, else the errno.
static pid_t opener(int flags) {
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(path, flags);
		_exit(fd < 0 ? errno : 0);
	}
	return pid;
}

static void still_blocked(const char *what, pid_t pid) {
	usleep(200000);
	int st;
	printf("%s: child still waiting %d\n", what, waitpid(pid, &st, WNOHANG) == 0);
}

static void reap(const char *what, pid_t pid) {
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		printf("%s: child lost\n", what);
	else if (WEXITSTATUS(st) == 0)
		printf("%s: child opened\n", what);
	else
		printf("%s: child open errno %d\n", what, WEXITSTATUS(st));
}

static void grants(void) {
	int fd = open(path, O_RDONLY);
	getlease("no lease", fd);
	show("F_SETLEASE F_UNLCK without lease", fcntl(fd, F_SETLEASE, F_UNLCK));
	show("F_SETLEASE bad type", fcntl(fd, F_SETLEASE, 7));
	show("F_SETLEASE F_RDLCK", fcntl(fd, F_SETLEASE, F_RDLCK));
	getlease("after F_RDLCK", fd);
	int fd2 = open(path, O_RDONLY);
	show("second read lease", fcntl(fd2, F_SETLEASE, F_RDLCK));
	show("write lease with other fds", fcntl(fd2, F_SETLEASE, F_WRLCK));
	show("F_SETLEASE F_UNLCK", fcntl(fd, F_SETLEASE, F_UNLCK));
	show("F_SETLEASE F_UNLCK fd2", fcntl(fd2, F_SETLEASE, F_UNLCK));
	getlease("after F_UNLCK", fd);
	show("write lease with another fd open", fcntl(fd, F_SETLEASE, F_WRLCK));
	close(fd2);
	show("write lease alone", fcntl(fd, F_SETLEASE, F_WRLCK));
	getlease("after F_WRLCK", fd);
	show("downgrade to F_RDLCK", fcntl(fd, F_SETLEASE, F_RDLCK));
	getlease("after downgrade", fd);
	show("F_SETLEASE F_UNLCK", fcntl(fd, F_SETLEASE, F_UNLCK));
	close(fd);

	int wfd = open(path, O_RDWR);
	show("read lease on a fd open for writing", fcntl(wfd, F_SETLEASE, F_RDLCK));
	fd = open(path, O_RDONLY);
	show("read lease while a writer is open", fcntl(fd, F_SETLEASE, F_RDLCK));
	close(wfd);
	show("read lease once the writer closed", fcntl(fd, F_SETLEASE, F_RDLCK));
	close(fd);

	fd = open(path, O_RDONLY);
	show("lease dropped with its description", fcntl(fd, F_SETLEASE, F_WRLCK));
	fcntl(fd, F_SETLEASE, F_UNLCK);
	close(fd);

	int dfd = open(".", O_RDONLY | O_DIRECTORY);
	show("lease on a directory", fcntl(dfd, F_SETLEASE, F_RDLCK));
	close(dfd);
	int p[2];
	pipe(p);
	show("lease on a pipe", fcntl(p[0], F_SETLEASE, F_RDLCK));
	close(p[0]);
	close(p[1]);

	fd = open(path, O_RDONLY);
	show("F_GETSIG default", fcntl(fd, F_GETSIG));
	show("F_SETSIG", fcntl(fd, F_SETSIG, SETSIG));
	show("F_GETSIG", fcntl(fd, F_GETSIG));
	show("F_SETSIG 65", fcntl(fd, F_SETSIG, 65));
	close(fd);

	// Not the file's owner and without CAP_LEASE: EACCES.
	pid_t pid = fork();
	if (pid == 0) {
		if (setresuid(1234, 1234, 1234) != 0)
			_exit(99);
		int fd = open(path, O_RDONLY);
		long r = fcntl(fd, F_SETLEASE, F_RDLCK);
		_exit(r < 0 ? errno : 0);
	}
	int st;
	waitpid(pid, &st, 0);
	printf("unprivileged non-owner read lease: %d\n", WEXITSTATUS(st));
}

static void breaks(void) {
	// A read lease broken by a writer: SIGIO, the break shows F_UNLCK, the
	// writer waits until the holder releases.
	int fd = open(path, O_RDONLY);
	show("read lease", fcntl(fd, F_SETLEASE, F_RDLCK));
	pid_t pid = opener(O_WRONLY);
	waitsig("writer breaks read lease", fd);
	getlease("during break", fd);
	still_blocked("before release", pid);
	show("release", fcntl(fd, F_SETLEASE, F_UNLCK));
	reap("after release", pid);
	close(fd);

	// The same with F_SETSIG: the signal carries POLL_MSG and si_fd.
	fd = open(path, O_RDONLY);
	fcntl(fd, F_SETSIG, SETSIG);
	show("read lease", fcntl(fd, F_SETLEASE, F_RDLCK));
	pid = opener(O_WRONLY | O_TRUNC);
	waitsig("O_TRUNC writer breaks read lease", fd);
	getlease("during break", fd);
	still_blocked("before release", pid);
	show("release", fcntl(fd, F_SETLEASE, F_UNLCK));
	reap("after release", pid);
	close(fd);

	// A reader does not break a read lease.
	fd = open(path, O_RDONLY);
	show("read lease", fcntl(fd, F_SETLEASE, F_RDLCK));
	pid = opener(O_RDONLY);
	reap("reader against read lease", pid);
	getlease("after reader", fd);
	fcntl(fd, F_SETLEASE, F_UNLCK);
	close(fd);

	// A write lease broken by a reader: downgrading is enough.
	fd = open(path, O_RDONLY);
	show("write lease", fcntl(fd, F_SETLEASE, F_WRLCK));
	pid = opener(O_RDONLY);
	waitsig("reader breaks write lease", fd);
	getlease("during break", fd);
	still_blocked("before downgrade", pid);
	show("downgrade", fcntl(fd, F_SETLEASE, F_RDLCK));
	reap("after downgrade", pid);
	getlease("after downgrade", fd);
	fcntl(fd, F_SETLEASE, F_UNLCK);
	close(fd);

	// O_NONBLOCK: the break starts, the opener gets EWOULDBLOCK.
	fd = open(path, O_RDONLY);
	show("read lease", fcntl(fd, F_SETLEASE, F_RDLCK));
	pid = opener(O_WRONLY | O_NONBLOCK);
	reap("non-blocking writer", pid);
	waitsig("non-blocking writer", fd);
	getlease("during break", fd);
	show("release", fcntl(fd, F_SETLEASE, F_UNLCK));
	close(fd);

	// truncate(2) breaks a lease too.
	fd = open(path, O_RDONLY);
	show("read lease", fcntl(fd, F_SETLEASE, F_RDLCK));
	pid = fork();
	if (pid == 0)
		_exit(truncate(path, 0) < 0 ? errno : 0);
	waitsig("truncate breaks read lease", fd);
	still_blocked("before release", pid);
	show("release", fcntl(fd, F_SETLEASE, F_UNLCK));
	reap("truncate after release", pid);
	close(fd);
}

// timeout: a holder that ignores the break loses its lease after
// lease-break-time seconds.
static void timeout(void) {
	char old[32] = "";
	int pfd = open("/proc/sys/fs/lease-break-time", O_RDONLY);
	long n = read(pfd, old, sizeof old - 1);
	close(pfd);
	printf("lease-break-time readable: %d\n", n > 0);
	pfd = open("/proc/sys/fs/lease-break-time", O_WRONLY);
	show("set lease-break-time 1", write(pfd, "1\n", 2));
	close(pfd);
	char now[32] = "";
	pfd = open("/proc/sys/fs/lease-break-time", O_RDONLY);
	read(pfd, now, sizeof now - 1);
	close(pfd);
	printf("lease-break-time now: %s", now);

	int fd = open(path, O_RDONLY);
	show("read lease", fcntl(fd, F_SETLEASE, F_RDLCK));
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = opener(O_WRONLY);
	waitsig("ignored break", fd);
	reap("after lease-break-time", pid);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double waited = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("waited about the break time: %d\n", waited > 0.5 && waited < 5);
	getlease("after timeout", fd);
	close(fd);

	pfd = open("/proc/sys/fs/lease-break-time", O_WRONLY);
	if (n > 0)
		write(pfd, old, n);
	close(pfd);
}

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: lease DIR [timeout]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGIO);
	sigaddset(&set, SETSIG);
	sigprocmask(SIG_BLOCK, &set, NULL);
	mkdir(argv[1], 0755);
	if (chdir(argv[1]) != 0) {
		perror("chdir");
		return 1;
	}
	snprintf(path, sizeof path, "%s/leased", argv[1]);
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	write(fd, "contents\n", 9);
	close(fd);
	if (argc > 2 && strcmp(argv[2], "timeout") == 0) {
		timeout();
	} else {
		grants();
		breaks();
	}
	unlink(path);
	chdir("/");
	show("rmdir", rmdir(argv[1]));
	return 0;
}
