/* Test program for the isolated platform: static, no libc. The test picks
 * the entry point by symbol and serves its system calls itself. */
typedef unsigned long u64;

static long sys3(long n, long a, long b, long c) {
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return r;
}
static long sys4(long n, long a, long b, long c, long d) {
	long r;
	register long r10 __asm__("r10") = d;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
	return r;
}
static void write_str(const char *s) {
	long n = 0;
	while (s[n])
		n++;
	sys3(1, 1, (long)s, n);
}
static void write_num(long v) {
	char buf[24];
	int i = sizeof(buf);
	buf[--i] = 0;
	do {
		buf[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	write_str(buf + i);
}
__attribute__((noreturn)) static void exit_group(long code) {
	for (;;)
		sys3(231, code, 0, 0);
}

/* hello: prints a greeting and its pid, exits 7 if getpid said 4242. */
__attribute__((force_align_arg_pointer, noreturn)) void hello(void) {
	write_str("hello from the stub\n");
	long pid = sys3(39, 0, 0, 0);
	write_str("pid ");
	write_num(pid);
	write_str("\n");
	exit_group(pid == 4242 ? 7 : 1);
}

/* null_store: stores to address 0. */
void null_store(void) { __asm__ volatile("movl $1, 0x0" ::: "memory"); }

/* escape: tries to create the file named by rdi's string on the host with
 * its own syscall instructions (openat, creat) and int $0x80 (i386 creat),
 * then exits with 0. */
__attribute__((force_align_arg_pointer, noreturn)) void escape(const char *path) {
	long r1 = sys4(257, -100, (long)path, 0101 /* O_WRONLY|O_CREAT */, 0644);
	long r2 = sys3(85, (long)path, 0644, 0);
	long r3;
	__asm__ volatile("int $0x80" : "=a"(r3) : "a"(8), "b"(path), "c"(0644) : "memory");
	write_str(r1 < 0 && r2 < 0 && r3 < 0 ? "refused\n" : "created?\n");
	exit_group(0);
}

/* Threads: one spins until the other sets the flag. */
volatile long flag;
__attribute__((noreturn)) void wait_flag(void) {
	while (!flag)
		__asm__ volatile("pause");
	exit_group(1);
}
__attribute__((noreturn)) void set_flag(void) {
	flag = 1;
	exit_group(2);
}
__attribute__((noreturn)) void spin(void) {
	for (;;)
		__asm__ volatile("" ::: "memory");
}

/* getpid_loop: getpid forever (the benchmark). */
__attribute__((noreturn)) void getpid_loop(void) {
	for (;;)
		sys3(39, 0, 0, 0);
}

/* counter: reads the word at rdi and exits with it (fork test). */
__attribute__((noreturn)) void read_word(volatile long *p) { exit_group(*p); }

/* xmm_test: xmm0 (and ymm0 when rdi != 0) hold a pattern across getpid;
 * afterwards it writes xmm1 as the kernel left it (16 bytes). */
__attribute__((noreturn)) void xmm_test(long avx) {
	static const unsigned char pat[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
					      17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
	if (avx)
		__asm__ volatile("vmovdqu %0, %%ymm0" ::"m"(pat) : "xmm0");
	else
		__asm__ volatile("movdqu %0, %%xmm0" ::"m"(pat) : "xmm0");
	sys3(39, 0, 0, 0);
	unsigned char out[16];
	__asm__ volatile("movdqu %%xmm1, %0" : "=m"(out));
	sys3(1, 1, (long)out, 16);
	exit_group(0);
}

/* fs_word: exits with the word at %fs:8 (TLS through the FS base). */
__attribute__((noreturn)) void fs_word(void) {
	long v;
	__asm__ volatile("mov %%fs:8, %0" : "=r"(v));
	exit_group(v);
}
