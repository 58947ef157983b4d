/* Bad pointers, bad lengths and bad descriptors passed to every registered
 * syscall that takes a pointer, through raw syscall(2) so that libc checks
 * nothing. Each call prints "name(case) = N" or "name(case) = -1 ERRNO", and
 * the output of a native run is compared line by line with a run under
 * elfloader. Results that depend on the environment (addresses, times,
 * identities) are printed as "ok" instead of their value.
 *
 * The bad pointers: NULL, 0x1, a kernel address, a page that was mapped and
 * unmapped, and (for output buffers) a read-only page.
 *
 * Usage: badptr DIR       (DIR: a scratch directory, created)
 *        badptr children  (wait4 and waitid with bad pointers)
 *        badptr killall   (elfloader only: kill(-1, SIGKILL) spares the caller) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441
#endif
#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/* Futex operations (linux/futex.h is not in musl's include path). */
enum {
	FUTEX_WAIT = 0,
	FUTEX_WAKE = 1,
	FUTEX_REQUEUE = 3,
	FUTEX_CMP_REQUEUE = 4,
	FUTEX_WAKE_OP = 5,
	FUTEX_LOCK_PI = 6,
	FUTEX_UNLOCK_PI = 7,
	FUTEX_WAIT_BITSET = 9,
	FUTEX_WAKE_BITSET = 10,
	FUTEX_PRIVATE = 128,
};
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE)
#define FUTEX_WAKE_OP_PRIVATE (FUTEX_WAKE_OP | FUTEX_PRIVATE)
#define FUTEX_LOCK_PI_PRIVATE (FUTEX_LOCK_PI | FUTEX_PRIVATE)
#define FUTEX_UNLOCK_PI_PRIVATE (FUTEX_UNLOCK_PI | FUTEX_PRIVATE)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE)
#define FUTEX_WAKE_BITSET_PRIVATE (FUTEX_WAKE_BITSET | FUTEX_PRIVATE)

#define KERNEL_ADDR 0xffff888000000000UL
#define HUGE_LEN (1UL << 62)
#define PAGE 4096L

/* The bad pointers; RO and UNMAPPED are filled in by setup(). */
struct ptr {
	const char *name;
	long p;
};
static struct ptr bad_in[] = {{"null", 0}, {"one", 1}, {"kernel", (long)KERNEL_ADDR}, {"unmapped", 0}};
static struct ptr bad_out[] = {{"null", 0}, {"one", 1}, {"kernel", (long)KERNEL_ADDR}, {"unmapped", 0}, {"readonly", 0}};
#define NIN (sizeof bad_in / sizeof bad_in[0])
#define NOUT (sizeof bad_out / sizeof bad_out[0])

static long unmapped_page, ro_page, rw_page;
static char *edge; /* a mapped page whose next page is unmapped */
static const char *dir;

static const char *errname(int e) {
	static const struct {
		int e;
		const char *n;
	} names[] = {
	    {EPERM, "EPERM"},         {ENOENT, "ENOENT"},   {ESRCH, "ESRCH"},         {EINTR, "EINTR"},
	    {EIO, "EIO"},             {ENXIO, "ENXIO"},     {E2BIG, "E2BIG"},         {ENOEXEC, "ENOEXEC"},
	    {EBADF, "EBADF"},         {ECHILD, "ECHILD"},   {EAGAIN, "EAGAIN"},       {ENOMEM, "ENOMEM"},
	    {EACCES, "EACCES"},       {EFAULT, "EFAULT"},   {EBUSY, "EBUSY"},         {EEXIST, "EEXIST"},
	    {EXDEV, "EXDEV"},         {ENODEV, "ENODEV"},   {ENOTDIR, "ENOTDIR"},     {EISDIR, "EISDIR"},
	    {EINVAL, "EINVAL"},       {ENFILE, "ENFILE"},   {EMFILE, "EMFILE"},       {ENOTTY, "ENOTTY"},
	    {EFBIG, "EFBIG"},         {ENOSPC, "ENOSPC"},   {ESPIPE, "ESPIPE"},       {EROFS, "EROFS"},
	    {EPIPE, "EPIPE"},         {ERANGE, "ERANGE"},   {ENAMETOOLONG, "ENAMETOOLONG"},
	    {ENOSYS, "ENOSYS"},       {ENOTEMPTY, "ENOTEMPTY"}, {ELOOP, "ELOOP"},   {EOVERFLOW, "EOVERFLOW"},
	    {ENOTSOCK, "ENOTSOCK"},   {EDESTADDRREQ, "EDESTADDRREQ"}, {EMSGSIZE, "EMSGSIZE"},
	    {EPROTOTYPE, "EPROTOTYPE"}, {ENOPROTOOPT, "ENOPROTOOPT"}, {EOPNOTSUPP, "EOPNOTSUPP"},
	    {EAFNOSUPPORT, "EAFNOSUPPORT"}, {EADDRINUSE, "EADDRINUSE"}, {EISCONN, "EISCONN"},
	    {ENOTCONN, "ENOTCONN"},   {ETIMEDOUT, "ETIMEDOUT"}, {ECONNREFUSED, "ECONNREFUSED"},
	};
	static char other[16];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].e == e)
			return names[i].n;
	snprintf(other, sizeof other, "E%d", e);
	return other;
}

/* report prints one result; with value 0 a success prints "ok" instead of
 * the returned number (for results that depend on the environment). */
static void report(const char *call, const char *c, long r, int e, int value) {
	if (r == -1)
		printf("%s(%s) = -1 %s\n", call, c, errname(e));
	else if (value)
		printf("%s(%s) = %ld\n", call, c, r);
	else
		printf("%s(%s) = ok\n", call, c);
	fflush(stdout);
}

#define RUN(call, c, expr, value)                                                                                      \
	do {                                                                                                           \
		errno = 0;                                                                                             \
		long r_ = (long)(expr);                                                                                \
		report(call, c, r_, errno, value);                                                                     \
	} while (0)
/* T prints the returned value, TOK prints "ok" for a success. */
#define T(call, c, expr) RUN(call, c, expr, 1)
#define TOK(call, c, expr) RUN(call, c, expr, 0)
/* EACH_IN/EACH_OUT run expr once per bad pointer, with P the pointer. */
#define EACH_IN(call, expr)                                                                                            \
	for (size_t i_ = 0; i_ < NIN; i_++) {                                                                          \
		long P = bad_in[i_].p;                                                                                 \
		T(call, bad_in[i_].name, expr);                                                                        \
	}
/* EACH_NONNULL skips NULL, for calls where NULL is a valid argument that
 * would block or replace the program. */
