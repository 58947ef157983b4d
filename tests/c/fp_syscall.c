/*
 * fp_syscall: values an assembly loop keeps in registers across system
 * calls survive them, as the kernel keeps every register but rax, rcx and
 * r11. Each loop makes its calls through "mov $nr,%eax; syscall" sites
 * (the shape elfloader's fast path rewrites) while another thread sends
 * the looping thread signals whose handler clobbers xmm, ymm, the opmask
 * registers, the x87 stack and MXCSR. Kept live across the calls:
 *   xmm   xmm0-15 (the crossing's light path when nothing else is in use)
 *   ymm   ymm0-15 with upper halves (AVX in use: the XSAVEC path)
 *   kmask k0-7, with xmm0-15 (AVX-512: saved beside the xmm registers)
 *   x87   eight values on the x87 stack and a rounding mode in its
 *         control word (x87 in use)
 *   mxcsr a non-default rounding mode and flush-to-zero
 * Prints "<name> ok" per check, or "<name> skipped" when the CPU lacks the
 * feature, the same natively and under elfloader.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 20 /* of 20,000 calls per check */

static volatile int stop;
static volatile int handled; /* signals the looper has taken */
static pthread_t looper;

__attribute__((target("avx512f,avx512bw"))) static void clobber_avx512(void)
{
	__asm__ volatile("kxnorq %%k1, %%k1, %%k1\n\tkxnorq %%k2, %%k2, %%k2\n\t"
			 "kxnorq %%k7, %%k7, %%k7\n\tvpternlogd $0xff, %%zmm3, %%zmm3, %%zmm3" ::
				 : "xmm3");
}

__attribute__((target("avx2"))) static void clobber_avx(void)
{
	__asm__ volatile("vpcmpeqd %%ymm0, %%ymm0, %%ymm0\n\tvpcmpeqd %%ymm9, %%ymm9, %%ymm9\n\t"
			 "vpcmpeqd %%ymm15, %%ymm15, %%ymm15" ::
				 : "xmm0", "xmm9", "xmm15");
}

static void handler(int sig)
{
	(void)sig;
	handled++;
	unsigned int mx = 0x1f80;
	unsigned short cw = 0x37f;
	__asm__ volatile("pcmpeqd %%xmm1, %%xmm1\n\tpcmpeqd %%xmm14, %%xmm14" ::: "xmm1", "xmm14");
	if (__builtin_cpu_supports("avx2"))
		clobber_avx();
	if (__builtin_cpu_supports("avx512bw"))
		clobber_avx512();
	__asm__ volatile("fninit\n\tfldpi\n\tfldpi\n\tfldcw %0\n\tldmxcsr %1" ::"m"(cw), "m"(mx));
}

/* Sends the looper a signal every 50 microseconds, each once the one
 * before was taken: where delivering a signal costs more than that (a
 * seccomp trap and a stub process per signal under --platform=isolated,
 * on a loaded machine) the looper still gets on with its calls. */
