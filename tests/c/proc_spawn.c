/* Child processes through posix_spawn (clone CLONE_VM|CLONE_VFORK + execve)
 * and wait4: exit codes, a missing program, a #! script, WNOHANG, SIGCHLD,
 * a pipe from child to parent. Usage: proc_spawn DIR (a writable scratch
 * directory for the script). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static volatile sig_atomic_t got_chld;
static void on_chld(int sig) { (void)sig; got_chld = 1; }

static int run(char *const argv[], posix_spawn_file_actions_t *fa) {
	pid_t pid;
	int r = posix_spawn(&pid, argv[0], fa, NULL, argv, environ);
	if (r != 0)
		return -r;
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1000;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv) {
	if (argc < 2)
		return 2;
	mkdir(argv[1], 0755);
	signal(SIGCHLD, on_chld);
	char *echo[] = {"/bin/echo", "hello from a child", NULL};
	fflush(stdout);
	printf("echo: %d\n", run(echo, NULL));
	char *f[] = {"/bin/false", NULL};
	printf("false: %d\n", run(f, NULL));
	char *missing[] = {"/no/such/program", NULL};
	printf("missing: %s\n", run(missing, NULL) == -ENOENT ? "ENOENT" : "other");
	printf("SIGCHLD seen: %d\n", got_chld);

	char script[4096];
	snprintf(script, sizeof script, "%s/script.sh", argv[1]);
	FILE *s = fopen(script, "w");
	fprintf(s, "#!/bin/sh\necho script says $1\nexit 7\n");
	fclose(s);
	chmod(script, 0755);
	char *sc[] = {script, "hi", NULL};
	fflush(stdout);
	printf("script: %d\n", run(sc, NULL));

	/* The child's output through a pipe. */
	int p[2];
	pipe(p);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	char *e2[] = {"/bin/echo", "through a pipe", NULL};
	pid_t pid;
	posix_spawn(&pid, e2[0], &fa, NULL, e2, environ);
	close(p[1]);
	char buf[64] = {0};
	ssize_t n = read(p[0], buf, sizeof buf - 1);
	printf("pipe: %zd %s", n, buf);
	int st;
	printf("WNOHANG or done: %d\n", waitpid(pid, &st, WNOHANG) >= 0);
	waitpid(pid, &st, 0);
	printf("no children left: %s\n", waitpid(-1, &st, 0) == -1 && errno == ECHILD ? "ECHILD" : "other");

	/* waitid: WNOWAIT leaves the child to be reaped again. */
	char *ex9[] = {"/bin/sh", "-c", "exit 9", NULL};
	posix_spawn(&pid, ex9[0], NULL, NULL, ex9, environ);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	int r = waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
	printf("waitid nowait: %d code %d status %d pid %d\n", r, si.si_code, si.si_status, si.si_pid == pid);
	memset(&si, 0, sizeof si);
	r = waitid(P_ALL, 0, &si, WEXITED);
	printf("waitid reap: %d code %d status %d\n", r, si.si_code, si.si_status);
	return 0;
}
