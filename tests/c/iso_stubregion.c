/* The isolated platform's stub region [0x100000000000, 0x100004000000) is
 * never app memory: a hint there is not taken, MAP_FIXED over it fails
 * with ENOMEM, MAP_FIXED_NOREPLACE with EEXIST, and the memory stays
 * unreadable for the app's own syscalls (EFAULT). Run by
 * integration/isolated_test.go with --platform=isolated only. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#define STUB_START 0x100000000000UL
#define STUB_END 0x100004000000UL

int main(void) {
	void *hint = (void *)(STUB_START + 0x100000);
	char *p = mmap(hint, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t a = (uintptr_t)p;
	printf("hint in the region: mapped %d, outside %d\n", p != MAP_FAILED, a + 4096 <= STUB_START || a >= STUB_END);
	p[0] = 1;
	void *f = mmap(hint, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	printf("MAP_FIXED: %s\n", f == MAP_FAILED && errno == ENOMEM ? "ENOMEM" : "mapped");
	f = mmap(hint, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	printf("MAP_FIXED_NOREPLACE: %s\n", f == MAP_FAILED && errno == EEXIST ? "EEXIST" : "mapped");
	errno = 0;
	ssize_t n = write(1, (void *)STUB_START, 16);
	printf("write from the region: %zd errno %s\n", n, errno == EFAULT ? "EFAULT" : "other");
	printf("munmap of the region: %d\n", munmap((void *)STUB_START, STUB_END - STUB_START));
	printf("mprotect of the region: %s\n", mprotect((void *)STUB_START, 4096, PROT_READ) != 0 && errno == ENOMEM ? "ENOMEM" : "changed");
	return 0;
}