#define EACH_NONNULL(call, expr)                                                                                       \
	for (size_t i_ = 1; i_ < NIN; i_++) {                                                                          \
		long P = bad_in[i_].p;                                                                                 \
		T(call, bad_in[i_].name, expr);                                                                        \
	}
#define EACH_OUT(call, expr)                                                                                           \
	for (size_t i_ = 0; i_ < NOUT; i_++) {                                                                         \
		long P = bad_out[i_].p;                                                                                \
		T(call, bad_out[i_].name, expr);                                                                       \
	}

/* EDGE_ADDR is a page mapped by setup(); the page after it (UNMAPPED_ADDR)
 * stays unmapped: the allocators of libc and of the kernel never place
 * anything that low. */
#define EDGE_ADDR 0xff000L
#define UNMAPPED_ADDR (EDGE_ADDR + PAGE)
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static void setup(void) {
	char *m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *e = mmap((void *)EDGE_ADDR, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
	               -1, 0);
	char *ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || e != (char *)EDGE_ADDR || ro == MAP_FAILED) {
		printf("setup: mmap failed\n");
		exit(2);
	}
	memset(m, 'a', PAGE);
	memset(e, 'a', PAGE);
	rw_page = (long)m;
	edge = e;
	unmapped_page = UNMAPPED_ADDR;
	ro_page = (long)ro;
	bad_in[3].p = bad_out[3].p = unmapped_page;
	bad_out[4].p = ro_page;
}

static void path_in_dir(char *out, size_t n, const char *name) { snprintf(out, n, "%s/%s", dir, name); }

/* Strings ending exactly at the unmapped page. */
static long unterminated(void) {
	memset(edge, 'a', PAGE);
	return (long)(edge + PAGE - 3);
}

/* drain reads a non-blocking descriptor until it is empty. */
static long drain(int fd) {
	char b[4096];
	long total = 0, n;
	while ((n = syscall(SYS_read, fd, b, sizeof b)) > 0)
		total += n;
	return total;
}

static void test_fileio(void) {
	int p[2];
	char buf[64];
	syscall(SYS_pipe2, p, O_NONBLOCK);
	syscall(SYS_write, p[1], "data", 4);
	T("read", "badfd", syscall(SYS_read, -1, buf, 4));
	T("read", "fd9999", syscall(SYS_read, 9999, buf, 4));
	EACH_OUT("read", syscall(SYS_read, p[0], P, 4));
	T("read", "hugelen", syscall(SYS_read, p[0], buf, HUGE_LEN));
	/* A length past the mapping is fine while the data fits. */
	T("read", "biglen", syscall(SYS_read, p[0], edge, 1L << 20));
	syscall(SYS_write, p[1], "data", 4);
	/* A buffer that faults part way is left out: whether Linux then
	 * answers EFAULT or a short count depends on the kind of file. */
	T("read", "after", syscall(SYS_read, p[0], buf, 2));
	T("read", "rest", syscall(SYS_read, p[0], buf, 4));
	EACH_IN("write", syscall(SYS_write, p[1], P, 4));
	T("write", "badfd", syscall(SYS_write, -1, buf, 4));
	T("write", "hugelen", syscall(SYS_write, p[1], buf, HUGE_LEN));
	T("write", "zero-null", syscall(SYS_write, p[1], 0, 0));
	printf("drained %ld\n", drain(p[0]));
	T("write", "biglen", syscall(SYS_write, p[1], edge, 1L << 20));
	printf("drained %ld\n", drain(p[0]));

	struct iovec iov[2] = {{buf, 2}, {buf, 2}};
	EACH_IN("readv.iov", syscall(SYS_readv, p[0], P, 1));
	EACH_IN("writev.iov", syscall(SYS_writev, p[1], P, 1));
	struct iovec badbase[1] = {{(void *)unmapped_page, 2}};
	T("writev", "badbase", syscall(SYS_writev, p[1], badbase, 1));
	T("writev", "ok", syscall(SYS_writev, p[1], iov, 2));
	printf("drained %ld\n", drain(p[0]));
	T("writev", "count-1", syscall(SYS_writev, p[1], iov, -1));
	T("writev", "count1025", syscall(SYS_writev, p[1], iov, 1025));
	struct iovec big[2] = {{buf, 1UL << 62}, {buf, 1UL << 62}};
	T("writev", "overflow", syscall(SYS_writev, p[1], big, 2));
	T("readv", "badfd", syscall(SYS_readv, -1, iov, 1));
	syscall(SYS_write, p[1], "abcd", 4);
	struct iovec riov[1] = {{(void *)ro_page, 2}};
	T("readv", "robase", syscall(SYS_readv, p[0], riov, 1));
	struct iovec kiov[2] = {{buf, 2}, {(void *)KERNEL_ADDR, 2}};
	T("readv", "kernelbase2", syscall(SYS_readv, p[0], kiov, 2));
	printf("drained %ld\n", drain(p[0]));

	char path[512];
	path_in_dir(path, sizeof path, "file");
	int fd = syscall(SYS_openat, AT_FDCWD, path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	syscall(SYS_write, fd, "0123456789", 10);
	EACH_OUT("pread64", syscall(SYS_pread64, fd, P, 4, 0));
	T("pread64", "negoff", syscall(SYS_pread64, fd, buf, 4, -1L));
	T("pread64", "pipe", syscall(SYS_pread64, p[0], buf, 4, 0));
	T("pread64", "hugelen", syscall(SYS_pread64, fd, buf, HUGE_LEN, 0));
	EACH_IN("pwrite64", syscall(SYS_pwrite64, fd, P, 4, 0));
	T("pwrite64", "badfd", syscall(SYS_pwrite64, 9999, buf, 4, 0));
	EACH_IN("preadv.iov", syscall(SYS_preadv, fd, P, 1, 0, 0));
	EACH_IN("pwritev.iov", syscall(SYS_pwritev, fd, P, 1, 0, 0));
	T("pread64", "check", syscall(SYS_pread64, fd, buf, 10, 0));
	printf("file: %.10s\n", buf);

	EACH_IN("sendfile.off", syscall(SYS_sendfile, p[1], fd, P, 4));
	T("sendfile", "badfd", syscall(SYS_sendfile, p[1], 9999, 0, 4));
	long off = 0;
	EACH_IN("copy_file_range.offin", syscall(SYS_copy_file_range, fd, P, fd, &off, 4, 0));

	EACH_OUT("ioctl.FIONREAD", syscall(SYS_ioctl, p[0], FIONREAD, P));
	T("ioctl", "badfd", syscall(SYS_ioctl, 9999, FIONREAD, buf));
	struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
	EACH_OUT("fcntl.F_GETLK", syscall(SYS_fcntl, fd, F_GETLK, P));
	EACH_IN("fcntl.F_SETLK", syscall(SYS_fcntl, fd, F_SETLK, P));
	T("fcntl", "badfd", syscall(SYS_fcntl, 9999, F_GETLK, &fl));
	T("lseek", "badfd", syscall(SYS_lseek, -1, 0, SEEK_SET));
	T("close", "fd9999", syscall(SYS_close, 9999));
	T("dup", "badfd", syscall(SYS_dup, -1));
	T("dup2", "fd9999", syscall(SYS_dup2, 9999, 50));
	T("ftruncate", "badfd", syscall(SYS_ftruncate, 9999, 0));
	T("fsync", "badfd", syscall(SYS_fsync, 9999));
	T("fchmod", "badfd", syscall(SYS_fchmod, 9999, 0644));
	T("fallocate", "badfd", syscall(SYS_fallocate, 9999, 0, 0, 10));
	close(fd);
	close(p[0]);
	close(p[1]);
}

/* pipes and socketpairs whose output array is bad must leave no descriptor
 * behind: the next descriptor number is the same as before. */
static void test_fdarrays(void) {
	int before = dup(0);
	close(before);
	EACH_OUT("pipe", syscall(SYS_pipe, P));
	EACH_OUT("pipe2", syscall(SYS_pipe2, P, O_CLOEXEC));
	int p[2];
	T("pipe2", "badflags", syscall(SYS_pipe2, p, 0x7fffffff));
	EACH_OUT("socketpair", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, P));
	int after = dup(0);
	close(after);
	printf("no descriptor leaked: %s\n", before == after ? "yes" : "no");
}

