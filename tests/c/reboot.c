// reboot: reboot(2) as the unikernel's power button.
//
//   reboot errno          the errno rules, safe to run natively: every call
//                         has a bad magic number or an unknown command, so
//                         it can never reboot the host (EPERM before EINVAL
//                         without CAP_SYS_BOOT, as Linux checks)
//   reboot count DIR N    boot counter in DIR/count (a :rw volume); checks
//                         that /tmp is fresh, then restarts (RESTART, or
//                         RESTART2 on even boots) until boot N, and powers off
//   reboot crash DIR      counts the boot, then dies of SIGABRT
//   reboot exit DIR S     counts the boot, then exits with status S
//   reboot poweroff DIR   two children and the first process wait with a
//                         SIGTERM handler that writes DIR/term.NAME; a third
//                         child powers off
//   reboot cad DIR        boot 1 turns Ctrl-Alt-Del on and waits; boot 2 exits
//   reboot stubborn       a child ignores SIGTERM; the first process powers
//                         off (the child ends by SIGKILL after the grace period)
//
// Only "errno" may run natively.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errname.h"

#define MAGIC1 0xfee1deadU
#define MAGIC2 0x28121969U
#define MAGIC2A 0x05121996U
#define MAGIC2B 0x16041998U
#define MAGIC2C 0x20112000U
#define CMD_RESTART 0x01234567U
#define CMD_HALT 0xcdef0123U
#define CMD_CAD_ON 0x89abcdefU
#define CMD_CAD_OFF 0x00000000U
#define CMD_POWER_OFF 0x4321fedcU
#define CMD_RESTART2 0xa1b2c3d4U
#define CMD_UNKNOWN 0x0badc0deU

static long rb(unsigned m1, unsigned m2, unsigned cmd, const void *arg)
{
	return syscall(SYS_reboot, m1, m2, cmd, arg);
}

static void show(const char *what, long r)
{
	if (r < 0)
		printf("%s: -1 %s\n", what, errname(errno));
	else
		printf("%s: %ld\n", what, r);
}

// safeCalls are calls that fail whatever the caller's privileges.
static void safe_calls(void)
{
	show("bad magic1", rb(0x12345678U, MAGIC2, CMD_CAD_OFF, NULL));
	show("bad magic2", rb(MAGIC1, 0x1U, CMD_CAD_OFF, NULL));
	show("magic1 as magic2", rb(MAGIC1, MAGIC1, CMD_CAD_OFF, NULL));
	show("unknown cmd, magic2", rb(MAGIC1, MAGIC2, CMD_UNKNOWN, NULL));
	show("unknown cmd, magic2a", rb(MAGIC1, MAGIC2A, CMD_UNKNOWN, NULL));
	show("unknown cmd, magic2b", rb(MAGIC1, MAGIC2B, CMD_UNKNOWN, NULL));
	show("unknown cmd, magic2c", rb(MAGIC1, MAGIC2C, CMD_UNKNOWN, NULL));
}

// has_cap_sys_boot reports whether CAP_SYS_BOOT is effective (or capget
// fails): the calls with valid magic numbers are made only without it.
static int has_cap_sys_boot(void)
{
	struct { unsigned version; int pid; } h = {0x20080522, 0};
	struct { unsigned eff, prm, inh; } d[2];
	if (syscall(SYS_capget, &h, d) != 0)
		return 1;
	return (d[0].eff >> 22) & 1;
}

static int errno_rules(void)
{
	printf("as root (euid %d):\n", geteuid() == 0 ? 0 : 1);
	safe_calls();
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		if (setgid(65534) != 0 || setuid(65534) != 0 || geteuid() == 0 || has_cap_sys_boot()) {
			printf("cannot drop root\n");
			_exit(1);
		}
		printf("as nobody:\n");
		safe_calls();
		show("power off, valid magic", rb(MAGIC1, MAGIC2, CMD_POWER_OFF, NULL));
		show("restart, valid magic", rb(MAGIC1, MAGIC2, CMD_RESTART, NULL));
		fflush(stdout);
		_exit(0);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return 1;
	return WEXITSTATUS(st);
}

