/*
 * fs_ops: the success paths of the file system calls.
 *
 * Usage: fs_ops DIR
 *
 * DIR is created if missing (its parent must exist) and everything happens
 * inside it. Each check prints "NAME: VALUES" with deterministic values only
 * (sizes, modes, contents, errno names; never inode numbers, devices or
 * times), or "FAIL NAME: detail". Raw syscall() is used where a C library
 * may not wrap the call (musl and renameat2, statx, copy_file_range). The
 * caller removes DIR afterwards; the program exits 1 if a check failed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif
#ifndef F_OFD_SETLK
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#endif
#ifndef AT_STATX_SYNC_AS_STAT
#define AT_STATX_SYNC_AS_STAT 0
#endif

static int failures;

static void check(int ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* check prints "NAME: VALUES" when ok, else "FAIL NAME: VALUES". */
static void check(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("%s%s: ", ok ? "" : "FAIL ", name);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	if (!ok)
		failures++;
}

static const char *err_name(long ret)
{
	static char buf[32];
	if (ret != -1)
		return "OK";
	switch (errno) {
	case ENOENT: return "ENOENT";
	case EEXIST: return "EEXIST";
	case EAGAIN: return "EAGAIN";
	case EACCES: return "EACCES";
	case EBADF: return "EBADF";
	case EINVAL: return "EINVAL";
	case EPIPE: return "EPIPE";
	case ENOSYS: return "ENOSYS";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENXIO: return "ENXIO";
	case EXDEV: return "EXDEV";
	}
	snprintf(buf, sizeof buf, "errno %d", errno);
	return buf;
}

static void must(const char *what, long ret)
{
	if (ret == -1) {
		printf("setup %s: %s\n", what, err_name(ret));
		exit(2);
	}
}

static void make_file(const char *path, const char *content)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	must(path, fd);
	must(path, write(fd, content, strlen(content)));
	close(fd);
}

/* slurp returns the first bytes of path as a string (static buffer). */
static const char *slurp(const char *path)
{
	static char buf[256];
	int fd = open(path, O_RDONLY);
	if (fd == -1)
		return err_name(-1);
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = 0;
	return buf;
}

static long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == -1 ? -1 : (long)st.st_size;
}

static void test_open_flags(void)
{
	int fd = open("excl", O_WRONLY | O_CREAT | O_EXCL, 0640);
	check(fd >= 0, "open O_CREAT|O_EXCL new", "%s", err_name(fd));
	struct stat st;
	fstat(fd, &st);
	check((st.st_mode & 07777) == 0640, "created mode", "%o", st.st_mode & 07777);
	check(S_ISREG(st.st_mode), "created type", "regular=%d", S_ISREG(st.st_mode));
	write(fd, "0123456789", 10);
	close(fd);

	fd = openat(AT_FDCWD, "excl", O_WRONLY | O_TRUNC);
	check(fd >= 0 && file_size("excl") == 0, "openat O_TRUNC", "size %ld", file_size("excl"));
	write(fd, "abc", 3);
	close(fd);

	fd = open("excl", O_WRONLY | O_APPEND);
	lseek(fd, 0, SEEK_SET);
	write(fd, "def", 3);
	off_t pos = lseek(fd, 0, SEEK_CUR);
	close(fd);
	check(strcmp(slurp("excl"), "abcdef") == 0 && pos == 6, "O_APPEND writes at the end",
	      "content %s offset %ld", slurp("excl"), (long)pos);

	mkdir("sub", 0755);
	int dfd = open("sub", O_RDONLY | O_DIRECTORY);
	check(dfd >= 0, "open O_DIRECTORY", "%s", err_name(dfd));
	fd = openat(dfd, "inner", O_RDWR | O_CREAT, 0600);
	check(fd >= 0, "openat relative to dirfd", "%s", err_name(fd));
	write(fd, "inner", 5);
	close(fd);
	check(strcmp(slurp("sub/inner"), "inner") == 0, "file made through dirfd", "%s", slurp("sub/inner"));
	close(dfd);

	symlink("excl", "link_to_excl");
	fd = open("link_to_excl", O_RDONLY | O_NOFOLLOW);
	check(fd == -1 && errno == ELOOP, "O_NOFOLLOW on a symlink", "%s", fd == -1 && errno == ELOOP ? "ELOOP" : err_name(fd));
	fd = open("excl", O_RDONLY | O_NOFOLLOW);
	check(fd >= 0, "O_NOFOLLOW on a file", "%s", err_name(fd));
	close(fd);

	fd = open("link_to_excl", O_PATH | O_NOFOLLOW);
	check(fd >= 0, "O_PATH|O_NOFOLLOW on a symlink", "%s", err_name(fd));
	fstat(fd, &st);
	check(S_ISLNK(st.st_mode), "fstat of O_PATH symlink", "symlink=%d", S_ISLNK(st.st_mode));
	close(fd);
	fd = open("sub", O_PATH);
	int in = openat(fd, "inner", O_RDONLY);
	check(in >= 0, "openat relative to O_PATH dir", "%s", err_name(in));
	close(in);
	int flags = fcntl(fd, F_GETFL);
	check((flags & O_PATH) != 0, "F_GETFL shows O_PATH", "%d", (flags & O_PATH) != 0);
	close(fd);

	fd = open("excl", O_RDONLY | O_CLOEXEC);
	check(fcntl(fd, F_GETFD) == FD_CLOEXEC, "O_CLOEXEC sets FD_CLOEXEC", "%d", fcntl(fd, F_GETFD));
	close(fd);

	fd = creat("created", 0644);
	check(fd >= 0 && (fcntl(fd, F_GETFL) & O_ACCMODE) == O_WRONLY, "creat is O_WRONLY", "%s", err_name(fd));
	close(fd);
	unlink("created");
}

