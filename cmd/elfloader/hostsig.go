package main

/*
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

// The signals elfloader's parent started it with ignored, recorded by a
// constructor before the Go runtime installs its own handlers (after that,
// sigaction no longer tells). The raw system call, not libc's sigaction:
// glibc refuses to report signals 32 and 33, which it keeps for itself,
// and a parent may have ignored them too.
static uint64_t elfloader_ignored_at_start;

struct elfloader_ksigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

__attribute__((constructor)) static void elfloader_record_ignored(void) {
	for (int s = 1; s <= 64; s++) {
		struct elfloader_ksigaction sa;
		if (s == SIGKILL || s == SIGSTOP)
			continue;
		if (syscall(SYS_rt_sigaction, s, NULL, &sa, sizeof sa.mask) == 0 && sa.handler == (void *)SIG_IGN)
			elfloader_ignored_at_start |= 1ULL << (s - 1);
	}
}

static uint64_t elfloader_ignored(void) { return elfloader_ignored_at_start; }
*/
import "C"

// ignoredAtStart returns the signals elfloader was started with ignored
// (bit N-1 for signal N): the app's first process starts with them
// ignored, as the program exec'd by the same parent would (`nohup
// elfloader run …` keeps SIGHUP ignored; signal(7): ignored dispositions
// survive execve).
func ignoredAtStart() uint64 { return uint64(C.elfloader_ignored()) }
