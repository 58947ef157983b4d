// loop: loop devices through /dev/loop-control and /dev/loopN, as
// losetup drives them, and an ext2 image (argv[1], made by mke2fs -d)
// mounted read-only from one. Run as root natively inside a private mount
// namespace (the loop device is the host's, released at the end) and
// under elfloader (its own loop devices, backed by vfs files). Device
// numbers differ between the runs: the program prints how they relate.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "show.h"

// The loop and block requests from <linux/loop.h> and <linux/fs.h>, which
// are not in musl's include path.
#define LOOP_SET_FD 0x4C00
#define LOOP_CLR_FD 0x4C01
#define LOOP_SET_STATUS64 0x4C04
#define LOOP_GET_STATUS64 0x4C05
#define LOOP_CONFIGURE 0x4C0A
#define LOOP_CTL_REMOVE 0x4C81
#define LOOP_CTL_GET_FREE 0x4C82
#define LO_FLAGS_READ_ONLY 1
#ifndef BLKGETSIZE64
#define BLKROGET 0x125e
#define BLKGETSIZE 0x1260
#define BLKSSZGET 0x1268
#define BLKGETSIZE64 0x80081272
#endif

struct loop_info64 {
	uint64_t lo_device, lo_inode, lo_rdevice, lo_offset, lo_sizelimit;
	uint32_t lo_number, lo_encrypt_type, lo_encrypt_key_size, lo_flags;
	uint8_t lo_file_name[64], lo_crypt_name[64], lo_encrypt_key[32];
	uint64_t lo_init[2];
};

struct loop_config {
	uint32_t fd, block_size;
	struct loop_info64 info;
	uint64_t reserved[8];
};

static char dir[64], scratch[96];
static int number;

static char *loop_path(int n) {
	static char p[32];
	snprintf(p, sizeof p, "/dev/loop%d", n);
	return p;
}

static int free_device(void) {
	int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		printf("open loop-control: errno %d\n", errno);
		return -1;
	}
	int n = ioctl(ctl, LOOP_CTL_GET_FREE);
	show("LOOP_CTL_REMOVE missing", ioctl(ctl, LOOP_CTL_REMOVE, 1 << 19));
	close(ctl);
	return n;
}

static void status(int fd, const char *what) {
	struct loop_info64 info;
	memset(&info, 0, sizeof info);
	if (ioctl(fd, LOOP_GET_STATUS64, &info) < 0) {
		printf("%s: status errno %d\n", what, errno);
		return;
	}
	printf("%s: number_ok=%d offset=%llu sizelimit=%llu flags=%#x name=\"%s\"\n", what, (int)info.lo_number == number,
	       (unsigned long long)info.lo_offset, (unsigned long long)info.lo_sizelimit, info.lo_flags,
	       (char *)info.lo_file_name);
}

static void block_size(int fd, const char *what) {
	uint64_t bytes = 0;
	unsigned long sectors = 0;
	int ssz = 0, ro = -1;
	show("BLKGETSIZE64", ioctl(fd, BLKGETSIZE64, &bytes));
	show("BLKGETSIZE", ioctl(fd, BLKGETSIZE, &sectors));
	show("BLKSSZGET", ioctl(fd, BLKSSZGET, &ssz));
	show("BLKROGET", ioctl(fd, BLKROGET, &ro));
	printf("%s: %llu bytes, %lu sectors, sector size %d, ro %d\n", what, (unsigned long long)bytes, sectors, ssz, ro);
}

