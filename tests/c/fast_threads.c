/* fast_threads: eight threads released by one barrier call glibc/musl
 * syscall wrappers (getppid, getuid, write to /dev/null) and a few raw
 * syscall sites 100,000 times each, so that under elfloader's lazy fast
 * path the sites are patched while other threads are executing them.
 * Every result is checked; the output is a deterministic summary. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define NTHREADS 8
#define ITERATIONS 100000

/* Raw sites: each a function symbol holding "mov $nr,%eax; syscall". */
long fast_raw_getppid(void);
long fast_raw_getuid(void);
long fast_raw_getgid(void);
__asm__(
    ".text\n"
    ".globl fast_raw_getppid\n.type fast_raw_getppid,@function\n.p2align 4\n"
    "fast_raw_getppid:\n\tmov $110,%eax\n\tsyscall\n\tret\n"
    ".size fast_raw_getppid,.-fast_raw_getppid\n"
    ".globl fast_raw_getuid\n.type fast_raw_getuid,@function\n.p2align 4\n"
    "fast_raw_getuid:\n\tmov $102,%eax\n\tsyscall\n\tret\n"
    ".size fast_raw_getuid,.-fast_raw_getuid\n"
    /* Deliberately unaligned: the 5-byte mov straddles an 8-byte word. */
    ".globl fast_raw_getgid\n.type fast_raw_getgid,@function\n.p2align 4\n"
    "\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n"
    "fast_raw_getgid:\n\tmov $104,%eax\n\tsyscall\n\tret\n"
    ".size fast_raw_getgid,.-fast_raw_getgid\n");

struct result {
    long ppid_bad, uid_bad, gid_bad, write_bad, raw_bad;
};

static pthread_barrier_t start;
static pid_t main_ppid;
static uid_t main_uid;
static gid_t main_gid;
static int devnull;
static struct result results[NTHREADS];

static void *worker(void *arg) {
    struct result *r = arg;
    char c = 'x';
    pthread_barrier_wait(&start);
    for (int i = 0; i < ITERATIONS; i++) {
        if (getppid() != main_ppid)
            r->ppid_bad++;
        if (getuid() != main_uid)
            r->uid_bad++;
        if (write(devnull, &c, 1) != 1)
            r->write_bad++;
        if (fast_raw_getppid() != main_ppid || fast_raw_getuid() != (long)main_uid ||
            fast_raw_getgid() != (long)main_gid)
            r->raw_bad++;
    }
    r->gid_bad = getgid() != main_gid;
    return NULL;
}

int main(void) {
    pthread_t th[NTHREADS];
    main_ppid = getppid();
    main_uid = getuid();
    main_gid = getgid();
    devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (devnull < 0) {
        perror("open /dev/null");
        return 1;
    }
    if (pthread_barrier_init(&start, NULL, NTHREADS + 1) != 0) {
        fprintf(stderr, "pthread_barrier_init failed\n");
        return 1;
    }
    for (int i = 0; i < NTHREADS; i++) {
        if (pthread_create(&th[i], NULL, worker, &results[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            return 1;
        }
    }
    pthread_barrier_wait(&start);
    struct result total = {0};
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(th[i], NULL);
        total.ppid_bad += results[i].ppid_bad;
        total.uid_bad += results[i].uid_bad;
        total.gid_bad += results[i].gid_bad;
        total.write_bad += results[i].write_bad;
        total.raw_bad += results[i].raw_bad;
    }
    printf("threads %d, iterations %d each\n", NTHREADS, ITERATIONS);
    printf("getppid mismatches: %ld\n", total.ppid_bad);
    printf("getuid mismatches: %ld\n", total.uid_bad);
    printf("getgid mismatches: %ld\n", total.gid_bad);
    printf("write failures: %ld\n", total.write_bad);
    printf("raw site mismatches: %ld\n", total.raw_bad);
    long bad = total.ppid_bad + total.uid_bad + total.gid_bad + total.write_bad + total.raw_bad;
    printf("%s\n", bad == 0 ? "all results correct" : "WRONG RESULTS");
    return bad == 0 ? 0 : 1;
}
