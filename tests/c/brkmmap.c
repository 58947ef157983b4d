/*
 * brkmmap: exercises the memory-management system calls: brk growth and
 * shrink, malloc/free of many sizes, anonymous mmap/munmap/mprotect,
 * MAP_FIXED inside an own mapping, MAP_FIXED_NOREPLACE over an existing
 * mapping (EEXIST) and into a hole, madvise(MADV_DONTNEED) zeroing, and
 * argument errors. Prints one line per check plus checksums of the data
 * written; exits 0 only if every check passes. Addresses are never printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PAGE 4096UL

static int failures;

static void check(int ok, const char *name, const char *detail)
{
	if (ok) {
		printf("%s ok\n", name);
	} else {
		printf("FAIL %s: %s\n", name, detail);
		failures++;
	}
}

static void check_errno(long ret, int want, const char *name)
{
	char detail[96];
	int got = ret == -1 ? errno : 0;
	snprintf(detail, sizeof(detail), "ret=%ld errno=%d (%s), want errno %d (%s)",
		 ret, got, strerror(got), want, strerror(want));
	check(ret == -1 && got == want, name, detail);
}

/* fnv1a is a simple checksum of a byte range. */
static uint32_t fnv1a(const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 31 + seed);
}

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Results of the brk checks, gathered before stdio allocates anything. */
struct brk_results {
	int grew, shrank, zeroed, query_ok;
	uint32_t sum;
};

static struct brk_results test_brk(void)
{
	struct brk_results r = {0};
	uintptr_t start = (uintptr_t)syscall(SYS_brk, 0);
	r.query_ok = start != 0;
	uintptr_t want = start + 64 * PAGE;
	uintptr_t got = (uintptr_t)syscall(SYS_brk, want);
	r.grew = got == want;
	if (r.grew) {
		unsigned char *p = (unsigned char *)start;
		r.zeroed = all_zero(p, 64 * PAGE);
		fill(p, 64 * PAGE, 1);
		r.sum = fnv1a(p, 64 * PAGE);
		got = (uintptr_t)syscall(SYS_brk, start);
		r.shrank = got == start;
	}
	return r;
}

static void test_malloc(void)
{
	uint32_t total = 0;
	int ok = 1;
	void *blocks[64];
	size_t sizes[64];
	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < 64; i++) {
			/* 1 byte up to 2 MiB, crossing the mmap threshold. */
			sizes[i] = ((size_t)1 << (i % 22)) + (size_t)i * 3 + round;
			blocks[i] = malloc(sizes[i]);
			if (!blocks[i]) {
				ok = 0;
				continue;
			}
			fill(blocks[i], sizes[i], (unsigned)(i + round));
		}
		for (int i = 0; i < 64; i++) {
			if (!blocks[i])
				continue;
			total ^= fnv1a(blocks[i], sizes[i]) + (uint32_t)i;
			if (i % 2 == round % 2)
				free(blocks[i]), blocks[i] = NULL;
		}
		for (int i = 0; i < 64; i++)
			free(blocks[i]);
	}
	check(ok, "malloc many sizes", "malloc returned NULL");
	printf("malloc checksum=%08x\n", total);
}

