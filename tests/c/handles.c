// name_to_handle_at and open_by_handle_at on a tmpfs file (argv[1], in
// /dev/shm: tmpfs natively, ramfs in the app) and directory: the handle's
// size and type, EOVERFLOW with the size needed, the mount id agreeing
// with statx, reopening by handle (also read-only and as a directory),
// AT_SYMLINK_FOLLOW, a forged handle (ESTALE), procfs (EOPNOTSUPP), the
// flag rules, and EPERM without CAP_DAC_READ_SEARCH. Run as root.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "show.h"

struct handle {
	unsigned int bytes;
	int type;
	unsigned char f[128];
};

/* statx's stx_mnt_id (offset 144) through the raw call: musl has no
 * struct statx. */
static int mnt_of(const char *path) {
	unsigned long long sx[32] = {0};
	if (syscall(SYS_statx, AT_FDCWD, path, 0, 0x1000 /* STATX_MNT_ID */, sx) != 0)
		return -1;
	return (int)sx[144 / 8];
}

int main(int argc, char **argv) {
	if (argc < 2)
		return 2;
	setvbuf(stdout, NULL, _IONBF, 0);
	char dir[512], file[512], link[512];
	snprintf(dir, sizeof dir, "%s", argv[1]);
	mkdir(dir, 0755);
	snprintf(file, sizeof file, "%s/f", dir);
	snprintf(link, sizeof link, "%s/l", dir);
	int fd = open(file, O_CREAT | O_RDWR | O_TRUNC, 0644);
	write(fd, "handle me", 9);
	close(fd);
	symlink("f", link);

	struct handle h = {0};
	int mnt = -1;
	h.bytes = 4;
	show("too small", syscall(SYS_name_to_handle_at, AT_FDCWD, file, &h, &mnt, 0));
	printf("  bytes needed %u, mount id matches statx %d\n", h.bytes, mnt == mnt_of(file));
	h.bytes = 129;
	show("too big", syscall(SYS_name_to_handle_at, AT_FDCWD, file, &h, &mnt, 0));
	h.bytes = 128;
	show("bad flags", syscall(SYS_name_to_handle_at, AT_FDCWD, file, &h, &mnt, 0x4));
	show("file", syscall(SYS_name_to_handle_at, AT_FDCWD, file, &h, &mnt, 0));
	printf("  bytes %u type %d mount id matches %d\n", h.bytes, h.type, mnt == mnt_of(file));
	struct handle keep = h;

	int mfd = open(dir, O_RDONLY | O_DIRECTORY);
	int byh = syscall(SYS_open_by_handle_at, mfd, &keep, O_RDONLY);
	show("open by handle", byh >= 0 ? 0 : -1);
	char buf[32] = {0};
	show("read it", read(byh, buf, sizeof buf - 1));
	printf("  '%s'\n", buf);
	struct stat a, b;
	fstat(byh, &a);
	stat(file, &b);
	printf("  same inode %d\n", a.st_ino == b.st_ino);
	close(byh);
	byh = syscall(SYS_open_by_handle_at, mfd, &keep, O_WRONLY | O_APPEND);
	show("open by handle for writing", byh >= 0 ? write(byh, "!", 1) : -1);
	close(byh);
	show("open by handle as a directory", syscall(SYS_open_by_handle_at, mfd, &keep, O_RDONLY | O_DIRECTORY));

	h.bytes = 128;
	show("link, not followed", syscall(SYS_name_to_handle_at, AT_FDCWD, link, &h, &mnt, 0));
	struct handle lh = h;
	h.bytes = 128;
	show("link, followed", syscall(SYS_name_to_handle_at, AT_FDCWD, link, &h, &mnt, AT_SYMLINK_FOLLOW));
	printf("  followed is the file's: %d\n", memcmp(h.f, keep.f, keep.bytes) == 0);
	printf("  the link's differs: %d\n", memcmp(lh.f, keep.f, keep.bytes) != 0);

	h.bytes = 128;
	show("directory", syscall(SYS_name_to_handle_at, AT_FDCWD, dir, &h, &mnt, 0));
	int dfd = syscall(SYS_open_by_handle_at, mfd, &h, O_RDONLY | O_DIRECTORY);
	show("open the directory by handle", dfd >= 0 ? 0 : -1);
	show("  and a file in it", openat(dfd, "f", O_RDONLY) >= 0 ? 0 : -1);
	fd = open(file, O_RDONLY);
	h.bytes = 128;
	show("empty path", syscall(SYS_name_to_handle_at, fd, "", &h, &mnt, AT_EMPTY_PATH));
	printf("  same as by name: %d\n", memcmp(h.f, keep.f, keep.bytes) == 0);

	struct handle forged = keep;
	forged.f[4] ^= 0x5a;
	forged.f[5] ^= 0x11;
	show("forged handle", syscall(SYS_open_by_handle_at, mfd, &forged, O_RDONLY));
	forged = keep;
	forged.bytes = 0;
	show("zero-length handle", syscall(SYS_open_by_handle_at, mfd, &forged, O_RDONLY));
	show("bad mount fd", syscall(SYS_open_by_handle_at, 999, &keep, O_RDONLY));
	h.bytes = 128;
	show("procfs", syscall(SYS_name_to_handle_at, AT_FDCWD, "/proc/self/status", &h, &mnt, 0));
	show("missing file", syscall(SYS_name_to_handle_at, AT_FDCWD, "/nonexistent", &h, &mnt, 0));

	pid_t pid = fork();
	if (pid == 0) {
		setgid(65534);
		setuid(65534);
		show("nobody opens by handle", syscall(SYS_open_by_handle_at, mfd, &keep, O_RDONLY));
		h.bytes = 128;
		show("nobody makes a handle", syscall(SYS_name_to_handle_at, AT_FDCWD, file, &h, &mnt, 0));
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	unlink(link);
	unlink(file);
	rmdir(dir);
	return 0;
}
