// The older and smaller file calls: getdents (struct linux_dirent, d_type
// after the name) against getdents64, utime/utimes/futimesat (NULL is now,
// microsecond range), readahead's rules, sync and syncfs, and sysfs(2)
// (numbering consistent with /proc/filesystems). argv[1] is a scratch
// directory to create.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>
#include <utime.h>

#include "show.h"


struct linux_dirent {
	unsigned long d_ino;
	unsigned long d_off;
	unsigned short d_reclen;
	char d_name[];
};

// names lists a directory's entries with their types, sorted, through
// the old or the new call, with a small buffer to make several calls.
static void names(const char *what, const char *dir, int old) {
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	char buf[96];
	char out[32][80];
	int n = 0;
	for (;;) {
		long got = syscall(old ? SYS_getdents : SYS_getdents64, fd, buf, sizeof buf);
		if (got < 0) {
			printf("%s: errno %d\n", what, errno);
			break;
		}
		if (got == 0)
			break;
		for (long off = 0; off < got;) {
			const char *name;
			int type, reclen;
			if (old) {
				struct linux_dirent *d = (void *)(buf + off);
				name = d->d_name;
				reclen = d->d_reclen;
				type = buf[off + reclen - 1];
			} else {
				struct dirent64 *d = (void *)(buf + off);
				name = d->d_name;
				reclen = d->d_reclen;
				type = d->d_type;
			}
			if (n < 32 && strcmp(name, ".") && strcmp(name, ".."))
				snprintf(out[n++], sizeof out[0], "%s/%d", name, type);
			off += reclen;
		}
	}
	close(fd);
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (strcmp(out[j], out[i]) < 0) {
				char tmp[80];
				strcpy(tmp, out[i]);
				strcpy(out[i], out[j]);
				strcpy(out[j], tmp);
			}
	printf("%s:", what);
	for (int i = 0; i < n; i++)
		printf(" %s", out[i]);
	printf("\n");
}

static void times_of(const char *what, const char *path) {
	struct stat st;
	stat(path, &st);
	printf("%s: atime %ld.%09ld mtime %ld.%09ld\n", what, (long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
	       (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

static int recent(const char *path) {
	struct stat st;
	stat(path, &st);
	return labs(st.st_mtim.tv_sec - time(NULL)) < 60;
}

int main(int argc, char **argv) {
	if (argc < 2)
		return 2;
	setvbuf(stdout, NULL, _IONBF, 0);
	const char *dir = argv[1];
	char p[512];
	mkdir(dir, 0755);
	const char *files[] = {"a", "bb", "a-rather-long-file-name-of-many-bytes", "ccc", "dddd", "eeeee", "ffffff", "g"};
	for (unsigned i = 0; i < sizeof files / sizeof *files; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		close(open(p, O_CREAT | O_WRONLY, 0644));
	}
	snprintf(p, sizeof p, "%s/sub", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/link", dir);
	symlink("a", p);
	names("getdents64", dir, 0);
	names("getdents", dir, 1);
	char small[8];
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	show("getdents small buffer", syscall(SYS_getdents, fd, small, sizeof small));
	close(fd);
	snprintf(p, sizeof p, "%s/a", dir);
	fd = open(p, O_RDONLY);
	show("getdents on a file", syscall(SYS_getdents, fd, small, sizeof small));
	close(fd);

	// utime family.
	struct utimbuf ub = {1000000000, 1100000000};
	show("utime", utime(p, &ub));
	times_of("after utime", p);
	struct timeval tv[2] = {{1200000000, 123456}, {1300000000, 654321}};
	show("utimes", utimes(p, tv));
	times_of("after utimes", p);
	tv[1].tv_usec = 1000000;
	show("utimes bad usec", utimes(p, tv));
	tv[1].tv_usec = -1;
	show("utimes negative usec", utimes(p, tv));
	tv[1].tv_usec = 5;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	show("futimesat", syscall(SYS_futimesat, dfd, "a", tv));
	times_of("after futimesat", p);
	show("utime NULL", utime(p, NULL));
	printf("utime NULL is now: %d\n", recent(p));
	show("utimes missing", utimes("/nonexistent/x", tv));
	show("utime bad pointer", syscall(SYS_utime, p, (void *)16));

	// readahead.
	fd = open(p, O_RDWR);
	write(fd, "data", 4);
	show("readahead", readahead(fd, 0, 4096));
	close(fd);
	fd = open(p, O_WRONLY);
	show("readahead write-only", readahead(fd, 0, 4096));
	close(fd);
	show("readahead bad fd", readahead(999, 0, 4096));
	show("readahead dir", readahead(dfd, 0, 4096));
	int pp[2];
	pipe(pp);
	show("readahead pipe", readahead(pp[0], 0, 4096));
	show("readahead pipe write end", readahead(pp[1], 0, 4096));

	// sync and syncfs.
	sync();
	printf("sync: done\n");
	fd = open(p, O_RDONLY);
	show("syncfs", syncfs(fd));
	close(fd);
	show("syncfs pipe", syncfs(pp[0]));
	show("syncfs bad fd", syncfs(999));

	// sysfs(2): numbering consistent with /proc/filesystems.
	long count = syscall(SYS_sysfs, 3);
	int consistent = count > 0;
	char name[256];
	for (long i = 0; i < count; i++) {
		memset(name, 0, sizeof name);
		if (syscall(SYS_sysfs, 2, i, name) != 0 || syscall(SYS_sysfs, 1, name) != i)
			consistent = 0;
	}
	FILE *f = fopen("/proc/filesystems", "r");
	long lines = 0;
	char line[256];
	while (f && fgets(line, sizeof line, f))
		lines++;
	if (f)
		fclose(f);
	printf("sysfs consistent with /proc/filesystems: %d %d\n", consistent, lines == count);
	show("sysfs unknown name", syscall(SYS_sysfs, 1, "no-such-fs"));
	show("sysfs index out of range", syscall(SYS_sysfs, 2, count, name));
	show("sysfs bad option", syscall(SYS_sysfs, 4));
	show("sysfs bad name pointer", syscall(SYS_sysfs, 1, (void *)16));
	show("sysfs tmpfs known", syscall(SYS_sysfs, 1, "tmpfs") >= 0 ? 0 : -1);
	return 0;
}