static void test_dup_and_offsets(void)
{
	make_file("dupf", "abcdefghij");
	int fd = open("dupf", O_RDWR);
	int d = dup(fd);
	char buf[8] = {0};
	read(fd, buf, 3);
	off_t shared = lseek(d, 0, SEEK_CUR);
	check(shared == 3, "dup shares the offset", "%ld", (long)shared);
	int lowest = dup(fd);
	close(d);
	int again = dup(fd);
	check(again == d, "dup takes the lowest free fd", "%d", again == d);
	check(dup2(fd, 60) == 60, "dup2", "%d", fcntl(60, F_GETFD));
	check(dup2(fd, fd) == fd, "dup2 onto itself", "ok");
	check(dup3(fd, 61, O_CLOEXEC) == 61 && fcntl(61, F_GETFD) == FD_CLOEXEC, "dup3 O_CLOEXEC",
	      "%d", fcntl(61, F_GETFD));
	check(dup3(fd, fd, 0) == -1 && errno == EINVAL, "dup3 onto itself", "EINVAL");
	int dfd = fcntl(fd, F_DUPFD, 70);
	check(dfd == 70, "F_DUPFD above 70", "%d", dfd);
	dfd = fcntl(fd, F_DUPFD_CLOEXEC, 70);
	check(dfd == 71 && fcntl(dfd, F_GETFD) == FD_CLOEXEC, "F_DUPFD_CLOEXEC", "%d", dfd);
	lseek(60, 7, SEEK_SET);
	read(fd, buf, 3);
	buf[3] = 0;
	check(strcmp(buf, "hij") == 0, "dup2 copy shares the offset", "%s", buf);
	int other = open("dupf", O_RDONLY);
	check(lseek(other, 0, SEEK_CUR) == 0, "separate open has its own offset", "0");
	close(other);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	check(fcntl(fd, F_GETFD) == FD_CLOEXEC && fcntl(60, F_GETFD) == 0, "FD_CLOEXEC is per descriptor",
	      "%d %d", fcntl(fd, F_GETFD), fcntl(60, F_GETFD));
	int fl = fcntl(fd, F_GETFL);
	check((fl & O_ACCMODE) == O_RDWR && !(fl & O_APPEND), "F_GETFL", "rdwr append=%d", !!(fl & O_APPEND));
	fcntl(60, F_SETFL, fl | O_APPEND | O_NONBLOCK);
	fl = fcntl(fd, F_GETFL);
	check((fl & O_APPEND) && (fl & O_NONBLOCK), "F_SETFL is shared by the description",
	      "append=%d nonblock=%d", !!(fl & O_APPEND), !!(fl & O_NONBLOCK));
	close(lowest);
	close(again);
	close(60);
	close(61);
	close(70);
	close(71);
	close(fd);
}

static void test_positional_io(void)
{
	make_file("pio", "0123456789");
	int fd = open("pio", O_RDWR);
	char buf[16] = {0};
	ssize_t n = pread(fd, buf, 4, 3);
	check(n == 4 && memcmp(buf, "3456", 4) == 0 && lseek(fd, 0, SEEK_CUR) == 0,
	      "pread leaves the offset", "%.*s offset %ld", (int)n, buf, (long)lseek(fd, 0, SEEK_CUR));
	n = pwrite(fd, "AB", 2, 8);
	check(n == 2 && strcmp(slurp("pio"), "01234567AB") == 0, "pwrite", "%s", slurp("pio"));
	n = pwrite(fd, "Z", 1, 12);
	check(file_size("pio") == 13, "pwrite past the end extends", "size %ld", file_size("pio"));
	n = pread(fd, buf, 3, 10);
	check(n == 3 && buf[0] == 0 && buf[1] == 0 && buf[2] == 'Z', "gap reads as zeros",
	      "%d %d %c", buf[0], buf[1], buf[2]);
	n = pread(fd, buf, 4, 100);
	check(n == 0, "pread past the end", "%ld", (long)n);

	char a[3] = "xy", b[4] = "abc";
	struct iovec wv[2] = {{a, 2}, {b, 3}};
	lseek(fd, 0, SEEK_SET);
	n = writev(fd, wv, 2);
	check(n == 5 && lseek(fd, 0, SEEK_CUR) == 5, "writev", "%ld", (long)n);
	char r1[3] = {0}, r2[5] = {0};
	struct iovec rv[2] = {{r1, 2}, {r2, 4}};
	lseek(fd, 0, SEEK_SET);
	n = readv(fd, rv, 2);
	check(n == 6 && strcmp(r1, "xy") == 0 && strcmp(r2, "abc5") == 0, "readv", "%ld %s %s", (long)n, r1, r2);
	struct iovec pw[2] = {{"P", 1}, {"Q", 1}};
	n = pwritev(fd, pw, 2, 1);
	check(n == 2 && lseek(fd, 0, SEEK_CUR) == 6, "pwritev leaves the offset", "%ld", (long)n);
	memset(r1, 0, sizeof r1);
	memset(r2, 0, sizeof r2);
	struct iovec pr[2] = {{r1, 1}, {r2, 2}};
	n = preadv(fd, pr, 2, 0);
	check(n == 3 && strcmp(r1, "x") == 0 && strcmp(r2, "PQ") == 0, "preadv", "%ld %s %s", (long)n, r1, r2);

	off_t end = lseek(fd, 0, SEEK_END);
	check(end == 13, "SEEK_END", "%ld", (long)end);
	check(lseek(fd, -3, SEEK_END) == 10, "SEEK_END negative", "%ld", (long)lseek(fd, -3, SEEK_END));
	check(lseek(fd, 0, SEEK_DATA) == 0, "SEEK_DATA at 0", "%ld", (long)lseek(fd, 0, SEEK_DATA));
	check(lseek(fd, 0, SEEK_HOLE) == 13, "SEEK_HOLE of a small file is its end", "%ld",
	      (long)lseek(fd, 0, SEEK_HOLE));
	check(lseek(fd, 100, SEEK_SET) == 100, "SEEK_SET past the end", "100");
	close(fd);
}

