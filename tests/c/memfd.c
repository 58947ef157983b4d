// memfd_create(2) and file seals: the name rules and flags, what fstat and
// /proc/self/fd show, read/write/ftruncate, a MAP_SHARED mapping shared
// with a forked child both ways, reopening through /proc/self/fd, seals
// (F_SEAL_WRITE, GROW, SHRINK, SEAL, FUTURE_WRITE, EXEC) and their effect on
// write, ftruncate, fallocate, mmap and fchmod, and F_GET_SEALS of an
// ordinary tmpfs file (argv[1], a path in a tmpfs) and of a pipe.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "show.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#define MFD_EXEC 0x0010U
#endif
#ifndef FALLOC_FL_ZERO_RANGE
#define FALLOC_FL_COLLAPSE_RANGE 0x08
#define FALLOC_FL_ZERO_RANGE 0x10
#define FALLOC_FL_INSERT_RANGE 0x20
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif


static int pp_dummy(void) {
	int p[2];
	pipe(p);
	return p[1];
}

static int mfd(const char *name, unsigned flags) {
	return syscall(SYS_memfd_create, name, flags);
}

static void link_of(const char *what, int fd) {
	char p[64], buf[512];
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	long n = readlink(p, buf, sizeof buf - 1);
	if (n < 0) {
		printf("%s: readlink errno %d\n", what, errno);
		return;
	}
	buf[n] = 0;
	printf("%s: %s\n", what, buf);
}

