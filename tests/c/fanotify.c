// fanotify: notification groups on a fresh directory under /tmp (the
// native run sees the host's, elfloader its own vfs): a child's opens,
// reads, writes and closes step by step and merged, the event fd and pid
// of each event, directory, mount and filesystem marks, ignore masks,
// mark removal and flush, nonblocking reads, poll, FIONREAD, queue
// overflow, the errors, and EPERM without CAP_SYS_ADMIN. Prints no
// numbers that differ between runs: relations only.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errname.h"

static char dir[64];
static int toChild[2], toParent[2];

static const char *res(long r)
{
	static char buf[32];
	if (r < 0)
		return errname(errno);
	snprintf(buf, sizeof buf, "%ld", r);
	return buf;
}

static void masks(uint64_t m, char *out, size_t n)
{
	static const struct { uint64_t bit; const char *name; } names[] = {
		{FAN_ACCESS, "ACCESS"}, {FAN_MODIFY, "MODIFY"}, {FAN_CLOSE_WRITE, "CLOSE_WRITE"},
		{FAN_CLOSE_NOWRITE, "CLOSE_NOWRITE"}, {FAN_OPEN, "OPEN"}, {FAN_Q_OVERFLOW, "Q_OVERFLOW"},
		{FAN_OPEN_EXEC, "OPEN_EXEC"}, {FAN_ONDIR, "ONDIR"}, {FAN_EVENT_ON_CHILD, "ON_CHILD"},
	};
	out[0] = 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (m & names[i].bit) {
			if (out[0])
				strncat(out, "|", n - strlen(out) - 1);
			strncat(out, names[i].name, n - strlen(out) - 1);
			m &= ~names[i].bit;
		}
	}
	if (m)
		snprintf(out + strlen(out), n - strlen(out), "|0x%llx", (unsigned long long)m);
}

// drain reads every queued event (nonblocking) and prints each: its mask,
// which of the names its fd refers to, and whether the pid is want. With
// onlyPid, events of other processes are skipped (mount marks natively see
// the host's).
static int drain(int fd, pid_t want, const char *const *names, int onlyPid)
{
	char buf[4096] __attribute__((aligned(8)));
	int count = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0) {
			if (errno != EAGAIN)
				printf("  read: %s\n", errname(errno));
			return count;
		}
		for (struct fanotify_event_metadata *m = (void *)buf; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
			if (onlyPid && m->pid != want) {
				if (m->fd >= 0)
					close(m->fd);
				continue;
			}
			char mk[128];
			masks(m->mask, mk, sizeof mk);
			const char *which = "none";
			if (m->fd >= 0) {
				struct stat fs, ps;
				fstat(m->fd, &fs);
				which = "other";
				for (int i = 0; names && names[i]; i++) {
					char p[128];
					snprintf(p, sizeof p, "%s/%s", dir, names[i]);
					if (stat(p, &ps) == 0 && ps.st_ino == fs.st_ino && ps.st_dev == fs.st_dev) {
						which = names[i];
						break;
					}
				}
				int fl = fcntl(m->fd, F_GETFL);
				int fdfl = fcntl(m->fd, F_GETFD);
				printf("  %s fd=%s acc=%s cloexec=%d pid=%s vers=%s\n", mk, which,
				       (fl & O_ACCMODE) == O_RDONLY ? "r" : (fl & O_ACCMODE) == O_WRONLY ? "w" : "rw",
				       fdfl & FD_CLOEXEC ? 1 : 0, m->pid == want ? "child" : "other",
				       m->vers == FANOTIFY_METADATA_VERSION && m->metadata_len == FAN_EVENT_METADATA_LEN ? "ok" : "bad");
				close(m->fd);
			} else {
				printf("  %s fd=%d pid=%d\n", mk, m->fd, m->pid);
			}
			count++;
		}
	}
}

static void path(char *out, const char *name) { sprintf(out, "%s/%s", dir, name); }

// step tells the child to run its next step and waits until it did.
static int step(void)
{
	char c = 's';
	if (write(toChild[1], &c, 1) != 1 || read(toParent[0], &c, 1) != 1)
		return 0;
	return c == 's';
}

static void childWait(void)
{
	char c;
	if (read(toChild[0], &c, 1) != 1)
		_exit(0);
}

static void childDone(void)
{
	char c = 's';
	write(toParent[1], &c, 1);
}

