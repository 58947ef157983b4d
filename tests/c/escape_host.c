/*
 * escape_host: app code that gets past elfloader on the in-process
 * platform — it clears the Syscall User Dispatch selector (%gs:16) and
 * makes raw host system calls — and tries to create files on the host:
 * argv[1] where nothing is writable, argv[2] in a read-only volume,
 * argv[3] in a :rw volume (host paths, since the host kernel resolves
 * them). Prints each result (0 or an errno number). Runs only under
 * elfloader: natively there is nothing to escape from.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>

#include "escape.h"

static void try_create(const char *what, const char *path)
{
	long fd = host_syscall(SYS_openat, AT_FDCWD, (long)path, O_CREAT | O_WRONLY | O_EXCL, 0644);
	if (fd >= 0) {
		host_syscall(SYS_write, fd, (long)"escaped\n", 8, 0);
		host_syscall(SYS_close, fd, 0, 0, 0);
		printf("%s: created\n", what);
	} else {
		printf("%s: errno %ld\n", what, -fd);
	}
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc != 4) {
		fprintf(stderr, "usage: escape_host HOSTFILE ROFILE RWFILE\n");
		return 2;
	}
	try_create("host", argv[1]);
	try_create("read-only volume", argv[2]);
	try_create("rw volume", argv[3]);
	return 0;
}