static void test_paths(void) {
	char path[512], link[512], buf[256];
	path_in_dir(path, sizeof path, "file");
	path_in_dir(link, sizeof link, "link");
	symlink("file", link);
	long unterm = unterminated();
	struct stat st;
	EACH_IN("open", syscall(SYS_open, P, O_RDONLY));
	T("open", "unterminated", syscall(SYS_open, unterm, O_RDONLY));
	EACH_IN("openat", syscall(SYS_openat, AT_FDCWD, P, O_RDONLY));
	T("openat", "dirfd9999", syscall(SYS_openat, 9999, "file", O_RDONLY));
	EACH_IN("creat", syscall(SYS_creat, P, 0644));
	EACH_IN("openat2.how", syscall(SYS_openat2, AT_FDCWD, path, P, 24));
	struct {
		uint64_t flags, mode, resolve;
	} how = {O_RDONLY, 0, 0};
	T("openat2", "smallsize", syscall(SYS_openat2, AT_FDCWD, path, &how, 8));
	EACH_IN("stat.path", syscall(SYS_stat, P, &st));
	EACH_OUT("stat.buf", syscall(SYS_stat, path, P));
	EACH_IN("lstat.path", syscall(SYS_lstat, P, &st));
	EACH_OUT("lstat.buf", syscall(SYS_lstat, link, P));
	EACH_OUT("fstat.buf", syscall(SYS_fstat, 0, P));
	T("fstat", "badfd", syscall(SYS_fstat, -1, &st));
	EACH_IN("newfstatat.path", syscall(SYS_newfstatat, AT_FDCWD, P, &st, 0));
	EACH_OUT("newfstatat.buf", syscall(SYS_newfstatat, AT_FDCWD, path, P, 0));
	char sx[256];
	EACH_OUT("statx.buf", syscall(SYS_statx, AT_FDCWD, path, 0, 0x7ff, P));
	EACH_IN("statx.path", syscall(SYS_statx, AT_FDCWD, P, 0, 0x7ff, sx));
	EACH_IN("access", syscall(SYS_access, P, F_OK));
	EACH_IN("faccessat", syscall(SYS_faccessat, AT_FDCWD, P, F_OK));
	EACH_IN("faccessat2", syscall(SYS_faccessat2, AT_FDCWD, P, F_OK, 0));
	EACH_IN("truncate", syscall(SYS_truncate, P, 0));
	EACH_IN("chdir", syscall(SYS_chdir, P));
	T("fchdir", "badfd", syscall(SYS_fchdir, 9999));
	EACH_IN("mkdir", syscall(SYS_mkdir, P, 0755));
	EACH_IN("mkdirat", syscall(SYS_mkdirat, AT_FDCWD, P, 0755));
	EACH_IN("rmdir", syscall(SYS_rmdir, P));
	EACH_IN("unlink", syscall(SYS_unlink, P));
	EACH_IN("unlinkat", syscall(SYS_unlinkat, AT_FDCWD, P, 0));
	EACH_IN("rename.old", syscall(SYS_rename, P, path));
	EACH_IN("rename.new", syscall(SYS_rename, path, P));
	EACH_IN("renameat.new", syscall(SYS_renameat, AT_FDCWD, path, AT_FDCWD, P));
	EACH_IN("renameat2.old", syscall(SYS_renameat2, AT_FDCWD, P, AT_FDCWD, path, 0));
	EACH_IN("link.new", syscall(SYS_link, path, P));
	EACH_IN("linkat.old", syscall(SYS_linkat, AT_FDCWD, P, AT_FDCWD, link, 0));
	EACH_IN("symlink.target", syscall(SYS_symlink, P, link));
	EACH_IN("symlinkat.linkpath", syscall(SYS_symlinkat, "x", AT_FDCWD, P));
	EACH_IN("mknod", syscall(SYS_mknod, P, S_IFIFO | 0644, 0));
	EACH_IN("mknodat", syscall(SYS_mknodat, AT_FDCWD, P, S_IFIFO | 0644, 0));
	EACH_IN("chmod", syscall(SYS_chmod, P, 0644));
	EACH_IN("fchmodat", syscall(SYS_fchmodat, AT_FDCWD, P, 0644));
	EACH_IN("chown", syscall(SYS_chown, P, 0, 0));
	EACH_IN("lchown", syscall(SYS_lchown, P, 0, 0));
	EACH_IN("fchownat", syscall(SYS_fchownat, AT_FDCWD, P, 0, 0, 0));
	EACH_IN("readlink.path", syscall(SYS_readlink, P, buf, sizeof buf));
	EACH_OUT("readlink.buf", syscall(SYS_readlink, link, P, sizeof buf));
	T("readlink", "zerosize", syscall(SYS_readlink, link, buf, 0));
	T("readlink", "ok", syscall(SYS_readlink, link, buf, sizeof buf));
	EACH_OUT("readlinkat.buf", syscall(SYS_readlinkat, AT_FDCWD, link, P, sizeof buf));
	EACH_IN("utimensat.path", syscall(SYS_utimensat, AT_FDCWD, P, 0, 0));
	EACH_IN("utimensat.times", syscall(SYS_utimensat, AT_FDCWD, path, P, 0));
	struct timespec badns[2] = {{0, 2000000000L}, {0, 0}};
	T("utimensat", "badnsec", syscall(SYS_utimensat, AT_FDCWD, path, badns, 0));
	T("utimensat", "fd9999", syscall(SYS_utimensat, 9999, 0, 0, 0));
	EACH_IN("statfs.path", syscall(SYS_statfs, P, buf));
	EACH_OUT("statfs.buf", syscall(SYS_statfs, path, P));
	EACH_OUT("fstatfs.buf", syscall(SYS_fstatfs, 0, P));
	T("fstatfs", "badfd", syscall(SYS_fstatfs, 9999, buf));
	EACH_OUT("getcwd", syscall(SYS_getcwd, P, 4096));
	T("getcwd", "size1", syscall(SYS_getcwd, buf, 1));
	T("getcwd", "size0", syscall(SYS_getcwd, buf, 0));
	EACH_IN("execve.path", syscall(SYS_execve, P, 0, 0));
	EACH_NONNULL("execve.argv", syscall(SYS_execve, "/bin/true", P, environ));
	long argv1[2] = {unmapped_page, 0};
	T("execve", "argv0", syscall(SYS_execve, "/bin/true", argv1, environ));
	long argv2[2] = {(long)"true", 0};
	EACH_NONNULL("execve.envp", syscall(SYS_execve, "/bin/true", argv2, P));
}