static void test_mmap(void)
{
	char detail[128];
	size_t len = 16 * PAGE;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(p != MAP_FAILED, "mmap anonymous", strerror(errno));
	if (p == MAP_FAILED)
		return;
	check(((uintptr_t)p % PAGE) == 0, "mmap page aligned", "address not page aligned");
	check(all_zero(p, len), "mmap zero filled", "fresh anonymous memory is not zero");
	fill(p, len, 7);
	printf("mmap checksum=%08x\n", fnv1a(p, len));

	/* mprotect: read-only, then writable again. */
	check(mprotect(p, len, PROT_READ) == 0, "mprotect read-only", strerror(errno));
	check(mprotect(p, len, PROT_READ | PROT_WRITE) == 0, "mprotect read-write", strerror(errno));
	p[0] ^= 0xff;
	p[0] ^= 0xff;
	check(mprotect(p + PAGE, PAGE, PROT_NONE) == 0, "mprotect none", strerror(errno));
	check(mprotect(p + PAGE, PAGE, PROT_READ | PROT_WRITE) == 0, "mprotect restore", strerror(errno));
	check_errno(syscall(SYS_mprotect, p + 1, PAGE, PROT_READ), EINVAL, "mprotect unaligned EINVAL");

	/* MAP_FIXED over pages 2-3 of our own mapping replaces them with zeros. */
	unsigned char *fixed = mmap(p + 2 * PAGE, 2 * PAGE, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	check(fixed == p + 2 * PAGE, "mmap fixed inside own mapping", "wrong address or failure");
	check(all_zero(p + 2 * PAGE, 2 * PAGE), "mmap fixed zeroes", "replaced pages are not zero");
	unsigned char expect[PAGE];
	fill(expect, PAGE, 7);
	check(memcmp(p, expect, PAGE) == 0, "mmap fixed keeps neighbours", "page 0 changed");
	printf("after fixed checksum=%08x\n", fnv1a(p, len));

	/* MAP_FIXED_NOREPLACE over an existing mapping fails with EEXIST. */
	void *nr = mmap(p + 4 * PAGE, PAGE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	snprintf(detail, sizeof(detail), "got %s, errno %d (%s)",
		 nr == MAP_FAILED ? "MAP_FAILED" : "a mapping", errno, strerror(errno));
	check(nr == MAP_FAILED && errno == EEXIST, "mmap fixed_noreplace EEXIST", detail);
	if (nr != MAP_FAILED && nr != (void *)(p + 4 * PAGE))
		munmap(nr, PAGE);

	/* munmap one page in the middle, then NOREPLACE fills the hole. */
	check(munmap(p + 8 * PAGE, PAGE) == 0, "munmap middle page", strerror(errno));
	nr = mmap(p + 8 * PAGE, PAGE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	check(nr == (void *)(p + 8 * PAGE), "mmap fixed_noreplace into hole", strerror(errno));
	check(nr == MAP_FAILED || all_zero(nr, PAGE), "hole is zero", "refilled hole is not zero");

	/* madvise(MADV_DONTNEED) on private anonymous memory zeroes it. */
	fill(p + 10 * PAGE, 4 * PAGE, 3);
	check(madvise(p + 10 * PAGE, 4 * PAGE, MADV_DONTNEED) == 0, "madvise dontneed", strerror(errno));
	check(all_zero(p + 10 * PAGE, 4 * PAGE), "madvise dontneed zeroes", "memory kept its contents");
	check(memcmp(p, expect, PAGE) == 0, "madvise keeps other pages", "page 0 changed");

	check(munmap(p, len) == 0, "munmap whole", strerror(errno));
	/* Unmapping an unmapped range is not an error. */
	check(munmap(p, len) == 0, "munmap again", strerror(errno));

	/* Argument errors. */
	errno = 0;
	check_errno((long)(intptr_t)mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
		    EINVAL, "mmap zero length EINVAL");
	check_errno((long)(intptr_t)mmap(NULL, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0),
		    EINVAL, "mmap no sharing type EINVAL");
	check_errno(munmap((void *)(PAGE + 1), PAGE), EINVAL, "munmap unaligned EINVAL");

	/* A large mapping, touched sparsely. */
	size_t big = 64UL << 20;
	unsigned char *q = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(q != MAP_FAILED, "mmap 64 MiB", strerror(errno));
	if (q != MAP_FAILED) {
		for (size_t off = 0; off < big; off += 1 << 20)
			q[off] = (unsigned char)(off >> 20);
		uint32_t s = 0;
		for (size_t off = 0; off < big; off += 1 << 20)
			s = s * 31 + q[off];
		printf("sparse checksum=%08x\n", s);
		check(munmap(q, big) == 0, "munmap 64 MiB", strerror(errno));
	}
}

int main(void)
{
	struct brk_results b = test_brk();

	check(b.query_ok, "brk query", "brk(0) returned 0");
	check(b.grew, "brk grow", "brk did not move to the requested end");
	check(b.zeroed, "brk zero filled", "new brk memory is not zero");
	check(b.shrank, "brk shrink", "brk did not move back");
	printf("brk checksum=%08x\n", b.sum);

	test_malloc();
	test_mmap();

	printf(failures ? "FAIL brkmmap: %d failures\n" : "brkmmap ok\n", failures);
	return failures ? 1 : 0;
}
