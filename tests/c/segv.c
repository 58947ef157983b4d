/*
 * segv: prints a line, flushes it, then stores to address 0x10 so that the
 * process dies of SIGSEGV (status 139). The faulting instruction is a mov.
 */
#include <stdio.h>

int main(void)
{
	printf("about to fault\n");
	fflush(stdout);
	*(volatile int *)0x10 = 42;
	printf("still alive\n");
	return 0;
}
