/*
 * tty_ioctl: the terminal requests on stdin, a terminal (run on a pty by
 * the test): TCGETS and TCGETS2 write exactly the kernel's struct termios
 * (36 bytes) and termios2 (44 bytes), TIOCGWINSZ a struct winsize (8);
 * TCSETS changes what TCGETS reads back (and is undone), TCSETSW/TCSETSF,
 * tcdrain, tcflush, tcflow; FIONREAD and TIOCOUTQ; job control (TIOCGPGRP,
 * TIOCSPGRP and its errors, TIOCGSID, TIOCSCTTY on the session's own
 * terminal); /dev/tty is the same terminal; ENOTTY on a pipe and /dev/null.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* The kernel's structs (the C libraries' struct termios differs from them):
 * struct termios for TCGETS/TCSETS, struct termios2 for the *2 requests. */
struct ktermios {
	unsigned c_iflag, c_oflag, c_cflag, c_lflag;
	unsigned char c_line, c_cc[19];
};
struct ktermios2 {
	unsigned c_iflag, c_oflag, c_cflag, c_lflag;
	unsigned char c_line, c_cc[19];
	unsigned c_ispeed, c_ospeed;
};
#define K_TCGETS2 _IOR('T', 0x2A, struct ktermios2)
#define K_TCSETSW2 _IOW('T', 0x2C, struct ktermios2)

#define CANARY 0xa5

static const char *errname(int e)
{
	switch (e) {
	case ENOTTY: return "ENOTTY";
	case EINVAL: return "EINVAL";
	case ESRCH: return "ESRCH";
	case EPERM: return "EPERM";
	case EFAULT: return "EFAULT";
	case EBADF: return "EBADF";
	}
	return "other";
}

/* written reports how many bytes of buf an ioctl wrote (the last byte that
 * is no longer the canary). */
static int written(const unsigned char *buf, int size)
{
	int n = 0;
	for (int i = 0; i < size; i++)
		if (buf[i] != CANARY)
			n = i + 1;
	return n;
}

static void result(const char *what, int r)
{
	printf("%s: %d %s\n", what, r, r < 0 ? errname(errno) : "ok");
}

static void sizes(void)
{
	unsigned char buf[128];

	memset(buf, CANARY, sizeof buf);
	result("TCGETS", ioctl(0, TCGETS, buf));
	printf("TCGETS within struct termios (%zu): %d\n", sizeof(struct ktermios), written(buf, sizeof buf) <= (int)sizeof(struct ktermios));
	memset(buf, CANARY, sizeof buf);
	result("TCGETS2", ioctl(0, K_TCGETS2, buf));
	printf("TCGETS2 within struct ktermios2 (%zu): %d\n", sizeof(struct ktermios2), written(buf, sizeof buf) <= (int)sizeof(struct ktermios2));
	memset(buf, CANARY, sizeof buf);
	result("TIOCGWINSZ", ioctl(0, TIOCGWINSZ, buf));
	printf("TIOCGWINSZ within struct winsize (%zu): %d\n", sizeof(struct winsize), written(buf, sizeof buf) <= (int)sizeof(struct winsize));
}

static void modes(void)
{
	struct ktermios t, saved, back;
	struct ktermios2 t2;

	ioctl(0, TCGETS, &t);
	saved = t;
	printf("iflag %#o oflag %#o cflag %#o lflag %#o line %d vmin %d vtime %d verase %d\n",
	       t.c_iflag, t.c_oflag, t.c_cflag, t.c_lflag, t.c_line, t.c_cc[VMIN], t.c_cc[VTIME], t.c_cc[VERASE]);
	ioctl(0, K_TCGETS2, &t2);
	printf("termios2 lflag same: %d\n", t2.c_lflag == t.c_lflag);

	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 3;
	t.c_cc[VTIME] = 7;
	result("TCSETS", ioctl(0, TCSETS, &t));
	ioctl(0, TCGETS, &back);
	printf("after TCSETS: icanon %d echo %d vmin %d vtime %d\n", !!(back.c_lflag & ICANON), !!(back.c_lflag & ECHO),
	       back.c_cc[VMIN], back.c_cc[VTIME]);
	t2 = (struct ktermios2){0};
	ioctl(0, K_TCGETS2, &t2);
	t2.c_cc[VMIN] = 5;
	result("TCSETSW2", ioctl(0, K_TCSETSW2, &t2));
	ioctl(0, TCGETS, &back);
	printf("after TCSETSW2: vmin %d\n", back.c_cc[VMIN]);
	result("TCSETSF", ioctl(0, TCSETSF, &saved));
	result("TCSETSW", ioctl(0, TCSETSW, &saved));
	ioctl(0, TCGETS, &back);
	printf("restored: icanon %d echo %d vmin %d\n", !!(back.c_lflag & ICANON), !!(back.c_lflag & ECHO), back.c_cc[VMIN]);

	result("tcdrain (TCSBRK 1)", ioctl(0, TCSBRK, 1));
	result("tcflush (TCFLSH TCIFLUSH)", ioctl(0, TCFLSH, TCIFLUSH));
	result("tcflush bad queue", ioctl(0, TCFLSH, 7));
	result("tcflow (TCXONC TCOON)", ioctl(0, TCXONC, TCOON));
	int n = -1;
	result("FIONREAD", ioctl(0, FIONREAD, &n));
	printf("FIONREAD bytes: %d\n", n);
	n = -1;
	result("TIOCOUTQ", ioctl(1, TIOCOUTQ, &n));
	printf("TIOCOUTQ non-negative: %d\n", n >= 0);
}

