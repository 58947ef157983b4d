/*
 * syscalls: exercises the core system-call handlers and their errno
 * results. Prints one line per check ("NAME ok" or "FAIL NAME: detail");
 * values that differ between runs are never printed on success. Exits 0
 * only if every check passes. Raw syscall() is used where a C library
 * might not wrap the call or might handle it itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check(int ok, const char *name, const char *fmt, ...)
{
	if (ok) {
		printf("%s ok\n", name);
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	printf("FAIL %s: ", name);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	failures++;
}

/* check_errno expects ret == -1 with errno == want. */
static void check_errno(long ret, int want, const char *name)
{
	int got = ret == -1 ? errno : 0;
	check(ret == -1 && got == want, name, "ret=%ld errno=%d (%s), want errno %d (%s)",
	      ret, got, strerror(got), want, strerror(want));
}

static int64_t ts_ns(struct timespec ts)
{
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void test_uname(void)
{
	struct utsname u;
	int ret = uname(&u);
	check(ret == 0 && strcmp(u.sysname, "Linux") == 0 && strcmp(u.machine, "x86_64") == 0,
	      "uname", "ret=%d sysname=%s machine=%s", ret, u.sysname, u.machine);
	check(ret == 0 && u.release[0] != '\0', "uname release", "empty release");
}

static void test_ids(void)
{
	pid_t pid = getpid();
	pid_t ppid = getppid();
	long tid = syscall(SYS_gettid);
	check(pid > 0, "getpid", "pid=%d", pid);
	check(ppid > 0 && ppid != pid, "getppid", "ppid=%d pid=%d", ppid, pid);
	check(tid == pid, "gettid", "tid=%ld pid=%d", tid, pid);

	uid_t uid = getuid(), euid = geteuid();
	gid_t gid = getgid(), egid = getegid();
	check(uid == getauxval(AT_UID) && euid == getauxval(AT_EUID),
	      "getuid geteuid", "uid=%u euid=%u auxv %lu %lu", uid, euid,
	      getauxval(AT_UID), getauxval(AT_EUID));
	check(gid == getauxval(AT_GID) && egid == getauxval(AT_EGID),
	      "getgid getegid", "gid=%u egid=%u auxv %lu %lu", gid, egid,
	      getauxval(AT_GID), getauxval(AT_EGID));
	uid_t r, e, s;
	int ret = getresuid(&r, &e, &s);
	check(ret == 0 && r == uid && e == euid, "getresuid", "ret=%d r=%u e=%u", ret, r, e);
	gid_t gr, ge, gs;
	ret = getresgid(&gr, &ge, &gs);
	check(ret == 0 && gr == gid && ge == egid, "getresgid", "ret=%d r=%u e=%u", ret, gr, ge);
}

static void test_time(void)
{
	struct timespec a, b, req = {0, 1000000};
	int r1 = clock_gettime(CLOCK_MONOTONIC, &a);
	int slept = nanosleep(&req, NULL);
	int r2 = clock_gettime(CLOCK_MONOTONIC, &b);
	check(r1 == 0 && r2 == 0 && ts_ns(b) > ts_ns(a), "clock_gettime monotonic",
	      "r1=%d r2=%d a=%lld b=%lld", r1, r2, (long long)ts_ns(a), (long long)ts_ns(b));
	check(slept == 0 && ts_ns(b) - ts_ns(a) >= 1000000, "nanosleep 1ms",
	      "ret=%d errno=%d elapsed=%lldns", slept, errno, (long long)(ts_ns(b) - ts_ns(a)));

	struct timespec rt;
	int r3 = clock_gettime(CLOCK_REALTIME, &rt);
	struct timeval tv;
	int r4 = gettimeofday(&tv, NULL);
	time_t now = time(NULL);
	check(r3 == 0 && rt.tv_sec > 1600000000, "clock_gettime realtime", "ret=%d sec=%lld",
	      r3, (long long)rt.tv_sec);
	check(r4 == 0 && tv.tv_sec > 1600000000 && tv.tv_usec >= 0 && tv.tv_usec < 1000000,
	      "gettimeofday", "ret=%d sec=%lld usec=%ld", r4, (long long)tv.tv_sec, (long)tv.tv_usec);
	/* time() reads the coarse clock, which may still show the previous
	 * second when gettimeofday already shows the next one. */
	check(now >= tv.tv_sec - 1 && now - tv.tv_sec <= 2, "time", "time=%lld gettimeofday=%lld",
	      (long long)now, (long long)tv.tv_sec);
	check_errno(syscall(SYS_clock_gettime, 12345, &rt), EINVAL, "clock_gettime bad clock EINVAL");
}

static void test_getrandom(void)
{
	unsigned char buf[32];
	memset(buf, 0, sizeof(buf));
	long n = syscall(SYS_getrandom, buf, sizeof(buf), 0);
	int nonzero = 0;
	for (size_t i = 0; i < sizeof(buf); i++)
		nonzero |= buf[i];
	check(n == 32 && nonzero, "getrandom", "ret=%ld nonzero=%d", n, nonzero);
}

static void test_limits(void)
{
	struct rlimit old;
	long ret = syscall(SYS_prlimit64, 0, RLIMIT_STACK, NULL, &old);
	check(ret == 0 && old.rlim_cur > 0 && old.rlim_cur <= old.rlim_max, "prlimit64 stack",
	      "ret=%ld cur=%llu max=%llu", ret, (unsigned long long)old.rlim_cur,
	      (unsigned long long)old.rlim_max);
	struct rlimit st;
	int r = getrlimit(RLIMIT_STACK, &st);
	check(r == 0 && st.rlim_cur == old.rlim_cur && st.rlim_max == old.rlim_max,
	      "getrlimit stack", "ret=%d cur=%llu", r, (unsigned long long)st.rlim_cur);
	struct rlimit nf;
	r = getrlimit(RLIMIT_NOFILE, &nf);
	check(r == 0 && nf.rlim_cur >= 3 && nf.rlim_cur <= nf.rlim_max, "getrlimit nofile",
	      "ret=%d cur=%llu max=%llu", r, (unsigned long long)nf.rlim_cur,
	      (unsigned long long)nf.rlim_max);
	/* Lowering the soft limit and reading it back. */
	struct rlimit lower = {nf.rlim_cur > 64 ? 64 : nf.rlim_cur, nf.rlim_max}, back;
	ret = syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &lower, NULL);
	r = getrlimit(RLIMIT_NOFILE, &back);
	check(ret == 0 && r == 0 && back.rlim_cur == lower.rlim_cur, "setrlimit nofile",
	      "ret=%ld cur=%llu", ret, (unsigned long long)back.rlim_cur);
	setrlimit(RLIMIT_NOFILE, &nf);
	check_errno(syscall(SYS_prlimit64, 0, 9999, NULL, &old), EINVAL, "prlimit64 bad resource EINVAL");
}