/* statx reads the fields at the offsets of the kernel's struct statx, so
 * that it works with C libraries that lack the type. */
static void test_stat(void)
{
	make_file("st", "12345");
	chmod("st", 0604);
	symlink("st", "st_link");
	struct stat st, lst, fst;
	stat("st_link", &st);
	lstat("st_link", &lst);
	int fd = open("st", O_RDONLY);
	fstat(fd, &fst);
	check(S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0604 && st.st_size == 5 && st.st_nlink == 1,
	      "stat follows", "mode %o size %ld nlink %lu", st.st_mode, (long)st.st_size, (unsigned long)st.st_nlink);
	check(S_ISLNK(lst.st_mode) && lst.st_size == 2, "lstat does not follow", "size %ld", (long)lst.st_size);
	check(fst.st_ino == st.st_ino && fst.st_dev == st.st_dev && fst.st_size == 5, "fstat matches stat",
	      "same=%d", fst.st_ino == st.st_ino);
	check(st.st_blksize > 0, "st_blksize positive", "%d", st.st_blksize > 0);
	struct stat at;
	int r = fstatat(AT_FDCWD, "st_link", &at, AT_SYMLINK_NOFOLLOW);
	check(r == 0 && S_ISLNK(at.st_mode), "newfstatat AT_SYMLINK_NOFOLLOW", "link=%d", S_ISLNK(at.st_mode));
	r = fstatat(fd, "", &at, AT_EMPTY_PATH);
	check(r == 0 && at.st_ino == st.st_ino, "newfstatat AT_EMPTY_PATH", "%s", err_name(r));
	struct stat dst;
	stat(".", &dst);
	check(S_ISDIR(dst.st_mode), "stat of a directory", "dir=%d", S_ISDIR(dst.st_mode));

	unsigned char sx[256];
	memset(sx, 0, sizeof sx);
	long sr = syscall(SYS_statx, AT_FDCWD, "st", AT_STATX_SYNC_AS_STAT, 0x7ffU /* STATX_BASIC_STATS */, sx);
	uint32_t mask, nlink, uid;
	uint16_t mode;
	uint64_t size, ino;
	memcpy(&mask, sx + 0, 4);
	memcpy(&nlink, sx + 16, 4);
	memcpy(&uid, sx + 20, 4);
	memcpy(&mode, sx + 28, 2);
	memcpy(&ino, sx + 32, 8);
	memcpy(&size, sx + 40, 8);
	check(sr == 0 && (mask & 0x7ff) == 0x7ff && mode == (S_IFREG | 0604) && size == 5 && nlink == 1 &&
		      ino == st.st_ino && uid == st.st_uid,
	      "statx basic fields", "%s mask_basic=%d mode %o size %lu nlink %u", err_name(sr),
	      (mask & 0x7ff) == 0x7ff, mode, (unsigned long)size, nlink);
	memset(sx, 0, sizeof sx);
	sr = syscall(SYS_statx, AT_FDCWD, "st_link", AT_SYMLINK_NOFOLLOW, 0x7ffU, sx);
	memcpy(&mode, sx + 28, 2);
	check(sr == 0 && S_ISLNK(mode), "statx AT_SYMLINK_NOFOLLOW", "link=%d", S_ISLNK(mode));
	close(fd);

	check(access("st", R_OK) == 0, "access R_OK", "ok");
	check(access("st", W_OK) == 0, "access W_OK as root", "ok");
	check(faccessat(AT_FDCWD, "st_link", F_OK, AT_SYMLINK_NOFOLLOW) == 0, "faccessat AT_SYMLINK_NOFOLLOW", "ok");
	check(access(".", X_OK) == 0, "access X_OK on a directory", "ok");
	chmod("st", 0755);
	check(access("st", X_OK) == 0, "access X_OK after chmod +x", "ok");
	fd = open("st", O_RDONLY);
	fchmod(fd, 0600);
	fstat(fd, &st);
	check((st.st_mode & 07777) == 0600, "fchmod", "%o", st.st_mode & 07777);
	fchmodat(AT_FDCWD, "st", 04711, 0);
	stat("st", &st);
	check((st.st_mode & 07777) == 04711, "fchmodat keeps setuid", "%o", st.st_mode & 07777);
	/* fchmodat(2) has three arguments: a stray fourth must be ignored. */
	r = syscall(SYS_fchmodat, AT_FDCWD, "st", 0751, 0xdead0000UL);
	stat("st", &st);
	check(r == 0 && (st.st_mode & 07777) == 0751, "fchmodat ignores a fourth argument", "%s %o",
	      err_name(r), st.st_mode & 07777);
	close(fd);

	r = chown("st", 1234, 5678);
	stat("st", &st);
	check(r == 0 && st.st_uid == 1234 && st.st_gid == 5678, "chown is recorded", "%s %u %u", err_name(r),
	      st.st_uid, st.st_gid);
	r = lchown("st_link", 42, 43);
	lstat("st_link", &lst);
	stat("st", &st);
	check(r == 0 && lst.st_uid == 42 && st.st_uid == 1234, "lchown changes the link only", "%u %u",
	      lst.st_uid, st.st_uid);
	r = fchownat(AT_FDCWD, "st", -1, 99, 0);
	stat("st", &st);
	check(r == 0 && st.st_uid == 1234 && st.st_gid == 99, "fchownat -1 keeps uid", "%u %u", st.st_uid, st.st_gid);
	unlink("st_link");
	unlink("st");
}

