// cachestat(2) on a tmpfs file (argv[1], in /dev/shm), a memfd, a pipe and
// a directory: the pages cached, holes left out, a range, and the errno
// rules.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "show.h"

#define NR_cachestat 451

static void q(const char *what, int fd, uint64_t off, uint64_t len, unsigned flags) {
	uint64_t range[2] = {off, len}, cs[5];
	memset(cs, 0x55, sizeof cs);
	long r = syscall(NR_cachestat, fd, range, cs, flags);
	if (r < 0) {
		printf("%s: -1 errno %d\n", what, errno);
		return;
	}
	printf("%s: cache %llu dirty %llu writeback %llu evicted %llu recent %llu\n", what, (unsigned long long)cs[0],
	       (unsigned long long)cs[1], (unsigned long long)cs[2], (unsigned long long)cs[3], (unsigned long long)cs[4]);
}

int main(int argc, char **argv) {
	if (argc < 2)
		return 2;
	setvbuf(stdout, NULL, _IONBF, 0);
	char buf[3 * 4096];
	memset(buf, 1, sizeof buf);
	int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
	q("empty", fd, 0, 0, 0);
	write(fd, buf, sizeof buf);
	q("three pages", fd, 0, 0, 0);
	q("the second page", fd, 4096, 4096, 0);
	q("beyond the end", fd, 100 * 4096, 4096, 0);
	ftruncate(fd, 8 * 4096);
	q("grown with holes", fd, 0, 0, 0);
	pwrite(fd, buf, 10, 6 * 4096);
	q("one more page", fd, 0, 0, 0);
	q("flags", fd, 0, 0, 1);
	show("bad range pointer", syscall(NR_cachestat, fd, (void *)16, buf, 0));
	close(fd);
	unlink(argv[1]);
	int m = syscall(SYS_memfd_create, "cs", 0);
	write(m, buf, 4096);
	q("memfd", m, 0, 0, 0);
	int p[2];
	pipe(p);
	q("pipe", p[0], 0, 0, 0);
	int d = open("/", O_RDONLY | O_DIRECTORY);
	q("directory", d, 0, 0, 0);
	q("bad fd", 999, 0, 0, 0);
	q("bad fd and flags", 999, 0, 0, 1);
	return 0;
}
