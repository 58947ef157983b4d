/* fast_midjump: a syscall site ("mov $39,%eax; syscall") inside a function
 * symbol is called until elfloader's fast path has rewritten it, then the
 * program jumps on purpose to the syscall instruction in the middle of the
 * sequence with another number in eax (110, getppid): it must get getppid's
 * result, as natively. A raw read site is also rewritten and then
 * interrupted by an SA_RESTART signal, so the restarted call re-enters the
 * middle of the rewritten sequence. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

long site_fn(void);
long fast_raw_read(long fd, void *buf, long n);
__asm__(
    ".text\n"
    ".globl site_fn\n.type site_fn,@function\n.p2align 4\n"
    "site_fn:\n\tmov $39,%eax\n"
    ".globl site_syscall\nsite_syscall:\n\tsyscall\n\tret\n"
    ".size site_fn,.-site_fn\n"
    ".globl fast_raw_read\n.type fast_raw_read,@function\n.p2align 4\n"
    "fast_raw_read:\n\tmov $0,%eax\n\tsyscall\n\tret\n"
    ".size fast_raw_read,.-fast_raw_read\n");

/* call_site_syscall enters site_syscall with eax = nr. The stack pointer
 * is moved below the red zone first so that the call's return address
 * cannot overwrite the compiler's data. */
static long call_site_syscall(long nr) {
    long ret;
    __asm__ volatile("sub $128, %%rsp\n\t"
                     "call site_syscall\n\t"
                     "add $128, %%rsp"
                     : "=a"(ret)
                     : "a"(nr)
                     : "rcx", "r11", "memory", "cc");
    return ret;
}

static int pipefd[2];

static void on_alarm(int sig) {
    (void)sig;
    char c = 'r';
    if (write(pipefd[1], &c, 1) != 1)
        _exit(3);
}

int main(void) {
    long pid = getpid(), ppid = getppid();
    int bad = 0;
    for (int i = 0; i < 1000; i++)
        bad += site_fn() != pid;
    printf("site_fn returns getpid: %s\n", bad ? "no" : "yes");

    int wrong = 0;
    for (int i = 0; i < 1000; i++)
        wrong += call_site_syscall(110) != ppid;
    printf("jump to site_syscall with eax=110 returns getppid: %s\n", wrong ? "no" : "yes");
    bad += wrong;

    wrong = 0;
    for (int i = 0; i < 1000; i++) {
        wrong += call_site_syscall(39) != pid;
        wrong += site_fn() != pid;
    }
    printf("site_fn and site_syscall with eax=39 return getpid: %s\n", wrong ? "no" : "yes");
    bad += wrong;

    long r = call_site_syscall(-1);
    printf("site_syscall with eax=-1 returns -ENOSYS: %s\n", r == -ENOSYS ? "yes" : "no");
    bad += r != -ENOSYS;

    /* The read site: rewrite it with data waiting, then block in it and
     * let an SA_RESTART handler provide the byte. */
    if (pipe(pipefd) != 0) {
        perror("pipe");
        return 1;
    }
    char buf[8];
    wrong = 0;
    for (int i = 0; i < 200; i++) {
        if (write(pipefd[1], "ab", 2) != 2)
            return 1;
        wrong += fast_raw_read(pipefd[0], buf, 2) != 2 || memcmp(buf, "ab", 2) != 0;
    }
    printf("raw read site returns the data: %s\n", wrong ? "no" : "yes");
    bad += wrong;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    wrong = 0;
    for (int i = 0; i < 3; i++) {
        struct itimerval it = {.it_value = {.tv_usec = 20000}};
        setitimer(ITIMER_REAL, &it, NULL);
        long n = fast_raw_read(pipefd[0], buf, 1);
        wrong += n != 1 || buf[0] != 'r';
    }
    printf("restarted raw read returns the handler's byte: %s\n", wrong ? "no" : "yes");
    bad += wrong;
    return bad ? 1 : 0;
}
