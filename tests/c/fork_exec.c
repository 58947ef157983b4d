/* fork then execve in the child: /bin/true, a static non-PIE program
 * (busybox), and this program again (argv[0] "again"). */
#include <stdio.h>
#include <string.h>
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
	char *t[] = {"/bin/true", NULL};
	printf("true: %d\n", run(t));
	char *f[] = {"/bin/false", NULL};
	printf("false: %d\n", run(f));
	char *b[] = {"/bin/busybox", "echo", "busybox in a fork child", NULL};
	printf("busybox: %d\n", run(b));
	char *self[] = {argv[0], "again", NULL};
	printf("self: %d\n", run(self));
	char *missing[] = {"/nonexistent/program", NULL};
	printf("missing: %d\n", run(missing));
	return 0;
}
