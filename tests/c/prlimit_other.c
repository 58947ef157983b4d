// prlimit64 and get_robust_list on another process: a parent sets and
// reads its child's limits and reads its robust list head; another user
// gets EPERM, a missing pid ESRCH. Run as root.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "show.h"

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	int toChild[2], toParent[2];
	pipe(toChild);
	pipe(toParent);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		write(toParent[1], "r", 1);
		read(toChild[0], &c, 1);
		struct rlimit rl;
		getrlimit(RLIMIT_NOFILE, &rl);
		printf("child's NOFILE: %lu %lu\n", (unsigned long)rl.rlim_cur, (unsigned long)rl.rlim_max);
		_exit(0);
	}
	char c;
	read(toParent[0], &c, 1);
	struct rlimit set = {100, 200}, old;
	show("prlimit set the child's", prlimit(pid, RLIMIT_NOFILE, &set, &old));
	struct rlimit now;
	show("prlimit read the child's", prlimit(pid, RLIMIT_NOFILE, NULL, &now));
	printf("  %lu %lu\n", (unsigned long)now.rlim_cur, (unsigned long)now.rlim_max);
	show("prlimit no such pid", prlimit(999999, RLIMIT_NOFILE, NULL, &now));
	show("prlimit bad resource", prlimit(pid, 99, NULL, &now));
	void *head = NULL;
	size_t len = 0;
	show("get_robust_list of the child", syscall(SYS_get_robust_list, pid, &head, &len));
	printf("  head set %d len %zu\n", head != NULL, len);
	show("get_robust_list no such tid", syscall(SYS_get_robust_list, 999999, &head, &len));
	pid_t probe = fork();
	if (probe == 0) {
		setgid(65534);
		setuid(65534);
		show("nobody prlimit of root's", prlimit(pid, RLIMIT_NOFILE, NULL, &now));
		show("nobody get_robust_list of root's", syscall(SYS_get_robust_list, pid, &head, &len));
		show("nobody prlimit of itself", prlimit(getpid(), RLIMIT_NOFILE, NULL, &now));
		_exit(0);
	}
	waitpid(probe, NULL, 0);
	write(toChild[1], "g", 1);
	waitpid(pid, NULL, 0);
	return 0;
}
