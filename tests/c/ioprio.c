// ioprio_set/ioprio_get: the default from nice, the classes and their
// rules, a thread and a forked child inheriting the value, the process
// group and user forms, and the errno rules. Run as root.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "show.h"

#define WHO_PROCESS 1
#define WHO_PGRP 2
#define WHO_USER 3
#define PRIO(class, level) (((class) << 13) | (level))

static long get(int which, int who) { return syscall(SYS_ioprio_get, which, who); }
static long set(int which, int who, int v) { return syscall(SYS_ioprio_set, which, who, v); }

static void *thread_get(void *arg) {
	(void)arg;
	show("thread inherits", get(WHO_PROCESS, 0));
	show("thread sets its own", set(WHO_PROCESS, 0, PRIO(2, 1)));
	return NULL;
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	show("default", get(WHO_PROCESS, 0));
	setpriority(PRIO_PROCESS, 0, 10);
	show("default at nice 10", get(WHO_PROCESS, 0));
	setpriority(PRIO_PROCESS, 0, 0);
	show("set BE 7", set(WHO_PROCESS, 0, PRIO(2, 7)));
	show("get", get(WHO_PROCESS, 0));
	show("get by own pid", get(WHO_PROCESS, getpid()));
	pthread_t th;
	pthread_create(&th, NULL, thread_get, NULL);
	pthread_join(th, NULL);
	show("main thread unchanged", get(WHO_PROCESS, 0));
	pid_t pid = fork();
	if (pid == 0) {
		show("child inherits", get(WHO_PROCESS, 0));
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	show("set idle", set(WHO_PROCESS, 0, PRIO(3, 0)));
	show("get idle", get(WHO_PROCESS, 0));
	show("set RT 3 as root", set(WHO_PROCESS, 0, PRIO(1, 3)));
	show("get RT", get(WHO_PROCESS, 0));
	show("set none level 0 (back to the default)", set(WHO_PROCESS, 0, PRIO(0, 0)));
	show("get after none", get(WHO_PROCESS, 0));
	show("set none level 3", set(WHO_PROCESS, 0, PRIO(0, 3)));
	show("set class 4", set(WHO_PROCESS, 0, PRIO(4, 0)));
	show("set bad which", set(9, 0, PRIO(2, 0)));
	show("get bad which", get(9, 0));
	show("get no such tid", get(WHO_PROCESS, 999999));
	show("set no such tid", set(WHO_PROCESS, 999999, PRIO(2, 0)));
	show("set my group BE 5", set(WHO_PGRP, 0, PRIO(2, 5)));
	show("get my group", get(WHO_PGRP, 0));
	show("get no such group", get(WHO_PGRP, 999999));
	pid = fork();
	if (pid == 0) {
		setgid(65534);
		setuid(65534);
		show("nobody RT", set(WHO_PROCESS, 0, PRIO(1, 0)));
		show("nobody BE", set(WHO_PROCESS, 0, PRIO(2, 2)));
		show("nobody get", get(WHO_PROCESS, 0));
		show("nobody sets its parent's", set(WHO_PROCESS, getppid(), PRIO(2, 2)));
		show("nobody get user", get(WHO_USER, 0));
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	return 0;
}