static void child(void)
{
	char p[128], b[16];
	int fd;
	childWait(); path(p, "a"); fd = open(p, O_RDONLY); childDone();
	childWait(); read(fd, b, 4); childDone();
	childWait(); close(fd); childDone();
	childWait(); path(p, "b"); fd = open(p, O_WRONLY); childDone();
	childWait(); write(fd, "data", 4); childDone();
	childWait(); close(fd); childDone();
	childWait(); path(p, "sub"); fd = open(p, O_RDONLY | O_DIRECTORY); close(fd); childDone();
	childWait(); path(p, "a"); fd = open(p, O_RDWR); read(fd, b, 2); write(fd, "x", 1); pread(fd, b, 1, 0); close(fd); childDone();
	childWait(); path(p, "a"); fd = open(p, O_RDONLY); close(fd); path(p, "b"); fd = open(p, O_RDONLY); close(fd); childDone();
	childWait(); path(p, "sub/c"); fd = open(p, O_RDONLY); close(fd); childDone();
	_exit(0);
}

static pid_t startChild(void)
{
	pipe(toChild);
	pipe(toParent);
	pid_t pid = fork();
	if (pid == 0) {
		close(toChild[1]);
		close(toParent[0]);
		child();
	}
	close(toChild[0]);
	close(toParent[1]);
	return pid;
}

static void endChild(pid_t pid)
{
	close(toChild[1]);
	close(toParent[0]);
	waitpid(pid, NULL, 0);
}

