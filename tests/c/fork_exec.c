/* fork then execve in the child: /bin/true, a static non-PIE program
 * (busybox), and this program again (argv[0] "again"; "dontneed": a
 * private file mapping discards its changes on MADV_DONTNEED, as Linux
 * does in any process). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int run(char *const argv[]) {
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return -1;
	}
	if (pid == 0) {
		execve(argv[0], argv, environ);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv) {
	if (argc > 1 && strcmp(argv[1], "again") == 0) {
		printf("again: exec'd from a fork child\n");
		return 9;
	}
	if (argc > 1 && strcmp(argv[1], "dontneed") == 0) {
		int fd = open(argv[0], O_RDONLY);
		char *m = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			perror("mapping the program");
			return 1;
		}
		m[0] = 'X';
		int r = madvise(m, 4096, MADV_DONTNEED);
		printf("dontneed: %s, %s\n", r == 0 ? "done" : strerror(errno), m[0] == 0x7f ? "file contents back" : "changes kept");
		return 0;
	}
	char *t[] = {"/bin/true", NULL};
	printf("true: %d\n", run(t));
	char *f[] = {"/bin/false", NULL};
	printf("false: %d\n", run(f));
	char *b[] = {"/bin/busybox", "echo", "busybox in a fork child", NULL};
	printf("busybox: %d\n", run(b));
	char *self[] = {argv[0], "again", NULL};
	printf("self: %d\n", run(self));
	/* In process under elfloader for a PIE program; in a stub process
	 * for a second copy of a non-PIE one, which cannot share its parent's
	 * addresses (docs/fork.md): the same answer both ways. */
	char *dontneed[] = {argv[0], "dontneed", NULL};
	printf("dontneed exec: %d\n", run(dontneed));
	char *missing[] = {"/nonexistent/program", NULL};
	printf("missing: %d\n", run(missing));
	return 0;
}
