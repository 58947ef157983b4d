// Job control without a terminal: stop signals stop every thread of a
// child and SIGCONT resumes it; pending signals wait while it is stopped;
// SIGKILL ends a stopped child; waitpid's WUNTRACED and WCONTINUED,
// waitid's WSTOPPED, WCONTINUED and WNOWAIT with si_code and si_status;
// SIGCHLD's CLD_STOPPED and CLD_CONTINUED and SA_NOCLDSTOP; /proc/PID/stat
// state T; a handled SIGTSTP does not stop; SIGTSTP is discarded in an
// orphaned process group; an orphaned group with a stopped member gets
// SIGHUP and SIGCONT; orphans go to a PR_SET_CHILD_SUBREAPER ancestor.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t chld_code, chld_status, chld_count;

static void on_chld(int sig, siginfo_t *si, void *uc) {
	(void)sig;
	(void)uc;
	chld_code = si->si_code;
	chld_status = si->si_status;
	chld_count++;
}

static void set_chld(int flags) {
	struct sigaction sa = {0};
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | flags;
	sigaction(SIGCHLD, &sa, NULL);
}

// wait_chld waits (bounded only by the test's timeout) until a SIGCHLD
// was counted beyond seen.
static void wait_chld(int seen) {
	sigset_t none;
	sigemptyset(&none);
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	while (chld_count <= seen)
		sigsuspend(&none);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static const char *describe(int st) {
	static char buf[64];
	if (WIFEXITED(st))
		snprintf(buf, sizeof buf, "exited %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, sizeof buf, "killed by %d", WTERMSIG(st));
	else if (WIFSTOPPED(st))
		snprintf(buf, sizeof buf, "stopped by %d", WSTOPSIG(st));
	else if (WIFCONTINUED(st))
		snprintf(buf, sizeof buf, "continued");
	else
		snprintf(buf, sizeof buf, "status %#x", st);
	return buf;
}

static void show_wait(const char *what, pid_t pid, int options) {
	int st = 0;
	pid_t got = waitpid(pid, &st, options);
	if (got < 0)
		printf("%s: -1 errno %d\n", what, errno);
	else if (got == 0)
		printf("%s: nothing\n", what);
	else
		printf("%s: %s\n", what, describe(st));
	fflush(stdout);
}

static char proc_state(pid_t pid) {
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return '?';
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p ? p[2] : '?';
}

static int ready_fd;

static void on_usr1(int sig) {
	(void)sig;
	write(ready_fd, "u", 1);
}

// sleeper forks a child that reports USR1 on a pipe and otherwise sleeps.
static pid_t sleeper(int *rd) {
	int p[2];
	pipe(p);
	pid_t c = fork();
	if (c == 0) {
		close(p[0]);
		ready_fd = p[1];
		signal(SIGUSR1, on_usr1);
		write(p[1], "r", 1);
		for (;;)
			pause();
	}
	close(p[1]);
	char b;
	read(p[0], &b, 1);
	*rd = p[0];
	return c;
}

static int readable(int fd, int ms) {
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	return poll(&pfd, 1, ms);
}

// show_change shows a child's stop or continue: the SIGCHLD that came
// after seen, wait's report (taken once) and the /proc state. The signal
// is awaited first: Linux builds a stop's SIGCHLD from the stop code that
// a waitpid which gets there first clears (si_status 0).
static void show_change(const char *phase, pid_t c, int seen, int flag) {
	char what[64];
	wait_chld(seen);
	printf("%s: SIGCHLD code %d status %d\n", phase, chld_code, chld_status);
	snprintf(what, sizeof what, "%s: waitpid", phase);
	show_wait(what, c, flag);
	printf("%s: state T: %d\n", phase, proc_state(c) == 'T');
	snprintf(what, sizeof what, "%s: waitpid again", phase);
	show_wait(what, c, flag | WNOHANG);
}

// stop_continue: SIGSTOP, state T, SIGCHLD codes, a pending SIGUSR1 held
// until SIGCONT, WCONTINUED, then SIGKILL of a stopped child.
static void stop_continue(void) {
	int rd;
	pid_t c = sleeper(&rd);
	int seen = chld_count;
	kill(c, SIGSTOP);
	show_change("stop", c, seen, WUNTRACED);
	kill(c, SIGUSR1);
	printf("stop: USR1 held while stopped: %d\n", readable(rd, 200) == 0);
	seen = chld_count;
	kill(c, SIGCONT);
	char b = 0;
	read(rd, &b, 1);
	printf("cont: USR1 handled after SIGCONT: %c\n", b);
	show_change("cont", c, seen, WCONTINUED);
	kill(c, SIGSTOP);
	show_wait("kill: waitpid WUNTRACED", c, WUNTRACED);
	kill(c, SIGKILL);
	show_wait("kill: waitpid", c, 0);
	close(rd);
}

// stop_signals: SIGTSTP, SIGTTIN and SIGTTOU stop by default; without
// WUNTRACED waitpid does not report a stop.
static void stop_signals(void) {
	int sigs[] = {SIGTSTP, SIGTTIN, SIGTTOU};
	for (int i = 0; i < 3; i++) {
		int rd;
		pid_t c = sleeper(&rd);
		kill(c, sigs[i]);
		show_wait("sig: waitpid WUNTRACED", c, WUNTRACED);
		show_wait("sig: waitpid WNOHANG (no WUNTRACED)", c, WNOHANG);
		kill(c, SIGCONT);
		kill(c, SIGTERM);
		show_wait("sig: waitpid", c, 0);
		close(rd);
	}
}

// handled_tstp: a handled SIGTSTP runs the handler and does not stop.
static void on_tstp(int sig) {
	(void)sig;
	write(1, "tstp: handler ran\n", 18);
}

static void handled_tstp(void) {
	pid_t c = fork();
	if (c == 0) {
		signal(SIGTSTP, on_tstp);
		raise(SIGTSTP);
		_exit(3);
	}
	show_wait("tstp: waitpid WUNTRACED", c, WUNTRACED);
}

// self_stop: a child stops itself; SIGCONT sent while it is not stopped
// changes nothing.
static void self_stop(void) {
	pid_t c = fork();
	if (c == 0) {
		raise(SIGSTOP);
		_exit(4);
	}
	show_wait("self: waitpid WUNTRACED", c, WUNTRACED);
	kill(c, SIGCONT);
	show_wait("self: waitpid", c, 0);
}

// waitid_flags: WSTOPPED with WNOWAIT leaves the report, WSTOPPED takes it;
// WCONTINUED; a waitid without a report with WNOHANG gives si_pid 0.
static void show_waitid(const char *what, pid_t c, int options) {
	siginfo_t si;
	memset(&si, 0, sizeof si);
	int r = waitid(P_PID, c, &si, options);
	if (r < 0)
		printf("%s: -1 errno %d\n", what, errno);
	else
		printf("%s: pid ok %d signo %d code %d status %d\n", what, si.si_pid == c, si.si_signo, si.si_code,
		       si.si_status);
	fflush(stdout);
}

static void waitid_flags(void) {
	int rd;
	pid_t c = sleeper(&rd);
	kill(c, SIGSTOP);
	show_waitid("waitid WSTOPPED|WNOWAIT", c, WSTOPPED | WNOWAIT);
	show_waitid("waitid WSTOPPED", c, WSTOPPED);
	show_waitid("waitid WSTOPPED|WNOHANG", c, WSTOPPED | WNOHANG);
	kill(c, SIGCONT);
	show_waitid("waitid WCONTINUED|WNOWAIT", c, WCONTINUED | WNOWAIT);
	show_waitid("waitid WCONTINUED", c, WCONTINUED);
	show_waitid("waitid WCONTINUED|WNOHANG", c, WCONTINUED | WNOHANG);
	show_waitid("waitid no flags", c, WNOHANG);
	kill(c, SIGKILL);
	show_waitid("waitid WEXITED", c, WEXITED);
	close(rd);
}

// nocldstop: with SA_NOCLDSTOP no SIGCHLD comes for a stop, but wait
// still reports it.
static void nocldstop(void) {
	set_chld(SA_NOCLDSTOP);
	int rd;
	pid_t c = sleeper(&rd);
	int seen = chld_count;
	kill(c, SIGSTOP);
	show_wait("nocldstop: waitpid WUNTRACED", c, WUNTRACED);
	kill(c, SIGCONT);
	show_wait("nocldstop: waitpid WCONTINUED", c, WCONTINUED);
	printf("nocldstop: no SIGCHLD: %d\n", chld_count == seen);
	kill(c, SIGKILL);
	show_wait("nocldstop: waitpid", c, 0);
	close(rd);
	set_chld(0);
}

// threads: every thread of a stopped child stops (a counter a thread
// keeps raising stands still) and runs again after SIGCONT.
static volatile unsigned long *counter;

static void *spin(void *arg) {
	(void)arg;
	for (;;)
		(*counter)++;
	return NULL;
}

static void threads(void) {
	counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int p[2];
	pipe(p);
	pid_t c = fork();
	if (c == 0) {
		pthread_t th;
		pthread_create(&th, NULL, spin, NULL);
		write(p[1], "r", 1);
		for (;;)
			pause();
	}
	char b;
	read(p[0], &b, 1);
	while (*counter == 0)
		usleep(1000);
	kill(c, SIGSTOP);
	show_wait("threads: waitpid WUNTRACED", c, WUNTRACED);
	unsigned long before = *counter;
	usleep(200000);
	printf("threads: counter stands still: %d\n", *counter == before);
	kill(c, SIGCONT);
	show_wait("threads: waitpid WCONTINUED", c, WCONTINUED);
	while (*counter == before)
		usleep(1000);
	printf("threads: counter moves again\n");
	kill(c, SIGKILL);
	show_wait("threads: waitpid", c, 0);
	close(p[0]);
	close(p[1]);
}

// orphans: in a subreaper S (outside C's session), C makes a session of
// its own, where its group is orphaned: SIGTSTP is discarded there. C
// forks G into a group of its own; G stops; when C exits, G's group is
// orphaned with a stopped member and gets SIGHUP and SIGCONT; G's parent
// is now S.
static int hup_fd;

static void on_hup(int sig) {
	(void)sig;
	write(hup_fd, "h", 1);
}

static void orphans(void) {
	pid_t s = fork();
	if (s == 0) {
		prctl(PR_SET_CHILD_SUBREAPER, 1);
		int on = 0;
		prctl(PR_GET_CHILD_SUBREAPER, &on);
		printf("orphans: subreaper %d\n", on);
		fflush(stdout);
		int p[2];
		pipe(p);
		pid_t c = fork();
		if (c == 0) {
			setsid();
			raise(SIGTSTP);
			printf("orphans: SIGTSTP discarded in an orphaned group\n");
			fflush(stdout);
			pid_t g = fork();
			if (g == 0) {
				setpgid(0, 0);
				hup_fd = p[1];
				signal(SIGHUP, on_hup);
				raise(SIGSTOP);
				char ppid[32];
				int n = snprintf(ppid, sizeof ppid, "%d", (int)getppid());
				write(p[1], ppid, n);
				_exit(5);
			}
			int st;
			waitpid(g, &st, WUNTRACED);
			printf("orphans: grandchild %s\n", describe(st));
			fflush(stdout);
			_exit(0);
		}
		close(p[1]);
		int st;
		waitpid(c, &st, 0);
		printf("orphans: session child %s\n", describe(st));
		char buf[64] = {0};
		int n = 0, r;
		while ((r = read(p[0], buf + n, sizeof buf - 1 - n)) > 0)
			n += r;
		printf("orphans: grandchild got SIGHUP: %d\n", buf[0] == 'h');
		printf("orphans: grandchild reparented to the subreaper: %d\n", atoi(buf + 1) == getpid());
		pid_t g = waitpid(-1, &st, 0);
		printf("orphans: subreaper reaps the grandchild: %d %s\n", g > 0, describe(st));
		fflush(stdout);
		_exit(0);
	}
	show_wait("orphans: subreaper", s, 0);
}

int main(void) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	set_chld(0);
	stop_continue();
	stop_signals();
	handled_tstp();
	self_stop();
	waitid_flags();
	nocldstop();
	threads();
	orphans();
	return 0;
}
