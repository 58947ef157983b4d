// POSIX message queues: mq_open's name, flag, permission and attribute
// rules, priorities, non-blocking and timed sends and receives, EMSGSIZE,
// mq_getattr/mq_setattr, poll readiness, a blocked receive woken by a
// forked child, mq_notify with SIGEV_SIGNAL (siginfo) and its EBUSY and
// removal, reading the status line, and mq_unlink while open.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "show.h"

static char name[64], name2[64];


static volatile sig_atomic_t got_signo, got_code, got_value, got_pid_ok;

static void on_signal(int sig, siginfo_t *si, void *uc) {
	(void)uc;
	got_signo = sig;
	got_code = si->si_code;
	got_value = si->si_value.sival_int;
	got_pid_ok = si->si_pid == getpid();
}

static void attr_of(const char *what, mqd_t q) {
	struct mq_attr at;
	if (mq_getattr(q, &at) != 0) {
		printf("%s: errno %d\n", what, errno);
		return;
	}
	printf("%s: flags %lx maxmsg %ld msgsize %ld curmsgs %ld\n", what, at.mq_flags & O_NONBLOCK, at.mq_maxmsg,
	       at.mq_msgsize, at.mq_curmsgs);
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	snprintf(name, sizeof name, "/elfloader-mq-%d", getpid());
	snprintf(name2, sizeof name2, "/elfloader-mq2-%d", getpid());

	// Names and flags (through the raw call: glibc checks the '/').
	show("open missing", mq_open(name, O_RDONLY));
	show("raw name with slash", syscall(SYS_mq_open, "a/b", O_RDONLY | O_CREAT, 0600, NULL));
	show("raw empty name", syscall(SYS_mq_open, "", O_RDONLY | O_CREAT, 0600, NULL));
	show("raw dot", syscall(SYS_mq_open, ".", O_RDONLY | O_CREAT, 0600, NULL));
	char longname[300];
	memset(longname, 'n', sizeof longname);
	longname[299] = 0;
	show("raw long name", syscall(SYS_mq_open, longname, O_RDONLY | O_CREAT, 0600, NULL));
	show("raw bad pointer", syscall(SYS_mq_open, (char *)16, O_RDONLY, 0, NULL));
	/* Linux creates a queue for O_ACCMODE (a description that can neither
	 * send nor receive) and refuses it only for an existing queue. */
	mqd_t odd = mq_open(name, O_ACCMODE | O_CREAT, 0600, NULL);
	show("create with O_ACCMODE", odd >= 0 ? 0 : -1);
	show("send on it", mq_send(odd, "x", 1, 0));
	show("open existing with O_ACCMODE", mq_open(name, O_ACCMODE, 0600, NULL));
	close(odd);
	mq_unlink(name);
	struct mq_attr at = {0, 0, 64, 0};
	show("maxmsg 0", mq_open(name, O_RDWR | O_CREAT, 0600, &at));
	at.mq_maxmsg = 4;
	at.mq_msgsize = 0;
	show("msgsize 0", mq_open(name, O_RDWR | O_CREAT, 0600, &at));
	at.mq_msgsize = 64;
	at.mq_maxmsg = 100000;
	show("maxmsg beyond the hard limit", mq_open(name, O_RDWR | O_CREAT, 0600, &at));
	at.mq_maxmsg = 4;

	mqd_t q = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640, &at);
	show("create", q >= 0 ? 0 : -1);
	show("create again O_EXCL", mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0640, &at));
	mqd_t q2 = mq_open(name, O_RDONLY);
	show("open existing", q2 >= 0 ? 0 : -1);
	attr_of("attr", q);
	struct stat st;
	printf("cloexec: %d\n", (fcntl(q, F_GETFD) & FD_CLOEXEC) != 0);

	// Send in mixed priorities, receive highest first, FIFO within one.
	show("send a/1", mq_send(q, "a", 1, 1));
	show("send b/5", mq_send(q, "bb", 2, 5));
	show("send c/1", mq_send(q, "ccc", 3, 1));
	show("send d/5", mq_send(q, "dddd", 4, 5));
	show("send full nonblocking", ({
		     struct mq_attr nb = {O_NONBLOCK};
		     mq_setattr(q, &nb, NULL);
		     mq_send(q, "e", 1, 0);
	     }));
	attr_of("attr full", q);
	struct pollfd pf = {q, POLLIN | POLLOUT, 0};
	show("poll full", poll(&pf, 1, 0));
	printf("  revents %x\n", pf.revents);
	char buf[128];
	unsigned prio;
	char status[128] = {0};
	show("status read", read(q, status, sizeof status - 1));
	printf("  %s", status);
	show("receive short buffer", mq_receive(q, buf, 10, &prio));
	for (int i = 0; i < 4; i++) {
		memset(buf, 0, sizeof buf);
		long n = mq_receive(q, buf, sizeof buf, &prio);
		printf("receive: %ld '%s' prio %u\n", n, buf, prio);
	}
	show("receive empty nonblocking", mq_receive(q, buf, sizeof buf, &prio));
	show("send too big", mq_send(q, buf, 65, 0));
	show("send bad prio", mq_send(q, "x", 1, 40000));
	show("send on read-only", mq_send(q2, "x", 1, 0));
	show("send bad fd", mq_send(999, "x", 1, 0));
	int pipefd[2];
	pipe(pipefd);
	show("send on a pipe", mq_send(pipefd[1], "x", 1, 0));
	struct mq_attr bl = {0};
	mq_setattr(q, &bl, NULL);
	attr_of("attr blocking", q);
	struct mq_attr badset = {0x4};
	show("setattr bad flags", mq_setattr(q, &badset, NULL));

	// Timed receive on an empty queue: ETIMEDOUT; a bad timeout: EINVAL.
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 20 * 1000 * 1000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	show("timedreceive empty", mq_timedreceive(q, buf, sizeof buf, &prio, &ts));
	ts.tv_nsec = 2000000000;
	show("timedreceive bad timeout", mq_timedreceive(q, buf, sizeof buf, &prio, &ts));
	show("timedsend bad timeout with room", mq_timedsend(q, "x", 1, 0, &ts));

	// A blocked receive woken by a child's send.
	pid_t pid = fork();
	if (pid == 0) {
		usleep(50 * 1000);
		mqd_t c = mq_open(name, O_WRONLY);
		mq_send(c, "from child", 10, 7);
		_exit(0);
	}
	memset(buf, 0, sizeof buf);
	long n = mq_receive(q, buf, sizeof buf, &prio);
	printf("blocked receive: %ld '%s' prio %u\n", n, buf, prio);
	waitpid(pid, NULL, 0);

	// mq_notify with a signal; EBUSY for a second process.
	struct sigaction sa = {0};
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	struct sigevent sev = {0};
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR1;
	sev.sigev_value.sival_int = 4242;
	show("notify", mq_notify(q, &sev));
	pid = fork();
	if (pid == 0) {
		struct sigevent s2 = {0};
		s2.sigev_notify = SIGEV_NONE;
		show("child notify busy", mq_notify(q, &s2));
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	memset(status, 0, sizeof status);
	lseek(q, 0, SEEK_SET);
	sev.sigev_signo = 0;
	struct sigevent bad = {0};
	bad.sigev_notify = SIGEV_SIGNAL;
	bad.sigev_signo = 100;
	show("notify bad signal", mq_notify(q2, &bad));
	show("send notifies", mq_send(q, "n", 1, 0));
	for (int i = 0; i < 100 && !got_signo; i++)
		usleep(1000);
	printf("signal %d code %d value %d pid ok %d\n", got_signo, got_code, got_value, got_pid_ok);
	got_signo = 0;
	mq_receive(q, buf, sizeof buf, &prio);
	show("send after the one notification", mq_send(q, "m", 1, 0));
	usleep(20 * 1000);
	printf("second signal: %d\n", got_signo);
	mq_receive(q, buf, sizeof buf, &prio);
	show("notify again", mq_notify(q, &sev));
	show("notify remove", mq_notify(q, NULL));
	show("notify after remove", mq_notify(q, &sev));
	mq_notify(q, NULL);

	// Unlink while open: the name goes, the queue stays.
	show("unlink", mq_unlink(name));
	show("unlink again", mq_unlink(name));
	show("open after unlink", mq_open(name, O_RDONLY));
	show("send after unlink", mq_send(q, "z", 1, 0));
	memset(buf, 0, sizeof buf);
	show("receive after unlink", mq_receive(q, buf, sizeof buf, &prio));

	// Another user: permissions and the msg_max limit.
	mqd_t r = mq_open(name2, O_RDWR | O_CREAT, 0600, NULL);
	attr_of("default attr", r);
	pid = fork();
	if (pid == 0) {
		setgid(65534);
		setuid(65534);
		show("nobody open 0600", mq_open(name2, O_RDONLY));
		show("nobody unlink", mq_unlink(name2));
		struct mq_attr big = {0, 11, 64, 0};
		show("nobody maxmsg 11", mq_open("/elfloader-mq-nobody", O_RDWR | O_CREAT, 0600, &big));
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	mq_unlink(name2);
	(void)st;
	return 0;
}
