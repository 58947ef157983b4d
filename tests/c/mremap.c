// mremap: mremap's moves and errors, msync, mincore and the mlock family,
// compared with the native run. Prints no addresses, only relations.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

#include "errname.h"


static long P;

static const char *res(long r) {
	static char buf[32];
	if (r < 0)
		snprintf(buf, sizeof buf, "-1 %s", errname(errno));
	else
		snprintf(buf, sizeof buf, "%ld", r);
	return buf;
}

static void *remap(void *old, size_t o, size_t n, int flags, void *new_addr) {
	return (void *)syscall(SYS_mremap, old, o, n, flags, new_addr);
}

static const char *mres(void *p) {
	return p == MAP_FAILED ? res(-1) : "ok";
}

static void fill(char *p, size_t n, int seed) {
	for (size_t i = 0; i < n; i++)
		p[i] = (char)(i * 7 + seed);
}

static int check(const char *p, size_t n, int seed) {
	for (size_t i = 0; i < n; i++)
		if (p[i] != (char)(i * 7 + seed))
			return 0;
	return 1;
}

static char *anon(size_t n) {
	return mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

// hole returns an address with nothing mapped (a page mapped and unmapped
// again just now).
static char *hole(void) {
	char *p = anon(P);
	munmap(p, P);
	return p;
}

static int mapped(void *p) {
	unsigned char v;
	return mincore(p, P, &v) == 0;
}

int main(void) {
	P = sysconf(_SC_PAGESIZE);
	char *a = anon(2 * P);
	fill(a, 2 * P, 1);
	char *b = remap(a, 2 * P, 64 * P, MREMAP_MAYMOVE, NULL);
	printf("grow maymove %s preserved %d\n", mres(b), check(b, 2 * P, 1));
	b[64 * P - 1] = 1;
	char *c = remap(b, 64 * P, 3 * P, 0, NULL);
	printf("shrink same address %d preserved %d tail unmapped %d\n", c == b, check(c, 2 * P, 1), !mapped(b + 3 * P));

	char *r = anon(4 * P);
	printf("grow into own mapping %s\n", mres(remap(r, 2 * P, 3 * P, 0, NULL)));
	munmap(r + 2 * P, 2 * P);
	fill(r, 2 * P, 2);
	char *g = remap(r, 2 * P, 4 * P, 0, NULL);
	printf("grow in place %s same %d preserved %d\n", mres(g), g == r, check(r, 2 * P, 2));
	r[4 * P - 1] = 5;

	char *src = anon(P), *target = anon(3 * P);
	fill(src, P, 3);
	target[2 * P] = 42;
	char *f = remap(src, P, P, MREMAP_MAYMOVE | MREMAP_FIXED, target);
	printf("fixed %s at target %d preserved %d old gone %d rest of target kept %d\n", mres(f), f == target,
	       check(target, P, 3), !mapped(src), target[2 * P] == 42);

	char *d = anon(P);
	fill(d, P, 4);
	char *dn = remap(d, P, P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	printf("dontunmap %s moved %d new preserved %d old still mapped %d old reads zero %d\n", mres(dn), dn != d,
	       check(dn, P, 4), mapped(d), d[0] == 0 && d[P - 1] == 0);

	printf("unaligned %s\n", mres(remap(a + 1, P, 2 * P, MREMAP_MAYMOVE, NULL)));
	printf("fixed without maymove %s\n", mres(remap(c, P, P, MREMAP_FIXED, target)));
	printf("new size 0 %s\n", mres(remap(c, P, 0, MREMAP_MAYMOVE, NULL)));
	printf("bad flags %s\n", mres(remap(c, P, P, 0x100, NULL)));
	printf("dontunmap resize %s\n", mres(remap(c, P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL)));
	printf("unmapped %s\n", mres(remap(hole(), P, 2 * P, MREMAP_MAYMOVE, NULL)));
	printf("beyond mapping %s\n", mres(remap(c, 8 * P, 9 * P, MREMAP_MAYMOVE, NULL)));
	printf("fixed overlapping %s\n", mres(remap(c, P, P, MREMAP_MAYMOVE | MREMAP_FIXED, c)));

	// realloc of a large block uses mremap in glibc.
	char *m = malloc(1 << 20);
	fill(m, 1 << 20, 5);
	m = realloc(m, 8 << 20);
	printf("realloc preserved %d\n", check(m, 1 << 20, 5));
	free(m);

	// A shared file mapping moves with its file.
	char path[] = "/tmp/mremap-XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	ftruncate(fd, 2 * P);
	char *fm = mmap(NULL, P, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	strcpy(fm, "file page");
	char *fm2 = remap(fm, P, 2 * P, MREMAP_MAYMOVE, NULL);
	strcpy(fm2 + P, "second page");
	char buf[32] = {0};
	pread(fd, buf, sizeof buf - 1, P);
	printf("file remap %s reads %s, file sees %s\n", mres(fm2), fm2, buf);
	printf("msync %s\n", res(msync(fm2, 2 * P, MS_SYNC)));
	printf("msync async+sync %s\n", res(msync(fm2, P, MS_SYNC | MS_ASYNC)));
	printf("msync bad flag %s\n", res(msync(fm2, P, 8)));
	printf("msync unaligned %s\n", res(msync(fm2 + 1, P, MS_SYNC)));
	printf("msync unmapped %s\n", res(msync(hole(), P, MS_SYNC)));

	unsigned char vec[4] = {9, 9, 9, 9};
	char *mc = anon(4 * P);
	mc[0] = 1;
	mc[2 * P] = 1;
	printf("mincore %s", res(mincore(mc, 4 * P, vec)));
	printf(" touched %d %d\n", vec[0] & 1, vec[2] & 1);
	printf("mincore unaligned %s\n", res(mincore(mc + 1, P, vec)));
	printf("mincore unmapped %s\n", res(mincore(hole(), P, vec)));
	printf("mincore bad vec %s\n", res(mincore(mc, P, (unsigned char *)8)));

	printf("mlock %s\n", res(mlock(mc, 2 * P)));
	printf("mlock unaligned %s\n", res(mlock(mc + 10, P)));
	printf("munlock %s\n", res(munlock(mc, 2 * P)));
	printf("mlock unmapped %s\n", res(mlock(hole(), P)));
	printf("mlock2 onfault %s\n", res(syscall(SYS_mlock2, mc, P, MLOCK_ONFAULT)));
	printf("mlock2 bad flags %s\n", res(syscall(SYS_mlock2, mc, P, 2)));
	printf("mlockall 0 %s\n", res(mlockall(0)));
	printf("mlockall onfault alone %s\n", res(mlockall(MCL_ONFAULT)));
	printf("mlockall future %s\n", res(mlockall(MCL_FUTURE)));
	printf("munlockall %s\n", res(munlockall()));
	return 0;
}
