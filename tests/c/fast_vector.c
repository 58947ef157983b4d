/* fast_vector: known values in xmm0-15 (ymm0-15 with AVX, zmm0-31 and
 * k0-7 with AVX-512F), the eight x87 registers, the x87 control word, the
 * MXCSR rounding and flush-to-zero bits, the general registers syscall
 * preserves and the arithmetic and direction flags must survive 10,000
 * calls through a syscall site (getppid) that elfloader's fast path
 * rewrites. The loop is one asm function that touches none of those
 * registers, so any change comes from the syscall path. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define ITERATIONS 10000

/* Offsets into struct vstate, used by the asm below. */
#define OFF_K 2048
#define OFF_X87 2112
#define OFF_MXCSR 2240
#define OFF_FPUCW 2244

struct vstate {
    uint8_t zmm[32][64];        /* 0 */
    uint64_t k[8];              /* 2048 */
    uint8_t x87[8][16];         /* 2112: 80-bit values in 16-byte slots */
    uint32_t mxcsr;             /* 2240 */
    uint16_t fpucw;             /* 2244 */
    uint8_t pad[58];
} __attribute__((aligned(64)));

_Static_assert(__builtin_offsetof(struct vstate, k) == OFF_K, "k offset");
_Static_assert(__builtin_offsetof(struct vstate, x87) == OFF_X87, "x87 offset");
_Static_assert(__builtin_offsetof(struct vstate, mxcsr) == OFF_MXCSR, "mxcsr offset");
_Static_assert(__builtin_offsetof(struct vstate, fpucw) == OFF_FPUCW, "fpucw offset");

/* vec_run(in, out, n, ppid, level): level 0 loads xmm0-15, 1 ymm0-15,
 * 2 zmm0-31 and k0-7; x87, x87 CW and MXCSR always. Calls vec_site n times
 * and counts results other than ppid, changed general registers and
 * changed flags; stores the state into out and returns the count. */
long vec_run(const struct vstate *in, struct vstate *out, long n, long ppid, int level);

