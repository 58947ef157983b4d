// pty_pair: pseudo-terminals made by the program itself (posix_openpt,
// openpty, forkpty, login_tty): the pair's numbers and ownership, the
// line discipline (echo, canonical editing, output and input
// translations, raw mode with VMIN/VTIME), keyboard signals to the
// foreground group, window size and SIGWINCH, and hang-up on either side.
// Every line printed is the same natively and under elfloader.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <utmp.h>

#include "errname.h"

// show prints bytes with control characters escaped.
static void show(const char *what, const char *p, long n) {
	printf("%s: ", what);
	if (n < 0) {
		printf("-1 %s\n", errname(errno));
		return;
	}
	printf("%ld \"", n);
	for (long i = 0; i < n; i++) {
		unsigned char c = p[i];
		if (c < 32 || c == 127)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	printf("\"\n");
}

// put writes a string to fd.
static void put(int fd, const char *s) { write(fd, s, strlen(s)); }

// drain reads what the master has within a short time.
static long drain(int m, char *buf, size_t size) {
	long total = 0;
	struct pollfd pfd = {.fd = m, .events = POLLIN};
	while ((size_t)total < size && poll(&pfd, 1, 200) == 1 && (pfd.revents & POLLIN)) {
		long n = read(m, buf + total, size - total);
		if (n <= 0)
			break;
		total += n;
	}
	return total;
}

static void numbers(void) {
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0) {
		printf("posix_openpt: %s\n", errname(errno));
		exit(1);
	}
	struct stat st;
	fstat(m, &st);
	printf("ptmx: chr %d rdev %u:%u\n", S_ISCHR(st.st_mode), major(st.st_rdev), minor(st.st_rdev));
	unsigned n = 0;
	printf("TIOCGPTN: %d\n", ioctl(m, TIOCGPTN, &n));
	char want[64];
	snprintf(want, sizeof want, "/dev/pts/%u", n);
	char *name = ptsname(m);
	printf("ptsname matches TIOCGPTN: %d\n", name && strcmp(name, want) == 0);
	int s = open(want, O_RDWR | O_NOCTTY);
	printf("open locked slave: %s\n", s < 0 ? errname(errno) : "opened");
	int lock = 1;
	ioctl(m, TIOCGPTLCK, &lock);
	printf("locked: %d\n", lock);
	printf("grantpt %d unlockpt %d\n", grantpt(m), unlockpt(m));
	ioctl(m, TIOCGPTLCK, &lock);
	printf("locked: %d\n", lock);
	s = open(want, O_RDWR | O_NOCTTY);
	printf("open slave: %s\n", s < 0 ? errname(errno) : "opened");
	fstat(s, &st);
	printf("slave: chr %d major %u minor-is-n %d mode %o uid-is-me %d gid-is-mine %d\n",
	       S_ISCHR(st.st_mode), major(st.st_rdev), minor(st.st_rdev) == n, st.st_mode & 07777,
	       st.st_uid == getuid(), st.st_gid == getgid());
	printf("isatty master %d slave %d\n", isatty(m), isatty(s));
	char link[64], path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", s);
	long l = readlink(path, link, sizeof link - 1);
	link[l < 0 ? 0 : l] = 0;
	printf("readlink slave matches: %d\n", strcmp(link, want) == 0);
	int peer = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	fstat(peer, &st);
	printf("TIOCGPTPEER: %d minor-is-n %d\n", peer >= 0, minor(st.st_rdev) == n);
	struct stat dir;
	printf("stat /dev/pts/ptmx: %d\n", stat("/dev/pts/ptmx", &dir) == 0 && S_ISCHR(dir.st_mode));
	printf("ioctl TIOCGPTN on slave: %d %s\n", ioctl(s, TIOCGPTN, &n), errname(errno));
	close(peer);
	close(s);
	close(m);
	printf("slave node gone: %d\n", access(want, F_OK) < 0);
}

