// mseal(2): the argument rules, then a sealed range refusing munmap,
// mremap (in place, moved, and as a target), mmap over it, mprotect, a
// discard of read-only anonymous memory, while reads, writes and harmless
// advice still work; a forked child keeps the seals.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "show.h"

#define NR_mseal 462

static long seal(void *p, size_t len, unsigned long flags) { return syscall(NR_mseal, p, len, flags); }

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	char *p = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	show("flags", seal(p, 4096, 1));
	show("unaligned", seal(p + 1, 4096, 0));
	show("zero length", seal(p, 0, 0));
	munmap(p + 7 * 4096, 4096); /* a hole at page 7, inside the range below */
	show("over a hole", seal(p + 5 * 4096, 3 * 4096, 0));
	show("nothing sealed: munmap works", munmap(p + 6 * 4096, 4096));
	show("overflow", seal(p, (size_t)-4096, 0));

	show("seal two pages", seal(p + 4096, 2 * 4096, 0));
	show("seal again", seal(p + 4096, 2 * 4096, 0));
	p[4096] = 'x';
	printf("write and read sealed memory: %c\n", p[4096]);
	show("munmap sealed", munmap(p + 4096, 4096));
	show("munmap across the seal", munmap(p, 8 * 4096));
	show("munmap beside it", munmap(p + 5 * 4096, 4096));
	show("mprotect sealed", mprotect(p + 4096, 4096, PROT_READ));
	show("mprotect beside it", mprotect(p, 4096, PROT_READ));
	void *r = mremap(p + 4096, 4096, 8192, 0);
	show("mremap grow in place", r == MAP_FAILED ? -1 : 0);
	r = mremap(p + 4096, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, p + 20 * 4096);
	show("mremap move", r == MAP_FAILED ? -1 : 0);
	char *q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	r = mremap(q, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, p + 4096);
	show("mremap onto the seal", r == MAP_FAILED ? -1 : 0);
	r = mmap(p + 4096, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	show("mmap over the seal", r == MAP_FAILED ? -1 : 0);
	show("madvise WILLNEED sealed", madvise(p + 4096, 4096, MADV_WILLNEED));
	show("madvise DONTNEED sealed writable", madvise(p + 4096, 4096, MADV_DONTNEED));
	printf("  after DONTNEED: %d\n", p[4096]);

	// Read-only anonymous memory, sealed: discards are refused.
	char *ro = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro[0] = 'r';
	mprotect(ro, 2 * 4096, PROT_READ);
	show("seal read-only", seal(ro, 2 * 4096, 0));
	show("madvise DONTNEED sealed read-only", madvise(ro, 4096, MADV_DONTNEED));
	show("madvise FREE sealed read-only", madvise(ro, 4096, MADV_FREE));
	show("madvise COLD sealed read-only", madvise(ro, 4096, MADV_COLD));
	printf("  still there: %c\n", ro[0]);

	pid_t pid = fork();
	if (pid == 0) {
		show("child munmap sealed", munmap(p + 4096, 4096));
		show("child mprotect sealed", mprotect(ro, 4096, PROT_READ | PROT_WRITE));
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	return 0;
}