static void *sender(void *arg)
{
	(void)arg;
	struct timespec ts = {0, 50000};
	while (!stop) {
		int before = handled;
		pthread_kill(looper, SIGUSR1);
		while (handled == before && !stop)
			nanosleep(&ts, NULL);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* The calls themselves: 20,000 getppid calls through one site, in a
 * function of its own (only general-purpose instructions around the site,
 * which the fast path's proof reads). Called from the checks' assembly
 * below the red zone. */
__asm__(".text\n"
	".type fp_call_loop,@function\n"
	"fp_call_loop:\n\t"
	"movl $" "20000" ", %r12d\n"
	"1:\n\t"
	"movl $110, %eax\n\t"
	"syscall\n\t"
	"decl %r12d\n\t"
	"jnz 1b\n\t"
	"ret\n"
	".size fp_call_loop, .-fp_call_loop\n");

#define CALL_LOOP "subq $128, %%rsp\n\tcall fp_call_loop\n\taddq $128, %%rsp\n\t"

static int check_xmm(void)
{
	uint8_t in[256], out[256];
	for (int i = 0; i < 256; i++)
		in[i] = (uint8_t)(i * 7 + 3);
	__asm__ volatile(
#define L(n) "movdqu " #n "*16(%[in]), %%xmm" #n "\n\t"
		L(0) L(1) L(2) L(3) L(4) L(5) L(6) L(7) L(8) L(9) L(10) L(11) L(12) L(13) L(14) L(15)
#undef L
		CALL_LOOP
#define S(n) "movdqu %%xmm" #n ", " #n "*16(%[out])\n\t"
		S(0) S(1) S(2) S(3) S(4) S(5) S(6) S(7) S(8) S(9) S(10) S(11) S(12) S(13) S(14) S(15)
#undef S
		:
		: [in] "r"(in), [out] "r"(out)
		: "rax", "rcx", "r11", "r12", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
		  "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	return memcmp(in, out, sizeof in) == 0;
}

__attribute__((target("avx2"))) static int check_ymm(void)
{
	uint8_t in[512], out[512];
	for (int i = 0; i < 512; i++)
		in[i] = (uint8_t)(i * 13 + 5);
	__asm__ volatile(
#define L(n) "vmovdqu " #n "*32(%[in]), %%ymm" #n "\n\t"
		L(0) L(1) L(2) L(3) L(4) L(5) L(6) L(7) L(8) L(9) L(10) L(11) L(12) L(13) L(14) L(15)
#undef L
		CALL_LOOP
#define S(n) "vmovdqu %%ymm" #n ", " #n "*32(%[out])\n\t"
		S(0) S(1) S(2) S(3) S(4) S(5) S(6) S(7) S(8) S(9) S(10) S(11) S(12) S(13) S(14) S(15)
#undef S
		"vzeroupper\n\t"
		:
		: [in] "r"(in), [out] "r"(out)
		: "rax", "rcx", "r11", "r12", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
		  "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	return memcmp(in, out, sizeof in) == 0;
}

__attribute__((target("avx512f,avx512bw"))) static int check_kmask(void)
{
	uint64_t in[8 + 32], out[8 + 32];
	for (int i = 0; i < 40; i++)
		in[i] = 0x0123456789abcdefull * (uint64_t)(i + 1);
	__asm__ volatile(
		/* The compiler may have left vector upper halves in use: with
		 * them clean, only SSE and the opmask state are live. */
		"vzeroupper\n\t"
#define L(n) "kmovq " #n "*8(%[in]), %%k" #n "\n\t"
		L(0) L(1) L(2) L(3) L(4) L(5) L(6) L(7)
#undef L
#define L(n) "movdqu 64+" #n "*16(%[in]), %%xmm" #n "\n\t"
		L(0) L(1) L(2) L(3) L(4) L(5) L(6) L(7) L(8) L(9) L(10) L(11) L(12) L(13) L(14) L(15)
#undef L
		CALL_LOOP
#define S(n) "kmovq %%k" #n ", " #n "*8(%[out])\n\t"
		S(0) S(1) S(2) S(3) S(4) S(5) S(6) S(7)
#undef S
#define S(n) "movdqu %%xmm" #n ", 64+" #n "*16(%[out])\n\t"
		S(0) S(1) S(2) S(3) S(4) S(5) S(6) S(7) S(8) S(9) S(10) S(11) S(12) S(13) S(14) S(15)
#undef S
		:
		: [in] "r"(in), [out] "r"(out)
		: "rax", "rcx", "r11", "r12", "memory", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "xmm0", "xmm1", "xmm2",
		  "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",
		  "xmm15");
	return memcmp(in, out, sizeof in) == 0;
}

static int check_x87(void)
{
	long double out[8], want[8];
	memset(out, 0, sizeof out); /* fstpt writes 10 of each 16 bytes */
	memset(want, 0, sizeof want);
	unsigned short cw_in = 0x37f | 0xc00, cw_out = 0; /* round toward zero */
	__asm__ volatile("fninit\n\t"
			 "fldcw %[cwin]\n\t"
			 "fld1\n\tfldpi\n\tfldl2t\n\tfldl2e\n\tfldlg2\n\tfldln2\n\tfldz\n\tfld1\n\t" CALL_LOOP
			 "fnstcw %[cwout]\n\t"
			 "fstpt 0(%[out])\n\tfstpt 16(%[out])\n\tfstpt 32(%[out])\n\tfstpt 48(%[out])\n\t"
			 "fstpt 64(%[out])\n\tfstpt 80(%[out])\n\tfstpt 96(%[out])\n\tfstpt 112(%[out])\n\t"
			 "fninit"
			 : [cwout] "=m"(cw_out)
			 : [out] "r"(out), [cwin] "m"(cw_in)
			 : "rax", "rcx", "r11", "r12", "memory", "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)",
			   "st(6)", "st(7)");
	__asm__ volatile("fninit\n\t"
			 "fldcw %[cwin]\n\t"
			 "fld1\n\tfldpi\n\tfldl2t\n\tfldl2e\n\tfldlg2\n\tfldln2\n\tfldz\n\tfld1\n\t"
			 "fstpt 0(%[out])\n\tfstpt 16(%[out])\n\tfstpt 32(%[out])\n\tfstpt 48(%[out])\n\t"
			 "fstpt 64(%[out])\n\tfstpt 80(%[out])\n\tfstpt 96(%[out])\n\tfstpt 112(%[out])\n\t"
			 "fninit"
			 :
			 : [out] "r"(want), [cwin] "m"(cw_in)
			 : "memory", "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)");
	return cw_out == cw_in && memcmp(out, want, sizeof out) == 0;
}

static int check_mxcsr(void)
{
	unsigned int in = 0x1f80 | 0x6000 | 0x8000, out = 0, def = 0x1f80; /* RZ, FTZ */
	__asm__ volatile("ldmxcsr %[in]\n\t" CALL_LOOP "stmxcsr %[out]\n\tldmxcsr %[def]"
			 : [out] "=m"(out)
			 : [in] "m"(in), [def] "m"(def)
			 : "rax", "rcx", "r11", "r12", "memory");
	return (out & ~0x3fu) == (in & ~0x3fu); /* the exception flags may be set */
}

static void report(const char *name, int supported, int (*check)(void))
{
	if (!supported) {
		printf("%s skipped\n", name);
		return;
	}
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (int r = 0; r < ROUNDS; r++) {
		if (!check()) {
			printf("%s FAILED in round %d\n", name, r);
			return;
		}
		/* At most about a second per check after two rounds: where
		 * every call traps (--platform=isolated, ~1.5 us each) on a
		 * loaded machine, 20 rounds took over a minute. */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (r >= 1 && (now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) > 1000000000L)
			break;
	}
	printf("%s ok\n", name);
}

int main(void)
{
	__builtin_cpu_init();
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	looper = pthread_self();
	pthread_t t;
	if (pthread_create(&t, NULL, sender, NULL) != 0) {
		perror("pthread_create");
		return 1;
	}
	report("xmm", 1, check_xmm);
	report("ymm", __builtin_cpu_supports("avx2"), check_ymm);
	report("kmask", __builtin_cpu_supports("avx512bw"), check_kmask);
	report("x87", 1, check_x87);
	report("mxcsr", 1, check_mxcsr);
	report("xmm again", 1, check_xmm);
	stop = 1;
	pthread_join(t, NULL);
	return 0;
}