static void test_truncate_fsync_alloc(void)
{
	make_file("tr", "0123456789");
	check(truncate("tr", 4) == 0 && strcmp(slurp("tr"), "0123") == 0, "truncate shrinks", "%s", slurp("tr"));
	int fd = open("tr", O_RDWR);
	check(ftruncate(fd, 8) == 0 && file_size("tr") == 8, "ftruncate grows", "%ld", file_size("tr"));
	char buf[8];
	ssize_t n = pread(fd, buf, 8, 0);
	check(n == 8 && buf[4] == 0 && buf[7] == 0, "grown part is zeros", "%ld", (long)n);
	check(fsync(fd) == 0, "fsync", "ok");
	check(fdatasync(fd) == 0, "fdatasync", "ok");
	int r = fallocate(fd, 0, 0, 4096);
	check(r == 0 && file_size("tr") == 4096, "fallocate extends", "%s %ld", err_name(r), file_size("tr"));
	r = posix_fallocate(fd, 0, 100);
	check(r == 0 && file_size("tr") == 4096, "posix_fallocate inside keeps size", "%d %ld", r, file_size("tr"));
	close(fd);
	unlink("tr");
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_dir(const char *name, const char *path)
{
	DIR *d = opendir(path);
	if (!d) {
		check(0, name, "opendir %s", err_name(-1));
		return;
	}
	char *names[64];
	int count = 0;
	struct dirent *e;
	while ((e = readdir(d)) && count < 64) {
		char type = e->d_type == DT_DIR ? 'd' : e->d_type == DT_LNK ? 'l' : e->d_type == DT_REG ? 'f' : '?';
		char *s = malloc(strlen(e->d_name) + 3);
		sprintf(s, "%s/%c", e->d_name, type);
		names[count++] = s;
	}
	closedir(d);
	qsort(names, count, sizeof names[0], cmp_names);
	printf("%s:", name);
	for (int i = 0; i < count; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
}

static void test_directories(void)
{
	must("mkdir", mkdir("tree", 0700));
	mkdir("tree/d1", 0755);
	make_file("tree/f1", "one");
	make_file("tree/f2", "two");
	symlink("f1", "tree/l1");
	list_dir("getdents64 listing", "tree");

	/* getdents64 with a tiny buffer must resume where it stopped. */
	int fd = open("tree", O_RDONLY | O_DIRECTORY);
	char buf[64];
	int entries = 0;
	long n;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
		for (long off = 0; off < n;) {
			unsigned short reclen;
			memcpy(&reclen, buf + off + 16, 2);
			entries++;
			off += reclen;
		}
	}
	check(n == 0 && entries == 6, "getdents64 in small steps", "%d entries", entries);
	n = syscall(SYS_getdents64, fd, buf, 8);
	check(n == 0, "getdents64 at the end", "%ld", n);
	lseek(fd, 0, SEEK_SET);
	n = syscall(SYS_getdents64, fd, buf, 8);
	check(n == -1 && errno == EINVAL, "getdents64 buffer too small", "%s", err_name(n));
	close(fd);

	char target[64] = {0};
	ssize_t len = readlink("tree/l1", target, sizeof target);
	check(len == 2 && memcmp(target, "f1", 2) == 0, "readlink", "%.*s", (int)len, target);
	len = readlink("tree/l1", target, 1);
	check(len == 1, "readlink truncates", "%ld", (long)len);
	len = readlinkat(AT_FDCWD, "tree/f1", target, sizeof target);
	check(len == -1 && errno == EINVAL, "readlink of a file", "EINVAL");

	struct stat st;
	stat("tree", &st);
	check((st.st_mode & 07777) == 0700, "mkdir mode", "%o", st.st_mode & 07777);
	check(mkdirat(AT_FDCWD, "tree/d2", 0755) == 0 && rmdir("tree/d2") == 0, "mkdirat and rmdir", "ok");
	check(unlink("tree/f2") == 0 && access("tree/f2", F_OK) == -1, "unlink", "ok");
	check(unlinkat(AT_FDCWD, "tree/d1", AT_REMOVEDIR) == 0, "unlinkat AT_REMOVEDIR", "ok");
	list_dir("after removals", "tree");

	/* unlink while open keeps the data */
	make_file("tree/open_gone", "still here");
	fd = open("tree/open_gone", O_RDONLY);
	unlink("tree/open_gone");
	char data[32] = {0};
	n = read(fd, data, sizeof data - 1);
	fstat(fd, &st);
	check(n == 10 && st.st_nlink == 0, "unlink while open", "%s nlink %lu", data, (unsigned long)st.st_nlink);
	close(fd);

	/* rename and renameat2 */
	make_file("tree/a", "A");
	make_file("tree/b", "B");
	check(rename("tree/a", "tree/c") == 0 && strcmp(slurp("tree/c"), "A") == 0, "rename", "%s", slurp("tree/c"));
	check(rename("tree/c", "tree/b") == 0 && strcmp(slurp("tree/b"), "A") == 0, "rename replaces", "%s",
	      slurp("tree/b"));
	make_file("tree/x", "X");
	long r = syscall(SYS_renameat2, AT_FDCWD, "tree/x", AT_FDCWD, "tree/b", RENAME_EXCHANGE);
	check(r == 0 && strcmp(slurp("tree/x"), "A") == 0, "renameat2 RENAME_EXCHANGE", "%s x=%s",
	      err_name(r), slurp("tree/x"));
	check(strcmp(slurp("tree/b"), "X") == 0, "exchanged other side", "%s", slurp("tree/b"));
	r = syscall(SYS_renameat2, AT_FDCWD, "tree/x", AT_FDCWD, "tree/y", RENAME_NOREPLACE);
	check(r == 0 && strcmp(slurp("tree/y"), "A") == 0, "renameat2 RENAME_NOREPLACE to a new name", "%s",
	      err_name(r));
	int d1 = open("tree", O_RDONLY | O_DIRECTORY);
	check(renameat(d1, "y", AT_FDCWD, "moved") == 0 && strcmp(slurp("moved"), "A") == 0, "renameat with dirfd",
	      "%s", slurp("moved"));
	close(d1);
	mkdir("tree/ed", 0755);
	mkdir("tree/ed2", 0755);
	check(rename("tree/ed", "tree/ed2") == 0, "rename dir over empty dir", "ok");
	check(rename("moved", "moved") == 0, "rename onto itself", "ok");

	/* hard and symbolic links */
	check(link("moved", "tree/hard") == 0, "link", "ok");
	stat("moved", &st);
	check(st.st_nlink == 2, "link count 2", "%lu", (unsigned long)st.st_nlink);
	fd = open("tree/hard", O_WRONLY | O_APPEND);
	write(fd, "+", 1);
	close(fd);
	check(strcmp(slurp("moved"), "A+") == 0, "hard link shares data", "%s", slurp("moved"));
	unlink("moved");
	stat("tree/hard", &st);
	check(st.st_nlink == 1, "link count after unlink", "%lu", (unsigned long)st.st_nlink);
	check(linkat(AT_FDCWD, "tree/l1", AT_FDCWD, "tree/l1_copy", 0) == 0, "linkat of a symlink", "ok");
	lstat("tree/l1_copy", &st);
	check(S_ISLNK(st.st_mode), "linkat without FOLLOW links the symlink", "link=%d", S_ISLNK(st.st_mode));
	check(symlinkat("../tree/f1", AT_FDCWD, "tree/rel") == 0 && strcmp(slurp("tree/rel"), "one") == 0,
	      "relative symlink through ..", "%s", slurp("tree/rel"));
	char abs[4096];
	getcwd(abs, sizeof abs);
	strncat(abs, "/tree/f1", sizeof abs - strlen(abs) - 1);
	check(symlink(abs, "tree/abs") == 0 && strcmp(slurp("tree/abs"), "one") == 0, "absolute symlink", "%s",
	      slurp("tree/abs"));
	symlink("d_target", "tree/dlink");
	mkdir("tree/d_target", 0755);
	make_file("tree/d_target/in", "in");
	check(strcmp(slurp("tree/dlink/in"), "in") == 0, "symlink to a directory in the middle", "%s",
	      slurp("tree/dlink/in"));
	list_dir("final tree", "tree");
}

static void test_cwd_umask(void)
{
	char start[4096], buf[4096];
	getcwd(start, sizeof start);
	mkdir("cwd", 0755);
	mkdir("cwd/deeper", 0755);
	check(chdir("cwd/deeper") == 0, "chdir", "ok");
	getcwd(buf, sizeof buf);
	size_t sl = strlen(start);
	check(strncmp(buf, start, sl) == 0 && strcmp(buf + sl, "/cwd/deeper") == 0, "getcwd after chdir", "%s",
	      buf + (strncmp(buf, start, sl) == 0 ? sl : 0));
	chdir("..");
	getcwd(buf, sizeof buf);
	check(strcmp(buf + sl, "/cwd") == 0, "chdir ..", "%s", buf + sl);
	int fd = open(start, O_RDONLY | O_DIRECTORY);
	check(fchdir(fd) == 0, "fchdir", "ok");
	getcwd(buf, sizeof buf);
	check(strcmp(buf, start) == 0, "getcwd after fchdir", "same=%d", strcmp(buf, start) == 0);
	close(fd);
	char tiny[2];
	check(getcwd(tiny, sizeof tiny) == NULL && errno == ERANGE, "getcwd ERANGE", "ok");

	mode_t old = umask(077);
	check(old == 022, "umask returns the old mask", "%o", old);
	make_file("masked", "m");
	mkdir("masked_dir", 0777);
	struct stat st, dst;
	stat("masked", &st);
	stat("masked_dir", &dst);
	check((st.st_mode & 0777) == 0600 && (dst.st_mode & 0777) == 0700, "umask applies to files and dirs",
	      "%o %o", st.st_mode & 0777, dst.st_mode & 0777);
	umask(022);
	unlink("masked");
	rmdir("masked_dir");
	rmdir("cwd/deeper");
	rmdir("cwd");
}

static void test_statfs_utimes(void)
{
	struct statfs a, b;
	int r = statfs(".", &a);
	int fd = open(".", O_RDONLY);
	int r2 = fstatfs(fd, &b);
	close(fd);
	check(r == 0 && r2 == 0 && a.f_type == b.f_type && a.f_bsize > 0 && a.f_namelen == 255,
	      "statfs and fstatfs agree", "namelen %ld", (long)a.f_namelen);

	make_file("times", "t");
	struct timespec ts[2] = {{1000000000, 5}, {1200000000, 7}};
	r = utimensat(AT_FDCWD, "times", ts, 0);
	struct stat st;
	stat("times", &st);
	check(r == 0 && st.st_atim.tv_sec == 1000000000 && st.st_mtim.tv_sec == 1200000000 &&
		      st.st_mtim.tv_nsec == 7,
	      "utimensat sets both", "atime %ld mtime %ld.%ld", (long)st.st_atim.tv_sec, (long)st.st_mtim.tv_sec,
	      st.st_mtim.tv_nsec);
	struct timespec omit[2] = {{0, UTIME_OMIT}, {1300000000, 0}};
	r = utimensat(AT_FDCWD, "times", omit, 0);
	stat("times", &st);
	check(r == 0 && st.st_atim.tv_sec == 1000000000 && st.st_mtim.tv_sec == 1300000000,
	      "utimensat UTIME_OMIT keeps atime", "atime %ld mtime %ld", (long)st.st_atim.tv_sec,
	      (long)st.st_mtim.tv_sec);
	struct timespec now[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
	r = utimensat(AT_FDCWD, "times", now, 0);
	stat("times", &st);
	check(r == 0 && st.st_mtim.tv_sec > 1300000000 && st.st_atim.tv_sec == 1000000000, "utimensat UTIME_NOW",
	      "later=%d", st.st_mtim.tv_sec > 1300000000);
	unlink("times");
}

static void test_locks(void)
{
	make_file("lockf", "0123456789");
	int a = open("lockf", O_RDWR);
	int b = open("lockf", O_RDWR);
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 5};
	int r = fcntl(a, F_OFD_SETLK, &fl);
	check(r == 0, "OFD write lock", "%s", err_name(r));
	struct flock other = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 2, .l_len = 2};
	r = fcntl(b, F_OFD_SETLK, &other);
	check(r == -1 && (errno == EAGAIN || errno == EACCES), "conflicting OFD lock", "%s",
	      r == -1 && (errno == EAGAIN || errno == EACCES) ? "EAGAIN" : err_name(r));
	struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
	r = fcntl(b, F_OFD_GETLK, &q);
	check(r == 0 && q.l_type == F_WRLCK && q.l_start == 0 && q.l_len == 5 && q.l_pid == -1,
	      "F_OFD_GETLK reports the holder", "type %d start %ld len %ld pid %d", q.l_type, (long)q.l_start,
	      (long)q.l_len, q.l_pid);
	struct flock later = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 5};
	r = fcntl(b, F_OFD_SETLK, &later);
	check(r == 0, "disjoint OFD lock", "%s", err_name(r));
	int dupa = dup(a);
	struct flock again = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 5};
	r = fcntl(dupa, F_OFD_SETLK, &again);
	check(r == 0, "same description may relock", "%s", err_name(r));
	close(dupa);
	fl.l_type = F_UNLCK;
	fcntl(a, F_OFD_SETLK, &fl);
	r = fcntl(b, F_OFD_SETLK, &other);
	check(r == 0, "lock after unlock", "%s", err_name(r));
	close(a);
	close(b);

	/* classic process locks never conflict within one process */
	a = open("lockf", O_RDWR);
	b = open("lockf", O_RDWR);
	struct flock p1 = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
	check(fcntl(a, F_SETLK, &p1) == 0 && fcntl(b, F_SETLK, &p1) == 0, "F_SETLK same process", "ok");
	struct flock g = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	fcntl(b, F_GETLK, &g);
	check(g.l_type == F_UNLCK, "F_GETLK sees no conflict with itself", "%d", g.l_type == F_UNLCK);
	close(a);
	close(b);
	unlink("lockf");
}