static void editing(void) {
	int m, s;
	if (openpty(&m, &s, NULL, NULL, NULL) < 0) {
		printf("openpty: %s\n", errname(errno));
		exit(1);
	}
	struct termios tio;
	tcgetattr(s, &tio);
	printf("defaults: icanon %d echo %d echoe %d echok %d echoctl %d echoke %d isig %d icrnl %d opost %d onlcr %d verase %d vkill %d veof %d\n",
	       !!(tio.c_lflag & ICANON), !!(tio.c_lflag & ECHO), !!(tio.c_lflag & ECHOE),
	       !!(tio.c_lflag & ECHOK), !!(tio.c_lflag & ECHOCTL), !!(tio.c_lflag & ECHOKE),
	       !!(tio.c_lflag & ISIG), !!(tio.c_iflag & ICRNL), !!(tio.c_oflag & OPOST),
	       !!(tio.c_oflag & ONLCR), tio.c_cc[VERASE], tio.c_cc[VKILL], tio.c_cc[VEOF]);
	char buf[256];
	long n;
	// Erase, echoed as backspace-space-backspace; CR becomes NL (ICRNL).
	put(m, "abc\x7f" "d\r");
	n = read(s, buf, sizeof buf);
	show("read erase", buf, n);
	n = drain(m, buf, sizeof buf);
	show("echo erase", buf, n);
	// Kill (ECHOKE erases the line), word erase, control echo.
	put(m, "xyz\x15q \x01 foo bar\x17" "baz\n");
	n = read(s, buf, sizeof buf);
	show("read kill", buf, n);
	n = drain(m, buf, sizeof buf);
	show("echo kill", buf, n);
	// Two lines, read one at a time; FIONREAD counts both.
	write(m, "one\ntwo\n", 8);
	usleep(50000);
	int avail = -1;
	ioctl(s, FIONREAD, &avail);
	printf("FIONREAD: %d\n", avail);
	n = read(s, buf, sizeof buf);
	show("line 1", buf, n);
	n = read(s, buf, 2);
	show("line 2 part", buf, n);
	n = read(s, buf, sizeof buf);
	show("line 2 rest", buf, n);
	drain(m, buf, sizeof buf);
	// EOF: a line without a terminator, then an empty read.
	write(m, "hi\x04", 3);
	n = read(s, buf, sizeof buf);
	show("eof line", buf, n);
	write(m, "\x04", 1);
	n = read(s, buf, sizeof buf);
	show("eof alone", buf, n);
	n = drain(m, buf, sizeof buf);
	show("echo eof", buf, n);
	// Output processing: ONLCR.
	write(s, "out\nput\n", 8);
	n = drain(m, buf, sizeof buf);
	show("onlcr", buf, n);
	// ECHONL without ECHO, ECHOE off (erase echoed as ^?), INLCR/IGNCR.
	tio.c_lflag &= ~(ECHO | ECHOE);
	tio.c_lflag |= ECHONL;
	tcsetattr(s, TCSANOW, &tio);
	put(m, "se\x7f" "cret\n");
	n = read(s, buf, sizeof buf);
	show("noecho read", buf, n);
	n = drain(m, buf, sizeof buf);
	show("noecho echo", buf, n);
	tio.c_lflag |= ECHO;
	tio.c_iflag |= IGNCR;
	tcsetattr(s, TCSANOW, &tio);
	put(m, "a\x7f" "b\rc\n");
	n = read(s, buf, sizeof buf);
	show("igncr read", buf, n);
	n = drain(m, buf, sizeof buf);
	show("no echoe echo", buf, n);
	tio.c_iflag &= ~IGNCR;
	tio.c_iflag |= INLCR | ICRNL;
	tcsetattr(s, TCSANOW, &tio);
	write(m, "d\n", 2);
	write(m, "\r", 1);
	n = read(s, buf, sizeof buf);
	show("inlcr read", buf, n);
	drain(m, buf, sizeof buf);
	// TCSETSF flushes pending input; tcflush the output.
	write(m, "pending", 7);
	usleep(20000);
	tcsetattr(s, TCSAFLUSH, &tio);
	ioctl(s, FIONREAD, &avail);
	printf("after TCSAFLUSH: %d\n", avail);
	drain(m, buf, sizeof buf);
	write(s, "unread", 6);
	tcflush(m, TCIFLUSH);
	n = drain(m, buf, sizeof buf);
	show("after tcflush", buf, n);
	// Raw mode: bytes as they come, VMIN/VTIME.
	cfmakeraw(&tio);
	tio.c_cc[VMIN] = 0;
	tio.c_cc[VTIME] = 1;
	tcsetattr(s, TCSANOW, &tio);
	put(m, "r\x03w\x7f\r");
	usleep(20000);
	n = read(s, buf, sizeof buf);
	show("raw read", buf, n);
	n = read(s, buf, sizeof buf);
	show("raw timeout", buf, n);
	n = drain(m, buf, sizeof buf);
	show("raw echo", buf, n);
	tio.c_cc[VMIN] = 3;
	tio.c_cc[VTIME] = 0;
	tcsetattr(s, TCSANOW, &tio);
	write(m, "12", 2);
	write(m, "345", 3);
	usleep(20000);
	n = read(s, buf, sizeof buf);
	show("vmin read", buf, n);
	write(s, "x\ny", 3);
	n = drain(m, buf, sizeof buf);
	show("raw output", buf, n);
	// Back to canonical: termios2 read back.
	struct termios t2;
	tcgetattr(m, &t2);
	printf("master sees raw: %d\n", !(t2.c_lflag & ICANON));
	struct winsize ws = {.ws_row = 33, .ws_col = 99};
	ioctl(m, TIOCSWINSZ, &ws);
	memset(&ws, 0, sizeof ws);
	ioctl(s, TIOCGWINSZ, &ws);
	printf("winsize: %d %d\n", ws.ws_row, ws.ws_col);
	close(s);
	close(m);
}

