/* ignore_exec SIG... -- PROGRAM ARGS: sets the listed signals (numbers) to
 * SIG_IGN with the raw system call (glibc refuses 32 and 33) and execs
 * PROGRAM, as a parent that ignores signals starts its children. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct ksigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

int main(int argc, char **argv) {
	int i = 1;
	for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
		struct ksigaction sa = {(void *)SIG_IGN, 0, 0, 0};
		if (syscall(SYS_rt_sigaction, atoi(argv[i]), &sa, NULL, sizeof sa.mask) != 0) {
			perror("rt_sigaction");
			return 2;
		}
	}
	if (i + 1 >= argc) {
		fprintf(stderr, "usage: ignore_exec SIG... -- PROGRAM ARGS\n");
		return 2;
	}
	execv(argv[i + 1], argv + i + 1);
	perror("execv");
	return 127;
}
