// A file that elfloader maps straight from an image (an ELF file stored
// uncompressed, format 1.2) behaves as a tmpfs file: read and a private
// mapping show the same bytes, a private mapping's writes stay private,
// a write to the file changes the file (elfloader copies it out of the
// image first), a shared mapping shows the writes and its own stores reach
// the file, truncate and append work. argv[1] is such a file (natively: a
// copy of the same ELF file), which the program may change.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

// fnv is FNV-1a of n bytes.
static uint64_t fnv(const unsigned char *p, size_t n) {
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static sigjmp_buf busJump;

static void onBus(int sig) { siglongjmp(busJump, sig); }

// touchFaults reads p and reports the signal that stopped it (0: none).
static int touchFaults(volatile unsigned char *p) {
	struct sigaction sa = {0}, old;
	sa.sa_handler = onBus;
	sigaction(SIGBUS, &sa, &old);
	int sig = sigsetjmp(busJump, 1);
	if (sig == 0) {
		(void)*p;
	}
	sigaction(SIGBUS, &old, NULL);
	return sig;
}

// fileSum reads the whole file with pread and hashes it.
static uint64_t fileSum(int fd, off_t *size) {
	struct stat st;
	if (fstat(fd, &st) < 0) {
		printf("fstat: errno %d\n", errno);
		exit(1);
	}
	unsigned char *buf = malloc(st.st_size + 1);
	off_t got = 0;
	while (got < st.st_size) {
		ssize_t r = pread(fd, buf + got, st.st_size - got, got);
		if (r <= 0) {
			printf("pread: %zd errno %d\n", r, errno);
			exit(1);
		}
		got += r;
	}
	*size = st.st_size;
	uint64_t h = fnv(buf, st.st_size);
	free(buf);
	return h;
}

int main(int argc, char **argv) {
	if (argc < 2)
		return 2;
	long page = sysconf(_SC_PAGESIZE);
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		printf("open: errno %d\n", errno);
		return 1;
	}
	off_t size;
	uint64_t sum = fileSum(fd, &size);
	printf("read: size %lld sum %016llx\n", (long long)size, (unsigned long long)sum);

	// A private read-only mapping shows the same bytes, zeros past the end
	// of the file in its last page.
	size_t mlen = (size + page - 1) / page * page;
	unsigned char *m = mmap(NULL, mlen, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED) {
		printf("mmap private: errno %d\n", errno);
		return 1;
	}
	int tailZero = 1;
	for (size_t i = size; i < mlen; i++)
		tailZero &= m[i] == 0;
	printf("private map: sum %016llx, magic %.3s, tail zero %d\n", (unsigned long long)fnv(m, size), m + 1, tailZero);
	// At an offset, a page into the file.
	if (size > 2 * page) {
		unsigned char *m2 = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, page);
		printf("private map at one page: same %d\n", m2 != MAP_FAILED && memcmp(m2, m + page, page) == 0);
		munmap(m2, page);
	}
	munmap(m, mlen);

	// A private mapping two pages longer than the file (ld.so reserves a
	// library's whole span so): the file's pages as before, and past them
	// SIGBUS, never the bytes of whatever follows the file.
	m = mmap(NULL, mlen + 2 * page, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED) {
		printf("mmap past the end: errno %d\n", errno);
		return 1;
	}
	printf("map past the end: sum %016llx, next page signal %d, last page signal %d\n",
	       (unsigned long long)fnv(m, size), touchFaults(m + mlen), touchFaults(m + mlen + page));
	munmap(m, mlen + 2 * page);

	// A private writable mapping: its stores stay in the process.
	m = mmap(NULL, mlen, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	memcpy(m + 16, "private!", 8);
	off_t s2;
	uint64_t after = fileSum(fd, &s2);
	printf("private store: file sum %016llx (unchanged %d)\n", (unsigned long long)after, after == sum);
	munmap(m, mlen);
	close(fd);

	// Writing the file changes it for everyone who opens it afterwards.
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		printf("open rw: errno %d\n", errno);
		return 1;
	}
	if (pwrite(fd, "WRITTEN", 7, 100) != 7)
		printf("pwrite: errno %d\n", errno);
	char back[8] = {0};
	pread(fd, back, 7, 100);
	int fd2 = open(argv[1], O_RDONLY);
	char back2[8] = {0};
	pread(fd2, back2, 7, 100);
	printf("after write: %s, other open %s, sum %016llx\n", back, back2, (unsigned long long)fileSum(fd, &s2));

	// A shared mapping shows the write, and its stores reach the file.
	unsigned char *s = mmap(NULL, mlen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (s == MAP_FAILED) {
		printf("mmap shared: errno %d\n", errno);
		return 1;
	}
	printf("shared map sees: %.7s\n", s + 100);
	memcpy(s + 200, "SHARED", 6);
	msync(s, mlen, MS_SYNC);
	char back3[8] = {0};
	pread(fd2, back3, 6, 200);
	printf("shared store read back: %s, sum %016llx\n", back3, (unsigned long long)fileSum(fd2, &s2));
	// A private mapping made now shows the file as it is now.
	m = mmap(NULL, mlen, PROT_READ, MAP_PRIVATE, fd2, 0);
	printf("private map after writes: %.7s %.6s, sum %016llx\n", m + 100, m + 200, (unsigned long long)fnv(m, size));
	munmap(m, mlen);
	munmap(s, mlen);

	// Truncate and append.
	if (ftruncate(fd, 1000) < 0)
		printf("ftruncate: errno %d\n", errno);
	int fa = open(argv[1], O_WRONLY | O_APPEND);
	write(fa, "tail", 4);
	after = fileSum(fd2, &s2);
	printf("after truncate+append: sum %016llx size %lld\n", (unsigned long long)after, (long long)s2);
	close(fa);
	close(fd2);
	close(fd);
	return 0;
}