static volatile sig_atomic_t winched;
static void onwinch(int sig) { (void)sig; winched = 1; }

static void signals(void) {
	int m;
	struct winsize ws = {.ws_row = 24, .ws_col = 80};
	fflush(stdout);
	pid_t pid = forkpty(&m, NULL, NULL, &ws);
	if (pid < 0) {
		printf("forkpty: %s\n", errname(errno));
		exit(1);
	}
	if (pid == 0) {
		signal(SIGWINCH, onwinch);
		printf("child: sid-is-me %d pgrp-is-me %d tcgetpgrp-is-me %d tcgetsid-is-me %d\n",
		       getsid(0) == getpid(), getpgrp() == getpid(), tcgetpgrp(0) == getpid(),
		       tcgetsid(0) == getpid());
		int fd = open("/dev/tty", O_RDWR);
		printf("child: /dev/tty %s\n", fd < 0 ? errname(errno) : "opened");
		printf("ready\n");
		fflush(stdout);
		char line[64];
		// Wait for the window change, then report it.
		while (!winched)
			pause();
		ioctl(0, TIOCGWINSZ, &ws);
		printf("winch %d %d\n", ws.ws_row, ws.ws_col);
		fflush(stdout);
		if (!fgets(line, sizeof line, stdin))
			_exit(3);
		printf("got %s", line);
		fflush(stdout);
		pause(); // ^C ends it
		_exit(4);
	}
	char buf[512];
	long total = 0;
	while (!strstr(buf, "ready\r\n")) {
		long n = read(m, buf + total, sizeof buf - 1 - total);
		if (n <= 0)
			break;
		total += n;
		buf[total] = 0;
	}
	show("child says", buf, total);
	pid_t fg = 0;
	ioctl(m, TIOCGPGRP, &fg);
	printf("master TIOCGPGRP is child: %d\n", fg == pid);
	ws.ws_row = 50;
	ws.ws_col = 132;
	ioctl(m, TIOCSWINSZ, &ws);
	total = 0;
	buf[0] = 0;
	while (!strstr(buf, "\n")) {
		long n = read(m, buf + total, sizeof buf - 1 - total);
		if (n <= 0)
			break;
		total += n;
		buf[total] = 0;
	}
	show("after winch", buf, total);
	write(m, "line\n", 5);
	total = 0;
	buf[0] = 0;
	/* Up to the end of the child's "got" line: its text and line end may
	 * come in two reads. */
	while (!strstr(buf, "got") || !strchr(strstr(buf, "got"), '\n')) {
		long n = read(m, buf + total, sizeof buf - 1 - total);
		if (n <= 0)
			break;
		total += n;
		buf[total] = 0;
	}
	show("after line", buf, total);
	write(m, "\x03", 1);
	int status;
	waitpid(pid, &status, 0);
	printf("child: signaled %d sig %d\n", WIFSIGNALED(status), WIFSIGNALED(status) ? WTERMSIG(status) : -1);
	long n = drain(m, buf, sizeof buf);
	show("echo ^C", buf, n);
	n = read(m, buf, sizeof buf);
	show("master after child exit", buf, n);
	close(m);
}


