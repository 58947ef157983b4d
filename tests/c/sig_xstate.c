/*
 * sig_xstate: the extended state in signal frames has Linux's size and
 * shape on whatever CPU runs the test, and AMX tile data (where the CPU has
 * it) survives a syscall and a signal handler that clobbers it.
 *
 * Prints the frame's software bytes (struct _fpx_sw_bytes: magic, sizes,
 * features), the place of FP_XSTATE_MAGIC2, the frame's alignment,
 * AT_MINSIGSTKSZ and the arch_prctl XCOMP queries. With AMX: asks for
 * permission (ARCH_REQ_XCOMP_PERM), loads a tile, makes a syscall, takes a
 * signal whose handler zeroes the tile, and checks the tile afterwards.
 * Without AMX it prints "amx: not on this CPU". Raw syscalls only.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#define ARCH_GET_XCOMP_SUPP 0x1021
#define ARCH_GET_XCOMP_PERM 0x1022
#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18
#define FP_XSTATE_MAGIC1 0x46505853U
#define FP_XSTATE_MAGIC2 0x46505845U
#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif

struct sw_bytes {
	uint32_t magic1, extended_size;
	uint64_t xfeatures;
	uint32_t xstate_size, padding[7];
};

static volatile int tile_handler_zeroed;

static void report_frame(const char *when, void *ucv)
{
	ucontext_t *uc = ucv;
	const uint8_t *fp = (const uint8_t *)uc->uc_mcontext.fpregs;
	struct sw_bytes sw;
	memcpy(&sw, fp + 464, sizeof(sw));
	uint32_t magic2 = 0;
	if (sw.magic1 == FP_XSTATE_MAGIC1)
		memcpy(&magic2, fp + sw.xstate_size, 4);
	uint64_t xstate_bv;
	memcpy(&xstate_bv, fp + 512, 8);
	printf("%s: fpregs 64-aligned %d, magic1 %#x, extended_size %u, xstate_size %u, "
	       "xfeatures %#llx, magic2 %s, xstate_bv within xfeatures %d\n",
	       when, ((uintptr_t)fp % 64) == 0, sw.magic1, sw.extended_size, sw.xstate_size,
	       (unsigned long long)sw.xfeatures, magic2 == FP_XSTATE_MAGIC2 ? "ok" : "missing",
	       (xstate_bv & ~sw.xfeatures) == 0);
}

static void plain_handler(int sig, siginfo_t *si, void *ucv)
{
	(void)sig, (void)si;
	report_frame("plain signal", ucv);
}

static int cpu_has_amx(void)
{
	uint32_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	if (a < 7)
		return 0;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
	if (!(d & (1u << 24))) /* AMX-TILE */
		return 0;
	__asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
	return (a & (3u << 17)) == (3u << 17);
}

/* 64-byte tile configuration: palette 1, tmm0 with 16 rows of 64 bytes. */
static uint8_t tilecfg[64] __attribute__((aligned(64)));
static uint8_t tile_in[16][64], tile_out[16][64];

__attribute__((target("amx-tile"))) static void tile_zero_handler(int sig, siginfo_t *si, void *ucv)
{
	(void)sig, (void)si;
	report_frame("signal with tiles in use", ucv);
	/* Handlers start with the extended state in its initial
	 * configuration: configure the tiles again, then clobber tmm0. */
	__asm__ volatile("ldtilecfg %0" ::"m"(tilecfg));
	__asm__ volatile("tilezero %%tmm0" ::: "memory");
	tile_handler_zeroed = 1;
}

__attribute__((target("amx-tile"))) static int amx_test(void)
{
	long r = syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA);
	printf("ARCH_REQ_XCOMP_PERM(XTILEDATA) = %ld\n", r);
	if (r != 0)
		return 1;
	unsigned long perm = 0;
	syscall(SYS_arch_prctl, ARCH_GET_XCOMP_PERM, &perm);
	printf("ARCH_GET_XCOMP_PERM after the request: %#lx\n", perm);

	/* Permitted but not yet used: the frame still has no tile data. */
	raise(SIGUSR1);

	memset(tilecfg, 0, sizeof(tilecfg));
	tilecfg[0] = 1;                      /* palette */
	tilecfg[16] = 64;                    /* colsb[0] = 64 bytes */
	tilecfg[48] = 16;                    /* rows[0] = 16 */
	for (int i = 0; i < 16; i++)
		for (int j = 0; j < 64; j++)
			tile_in[i][j] = (uint8_t)(i * 64 + j + 1);
	__asm__ volatile("ldtilecfg %0" ::"m"(tilecfg));
	__asm__ volatile("tileloadd (%0,%1,1), %%tmm0" ::"r"(tile_in), "r"(64L) : "memory");

	/* A syscall must not disturb the tile. */
	long pid = syscall(SYS_getppid);
	(void)pid;
	__asm__ volatile("tilestored %%tmm0, (%0,%1,1)" ::"r"(tile_out), "r"(64L) : "memory");
	printf("tile after a syscall: %s\n", memcmp(tile_in, tile_out, sizeof(tile_in)) ? "CHANGED" : "kept");

	/* A handler that zeroes the tile: sigreturn must bring it back. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = tile_zero_handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);
	memset(tile_out, 0, sizeof(tile_out));
	__asm__ volatile("tilestored %%tmm0, (%0,%1,1)" ::"r"(tile_out), "r"(64L) : "memory");
	printf("handler zeroed the tile: %d; tile after the handler: %s\n", tile_handler_zeroed,
	       memcmp(tile_in, tile_out, sizeof(tile_in)) ? "CHANGED" : "kept");
	__asm__ volatile("tilerelease" ::: "memory");
	return 0;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	unsigned long supp = 0, perm = 0;
	long rs = syscall(SYS_arch_prctl, ARCH_GET_XCOMP_SUPP, &supp);
	long rp = syscall(SYS_arch_prctl, ARCH_GET_XCOMP_PERM, &perm);
	printf("ARCH_GET_XCOMP_SUPP = %ld %#lx, ARCH_GET_XCOMP_PERM = %ld %#lx\n", rs, supp, rp, perm);
	long r = syscall(SYS_arch_prctl, ARCH_GET_XCOMP_PERM, (void *)8);
	printf("ARCH_GET_XCOMP_PERM(bad pointer) = %ld errno %d\n", r, r ? errno : 0);
	r = syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, 64);
	printf("ARCH_REQ_XCOMP_PERM(64) = %ld errno %d\n", r, r ? errno : 0);
	printf("AT_MINSIGSTKSZ %lu\n", getauxval(AT_MINSIGSTKSZ));

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = plain_handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);

	if (!cpu_has_amx()) {
		printf("amx: not on this CPU\n");
		return 0;
	}
	return amx_test();
}