#define R8(op, base, reg) #op " " #base "(%rdi), %" #reg "\n"
__asm__(
    ".text\n"
    ".globl vec_site\n.type vec_site,@function\n.p2align 4\n"
    "vec_site:\n\tmov $110,%eax\n\tsyscall\n\tret\n"
    ".size vec_site,.-vec_site\n"

    ".globl vec_run\n.type vec_run,@function\n.p2align 4\n"
    "vec_run:\n"
    "\tpush %rbx\n\tpush %rbp\n\tpush %r12\n\tpush %r13\n\tpush %r14\n\tpush %r15\n"
    "\tsub $24, %rsp\n"
    "\tstmxcsr (%rsp)\n\tfnstcw 4(%rsp)\n"
    "\tmov %rsi, %r12\n\tmov %rdx, %r13\n\tmov %rcx, %r14\n\tmov %r8d, %r15d\n"
    "\tcmp $2, %r15d\n\tjb 1f\n"
    "\tvmovdqu64 0*64(%rdi),%zmm0\n\tvmovdqu64 1*64(%rdi),%zmm1\n\tvmovdqu64 2*64(%rdi),%zmm2\n\tvmovdqu64 3*64(%rdi),%zmm3\n"
    "\tvmovdqu64 4*64(%rdi),%zmm4\n\tvmovdqu64 5*64(%rdi),%zmm5\n\tvmovdqu64 6*64(%rdi),%zmm6\n\tvmovdqu64 7*64(%rdi),%zmm7\n"
    "\tvmovdqu64 8*64(%rdi),%zmm8\n\tvmovdqu64 9*64(%rdi),%zmm9\n\tvmovdqu64 10*64(%rdi),%zmm10\n\tvmovdqu64 11*64(%rdi),%zmm11\n"
    "\tvmovdqu64 12*64(%rdi),%zmm12\n\tvmovdqu64 13*64(%rdi),%zmm13\n\tvmovdqu64 14*64(%rdi),%zmm14\n\tvmovdqu64 15*64(%rdi),%zmm15\n"
    "\tvmovdqu64 16*64(%rdi),%zmm16\n\tvmovdqu64 17*64(%rdi),%zmm17\n\tvmovdqu64 18*64(%rdi),%zmm18\n\tvmovdqu64 19*64(%rdi),%zmm19\n"
    "\tvmovdqu64 20*64(%rdi),%zmm20\n\tvmovdqu64 21*64(%rdi),%zmm21\n\tvmovdqu64 22*64(%rdi),%zmm22\n\tvmovdqu64 23*64(%rdi),%zmm23\n"
    "\tvmovdqu64 24*64(%rdi),%zmm24\n\tvmovdqu64 25*64(%rdi),%zmm25\n\tvmovdqu64 26*64(%rdi),%zmm26\n\tvmovdqu64 27*64(%rdi),%zmm27\n"
    "\tvmovdqu64 28*64(%rdi),%zmm28\n\tvmovdqu64 29*64(%rdi),%zmm29\n\tvmovdqu64 30*64(%rdi),%zmm30\n\tvmovdqu64 31*64(%rdi),%zmm31\n"
    "\tkmovq 2048+0*8(%rdi),%k0\n\tkmovq 2048+1*8(%rdi),%k1\n\tkmovq 2048+2*8(%rdi),%k2\n\tkmovq 2048+3*8(%rdi),%k3\n"
    "\tkmovq 2048+4*8(%rdi),%k4\n\tkmovq 2048+5*8(%rdi),%k5\n\tkmovq 2048+6*8(%rdi),%k6\n\tkmovq 2048+7*8(%rdi),%k7\n"
    "\tjmp 3f\n"
    "1:\tcmp $1, %r15d\n\tjb 2f\n"
    "\tvmovdqu 0*64(%rdi),%ymm0\n\tvmovdqu 1*64(%rdi),%ymm1\n\tvmovdqu 2*64(%rdi),%ymm2\n\tvmovdqu 3*64(%rdi),%ymm3\n"
    "\tvmovdqu 4*64(%rdi),%ymm4\n\tvmovdqu 5*64(%rdi),%ymm5\n\tvmovdqu 6*64(%rdi),%ymm6\n\tvmovdqu 7*64(%rdi),%ymm7\n"
    "\tvmovdqu 8*64(%rdi),%ymm8\n\tvmovdqu 9*64(%rdi),%ymm9\n\tvmovdqu 10*64(%rdi),%ymm10\n\tvmovdqu 11*64(%rdi),%ymm11\n"
    "\tvmovdqu 12*64(%rdi),%ymm12\n\tvmovdqu 13*64(%rdi),%ymm13\n\tvmovdqu 14*64(%rdi),%ymm14\n\tvmovdqu 15*64(%rdi),%ymm15\n"
    "\tjmp 3f\n"
    "2:\n"
    "\tmovdqu 0*64(%rdi),%xmm0\n\tmovdqu 1*64(%rdi),%xmm1\n\tmovdqu 2*64(%rdi),%xmm2\n\tmovdqu 3*64(%rdi),%xmm3\n"
    "\tmovdqu 4*64(%rdi),%xmm4\n\tmovdqu 5*64(%rdi),%xmm5\n\tmovdqu 6*64(%rdi),%xmm6\n\tmovdqu 7*64(%rdi),%xmm7\n"
    "\tmovdqu 8*64(%rdi),%xmm8\n\tmovdqu 9*64(%rdi),%xmm9\n\tmovdqu 10*64(%rdi),%xmm10\n\tmovdqu 11*64(%rdi),%xmm11\n"
    "\tmovdqu 12*64(%rdi),%xmm12\n\tmovdqu 13*64(%rdi),%xmm13\n\tmovdqu 14*64(%rdi),%xmm14\n\tmovdqu 15*64(%rdi),%xmm15\n"
    "3:\n"
    "\tldmxcsr 2240(%rdi)\n\tfldcw 2244(%rdi)\n"
    "\tfldt 2112+7*16(%rdi)\n\tfldt 2112+6*16(%rdi)\n\tfldt 2112+5*16(%rdi)\n\tfldt 2112+4*16(%rdi)\n"
    "\tfldt 2112+3*16(%rdi)\n\tfldt 2112+2*16(%rdi)\n\tfldt 2112+1*16(%rdi)\n\tfldt 2112+0*16(%rdi)\n"
    "\txor %ebx, %ebx\n"
    "4:\ttest %r13, %r13\n\tjz 6f\n"
    "\tmovabs $0x1111111111111111, %rdi\n\tmovabs $0x2222222222222222, %rsi\n"
    "\tmovabs $0x3333333333333333, %rdx\n\tmovabs $0x4444444444444444, %r8\n"
    "\tmovabs $0x5555555555555555, %r9\n\tmovabs $0x6666666666666666, %r10\n"
    "\tmovabs $0x7777777777777777, %rbp\n"
    /* CF PF AF ZF SF DF OF */
    "\tpushq $0xcd7\n\tpopfq\n"
    "\tcall vec_site\n"
    "\tpushfq\n\tcld\n\tpop %rcx\n"
    "\tand $0xcd5, %ecx\n\tcmp $0xcd5, %ecx\n\tjne 5f\n"
    "\tcmp %r14, %rax\n\tjne 5f\n"
    "\tmovabs $0x1111111111111111, %r11\n\tcmp %r11, %rdi\n\tjne 5f\n"
    "\tmovabs $0x2222222222222222, %r11\n\tcmp %r11, %rsi\n\tjne 5f\n"
    "\tmovabs $0x3333333333333333, %r11\n\tcmp %r11, %rdx\n\tjne 5f\n"
    "\tmovabs $0x4444444444444444, %r11\n\tcmp %r11, %r8\n\tjne 5f\n"
    "\tmovabs $0x5555555555555555, %r11\n\tcmp %r11, %r9\n\tjne 5f\n"
    "\tmovabs $0x6666666666666666, %r11\n\tcmp %r11, %r10\n\tjne 5f\n"
    "\tmovabs $0x7777777777777777, %r11\n\tcmp %r11, %rbp\n\tjne 5f\n"
    "\tjmp 7f\n"
    "5:\tinc %rbx\n"
    "7:\tdec %r13\n\tjmp 4b\n"
    "6:\n"
    "\tstmxcsr 2240(%r12)\n\tfnstcw 2244(%r12)\n"
    "\tfstpt 2112+0*16(%r12)\n\tfstpt 2112+1*16(%r12)\n\tfstpt 2112+2*16(%r12)\n\tfstpt 2112+3*16(%r12)\n"
    "\tfstpt 2112+4*16(%r12)\n\tfstpt 2112+5*16(%r12)\n\tfstpt 2112+6*16(%r12)\n\tfstpt 2112+7*16(%r12)\n"
    "\tcmp $2, %r15d\n\tjb 1f\n"
    "\tvmovdqu64 %zmm0,0*64(%r12)\n\tvmovdqu64 %zmm1,1*64(%r12)\n\tvmovdqu64 %zmm2,2*64(%r12)\n\tvmovdqu64 %zmm3,3*64(%r12)\n"
    "\tvmovdqu64 %zmm4,4*64(%r12)\n\tvmovdqu64 %zmm5,5*64(%r12)\n\tvmovdqu64 %zmm6,6*64(%r12)\n\tvmovdqu64 %zmm7,7*64(%r12)\n"
    "\tvmovdqu64 %zmm8,8*64(%r12)\n\tvmovdqu64 %zmm9,9*64(%r12)\n\tvmovdqu64 %zmm10,10*64(%r12)\n\tvmovdqu64 %zmm11,11*64(%r12)\n"
    "\tvmovdqu64 %zmm12,12*64(%r12)\n\tvmovdqu64 %zmm13,13*64(%r12)\n\tvmovdqu64 %zmm14,14*64(%r12)\n\tvmovdqu64 %zmm15,15*64(%r12)\n"
    "\tvmovdqu64 %zmm16,16*64(%r12)\n\tvmovdqu64 %zmm17,17*64(%r12)\n\tvmovdqu64 %zmm18,18*64(%r12)\n\tvmovdqu64 %zmm19,19*64(%r12)\n"
    "\tvmovdqu64 %zmm20,20*64(%r12)\n\tvmovdqu64 %zmm21,21*64(%r12)\n\tvmovdqu64 %zmm22,22*64(%r12)\n\tvmovdqu64 %zmm23,23*64(%r12)\n"
    "\tvmovdqu64 %zmm24,24*64(%r12)\n\tvmovdqu64 %zmm25,25*64(%r12)\n\tvmovdqu64 %zmm26,26*64(%r12)\n\tvmovdqu64 %zmm27,27*64(%r12)\n"
    "\tvmovdqu64 %zmm28,28*64(%r12)\n\tvmovdqu64 %zmm29,29*64(%r12)\n\tvmovdqu64 %zmm30,30*64(%r12)\n\tvmovdqu64 %zmm31,31*64(%r12)\n"
    "\tkmovq %k0,2048+0*8(%r12)\n\tkmovq %k1,2048+1*8(%r12)\n\tkmovq %k2,2048+2*8(%r12)\n\tkmovq %k3,2048+3*8(%r12)\n"
    "\tkmovq %k4,2048+4*8(%r12)\n\tkmovq %k5,2048+5*8(%r12)\n\tkmovq %k6,2048+6*8(%r12)\n\tkmovq %k7,2048+7*8(%r12)\n"
    "\tvzeroupper\n\tjmp 3f\n"
    "1:\tcmp $1, %r15d\n\tjb 2f\n"
    "\tvmovdqu %ymm0,0*64(%r12)\n\tvmovdqu %ymm1,1*64(%r12)\n\tvmovdqu %ymm2,2*64(%r12)\n\tvmovdqu %ymm3,3*64(%r12)\n"
    "\tvmovdqu %ymm4,4*64(%r12)\n\tvmovdqu %ymm5,5*64(%r12)\n\tvmovdqu %ymm6,6*64(%r12)\n\tvmovdqu %ymm7,7*64(%r12)\n"
    "\tvmovdqu %ymm8,8*64(%r12)\n\tvmovdqu %ymm9,9*64(%r12)\n\tvmovdqu %ymm10,10*64(%r12)\n\tvmovdqu %ymm11,11*64(%r12)\n"
    "\tvmovdqu %ymm12,12*64(%r12)\n\tvmovdqu %ymm13,13*64(%r12)\n\tvmovdqu %ymm14,14*64(%r12)\n\tvmovdqu %ymm15,15*64(%r12)\n"
    "\tvzeroupper\n\tjmp 3f\n"
    "2:\n"
    "\tmovdqu %xmm0,0*64(%r12)\n\tmovdqu %xmm1,1*64(%r12)\n\tmovdqu %xmm2,2*64(%r12)\n\tmovdqu %xmm3,3*64(%r12)\n"
    "\tmovdqu %xmm4,4*64(%r12)\n\tmovdqu %xmm5,5*64(%r12)\n\tmovdqu %xmm6,6*64(%r12)\n\tmovdqu %xmm7,7*64(%r12)\n"
    "\tmovdqu %xmm8,8*64(%r12)\n\tmovdqu %xmm9,9*64(%r12)\n\tmovdqu %xmm10,10*64(%r12)\n\tmovdqu %xmm11,11*64(%r12)\n"
    "\tmovdqu %xmm12,12*64(%r12)\n\tmovdqu %xmm13,13*64(%r12)\n\tmovdqu %xmm14,14*64(%r12)\n\tmovdqu %xmm15,15*64(%r12)\n"
    "3:\n"
    "\tldmxcsr (%rsp)\n\tfldcw 4(%rsp)\n"
    "\tmov %rbx, %rax\n"
    "\tadd $24, %rsp\n"
    "\tpop %r15\n\tpop %r14\n\tpop %r13\n\tpop %r12\n\tpop %rbp\n\tpop %rbx\n"
    "\tret\n"
    ".size vec_run,.-vec_run\n");

