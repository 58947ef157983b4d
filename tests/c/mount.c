// mount: mount(2), umount2 and the new mount API on a scratch directory,
// run as root natively inside a private mount namespace (unshare) and
// under elfloader, which never touches the host's mount table. Mount ids
// and device numbers differ between the runs: the program prints how they
// relate (a mount's parent, statx's mount id against mountinfo's), never
// their values.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "show.h"

// glibc 2.36's <sys/mount.h> names the new mount API; musl's does not
// (and <linux/mount.h> is not in musl's include path).
#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 1
#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_CMD_CREATE 6
#define FSCONFIG_CMD_RECONFIGURE 7
#define FSMOUNT_CLOEXEC 1
#define MOVE_MOUNT_F_EMPTY_PATH 4
#define OPEN_TREE_CLONE 1
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#define FSPICK_CLOEXEC 1
#define MOUNT_ATTR_NOSUID 0x2
#define MOUNT_ATTR_NODEV 0x4
#define MOUNT_ATTR_NOEXEC 0x8
#define MOUNT_ATTR__ATIME 0x70
#define MOUNT_ATTR_NOATIME 0x10
#define MOUNT_ATTR_STRICTATIME 0x20
#endif
#ifndef MOUNT_ATTR_SIZE_VER0
struct mount_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#define STATX_MOUNT_ID 0x1000

// statx by its raw syscall (musl 1.2.3 has no wrapper): the mask at
// offset 0 and stx_mnt_id at offset 144 of struct statx.
struct statx_buf {
	uint32_t mask;
	uint8_t pad[140];
	uint64_t mnt_id;
	uint8_t rest[256 - 152];
};

static char base[64];

static const char *at(const char *name) {
	static char buf[4][256];
	static int n;
	char *b = buf[n++ % 4];
	snprintf(b, 256, "%s/%s", base, name);
	return b;
}

static int fsopen_(const char *fs, unsigned flags) { return syscall(SYS_fsopen, fs, flags); }
static int fsconfig_(int fd, unsigned cmd, const char *key, const void *value, int aux) {
	return syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}
static int fsmount_(int fd, unsigned flags, unsigned attr) { return syscall(SYS_fsmount, fd, flags, attr); }
static int move_mount_(int from, const char *fp, int to, const char *tp, unsigned flags) {
	return syscall(SYS_move_mount, from, fp, to, tp, flags);
}
static int open_tree_(int dfd, const char *p, unsigned flags) { return syscall(SYS_open_tree, dfd, p, flags); }
static int fspick_(int dfd, const char *p, unsigned flags) { return syscall(SYS_fspick, dfd, p, flags); }
static int mount_setattr_(int dfd, const char *p, unsigned flags, struct mount_attr *a, size_t size) {
	return syscall(SYS_mount_setattr, dfd, p, flags, a, size);
}

static long mount_id(const char *path) {
	struct statx_buf sx;
	if (syscall(SYS_statx, AT_FDCWD, path, 0, STATX_MOUNT_ID, &sx) < 0 || !(sx.mask & STATX_MOUNT_ID))
		return -1;
	return (long)sx.mnt_id;
}

// statx_ids shows that statx always reports the mount id, and the unique
// one when asked.
static void statx_ids(const char *name) {
	struct statx_buf sx;
	long basic = syscall(SYS_statx, AT_FDCWD, at(name), 0, 0x7ff, &sx);
	printf("statx basic %s: %ld mnt_id reported %d\n", name, basic, (sx.mask & STATX_MOUNT_ID) != 0);
	long unique = syscall(SYS_statx, AT_FDCWD, at(name), 0, 0x4000, &sx);
	printf("statx unique %s: %ld reported %d above the reusable ids %d\n", name, unique, (sx.mask & 0x4000) != 0,
	       sx.mnt_id > (uint64_t)mount_id(at(name)));
}

