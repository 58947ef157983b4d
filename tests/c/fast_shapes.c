/* Syscall sites of the shapes the fast path rewrites beyond "mov $nr,%eax;
 * syscall": hand-written functions (top-level assembly, with symbol sizes,
 * laid out so that exactly one shape applies) called natively and under
 * elfloader, with the same output. Usage: fast_shapes SCENARIO
 *
 *   window   a loop head "mov %esi,%eax; syscall; add %rax,%r9" in
 *            functions packed without padding: the instructions around
 *            the syscall move to a trampoline
 *   stone    "mov %rsi,%rdi; syscall; ret" followed by int3 padding: the
 *            syscall becomes a jmp rel8 to a stepping stone there
 *   wrapper  glibc's or musl's syscall() wrapper in a loop
 *   restart  a blocking read at a window site interrupted by SIGALRM:
 *            with SA_RESTART it restarts, without it answers EINTR
 *   signals  a window loop hit by a SIGALRM every 100 us: every result
 *            stays exact
 *   resume   a fault between two moved instructions: the handler makes
 *            the site be rewritten, and the thread resumes in the copy
 *   fork     fork through a window site: the child (which has no
 *            trampolines) returns to the original code
 *   midjump  a branch into the middle of a candidate window: the site is
 *            not moved, and both entries behave as natively
 *   evict    a thread blocked in a read that entered through a window's
 *            trampoline while the main thread maps the 2 MiB below the
 *            executable (where trampolines live): the read returns into
 *            the app's own code
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

/* More calls of a site than elfloader lets trap before it rewrites the
 * site (plat/inproc's lazyAfter). */
#define REWRITE_CALLS 64

long win_loop(long n, int nr);    /* sum of n syscalls nr() */
long win_read(int fd, void *buf, long n);
long win_fault(const int *p, int nr);
long win_call0(long nr);
long stone_call(long nr, long a1);
long mid_call(long nr, long via_middle);

/* The window functions are packed between two 160-byte functions, with
 * no padding anywhere in between: no stone is in reach of their syscalls
 * and the window shape is the one that applies. */
__asm__(
	".text\n"
	".p2align 6\n"
	".globl win_begin\n.type win_begin,@function\n"
	"win_begin:\n"
	"  .rept 160\n  ret\n  .endr\n"
	".size win_begin,.-win_begin\n"
	".globl win_loop\n.type win_loop,@function\n"
	"win_loop:\n"
	"  mov %rdi,%r8\n"
	"  xor %r9d,%r9d\n"
	"1: mov %esi,%eax\n"
	"  syscall\n"
	"  add %rax,%r9\n"
	"  dec %r8\n"
	"  jnz 1b\n"
	"  mov %r9,%rax\n"
	"  ret\n"
	".size win_loop,.-win_loop\n"
	".globl win_read\n.type win_read,@function\n"
	"win_read:\n"
	"  xor %eax,%eax\n"
	"  syscall\n"
	"  mov %rax,%rdx\n"
	"  mov %rdx,%rax\n"
	"  ret\n"
	".size win_read,.-win_read\n"
	".globl win_fault\n.type win_fault,@function\n"
	"win_fault:\n"
	"  mov %esi,%eax\n"
	"  mov (%rdi),%edx\n"
	"  syscall\n"
	"  ret\n"
	".size win_fault,.-win_fault\n"
	".globl win_call0\n.type win_call0,@function\n"
	"win_call0:\n"
	"  mov %edi,%eax\n"
	"  syscall\n"
	"  mov %rax,%rdx\n"
	"  mov %rdx,%rax\n"
	"  ret\n"
	".size win_call0,.-win_call0\n"
	/* mid_call(nr, via_middle): with via_middle, a branch lands on the
	 * syscall itself, inside any window that would start before it. */
	".globl mid_call\n.type mid_call,@function\n"
	"mid_call:\n"
	"  test %rsi,%rsi\n"
	"  mov %edi,%eax\n"
	"  jnz 2f\n"
	"  mov %edi,%eax\n"
	"2: syscall\n"
	"  mov %rax,%rdx\n"
	"  mov %rdx,%rax\n"
	"  ret\n"
	".size mid_call,.-mid_call\n"
	".globl win_end\n.type win_end,@function\n"
	"win_end:\n"
	"  .rept 160\n  ret\n  .endr\n"
	".size win_end,.-win_end\n"
	/* The stone function ends with ret, then int3 padding up to the next
	 * function: dead bytes within reach of its syscall. */
	".p2align 6\n"
	".globl stone_call\n.type stone_call,@function\n"
	"stone_call:\n"
	"  mov %rdi,%rax\n"
	"  mov %rsi,%rdi\n"
	"  syscall\n"
	"  ret\n"
	".size stone_call,.-stone_call\n"
	".p2align 5,0xcc\n"
	".globl stone_next\n.type stone_next,@function\n"
	"stone_next:\n"
	"  ret\n"
	".size stone_next,.-stone_next\n");

