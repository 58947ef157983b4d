/*
 * exec_at: execveat(2) relative to a directory descriptor, and with
 * AT_EMPTY_PATH on a descriptor of the program (fexecve), in vfork
 * children; and its error rules. Prints each child's exit status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char *const argv_true[] = {"true", NULL};
static char *const envp[] = {NULL};

static void run(const char *what, int dirfd, const char *path, int flags)
{
	pid_t pid = vfork();
	if (pid == 0) {
		syscall(SYS_execveat, dirfd, path, argv_true, envp, flags);
		_exit(100 + errno);
	}
	int st;
	waitpid(pid, &st, 0);
	int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	if (code >= 100)
		printf("%s: execveat failed: %s\n", what, strerror(code - 100));
	else
		printf("%s: child exited %d\n", what, code);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	int dir = open("/bin", O_RDONLY | O_DIRECTORY);
	int prog = open("/bin/true", O_RDONLY);
	run("relative to /bin", dir, "true", 0);
	run("fexecve (AT_EMPTY_PATH)", prog, "", AT_EMPTY_PATH);
	run("absolute path ignores dirfd", prog, "/bin/true", 0);
	run("empty path without AT_EMPTY_PATH", prog, "", 0);
	run("unknown flag", dir, "true", 0x40000000);
	run("missing file", dir, "no-such-program", 0);
	return 0;
}
