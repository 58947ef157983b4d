// Extended attributes: setxattr/getxattr/listxattr/removexattr with their
// l* and f* forms and the *xattrat calls, the size protocol (0 asks for the
// size, a short buffer is ERANGE), XATTR_CREATE/XATTR_REPLACE, the
// namespaces' rules for root and for an unprivileged user, symlinks,
// E2BIG/ERANGE/EOPNOTSUPP, and a host file's own attribute read through and
// then changed. Run as root. argv[1] is a scratch directory to create,
// argv[2] a file that has user.origin=host.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "show.h"

/* The *xattrat calls (Linux 6.13) are newer than these C libraries. */
#ifndef SYS_setxattrat
#define SYS_setxattrat 463
#define SYS_getxattrat 464
#define SYS_listxattrat 465
#define SYS_removexattrat 466
#endif


static void getv(const char *what, const char *path, const char *name) {
	char buf[128];
	memset(buf, 0, sizeof buf);
	long r = getxattr(path, name, buf, sizeof buf - 1);
	if (r < 0)
		printf("%s: -1 errno %d\n", what, errno);
	else
		printf("%s: %ld '%.*s'\n", what, r, (int)r, buf);
}

// listing prints the names sorted, so that the order of the store does not
// matter, keeping only user., trusted. and security. names of our own.
static void list(const char *what, long r, char *buf) {
	if (r < 0) {
		printf("%s: -1 errno %d\n", what, errno);
		return;
	}
	char *names[64];
	int n = 0;
	for (char *p = buf; p < buf + r && n < 64; p += strlen(p) + 1)
		if (strstr(p, ".t_") || strcmp(p, "user.origin") == 0)
			names[n++] = p;
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (strcmp(names[j], names[i]) < 0) {
				char *tmp = names[i];
				names[i] = names[j];
				names[j] = tmp;
			}
	printf("%s:", what);
	for (int i = 0; i < n; i++)
		printf(" %s", names[i]);
	printf("\n");
}

static void unprivileged(const char *dir, const char *file, const char *ro) {
	pid_t pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534)) {
			printf("drop: errno %d\n", errno);
			_exit(1);
		}
		getv("nobody get user", file, "user.t_a");
		getv("nobody get trusted", file, "trusted.t_t");
		getv("nobody get security", file, "security.t_s");
		show("nobody set trusted", setxattr(file, "trusted.t_t", "x", 1, 0));
		show("nobody set security", setxattr(file, "security.t_s", "x", 1, 0));
		show("nobody set user on 0644 file of root", setxattr(file, "user.t_n", "x", 1, 0));
		show("nobody set user on 0666 file", setxattr(ro, "user.t_n", "x", 1, 0));
		show("nobody set user on sticky dir", setxattr(dir, "user.t_n", "x", 1, 0));
		char buf[512];
		list("nobody list", listxattr(file, buf, sizeof buf), buf);
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
}