/* getdents64 must advance the directory position only for entries it
 * copied out. */
static void test_getdents(void) {
	char sub[512], name[600];
	path_in_dir(sub, sizeof sub, "dents");
	mkdir(sub, 0755);
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof name, "%s/f%d", sub, i);
		close(open(name, O_CREAT | O_WRONLY, 0644));
	}
	int fd = syscall(SYS_openat, AT_FDCWD, sub, O_RDONLY | O_DIRECTORY);
	char buf[4096];
	EACH_OUT("getdents64", syscall(SYS_getdents64, fd, P, sizeof buf));
	T("getdents64", "small", syscall(SYS_getdents64, fd, buf, 10));
	T("getdents64", "badfd", syscall(SYS_getdents64, 9999, buf, sizeof buf));
	T("getdents64", "notdir", syscall(SYS_getdents64, 0, buf, sizeof buf));
	/* One entry fits before the unmapped page: the call returns it alone. */
	long first = syscall(SYS_getdents64, fd, edge + PAGE - 40, 4096);
	printf("getdents64(edge) = %s\n", first > 0 && first <= 40 ? "one entry" : errname(errno));
	int entries = first > 0 ? 1 : 0;
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
		if (n <= 0)
			break;
		for (long off = 0; off < n;) {
			unsigned short reclen = *(unsigned short *)(buf + off + 16);
			entries++;
			off += reclen;
		}
	}
	printf("getdents64 entries: %d\n", entries);
	close(fd);
}

static void test_process(void) {
	struct rlimit rl;
	EACH_OUT("getrlimit", syscall(SYS_getrlimit, RLIMIT_NOFILE, P));
	T("getrlimit", "badres", syscall(SYS_getrlimit, 999, &rl));
	EACH_IN("setrlimit", syscall(SYS_setrlimit, RLIMIT_NOFILE, P));
	EACH_IN("prlimit64.new", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, P, 0));
	EACH_OUT("prlimit64.old", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, P));
	T("prlimit64", "nulls", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, 0));
	uid_t r, e, s;
	EACH_OUT("getresuid.r", syscall(SYS_getresuid, P, &e, &s));
	EACH_OUT("getresuid.s", syscall(SYS_getresuid, &r, &e, P));
	EACH_OUT("getresgid.e", syscall(SYS_getresgid, &r, P, &s));
	gid_t groups[64];
	EACH_OUT("getgroups", syscall(SYS_getgroups, 64, P));
	T("getgroups", "negative", syscall(SYS_getgroups, -1, groups));
	if (getuid() == 0) {
		EACH_IN("setgroups", syscall(SYS_setgroups, 1, P));
		T("setgroups", "huge", syscall(SYS_setgroups, 1 << 20, groups));
	}
	long head, len;
	T("get_robust_list", "self", syscall(SYS_get_robust_list, 0, &head, &len));
	EACH_OUT("get_robust_list.head", syscall(SYS_get_robust_list, 0, P, &len));
	EACH_OUT("get_robust_list.len", syscall(SYS_get_robust_list, 0, &head, P));
	T("set_robust_list", "badlen", syscall(SYS_set_robust_list, head, 7));
	T("set_robust_list", "unmapped", syscall(SYS_set_robust_list, unmapped_page, len));
	T("set_robust_list", "restore", syscall(SYS_set_robust_list, head, len));
	EACH_OUT("arch_prctl.GET_FS", syscall(SYS_arch_prctl, 0x1003, P));
	EACH_IN("prctl.SET_NAME", syscall(SYS_prctl, PR_SET_NAME, P, 0, 0, 0));
	EACH_OUT("prctl.GET_NAME", syscall(SYS_prctl, PR_GET_NAME, P, 0, 0, 0));
	EACH_OUT("prctl.GET_PDEATHSIG", syscall(SYS_prctl, PR_GET_PDEATHSIG, P, 0, 0, 0));
	EACH_OUT("uname", syscall(SYS_uname, P));
	EACH_OUT("sysinfo", syscall(SYS_sysinfo, P));
	EACH_OUT("times", syscall(SYS_times, P) == -1 ? -1 : 0);
	TOK("times", "null", syscall(SYS_times, 0));
	EACH_OUT("getrusage", syscall(SYS_getrusage, RUSAGE_SELF, P));
	EACH_OUT("getrusage.children", syscall(SYS_getrusage, RUSAGE_CHILDREN, P));
	char cpus[128];
	EACH_OUT("sched_getaffinity", syscall(SYS_sched_getaffinity, 0, sizeof cpus, P));
	T("sched_getaffinity", "len7", syscall(SYS_sched_getaffinity, 0, 7, cpus));
	EACH_IN("sched_setaffinity", syscall(SYS_sched_setaffinity, 0, sizeof cpus, P));
	EACH_OUT("getcpu", syscall(SYS_getcpu, P, 0, 0));
	EACH_OUT("getrandom", syscall(SYS_getrandom, P, 16, 0));
	T("getrandom", "zero", syscall(SYS_getrandom, 0, 0, 0));
	T("getrandom", "badflags", syscall(SYS_getrandom, cpus, 16, 0x100));
	EACH_IN("clone3.args", syscall(SYS_clone3, P, 88));
	T("clone3", "smallsize", syscall(SYS_clone3, cpus, 8));
}