// count_boot adds one to DIR/count and returns the new value.
static int count_boot(const char *dir)
{
	char path[4096], buf[32] = "";
	snprintf(path, sizeof path, "%s/count", dir);
	int fd = open(path, O_RDWR | O_CREAT, 0644);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	ssize_t n = read(fd, buf, sizeof buf - 1);
	int count = n > 0 ? atoi(buf) : 0;
	count++;
	int len = snprintf(buf, sizeof buf, "%d\n", count);
	if (pwrite(fd, buf, len, 0) != len) {
		perror("pwrite");
		exit(1);
	}
	close(fd);
	return count;
}

// tmp_fresh reports whether /tmp/booted is new this boot (and creates it).
static int tmp_fresh(void)
{
	int fd = open("/tmp/booted", O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

static int count_and_restart(const char *dir, int last)
{
	int boot = count_boot(dir);
	printf("boot %d, /tmp fresh: %s\n", boot, tmp_fresh() ? "yes" : "no");
	fflush(stdout);
	long r;
	if (boot >= last)
		r = rb(MAGIC1, MAGIC2, CMD_POWER_OFF, NULL);
	else if (boot % 2 == 0)
		r = rb(MAGIC1, MAGIC2B, CMD_RESTART2, "again");
	else
		r = rb(MAGIC1, MAGIC2, CMD_RESTART, NULL);
	show("reboot returned", r);
	return 1;
}

static const char *term_dir;
static const char *term_name;

static void on_term(int sig)
{
	(void)sig;
	char path[4096];
	snprintf(path, sizeof path, "%s/term.%s", term_dir, term_name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		write(fd, "SIGTERM\n", 8);
		close(fd);
	}
	_exit(3);
}

// waiter installs the SIGTERM handler, tells the parent, and waits.
static void waiter(const char *name, int ready)
{
	term_name = name;
	struct sigaction sa = {.sa_handler = on_term};
	sigaction(SIGTERM, &sa, NULL);
	if (write(ready, "r", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

static int poweroff(const char *dir)
{
	term_dir = dir;
	int p[2];
	if (pipe(p) != 0)
		return 1;
	static const char *names[] = {"child1", "child2"};
	for (int i = 0; i < 2; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0)
			waiter(names[i], p[1]);
	}
	char c;
	for (int i = 0; i < 2; i++)
		if (read(p[0], &c, 1) != 1)
			return 1;
	term_name = "first";
	struct sigaction sa = {.sa_handler = on_term};
	sigaction(SIGTERM, &sa, NULL);
	printf("children ready\n");
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		long r = rb(MAGIC1, MAGIC2, CMD_POWER_OFF, NULL);
		show("power off returned", r);
		_exit(1);
	}
	for (;;)
		pause();
}

static int stubborn(void)
{
	int p[2];
	if (pipe(p) != 0)
		return 1;
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		signal(SIGTERM, SIG_IGN);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	char c;
	if (read(p[0], &c, 1) != 1)
		return 1;
	printf("stubborn child ready\n");
	fflush(stdout);
	show("power off returned", rb(MAGIC1, MAGIC2, CMD_HALT, NULL));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: reboot errno|stubborn|count DIR N|crash DIR|exit DIR S|poweroff DIR|cad DIR\n");
		return 2;
	}
	const char *mode = argv[1];
	if (strcmp(mode, "errno") == 0)
		return errno_rules();
	if (strcmp(mode, "stubborn") == 0)
		return stubborn();
	if (argc < 3)
		return 2;
	const char *dir = argv[2];
	if (strcmp(mode, "count") == 0 && argc == 4)
		return count_and_restart(dir, atoi(argv[3]));
	if (strcmp(mode, "crash") == 0) {
		printf("boot %d\n", count_boot(dir));
		fflush(stdout);
		abort();
	}
	if (strcmp(mode, "exit") == 0 && argc == 4) {
		printf("boot %d\n", count_boot(dir));
		return atoi(argv[3]);
	}
	if (strcmp(mode, "poweroff") == 0)
		return poweroff(dir);
	if (strcmp(mode, "cad") == 0) {
		int boot = count_boot(dir);
		printf("boot %d\n", boot);
		if (boot > 1)
			return 0;
		show("cad on", rb(MAGIC1, MAGIC2, CMD_CAD_ON, NULL));
		fflush(stdout);
		for (;;)
			pause();
	}
	fprintf(stderr, "reboot: unknown mode %s\n", mode);
	return 2;
}
