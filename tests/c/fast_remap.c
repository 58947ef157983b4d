/* fast_remap: code that elfloader's fast path may have rewritten goes away
 * and different code appears at the same address; the new code must run
 * as itself.
 *
 *   fast_remap anon     anonymous RWX memory: getpid code, munmap, map
 *                       again at the same address with MAP_FIXED_NOREPLACE
 *                       and getppid code; also MAP_FIXED over live code and
 *                       mprotect(RW) + rewrite + mprotect(RX).
 *   fast_remap dl DIR   dlopen DIR/libfastA.so (f = getpid), call f until
 *                       rewritten, dlclose, dlopen DIR/libfastB.so (f =
 *                       getppid): f must return getppid's value.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CALLS 2000

typedef long (*fn)(void);

static const unsigned char getpid_code[] = {0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0xc3};
static const unsigned char getppid_code[] = {0xb8, 110, 0, 0, 0, 0x0f, 0x05, 0xc3};

static int calls_return(fn f, long want) {
    for (int i = 0; i < CALLS; i++)
        if (f() != want)
            return 0;
    return 1;
}

static const char *yes(int ok) { return ok ? "yes" : "no"; }

static int anon(void) {
    long pid = getpid(), ppid = getppid();
    int bad = 0;
    size_t len = 4096;
    int prot = PROT_READ | PROT_WRITE | PROT_EXEC;
    unsigned char *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    memcpy(p, getpid_code, sizeof getpid_code);
    int ok = calls_return((fn)p, pid);
    printf("anon: getpid code returns getpid: %s\n", yes(ok));
    bad += !ok;

    munmap(p, len);
    unsigned char *q = mmap(p, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("anon: mapped again at the same address: %s\n", yes(q == p));
    if (q != p)
        return 1;
    memcpy(q, getppid_code, sizeof getppid_code);
    ok = calls_return((fn)q, ppid);
    printf("anon: getppid code at the same address returns getppid: %s\n", yes(ok));
    bad += !ok;

    /* MAP_FIXED straight over live code. */
    q = mmap(p, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (q != p) {
        perror("mmap MAP_FIXED");
        return 1;
    }
    memcpy(q, getpid_code, sizeof getpid_code);
    ok = calls_return((fn)q, pid);
    printf("anon: MAP_FIXED replacement returns getpid: %s\n", yes(ok));
    bad += !ok;

    /* Write-protect-toggle, as a JIT does. */
    mprotect(p, len, PROT_READ | PROT_WRITE);
    memcpy(p, getppid_code, sizeof getppid_code);
    mprotect(p, len, PROT_READ | PROT_EXEC);
    ok = calls_return((fn)p, ppid);
    printf("anon: code rewritten under mprotect returns getppid: %s\n", yes(ok));
    bad += !ok;
    munmap(p, len);
    return bad ? 1 : 0;
}

static void *open_lib(const char *dir, const char *name, fn *f) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        printf("dlopen %s failed\n", name);
        return NULL;
    }
    *f = (fn)dlsym(h, "f");
    if (!*f) {
        printf("dlsym f in %s failed\n", name);
        return NULL;
    }
    return h;
}

static int dl(const char *dir) {
    long pid = getpid(), ppid = getppid();
    int bad = 0;
    fn fa, fb;
    void *a = open_lib(dir, "libfastA.so", &fa);
    if (!a)
        return 1;
    int ok = calls_return(fa, pid);
    printf("dl: A's f returns getpid: %s\n", yes(ok));
    bad += !ok;
    void *where = (void *)fa;
    if (dlclose(a) != 0) {
        printf("dlclose A failed\n");
        return 1;
    }
    void *b = open_lib(dir, "libfastB.so", &fb);
    if (!b)
        return 1;
    printf("dl: B's f at A's old address: %s\n", yes((void *)fb == where));
    ok = calls_return(fb, ppid);
    printf("dl: B's f returns getppid: %s\n", yes(ok));
    bad += !ok;
    dlclose(b);

    /* And back again: A reloaded must be A. */
    a = open_lib(dir, "libfastA.so", &fa);
    if (!a)
        return 1;
    ok = calls_return(fa, pid);
    printf("dl: A reloaded returns getpid: %s\n", yes(ok));
    bad += !ok;
    dlclose(a);
    return bad ? 1 : 0;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "anon") == 0)
        return anon();
    if (argc == 3 && strcmp(argv[1], "dl") == 0)
        return dl(argv[2]);
    fprintf(stderr, "usage: fast_remap anon | fast_remap dl DIR\n");
    return 2;
}
