// Process groups and sessions: getpgrp/getpgid/getsid, setpgid's rules
// (ESRCH, EINVAL, EPERM, EACCES after exec), setsid, kill of a group,
// waitpid of a group, CLONE_FILES without CLONE_VM, PR_SET_PDEATHSIG.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void check(const char *what, long ret) {
	if (ret < 0)
		printf("%s: -1 errno %d\n", what, errno);
	else
		printf("%s: ok\n", what);
	fflush(stdout);
}

static int status_of(pid_t pid) {
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1000 + WTERMSIG(st);
}

// stat_groups reads pgrp and session from /proc/self/stat.
static int stat_groups(int *pgrp, int *sid) {
	char buf[512];
	FILE *f = fopen("/proc/self/stat", "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	char state;
	int ppid;
	return sscanf(p + 2, "%c %d %d %d", &state, &ppid, pgrp, sid) == 4 ? 0 : -1;
}

static void basics(void) {
	int pg = 0, sid = 0;
	printf("/proc/self/stat groups: %d\n", stat_groups(&pg, &sid) == 0 && pg == getpgrp() && sid == getsid(0));
	printf("getpgrp==getpgid(0): %d\n", getpgrp() == getpgid(0));
	printf("getpgid(self)==getpgrp: %d\n", getpgid(getpid()) == getpgrp());
	printf("getsid(0)==getsid(self): %d\n", getsid(0) == getsid(getpid()));
	check("getpgid(bad)", getpgid(999999));
	check("getsid(bad)", getsid(999999));
	check("setpgid(0,-1)", setpgid(0, -1));
	check("setpgid(bad,0)", setpgid(999999, 0));
}

// children: a child inherits the group; its parent moves it; EPERM for a
// group of no process; EACCES once it exec'd.
static void children(void) {
	int go[2];
	pipe(go);
	pid_t c = fork();
	if (c == 0) {
		char b;
		read(go[0], &b, 1);
		_exit(getpgrp() == getpid() ? 7 : 8);
	}
	printf("child inherits group: %d\n", getpgid(c) == getpgrp());
	printf("child inherits session: %d\n", getsid(c) == getsid(0));
	check("setpgid(child, nogroup)", setpgid(c, 999999));
	check("setpgid(child, child)", setpgid(c, c));
	printf("child group is its pid: %d\n", getpgid(c) == c);
	check("setpgid(child, mygroup)", setpgid(c, getpgrp()));
	check("setpgid(child, child) again", setpgid(c, c));
	write(go[1], "x", 1);
	printf("child status: %d\n", status_of(c));

	int cl[2], in[2];
	pipe2(cl, O_CLOEXEC);
	pipe(in);
	c = fork();
	if (c == 0) {
		dup2(in[0], 0);
		close(in[1]);
		execl("/bin/cat", "cat", (char *)0);
		_exit(127);
	}
	close(cl[1]);
	close(in[0]);
	char b;
	read(cl[0], &b, 1); // EOF: the child exec'd
	check("setpgid(exec'd child)", setpgid(c, c));
	close(in[1]);
	printf("cat status: %d\n", status_of(c));
}

// sessions: setsid makes a leader; a leader cannot move; a group leader
// cannot setsid; a parent cannot move a child of another session.
static void sessions(void) {
	int ready[2], go[2];
	pipe(ready);
	pipe(go);
	pid_t c = fork();
	if (c == 0) {
		pid_t sid = setsid();
		int ok = sid == getpid() && getsid(0) == getpid() && getpgrp() == getpid();
		printf("setsid: %d\n", ok);
		int pg = 0, s = 0;
		printf("/proc/self/stat after setsid: %d\n", stat_groups(&pg, &s) == 0 && pg == getpid() && s == getpid());
		check("setsid again", setsid());
		check("leader setpgid(0,0)", setpgid(0, 0));
		fflush(stdout);
		write(ready[1], "x", 1);
		char b;
		read(go[0], &b, 1);
		_exit(0);
	}
	char b;
	read(ready[0], &b, 1);
	check("setpgid(other session child)", setpgid(c, c));
	printf("child sid is its pid: %d\n", getsid(c) == c);
	write(go[1], "x", 1);
	printf("session child status: %d\n", status_of(c));

	c = fork();
	if (c == 0) {
		setpgid(0, 0);
		check("group leader setsid", setsid());
		_exit(0);
	}
	printf("leader child status: %d\n", status_of(c));
}

static volatile sig_atomic_t got;
static void on_usr1(int sig) { got = sig; }

// groups: kill(0), kill(-pgid), waitpid(0) and waitpid(-pgid) in a group of
// its own (so that the native run signals nothing of the test harness).
static void groups(void) {
	pid_t a = fork();
	if (a == 0) {
		setpgid(0, 0);
		pid_t b = fork();
		if (b == 0) {
			pause();
			_exit(0);
		}
		pid_t c = fork();
		if (c == 0) {
			pause();
			_exit(0);
		}
		signal(SIGUSR1, on_usr1);
		check("kill(0, SIGUSR1)", kill(0, SIGUSR1));
		printf("handler ran: %d\n", got == SIGUSR1);
		printf("b: %d\n", status_of(b));
		printf("c: %d\n", status_of(c));

		b = fork();
		if (b == 0)
			_exit(2);
		c = fork();
		if (c == 0)
			_exit(3);
		setpgid(c, c);
		int st;
		printf("waitpid(-c) is c: %d\n", waitpid(-c, &st, 0) == c && WEXITSTATUS(st) == 3);
		printf("waitpid(0) is b: %d\n", waitpid(0, &st, 0) == b && WEXITSTATUS(st) == 2);
		check("waitpid(0) none left", waitpid(0, &st, 0));
		check("waitpid(-bad)", waitpid(-999999, &st, WNOHANG));
		check("kill(-bad)", kill(-999999, 0));

		b = fork();
		if (b == 0) {
			pause();
			_exit(0);
		}
		setpgid(b, b);
		check("kill(-b, SIGTERM)", kill(-b, SIGTERM));
		printf("b after group kill: %d\n", status_of(b));
		fflush(stdout);
		_exit(0);
	}
	printf("group child status: %d\n", status_of(a));
}

// files: clone(CLONE_FILES) without CLONE_VM shares the table; fork copies.
static void files(void) {
	int fd = open("/dev/null", O_RDONLY);
	long c = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
	if (c == 0) {
		close(fd);
		int n = open("/dev/null", O_WRONLY);
		_exit(n == fd ? 0 : 1);
	}
	check("clone(CLONE_FILES)", c);
	printf("clone child: %d\n", status_of(c));
	printf("shared table: flags %d\n", fcntl(fd, F_GETFL) & O_ACCMODE);
	close(fd);

	// An execve gives the child its own table: its close-on-exec
	// descriptors close there only.
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	c = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
	if (c == 0) {
		execl("/bin/true", "true", (char *)0);
		_exit(127);
	}
	printf("exec'd clone child: %d\n", status_of(c));
	printf("close-on-exec kept here: %d\n", fcntl(fd, F_GETFD) == FD_CLOEXEC);
	close(fd);

	fd = open("/dev/null", O_RDONLY);
	c = fork();
	if (c == 0) {
		close(fd);
		_exit(0);
	}
	status_of(c);
	printf("fork copies: flags %d\n", fcntl(fd, F_GETFL) & O_ACCMODE);
	close(fd);
}

static int result_fd;
static void on_pdeath(int sig) {
	write(result_fd, "pdeath\n", 7);
	_exit(0);
}

// pdeath: a grandchild with PR_SET_PDEATHSIG hears of its parent's exit.
static void pdeath(void) {
	int result[2];
	pipe(result);
	pid_t a = fork();
	if (a == 0) {
		close(result[0]);
		int ready[2];
		pipe(ready);
		pid_t b = fork();
		if (b == 0) {
			result_fd = result[1];
			signal(SIGUSR1, on_pdeath);
			prctl(PR_SET_PDEATHSIG, SIGUSR1);
			int sig = 0;
			prctl(PR_GET_PDEATHSIG, &sig);
			write(ready[1], "x", 1);
			if (sig != SIGUSR1)
				_exit(1);
			for (;;)
				pause();
		}
		char c;
		read(ready[0], &c, 1);
		_exit(0);
	}
	close(result[1]);
	printf("pdeath parent: %d\n", status_of(a));
	char buf[64] = {0};
	ssize_t n = read(result[0], buf, sizeof buf - 1);
	printf("grandchild says: %.*s", (int)(n > 0 ? n : 0), buf);
}

int main(void) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	basics();
	children();
	sessions();
	groups();
	files();
	pdeath();
	return 0;
}