static void test_copies(void)
{
	char big[10000];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = 'a' + i % 26;
	int src = open("src", O_RDWR | O_CREAT | O_TRUNC, 0644);
	write(src, big, sizeof big);
	int dst = open("dst", O_RDWR | O_CREAT | O_TRUNC, 0644);
	off_t off = 100;
	ssize_t n = sendfile(dst, src, &off, 5000);
	check(n == 5000 && off == 5100 && lseek(src, 0, SEEK_CUR) == 10000, "sendfile with offset", "%ld %ld",
	      (long)n, (long)off);
	lseek(src, 9000, SEEK_SET);
	n = sendfile(dst, src, NULL, 5000);
	check(n == 1000 && lseek(src, 0, SEEK_CUR) == 10000, "sendfile from the file offset", "%ld", (long)n);
	char got[6000];
	n = pread(dst, got, sizeof got, 0);
	check(n == 6000 && memcmp(got, big + 100, 5000) == 0 && memcmp(got + 5000, big + 9000, 1000) == 0,
	      "sendfile copied the bytes", "%ld", (long)n);

	int pfd[2];
	pipe(pfd);
	off = 0;
	n = sendfile(pfd[1], src, &off, 26);
	char pb[27] = {0};
	read(pfd[0], pb, 26);
	check(n == 26 && strcmp(pb, "abcdefghijklmnopqrstuvwxyz") == 0, "sendfile to a pipe", "%s", pb);
	close(pfd[0]);
	close(pfd[1]);

	int out = open("cfr", O_RDWR | O_CREAT | O_TRUNC, 0644);
	loff_t in_off = 26, out_off = 4;
	long r = syscall(SYS_copy_file_range, src, &in_off, out, &out_off, 52, 0);
	check(r == 52 && in_off == 78 && out_off == 56, "copy_file_range", "%ld %ld %ld", r, (long)in_off,
	      (long)out_off);
	n = pread(out, got, 100, 0);
	check(n == 56 && got[0] == 0 && memcmp(got + 4, big + 26, 52) == 0, "copy_file_range bytes", "%ld", (long)n);
	lseek(src, 0, SEEK_SET);
	lseek(out, 0, SEEK_SET);
	r = syscall(SYS_copy_file_range, src, NULL, out, NULL, 10, 0);
	check(r == 10 && lseek(out, 0, SEEK_CUR) == 10, "copy_file_range with file offsets", "%ld", r);
	close(src);
	close(dst);
	close(out);
	unlink("src");
	unlink("dst");
	unlink("cfr");
}