int main(int argc, char **argv) {
	if (argc < 2)
		return 2;
	setvbuf(stdout, NULL, _IONBF, 0);
	char name[300];
	memset(name, 'a', sizeof name);
	name[249] = 0;
	int fd = mfd(name, 0);
	show("name of 249 bytes", fd >= 0 ? 0 : -1);
	close(fd);
	name[249] = 'a';
	name[250] = 0;
	show("name of 250 bytes", mfd(name, 0));
	show("bad flags", mfd("x", 0x100));
	show("exec and noexec", mfd("x", MFD_EXEC | MFD_NOEXEC_SEAL));
	show("huge size without hugetlb", mfd("x", 21 << 26));
	show("bad name pointer", mfd((char *)16, 0));
	show("null name", mfd(NULL, 0));

	fd = mfd("test", MFD_CLOEXEC);
	struct stat st;
	fstat(fd, &st);
	printf("fstat: mode %o size %ld nlink %ld\n", st.st_mode, (long)st.st_size, (long)st.st_nlink);
	struct statfs sfs;
	fstatfs(fd, &sfs);
	printf("fstatfs tmpfs: %d\n", sfs.f_type == 0x01021994);
	printf("cloexec: %d\n", fcntl(fd, F_GETFD) & FD_CLOEXEC);
	printf("flags: %o\n", fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND));
	link_of("link", fd);
	show("write", write(fd, "hello memfd", 11));
	char buf[64] = {0};
	show("pread", pread(fd, buf, sizeof buf - 1, 6));
	printf("  '%s'\n", buf);
	show("ftruncate 8192", ftruncate(fd, 8192));
	fstat(fd, &st);
	printf("size: %ld\n", (long)st.st_size);
	show("F_GET_SEALS unsealable", fcntl(fd, F_GET_SEALS));
	show("F_ADD_SEALS unsealable", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));

	// Shared with a forked child both ways.
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		printf("mmap: errno %d\n", errno);
		return 1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		printf("child sees: %.11s\n", m);
		memcpy(m + 4096, "from child", 10);
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	printf("parent sees: %.10s\n", m + 4096);
	memset(buf, 0, sizeof buf);
	pread(fd, buf, 10, 4096);
	printf("read sees: %s\n", buf);
	munmap(m, 8192);

	// Reopened through /proc/self/fd: the same file.
	char p[64];
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	int fd2 = open(p, O_RDONLY);
	memset(buf, 0, sizeof buf);
	show("reopen read", read(fd2, buf, 5));
	printf("  '%s'\n", buf);
	close(fd2);
	close(fd);

	// Seals.
	fd = mfd("sealed", MFD_ALLOW_SEALING);
	write(fd, "0123456789", 10);
	show("F_GET_SEALS", fcntl(fd, F_GET_SEALS));
	show("F_ADD_SEALS unknown", fcntl(fd, F_ADD_SEALS, 0x1000));
	show("seal grow", fcntl(fd, F_ADD_SEALS, F_SEAL_GROW));
	show("write past end", pwrite(fd, "x", 1, 10));
	show("write inside", pwrite(fd, "X", 1, 0));
	show("ftruncate grow", ftruncate(fd, 20));
	show("ftruncate shrink", ftruncate(fd, 5));
	show("fallocate grow", fallocate(fd, 0, 0, 100));
	show("seal shrink", fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK));
	show("ftruncate shrink sealed", ftruncate(fd, 2));
	show("seal write", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	show("F_GET_SEALS now", fcntl(fd, F_GET_SEALS));
	show("write sealed", pwrite(fd, "Y", 1, 0));
	show("punch hole sealed", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 1));
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	show("mmap shared writable sealed", m == MAP_FAILED ? -1 : 0);
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	show("mmap shared read-only sealed", m == MAP_FAILED ? -1 : 0);
	if (m != MAP_FAILED) {
		printf("  maps '%.5s'\n", m);
		show("mprotect to writable", mprotect(m, 4096, PROT_READ | PROT_WRITE));
		munmap(m, 4096);
	}
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	show("mmap private writable sealed", m == MAP_FAILED ? -1 : 0);
	if (m != MAP_FAILED)
		munmap(m, 4096);
	show("seal seal", fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL));
	show("add after seal", fcntl(fd, F_ADD_SEALS, F_SEAL_GROW));
	int ro = open(p, O_RDONLY);
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	ro = open(p, O_RDONLY);
	show("F_GET_SEALS through reopen", fcntl(ro, F_GET_SEALS));
	close(ro);
	close(fd);

	fd = mfd("future", MFD_ALLOW_SEALING);
	ftruncate(fd, 4096);
	show("seal future write", fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE));
	show("write future-sealed", write(fd, "x", 1));
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	show("mmap shared writable future-sealed", m == MAP_FAILED ? -1 : 0);
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	ro = open(p, O_RDONLY);
	show("F_ADD_SEALS on read-only fd", fcntl(ro, F_ADD_SEALS, F_SEAL_GROW));
	close(ro);
	close(fd);

	fd = mfd("noexec", MFD_NOEXEC_SEAL);
	fstat(fd, &st);
	printf("noexec mode %o seals %d\n", st.st_mode, fcntl(fd, F_GET_SEALS));
	show("fchmod +x noexec", fchmod(fd, 0755));
	show("fchmod 0600 noexec", fchmod(fd, 0600));
	close(fd);
	fd = mfd("exec", MFD_EXEC);
	fstat(fd, &st);
	printf("exec mode %o seals %d\n", st.st_mode, fcntl(fd, F_GET_SEALS));
	close(fd);

	// fallocate's modes on a tmpfs file.
	fd = mfd("falloc", 0);
	show("fallocate 0", fallocate(fd, 0, 0, 8192));
	show("fallocate keep size", fallocate(fd, FALLOC_FL_KEEP_SIZE, 8192, 8192));
	fstat(fd, &st);
	printf("size after keep size: %ld\n", (long)st.st_size);
	show("punch hole without keep size", fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 4096));
	pwrite(fd, "abcdef", 6, 0);
	show("punch hole", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096));
	memset(buf, 'x', 6);
	pread(fd, buf, 6, 0);
	printf("after punch: %d %d\n", buf[0], buf[5]);
	show("zero range on tmpfs", fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, 4096));
	show("collapse with keep size", fallocate(fd, FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_KEEP_SIZE, 0, 4096));
	show("punch and zero", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 0, 4096));
	show("insert on tmpfs", fallocate(fd, FALLOC_FL_INSERT_RANGE, 0, 4096));
	show("unknown mode", fallocate(fd, 0x1000, 0, 4096));
	show("negative offset", fallocate(fd, 0, -1, 4096));
	show("zero length", fallocate(fd, 0, 0, 0));
	show("too big", fallocate(fd, 0, 0x7fffffffffffffffL, 4096));
	show("on a pipe", fallocate(pp_dummy(), 0, 0, 4096));
	close(fd);

	// An ordinary tmpfs file and a pipe.
	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
	show("tmpfs file F_GET_SEALS", fcntl(fd, F_GET_SEALS));
	show("tmpfs file F_ADD_SEALS", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	close(fd);
	unlink(argv[1]);
	int pp[2];
	pipe(pp);
	show("pipe F_GET_SEALS", fcntl(pp[0], F_GET_SEALS));
	return 0;
}
