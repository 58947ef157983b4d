/*
 * int80_probe: exits 0 when the host serves int $0x80 to 64-bit code
 * (i386 getpid returns the pid). A host without the gate (Linux booted
 * with ia32_emulation=0, some hypervisors) kills it with SIGSEGV: the
 * int $0x80 tests then check elfloader's answers against Linux's known
 * ones instead of the native run's.
 */
#include <unistd.h>

int main(void)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
	return r == getpid() ? 0 : 1;
}