/* late_writer writes to the pipe after a pause, while main blocks. */
static void *late_writer(void *arg)
{
	int fd = *(int *)arg;
	struct timespec pause = {0, 50 * 1000 * 1000};
	nanosleep(&pause, NULL);
	write(fd, "late", 4);
	return NULL;
}

/* late_reader drains the pipe after a pause, while main blocks writing. */
static void *late_reader(void *arg)
{
	int fd = *(int *)arg;
	struct timespec pause = {0, 50 * 1000 * 1000};
	nanosleep(&pause, NULL);
	char chunk[4096];
	long total = 0, n;
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		total += n;
	return (void *)total;
}

static void test_blocking_pipes(void)
{
	int p[2];
	pipe(p);
	pthread_t th;
	pthread_create(&th, NULL, late_writer, &p[1]);
	char buf[8] = {0};
	ssize_t n = read(p[0], buf, sizeof buf);
	pthread_join(th, NULL);
	check(n == 4 && strcmp(buf, "late") == 0, "blocking read waits for a writer", "%s", buf);
	close(p[0]);
	close(p[1]);

	pipe(p);
	pthread_create(&th, NULL, late_reader, &p[0]);
	static char big[256 * 1024];
	memset(big, 'b', sizeof big);
	n = write(p[1], big, sizeof big);
	close(p[1]);
	void *total;
	pthread_join(th, &total);
	check(n == (ssize_t)sizeof big && (long)total == (long)sizeof big, "blocking write larger than the pipe",
	      "%ld %ld", (long)n, (long)total);
	close(p[0]);
}

