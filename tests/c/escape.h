/*
 * escape.h: a raw host system call from app code that gets past elfloader
 * on the in-process platform: it clears the Syscall User Dispatch selector
 * (%gs:16, where elfloader's per-thread context keeps it), makes the call,
 * and sets the selector again (back to elfloader). Natively %gs is 0 and
 * there is nothing to escape from: only run under elfloader.
 */
#ifndef ESCAPE_H
#define ESCAPE_H

static long host_syscall(long nr, long a, long b, long c, long d)
{
	long r;
	register long r10 __asm__("r10") = d;
	__asm__ volatile("movb $0, %%gs:16\n\t" /* SUD selector: allow */
			 "syscall\n\t"
			 "movb $1, %%gs:16" /* block again: back to elfloader */
			 : "=a"(r)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return r;
}

#endif