// info prints the mountinfo line of the top mount on path: its root, its
// options, type, source and super options, whether its parent is the
// mount that holds base, and whether statx agrees on its id.
static void info(const char *name) {
	const char *path = at(name);
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[1024], found[1024] = "";
	while (f && fgets(line, sizeof line, f)) {
		char point[512];
		if (sscanf(line, "%*d %*d %*s %*s %511s", point) == 1 && strcmp(point, path) == 0)
			strcpy(found, line);
	}
	if (f)
		fclose(f);
	if (!found[0]) {
		printf("%s: not mounted\n", name);
		return;
	}
	long id, parent;
	char root[256], opts[256], rest[512];
	sscanf(found, "%ld %ld %*s %255s %*s %255s %511[^\n]", &id, &parent, root, opts, rest);
	char *dash = strstr(rest, "- ");
	printf("%s: root=%s opts=%s optional=[%.*s] %s parent_is_base_mount=%d statx_id_agrees=%d\n", name, root, opts,
	       dash ? (int)(dash - rest > 0 ? dash - rest - 1 : 0) : 0, rest, dash ? dash + 2 : "?",
	       parent == mount_id(base), id == mount_id(path));
}

static void show_statfs(const char *name) {
	struct statfs s;
	if (statfs(at(name), &s) < 0) {
		printf("statfs %s: errno %d\n", name, errno);
		return;
	}
	printf("statfs %s: type %#lx flags %#lx\n", name, (unsigned long)s.f_type, (unsigned long)s.f_flags);
}

static void put(const char *name, const char *text) {
	int fd = open(at(name), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		printf("write %s: -1 errno %d\n", name, errno);
		return;
	}
	printf("write %s: %zd\n", name, write(fd, text, strlen(text)));
	close(fd);
}

static void get(const char *name) {
	char buf[64] = "";
	int fd = open(at(name), O_RDONLY);
	if (fd < 0) {
		printf("read %s: -1 errno %d\n", name, errno);
		return;
	}
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	printf("read %s: %zd \"%s\"\n", name, n, n > 0 ? buf : "");
}

static void tmpfs_basics(void) {
	show("mount tmpfs a", mount("none", at("a"), "tmpfs", 0, "size=1m,mode=700"));
	info("a");
	show_statfs("a");
	statx_ids("a");
	put("a/f", "hello");
	get("a/f");
	show("mount unknown type", mount("none", at("b"), "nosuchfs", 0, NULL));
	show("mount on missing dir", mount("none", at("missing/x"), "tmpfs", 0, NULL));
	show("mount below a file", mount("none", at("file/x"), "tmpfs", 0, NULL));
	show("mount without a type", mount("none", at("b"), NULL, 0, NULL));
	show("mount bad option", mount("none", at("b"), "tmpfs", 0, "nosuchoption"));
	show("mount MS_NOUSER", mount("none", at("b"), "tmpfs", MS_NOUSER, NULL));

	int fd = open(at("a/f"), O_RDONLY);
	show("umount with an open file", umount(at("a")));
	close(fd);
	show("chdir a", chdir(at("a")));
	show("umount with the cwd inside", umount(at("a")));
	show("chdir /", chdir("/"));
	show("umount not a mount point", umount(base));
	show("umount missing", umount(at("missing")));
	show("umount2 bad flags", umount2(at("a"), 0x100));
	show("umount a", umount(at("a")));
	get("a/f");
	show("umount a again", umount(at("a")));
}

