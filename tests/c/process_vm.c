// process_vm_readv/process_vm_writev between a parent and its forked
// child: reads and writes across iovec boundaries, a short transfer at a
// remote fault, EFAULT, ESRCH, EINVAL, and EPERM for a process of another
// user. Run as root.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "show.h"

static char shared_text[64] = "the child's own bytes";

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	int toChild[2], toParent[2];
	pipe(toChild);
	pipe(toParent);
	pid_t pid = fork();
	if (pid == 0) {
		strcpy(shared_text, "changed in the child, 42");
		write(toParent[1], "r", 1);
		char c;
		read(toChild[0], &c, 1); // the parent has written into us
		printf("child sees: %s\n", shared_text);
		_exit(0);
	}
	char c;
	read(toParent[0], &c, 1);

	char a[8] = {0}, b[32] = {0};
	struct iovec local[2] = {{a, 7}, {b, sizeof b - 1}};
	struct iovec remote[1] = {{shared_text, 24}};
	long n = process_vm_readv(pid, local, 2, remote, 1, 0);
	printf("readv: %ld '%s' '%s'\n", n, a, b);
	printf("parent's own copy: %s\n", shared_text);

	struct iovec partial[2] = {{shared_text, 8}, {(void *)16, 8}};
	memset(b, 0, sizeof b);
	struct iovec one[1] = {{b, sizeof b}};
	show("readv with a bad second remote iovec", process_vm_readv(pid, one, 1, partial, 2, 0));
	struct iovec bad[1] = {{(void *)16, 8}};
	show("readv bad remote", process_vm_readv(pid, one, 1, bad, 1, 0));
	show("readv bad local", process_vm_readv(pid, bad, 1, remote, 1, 0));
	show("readv flags", process_vm_readv(pid, one, 1, remote, 1, 1));
	show("readv no such pid", process_vm_readv(999999, one, 1, remote, 1, 0));
	show("readv nothing", process_vm_readv(pid, one, 0, remote, 1, 0));
	show("readv iovcnt too big", process_vm_readv(pid, one, 5000, remote, 1, 0));

	char msg[] = "written by the parent!";
	struct iovec src[1] = {{msg, sizeof msg}};
	struct iovec dst[2] = {{shared_text, 11}, {shared_text + 11, sizeof msg - 11}};
	show("writev", process_vm_writev(pid, src, 1, dst, 2, 0));
	write(toChild[1], "w", 1);
	waitpid(pid, NULL, 0);

	// Another user's process: EPERM.
	pid = fork();
	if (pid == 0) {
		setgid(65534);
		setuid(65534);
		write(toParent[1], "r", 1);
		pause();
		_exit(0);
	}
	read(toParent[0], &c, 1);
	pid_t probe = fork();
	if (probe == 0) {
		setgid(1);
		setuid(1);
		show("readv of another user's process", process_vm_readv(pid, one, 1, remote, 1, 0));
		_exit(0);
	}
	waitpid(probe, NULL, 0);
	show("root reads nobody's process", process_vm_readv(pid, one, 1, remote, 1, 0));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 0;
}
