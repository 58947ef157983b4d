// /proc/PID/oom_score_adj (kept per process, inherited, -1000..1000,
// EINVAL otherwise, one value per write) and /proc/sys/fs/pipe-max-size.
// Run as root (native lowering below 0 needs CAP_SYS_RESOURCE).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void put(const char *path, const char *text) {
	int fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0) {
		printf("open %s: errno %d\n", path, errno);
		return;
	}
	long n = write(fd, text, strlen(text));
	if (n < 0)
		printf("write '%s': -1 errno %d\n", text, errno);
	else
		printf("write '%s': %ld\n", text, n);
	close(fd);
}

static void get(const char *path, const char *label) {
	char buf[64] = {0};
	int fd = open(path, O_RDONLY);
	long n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	printf("%s: %s\n", label, n < 0 ? "error" : buf);
	if (fd >= 0)
		close(fd);
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	const char *self = "/proc/self/oom_score_adj";
	put(self, "500");
	get(self, "after 500");
	put(self, " -1000\n");
	get(self, "after -1000");
	put(self, "1000");
	get(self, "after 1000");
	put(self, "1001");
	put(self, "-1001");
	put(self, "abc");
	put(self, "12abc");
	put(self, "");
	put(self, "\n");
	put(self, "--5");
	put(self, "1_0");
	put(self, "0x10");
	get(self, "after 0x10");
	put(self, "010");
	get(self, "after 010");
	put(self, "+7");
	get(self, "after +7");
	put(self, "0000000000000012");
	get(self, "after a long number");
	put(self, "42");
	int fd = open(self, O_RDWR);
	printf("pwrite at 100: %ld\n", (long)pwrite(fd, "43", 2, 100));
	close(fd);
	get(self, "after pwrite");
	get("/proc/self/task/../oom_score_adj", "through task/..");

	int p[2];
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		get("/proc/self/oom_score_adj", "child inherits");
		put("/proc/self/oom_score_adj", "-300");
		write(p[1], "x", 1);
		pause();
		_exit(0);
	}
	char c;
	read(p[0], &c, 1);
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/oom_score_adj", pid);
	get(path, "child's own value");
	get(self, "parent unchanged");
	put(path, "250");
	get(path, "child set by the parent");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);

	char buf[32] = {0};
	fd = open("/proc/sys/fs/pipe-max-size", O_RDONLY);
	long n = read(fd, buf, sizeof buf - 1);
	close(fd);
	long max = atol(buf);
	printf("pipe-max-size positive: %d\n", n > 0 && max > 0);
	int q[2];
	pipe(q);
	printf("F_SETPIPE_SZ to the max: %d\n", fcntl(q[1], F_SETPIPE_SZ, (int)max) >= max);
	return 0;
}
