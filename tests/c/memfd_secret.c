// memfd_secret(2): the flag rules, what read, write, pread and lseek
// answer, fstat, fstatfs, ftruncate, fchmod, fallocate, a MAP_SHARED
// mapping (MAP_PRIVATE refused), /proc/self/fd's name and its reopen.
// Run as root (secret memory counts against RLIMIT_MEMLOCK).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "show.h"

#define NR_memfd_secret 447

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	umask(077);
	show("flag O_NONBLOCK", syscall(NR_memfd_secret, O_NONBLOCK));
	show("flag 1", syscall(NR_memfd_secret, 1));
	int c = syscall(NR_memfd_secret, O_CLOEXEC);
	printf("O_CLOEXEC: %d\n", c >= 0 ? fcntl(c, F_GETFD) : -1);
	int fd = syscall(NR_memfd_secret, 0);
	printf("created: %d, cloexec %d\n", fd >= 0, fcntl(fd, F_GETFD));
	char b[8];
	show("read empty", read(fd, b, sizeof b));
	show("ftruncate", ftruncate(fd, 8192));
	show("read", read(fd, b, sizeof b));
	show("write", write(fd, "ab", 2));
	show("pread", pread(fd, b, sizeof b, 0));
	show("lseek", lseek(fd, 0, SEEK_END));
	struct stat st;
	fstat(fd, &st);
	printf("fstat: mode %o size %ld nlink %ld\n", st.st_mode, (long)st.st_size, (long)st.st_nlink);
	struct statfs sf;
	fstatfs(fd, &sf);
	printf("fstatfs: %lx\n", (long)sf.f_type);
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	show("mmap private", p == MAP_FAILED ? -1 : 0);
	char *s = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	show("mmap shared", s == MAP_FAILED ? -1 : 0);
	if (s != MAP_FAILED) {
		strcpy(s + 4096, "secret");
		char *again = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
		printf("a second mapping sees: %s\n", again == MAP_FAILED ? "(none)" : again + 4096);
	}
	show("fallocate", fallocate(fd, 0, 0, 4096));
	show("fchmod", fchmod(fd, 0640));
	fstat(fd, &st);
	printf("mode after fchmod: %o\n", st.st_mode);
	char link[128], path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	long n = readlink(path, link, sizeof link - 1);
	link[n > 0 ? n : 0] = 0;
	printf("link: %s\n", link);
	show("reopen", open(path, O_RDWR));
	return 0;
}
