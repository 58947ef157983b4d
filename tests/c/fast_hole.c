/* fast_hole: the address range just below the executable is free natively
 * (nothing is mapped below a static executable), so a program may map it
 * with MAP_FIXED_NOREPLACE and with MAP_FIXED. elfloader's fast path must
 * not take app address space for its trampolines where the program can
 * see it. The program first calls a syscall site of its own text many
 * times so that the site is rewritten. Meant for static executables. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HOLE (2u << 20)

extern char __executable_start[];

long hole_site(void);
__asm__(".text\n"
        ".globl hole_site\n.type hole_site,@function\n.p2align 4\n"
        "hole_site:\n\tmov $39,%eax\n\tsyscall\n\tret\n"
        ".size hole_site,.-hole_site\n");

static const char *errno_name(int e) {
    switch (e) {
    case EEXIST:
        return "EEXIST";
    case ENOMEM:
        return "ENOMEM";
    case EINVAL:
        return "EINVAL";
    case EPERM:
        return "EPERM";
    default:
        return "another errno";
    }
}

static int try_map(const char *what, uintptr_t start, int flags) {
    void *want = (void *)start;
    void *p = mmap(want, HOLE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
    if (p == MAP_FAILED) {
        printf("%s of the 2 MiB below the executable: failed with %s\n", what, errno_name(errno));
        return 1;
    }
    int ok = p == want;
    printf("%s of the 2 MiB below the executable: %s\n", what, ok ? "mapped there" : "mapped elsewhere");
    memset(p, 0x5a, HOLE);
    munmap(p, HOLE);
    return !ok;
}

int main(void) {
    long pid = getpid();
    int bad = 0;
    for (int i = 0; i < 1000; i++)
        bad += hole_site() != pid;
    printf("site returns getpid: %s\n", bad ? "no" : "yes");
    uintptr_t start = (uintptr_t)__executable_start & ~(uintptr_t)4095;
    if (start < HOLE + (1u << 16)) {
        printf("executable too low for the test\n");
        return 1;
    }
    bad += try_map("MAP_FIXED_NOREPLACE", start - HOLE, MAP_FIXED_NOREPLACE);
    bad += try_map("MAP_FIXED", start - HOLE, MAP_FIXED);
    /* Rewritten sites must still work after the program used the range. */
    int again = 0;
    for (int i = 0; i < 1000; i++)
        again += hole_site() != pid;
    printf("site still returns getpid: %s\n", again ? "no" : "yes");
    bad += again;
    return bad ? 1 : 0;
}
