/* fast_selfmod: self-modifying code in function symbols of the program's
 * own text. The syscall number of a "mov $nr,%eax; syscall" site is
 * changed by writing the mov's immediate, as a patching JIT or a hot-patch
 * tool does:
 *   writable: the page is made RWX first, the site runs (elfloader may
 *             rewrite it), then its immediate is written and the site must
 *             run the new syscall;
 *   toggled:  the site runs in RX text, then the page is made RWX, the
 *             program must read its original bytes, writes the immediate,
 *             restores RX, and the site must run the new syscall. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CALLS 2000

long sm_writable(void);
long sm_toggled(void);
/* Each function alone on its own page. */
__asm__(".text\n"
        ".p2align 12\n"
        ".globl sm_writable\n.type sm_writable,@function\n"
        "sm_writable:\n\tmov $39,%eax\n\tsyscall\n\tret\n"
        ".size sm_writable,.-sm_writable\n"
        ".p2align 12\n"
        ".globl sm_toggled\n.type sm_toggled,@function\n"
        "sm_toggled:\n\tmov $39,%eax\n\tsyscall\n\tret\n"
        ".size sm_toggled,.-sm_toggled\n"
        ".p2align 12\n");

static const unsigned char original[] = {0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0xc3};

static void *page_of(void *p) { return (void *)((uintptr_t)p & ~(uintptr_t)4095); }

static int calls_return(long (*f)(void), long want) {
    for (int i = 0; i < CALLS; i++)
        if (f() != want)
            return 0;
    return 1;
}

static const char *yes(int ok) { return ok ? "yes" : "no"; }

static void set_nr(void *fn, uint32_t nr) {
    /* The immediate of "b8 imm32", written in place. */
    volatile unsigned char *p = (volatile unsigned char *)fn + 1;
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(nr >> (8 * i));
}

int main(void) {
    long pid = getpid(), ppid = getppid();
    int bad = 0, ok;
    const int rwx = PROT_READ | PROT_WRITE | PROT_EXEC;

    void *w = (void *)sm_writable;
    if (mprotect(page_of(w), 4096, rwx) != 0) {
        perror("mprotect");
        return 1;
    }
    ok = calls_return(sm_writable, pid);
    printf("writable: site returns getpid: %s\n", yes(ok));
    bad += !ok;
    ok = memcmp(w, original, sizeof original) == 0;
    printf("writable: code reads as written: %s\n", yes(ok));
    bad += !ok;
    set_nr(w, 110);
    ok = calls_return(sm_writable, ppid);
    printf("writable: after writing the immediate the site returns getppid: %s\n", yes(ok));
    bad += !ok;
    mprotect(page_of(w), 4096, PROT_READ | PROT_EXEC);

    void *t = (void *)sm_toggled;
    ok = calls_return(sm_toggled, pid);
    printf("toggled: site returns getpid: %s\n", yes(ok));
    bad += !ok;
    if (mprotect(page_of(t), 4096, rwx) != 0) {
        perror("mprotect");
        return 1;
    }
    ok = memcmp(t, original, sizeof original) == 0;
    printf("toggled: code reads as written once writable: %s\n", yes(ok));
    bad += !ok;
    set_nr(t, 110);
    mprotect(page_of(t), 4096, PROT_READ | PROT_EXEC);
    ok = calls_return(sm_toggled, ppid);
    printf("toggled: after writing the immediate the site returns getppid: %s\n", yes(ok));
    bad += !ok;
    return bad ? 1 : 0;
}
