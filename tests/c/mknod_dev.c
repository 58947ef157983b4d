// mknod of device nodes: as root a char node with /dev/null's or
// /dev/zero's numbers works like them wherever it is made; numbers
// without a driver give ENXIO at open; nobody gets EPERM; S_IFDIR EPERM and
// a bad type EINVAL. Run as root; argv[1] is a scratch directory to create.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "show.h"

int main(int argc, char **argv) {
	if (argc < 2)
		return 2;
	setvbuf(stdout, NULL, _IONBF, 0);
	char p[512];
	mkdir(argv[1], 0755);
	umask(0);
	snprintf(p, sizeof p, "%s/mynull", argv[1]);
	show("mknod c 1 3", mknod(p, S_IFCHR | 0666, makedev(1, 3)));
	struct stat st;
	stat(p, &st);
	printf("stat: chr %d rdev %u:%u mode %o\n", S_ISCHR(st.st_mode), major(st.st_rdev), minor(st.st_rdev), st.st_mode & 0777);
	int fd = open(p, O_RDWR);
	show("write to it", write(fd, "abc", 3));
	char buf[8];
	show("read from it", read(fd, buf, sizeof buf));
	close(fd);
	snprintf(p, sizeof p, "%s/myzero", argv[1]);
	show("mknodat c 1 5", mknodat(AT_FDCWD, p, S_IFCHR | 0644, makedev(1, 5)));
	fd = open(p, O_RDONLY);
	memset(buf, 'x', sizeof buf);
	show("read zeros", read(fd, buf, sizeof buf));
	printf("  zero: %d\n", buf[0] == 0 && buf[7] == 0);
	close(fd);
	show("mknod again", mknod(p, S_IFCHR | 0644, makedev(1, 5)));
	snprintf(p, sizeof p, "%s/nodriver", argv[1]);
	show("mknod c 240 7", mknod(p, S_IFCHR | 0644, makedev(240, 7)));
	show("open a node without a driver", open(p, O_RDONLY));
	snprintf(p, sizeof p, "%s/dir", argv[1]);
	show("mknod S_IFDIR", mknod(p, S_IFDIR | 0755, 0));
	show("mknod bad type", mknod(p, 0170000 | 0644, 0));
	snprintf(p, sizeof p, "%s/plain", argv[1]);
	show("mknod regular with a device number", mknod(p, S_IFREG | 0644, makedev(1, 3)));
	stat(p, &st);
	printf("regular rdev: %u:%u\n", major(st.st_rdev), minor(st.st_rdev));
	pid_t pid = fork();
	if (pid == 0) {
		setgid(65534);
		setuid(65534);
		snprintf(p, sizeof p, "%s/byNobody", argv[1]);
		show("nobody mknod c 1 3", mknod(p, S_IFCHR | 0666, makedev(1, 3)));
		snprintf(p, sizeof p, "%s/mynull", argv[1]);
		int f = open(p, O_WRONLY);
		show("nobody writes the root's null node", write(f, "x", 1));
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	return 0;
}