int main(int argc, char **argv) {
	if (argc < 3)
		return 2;
	setvbuf(stdout, NULL, _IONBF, 0);
	void *volatile bad = (void *)16; /* a pointer the compiler cannot see through */
	const char *dir = argv[1];
	char file[512], link[512], sticky[512], open666[512], fifo[512];
	mkdir(dir, 0755);
	snprintf(file, sizeof file, "%s/f", dir);
	snprintf(link, sizeof link, "%s/l", dir);
	snprintf(sticky, sizeof sticky, "%s/sticky", dir);
	snprintf(open666, sizeof open666, "%s/rw", dir);
	snprintf(fifo, sizeof fifo, "%s/fifo", dir);
	close(open(file, O_CREAT | O_WRONLY, 0644));
	close(open(open666, O_CREAT | O_WRONLY, 0666));
	chmod(open666, 0666);
	symlink("f", link);
	mkdir(sticky, 01777);
	chmod(sticky, 01777);
	mkfifo(fifo, 0644);

	show("set user.t_a", setxattr(file, "user.t_a", "alpha", 5, 0));
	show("set user.t_a CREATE again", setxattr(file, "user.t_a", "beta", 4, XATTR_CREATE));
	show("set user.t_b REPLACE missing", setxattr(file, "user.t_b", "beta", 4, XATTR_REPLACE));
	show("set user.t_a REPLACE", setxattr(file, "user.t_a", "gamma", 5, XATTR_REPLACE));
	show("set both flags", setxattr(file, "user.t_c", "x", 1, XATTR_CREATE | XATTR_REPLACE));
	show("set bad flags", setxattr(file, "user.t_c", "x", 1, 4));
	show("set empty value", setxattr(file, "user.t_e", "", 0, 0));
	show("set trusted", setxattr(file, "trusted.t_t", "tv", 2, 0));
	show("set security", setxattr(file, "security.t_s", "sv", 2, 0));
	show("set no namespace", setxattr(file, "t_plain", "x", 1, 0));
	show("set unknown namespace", setxattr(file, "other.t_x", "x", 1, 0));
	show("set prefix only", setxattr(file, "user.", "x", 1, 0));
	show("set empty name", setxattr(file, "", "x", 1, 0));
	char longname[300];
	memset(longname, 'n', sizeof longname);
	memcpy(longname, "user.", 5);
	longname[299] = 0;
	show("set long name", setxattr(file, longname, "x", 1, 0));
	static char big[65537];
	show("set 65537 bytes", setxattr(file, "user.t_big", big, sizeof big, 0));
	/* The most a filesystem takes is its own: ext4 fits a block. */
	show("set 2000 bytes", setxattr(file, "user.t_big", big, 2000, 0));
	show("set bad value pointer", setxattr(file, "user.t_bad", bad, 4, 0));
	show("set bad name pointer", setxattr(file, bad, "x", 1, 0));
	show("set missing file", setxattr("/nonexistent/x", "user.t_a", "x", 1, 0));

	getv("get user.t_a", file, "user.t_a");
	getv("get user.t_e", file, "user.t_e");
	getv("get trusted", file, "trusted.t_t");
	getv("get security", file, "security.t_s");
	getv("get missing", file, "user.t_missing");
	show("get size only", getxattr(file, "user.t_a", NULL, 0));
	char small[2];
	show("get short buffer", getxattr(file, "user.t_a", small, sizeof small));
	show("get big size", getxattr(file, "user.t_big", NULL, 0));
	show("get bad buffer", getxattr(file, "user.t_a", bad, 64));

	char buf[1024];
	list("list", listxattr(file, buf, sizeof buf), buf);
	long need = listxattr(file, NULL, 0);
	printf("list size matches: %d\n", need == listxattr(file, buf, sizeof buf));
	show("list short buffer", listxattr(file, buf, 3));

	// Symlinks: the l* forms act on the link, where user. is not allowed.
	getv("get through link", link, "user.t_a");
	show("lget on link", lgetxattr(link, "user.t_a", buf, sizeof buf));
	show("lset user on link", lsetxattr(link, "user.t_l", "x", 1, 0));
	show("lset trusted on link", lsetxattr(link, "trusted.t_l", "lv", 2, 0));
	show("lget trusted on link", lgetxattr(link, "trusted.t_l", buf, sizeof buf));
	list("llist link", llistxattr(link, buf, sizeof buf), buf);
	show("set user on fifo", setxattr(fifo, "user.t_f", "x", 1, 0));
	show("get user on fifo", getxattr(fifo, "user.t_f", buf, sizeof buf));

	// Descriptor forms.
	int fd = open(file, O_RDONLY);
	show("fset", fsetxattr(fd, "user.t_fd", "viafd", 5, 0));
	memset(buf, 0, sizeof buf);
	long r = fgetxattr(fd, "user.t_fd", buf, sizeof buf);
	printf("fget: %ld '%s'\n", r, r > 0 ? buf : "");
	list("flist", flistxattr(fd, buf, sizeof buf), buf);
	show("fremove", fremovexattr(fd, "user.t_fd"));
	show("fremove again", fremovexattr(fd, "user.t_fd"));
	close(fd);
	show("fget bad fd", fgetxattr(999, "user.t_a", buf, sizeof buf));
	int p[2];
	pipe(p);
	show("fset on pipe", fsetxattr(p[0], "user.t_p", "x", 1, 0));
	show("fget on pipe", fgetxattr(p[0], "user.t_p", buf, sizeof buf));

	// The *xattrat calls of Linux 6.13.
	struct {
		uint64_t value;
		uint32_t size, flags;
	} args = {(uint64_t)(uintptr_t) "atval", 5, 0};
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	show("setxattrat", syscall(SYS_setxattrat, dfd, "f", 0, "user.t_at", &args, sizeof args));
	memset(buf, 0, sizeof buf);
	args.value = (uint64_t)(uintptr_t)buf;
	args.size = sizeof buf;
	r = syscall(SYS_getxattrat, dfd, "f", 0, "user.t_at", &args, sizeof args);
	printf("getxattrat: %ld '%s'\n", r, r > 0 ? buf : "");
	show("getxattrat bad size", syscall(SYS_getxattrat, dfd, "f", 0, "user.t_at", &args, 8));
	show("getxattrat bad at flags", syscall(SYS_getxattrat, dfd, "f", 0x8000000, "user.t_at", &args, sizeof args));
	char lbuf[512];
	list("listxattrat", syscall(SYS_listxattrat, dfd, "f", 0, lbuf, sizeof lbuf), lbuf);
	show("removexattrat", syscall(SYS_removexattrat, dfd, "f", 0, "user.t_at"));
	close(dfd);

	show("remove user.t_e", removexattr(file, "user.t_e"));
	show("remove missing", removexattr(file, "user.t_e"));
	show("remove big", removexattr(file, "user.t_big"));
	list("list after removes", listxattr(file, buf, sizeof buf), buf);

	// Directories keep attributes too.
	show("set on dir", setxattr(dir, "user.t_d", "dv", 2, 0));
	getv("get on dir", dir, "user.t_d");

	unprivileged(sticky, file, open666);

	// A host file's own attribute, then changed (in memory under elfloader).
	getv("host get", argv[2], "user.origin");
	show("host set", setxattr(argv[2], "user.t_new", "n", 1, 0));
	getv("host get new", argv[2], "user.t_new");
	getv("host get origin after change", argv[2], "user.origin");
	list("host list", listxattr(argv[2], buf, sizeof buf), buf);
	return 0;
}
