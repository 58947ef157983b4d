/* A system call without libc (no errno, no TLS): returns -errno on failure.
 * For C code that runs where libc must not (a fork child before it is
 * set up, pass-through with the app's FS base). */
#ifndef ELFLOADER_INPROC_RAWSYS_H
#define ELFLOADER_INPROC_RAWSYS_H

static inline long raw6(long nr, long a, long b, long c, long d, long e, long f) {
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#endif
