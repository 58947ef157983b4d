/*
 * escape_isolated: app code that tries every way out of its stub process
 * on the isolated platform (issue #13). argv[1] is a host path that
 * nothing may create; every attempt below tries to create it.
 *
 * 1. It clears the Syscall User Dispatch selector as in-process escapes do
 *    (%gs:16; a stub has no such thing: a fault) and makes a raw syscall
 *    and an int $0x80: both must be served by elfloader, not the host.
 * 2. It finds every syscall instruction (0f 05) in its executable mappings
 *    (/proc/self/maps) and in the stub's region (STUB_START, found by
 *    probing, as an attacker who knows the layout would) and jumps to
 *    each in a forked child: with openat's number, and for the stub's
 *    sites also with the number its `mov $nr, %eax` names. The stub's
 *    seccomp filter must trap each one to elfloader.
 * 3. A forked child overwrites every writable page of the stub region (the
 *    stub's data, stacks, the memory it shares with elfloader), then asks
 *    for memory (a command to the stub's control thread, whose stack is
 *    garbage now): its stub breaks, elfloader must end that process cleanly.
 * 4. The program goes on (another child runs and exits 7), then breaks its
 *    own stub the same way: elfloader reports the death in one line.
 *
 * Children that hang are killed after a bound. Prints only deterministic
 * lines; runs only under elfloader --platform=isolated.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STUB_START 0x100000000000UL
#define STUB_LEN (64UL << 20)
#define PAGE 4096UL
#define MAX_SITES 8192

static sigjmp_buf fault_env;
static char host_path[4096]; /* in .bss: below 4 GiB for int $0x80 */

struct site {
	uintptr_t addr;
	long nr; /* from a preceding mov $nr, %eax, or -1 */
};
static struct site sites[MAX_SITES];
static int nsites;

static void on_fault(int sig) { siglongjmp(fault_env, sig); }

static void catch_faults(void (*handler)(int))
{
	static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGSYS, SIGFPE, SIGTRAP};
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = SA_NODEFER;
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* read_byte reads *p, or returns -1 when it faults. */
static int read_byte(uintptr_t p)
{
	if (sigsetjmp(fault_env, 1))
		return -1;
	return *(volatile unsigned char *)p;
}

/* overwrite_page fills the page at p with 0xcc, or returns 0 when it faults. */
static int overwrite_page(uintptr_t p)
{
	if (sigsetjmp(fault_env, 1))
		return 0;
	for (uintptr_t q = p; q < p + PAGE; q += 8)
		*(volatile uint64_t *)q = 0xccccccccccccccccUL;
	return 1;
}

static void add_site(uintptr_t a, long nr)
{
	if (nsites < MAX_SITES)
		sites[nsites++] = (struct site){a, nr};
}

/* scan looks for 0f 05 in [lo, hi), a page at a time, skipping pages that fault. */
static void scan(uintptr_t lo, uintptr_t hi, int with_nr)
{
	for (uintptr_t pg = lo; pg < hi; pg += PAGE) {
		if (read_byte(pg) < 0)
			continue;
		for (uintptr_t p = pg; p + 1 < pg + PAGE; p++) {
			if (*(volatile unsigned char *)p != 0x0f || *(volatile unsigned char *)(p + 1) != 0x05)
				continue;
			long nr = -1;
			if (with_nr && p - 5 >= pg && *(volatile unsigned char *)(p - 5) == 0xb8)
				nr = *(volatile int32_t *)(p - 4);
			add_site(p, nr);
		}
	}
}

static void scan_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	if (f == NULL) {
		perror("/proc/self/maps");
		exit(2);
	}
	char line[512];
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long lo, hi;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && perms[2] == 'x')
			scan(lo, hi, 0);
	}
	fclose(f);
}

/* jump sets up openat(AT_FDCWD, host_path, O_CREAT|O_WRONLY, 0644) with
 * number nr and jumps to target; it never returns. */
__attribute__((noreturn)) static void jump(uintptr_t target, long nr)
{
	register long r10 __asm__("r10") = 0644;
	__asm__ volatile("jmp *%0" ::"r"(target), "a"(nr), "D"((long)AT_FDCWD), "S"(host_path),
			 "d"((long)(O_CREAT | O_WRONLY)), "r"(r10)
			 : "memory");
	__builtin_unreachable();
}

static void child_fault(int sig) { _exit(100 + sig); }