/* wait4 and waitid reap the child even when the status pointer is bad. */
static pid_t spawn_exit7(void) {
	pid_t pid;
	char *argv[] = {"sh", "-c", "exit 7", NULL};
	if (posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ) != 0)
		return -1;
	return pid;
}

static void test_wait(void) {
	int st;
	pid_t pid = spawn_exit7();
	T("wait4", "nochild", syscall(SYS_wait4, 99999, &st, 0, 0));
	struct rusage ru;
	long r = syscall(SYS_wait4, pid, unmapped_page, 0, 0);
	printf("wait4(unmapped) = %s\n", r == -1 ? errname(errno) : "child");
	T("wait4", "reaped", syscall(SYS_wait4, pid, &st, WNOHANG, 0));
	pid = spawn_exit7();
	r = syscall(SYS_wait4, pid, &st, 0, ro_page);
	printf("wait4(rusage readonly) = %s\n", r == -1 ? errname(errno) : "child");
	pid = spawn_exit7();
	r = syscall(SYS_wait4, pid, 0, 0, &ru);
	printf("wait4(null status) = %s\n", r == pid ? "child" : errname(errno));
	pid = spawn_exit7();
	r = syscall(SYS_waitid, P_PID, pid, ro_page, WEXITED, 0);
	printf("waitid(readonly) = %s\n", r == -1 ? errname(errno) : "ok");
	T("waitid", "reaped", syscall(SYS_waitid, P_PID, pid, &ru, WEXITED | WNOHANG, 0));
	T("waitid", "badoptions", syscall(SYS_waitid, P_PID, pid, &ru, 0, 0));
}

static void test_signals(void) {
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		uint64_t mask;
	} act = {SIG_IGN, 0, 0, 0};
	uint64_t set = 0, old;
	EACH_IN("rt_sigaction.act", syscall(SYS_rt_sigaction, SIGUSR1, P, 0, 8));
	EACH_OUT("rt_sigaction.old", syscall(SYS_rt_sigaction, SIGUSR1, 0, P, 8));
	T("rt_sigaction", "setsize", syscall(SYS_rt_sigaction, SIGUSR1, &act, 0, 4));
	T("rt_sigaction", "sigkill", syscall(SYS_rt_sigaction, SIGKILL, &act, 0, 8));
	EACH_IN("rt_sigprocmask.set", syscall(SYS_rt_sigprocmask, SIG_BLOCK, P, 0, 8));
	EACH_OUT("rt_sigprocmask.old", syscall(SYS_rt_sigprocmask, SIG_BLOCK, 0, P, 8));
	T("rt_sigprocmask", "badhow", syscall(SYS_rt_sigprocmask, 99, &set, 0, 8));
	/* The new mask applies even when the old one cannot be written. */
	set = 1UL << (SIGUSR2 - 1);
	T("rt_sigprocmask", "block-badold", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, ro_page, 8));
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, 0, &old, 8);
	printf("SIGUSR2 blocked: %s\n", old & set ? "yes" : "no");
	EACH_OUT("rt_sigpending", syscall(SYS_rt_sigpending, P, 8));
	EACH_IN("sigaltstack.ss", syscall(SYS_sigaltstack, P, 0));
	EACH_OUT("sigaltstack.old", syscall(SYS_sigaltstack, 0, P));
	struct timespec zero = {0, 0};
	EACH_IN("rt_sigtimedwait.set", syscall(SYS_rt_sigtimedwait, P, 0, &zero, 8));
	EACH_NONNULL("rt_sigtimedwait.timeout", syscall(SYS_rt_sigtimedwait, &set, 0, P, 8));
	T("rt_sigtimedwait", "nothing", syscall(SYS_rt_sigtimedwait, &set, ro_page, &zero, 8));
	/* A pending signal is taken even when its siginfo cannot be written. */
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR2);
	T("rt_sigtimedwait", "info-readonly", syscall(SYS_rt_sigtimedwait, &set, ro_page, &zero, 8));
	syscall(SYS_rt_sigpending, &old, 8);
	printf("SIGUSR2 pending after: %s\n", old & set ? "yes" : "no");
	EACH_IN("rt_sigqueueinfo", syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR2, P));
	EACH_IN("rt_tgsigqueueinfo", syscall(SYS_rt_tgsigqueueinfo, getpid(), syscall(SYS_gettid), SIGUSR2, P));
	EACH_IN("rt_sigsuspend", syscall(SYS_rt_sigsuspend, P, 8));
	EACH_IN("signalfd4.mask", syscall(SYS_signalfd4, -1, P, 8, 0));
	T("kill", "badsig", syscall(SYS_kill, getpid(), 999));
	T("kill", "nosuchpid", syscall(SYS_kill, 999999, 0));
	syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, 0, 8);
}

