// chroot(2): the new root for path walks, ".." at the root, absolute
// symlinks, getcwd, /proc/PID/root seen from outside, and the errno rules
// (ENOENT, ENOTDIR, EPERM without CAP_SYS_CHROOT). Run as root; argv[1]
// is a scratch directory.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, long r) {
	if (r < 0)
		printf("%s: -1 errno %d\n", what, errno);
	else
		printf("%s: %ld\n", what, r);
}

static void readFile(const char *path) {
	char buf[64] = {0};
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("open %s: errno %d\n", path, errno);
		return;
	}
	long n = read(fd, buf, sizeof buf - 1);
	printf("read %s: %ld '%s'\n", path, n, buf);
	close(fd);
}

static void put(const char *path, const char *text) {
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	write(fd, text, strlen(text));
	close(fd);
}

int main(int argc, char **argv) {
	if (argc < 2)
		return 2;
	setvbuf(stdout, NULL, _IONBF, 0);
	char jail[PATH_MAX], p[PATH_MAX + 64];
	mkdir(argv[1], 0755);
	snprintf(jail, sizeof jail, "%s/jail", argv[1]);
	mkdir(jail, 0755);
	snprintf(p, sizeof p, "%s/etc", jail);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/etc/motd", jail);
	put(p, "inside the jail");
	snprintf(p, sizeof p, "%s/outside", argv[1]);
	put(p, "outside");
	snprintf(p, sizeof p, "%s/link", jail);
	unlink(p);
	symlink("/etc/motd", p);
	snprintf(p, sizeof p, "%s/etc/motd", jail);

	show("chroot missing", chroot("/nonexistent-dir-xyz"));
	show("chroot file", chroot(p));
	show("chroot bad pointer", chroot((char *)8));

	pid_t pid = fork();
	if (pid == 0) {
		chdir(jail);
		setuid(65534);
		show("unprivileged chroot", chroot("."));
		show("unprivileged chroot missing", chroot("/nonexistent-dir-xyz"));
		_exit(0);
	}
	waitpid(pid, NULL, 0);

	struct stat before, after;
	stat(jail, &before);
	int fds[2];
	pipe(fds);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		if (chdir(jail) != 0)
			_exit(3);
		show("chroot .", chroot("."));
		char cwd[PATH_MAX];
		show("chdir /", chdir("/"));
		printf("getcwd: %s\n", getcwd(cwd, sizeof cwd) ? cwd : "error");
		stat("/", &after);
		printf("root is the jail: %d\n", after.st_ino == before.st_ino && after.st_dev == before.st_dev);
		readFile("/etc/motd");
		readFile("/../../../etc/motd");
		readFile("/link");
		readFile("../outside");
		show("chdir ..", chdir(".."));
		printf("getcwd after ..: %s\n", getcwd(cwd, sizeof cwd) ? cwd : "error");
		show("chdir etc", chdir("etc"));
		printf("getcwd in etc: %s\n", getcwd(cwd, sizeof cwd) ? cwd : "error");
		show("chroot again to etc", chroot("/etc"));
		readFile("/motd");
		write(fds[1], "x", 1);
		pause();
		_exit(0);
	}
	close(fds[1]);
	char c;
	read(fds[0], &c, 1);
	char link[64], target[PATH_MAX] = {0}, want[PATH_MAX + 8];
	snprintf(link, sizeof link, "/proc/%d/root", pid);
	long n = readlink(link, target, sizeof target - 1);
	snprintf(want, sizeof want, "%s/etc", jail);
	printf("/proc/PID/root is the new root: %d\n", n > 0 && strcmp(target, want) == 0);
	snprintf(link, sizeof link, "/proc/%d/root/motd", pid);
	int fd = open(link, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, target, sizeof target - 1);
	printf("read through /proc/PID/root: %ld\n", n);
	n = readlink("/proc/self/root", target, sizeof target - 1);
	target[n > 0 ? n : 0] = 0;
	printf("/proc/self/root: %s\n", target);
	kill(pid, 9);
	waitpid(pid, NULL, 0);
	return 0;
}
