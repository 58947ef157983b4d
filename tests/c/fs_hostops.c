/*
 * fs_hostops: modifies a directory the way an ordinary program would and
 * prints what it sees, so that a test can check where the changes land.
 *
 * Usage: fs_hostops DIR
 *
 * DIR must hold keep.txt, trunc.txt, mode.txt (0644), gone.txt, old.txt,
 * emptydir/ and sub/nested.txt. The program appends to keep.txt, truncates
 * trunc.txt to 4 bytes, chmods mode.txt to 0600, unlinks gone.txt, renames
 * old.txt to new.txt, removes emptydir, rewrites sub/nested.txt, and creates
 * created.txt, newdir/, a symlink and a hard link. Each step prints
 * "STEP: OK" or "STEP: ERRNO"; then every entry is listed in sorted order
 * with its type, mode, size and (for files) content. Exit status 0.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static const char *result(long ret)
{
	static char buf[32];
	if (ret != -1)
		return "OK";
	switch (errno) {
	case EROFS: return "EROFS";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EEXIST: return "EEXIST";
	}
	snprintf(buf, sizeof buf, "errno %d", errno);
	return buf;
}

static long write_file(const char *path, int flags, const char *text)
{
	int fd = open(path, flags, 0644);
	if (fd == -1)
		return -1;
	long n = write(fd, text, strlen(text));
	int saved = errno;
	close(fd);
	errno = saved;
	return n;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	if (!d) {
		printf("list %s: %s\n", prefix, result(-1));
		return;
	}
	char *names[64];
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 64)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof names[0], cmp);
	for (int i = 0; i < n; i++) {
		char path[4096], shown[4096];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		snprintf(shown, sizeof shown, "%s%s", prefix, names[i]);
		struct stat st;
		if (lstat(path, &st) == -1) {
			printf("%s: lstat %s\n", shown, result(-1));
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			printf("%s/ dir %o\n", shown, st.st_mode & 07777);
			char sub[4100];
			snprintf(sub, sizeof sub, "%s/", shown);
			list(path, sub);
		} else if (S_ISLNK(st.st_mode)) {
			char target[256] = {0};
			readlink(path, target, sizeof target - 1);
			printf("%s -> %s\n", shown, target);
		} else {
			char data[256] = {0};
			int fd = open(path, O_RDONLY);
			long got = fd == -1 ? -1 : read(fd, data, sizeof data - 1);
			if (fd != -1)
				close(fd);
			printf("%s file %o size %ld nlink %lu %s \"%s\"\n", shown, st.st_mode & 07777, (long)st.st_size,
			       (unsigned long)st.st_nlink, got < 0 ? "unreadable" : "content", got < 0 ? "" : data);
		}
		free(names[i]);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fs_hostops DIR\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (chdir(argv[1]) == -1) {
		printf("chdir: %s\n", result(-1));
		return 2;
	}
	printf("read keep.txt: %s\n", result(open("keep.txt", O_RDONLY) == -1 ? -1 : 0));
	printf("access W_OK keep.txt: %s\n", result(access("keep.txt", W_OK)));
	printf("access X_OK keep.txt: %s\n", result(access("keep.txt", X_OK)));
	printf("append keep.txt: %s\n", result(write_file("keep.txt", O_WRONLY | O_APPEND, "more\n")));
	printf("truncate trunc.txt: %s\n", result(truncate("trunc.txt", 4)));
	printf("chmod mode.txt: %s\n", result(chmod("mode.txt", 0600)));
	printf("chown mode.txt: %s\n", result(chown("mode.txt", 0, 0)));
	struct timespec ts[2] = {{1000000000, 0}, {1000000000, 0}};
	printf("utimensat mode.txt: %s\n", result(utimensat(AT_FDCWD, "mode.txt", ts, 0)));
	printf("unlink gone.txt: %s\n", result(unlink("gone.txt")));
	printf("rename old.txt: %s\n", result(rename("old.txt", "new.txt")));
	printf("rmdir emptydir: %s\n", result(rmdir("emptydir")));
	printf("rewrite sub/nested.txt: %s\n",
	       result(write_file("sub/nested.txt", O_WRONLY | O_TRUNC, "rewritten\n")));
	printf("create created.txt: %s\n",
	       result(write_file("created.txt", O_WRONLY | O_CREAT | O_EXCL, "created\n")));
	printf("mkdir newdir: %s\n", result(mkdir("newdir", 0755)));
	printf("symlink: %s\n", result(symlink("keep.txt", "symlink")));
	printf("link: %s\n", result(link("keep.txt", "hardlink")));
	list(".", "");
	return 0;
}
