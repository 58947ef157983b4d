// clone_ns: clone and clone3 with a namespace flag answer EINVAL under
// elfloader, as a Linux built without namespaces does (no child that
// believes it has a namespace whose /proc/PID/uid_map is missing); a
// plain fork by clone still works. elfloader only: natively, as root,
// these calls succeed.
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

struct clone_args_v0 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

// try forks with flags through clone (exit signal SIGCHLD) or clone3 and
// prints the errno (0: a child was made and reaped).
static void try(const char *name, unsigned long flags, int use3) {
	long r;
	if (use3) {
		struct clone_args_v0 ca;
		memset(&ca, 0, sizeof ca);
		ca.flags = flags;
		ca.exit_signal = SIGCHLD;
		r = syscall(SYS_clone3, &ca, sizeof ca);
	} else {
		r = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
	}
	if (r == 0)
		_exit(0);
	if (r > 0)
		waitpid(r, NULL, 0);
	printf("%s %s: %d\n", use3 ? "clone3" : "clone", name, r < 0 ? errno : 0);
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	struct {
		const char *name;
		unsigned long flag;
	} ns[] = {{"plain", 0},
		  {"CLONE_NEWUSER", CLONE_NEWUSER},
		  {"CLONE_NEWNS", CLONE_NEWNS},
		  {"CLONE_NEWPID", CLONE_NEWPID},
		  {"CLONE_NEWNET", CLONE_NEWNET},
		  {"CLONE_NEWUTS", CLONE_NEWUTS},
		  {"CLONE_NEWIPC", CLONE_NEWIPC},
		  {"CLONE_NEWCGROUP", CLONE_NEWCGROUP}};
	for (unsigned i = 0; i < sizeof ns / sizeof ns[0]; i++) {
		try(ns[i].name, ns[i].flag, 0);
		try(ns[i].name, ns[i].flag, 1);
	}
	try("CLONE_NEWTIME", CLONE_NEWTIME, 1);
	return 0;
}
