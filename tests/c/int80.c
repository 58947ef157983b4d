/*
 * int80: i386 system calls made with int $0x80 from 64-bit code get i386
 * semantics (numbers and argument registers), never the x86-64 call of the
 * same number. The message lives below 4 GiB (MAP_32BIT) so that its
 * address fits the 32-bit argument registers in every variant.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static long int80(long nr, long a, long b, long c)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return r;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	char *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (low == MAP_FAILED) {
		printf("mmap(MAP_32BIT) failed\n");
		return 1;
	}
	strcpy(low, "int80 write\n");
	printf("getpid (i386 20) matches getpid(): %d\n", int80(20, 0, 0, 0) == getpid());
	printf("getppid (i386 64) matches getppid(): %d\n", int80(64, 0, 0, 0) == getppid());
	printf("write (i386 4) = %ld\n", int80(4, 1, (long)low, 12));
	printf("write to fd -1 = %ld\n", int80(4, 0xffffffffL, (long)low, 12));
	printf("i386 39 is mkdir, not x86-64 getpid: mkdir(NULL) = %ld\n", int80(39, 0, 0, 0));
	printf("kill(getpid(), 0) = %ld\n", int80(37, getpid(), 0, 0));
	printf("unknown i386 call 1000 = %ld\n", int80(1000, 0, 0, 0));
	int80(1, 7, 0, 0); /* i386 exit(7) */
	printf("still running after exit\n");
	return 0;
}