static void test_time(void) {
	struct timespec ts = {0, 0}, bad = {0, 1000000000L};
	EACH_OUT("clock_gettime", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, P));
	T("clock_gettime", "badclock", syscall(SYS_clock_gettime, 12345, &ts));
	EACH_OUT("clock_getres", syscall(SYS_clock_getres, CLOCK_MONOTONIC, P));
	T("clock_getres", "null", syscall(SYS_clock_getres, CLOCK_MONOTONIC, 0));
	EACH_OUT("gettimeofday.tv", syscall(SYS_gettimeofday, P, 0));
	EACH_OUT("gettimeofday.tz", syscall(SYS_gettimeofday, 0, P));
	T("gettimeofday", "nulls", syscall(SYS_gettimeofday, 0, 0));
	EACH_OUT("time", syscall(SYS_time, P) == -1 ? -1 : 0);
	EACH_IN("nanosleep.req", syscall(SYS_nanosleep, P, 0));
	EACH_OUT("nanosleep.rem", syscall(SYS_nanosleep, &ts, P));
	T("nanosleep", "badnsec", syscall(SYS_nanosleep, &bad, 0));
	EACH_IN("clock_nanosleep.req", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, P, 0));
	EACH_OUT("getitimer", syscall(SYS_getitimer, ITIMER_REAL, P));
	EACH_IN("setitimer.new", syscall(SYS_setitimer, ITIMER_REAL, P, 0));
	struct itimerval zero = {{0, 0}, {0, 0}};
	EACH_OUT("setitimer.old", syscall(SYS_setitimer, ITIMER_REAL, &zero, P));
	int tid;
	struct sigevent sev = {.sigev_notify = SIGEV_NONE};
	EACH_IN("timer_create.sev", syscall(SYS_timer_create, CLOCK_MONOTONIC, P, &tid));
	EACH_OUT("timer_create.id", syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, P));
	syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &tid);
	EACH_IN("timer_settime.new", syscall(SYS_timer_settime, tid, 0, P, 0));
	struct itimerspec its = {{0, 0}, {0, 0}};
	EACH_OUT("timer_settime.old", syscall(SYS_timer_settime, tid, 0, &its, P));
	EACH_OUT("timer_gettime", syscall(SYS_timer_gettime, tid, P));
	T("timer_gettime", "badid", syscall(SYS_timer_gettime, 12345, &its));
	syscall(SYS_timer_delete, tid);
	int tfd = syscall(SYS_timerfd_create, CLOCK_MONOTONIC, TFD_NONBLOCK);
	EACH_IN("timerfd_settime.new", syscall(SYS_timerfd_settime, tfd, 0, P, 0));
	EACH_OUT("timerfd_settime.old", syscall(SYS_timerfd_settime, tfd, 0, &its, P));
	EACH_OUT("timerfd_gettime", syscall(SYS_timerfd_gettime, tfd, P));
	T("timerfd_gettime", "badfd", syscall(SYS_timerfd_gettime, 9999, &its));
	close(tfd);
	int efd = syscall(SYS_eventfd2, 3, EFD_NONBLOCK);
	EACH_IN("write.eventfd", syscall(SYS_write, efd, P, 8));
	T("read.eventfd", "kernel", syscall(SYS_read, efd, KERNEL_ADDR, 8));
	uint64_t v;
	T("read.eventfd", "small", syscall(SYS_read, efd, &v, 4));
	T("read.eventfd", "ok", syscall(SYS_read, efd, &v, 8));
	close(efd);
}

static void test_poll(void) {
	int p[2];
	syscall(SYS_pipe2, p, O_NONBLOCK);
	/* Readable, so that a NULL timeout never blocks. */
	syscall(SYS_write, p[1], "x", 1);
	struct pollfd pfd = {p[0], POLLIN, 0};
	struct timespec zero = {0, 0};
	struct timeval tv = {0, 0};
	EACH_IN("poll.fds", syscall(SYS_poll, P, 1, 0));
	T("poll", "null0", syscall(SYS_poll, 0, 0, 0));
	T("poll", "hugenfds", syscall(SYS_poll, &pfd, 1L << 30, 0));
	T("poll", "readonly", syscall(SYS_poll, ro_page, 1, 0));
	EACH_IN("ppoll.fds", syscall(SYS_ppoll, P, 1, &zero, 0, 8));
	EACH_IN("ppoll.timeout", syscall(SYS_ppoll, &pfd, 1, P, 0, 8));
	EACH_IN("ppoll.mask", syscall(SYS_ppoll, &pfd, 1, &zero, P, 8));
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	EACH_OUT("select.read", syscall(SYS_select, p[0] + 1, P, 0, 0, &tv));
	EACH_OUT("select.timeout", syscall(SYS_select, p[0] + 1, &rd, 0, 0, P));
	T("select", "negative", syscall(SYS_select, -1, &rd, 0, 0, &tv));
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	EACH_OUT("pselect6.read", syscall(SYS_pselect6, p[0] + 1, P, 0, 0, &zero, 0));
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	EACH_IN("pselect6.timeout", syscall(SYS_pselect6, p[0] + 1, &rd, 0, 0, P, 0));
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	EACH_IN("pselect6.sig", syscall(SYS_pselect6, p[0] + 1, &rd, 0, 0, &zero, P));

	int ep = syscall(SYS_epoll_create1, 0);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 7};
	EACH_IN("epoll_ctl.event", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, p[0], P));
	T("epoll_ctl", "add", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, p[0], &ev));
	T("epoll_ctl", "del-null", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_DEL, p[0], 0));
	T("epoll_ctl", "badfd", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, 9999, &ev));
	T("epoll_ctl", "badep", syscall(SYS_epoll_ctl, 9999, EPOLL_CTL_ADD, p[0], &ev));
	syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, p[0], &ev);
	drain(p[0]);
	/* Nothing ready: the events buffer is never written. */
	EACH_OUT("epoll_wait.idle", syscall(SYS_epoll_wait, ep, P, 1, 0));
	syscall(SYS_write, p[1], "x", 1);
	EACH_OUT("epoll_wait.ready", syscall(SYS_epoll_wait, ep, P, 1, 0));
	T("epoll_wait", "maxevents0", syscall(SYS_epoll_wait, ep, &ev, 0, 0));
	T("epoll_wait", "huge", syscall(SYS_epoll_wait, ep, &ev, 0x7fffffff, 0));
	T("epoll_wait", "badep", syscall(SYS_epoll_wait, 9999, &ev, 1, 0));
	T("epoll_wait", "still-ready", syscall(SYS_epoll_wait, ep, &ev, 1, 0));
	EACH_IN("epoll_pwait.mask", syscall(SYS_epoll_pwait, ep, &ev, 1, 0, P, 8));
	EACH_IN("epoll_pwait2.timeout", syscall(SYS_epoll_pwait2, ep, &ev, 1, P, 0, 8));
	close(ep);
	close(p[0]);
	close(p[1]);
}