static void test_pipes(void)
{
	int p[2];
	check(pipe2(p, O_CLOEXEC) == 0 && fcntl(p[0], F_GETFD) == FD_CLOEXEC, "pipe2 O_CLOEXEC", "ok");
	write(p[1], "hello", 5);
	char buf[16] = {0};
	ssize_t n = read(p[0], buf, sizeof buf);
	check(n == 5 && strcmp(buf, "hello") == 0, "pipe round trip", "%s", buf);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	n = read(p[0], buf, sizeof buf);
	check(n == -1 && errno == EAGAIN, "empty non-blocking pipe", "%s", err_name(n));
	close(p[1]);
	n = read(p[0], buf, sizeof buf);
	check(n == 0, "read after writer closed is EOF", "%ld", (long)n);
	close(p[0]);

	pipe(p);
	write(p[1], "12345", 5);
	int avail = -1;
	long ir = ioctl(p[0], FIONREAD, &avail);
	check(ir == 0 && avail == 5, "FIONREAD on a pipe", "%s %d", err_name(ir), avail);
	close(p[0]);
	close(p[1]);

	signal(SIGPIPE, SIG_IGN);
	pipe(p);
	close(p[0]);
	n = write(p[1], "x", 1);
	check(n == -1 && errno == EPIPE, "write without reader is EPIPE", "%s", err_name(n));
	close(p[1]);

	pipe(p);
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	long total = 0;
	char chunk[4096];
	memset(chunk, 'p', sizeof chunk);
	while ((n = write(p[1], chunk, sizeof chunk)) > 0)
		total += n;
	check(n == -1 && errno == EAGAIN && total >= 4096, "full non-blocking pipe is EAGAIN", "%s",
	      err_name(n));
	close(p[0]);
	close(p[1]);
}

/* owner_name describes an F_GETOWN answer relative to this process. */
static const char *owner_name(int owner)
{
	if (owner == 0)
		return "none";
	if (owner == getpid())
		return "self";
	if (owner == -getpgrp())
		return "own group";
	return "other";
}

/* test_owner_async: FIOASYNC and O_ASYNC, F_SETOWN and F_GETOWN and their
 * _EX forms on a pipe and a file, as nginx sets them on its worker
 * channels. */