static void check(int ok, const char *what) {
	printf("%s: %s\n", what, ok ? "ok" : "WRONG");
	if (!ok)
		exit(1);
}

static void scenario_window(void) {
	long pid = getpid();
	long sum = 0;
	for (int i = 0; i < 10; i++)
		sum += win_loop(100000, SYS_getpid);
	check(sum == pid * 1000000, "window loop: 1,000,000 getpid results");
	check(win_loop(3, SYS_getppid) == 3 * getppid(), "window loop: getppid");
}

static void scenario_stone(void) {
	long pid = getpid(), sum = 0;
	for (int i = 0; i < 100000; i++)
		sum += stone_call(SYS_getpid, 0);
	check(sum == pid * 100000, "stone: 100,000 getpid results");
	int fds[2];
	check(pipe(fds) == 0, "stone: pipe");
	check(stone_call(SYS_close, fds[1]) == 0, "stone: close with an argument");
	check(stone_call(SYS_close, fds[1]) == -EBADF, "stone: close again is EBADF");
	close(fds[0]);
}

static void scenario_wrapper(void) {
	long pid = getpid(), sum = 0;
	for (int i = 0; i < 100000; i++)
		sum += syscall(SYS_getpid);
	check(sum == pid * 100000, "syscall(): 100,000 getpid results");
	errno = 0;
	check(syscall(SYS_close, -1) == -1 && errno == EBADF, "syscall(): close(-1) sets errno EBADF");
}

static int alarm_pipe = -1;
static volatile sig_atomic_t handled;

static void on_alarm_write(int sig) {
	(void)sig;
	handled++;
	char c = 'x';
	write(alarm_pipe, &c, 1);
}

static void on_alarm_quiet(int sig) {
	(void)sig;
	handled++;
}

static void arm(long usec, long interval) {
	struct itimerval it = {{0, interval}, {0, usec}};
	setitimer(ITIMER_REAL, &it, NULL);
}

static void scenario_restart(void) {
	int fds[2];
	check(pipe(fds) == 0, "restart: pipe");
	alarm_pipe = fds[1];
	struct sigaction sa = {0};
	sa.sa_handler = on_alarm_write;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	/* Enough reads through the site first for it to be rewritten. */
	for (int i = 0; i < REWRITE_CALLS; i++) {
		char c = 0;
		check(write(fds[1], "r", 1) == 1 && win_read(fds[0], &c, 1) == 1 && c == 'r', "restart: a read before the timers");
	}
	for (int i = 0; i < 3; i++) {
		char buf[4] = {0};
		arm(20000, 0);
		long n = win_read(fds[0], buf, 1);
		printf("SA_RESTART read %d: %ld '%c'\n", i, n, buf[0]);
	}
	sa.sa_handler = on_alarm_quiet;
	sa.sa_flags = 0;
	sigaction(SIGALRM, &sa, NULL);
	for (int i = 0; i < 2; i++) {
		char buf[4] = {0};
		arm(20000, 0);
		long n = win_read(fds[0], buf, 1);
		printf("no SA_RESTART read %d: %s\n", i, n == -EINTR ? "EINTR" : "not EINTR");
	}
	printf("handled %d\n", (int)handled);
}

static void scenario_signals(void) {
	struct sigaction sa = {0};
	sa.sa_handler = on_alarm_quiet;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	long pid = getpid(), sum = 0;
	arm(100, 100);
	for (int i = 0; i < 20; i++)
		sum += win_loop(50000, SYS_getpid);
	arm(0, 0);
	check(sum == pid * 1000000, "signals: 1,000,000 getpid results between signals");
	check(handled > 0, "signals: handlers ran");
}

static int *fault_page;