/* The program's own control settings: round toward zero and flush to zero
 * in MXCSR (all exceptions masked), round down in the x87 control word. */
#define TEST_MXCSR 0xff80u
#define TEST_FPUCW 0x077fu

static struct vstate in, out;

static void fill(void) {
    for (int r = 0; r < 32; r++)
        for (int b = 0; b < 64; b++)
            in.zmm[r][b] = (uint8_t)(r * 37 + b * 11 + 1);
    for (int i = 0; i < 8; i++)
        in.k[i] = 0x0123456789abcdefull * (uint64_t)(i + 1);
    for (int i = 0; i < 8; i++) {
        long double v = (long double)(i + 1) / 3.0L + (long double)i * 1e100L;
        memcpy(in.x87[i], &v, 10);
    }
    in.mxcsr = TEST_MXCSR;
    in.fpucw = TEST_FPUCW;
}

/* check runs one level and reports each kind of state on its own line. */
static int check(const char *name, int level, int regs, int width, long ppid) {
    memset(&out, 0, sizeof out);
    long bad = vec_run(&in, &out, ITERATIONS, ppid, level);
    int fails = 0;
    printf("%s: %d calls, wrong results, general registers or flags: %ld\n", name, ITERATIONS, bad);
    fails += bad != 0;
    int vec_bad = 0;
    for (int r = 0; r < regs; r++)
        vec_bad += memcmp(in.zmm[r], out.zmm[r], width) != 0;
    printf("%s: %d vector registers of %d bytes, changed: %d\n", name, regs, width, vec_bad);
    fails += vec_bad != 0;
    if (level == 2) {
        int k_bad = 0;
        for (int i = 0; i < 8; i++)
            k_bad += in.k[i] != out.k[i];
        printf("%s: mask registers k0-k7 changed: %d\n", name, k_bad);
        fails += k_bad != 0;
    }
    int x87_bad = 0;
    for (int i = 0; i < 8; i++)
        x87_bad += memcmp(in.x87[i], out.x87[i], 10) != 0;
    printf("%s: x87 st0-st7 changed: %d\n", name, x87_bad);
    fails += x87_bad != 0;
    printf("%s: mxcsr control bits kept: %s\n", name,
           (out.mxcsr & 0xffc0u) == (TEST_MXCSR & 0xffc0u) ? "yes" : "no");
    fails += (out.mxcsr & 0xffc0u) != (TEST_MXCSR & 0xffc0u);
    printf("%s: x87 control word kept: %s\n", name, (out.fpucw & 0x1f3f) == (TEST_FPUCW & 0x1f3f) ? "yes" : "no");
    fails += (out.fpucw & 0x1f3f) != (TEST_FPUCW & 0x1f3f);
    return fails;
}

int main(void) {
    long ppid = getppid();
    int fails = 0;
    fill();
    __builtin_cpu_init();
    fails += check("sse", 0, 16, 16, ppid);
    if (__builtin_cpu_supports("avx"))
        fails += check("avx", 1, 16, 32, ppid);
    else
        printf("avx: not supported\n");
    if (__builtin_cpu_supports("avx512f"))
        fails += check("avx512f", 2, 32, 64, ppid);
    else
        printf("avx512f: not supported\n");
    printf("%s\n", fails ? "STATE CHANGED" : "all state intact");
    return fails ? 1 : 0;
}