static void touch(const char *name)
{
	char p[128];
	path(p, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	write(fd, "content", 7);
	close(fd);
}

// simpleChild runs fn in a child and returns its pid once it exited.
static pid_t simpleChild(void (*fn)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		fn();
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	return pid;
}

static void writeA(void)
{
	char p[128];
	path(p, "a");
	int fd = open(p, O_WRONLY);
	write(fd, "y", 1);
	close(fd);
}

static void openBoth(void)
{
	char p[128];
	path(p, "a");
	close(open(p, O_RDONLY));
	path(p, "b");
	close(open(p, O_RDONLY));
}

static void unprivileged(void)
{
	if (setuid(65534) != 0) {
		printf("setuid: %s\n", errname(errno));
		return;
	}
	printf("unprivileged fanotify_init: %s\n", res(fanotify_init(FAN_CLASS_NOTIF, O_RDONLY)));
}

#define NOVER 16500

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	strcpy(dir, "/tmp/fanotify-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	char p[128];
	touch("a");
	touch("b");
	path(p, "sub");
	mkdir(p, 0755);
	touch("sub/c");
	static const char *const names[] = {"a", "b", "sub", "sub/c", NULL};

	// Errors first.
	printf("init bad flags: %s\n", res(fanotify_init(0x80000000u, O_RDONLY)));
	printf("init event_f_flags O_ACCMODE: %s\n", res(fanotify_init(FAN_CLASS_NOTIF, O_ACCMODE)));
	printf("init event_f_flags O_TRUNC: %s\n", res(fanotify_init(FAN_CLASS_NOTIF, O_RDONLY | O_TRUNC)));
	printf("init both classes: %s\n", res(fanotify_init(FAN_CLASS_CONTENT | FAN_CLASS_PRE_CONTENT, O_RDONLY)));

	int fan = fanotify_init(FAN_CLASS_NOTIF | FAN_NONBLOCK | FAN_CLOEXEC, O_RDONLY | O_CLOEXEC);
	printf("fanotify_init: %s\n", fan >= 0 ? "ok" : errname(errno));
	printf("fd flags: nonblock=%d cloexec=%d acc=%s\n", (fcntl(fan, F_GETFL) & O_NONBLOCK) != 0,
	       (fcntl(fan, F_GETFD) & FD_CLOEXEC) != 0, (fcntl(fan, F_GETFL) & O_ACCMODE) == O_RDWR ? "rw" : "other");
	char buf[256];
	printf("empty read: %s\n", res(read(fan, buf, sizeof buf)));
	printf("mark bad fd: %s\n", res(fanotify_mark(-1, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, dir)));
	printf("mark not fanotify: %s\n", res(fanotify_mark(1, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, dir)));
	printf("mark mask 0: %s\n", res(fanotify_mark(fan, FAN_MARK_ADD, 0, AT_FDCWD, dir)));
	printf("mark no command: %s\n", res(fanotify_mark(fan, 0, FAN_OPEN, AT_FDCWD, dir)));
	printf("mark ADD|REMOVE: %s\n", res(fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_REMOVE, FAN_OPEN, AT_FDCWD, dir)));
	printf("mark FAN_CREATE without fid: %s\n", res(fanotify_mark(fan, FAN_MARK_ADD, FAN_CREATE, AT_FDCWD, dir)));
	printf("mark FAN_OPEN_PERM in notif class: %s\n", res(fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN_PERM, AT_FDCWD, dir)));
	printf("mark missing path: %s\n", res(fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, "/tmp/fanotify-none/x")));
	path(p, "a");
	printf("mark ONLYDIR on a file: %s\n", res(fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_ONLYDIR, FAN_OPEN, AT_FDCWD, p)));
	printf("remove absent mark: %s\n", res(fanotify_mark(fan, FAN_MARK_REMOVE, FAN_OPEN, AT_FDCWD, dir)));

	// A directory mark that hears its children.
	printf("mark dir: %s\n", res(fanotify_mark(fan, FAN_MARK_ADD,
	       FAN_OPEN | FAN_ACCESS | FAN_MODIFY | FAN_CLOSE | FAN_EVENT_ON_CHILD | FAN_ONDIR, AT_FDCWD, dir)));
	struct pollfd pfd = {.fd = fan, .events = POLLIN};
	printf("poll before: %d\n", poll(&pfd, 1, 0));
	pid_t c = startChild();
	static const char *const steps[] = {"open a", "read a", "close a", "open b for writing", "write b",
		"close b", "open and close sub", "open a rdwr, read, write, pread, close", "open and close a and b",
		"open and close sub/c"};
	for (int i = 0; i < 10; i++) {
		if (!step()) {
			printf("child lost\n");
			break;
		}
		if (i == 0) {
			int n = -1;
			printf("poll after: %d revents=%s\n", poll(&pfd, 1, 0), (pfd.revents & POLLIN) ? "POLLIN" : "other");
			ioctl(fan, FIONREAD, &n);
			printf("FIONREAD: %d\n", n);
		}
		printf("%s:\n", steps[i]);
		drain(fan, c, names, 0);
	}
	endChild(c);
	printf("after exit:\n");
	drain(fan, c, names, 0);

	// An ignore mask on a (the directory still marked): only b's open.
	fanotify_mark(fan, FAN_MARK_REMOVE, FAN_ACCESS | FAN_MODIFY | FAN_CLOSE, AT_FDCWD, dir);
	path(p, "a");
	printf("ignore a's opens: %s\n", res(fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK, FAN_OPEN, AT_FDCWD, p)));
	c = simpleChild(openBoth);
	printf("opens with a ignored:\n");
	drain(fan, c, names, 0);
	c = simpleChild(writeA);
	printf("a written (the ignore mask does not survive a modification):\n");
	drain(fan, c, names, 0);
	c = simpleChild(openBoth);
	printf("opens after the modification:\n");
	drain(fan, c, names, 0);
	printf("ignore surviving modification: %s\n", res(fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK | FAN_MARK_IGNORED_SURV_MODIFY, FAN_OPEN, AT_FDCWD, p)));
	fanotify_mark(fan, FAN_MARK_ADD, FAN_MODIFY, AT_FDCWD, dir);
	c = simpleChild(writeA);
	printf("a written:\n");
	drain(fan, c, names, 0);
	c = simpleChild(openBoth);
	printf("opens:\n");
	drain(fan, c, names, 0);

	// Removal and flush.
	printf("remove dir's FAN_OPEN: %s\n", res(fanotify_mark(fan, FAN_MARK_REMOVE, FAN_OPEN | FAN_MODIFY | FAN_EVENT_ON_CHILD | FAN_ONDIR, AT_FDCWD, dir)));
	printf("remove again: %s\n", res(fanotify_mark(fan, FAN_MARK_REMOVE, FAN_OPEN, AT_FDCWD, dir)));
	printf("flush inode marks: %s\n", res(fanotify_mark(fan, FAN_MARK_FLUSH, 0, AT_FDCWD, NULL)));
	printf("remove a's ignore after flush: %s\n", res(fanotify_mark(fan, FAN_MARK_REMOVE | FAN_MARK_IGNORED_MASK, FAN_OPEN, AT_FDCWD, p)));
	c = simpleChild(openBoth);
	printf("opens without marks: %d events\n", drain(fan, c, names, 0));

	// A file mark through a descriptor (no path).
	int bfd = open(dir, O_RDONLY | O_DIRECTORY);
	printf("mark b by dirfd+name: %s\n", res(fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN | FAN_EVENT_ON_CHILD, bfd, "b")));
	printf("mark dir by fd: %s\n", res(fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_ONLYDIR, FAN_CLOSE_NOWRITE, bfd, NULL)));
	c = simpleChild(openBoth);
	printf("b marked, dir marked for its own closes:\n");
	drain(fan, c, names, 0);
	close(bfd);
	fanotify_mark(fan, FAN_MARK_FLUSH, 0, AT_FDCWD, NULL);
	close(fan);

	// Mount and filesystem marks (events of other processes skipped).
	int m = fanotify_init(FAN_CLASS_NOTIF | FAN_NONBLOCK, O_RDONLY);
	printf("mount mark: %s\n", res(fanotify_mark(m, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN | FAN_CLOSE_WRITE, AT_FDCWD, dir)));
	c = simpleChild(writeA);
	printf("a written, mount mark:\n");
	drain(m, c, names, 1);
	printf("mount mark ON_CHILD is dropped, remove: %s\n", res(fanotify_mark(m, FAN_MARK_REMOVE | FAN_MARK_MOUNT, FAN_OPEN | FAN_CLOSE_WRITE, AT_FDCWD, dir)));
	drain(m, -1, NULL, 1);
	printf("filesystem mark: %s\n", res(fanotify_mark(m, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_CLOSE_WRITE | FAN_MODIFY, AT_FDCWD, dir)));
	c = simpleChild(writeA);
	printf("a written, filesystem mark:\n");
	drain(m, c, names, 1);
	printf("flush filesystem marks: %s\n", res(fanotify_mark(m, FAN_MARK_FLUSH | FAN_MARK_FILESYSTEM, 0, AT_FDCWD, NULL)));
	close(m);

	// Queue overflow at 16384 events, none with FAN_UNLIMITED_QUEUE.
	path(p, "many");
	mkdir(p, 0755);
	for (int i = 0; i < NOVER; i++) {
		char q[160];
		snprintf(q, sizeof q, "%s/many/%d", dir, i);
		close(open(q, O_WRONLY | O_CREAT, 0644));
	}
	for (int unlimited = 0; unlimited < 2; unlimited++) {
		int g = fanotify_init(FAN_CLASS_NOTIF | FAN_NONBLOCK | (unlimited ? FAN_UNLIMITED_QUEUE : 0), O_RDONLY);
		fanotify_mark(g, FAN_MARK_ADD, FAN_OPEN | FAN_EVENT_ON_CHILD, AT_FDCWD, p);
		for (int i = 0; i < NOVER; i++) {
			char q[160];
			snprintf(q, sizeof q, "%s/many/%d", dir, i);
			close(open(q, O_RDONLY));
		}
		int total = 0, overflow = 0, overflowLast = 0, badfd = 0;
		// At most 512 events a read: each holds a descriptor until
		// closed, and an event whose descriptor cannot be opened
		// (EMFILE) is lost, as in Linux.
		static char big[512 * FAN_EVENT_METADATA_LEN] __attribute__((aligned(8)));
		for (;;) {
			ssize_t n = read(g, big, sizeof big);
			if (n <= 0)
				break;
			for (struct fanotify_event_metadata *e = (void *)big; FAN_EVENT_OK(e, n); e = FAN_EVENT_NEXT(e, n)) {
				total++;
				overflowLast = 0;
				if (e->mask & FAN_Q_OVERFLOW) {
					overflow++;
					overflowLast = 1;
					if (e->fd != FAN_NOFD || e->pid != 0)
						badfd++;
				} else if (e->fd < 0) {
					badfd++;
				} else {
					close(e->fd);
				}
			}
		}
		printf("%s queue: %d events, %d overflow, overflow last %d, bad %d\n", unlimited ? "unlimited" : "default",
		       total, overflow, overflowLast, badfd);
		close(g);
	}
	for (int i = 0; i < NOVER; i++) {
		char q[160];
		snprintf(q, sizeof q, "%s/many/%d", dir, i);
		unlink(q);
	}
	rmdir(p);

	// EPERM without CAP_SYS_ADMIN.
	simpleChild(unprivileged);

	path(p, "sub/c");
	unlink(p);
	path(p, "sub");
	rmdir(p);
	path(p, "a");
	unlink(p);
	path(p, "b");
	unlink(p);
	rmdir(dir);
	printf("done\n");
	return 0;
}
