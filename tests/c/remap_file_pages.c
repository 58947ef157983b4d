// remap_file_pages: Linux 4.0+'s emulation (the range of a MAP_SHARED file
// mapping maps the file again at pgoff), its page order, its sharing with
// the file, and its errors; compared with the native run.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "errname.h"

static long P;

static const char *res(long r)
{
	static char buf[32];
	if (r < 0)
		return errname(errno);
	snprintf(buf, sizeof buf, "%ld", r);
	return buf;
}

static long rfp(void *start, size_t size, int prot, size_t pgoff, int flags)
{
	return syscall(SYS_remap_file_pages, start, size, prot, pgoff, flags);
}

// show prints each page's marker (its first byte).
static void show(const char *what, char *base, int pages)
{
	printf("%s:", what);
	for (int i = 0; i < pages; i++)
		printf(" %c", base[i * P]);
	printf("\n");
}

int main(void)
{
	P = sysconf(_SC_PAGESIZE);
	char dir[] = "/tmp/rfp-XXXXXX";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	char path[64];
	snprintf(path, sizeof path, "%s/file", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror("open");
		return 1;
	}
	char *page = malloc(P);
	for (int i = 0; i < 4; i++) {
		memset(page, 'A' + i, P);
		if (pwrite(fd, page, P, i * P) != P) {
			perror("pwrite");
			return 1;
		}
	}

	char *m = mmap(NULL, 4 * P, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	show("mapped", m, 4);

	// Reverse the page order, one page at a time.
	for (int i = 0; i < 4; i++)
		printf("remap page %d to pgoff %d: %s\n", i, 3 - i, res(rfp(m + i * P, P, 0, 3 - i, 0)));
	show("reversed", m, 4);

	// The remapped pages are still the file's: a store shows in the file.
	m[0] = 'x';
	char c = 0;
	pread(fd, &c, 1, 3 * P);
	printf("store through page 0 reaches file page 3: %s\n", c == 'x' ? "yes" : "no");
	pwrite(fd, "D", 1, 3 * P);
	printf("file write seen at page 0: %c\n", m[0]);

	// One call across the four VMAs (same file, same flags) puts the
	// pages back in order; MAP_NONBLOCK is allowed.
	printf("remap all to pgoff 0: %s\n", res(rfp(m, 4 * P, 0, 0, 0)));
	show("restored", m, 4);
	printf("remap page 1 to pgoff 2 MAP_NONBLOCK: %s\n", res(rfp(m + P, P, 0, 2, MAP_NONBLOCK)));
	show("nonblock", m, 4);
	printf("unaligned start and size round down: %s\n", res(rfp(m + P + 5, P + 7, 0, 1, 0)));
	show("rounded", m, 4);

	// Errors.
	printf("prot != 0: %s\n", res(rfp(m, P, PROT_READ, 1, 0)));
	printf("flags MAP_FIXED (ignored): %s\n", res(rfp(m, P, 0, 1, MAP_FIXED)));
	show("after ignored flags", m, 4);
	printf("size 0: %s\n", res(rfp(m, 0, 0, 1, 0)));
	printf("past the mapping: %s\n", res(rfp(m + 2 * P, 3 * P, 0, 1, 0)));
	printf("wrapping pgoff: %s\n", res(rfp(m, 2 * P, 0, (size_t)-1, 0)));

	char *hole = mmap(NULL, P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(hole, P);
	printf("unmapped address: %s\n", res(rfp(hole, P, 0, 0, 0)));

	char *priv = mmap(NULL, 2 * P, PROT_READ, MAP_PRIVATE, fd, 0);
	printf("private file mapping: %s\n", res(rfp(priv, P, 0, 1, 0)));
	char *anon = mmap(NULL, 2 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("private anonymous mapping: %s\n", res(rfp(anon, P, 0, 1, 0)));

	// VMAs of the mapping with different protections cannot be spanned.
	printf("mprotect page 1 read-only: %s\n", res(mprotect(m + P, P, PROT_READ)));
	printf("span pages 0-1 of different protection: %s\n", res(rfp(m, 2 * P, 0, 0, 0)));
	// A remapped page keeps its VMA's protection.
	printf("remap read-only page 1 to pgoff 3: %s\n", res(rfp(m + P, P, 0, 3, 0)));
	show("read-only remapped", m, 4);

	// A second mapping of the file made read-only from the start.
	int rfd = open(path, O_RDONLY);
	char *r = mmap(NULL, 2 * P, PROT_READ, MAP_SHARED, rfd, 2 * P);
	show("second mapping", r, 2);
	printf("remap second mapping page 0 to pgoff 0: %s\n", res(rfp(r, P, 0, 0, 0)));
	show("second mapping", r, 2);
	printf("mprotect writable (file opened read-only): %s\n", res(mprotect(r, P, PROT_READ | PROT_WRITE)));

	munmap(m, 4 * P);
	munmap(r, 2 * P);
	close(fd);
	close(rfd);
	unlink(path);
	rmdir(dir);
	printf("done\n");
	return 0;
}
