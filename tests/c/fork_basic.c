/* fork: pipes and wait status, copy-on-write, a loop of children with exit
 * codes, a child killed by a signal, a grandchild, SIGCHLD, a shell-like
 * pipeline with dup2, and a file offset shared by parent and child.
 * argv[1]: a scratch file path. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int global = 1;

static void check(int ok, const char *what) {
	if (!ok) {
		printf("FAIL %s (errno %d)\n", what, errno);
		exit(1);
	}
}

static int wait_for(pid_t pid) {
	int st;
	check(waitpid(pid, &st, 0) == pid, "waitpid");
	return st;
}

static void pipe_and_status(void) {
	int fds[2];
	check(pipe(fds) == 0, "pipe");
	pid_t pid = fork();
	check(pid >= 0, "fork");
	if (pid == 0) {
		close(fds[0]);
		const char msg[] = "hello from the child";
		write(fds[1], msg, sizeof msg - 1);
		_exit(42);
	}
	close(fds[1]);
	char buf[64] = {0};
	ssize_t n = read(fds[0], buf, sizeof buf - 1);
	printf("pipe: %zd bytes: %s\n", n, buf);
	check(read(fds[0], buf, 1) == 0, "eof after the child");
	int st = wait_for(pid);
	printf("status: exited %d code %d\n", WIFEXITED(st), WEXITSTATUS(st));
}

static void copy_on_write(void) {
	int stack = 100;
	int *heap = malloc(sizeof *heap);
	*heap = 10;
	char *big = malloc(1 << 20);
	memset(big, 'p', 1 << 20);
	int fds[2];
	check(pipe(fds) == 0, "pipe");
	pid_t pid = fork();
	check(pid >= 0, "fork");
	if (pid == 0) {
		global = 2, *heap = 20, stack = 200;
		memset(big, 'c', 1 << 20);
		char line[80];
		int n = snprintf(line, sizeof line, "child sees %d %d %d %c%c\n", global, *heap, stack, big[0], big[(1 << 20) - 1]);
		write(fds[1], line, n);
		_exit(0);
	}
	close(fds[1]);
	char line[80] = {0};
	read(fds[0], line, sizeof line - 1);
	fputs(line, stdout);
	wait_for(pid);
	printf("parent sees %d %d %d %c%c\n", global, *heap, stack, big[0], big[(1 << 20) - 1]);
	close(fds[0]);
	free(big);
	free(heap);
}

static void loop(void) {
	long sum = 0;
	for (int i = 0; i < 100; i++) {
		pid_t pid = fork();
		check(pid >= 0, "fork in a loop");
		if (pid == 0)
			_exit(i);
		int st = wait_for(pid);
		check(WIFEXITED(st), "exited");
		sum += WEXITSTATUS(st);
	}
	printf("loop: 100 children, sum of exit codes %ld\n", sum);
}

static void killed(void) {
	pid_t pid = fork();
	check(pid >= 0, "fork");
	if (pid == 0) {
		raise(SIGTERM);
		_exit(0);
	}
	int st = wait_for(pid);
	printf("killed: signaled %d signal %d\n", WIFSIGNALED(st), WTERMSIG(st));
	pid = fork();
	check(pid >= 0, "fork");
	if (pid == 0) {
		*(volatile int *)16 = 1;
		_exit(0);
	}
	st = wait_for(pid);
	printf("segv: signaled %d signal %d\n", WIFSIGNALED(st), WTERMSIG(st));
}

static void grandchild(void) {
	int fds[2];
	check(pipe(fds) == 0, "pipe");
	pid_t pid = fork();
	check(pid >= 0, "fork");
	if (pid == 0) {
		pid_t g = fork();
		if (g < 0)
			_exit(99);
		if (g == 0) {
			write(fds[1], "grandchild\n", 11);
			_exit(5);
		}
		int st;
		waitpid(g, &st, 0);
		_exit(WEXITSTATUS(st) + 1);
	}
	close(fds[1]);
	char buf[32] = {0};
	read(fds[0], buf, sizeof buf - 1);
	fputs(buf, stdout);
	int st = wait_for(pid);
	printf("nested: child exit %d\n", WEXITSTATUS(st));
	close(fds[0]);
}

static volatile sig_atomic_t chld;

static void on_chld(int sig) { (void)sig, chld++; }

static void sigchld(void) {
	struct sigaction sa = {0};
	sa.sa_handler = on_chld;
	sigaction(SIGCHLD, &sa, NULL);
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	pid_t pid = fork();
	check(pid >= 0, "fork");
	if (pid == 0)
		_exit(3);
	while (!chld)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	int st = wait_for(pid);
	printf("sigchld: handler ran %d, exit %d\n", (int)chld, WEXITSTATUS(st));
	signal(SIGCHLD, SIG_DFL);
}

/* writer | reader, both children, as a shell runs "a | b". */
static void pipeline(void) {
	int fds[2];
	check(pipe(fds) == 0, "pipe");
	pid_t w = fork();
	check(w >= 0, "fork");
	if (w == 0) {
		dup2(fds[1], 1);
		close(fds[0]), close(fds[1]);
		for (int i = 0; i < 1000; i++)
			printf("line %d\n", i);
		fflush(stdout);
		_exit(0);
	}
	pid_t r = fork();
	check(r >= 0, "fork");
	if (r == 0) {
		dup2(fds[0], 0);
		close(fds[0]), close(fds[1]);
		char buf[4096];
		long bytes = 0, lines = 0;
		ssize_t n;
		while ((n = read(0, buf, sizeof buf)) > 0) {
			bytes += n;
			for (ssize_t i = 0; i < n; i++)
				lines += buf[i] == '\n';
		}
		_exit(lines == 1000 && bytes == 8890 ? 0 : 1);
	}
	close(fds[0]), close(fds[1]);
	int sw = wait_for(w), sr = wait_for(r);
	printf("pipeline: writer %d reader %d\n", WEXITSTATUS(sw), WEXITSTATUS(sr));
}

static void shared_offset(const char *path) {
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	check(fd >= 0, "open scratch");
	check(write(fd, "0123456789", 10) == 10, "write");
	check(lseek(fd, 2, SEEK_SET) == 2, "lseek");
	pid_t pid = fork();
	check(pid >= 0, "fork");
	if (pid == 0) {
		char c;
		read(fd, &c, 1); /* the shared offset moves to 3 */
		lseek(fd, 7, SEEK_SET);
		_exit(c);
	}
	int st = wait_for(pid);
	printf("offset: child read %c, parent now at %ld\n", WEXITSTATUS(st), (long)lseek(fd, 0, SEEK_CUR));
	close(fd);
	unlink(path);
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IONBF, 0);
	pipe_and_status();
	copy_on_write();
	loop();
	killed();
	grandchild();
	sigchld();
	pipeline();
	shared_offset(argc > 1 ? argv[1] : "/tmp/fork-basic-scratch");
	printf("done\n");
	return 0;
}