/* groups: the foreground can move to another group of the session and
 * back (SIGTTOU blocked: the caller is then in the background); a child
 * in a session of its own has no controlling terminal (ENOTTY) and its
 * group cannot be the foreground (EPERM). */
static void groups(void)
{
	sigset_t ttou, old;
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	int ready[2], go[2];
	pipe(ready);
	pipe(go);
	pid_t c = fork();
	if (c == 0) {
		char b;
		read(go[0], &b, 1);
		_exit(0);
	}
	pid_t mine = getpgrp(), fg = -1;
	result("setpgid child", setpgid(c, c));
	result("TIOCSPGRP child group", ioctl(0, TIOCSPGRP, &c));
	ioctl(0, TIOCGPGRP, &fg);
	printf("foreground is the child's: %d\n", fg == c);
	result("TIOCSPGRP back", ioctl(0, TIOCSPGRP, &mine));
	ioctl(0, TIOCGPGRP, &fg);
	printf("foreground is mine again: %d\n", fg == mine);
	write(go[1], "x", 1);
	waitpid(c, NULL, 0);

	c = fork();
	if (c == 0) {
		result("setsid", setsid() == getpid() ? 0 : -1);
		pid_t g = getpid();
		result("new session TIOCGPGRP", ioctl(0, TIOCGPGRP, &g));
		result("new session TIOCSPGRP", ioctl(0, TIOCSPGRP, &g));
		result("new session TIOCGSID", ioctl(0, TIOCGSID, &g));
		write(ready[1], "x", 1);
		char b;
		read(go[0], &b, 1);
		_exit(0);
	}
	char b;
	read(ready[0], &b, 1);
	result("TIOCSPGRP other session", ioctl(0, TIOCSPGRP, &c));
	write(go[1], "x", 1);
	waitpid(c, NULL, 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void jobs(void)
{
	pid_t pgrp = -1, sid = -1, bad;

	result("TIOCGPGRP", ioctl(0, TIOCGPGRP, &pgrp));
	printf("foreground group is mine: %d\n", pgrp == getpid());
	result("TIOCGSID", ioctl(0, TIOCGSID, &sid));
	printf("session is mine: %d\n", sid == getpid());
	result("TIOCSPGRP own", ioctl(0, TIOCSPGRP, &pgrp));
	bad = -1;
	result("TIOCSPGRP -1", ioctl(0, TIOCSPGRP, &bad));
	bad = 0x3fffffff;
	result("TIOCSPGRP missing", ioctl(0, TIOCSPGRP, &bad));
	result("TIOCSCTTY own terminal", ioctl(0, TIOCSCTTY, 0));
	result("TIOCGPGRP bad address", ioctl(0, TIOCGPGRP, (void *)8));
	result("unknown request", ioctl(0, 0x54ff, 0));
	groups();
}

static void others(void)
{
	int p[2];
	struct ktermios t;
	struct winsize a, b;

	int tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
	printf("open /dev/tty: %d\n", tty >= 0);
	result("/dev/tty TCGETS", ioctl(tty, TCGETS, &t));
	ioctl(0, TIOCGWINSZ, &a);
	ioctl(tty, TIOCGWINSZ, &b);
	printf("/dev/tty same size: %d (%dx%d)\n", a.ws_row == b.ws_row && a.ws_col == b.ws_col, b.ws_row, b.ws_col);
	close(tty);

	pipe(p);
	result("pipe TCGETS", ioctl(p[0], TCGETS, &t));
	result("pipe TIOCGWINSZ", ioctl(p[1], TIOCGWINSZ, &a));
	result("pipe TIOCGPGRP", ioctl(p[0], TIOCGPGRP, &a));
	result("pipe TCSETS", ioctl(p[0], TCSETS, &t));
	int null = open("/dev/null", O_RDWR);
	result("/dev/null TCGETS", ioctl(null, TCGETS, &t));
	result("/dev/null TIOCSWINSZ", ioctl(null, TIOCSWINSZ, &a));
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	sizes();
	modes();
	jobs();
	others();
	return 0;
}
