/*
 * sig_ucontext: handlers that use the ucontext the kernel builds and that
 * rt_sigreturn restores. A SIGSEGV handler that makes the page writable and
 * returns (the faulting store is retried and succeeds); a handler that
 * reads the faulting registers from uc_mcontext (RIP equals si_addr's
 * instruction for ud2, a marker value in a register) and changes them (RIP
 * skips the ud2, RAX gets a new value) so the program resumes where the
 * handler says; a handler that changes an SSE register through the fpstate
 * in the frame; uc_sigmask in the frame holds the mask at interruption.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static char *page;
static long pagesize;
static volatile int segv_calls;

static void fix_page(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	(void)ucv;
	segv_calls++;
	if ((char *)si->si_addr >= page && (char *)si->si_addr < page + pagesize)
		mprotect(page, pagesize, PROT_READ | PROT_WRITE);
}

static volatile int rip_matches, rax_seen_ok, mask_had_usr2;

extern char ud2_here[];

static void skip_ud2(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	rip_matches = (uintptr_t)g[REG_RIP] == (uintptr_t)ud2_here && si->si_addr == (void *)ud2_here;
	rax_seen_ok = g[REG_RAX] == 0x1122334455667788LL;
	mask_had_usr2 = sigismember(&uc->uc_sigmask, SIGUSR2);
	g[REG_RIP] += 2; /* ud2 is two bytes */
	g[REG_RAX] = 0x0badc0de;
}

__attribute__((noinline)) static long run_ud2(void)
{
	long rax;
	__asm__ volatile("movabs $0x1122334455667788, %%rax\n"
			 ".globl ud2_here\nud2_here: ud2\n"
			 : "=a"(rax)
			 :
			 : "memory");
	return rax;
}

static void set_xmm0(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = ucv;
	/* xmm0 lives in the fpstate the kernel saved; change its low dword. */
	uc->uc_mcontext.fpregs->_xmm[0].element[0] = 0xfeedface;
}


int main(void)
{
	pagesize = sysconf(_SC_PAGESIZE);
	page = mmap(NULL, pagesize, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fix_page;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	page[10] = 42;
	printf("store retried after handler fixed the page: value=%d calls=%d\n", page[10], (int)segv_calls);

	sa.sa_sigaction = skip_ud2;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR1);
	sigaction(SIGILL, &sa, NULL);
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, NULL);
	long rax = run_ud2();
	printf("ud2 skipped: rip matched=%d rax seen=%d rax now=%#lx uc_sigmask has SIGUSR2=%d\n", rip_matches,
	       rax_seen_ok, rax, mask_had_usr2);
	sigset_t now;
	sigprocmask(SIG_SETMASK, NULL, &now);
	printf("after return: SIGUSR1 blocked=%d SIGUSR2 blocked=%d SIGILL blocked=%d\n", sigismember(&now, SIGUSR1),
	       sigismember(&now, SIGUSR2), sigismember(&now, SIGILL));
	sigprocmask(SIG_UNBLOCK, &block, NULL);

	/* The syscall in xmm0_after_signal is kill(getpid(), SIGUSR1). */
	sa.sa_sigaction = set_xmm0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	uint32_t x;
	{
		pid_t pid = getpid();
		__asm__ volatile("mov $0x11111111, %%eax\n movd %%eax, %%xmm0\n"
				 "mov $62, %%eax\n syscall\n"
				 "movd %%xmm0, %%eax\n"
				 : "=a"(x)
				 : "D"((long)pid), "S"((long)SIGUSR1)
				 : "rcx", "r11", "xmm0", "memory");
	}
	printf("xmm0 changed through the frame's fpstate: %#x\n", x);
	return 0;
}