static void test_sockets(void) {
	int s = syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char buf[128];
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s/sock", dir);
	socklen_t len = sizeof sun;
	EACH_IN("bind.addr", syscall(SYS_bind, s, P, sizeof sun));
	T("bind", "hugelen", syscall(SYS_bind, s, &sun, 4096));
	T("bind", "badfd", syscall(SYS_bind, 9999, &sun, sizeof sun));
	T("bind", "notsock", syscall(SYS_bind, 0, &sun, sizeof sun));
	T("bind", "ok", syscall(SYS_bind, s, &sun, sizeof sun));
	T("listen", "ok", syscall(SYS_listen, s, 4));
	EACH_OUT("getsockname.addr", (len = sizeof sun, syscall(SYS_getsockname, s, P, &len)));
	EACH_OUT("getsockname.len", syscall(SYS_getsockname, s, &sun, P));
	len = 0;
	T("getsockname", "null-len0", syscall(SYS_getsockname, s, 0, &len));
	len = -1;
	T("getsockname", "negative", syscall(SYS_getsockname, s, &sun, &len));
	T("getsockname", "notsock", syscall(SYS_getsockname, 0, &sun, &len));
	T("getsockname", "badfd", syscall(SYS_getsockname, -1, &sun, &len));
	int c = syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
	EACH_IN("connect.addr", syscall(SYS_connect, c, P, sizeof sun));
	T("connect", "ok", syscall(SYS_connect, c, &sun, sizeof sun));
	EACH_OUT("getpeername.addr", (len = sizeof sun, syscall(SYS_getpeername, c, P, &len)));
	EACH_OUT("getpeername.len", syscall(SYS_getpeername, c, &sun, P));
	int a = syscall(SYS_accept4, s, 0, 0, 0);
	printf("accepted: %s\n", a >= 0 ? "yes" : errname(errno));
	/* accept takes the connection before it writes the address. */
	fcntl(s, F_SETFL, O_NONBLOCK);
	int c2 = syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
	syscall(SYS_connect, c2, &sun, sizeof sun);
	EACH_OUT("accept4.len", syscall(SYS_accept4, s, &sun, P, 0));
	close(c2);

	EACH_IN("sendto.buf", syscall(SYS_sendto, c, P, 4, MSG_DONTWAIT, 0, 0));
	T("sendto", "hugelen", syscall(SYS_sendto, c, buf, HUGE_LEN, MSG_DONTWAIT, 0, 0));
	syscall(SYS_sendto, c, "hello", 5, 0, 0, 0);
	EACH_OUT("recvfrom.buf", syscall(SYS_recvfrom, a, P, 5, MSG_DONTWAIT, 0, 0));
	T("recvfrom", "ok", syscall(SYS_recvfrom, a, buf, 5, MSG_DONTWAIT, 0, 0));
	T("recvfrom", "empty", syscall(SYS_recvfrom, a, buf, 5, MSG_DONTWAIT, 0, 0));
	EACH_IN("sendmsg.msg", syscall(SYS_sendmsg, c, P, MSG_DONTWAIT));
	struct iovec iov = {buf, 4};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct msghdr badiov = {.msg_iov = (void *)unmapped_page, .msg_iovlen = 1};
	T("sendmsg", "badiov", syscall(SYS_sendmsg, c, &badiov, MSG_DONTWAIT));
	EACH_OUT("recvmsg.msg", syscall(SYS_recvmsg, a, P, MSG_DONTWAIT));
	T("recvmsg", "empty", syscall(SYS_recvmsg, a, &mh, MSG_DONTWAIT));
	EACH_IN("sendmmsg.vec", syscall(SYS_sendmmsg, c, P, 1, MSG_DONTWAIT));
	EACH_IN("recvmmsg.vec", syscall(SYS_recvmmsg, a, P, 1, MSG_DONTWAIT, 0));

	int one = 1;
	EACH_IN("setsockopt.val", syscall(SYS_setsockopt, c, SOL_SOCKET, SO_KEEPALIVE, P, 4));
	T("setsockopt", "shortlen", syscall(SYS_setsockopt, c, SOL_SOCKET, SO_KEEPALIVE, &one, 2));
	T("setsockopt", "badfd", syscall(SYS_setsockopt, 9999, SOL_SOCKET, SO_KEEPALIVE, &one, 4));
	len = 4;
	EACH_OUT("getsockopt.val", (len = 4, syscall(SYS_getsockopt, c, SOL_SOCKET, SO_TYPE, P, &len)));
	EACH_OUT("getsockopt.len", syscall(SYS_getsockopt, c, SOL_SOCKET, SO_TYPE, &one, P));
	len = -1;
	T("getsockopt", "negative", syscall(SYS_getsockopt, c, SOL_SOCKET, SO_TYPE, &one, &len));
	close(a);
	close(c);
	close(s);

	int u = syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(0x7f000001)};
	syscall(SYS_bind, u, &sin, sizeof sin);
	EACH_OUT("getsockname.inet", (len = sizeof sin, syscall(SYS_getsockname, u, P, &len)));
	EACH_IN("sendto.addr", syscall(SYS_sendto, u, "x", 1, 0, P, sizeof sin));
	T("sendto", "shortaddr", syscall(SYS_sendto, u, "x", 1, 0, &sin, 2));
	EACH_IN("setsockopt.inet", syscall(SYS_setsockopt, u, SOL_SOCKET, SO_RCVBUF, P, 4));
	EACH_OUT("getsockopt.inet", (len = 4, syscall(SYS_getsockopt, u, SOL_SOCKET, SO_RCVBUF, P, &len)));
	close(u);
}

static void test_futex(void) {
	static uint32_t word = 5;
	struct timespec zero = {0, 0};
	EACH_IN("futex.WAKE", syscall(SYS_futex, P, FUTEX_WAKE, 1, 0, 0, 0));
	EACH_IN("futex.WAKE_PRIVATE", syscall(SYS_futex, P, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0));
	T("futex.WAKE_PRIVATE", "readonly", syscall(SYS_futex, ro_page, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0));
	EACH_IN("futex.WAIT", syscall(SYS_futex, P, FUTEX_WAIT_PRIVATE, 0, &zero, 0, 0));
	T("futex.WAIT", "readonly", syscall(SYS_futex, ro_page, FUTEX_WAIT_PRIVATE, 0, &zero, 0, 0));
	T("futex.WAIT", "mismatch", syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 4, &zero, 0, 0));
	EACH_NONNULL("futex.WAIT.timeout", syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 5, P, 0, 0));
	EACH_IN("futex.CMP_REQUEUE.uaddr2", syscall(SYS_futex, &word, FUTEX_CMP_REQUEUE, 1, 1, P, 5));
	EACH_IN("futex.CMP_REQUEUE_PRIVATE.uaddr2", syscall(SYS_futex, &word, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, P, 5));
	EACH_IN("futex.CMP_REQUEUE.uaddr", syscall(SYS_futex, P, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &word, 5));
	EACH_IN("futex.REQUEUE.uaddr2", syscall(SYS_futex, &word, FUTEX_REQUEUE, 1, 1, P, 0));
	EACH_OUT("futex.WAKE_OP.uaddr2", syscall(SYS_futex, &word, FUTEX_WAKE_OP_PRIVATE, 1, 1, P, 0));
	T("futex.WAKE_BITSET", "bitset0", syscall(SYS_futex, &word, FUTEX_WAKE_BITSET_PRIVATE, 1, 0, 0, 0));
	EACH_IN("futex.WAIT_BITSET", syscall(SYS_futex, P, FUTEX_WAIT_BITSET_PRIVATE, 0, &zero, 0, -1));
	EACH_OUT("futex.LOCK_PI", syscall(SYS_futex, P, FUTEX_LOCK_PI_PRIVATE, 0, &zero, 0, 0));
	EACH_IN("futex.UNLOCK_PI", syscall(SYS_futex, P, FUTEX_UNLOCK_PI_PRIVATE, 0, 0, 0, 0));
	T("futex", "badop", syscall(SYS_futex, &word, 99, 0, 0, 0, 0));
	EACH_IN("futex_waitv", syscall(SYS_futex_waitv, P, 1, 0, &zero, CLOCK_MONOTONIC));
}

