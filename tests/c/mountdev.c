// mountdev: every mounted filesystem has a device number of its own, so
// that (st_dev, st_ino) names one file across the mount tree, and the
// calls that report it agree (stat, lstat, fstat, fstatat, statx, getdents'
// d_ino, /proc/self/mountinfo's major:minor); getcwd's PATH_MAX rule
// (ENAMETOOLONG beyond it, ERANGE for a short buffer) and the walk up ".."
// that libc's and Go's getwd fall back to; access(X_OK) on a noexec mount.
// Device numbers differ between the native run and elfloader: the program
// prints how they relate, never their values.
//
// argv[1] is the scenario: "dev" (any user), or "noexec" (root, natively
// inside a private mount namespace: it mounts tmpfs on a scratch directory).
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "show.h"

#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif

// statx by its raw syscall (musl 1.2.3 has no wrapper): stx_ino at offset
// 32, stx_dev_major and stx_dev_minor at 136 and 140 of struct statx.
struct statx_buf {
	unsigned int mask, blksize;
	unsigned long long attributes;
	unsigned int nlink, uid, gid;
	unsigned short mode, pad;
	unsigned long long ino, size, blocks, attributes_mask;
	unsigned char times[64];
	unsigned int rdev_major, rdev_minor, dev_major, dev_minor;
	unsigned char rest[112];
};

// mountinfoDev finds the last mountinfo line mounted at point and returns
// its major:minor as a dev_t (0 if there is none).
static dev_t mountinfoDev(const char *point) {
	FILE *f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return 0;
	char line[4096];
	dev_t dev = 0;
	while (fgets(line, sizeof line, f)) {
		unsigned id, parent, maj, min;
		char root[1024], mnt[1024];
		if (sscanf(line, "%u %u %u:%u %1023s %1023s", &id, &parent, &maj, &min, root, mnt) == 6 &&
		    strcmp(mnt, point) == 0)
			dev = makedev(maj, min);
	}
	fclose(f);
	return dev;
}

// agree checks that every way of asking for path's identity answers the
// same (dev, ino), and that mountinfo's numbers match when path is a
// mount point.
static void agree(const char *path, int mountpoint) {
	struct stat s, l, fs, at;
	if (stat(path, &s) < 0 || lstat(path, &l) < 0) {
		printf("%s: stat errno %d\n", path, errno);
		return;
	}
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	int fok = fd >= 0 && fstat(fd, &fs) == 0;
	int atok = fstatat(AT_FDCWD, path, &at, 0) == 0;
	struct statx_buf sx;
	int sxok = syscall(SYS_statx, AT_FDCWD, path, 0, 0x7ff, &sx) == 0;
	printf("%s: lstat %d fstat %d fstatat %d statx %d", path, s.st_dev == l.st_dev && s.st_ino == l.st_ino,
	       fok && s.st_dev == fs.st_dev && s.st_ino == fs.st_ino, atok && s.st_dev == at.st_dev && s.st_ino == at.st_ino,
	       sxok && makedev(sx.dev_major, sx.dev_minor) == s.st_dev && sx.ino == s.st_ino);
	if (mountpoint)
		printf(" mountinfo %d", mountinfoDev(path) == s.st_dev);
	printf("\n");
	if (fd >= 0)
		close(fd);
}

static dev_t devOf(const char *path) {
	struct stat s;
	return stat(path, &s) == 0 ? s.st_dev : (dev_t)-1;
}

