/*
 * escape_seccomp: app code that gets past elfloader on the in-process
 * platform (escape.h) and makes one raw host system call, named by argv[1]:
 *
 *   getpid     allowed by elfloader's host filter: "getpid: ok" when it
 *              returns what getpid() says (the first process has
 *              elfloader's host pid)
 *   mq_unlink  not needed by elfloader: refused with EPERM
 *   int80      getpid through int $0x80 (another ABI): refused with EPERM
 *   mount, ptrace, bpf
 *              dangerous: the filter kills the program (SIGSYS)
 *
 * Each call is harmless if it does reach the host (--unsafe-no-host-filter):
 * mount onto a directory that does not exist, ptrace of a pid that does not
 * exist, bpf with an unknown command. Prints "NAME: ok" or "NAME: errno N".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "escape.h"

static long call(const char *name)
{
	if (strcmp(name, "getpid") == 0)
		return host_syscall(SYS_getpid, 0, 0, 0, 0);
	if (strcmp(name, "mq_unlink") == 0)
		return host_syscall(SYS_mq_unlink, (long)"elfloader-escape-test", 0, 0, 0);
	if (strcmp(name, "int80") == 0) {
		long r;
		__asm__ volatile("movb $0, %%gs:16\n\t"
				 "int $0x80\n\t"
				 "movb $1, %%gs:16"
				 : "=a"(r)
				 : "a"(20L /* i386 getpid */)
				 : "memory");
		return r;
	}
	if (strcmp(name, "mount") == 0)
		return host_syscall(SYS_mount, (long)"none", (long)"/nonexistent/elfloader-escape-test",
				    (long)"tmpfs", 0);
	if (strcmp(name, "ptrace") == 0)
		return host_syscall(SYS_ptrace, 2 /* PTRACE_PEEKDATA */, 0x7ffffff0, 0, 0);
	if (strcmp(name, "bpf") == 0)
		return host_syscall(SYS_bpf, 0x7fffffff, 0, 0, 0);
	fprintf(stderr, "escape_seccomp: unknown call %s\n", name);
	exit(2);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: escape_seccomp CALL\n");
		return 2;
	}
	long r = call(argv[1]);
	if (r < 0)
		printf("%s: errno %ld\n", argv[1], -r);
	else if ((strcmp(argv[1], "getpid") == 0 || strcmp(argv[1], "int80") == 0) && r != getpid())
		printf("%s: unexpected %ld\n", argv[1], r);
	else
		printf("%s: ok\n", argv[1]);
	return 0;
}
