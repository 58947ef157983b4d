// inotify: the events of creating, writing, reading, chmod, renaming,
// linking and deleting files and directories in a watched directory and
// on a watched file, the struct inotify_event layout, readiness in poll
// and epoll, a blocking read woken by a child, and the errno rules.
// argv[1] is a scratch directory.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[4096];
static int wdDir, wdFile;
static unsigned lastCookie;

static char *at(const char *name) {
	static char buf[2][8192];
	static int i;
	i ^= 1;
	snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
	return buf[i];
}

static void show(const char *what, long r) {
	if (r < 0)
		printf("%s: -1 errno %d\n", what, errno);
	else
		printf("%s: %ld\n", what, r);
}

static const char *wdName(int wd) {
	static char buf[16];
	if (wd == wdDir)
		return "dir";
	if (wd == wdFile)
		return "file";
	snprintf(buf, sizeof buf, "wd%d", wd);
	return buf;
}

// drain prints every queued event.
static void drain(int fd, const char *step) {
	char buf[4096] __attribute__((aligned(8)));
	printf("-- %s\n", step);
	for (;;) {
		long n = read(fd, buf, sizeof buf);
		if (n < 0) {
			if (errno != EAGAIN)
				printf("read: errno %d\n", errno);
			return;
		}
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *e = (struct inotify_event *)p;
			const char *cookie = "0";
			if (e->cookie != 0) {
				cookie = e->cookie == lastCookie ? "same" : "new";
				lastCookie = e->cookie;
			}
			printf("  %s mask=%#x cookie=%s len=%u name='%s'\n", wdName(e->wd), e->mask, cookie, e->len,
			       e->len ? e->name : "");
			p += sizeof *e + e->len;
		}
	}
}

static void errors(int fd) {
	show("init1 bad flags", inotify_init1(0x1234));
	show("add_watch bad fd", inotify_add_watch(99, dir, IN_ALL_EVENTS));
	show("add_watch not inotify", inotify_add_watch(0, dir, IN_ALL_EVENTS));
	show("add_watch mask 0", inotify_add_watch(fd, dir, 0));
	show("add_watch MASK_ADD|MASK_CREATE", inotify_add_watch(fd, dir, IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE));
	show("add_watch missing", inotify_add_watch(fd, at("missing"), IN_MODIFY));
	show("add_watch ONLYDIR on a file", inotify_add_watch(fd, at("keep"), IN_MODIFY | IN_ONLYDIR));
	show("add_watch MASK_CREATE existing", inotify_add_watch(fd, dir, IN_MODIFY | IN_MASK_CREATE));
	show("add_watch bad path pointer", inotify_add_watch(fd, (char *)8, IN_MODIFY));
	show("rm_watch bad wd", inotify_rm_watch(fd, 12345));
	show("rm_watch not inotify", inotify_rm_watch(0, 1));
	show("write", write(fd, "x", 1));
	char small[16];
	int f = open(at("small"), O_CREAT | O_WRONLY, 0644);
	close(f);
	show("read too small", read(fd, small, sizeof small));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	drain(fd, "after the errors");
}