static void binds(void) {
	show("mount tmpfs a", mount("tmpfs", at("a"), "tmpfs", MS_NOSUID | MS_NODEV, NULL));
	show("mkdir a/sub", mkdir(at("a/sub"), 0755));
	put("a/sub/x", "bound");
	show("mount devtmpfs nodev", mount("devtmpfs", at("d"), "devtmpfs", MS_NODEV, NULL));
	show("open a device on nodev", open(at("d/null"), O_RDONLY));
	show("remount devtmpfs dev", mount(NULL, at("d"), NULL, MS_REMOUNT | MS_BIND, NULL));
	int null = open(at("d/null"), O_RDONLY);
	show("open a device", null >= 0 ? 0 : -1);
	close(null);
	show("umount devtmpfs", umount(at("d")));
	show("mount proc", mount("proc", at("d"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL));
	get("d/self/comm");
	show("umount proc", umount(at("d")));
	show("mount sysfs", mount("sysfs", at("d"), "sysfs", MS_RDONLY, NULL));
	show("sysfs cpu/online", access(at("d/devices/system/cpu/online"), R_OK));
	show_statfs("d");
	show("umount sysfs", umount(at("d")));
	show("bind dir", mount(at("a/sub"), at("b"), NULL, MS_BIND, NULL));
	info("b");
	get("b/x");
	show("bind file", mount(at("a/sub/x"), at("file"), NULL, MS_BIND, NULL));
	info("file");
	get("file");
	show("unlink a bind-mounted file", unlink(at("file")));
	show("rmdir a mount point", rmdir(at("b")));
	show("rename a mount point", rename(at("b"), at("c2")));
	show("bind dir on file", mount(at("a/sub"), at("file"), NULL, MS_BIND, NULL));
	show("bind without source", mount(NULL, at("c"), NULL, MS_BIND, NULL));

	show("remount b read-only", mount(NULL, at("b"), NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
	info("b");
	show_statfs("b");
	put("b/y", "no");
	put("a/sub/y", "yes");
	show("remount not a mount root", mount(NULL, at("a/sub"), NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));

	int w = open(at("a/sub/y"), O_WRONLY);
	show("remount a ro while writing", mount(NULL, at("a"), NULL, MS_REMOUNT | MS_RDONLY, NULL));
	close(w);
	show("remount a ro", mount(NULL, at("a"), NULL, MS_REMOUNT | MS_RDONLY, NULL));
	info("a");
	put("a/z", "no");
	show("remount a rw", mount(NULL, at("a"), NULL, MS_REMOUNT, NULL));
	info("a");
	put("a/z", "yes");

	show("umount file", umount(at("file")));
	show("umount b", umount(at("b")));
	show("umount a", umount(at("a")));
}

static void tree(void) {
	show("mount tmpfs a", mount("tmpfs", at("a"), "tmpfs", 0, NULL));
	show("mkdir a/c", mkdir(at("a/c"), 0755));
	show("mount tmpfs a/c", mount("tmpfs", at("a/c"), "tmpfs", MS_NOEXEC, NULL));
	info("a/c");
	put("a/c/script", "#!/bin/sh\nexit 0\n");
	show("chmod script", chmod(at("a/c/script"), 0755));
	char *const argv[] = {"script", NULL};
	show("execve on noexec", execve(at("a/c/script"), argv, argv + 1));
	int x = open(at("a/c/script"), O_RDONLY);
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, x, 0);
	show("mmap exec on noexec", p == MAP_FAILED ? -1 : 0);
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, x, 0);
	show("mmap read on noexec", p == MAP_FAILED ? -1 : munmap(p, 4096));
	close(x);
	show("umount a with a mount inside", umount(at("a")));
	show("recursive bind", mount(at("a"), at("b"), NULL, MS_BIND | MS_REC, NULL));
	info("b/c");
	show("umount2 b detach", umount2(at("b"), MNT_DETACH));
	info("b/c");
	show("umount2 a detach", umount2(at("a"), MNT_DETACH));
	info("a/c");

	show("mount tmpfs a", mount("tmpfs", at("a"), "tmpfs", 0, NULL));
	show("umount2 expire+detach", umount2(at("a"), MNT_EXPIRE | MNT_DETACH));
	show("umount2 expire", umount2(at("a"), MNT_EXPIRE));
	show("umount2 expire again", umount2(at("a"), MNT_EXPIRE));
	info("a");

	show("mount tmpfs a", mount("tmpfs", at("a"), "tmpfs", 0, NULL));
	show("symlink lnk", symlink(at("a"), at("lnk")));
	show("umount2 nofollow link", umount2(at("lnk"), UMOUNT_NOFOLLOW));
	show("umount through link", umount(at("lnk")));
	show("unlink lnk", unlink(at("lnk")));

	show("mount tmpfs a", mount("tmpfs", at("a"), "tmpfs", 0, NULL));
	put("a/moved", "here");
	show("move a to d", mount(at("a"), at("d"), NULL, MS_MOVE, NULL));
	get("d/moved");
	info("a");
	show("move not a mount", mount(at("c"), at("b"), NULL, MS_MOVE, NULL));
	show("mkdir d/in", mkdir(at("d/in"), 0755));
	show("move into itself", mount(at("d"), at("d/in"), NULL, MS_MOVE, NULL));

	show("private", mount(NULL, at("d"), NULL, MS_PRIVATE, NULL));
	show("private+slave", mount(NULL, at("d"), NULL, MS_PRIVATE | MS_SLAVE, NULL));
	show("private not a mount root", mount(NULL, at("d/in"), NULL, MS_PRIVATE, NULL));
	show("unbindable", mount(NULL, at("d"), NULL, MS_UNBINDABLE, NULL));
	info("d");
	show("bind unbindable", mount(at("d"), at("b"), NULL, MS_BIND, NULL));
	show("rec private", mount(NULL, at("d"), NULL, MS_PRIVATE | MS_REC, NULL));
	info("d");
	show("umount d", umount(at("d")));
}

static void new_api(void) {
	show("fsopen unknown", fsopen_("nosuchfs", 0));
	show("fsopen bad flags", fsopen_("tmpfs", 2));
	int fc = fsopen_("tmpfs", FSOPEN_CLOEXEC);
	show("fsopen tmpfs", fc >= 0 ? 0 : -1);
	show("fsconfig size", fsconfig_(fc, FSCONFIG_SET_STRING, "size", "2m", 0));
	show("fsconfig unknown", fsconfig_(fc, FSCONFIG_SET_FLAG, "nosuchoption", NULL, 0));
	show("fsconfig flag with value", fsconfig_(fc, FSCONFIG_SET_FLAG, "ro", "x", 0));
	show("fsconfig source", fsconfig_(fc, FSCONFIG_SET_STRING, "source", "mysrc", 0));
	show("fsconfig bad cmd", fsconfig_(fc, 99, NULL, NULL, 0));
	show("fsconfig not a context", fsconfig_(0, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
	show("fsmount before create", fsmount_(fc, 0, 0));
	show("fsconfig create", fsconfig_(fc, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
	show("fsconfig create again", fsconfig_(fc, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
	show("fsconfig after create", fsconfig_(fc, FSCONFIG_SET_STRING, "size", "4m", 0));
	show("fsmount bad atime", fsmount_(fc, 0, MOUNT_ATTR_NOATIME | MOUNT_ATTR_STRICTATIME));
	int mfd = fsmount_(fc, FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV);
	show("fsmount", mfd >= 0 ? 0 : -1);
	close(fc);
	int f = openat(mfd, "detached", O_WRONLY | O_CREAT, 0644);
	show("write in the detached mount", f >= 0 ? write(f, "new", 3) : -1);
	close(f);
	show("move_mount attach", move_mount_(mfd, "", AT_FDCWD, at("c"), MOVE_MOUNT_F_EMPTY_PATH));
	close(mfd);
	info("c");
	get("c/detached");

	int pick = fspick_(AT_FDCWD, at("c"), FSPICK_CLOEXEC);
	show("fspick", pick >= 0 ? 0 : -1);
	show("fspick not a mount root", fspick_(AT_FDCWD, base, 0));
	show("fsconfig ro", fsconfig_(pick, FSCONFIG_SET_FLAG, "ro", NULL, 0));
	show("fsconfig reconfigure", fsconfig_(pick, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0));
	close(pick);
	info("c");
	put("c/after", "no");

	struct mount_attr attr = {.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC};
	show("mount_setattr nosuid,noexec", mount_setattr_(AT_FDCWD, at("c"), 0, &attr, sizeof attr));
	info("c");
	struct mount_attr atime = {.attr_set = MOUNT_ATTR_NOATIME, .attr_clr = MOUNT_ATTR__ATIME};
	show("mount_setattr noatime", mount_setattr_(AT_FDCWD, at("c"), 0, &atime, sizeof atime));
	info("c");
	show_statfs("c");
	struct mount_attr half = {.attr_clr = MOUNT_ATTR_NOATIME};
	show("mount_setattr half atime", mount_setattr_(AT_FDCWD, at("c"), 0, &half, sizeof half));
	show("mount_setattr small", mount_setattr_(AT_FDCWD, at("c"), 0, &attr, 8));
	struct mount_attr prop = {.propagation = MS_PRIVATE | MS_SHARED};
	show("mount_setattr two propagations", mount_setattr_(AT_FDCWD, at("c"), 0, &prop, sizeof prop));
	show("mount_setattr not a mount root", mount_setattr_(AT_FDCWD, base, 0, &attr, sizeof attr));

	show("open_tree recursive without clone", open_tree_(AT_FDCWD, at("c"), AT_RECURSIVE));
	int plain = open_tree_(AT_FDCWD, at("c"), OPEN_TREE_CLOEXEC);
	show("open_tree plain", plain >= 0 ? 0 : -1);
	show("move_mount plain (attached) c to d", move_mount_(plain, "", AT_FDCWD, at("d"), MOVE_MOUNT_F_EMPTY_PATH));
	close(plain);
	info("c");
	info("d");
	int tree = open_tree_(AT_FDCWD, at("d"), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	show("open_tree clone", tree >= 0 ? 0 : -1);
	show("move_mount clone to b", move_mount_(tree, "", AT_FDCWD, at("b"), MOVE_MOUNT_F_EMPTY_PATH));
	close(tree);
	info("b");
	get("b/detached");
	int held = open_tree_(AT_FDCWD, at("b"), OPEN_TREE_CLOEXEC);
	show("umount b while held", umount(at("b")));
	show("umount2 b detach", umount2(at("b"), MNT_DETACH));
	show("move_mount an unmounted mount", move_mount_(held, "", AT_FDCWD, at("b"), MOVE_MOUNT_F_EMPTY_PATH));
	show("open_tree clone of an unmounted mount", open_tree_(held, "", OPEN_TREE_CLONE | AT_EMPTY_PATH));
	close(held);
	show("umount d", umount(at("d")));
}

// chrooted lists the mounts a chrooted child sees: those below its root
// only, their points relative to it.
static void chrooted(void) {
	show("mount tmpfs a", mount("tmpfs", at("a"), "tmpfs", 0, NULL));
	show("mount proc d", mount("proc", at("d"), "proc", 0, NULL));
	pid_t pid = fork();
	if (pid == 0) {
		if (chroot(base) < 0 || chdir("/") < 0)
			_exit(1);
		FILE *f = fopen("/d/self/mountinfo", "r");
		char line[1024];
		while (f && fgets(line, sizeof line, f)) {
			char root[256], point[256], type[64];
			char *dash = strstr(line, " - ");
			if (dash && sscanf(line, "%*d %*d %*s %255s %255s", root, point) == 2 && sscanf(dash, " - %63s", type) == 1)
				printf("chrooted sees: %s %s %s\n", root, point, type);
		}
		_exit(f ? 0 : 2);
	}
	int status = -1;
	waitpid(pid, &status, 0);
	printf("chrooted child status %d\n", status);
	show("umount d", umount(at("d")));
	show("umount a", umount(at("a")));
}

// forked shows that a child's mounts are the parent's: one mount
// namespace for both.
static void forked(void) {
	pid_t pid = fork();
	if (pid == 0)
		_exit(mount("tmpfs", at("a"), "tmpfs", 0, "mode=711") == 0 ? 0 : 1);
	int status = -1;
	waitpid(pid, &status, 0);
	printf("child mounted: status %d\n", status);
	info("a");
	show("umount the child's mount", umount(at("a")));
}

static void unprivileged(void) {
	show("setgid nobody", setgid(65534));
	show("setuid nobody", setuid(65534));
	show("mount as nobody", mount("none", "/", "tmpfs", 0, NULL));
	show("mount missing as nobody", mount("none", "/nonexistent", "tmpfs", 0, NULL));
	show("umount as nobody", umount("/"));
	show("fsopen as nobody", fsopen_("tmpfs", 0));
	show("fsmount as nobody", fsmount_(0, 0, 0));
	show("open_tree clone as nobody", open_tree_(AT_FDCWD, "/", OPEN_TREE_CLONE));
	show("open_tree plain as nobody", open_tree_(AT_FDCWD, "/", OPEN_TREE_CLOEXEC) >= 0 ? 0 : -1);
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_NOSUID};
	show("mount_setattr as nobody", mount_setattr_(AT_FDCWD, "/", 0, &attr, sizeof attr));
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	strcpy(base, "/tmp/mnt.XXXXXX");
	if (!mkdtemp(base))
		return 1;
	const char *dirs[] = {"a", "b", "c", "d"};
	for (int i = 0; i < 4; i++)
		mkdir(at(dirs[i]), 0755);
	close(open(at("file"), O_WRONLY | O_CREAT, 0644));

	tmpfs_basics();
	binds();
	tree();
	new_api();
	chrooted();
	forked();

	rmdir(at("d/in"));
	unlink(at("file"));
	unlink(at("a/sub/y"));
	for (int i = 0; i < 4; i++)
		rmdir(at(dirs[i]));
	show("rmdir base", rmdir(base));
	unprivileged();
	return 0;
}
