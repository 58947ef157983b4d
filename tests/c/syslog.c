// syslog(2) (klogctl) without changing the machine's log: the buffer size
// and a read of its tail (whole "<level>[time] text" lines), the argument
// rules, and EPERM for an unprivileged reader (dmesg_restrict is 1 here).
// Run as root. Natively it reads the host's log; under elfloader the
// unikernel's own: only the shape is compared.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/wait.h>
#include <unistd.h>

#include "show.h"

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	long size = klogctl(10, NULL, 0);
	printf("size buffer positive: %d\n", size > 0);
	char buf[256];
	long n = klogctl(3, buf, sizeof buf);
	printf("read all: %d, starts with '<': %d, ends with a newline: %d\n", n > 0, n > 0 && buf[0] == '<',
	       n > 0 && buf[n - 1] == '\n');
	show("read all, length 0", klogctl(3, buf, 0));
	show("read all, negative length", klogctl(3, buf, -1));
	show("read all, no buffer", klogctl(3, NULL, 16));
	show("read all, bad buffer", klogctl(3, (char *)16, 16));
	show("bad action", klogctl(11, buf, 16));
	show("negative action", klogctl(-1, buf, 16));
	show("console level 9", klogctl(8, NULL, 9));
	show("console level 0", klogctl(8, NULL, 0));
	show("open", klogctl(1, NULL, 0));
	show("close", klogctl(0, NULL, 0));
	printf("size unread not negative: %d\n", klogctl(9, NULL, 0) >= 0);
	pid_t pid = fork();
	if (pid == 0) {
		setgid(65534);
		setuid(65534);
		show("nobody read all", klogctl(3, buf, sizeof buf));
		show("nobody size buffer", klogctl(10, NULL, 0));
		show("nobody size unread", klogctl(9, NULL, 0));
		show("nobody clear", klogctl(5, NULL, 0));
		show("nobody open", klogctl(1, NULL, 0));
		show("nobody bad action", klogctl(11, NULL, 0));
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	return 0;
}