static void on_segv(int sig, siginfo_t *si, void *uc) {
	(void)sig, (void)uc;
	if (si->si_addr != fault_page)
		_exit(99);
	/* The first calls of the site happen here (a site is rewritten after
	 * a number of traps: REWRITE_CALLS), with
	 * the interrupted thread's saved rip between the window's first two
	 * instructions. */
	int ok = 1;
	for (int i = 0; i < REWRITE_CALLS; i++)
		if (win_fault(&ok, SYS_getppid) != getppid())
			_exit(98);
	mprotect(fault_page, 4096, PROT_READ);
}

static void scenario_resume(void) {
	fault_page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct sigaction sa = {0};
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	long pid = win_fault(fault_page, SYS_getpid);
	check(pid == getpid(), "resume: the faulting call completes after the handler");
	long sum = 0;
	for (int i = 0; i < 1000; i++)
		sum += win_fault(fault_page, SYS_getpid);
	check(sum == 1000 * getpid(), "resume: 1,000 more calls");
}

static void scenario_fork(void) {
	/* Enough calls through the site first for it to be rewritten. */
	for (int i = 0; i < REWRITE_CALLS; i++)
		check(win_call0(SYS_getpid) == getpid(), "fork: getpid through the site");
	for (int i = 0; i < 3; i++) {
		long pid = win_call0(SYS_fork);
		if (pid == 0)
			_exit(10 + i);
		int st = 0;
		waitpid(pid, &st, 0);
		printf("fork %d: child exited %d\n", i, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	}
	check(win_call0(SYS_getpid) == getpid(), "fork: the site still serves getpid");
}

static void scenario_midjump(void) {
	long pid = getpid(), sum = 0;
	for (int i = 0; i < 20000; i++)
		sum += mid_call(SYS_getpid, i & 1);
	check(sum == pid * 20000, "midjump: 20,000 calls through both entries");
}

extern char __executable_start[];
static int evict_pipe[2];

static void *evict_reader(void *arg) {
	(void)arg;
	char buf[4] = {0};
	long n = win_read(evict_pipe[0], buf, 1);
	printf("evict: blocked read returned %ld '%c'\n", n, buf[0]);
	n = win_read(evict_pipe[0], buf, 1);
	printf("evict: next read returned %ld '%c'\n", n, buf[0]);
	return NULL;
}

static void scenario_evict(void) {
	check(pipe(evict_pipe) == 0, "evict: pipe");
	/* The window is moved while the program has one thread (a site is
	 * rewritten after a number of traps: REWRITE_CALLS reads). */
	char a[REWRITE_CALLS];
	memset(a, 'a', sizeof(a));
	check(write(evict_pipe[1], a, sizeof(a)) == (long)sizeof(a), "evict: write");
	char c = 0;
	for (int i = 0; i < REWRITE_CALLS; i++)
		check(win_read(evict_pipe[0], &c, 1) == 1 && c == 'a', "evict: a read before the thread starts");
	pthread_t th;
	pthread_create(&th, NULL, evict_reader, NULL);
	usleep(100000); /* the reader blocks in its read */
	const size_t hole = 2 << 20;
	uintptr_t start = (uintptr_t)__executable_start & ~(uintptr_t)4095;
	void *p = mmap((void *)(start - hole), hole, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	check(p == (void *)(start - hole), "evict: MAP_FIXED of the 2 MiB below the executable");
	memset(p, 0xcc, hole);
	long w = write(evict_pipe[1], "bc", 2);
	pthread_join(th, NULL); /* before printing: the reader prints too */
	check(w == 2, "evict: write two bytes");
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IONBF, 0);
	const char *s = argc > 1 ? argv[1] : "";
	if (!strcmp(s, "window"))
		scenario_window();
	else if (!strcmp(s, "stone"))
		scenario_stone();
	else if (!strcmp(s, "wrapper"))
		scenario_wrapper();
	else if (!strcmp(s, "restart"))
		scenario_restart();
	else if (!strcmp(s, "signals"))
		scenario_signals();
	else if (!strcmp(s, "resume"))
		scenario_resume();
	else if (!strcmp(s, "fork"))
		scenario_fork();
	else if (!strcmp(s, "midjump"))
		scenario_midjump();
	else if (!strcmp(s, "evict"))
		scenario_evict();
	else {
		fprintf(stderr, "usage: fast_shapes window|stone|wrapper|restart|signals|resume|fork|midjump|evict\n");
		return 2;
	}
	return 0;
}
