/*
 * fs_cat: prints the first line of each file named on the command line, or
 * the errno name when it cannot be opened or read.
 *
 * Usage: fs_cat PATH...
 *
 * Output is one "PATH: first line" or "PATH: ERRNO" per argument; the
 * escape tests use it to show which host files a path reaches.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *errno_name(int e)
{
	static char buf[32];
	switch (e) {
	case ENOENT: return "ENOENT";
	case EACCES: return "EACCES";
	case ENOTDIR: return "ENOTDIR";
	case EISDIR: return "EISDIR";
	case ELOOP: return "ELOOP";
	case EXDEV: return "EXDEV";
	}
	snprintf(buf, sizeof buf, "errno %d", e);
	return buf;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);
		if (fd == -1) {
			printf("%s: %s\n", argv[i], errno_name(errno));
			continue;
		}
		char buf[512] = {0};
		ssize_t n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n < 0) {
			printf("%s: %s\n", argv[i], errno_name(errno));
			continue;
		}
		buf[strcspn(buf, "\n")] = 0;
		printf("%s: %s\n", argv[i], buf);
	}
	return 0;
}