/* Address-range rules of mmap, munmap, mprotect and madvise. */
static void test_mm(void) {
	char path[512];
	path_in_dir(path, sizeof path, "file");
	int ro = open(path, O_RDONLY);
	int wo = open(path, O_WRONLY);
	long top = 0x7ffffffff000L;
	T("munmap", "unaligned", syscall(SYS_munmap, rw_page + 1, PAGE));
	T("munmap", "zero", syscall(SYS_munmap, rw_page, 0));
	T("munmap", "kernel", syscall(SYS_munmap, KERNEL_ADDR, PAGE));
	T("munmap", "pasttop", syscall(SYS_munmap, top - PAGE, 2 * PAGE));
	T("munmap", "hugelen", syscall(SYS_munmap, top - PAGE, 1L << 46));
	T("munmap", "overflow", syscall(SYS_munmap, unmapped_page, -PAGE));
	T("munmap", "unmapped", syscall(SYS_munmap, unmapped_page, PAGE));
	T("mprotect", "unaligned", syscall(SYS_mprotect, rw_page + 1, PAGE, PROT_READ));
	T("mprotect", "zero", syscall(SYS_mprotect, rw_page, 0, PROT_READ));
	T("mprotect", "unmapped", syscall(SYS_mprotect, unmapped_page, PAGE, PROT_READ));
	T("mprotect", "kernel", syscall(SYS_mprotect, KERNEL_ADDR, PAGE, PROT_READ));
	T("mprotect", "overflow", syscall(SYS_mprotect, rw_page, -PAGE, PROT_READ));
	T("mprotect", "badprot", syscall(SYS_mprotect, rw_page, PAGE, 0x100));
	T("mprotect", "partly", syscall(SYS_mprotect, (long)edge, 2 * PAGE, PROT_READ | PROT_WRITE));
	T("madvise", "unaligned", syscall(SYS_madvise, rw_page + 1, PAGE, MADV_NORMAL));
	T("madvise", "zero", syscall(SYS_madvise, rw_page, 0, MADV_NORMAL));
	T("madvise", "unmapped", syscall(SYS_madvise, unmapped_page, PAGE, MADV_NORMAL));
	T("madvise", "unmapped-badadvice", syscall(SYS_madvise, unmapped_page, PAGE, 12345));
	T("madvise", "badadvice", syscall(SYS_madvise, rw_page, PAGE, 12345));
	T("madvise", "overflow", syscall(SYS_madvise, rw_page, -PAGE, MADV_NORMAL));
	T("madvise", "kernel", syscall(SYS_madvise, KERNEL_ADDR, PAGE, MADV_NORMAL));
	T("mmap", "zero", syscall(SYS_mmap, 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	T("mmap", "hugelen", syscall(SYS_mmap, 0, HUGE_LEN, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	T("mmap", "overflow", syscall(SYS_mmap, 0, -PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
	T("mmap", "fixed-unaligned",
	  syscall(SYS_mmap, unmapped_page + 1, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	T("mmap", "fixed-kernel",
	  syscall(SYS_mmap, KERNEL_ADDR, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	T("mmap", "fixed-pasttop",
	  syscall(SYS_mmap, top - PAGE, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	T("mmap", "notype", syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0));
	T("mmap", "badfd", syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, -1, 0));
	T("mmap", "fd9999", syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, 9999, 0));
	T("mmap", "badoffset", syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, ro, 1));
	T("mmap", "shared-write-rdonly", syscall(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0));
	T("mmap", "read-wronly", syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, wo, 0));
	long m = syscall(SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
	printf("mmap(private-write-rdonly) = %s\n", m == -1 ? errname(errno) : "ok");
	if (m != -1)
		munmap((void *)m, PAGE);
	m = syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_SHARED, ro, 0);
	printf("mmap(shared-read-rdonly) = %s\n", m == -1 ? errname(errno) : "ok");
	if (m != -1) {
		T("mprotect", "shared-rdonly-write", syscall(SYS_mprotect, m, PAGE, PROT_READ | PROT_WRITE));
		munmap((void *)m, PAGE);
	}
	int d = open(dir, O_RDONLY | O_DIRECTORY);
	T("mmap", "directory", syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, d, 0));
	int p[2];
	pipe(p);
	T("mmap", "pipe", syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, p[0], 0));
	close(p[0]);
	close(p[1]);
	close(d);
	close(ro);
	close(wo);
	char buf[16];
	int fd = open(path, O_RDONLY);
	T("pread64", "file-unchanged", syscall(SYS_pread64, fd, buf, 10, 0));
	printf("file: %.10s\n", buf);
	close(fd);
}

/* kill(-1, sig) signals every other process the caller may signal, never
 * the caller itself. Run only under elfloader: natively, as root, it would
 * signal every process of the machine. */
static int killall(void) {
	pid_t pid;
	char *argv[] = {"sh", "-c", "sleep 10", NULL};
	if (posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ) != 0) {
		printf("spawn failed\n");
		return 1;
	}
	T("kill", "-1 SIGKILL", syscall(SYS_kill, -1, SIGKILL));
	int st = 0;
	waitpid(pid, &st, 0);
	printf("child killed by signal %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	printf("caller survived\n");
	return 0;
}

int main(int argc, char **argv) {
	if (argc < 2)
		return 2;
	if (strcmp(argv[1], "killall") == 0)
		return killall();
	if (strcmp(argv[1], "children") == 0) {
		setup();
		test_wait();
		return 0;
	}
	dir = argv[1];
	mkdir(dir, 0755);
	setup();
	test_fileio();
	test_fdarrays();
	test_paths();
	test_getdents();
	test_process();
	test_signals();
	test_time();
	test_poll();
	test_sockets();
	test_futex();
	test_mm();
	printf("done\n");
	return 0;
}
