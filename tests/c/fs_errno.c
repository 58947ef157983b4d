/*
 * fs_errno: the error rules of the file system calls.
 *
 * Usage: fs_errno DIR OTHERDIR
 *
 * DIR and OTHERDIR are created if missing (their parent must exist) and must
 * lie on two different file systems, so that rename and link between them
 * fail with EXDEV. Every check prints "NAME: ERRNO" (the symbolic name, or OK
 * for success) and, when the result is not the expected one, " (want X)".
 * Nothing that differs between runs (paths, inode numbers, times) is
 * printed. The program removes what it created and exits 1 if a check
 * failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

static int failures;

static const char *errno_name(int e)
{
	static char buf[32];
	switch (e) {
	case 0: return "OK";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EBADF: return "EBADF";
	case EACCES: return "EACCES";
	case EEXIST: return "EEXIST";
	case EXDEV: return "EXDEV";
	case ENOTDIR: return "ENOTDIR";
	case EISDIR: return "EISDIR";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case EROFS: return "EROFS";
	case EMLINK: return "EMLINK";
	case EPIPE: return "EPIPE";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case ENOTEMPTY: return "ENOTEMPTY";
	case ELOOP: return "ELOOP";
	case ENOSYS: return "ENOSYS";
	case EBUSY: return "EBUSY";
	case ENXIO: return "ENXIO";
	case ESPIPE: return "ESPIPE";
	case ENOEXEC: return "ENOEXEC";
	}
	snprintf(buf, sizeof buf, "errno %d", e);
	return buf;
}

/* expect reports the outcome of a call that returned ret (-1 means failure
 * with errno) against the wanted errno (0 for success). */
static void expect(const char *name, long ret, int want)
{
	int got = ret == -1 ? errno : 0;
	if (got == want) {
		printf("%s: %s\n", name, errno_name(got));
		return;
	}
	printf("%s: %s", name, errno_name(got));
	printf(" (want %s)\n", errno_name(want));
	failures++;
}

/* closing returns ret unchanged after closing it if it is a descriptor. */
static long closing(long ret)
{
	if (ret >= 0) {
		int saved = errno;
		close((int)ret);
		errno = saved;
	}
	return ret;
}