// backed_by_file binds a scratch file with LOOP_SET_FD, writes through
// the device and reads the file back.
static void backed_by_file(void) {
	int file = open(scratch, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	show("ftruncate backing", ftruncate(file, 1 << 16));
	int dev = open(loop_path(number), O_RDWR | O_CLOEXEC);
	show("open loop", dev >= 0 ? 0 : -1);
	status(dev, "unbound");
	show("LOOP_CLR_FD unbound", ioctl(dev, LOOP_CLR_FD, 0));
	show("LOOP_SET_FD bad fd", ioctl(dev, LOOP_SET_FD, 999));
	show("LOOP_SET_FD itself", ioctl(dev, LOOP_SET_FD, dev));
	int dir_fd = open("/", O_RDONLY | O_DIRECTORY);
	show("LOOP_SET_FD a directory", ioctl(dev, LOOP_SET_FD, dir_fd));
	close(dir_fd);
	show("LOOP_SET_FD", ioctl(dev, LOOP_SET_FD, file));
	show("LOOP_SET_FD again", ioctl(dev, LOOP_SET_FD, file));
	status(dev, "bound");
	block_size(dev, "bound");
	show("pwrite loop", pwrite(dev, "through the loop", 16, 4096));
	show("fsync loop", fsync(dev));
	char buf[17] = "";
	show("pread backing", pread(file, buf, 16, 4096));
	printf("backing has \"%s\"\n", buf);
	show("lseek end", lseek(dev, 0, SEEK_END));

	struct loop_info64 info;
	memset(&info, 0, sizeof info);
	ioctl(dev, LOOP_GET_STATUS64, &info);
	info.lo_offset = 4096;
	info.lo_sizelimit = 8192;
	strcpy((char *)info.lo_file_name, "renamed");
	show("LOOP_SET_STATUS64", ioctl(dev, LOOP_SET_STATUS64, &info));
	status(dev, "offset");
	block_size(dev, "offset");
	memset(buf, 0, sizeof buf);
	show("pread at the offset", pread(dev, buf, 16, 0));
	printf("loop has \"%s\"\n", buf);
	show("pread past the limit", pread(dev, buf, 16, 8192));
	show("LOOP_CLR_FD", ioctl(dev, LOOP_CLR_FD, 0));
	status(dev, "cleared");
	close(dev);
	close(file);
	unlink(scratch);
}

static void list(const char *path) {
	DIR *d = opendir(path);
	struct dirent *e;
	printf("ls %s:", path + strlen(dir));
	while (d && (e = readdir(d)))
		printf(" %s(%d)", e->d_name, e->d_type);
	printf("\n");
	if (d)
		closedir(d);
}

static void cat(const char *name) {
	char path[128], buf[64] = "";
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	printf("cat %s: %zd \"%s\" errno %d\n", name, n, n > 0 ? buf : "", n < 0 ? errno : 0);
	if (fd >= 0)
		close(fd);
}

static void mountinfo(void) {
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[1024];
	while (f && fgets(line, sizeof line, f)) {
		char root[256], point[256], opts[256], type[64], source[64];
		char *dash = strstr(line, " - ");
		if (dash && sscanf(line, "%*d %*d %*s %255s %255s %255s", root, point, opts) == 3 &&
		    sscanf(dash, " - %63s %63s", type, source) == 2 && strcmp(point, dir) == 0) {
			int n = -1;
			sscanf(source, "/dev/loop%d", &n);
			printf("mountinfo: root=%s opts=%s type=%s source_is_our_loop=%d\n", root, opts, type, n == number);
		}
	}
	if (f)
		fclose(f);
}

// ext2_image configures the device over the image with LOOP_CONFIGURE,
// mounts it read-only and reads it.
static void ext2_image(const char *image) {
	int img = open(image, O_RDONLY | O_CLOEXEC);
	int dev = open(loop_path(number), O_RDWR | O_CLOEXEC);
	struct loop_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.fd = img;
	cfg.info.lo_flags = 0x4000; // unknown
	show("LOOP_CONFIGURE bad flags", ioctl(dev, LOOP_CONFIGURE, &cfg));
	cfg.info.lo_flags = LO_FLAGS_READ_ONLY;
	strcpy((char *)cfg.info.lo_file_name, "image");
	show("LOOP_CONFIGURE", ioctl(dev, LOOP_CONFIGURE, &cfg));
	status(dev, "image");
	show("write to a read-only loop", pwrite(dev, "x", 1, 0));
	close(img);

	show("mount ext2 from a file", mount(image, dir, "ext2", MS_RDONLY, NULL));
	show("mount ext2", mount(loop_path(number), dir, "ext2", MS_RDONLY, NULL));
	mountinfo();
	struct statfs s;
	show("statfs", statfs(dir, &s));
	printf("f_type %#lx f_bsize %ld f_flags %#lx\n", (unsigned long)s.f_type, (long)s.f_bsize, (unsigned long)s.f_flags);
	list(dir);
	char sub[128];
	snprintf(sub, sizeof sub, "%s/dir", dir);
	list(sub);
	cat("hello.txt");
	cat("dir/nested.txt");
	cat("link");
	cat("missing");
	char target[64] = "";
	snprintf(sub, sizeof sub, "%s/link", dir);
	show("readlink", readlink(sub, target, sizeof target - 1));
	printf("link -> %s\n", target);
	struct stat st;
	snprintf(sub, sizeof sub, "%s/big", dir);
	show("stat big", stat(sub, &st));
	printf("big: size %lld mode %o nlink %ld\n", (long long)st.st_size, st.st_mode, (long)st.st_nlink);
	int big = open(sub, O_RDONLY);
	char tail[9] = "";
	show("pread big tail", pread(big, tail, 8, st.st_size - 8));
	printf("big ends with \"%s\"\n", tail);
	close(big);
	snprintf(sub, sizeof sub, "%s/new", dir);
	show("create on ext2", open(sub, O_WRONLY | O_CREAT, 0644));
	show("LOOP_CLR_FD while mounted (autoclear)", ioctl(dev, LOOP_CLR_FD, 0));
	cat("hello.txt");
	show("umount", umount(dir));
	status(dev, "after umount");
	close(dev);
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 2)
		return 2;
	strcpy(dir, "/tmp/loopmnt.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(scratch, sizeof scratch, "%s.backing", dir);
	number = free_device();
	show("free device", number >= 0 ? 0 : -1);
	if (number < 0)
		return 1;
	backed_by_file();
	ext2_image(argv[1]);
	show("rmdir", rmdir(dir));
	return 0;
}
