/* fast_remap_lib: the shared library of fast_remap, built twice by the
 * test with -DFAST_LIB_NR=39 (f is getpid) and -DFAST_LIB_NR=110 (f is
 * getppid). f is a function symbol holding "mov $nr,%eax; syscall", the
 * sequence elfloader's fast path rewrites. */
#ifndef FAST_LIB_NR
#error "build with -DFAST_LIB_NR=<syscall number>"
#endif
#define FAST_STR2(x) #x
#define FAST_STR(x) FAST_STR2(x)

long f(void);
__asm__(".text\n"
        ".globl f\n.type f,@function\n.p2align 4\n"
        "f:\n\tmov $" FAST_STR(FAST_LIB_NR) ",%eax\n\tsyscall\n\tret\n"
        ".size f,.-f\n");