static void test_sysinfo(void)
{
	struct sysinfo si;
	int r = sysinfo(&si);
	check(r == 0 && si.totalram > 0 && si.mem_unit >= 1 && si.procs >= 1, "sysinfo",
	      "ret=%d totalram=%lu mem_unit=%u procs=%u", r, (unsigned long)si.totalram,
	      si.mem_unit, si.procs);
}

static void test_fd_errors(void)
{
	int p[2];
	int r = pipe(p);
	check(r == 0, "pipe", "errno=%d (%s)", errno, strerror(errno));
	if (r != 0)
		return;
	struct termios tio;
	check_errno(ioctl(p[0], TCGETS, &tio), ENOTTY, "ioctl TCGETS ENOTTY");
	check_errno(write(999, "x", 1), EBADF, "write bad fd EBADF");
	check_errno(syscall(SYS_write, p[1], (void *)16, 1), EFAULT, "write bad pointer EFAULT");
	check_errno(close(999), EBADF, "close bad fd EBADF");
	ssize_t w = write(p[1], "ping", 4);
	char buf[8] = {0};
	ssize_t n = read(p[0], buf, sizeof(buf));
	check(w == 4 && n == 4 && memcmp(buf, "ping", 4) == 0, "pipe round trip",
	      "write=%zd read=%zd", w, n);
	close(p[0]);
	close(p[1]);
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void test_signals(void)
{
	struct sigaction sa, old, got;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	int r1 = sigaction(SIGUSR1, &sa, &old);
	int r2 = sigaction(SIGUSR1, NULL, &got);
	check(r1 == 0 && r2 == 0 && old.sa_handler == SIG_DFL && got.sa_handler == on_usr1 &&
		      (got.sa_flags & SA_RESTART) && sigismember(&got.sa_mask, SIGUSR2) == 1,
	      "rt_sigaction round trip", "r1=%d r2=%d flags=%#x", r1, r2, (unsigned)got.sa_flags);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGUSR1, &sa, NULL);
	check_errno(sigaction(SIGKILL, &sa, NULL), EINVAL, "rt_sigaction SIGKILL EINVAL");
	check_errno(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &got, 4), EINVAL,
		    "rt_sigaction bad sigsetsize EINVAL");

	sigset_t block, cur;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGKILL);
	int r3 = sigprocmask(SIG_BLOCK, &block, NULL);
	int r4 = sigprocmask(SIG_BLOCK, NULL, &cur);
	check(r3 == 0 && r4 == 0 && sigismember(&cur, SIGUSR1) == 1 && sigismember(&cur, SIGKILL) == 0,
	      "rt_sigprocmask block", "r3=%d r4=%d usr1=%d kill=%d", r3, r4,
	      sigismember(&cur, SIGUSR1), sigismember(&cur, SIGKILL));
	int r5 = sigprocmask(SIG_UNBLOCK, &block, NULL);
	int r6 = sigprocmask(SIG_BLOCK, NULL, &cur);
	check(r5 == 0 && r6 == 0 && sigismember(&cur, SIGUSR1) == 0, "rt_sigprocmask unblock",
	      "r5=%d r6=%d usr1=%d", r5, r6, sigismember(&cur, SIGUSR1));
	check_errno(syscall(SYS_rt_sigprocmask, 99, &block, NULL, 8), EINVAL,
		    "rt_sigprocmask bad how EINVAL");
}

static void test_affinity(void)
{
	unsigned long mask[16];
	memset(mask, 0, sizeof(mask));
	long n = syscall(SYS_sched_getaffinity, 0, sizeof(mask), mask);
	int cpus = 0;
	for (long i = 0; i < n / (long)sizeof(mask[0]); i++)
		cpus += __builtin_popcountl(mask[i]);
	check(n > 0 && n % sizeof(mask[0]) == 0 && cpus >= 1, "sched_getaffinity",
	      "ret=%ld cpus=%d", n, cpus);
}

static void test_enosys(void)
{
	check_errno(syscall(1000), ENOSYS, "unknown syscall ENOSYS");
}

int main(void)
{
	test_uname();
	test_ids();
	test_time();
	test_getrandom();
	test_limits();
	test_sysinfo();
	test_fd_errors();
	test_signals();
	test_affinity();
	test_enosys();
	printf(failures ? "FAIL syscalls: %d failures\n" : "syscalls ok\n", failures);
	return failures ? 1 : 0;
}
