/* rw2: preadv2 and pwritev2 (raw syscalls: musl has no wrappers):
 * offsets, -1 for the file position, flags. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define HIPRI 1 /* RWF_HIPRI */

static long rw2(long nr, int fd, const struct iovec *iov, int cnt, long off, int flags)
{
	return syscall(nr, fd, iov, cnt, off, 0L, flags);
}

int main(void)
{
	char path[] = "/tmp/rw2XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	struct iovec w[2] = {{"hello ", 6}, {"world", 5}};
	printf("pwritev2 at 0: %ld\n", rw2(SYS_pwritev2, fd, w, 2, 0, 0));
	long m = rw2(SYS_pwritev2, fd, w, 1, -1, 0);
	printf("pwritev2 at -1: %ld pos %ld\n", m, (long)lseek(fd, 0, SEEK_CUR));
	char a[6] = {0}, b[6] = {0};
	struct iovec r[2] = {{a, 5}, {b, 5}};
	long n = rw2(SYS_preadv2, fd, r, 2, 1, HIPRI);
	printf("preadv2 at 1: %ld [%s][%s]\n", n, a, b);
	lseek(fd, 6, SEEK_SET);
	memset(a, 0, 6);
	struct iovec r1 = {a, 5};
	n = rw2(SYS_preadv2, fd, &r1, 1, -1, 0);
	printf("preadv2 at -1: %ld [%s] pos %ld\n", n, a, (long)lseek(fd, 0, SEEK_CUR));
	n = rw2(SYS_preadv2, fd, &r1, 1, 0, 0x1000);
	printf("bad flag: %ld %s\n", n, n < 0 ? strerror(errno) : "");
	n = rw2(SYS_preadv2, fd, &r1, 1, -2, 0);
	printf("offset -2: %ld %s\n", n, n < 0 ? strerror(errno) : "");
	return 0;
}