// events waits up to 1 s for one epoll event and prints its bits.
static void events(const char *what, int ep) {
	struct epoll_event ev = {0};
	int n = epoll_wait(ep, &ev, 1, 1000);
	printf("%s: %d %#x\n", what, n, n > 0 ? ev.events : 0);
}

static void readiness(void) {
	int m, s;
	char buf[64];
	openpty(&m, &s, NULL, NULL, NULL);
	int em = epoll_create1(0), es = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN};
	epoll_ctl(em, EPOLL_CTL_ADD, m, &ev);
	epoll_ctl(es, EPOLL_CTL_ADD, s, &ev);
	events("master idle", em);
	write(s, "x", 1);
	events("master after slave write", em);
	read(m, buf, sizeof buf);
	write(m, "par", 3);
	events("slave partial line", es);
	write(m, "t\n", 2);
	events("slave after line", es);
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(s, &rd);
	struct timeval tv = {1, 0};
	printf("select slave: %d %d\n", select(s + 1, &rd, NULL, NULL, &tv), FD_ISSET(s, &rd));
	show("slave line", buf, read(s, buf, sizeof buf));
	drain(m, buf, sizeof buf);
	close(s);
	events("master after slave close", em);
	close(m);
}

static void hangup(void) {
	int m, s;
	char buf[64];
	struct pollfd pfd;
	// Master before the slave was ever opened.
	m = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
	pfd = (struct pollfd){.fd = m, .events = POLLIN | POLLOUT};
	poll(&pfd, 1, 0);
	printf("unopened master poll: %#x\n", pfd.revents);
	show("unopened master read", buf, read(m, buf, sizeof buf));
	close(m);
	// Slave closed: the master reads what is left, then EIO.
	openpty(&m, &s, NULL, NULL, NULL);
	pfd = (struct pollfd){.fd = m, .events = POLLIN | POLLOUT};
	poll(&pfd, 1, 0);
	printf("open master poll: %#x\n", pfd.revents);
	write(s, "bye", 3);
	close(s);
	pfd = (struct pollfd){.fd = m, .events = POLLIN | POLLOUT};
	poll(&pfd, 1, 0);
	printf("slave closed master poll: %#x\n", pfd.revents);
	show("slave closed read 1", buf, read(m, buf, sizeof buf));
	show("slave closed read 2", buf, read(m, buf, sizeof buf));
	show("slave closed write", buf, write(m, "x", 1));
	close(m);
	// Master closed: the slave is hung up.
	openpty(&m, &s, NULL, NULL, NULL);
	write(m, "in\n", 3);
	usleep(20000);
	close(m);
	pfd = (struct pollfd){.fd = s, .events = POLLIN | POLLOUT};
	poll(&pfd, 1, 0);
	printf("master closed slave poll: %#x\n", pfd.revents);
	show("master closed slave read", buf, read(s, buf, sizeof buf));
	show("master closed slave write", buf, write(s, "x", 1));
	struct termios tio;
	printf("master closed tcgetattr: %d %s\n", tcgetattr(s, &tio), errname(errno));
	close(s);
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *what = argc > 1 ? argv[1] : "all";
	if (!strcmp(what, "numbers") || !strcmp(what, "all"))
		numbers();
	if (!strcmp(what, "editing") || !strcmp(what, "all"))
		editing();
	if (!strcmp(what, "signals") || !strcmp(what, "all"))
		signals();
	if (!strcmp(what, "readiness") || !strcmp(what, "all"))
		readiness();
	if (!strcmp(what, "hangup") || !strcmp(what, "all"))
		hangup();
	return 0;
}