int main(int argc, char **argv) {
	if (argc < 2)
		return 2;
	setvbuf(stdout, NULL, _IONBF, 0);
	snprintf(dir, sizeof dir, "%s", argv[1]);
	mkdir(dir, 0755);
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	printf("cloexec %d nonblock %d\n", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0,
	       (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
	show("read empty", read(fd, (char[64]){0}, 64));
	wdDir = inotify_add_watch(fd, dir, IN_ALL_EVENTS);
	printf("dir wd %d\n", wdDir);

	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	show("poll empty", poll(&pfd, 1, 0));

	int f = open(at("a"), O_CREAT | O_WRONLY | O_TRUNC, 0644);
	write(f, "hello", 5);
	close(f);
	show("poll ready", poll(&pfd, 1, 0));
	printf("revents %#x\n", pfd.revents);
	int pending = 0;
	ioctl(fd, FIONREAD, &pending);
	printf("FIONREAD %d\n", pending);
	drain(fd, "create, write, close");

	f = open(at("a"), O_RDONLY);
	char buf[16];
	read(f, buf, sizeof buf);
	read(f, buf, sizeof buf);
	close(f);
	drain(fd, "open, read twice, close");

	chmod(at("a"), 0600);
	truncate(at("a"), 2);
	drain(fd, "chmod, truncate");

	rename(at("a"), at("b"));
	drain(fd, "rename a -> b");

	mkdir(at("sub"), 0755);
	rmdir(at("sub"));
	drain(fd, "mkdir, rmdir");

	wdFile = inotify_add_watch(fd, at("b"), IN_ALL_EVENTS);
	printf("file wd %d, same wd again %d\n", wdFile, inotify_add_watch(fd, at("b"), IN_MODIFY | IN_MASK_ADD) == wdFile);
	f = open(at("b"), O_WRONLY | O_APPEND);
	write(f, "xy", 2);
	close(f);
	drain(fd, "write to a file watched twice");

	link(at("b"), at("c"));
	unlink(at("c"));
	drain(fd, "link b c, unlink c");

	rename(at("b"), at("d"));
	drain(fd, "rename b -> d (watched file)");

	f = open(at("keep"), O_CREAT | O_WRONLY, 0644);
	close(f);
	drain(fd, "create keep");
	rename(at("d"), at("keep"));
	drain(fd, "rename d over keep");
	unlink(at("keep"));
	drain(fd, "unlink keep (the watched inode)");

	// A oneshot watch fires once.
	f = open(at("one"), O_CREAT | O_WRONLY, 0644);
	close(f);
	drain(fd, "create one");
	int wdOne = inotify_add_watch(fd, at("one"), IN_MODIFY | IN_ONESHOT);
	f = open(at("one"), O_WRONLY);
	write(f, "1", 1);
	write(f, "2", 1);
	close(f);
	printf("oneshot wd %d\n", wdOne - wdFile);
	drain(fd, "oneshot modify");
	show("rm_watch fired oneshot", inotify_rm_watch(fd, wdOne));

	// rm_watch queues IN_IGNORED; the directory watch changes mask.
	show("narrow dir watch", inotify_add_watch(fd, dir, IN_DELETE) == wdDir);
	f = open(at("two"), O_CREAT | O_WRONLY, 0644);
	close(f);
	unlink(at("two"));
	drain(fd, "create + delete with only IN_DELETE");

	// epoll readiness and a blocking read woken by a child.
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7};
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	struct epoll_event out;
	show("epoll empty", epoll_wait(ep, &out, 1, 0));
	f = open(at("three"), O_CREAT | O_WRONLY, 0644);
	close(f);
	unlink(at("three"));
	show("epoll ready", epoll_wait(ep, &out, 1, 0));
	printf("epoll data %u events %#x\n", out.data.u32, out.events);
	drain(fd, "epoll");

	fcntl(fd, F_SETFL, 0);
	pid_t pid = fork();
	if (pid == 0) {
		int g = open(at("four"), O_CREAT | O_WRONLY, 0644);
		close(g);
		unlink(at("four"));
		_exit(0);
	}
	char big[4096];
	long n = read(fd, big, sizeof big);
	printf("blocking read woke: %d\n", n > 0);
	waitpid(pid, NULL, 0);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	drain(fd, "rest after the child");

	show("rm_watch dir", inotify_rm_watch(fd, wdDir));
	drain(fd, "rm_watch");
	show("rm_watch again", inotify_rm_watch(fd, wdDir));

	int fd2 = inotify_init();
	wdDir = inotify_add_watch(fd2, dir, IN_CREATE | IN_DELETE);
	f = open(at("keep"), O_CREAT | O_WRONLY, 0644);
	close(f);
	errors(fd2);
	char link[64], target[64] = {0};
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd2);
	readlink(link, target, sizeof target - 1);
	printf("fd link: %s\n", target);
	return 0;
}
