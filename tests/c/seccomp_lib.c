// seccomp_lib: a program sandboxing itself with libseccomp (as systemd,
// minijail and others do): the API level libseccomp probes from the
// kernel, an ERRNO rule, a rule on an argument, a TRAP rule with TSYNC set
// through the filter attribute, and the default action KILL_PROCESS
// reached by an unlisted call. Compared with the native run.
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void reap(const char *what, pid_t pid) {
	int st;
	waitpid(pid, &st, 0);
	if (WIFEXITED(st)) printf("%s: exited %d\n", what, WEXITSTATUS(st));
	else printf("%s: signal %d\n", what, WTERMSIG(st));
	fflush(stdout);
}

static void onSigsys(int sig, siginfo_t *si, void *uc) {
	(void)sig, (void)uc;
	static char buf[64];
	int n = snprintf(buf, sizeof buf, "SIGSYS for %d (getppid %d)\n", si->si_syscall, (int)SYS_getppid);
	if (write(1, buf, n) < 0) _exit(9);
}

int main(void) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("api level: %u\n", seccomp_api_get());
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
		seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(getppid), 0);
		seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ESRCH), SCMP_SYS(getpgid), 1, SCMP_A0(SCMP_CMP_EQ, 4242));
		printf("load: %d\n", seccomp_load(ctx));
		seccomp_release(ctx);
		errno = 0;
		long r = syscall(SYS_getppid);
		printf("getppid: %ld %s\n", r, strerror(errno));
		errno = 0;
		r = getpgid(4242);
		printf("getpgid(4242): %ld %s\n", r, strerror(errno));
		printf("getpgid(0) ok: %d\n", getpgid(0) == getpgrp());
		printf("mode: %d\n", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
		fflush(stdout);
		_exit(0);
	}
	reap("errno rules", pid);
	pid = fork();
	if (pid == 0) {
		struct sigaction sa = {0};
		sa.sa_sigaction = onSigsys;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGSYS, &sa, NULL);
		scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
		seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
		seccomp_rule_add(ctx, SCMP_ACT_TRAP, SCMP_SYS(getppid), 0);
		printf("load tsync: %d\n", seccomp_load(ctx));
		seccomp_release(ctx);
		syscall(SYS_getppid);
		printf("after trap\n");
		fflush(stdout);
		_exit(0);
	}
	reap("trap rule", pid);
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = {0, 0};
		setrlimit(RLIMIT_CORE, &rl);
		scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
		seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 0);
		seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(exit_group), 0);
		printf("load allowlist: %d\n", seccomp_load(ctx));
		fflush(stdout);
		if (write(1, "write allowed\n", 14) < 0) _exit(8);
		syscall(SYS_getuid);
		_exit(0);
	}
	reap("allowlist", pid);
	return 0;
}