static void test_owner_async(void)
{
	int p[2];
	pipe(p);
	int on = 1;
	long r = ioctl(p[0], FIOASYNC, &on);
	check(r == 0 && (fcntl(p[0], F_GETFL) & O_ASYNC), "FIOASYNC on", "%s async=%d", err_name(r),
	      !!(fcntl(p[0], F_GETFL) & O_ASYNC));
	on = 0;
	r = ioctl(p[0], FIOASYNC, &on);
	check(r == 0 && !(fcntl(p[0], F_GETFL) & O_ASYNC), "FIOASYNC off", "%s", err_name(r));
	r = fcntl(p[1], F_SETFL, O_ASYNC | O_NONBLOCK);
	check(r == 0 && (fcntl(p[1], F_GETFL) & (O_ASYNC | O_NONBLOCK)) == (O_ASYNC | O_NONBLOCK),
	      "F_SETFL O_ASYNC", "%s", err_name(r));

	struct f_owner_ex ex = {.type = -1, .pid = -1};
	r = fcntl(p[0], F_GETOWN_EX, &ex);
	check(r == 0 && ex.type == F_OWNER_TID && ex.pid == 0, "no owner at first", "%s type %d %s",
	      err_name(r), ex.type, owner_name(ex.pid));
	r = fcntl(p[0], F_SETOWN, getpid());
	int dupfd = dup(p[0]);
	check(r == 0 && fcntl(dupfd, F_GETOWN) == getpid(), "F_SETOWN self, seen through a dup", "%s %s",
	      err_name(r), owner_name(fcntl(dupfd, F_GETOWN)));
	r = fcntl(p[0], F_GETOWN_EX, &ex);
	check(r == 0 && ex.type == F_OWNER_PID, "F_GETOWN_EX after F_SETOWN", "%s type %d %s", err_name(r),
	      ex.type, owner_name(ex.pid));
	r = fcntl(p[0], F_SETOWN, -getpgrp());
	check(r == 0 && fcntl(p[0], F_GETOWN) == -getpgrp(), "F_SETOWN own group", "%s %s", err_name(r),
	      owner_name(fcntl(p[0], F_GETOWN)));
	ex = (struct f_owner_ex){.type = F_OWNER_TID, .pid = (pid_t)syscall(SYS_gettid)};
	r = fcntl(p[0], F_SETOWN_EX, &ex);
	check(r == 0 && fcntl(p[0], F_GETOWN) == getpid(), "F_SETOWN_EX thread", "%s %s", err_name(r),
	      owner_name(fcntl(p[0], F_GETOWN)));
	ex = (struct f_owner_ex){.type = 7, .pid = getpid()};
	r = fcntl(p[0], F_SETOWN_EX, &ex);
	check(r == -1 && errno == EINVAL, "F_SETOWN_EX bad type", "%s", err_name(r));
	r = fcntl(p[0], F_SETOWN, 0x7ffffff0);
	check(r == -1 && errno == ESRCH, "F_SETOWN unknown pid", "%s", err_name(r));
	r = fcntl(p[0], F_SETOWN, 0);
	check(r == 0 && fcntl(p[0], F_GETOWN) == 0, "F_SETOWN 0 clears", "%s", err_name(r));
	close(dupfd);
	close(p[0]);
	close(p[1]);

	make_file("owned", "x");
	int fd = open("owned", O_RDONLY);
	r = fcntl(fd, F_SETOWN, getpid());
	check(r == 0 && fcntl(fd, F_GETOWN) == getpid(), "F_SETOWN on a file", "%s", err_name(r));
	close(fd);
	unlink("owned");
}

static void test_fd_ranges(void)
{
	make_file("fdr", "0123456789");
	int fd = open("fdr", O_RDONLY);
	lseek(fd, 3, SEEK_SET);
	int avail = -1;
	long ir = ioctl(fd, FIONREAD, &avail);
	check(ir == 0 && avail == 7, "FIONREAD on a file", "%s %d", err_name(ir), avail);
	dup2(fd, 80);
	dup2(fd, 85);
	dup2(fd, 90);
	long r = syscall(SYS_close_range, 80, 89, 0);
	check(r == 0 && fcntl(80, F_GETFD) == -1 && fcntl(85, F_GETFD) == -1 && fcntl(90, F_GETFD) == 0,
	      "close_range", "%s", err_name(r));
	r = syscall(SYS_close_range, 90, 90, 4 /* CLOSE_RANGE_CLOEXEC */);
	check(r == 0 && fcntl(90, F_GETFD) == FD_CLOEXEC, "close_range CLOEXEC", "%s", err_name(r));
	r = syscall(SYS_faccessat2, AT_FDCWD, "fdr", R_OK, AT_EACCESS);
	check(r == 0, "faccessat2 AT_EACCESS", "%s", err_name(r));
	close(90);
	close(fd);
	unlink("fdr");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fs_ops DIR\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	umask(022);
	if (mkdir(argv[1], 0755) == -1 && errno != EEXIST) {
		printf("setup mkdir: %s\n", err_name(-1));
		return 2;
	}
	must("chdir", chdir(argv[1]));

	test_open_flags();
	test_dup_and_offsets();
	test_positional_io();
	test_stat();
	test_truncate_fsync_alloc();
	test_directories();
	test_cwd_umask();
	test_statfs_utimes();
	test_locks();
	test_copies();
	test_pipes();
	test_blocking_pipes();
	test_owner_async();
	test_fd_ranges();

	printf("failures: %d\n", failures);
	return failures ? 1 : 0;
}
