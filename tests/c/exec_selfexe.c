/* /proc/self/exe is the executable itself, however its path changes: the
 * program copies itself to PATH, execs the copy, replaces the copy with a
 * symlink to /proc/self/exe (a loop if /proc/self/exe were resolved by
 * path) and opens /proc/self/exe. Usage: exec_selfexe PATH */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static int copy_self(const char *to) {
	int in = open("/proc/self/exe", O_RDONLY);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (in < 0 || out < 0)
		return -1;
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, n) != n)
			return -1;
	close(in);
	return close(out);
}

int main(int argc, char **argv) {
	if (argc == 3 && strcmp(argv[1], "stage2") == 0) {
		printf("running the copy\n");
		if (unlink(argv[2]) != 0 || symlink("/proc/self/exe", argv[2]) != 0) {
			printf("replacing the copy: %s\n", strerror(errno));
			return 1;
		}
		int fd = open("/proc/self/exe", O_RDONLY);
		printf("open /proc/self/exe: %s\n", fd >= 0 ? "ok" : strerror(errno));
		fd = open(argv[2], O_RDONLY);
		printf("open the symlink to it: %s\n", fd >= 0 ? "ok" : strerror(errno));
		unlink(argv[2]);
		return 0;
	}
	if (argc != 2)
		return 2;
	if (copy_self(argv[1]) != 0) {
		printf("copy: %s\n", strerror(errno));
		return 1;
	}
	char *args[] = {argv[1], "stage2", argv[1], NULL};
	fflush(stdout);
	execve(argv[1], args, environ);
	printf("execve: %s\n", strerror(errno));
	return 1;
}