static void must(const char *what, long ret)
{
	if (ret == -1) {
		printf("setup %s: %s\n", what, errno_name(errno));
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

static void enter(const char *dir)
{
	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		printf("setup mkdir: %s\n", errno_name(errno));
		exit(2);
	}
	must("chdir", chdir(dir));
}

static void check_enoent(void)
{
	expect("ENOENT open", closing(open("missing", O_RDONLY)), ENOENT);
	struct stat st;
	expect("ENOENT stat", stat("missing", &st), ENOENT);
	expect("ENOENT lstat", lstat("missing", &st), ENOENT);
	expect("ENOENT unlink", unlink("missing"), ENOENT);
	expect("ENOENT rmdir", rmdir("missing"), ENOENT);
	expect("ENOENT chdir", chdir("missing"), ENOENT);
	char buf[64];
	expect("ENOENT readlink", readlink("missing", buf, sizeof buf), ENOENT);
	expect("ENOENT creat in missing dir", closing(open("nodir/x", O_WRONLY | O_CREAT, 0644)), ENOENT);
	expect("ENOENT mkdir in missing dir", mkdir("nodir/x", 0755), ENOENT);
	expect("ENOENT rename source", rename("missing", "other"), ENOENT);
	expect("ENOENT link source", link("missing", "other"), ENOENT);
	expect("ENOENT empty path", closing(open("", O_RDONLY)), ENOENT);
	expect("ENOENT access", access("missing", F_OK), ENOENT);
	expect("ENOENT truncate", truncate("missing", 0), ENOENT);
	expect("ENOENT chmod", chmod("missing", 0644), ENOENT);
	must("symlink", symlink("missing", "dangling"));
	expect("ENOENT dangling symlink", closing(open("dangling", O_RDONLY)), ENOENT);
	expect("ENOENT lstat of dangling symlink succeeds", lstat("dangling", &st), 0);
	unlink("dangling");
}

static void check_eexist(void)
{
	make_file("file", "data\n");
	must("mkdir", mkdir("dir", 0755));
	expect("EEXIST mkdir over dir", mkdir("dir", 0755), EEXIST);
	expect("EEXIST mkdir over file", mkdir("file", 0755), EEXIST);
	expect("EEXIST O_CREAT|O_EXCL", closing(open("file", O_WRONLY | O_CREAT | O_EXCL, 0644)), EEXIST);
	expect("EEXIST O_CREAT|O_EXCL on dir", closing(open("dir", O_RDONLY | O_CREAT | O_EXCL, 0644)), EEXIST);
	expect("EEXIST symlink", symlink("target", "file"), EEXIST);
	expect("EEXIST link", link("file", "dir"), EEXIST);
	expect("EEXIST renameat2 NOREPLACE",
	       syscall(SYS_renameat2, AT_FDCWD, "dir", AT_FDCWD, "file", RENAME_NOREPLACE), EEXIST);
	must("symlink", symlink("missing", "dangling"));
	expect("EEXIST O_CREAT|O_EXCL on dangling symlink",
	       closing(open("dangling", O_WRONLY | O_CREAT | O_EXCL, 0644)), EEXIST);
	expect("EEXIST mkdir dot", mkdir(".", 0755), EEXIST);
	unlink("dangling");
}

static void check_enotdir(void)
{
	expect("ENOTDIR open through file", closing(open("file/x", O_RDONLY)), ENOTDIR);
	expect("ENOTDIR creat through file", closing(open("file/x", O_WRONLY | O_CREAT, 0644)), ENOTDIR);
	expect("ENOTDIR mkdir through file", mkdir("file/x", 0755), ENOTDIR);
	expect("ENOTDIR O_DIRECTORY on file", closing(open("file", O_RDONLY | O_DIRECTORY)), ENOTDIR);
	expect("ENOTDIR rmdir file", rmdir("file"), ENOTDIR);
	expect("ENOTDIR chdir file", chdir("file"), ENOTDIR);
	expect("ENOTDIR unlinkat AT_REMOVEDIR file", unlinkat(AT_FDCWD, "file", AT_REMOVEDIR), ENOTDIR);
	expect("ENOTDIR rename dir over file", rename("dir", "file"), ENOTDIR);
	expect("ENOTDIR trailing slash on file", closing(open("file/", O_RDONLY)), ENOTDIR);
	int fd = open("file", O_RDONLY);
	must("open file", fd);
	expect("ENOTDIR openat relative to file fd", closing(openat(fd, "x", O_RDONLY)), ENOTDIR);
	expect("ENOTDIR fchdir file", fchdir(fd), ENOTDIR);
	close(fd);
}

static void check_eisdir(void)
{
	expect("EISDIR open dir O_WRONLY", closing(open("dir", O_WRONLY)), EISDIR);
	expect("EISDIR open dir O_RDWR", closing(open("dir", O_RDWR)), EISDIR);
	expect("EISDIR open dir O_CREAT", closing(open("dir", O_RDONLY | O_CREAT, 0644)), EISDIR);
	expect("EISDIR unlink dir", unlink("dir"), EISDIR);
	expect("EISDIR rename file over dir", rename("file", "dir"), EISDIR);
	expect("EISDIR truncate dir", truncate("dir", 0), EISDIR);
	int fd = open("dir", O_RDONLY | O_DIRECTORY);
	must("open dir", fd);
	char buf[16];
	expect("EISDIR read dir", read(fd, buf, sizeof buf), EISDIR);
	close(fd);
}

static void check_ebadf(void)
{
	char buf[16];
	struct stat st;
	expect("EBADF read -1", read(-1, buf, sizeof buf), EBADF);
	expect("EBADF write 999", write(999, "x", 1), EBADF);
	expect("EBADF close 999", close(999), EBADF);
	expect("EBADF fstat 999", fstat(999, &st), EBADF);
	expect("EBADF lseek 999", lseek(999, 0, SEEK_SET), EBADF);
	expect("EBADF dup 999", dup(999), EBADF);
	expect("EBADF dup2 999", dup2(999, 50), EBADF);
	expect("EBADF fcntl 999", fcntl(999, F_GETFL), EBADF);
	expect("EBADF fchdir 999", fchdir(999), EBADF);
	expect("EBADF openat 999 relative", closing(openat(999, "file", O_RDONLY)), EBADF);
	expect("EBADF openat 999 absolute ignored", closing(openat(999, "/", O_RDONLY)), 0);
	int fd = open("file", O_RDONLY);
	must("open file", fd);
	expect("EBADF write on O_RDONLY", write(fd, "x", 1), EBADF);
	expect("EINVAL ftruncate on O_RDONLY", ftruncate(fd, 0), EINVAL);
	close(fd);
	fd = open("file", O_WRONLY);
	must("open file", fd);
	expect("EBADF read on O_WRONLY", read(fd, buf, sizeof buf), EBADF);
	close(fd);
	fd = open("file", O_PATH);
	must("open O_PATH", fd);
	expect("EBADF read on O_PATH", read(fd, buf, sizeof buf), EBADF);
	expect("EBADF write on O_PATH", write(fd, "x", 1), EBADF);
	expect("fstat on O_PATH", fstat(fd, &st), 0);
	close(fd);
	expect("EBADF use after close", read(fd, buf, sizeof buf), EBADF);
}

static void check_enotempty(void)
{
	must("mkdir", mkdir("full", 0755));
	make_file("full/inside", "x");
	must("mkdir", mkdir("other", 0755));
	make_file("other/inside", "y");
	expect("ENOTEMPTY rmdir", rmdir("full"), ENOTEMPTY);
	expect("ENOTEMPTY unlinkat AT_REMOVEDIR", unlinkat(AT_FDCWD, "full", AT_REMOVEDIR), ENOTEMPTY);
	expect("ENOTEMPTY rename dir over non-empty dir", rename("dir", "full"), ENOTEMPTY);
	unlink("other/inside");
	expect("rename non-empty dir over empty dir", rename("full", "other"), 0);
	expect("renamed dir keeps its entries", access("other/inside", F_OK), 0);
	unlink("other/inside");
	rmdir("other");
	expect("EINVAL rmdir dot", rmdir("."), EINVAL);
	expect("EINVAL rename dir into itself", rename("dir", "dir/sub"), EINVAL);
}

static void check_exdev(const char *other)
{
	char there[4096];
	snprintf(there, sizeof there, "%s/moved", other);
	expect("EXDEV rename across mounts", rename("file", there), EXDEV);
	expect("EXDEV link across mounts", link("file", there), EXDEV);
	expect("EXDEV rename dir across mounts", rename("dir", there), EXDEV);
	expect("source still there after EXDEV", access("file", F_OK), 0);
	expect("nothing created on the other mount", access(there, F_OK), ENOENT);
}

static void check_eloop(void)
{
	must("symlink", symlink("loop_b", "loop_a"));
	must("symlink", symlink("loop_a", "loop_b"));
	must("symlink", symlink("self", "self"));
	struct stat st;
	expect("ELOOP open loop", closing(open("loop_a", O_RDONLY)), ELOOP);
	expect("ELOOP stat loop", stat("loop_a", &st), ELOOP);
	expect("ELOOP self loop", closing(open("self", O_RDONLY)), ELOOP);
	expect("ELOOP loop as directory", closing(open("loop_a/x", O_RDONLY)), ELOOP);
	expect("ELOOP creat through loop", closing(open("loop_a", O_WRONLY | O_CREAT, 0644)), ELOOP);
	expect("lstat of loop succeeds", lstat("loop_a", &st), 0);
	must("symlink", symlink("file", "tofile"));
	expect("ELOOP O_NOFOLLOW on symlink", closing(open("tofile", O_RDONLY | O_NOFOLLOW)), ELOOP);
	expect("O_NOFOLLOW|O_PATH on symlink", closing(open("tofile", O_PATH | O_NOFOLLOW)), 0);
	/* A chain of 40 links resolves; 41 exceed the kernel's limit. */
	char name[32], target[32];
	for (int i = 0; i <= 40; i++) {
		snprintf(name, sizeof name, "chain%02d", i);
		if (i == 40)
			snprintf(target, sizeof target, "file");
		else
			snprintf(target, sizeof target, "chain%02d", i + 1);
		must("symlink chain", symlink(target, name));
	}
	expect("chain of 40 symlinks", closing(open("chain01", O_RDONLY)), 0);
	expect("ELOOP chain of 41 symlinks", closing(open("chain00", O_RDONLY)), ELOOP);
	for (int i = 0; i <= 40; i++) {
		snprintf(name, sizeof name, "chain%02d", i);
		unlink(name);
	}
	unlink("loop_a");
	unlink("loop_b");
	unlink("self");
	unlink("tofile");
}

static void check_misc(void)
{
	must("chmod", chmod("file", 0644));
	expect("EACCES access X_OK on 0644 file", access("file", X_OK), EACCES);
	char longname[300];
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	expect("ENAMETOOLONG open", closing(open(longname, O_RDONLY)), ENAMETOOLONG);
	expect("ENAMETOOLONG mkdir", mkdir(longname, 0755), ENAMETOOLONG);
	expect("EINVAL open flags O_CREAT|O_DIRECTORY missing",
	       closing(open("newdir", O_RDWR | O_CREAT | O_DIRECTORY, 0644)), EINVAL);
	int p[2];
	must("pipe", pipe(p));
	expect("ESPIPE lseek on pipe", lseek(p[0], 0, SEEK_SET), ESPIPE);
	close(p[0]);
	close(p[1]);
	int fd = open("file", O_RDONLY);
	must("open file", fd);
	expect("EINVAL lseek negative", lseek(fd, -10, SEEK_SET), EINVAL);
	expect("ENXIO SEEK_DATA past end", lseek(fd, 1000, SEEK_DATA), ENXIO);
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: fs_errno DIR OTHERDIR\n");
		return 2;
	}
	umask(022);
	if (mkdir(argv[2], 0755) == -1 && errno != EEXIST) {
		printf("setup mkdir other: %s\n", errno_name(errno));
		return 2;
	}
	enter(argv[1]);
	setvbuf(stdout, NULL, _IOLBF, 0);

	check_enoent();
	check_eexist();
	check_enotdir();
	check_eisdir();
	check_ebadf();
	check_enotempty();
	check_exdev(argv[2]);
	check_eloop();
	check_misc();

	unlink("file");
	rmdir("dir");
	printf("failures: %d\n", failures);
	return failures ? 1 : 0;
}