/* wait_bounded waits for child pid, killing it after about three
 * seconds; returns 1 if it had to. */
static int wait_bounded(pid_t pid)
{
	for (int i = 0; i < 300; i++) {
		int st;
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0)
			return 0;
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 1;
}

static void try_site(uintptr_t addr, long nr, int *hung)
{
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		/* Where the jump goes on is anyone's guess: quiet, and bounded. */
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		alarm(1);
		catch_faults(child_fault);
		jump(addr, nr);
	}
	*hung += wait_bounded(pid);
}

/* break_stub overwrites every writable page of the stub region (its data
 * and control stack, the memory shared with elfloader, the thread's
 * stacks), then makes a call and asks for memory (a command to the stub's
 * control thread); returns the number of pages it overwrote if it
 * survives. */
static int break_stub(void)
{
	int pages = 0;
	for (uintptr_t pg = STUB_START; pg < STUB_START + STUB_LEN; pg += PAGE)
		pages += overwrite_page(pg);
	/* elfloader may notice the broken slot at once (then nothing below
	 * runs): nothing here goes to stdout. */
	if (getenv("ESCAPE_VERBOSE") != NULL)
		fprintf(stderr, "escape_isolated: overwrote %d pages of the stub region\n", pages);
	void *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m != MAP_FAILED && getenv("ESCAPE_VERBOSE") != NULL)
		fprintf(stderr, "escape_isolated: survived an mmap\n");
	return pages;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 2 || strlen(argv[1]) >= sizeof(host_path)) {
		fprintf(stderr, "usage: escape_isolated HOSTPATH [nojumps]\n");
		return 2;
	}
	strcpy(host_path, argv[1]);
	catch_faults(on_fault);

	/* 1. The in-process escape, and int $0x80. */
	int sig = sigsetjmp(fault_env, 1);
	if (sig == 0)
		__asm__ volatile("movb $0, %%gs:16" ::: "memory");
	printf("clearing the dispatch selector: %s\n", sig == SIGSEGV ? "SIGSEGV" : "no fault");
	long r;
	register long r10 __asm__("r10") = 0644;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"((long)SYS_openat), "D"((long)AT_FDCWD), "S"(host_path), "d"((long)(O_CREAT | O_WRONLY)),
			   "r"(r10)
			 : "rcx", "r11", "memory");
	/* Served in the app's own filesystem (what it finds there depends on
	 * the run): the test checks that the host file does not exist. */
	printf("raw syscall: returned\n");
	if (r >= 0)
		close(r);
	__asm__ volatile("int $0x80"
			 : "=a"(r)
			 : "a"(5L /* i386 open */), "b"((long)(uintptr_t)host_path), "c"((long)(O_CREAT | O_WRONLY)),
			   "d"(0644L)
			 : "memory");
	printf("int $0x80: returned\n");
	if (r >= 0)
		close(r);

	/* 2. Every syscall instruction. */
	scan_maps();
	int app_sites = nsites;
	scan(STUB_START, STUB_START + STUB_LEN, 1);
	int stub_sites = nsites - app_sites;
	printf("syscall instructions: in the app's mappings %s, in the stub region %s\n",
	       app_sites > 0 ? "found" : "none", stub_sites > 0 ? "found" : "none");
	int hung = 0;
	for (int i = 0; i < nsites && !(argc > 2 && strcmp(argv[2], "nojumps") == 0); i++) {
		try_site(sites[i].addr, SYS_openat, &hung);
		if (sites[i].nr >= 0)
			try_site(sites[i].addr, sites[i].nr, &hung);
	}
	printf("jumps: done\n");
	if (getenv("ESCAPE_VERBOSE") != NULL)
		fprintf(stderr, "escape_isolated: %d sites (%d in the stub region), %d children killed after hanging\n",
			nsites, stub_sites, hung);

	/* 3. A child breaks its stub. */
	pid_t pid = fork();
	if (pid == 0) {
		break_stub();
		_exit(0);
	}
	wait_bounded(pid);
	printf("child that broke its stub: ended\n");

	/* 4. Other processes still run; then this one breaks its own stub. */
	pid = fork();
	if (pid == 0)
		_exit(7);
	int st;
	waitpid(pid, &st, 0);
	printf("another child: %s\n", WIFEXITED(st) && WEXITSTATUS(st) == 7 ? "exit 7" : "wrong status");
	break_stub();
	printf("still alive after breaking the stub\n");
	return 0;
}