// walkUp is the getwd fallback of libc and Go: from the cwd up to "/",
// find each directory's name in its parent by (st_dev, st_ino) of lstat.
// It also checks that getdents' d_ino is lstat's st_ino for the entries
// that are not mount points.
static int walkUp(char *out, size_t size, int *dinoMismatch) {
	struct stat root, cur;
	if (stat("/", &root) < 0 || stat(".", &cur) < 0)
		return -1;
	char rel[PATH_MAX] = ".";
	char path[8192] = "";
	*dinoMismatch = 0;
	while (cur.st_dev != root.st_dev || cur.st_ino != root.st_ino) {
		char parent[PATH_MAX];
		snprintf(parent, sizeof parent, "%s/..", rel);
		int pfd = open(parent, O_RDONLY | O_DIRECTORY);
		if (pfd < 0)
			return -1;
		struct stat pst;
		fstat(pfd, &pst);
		DIR *d = fdopendir(pfd);
		struct dirent *e;
		int found = 0;
		while ((e = readdir(d)) != NULL) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			struct stat es;
			if (fstatat(pfd, e->d_name, &es, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			if (es.st_dev == pst.st_dev && es.st_ino != e->d_ino)
				(*dinoMismatch)++;
			if (!found && es.st_dev == cur.st_dev && es.st_ino == cur.st_ino) {
				char tmp[8192];
				snprintf(tmp, sizeof tmp, "/%s%s", e->d_name, path);
				strcpy(path, tmp);
				found = 1;
			}
		}
		closedir(d);
		if (!found)
			return -1;
		cur = pst;
		strcpy(rel, parent);
	}
	snprintf(out, size, "%s", path[0] ? path : "/");
	return 0;
}

static void scenarioDev(void) {
	printf("root!=proc %d root!=sys %d root!=dev %d proc!=sys %d dev!=proc %d\n", devOf("/") != devOf("/proc"),
	       devOf("/") != devOf("/sys"), devOf("/") != devOf("/dev"), devOf("/proc") != devOf("/sys"),
	       devOf("/dev") != devOf("/proc"));
	printf("/etc same dev as / %d\n", devOf("/etc") == devOf("/"));
	agree("/", 1);
	agree("/proc", 1);
	agree("/sys", 1);
	agree("/dev", 1);
	agree("/etc", 0);

	// A deep tree in /tmp: getcwd works up to PATH_MAX and answers
	// ENAMETOOLONG beyond it; the walk up finds the same path.
	char tmpl[] = "/tmp/mountdev.XXXXXX";
	if (!mkdtemp(tmpl)) {
		printf("mkdtemp errno %d\n", errno);
		return;
	}
	if (chdir(tmpl) < 0)
		return;
	agree(".", 0);
	char small[16];
	show("getcwd short buffer", syscall(SYS_getcwd, small, sizeof small));
	char name[201];
	memset(name, 'a', 200);
	name[200] = 0;
	size_t len = strlen(tmpl);
	int levels = 0, reported = 0;
	while (len < 4400) {
		if (mkdir(name, 0755) < 0 || chdir(name) < 0) {
			printf("mkdir/chdir errno %d\n", errno);
			break;
		}
		len += 201;
		levels++;
		static char buf[8192];
		long r = syscall(SYS_getcwd, buf, sizeof buf);
		if (len + 1 <= PATH_MAX) {
			if (r != (long)len + 1 || strncmp(buf, tmpl, strlen(tmpl)) != 0)
				printf("getcwd at %zu: %ld errno %d\n", len, r, errno);
		} else if (!reported) {
			reported = 1;
			show("getcwd beyond PATH_MAX", r);
			show("getcwd beyond PATH_MAX, small buffer", syscall(SYS_getcwd, buf, 16));
		}
	}
	static char walked[8192];
	int mismatch = 0;
	if (walkUp(walked, sizeof walked, &mismatch) < 0) {
		printf("walk up failed\n");
	} else {
		printf("walk up: %zu bytes, starts with the scratch dir %d, d_ino mismatches %d\n", strlen(walked),
		       strncmp(walked, tmpl, strlen(tmpl)) == 0, mismatch);
	}
	// Remove the tree from the bottom.
	for (int i = 0; i < levels; i++) {
		if (chdir("..") < 0 || rmdir(name) < 0)
			printf("rmdir errno %d\n", errno);
	}
	chdir("/");
	show("rmdir scratch", rmdir(tmpl));
}

static void accessAll(const char *what, const char *path) {
	printf("%s:", what);
	printf(" X_OK %d", access(path, X_OK) < 0 ? errno : 0);
	printf(" R_OK %d", access(path, R_OK) < 0 ? errno : 0);
	printf(" R|X %d", access(path, R_OK | X_OK) < 0 ? errno : 0);
	printf(" eaccess %d", faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0 ? errno : 0);
	printf(" faccessat2 %d", syscall(SYS_faccessat2, AT_FDCWD, path, X_OK, AT_EACCESS) < 0 ? errno : 0);
	printf(" F_OK %d\n", access(path, F_OK) < 0 ? errno : 0);
}

static void scenarioNoexec(void) {
	char tmpl[] = "/tmp/noexec.XXXXXX";
	if (!mkdtemp(tmpl)) {
		printf("mkdtemp errno %d\n", errno);
		return;
	}
	char file[64], sub[64];
	snprintf(file, sizeof file, "%s/prog", tmpl);
	snprintf(sub, sizeof sub, "%s/dir", tmpl);
	show("mount noexec", mount("tmpfs", tmpl, "tmpfs", MS_NOEXEC, "mode=755"));
	int fd = open(file, O_CREAT | O_WRONLY, 0755);
	show("create", fd);
	write(fd, "#!/bin/sh\nexit 0\n", 17);
	close(fd);
	mkdir(sub, 0755);
	accessAll("noexec file", file);
	accessAll("noexec dir", sub);
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = {file, NULL};
		execve(file, argv, NULL);
		_exit(errno);
	}
	int status;
	waitpid(pid, &status, 0);
	printf("execve on noexec: errno %d\n", WEXITSTATUS(status));
	show("remount exec", mount(NULL, tmpl, NULL, MS_REMOUNT | MS_BIND, NULL));
	accessAll("exec file", file);
	unlink(file);
	rmdir(sub);
	show("umount", umount(tmpl));
	show("rmdir", rmdir(tmpl));
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IONBF, 0);
	const char *s = argc > 1 ? argv[1] : "dev";
	if (!strcmp(s, "dev"))
		scenarioDev();
	else if (!strcmp(s, "noexec"))
		scenarioNoexec();
	else
		printf("unknown scenario %s\n", s);
	return 0;
}
