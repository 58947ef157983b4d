/* Every struct a syscall writes has the kernel's size and layout: each call
 * runs twice with its output buffer pre-filled with a guard pattern (0xA5,
 * then 0x5A) and reports the return value or errno and which bytes the call
 * wrote ("w=0-143"); a byte counts as written when it differs from the guard
 * in either run. Then the fields that do not depend on the machine (modes,
 * sizes, flags, lengths) are printed, never times, inode numbers or pids.
 * Size arguments are exercised too: sigsetsize, clone3 and openat2 sizes,
 * truncated socket addresses. Raw syscall(2) throughout, so the output is the
 * same with any libc. Usage: abi_structs DIR */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_statx
#define SYS_statx 332
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441
#endif

#define BUFSZ 1024
static unsigned char bufs[2][BUFSZ] __attribute__((aligned(16)));
static const unsigned char guards[2] = {0xA5, 0x5A};
static long rets[2];
static int errs[2];
/* out is the buffer of the second run, for printing fields. */
static unsigned char *out = bufs[1];

/* written marks the bytes a probe's passes changed. */
static unsigned char written[BUFSZ];

static void mark(void) {
	for (int i = 0; i < BUFSZ; i++)
		written[i] |= bufs[0][i] != guards[0] || bufs[1][i] != guards[1];
}

/* PROBE_N runs expr reps times twice, once per guard (expr writes through
 * buf), counts a byte written when any pass changed it, and reports;
 * show_ret prints a non-negative return value. */
#define PROBE_N(name, expr, reps, show_ret)                              \
	do {                                                             \
		memset(written, 0, BUFSZ);                               \
		for (int rep_ = 0; rep_ < (reps); rep_++) {              \
			for (int pass_ = 0; pass_ < 2; pass_++) {        \
				unsigned char *buf = bufs[pass_];        \
				memset(buf, guards[pass_], BUFSZ);       \
				errno = 0;                               \
				rets[pass_] = (long)(expr);              \
				errs[pass_] = errno;                     \
				(void)buf;                               \
			}                                                \
			mark();                                          \
		}                                                        \
		report(name, show_ret);                                  \
	} while (0)

/* PROBE runs expr twice; expr writes through buf (guard-filled). */
#define PROBE(name, expr) PROBE_N(name, expr, 1, 0)

/* PROBE_RET also prints a non-negative return value. */
#define PROBE_RET(name, expr) PROBE_N(name, expr, 1, 1)

/* PROBE_TIME is PROBE for calls that write times, which change from call
 * to call: a time's byte can equal both guards in its two passes (a CI
 * run saw clock_gettime's tv_nsec do so), so the passes run three times. */
#define PROBE_TIME(name, expr) PROBE_N(name, expr, 3, 0)

static void report(const char *name, int show_ret) {
	printf("%s:", name);
	if (rets[0] < 0 || rets[1] < 0)
		printf(" ret=%ld errno=%d", rets[1], errs[1]);
	else if (show_ret)
		printf(" ret=%ld", rets[1]);
	else
		printf(" ok");
	printf(" w=");
	int any = 0;
	for (int i = 0; i < BUFSZ;) {
		if (!written[i]) {
			i++;
			continue;
		}
		int j = i;
		while (j + 1 < BUFSZ && written[j + 1])
			j++;
		printf("%s%d-%d", any ? "," : "", i, j);
		any = 1;
		i = j + 1;
	}
	printf("%s\n", any ? "" : "none");
}

/* getrandom's 24 random bytes, drawn again while one of them happens to
 * equal the guard byte (1 run in 2,700 would otherwise show a byte as not
 * written). */
static long getrandom_probe(unsigned char *b, unsigned char guard) {
	long r = -1;
	for (int k = 0; k < 8; k++) {
		r = syscall(SYS_getrandom, b, 24, 0);
		if (r != 24)
			return r;
		int clash = 0;
		for (int i = 0; i < 24; i++)
			clash |= b[i] == guard;
		if (!clash)
			return r;
		memset(b, guard, 24);
	}
	return r;
}

static uint64_t u64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static uint32_t u32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint16_t u16(const unsigned char *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static int32_t s32(const unsigned char *p) { return (int32_t)u32(p); }

static char dir[4096];
static char *at(const char *name) {
	static char paths[4][4200];
	static int next;
	char *p = paths[next++ % 4];
	snprintf(p, sizeof paths[0], "%s/%s", dir, name);
	return p;
}

/* ---- stat, statx, statfs ---- */

static void stat_family(void) {
	char *file = at("f");
	int fd = open(file, O_CREAT | O_TRUNC | O_WRONLY, 0640);
	if (write(fd, "0123456789", 10) != 10)
		printf("write failed\n");
	fchmod(fd, 0640);
	close(fd);

	PROBE("stat", syscall(SYS_stat, file, buf));
	printf("  mode=%o size=%llu nlink=%llu\n", u32(out + 24), (unsigned long long)u64(out + 48),
	       (unsigned long long)u64(out + 16));
	uint64_t st_dev = u64(out + 0), st_ino = u64(out + 8);
	int64_t mtime = (int64_t)u64(out + 88), mtime_ns = (int64_t)u64(out + 96);
	PROBE("lstat", syscall(SYS_lstat, file, buf));
	fd = open(file, O_RDONLY);
	PROBE("fstat", syscall(SYS_fstat, fd, buf));
	PROBE("newfstatat", syscall(SYS_newfstatat, AT_FDCWD, file, buf, 0));
	PROBE("newfstatat empty path", syscall(SYS_newfstatat, fd, "", buf, AT_EMPTY_PATH));

	PROBE("statx", syscall(SYS_statx, AT_FDCWD, file, 0, 0x7ff, buf));
	printf("  basic mask=%x mode=%o size=%llu nlink=%u\n", u32(out) & 0x7ff, u16(out + 28),
	       (unsigned long long)u64(out + 40), u32(out + 16));
	printf("  ino same=%d dev same=%d mtime same=%d ts reserved=%x\n", u64(out + 32) == st_ino,
	       u32(out + 136) == major(st_dev) && u32(out + 140) == minor(st_dev),
	       (int64_t)u64(out + 112) == mtime && u32(out + 120) == (uint32_t)mtime_ns, u32(out + 124));
	PROBE("statx fd empty path", syscall(SYS_statx, fd, "", AT_EMPTY_PATH, 0x7ff, buf));
	PROBE("statx reserved mask", syscall(SYS_statx, AT_FDCWD, file, 0, 0x80000000u, buf));
	PROBE("statx both sync flags", syscall(SYS_statx, AT_FDCWD, file, 0x6000, 0x7ff, buf));
	PROBE("statx force sync", syscall(SYS_statx, AT_FDCWD, file, 0x2000, 0x7ff, buf));
	PROBE("statx bad flag", syscall(SYS_statx, AT_FDCWD, file, 0x1, 0x7ff, buf));
	PROBE("stat /dev/null", syscall(SYS_stat, "/dev/null", buf));
	uint64_t rdev = u64(out + 40);
	printf("  rdev %u:%u\n", major(rdev), minor(rdev));
	PROBE("statx /dev/null", syscall(SYS_statx, AT_FDCWD, "/dev/null", 0, 0x7ff, buf));
	printf("  rdev %u:%u\n", u32(out + 128), u32(out + 132));

	PROBE("statfs", syscall(SYS_statfs, file, buf));
	PROBE("fstatfs", syscall(SYS_fstatfs, fd, buf));
	close(fd);
	int p[2];
	if (pipe(p) != 0)
		printf("pipe failed\n");
	PROBE("fstatfs pipe", syscall(SYS_fstatfs, p[0], buf));
	printf("  type=%llx bsize=%lld namelen=%lld frsize=%lld fsid=%llx\n", (unsigned long long)u64(out),
	       (long long)u64(out + 8), (long long)u64(out + 64), (long long)u64(out + 72),
	       (unsigned long long)u64(out + 56));
	close(p[0]);
	close(p[1]);
}

/* ---- signals ---- */

#define KSIGSET 8
static void dummy_restorer(void) {}
static void dummy_handler(int sig) { (void)sig; }

static void signals(void) {
	unsigned char act[32] = {0};
	uint64_t h = (uint64_t)(uintptr_t)dummy_handler, r = (uint64_t)(uintptr_t)dummy_restorer;
	uint64_t flags = SA_RESTART | 0x04000000 /* SA_RESTORER */ | SA_SIGINFO, mask = 1ull << (SIGUSR1 - 1) | 1ull << (SIGKILL - 1);
	memcpy(act, &h, 8);
	memcpy(act + 8, &flags, 8);
	memcpy(act + 16, &r, 8);
	memcpy(act + 24, &mask, 8);
	PROBE("rt_sigaction old", syscall(SYS_rt_sigaction, SIGUSR2, NULL, buf, KSIGSET));
	printf("  handler=%llx flags=%llx mask=%llx\n", (unsigned long long)u64(out), (unsigned long long)u64(out + 8),
	       (unsigned long long)u64(out + 24));
	PROBE("rt_sigaction set", syscall(SYS_rt_sigaction, SIGUSR2, act, NULL, KSIGSET));
	PROBE("rt_sigaction readback", syscall(SYS_rt_sigaction, SIGUSR2, NULL, buf, KSIGSET));
	printf("  handler same=%d flags=%llx restorer same=%d mask=%llx\n", u64(out) == h,
	       (unsigned long long)u64(out + 8), u64(out + 16) == r, (unsigned long long)u64(out + 24));
	PROBE("rt_sigaction sigsetsize 128", syscall(SYS_rt_sigaction, SIGUSR2, NULL, buf, 128));
	PROBE("rt_sigaction sigsetsize 4", syscall(SYS_rt_sigaction, SIGUSR2, NULL, buf, 4));
	PROBE("rt_sigaction sigsetsize 0", syscall(SYS_rt_sigaction, SIGUSR2, NULL, buf, 0));
	memset(act, 0, sizeof act);
	syscall(SYS_rt_sigaction, SIGUSR2, act, NULL, KSIGSET);

	PROBE("rt_sigprocmask old", syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, buf, KSIGSET));
	PROBE("rt_sigprocmask size 128", syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, buf, 128));
	PROBE("rt_sigprocmask size 4", syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, buf, 4));
	uint64_t block = 1ull << (SIGUSR1 - 1);
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, &block, NULL, KSIGSET);
	PROBE("rt_sigpending 8", syscall(SYS_rt_sigpending, buf, 8));
	PROBE("rt_sigpending 4", syscall(SYS_rt_sigpending, buf, 4));
	PROBE("rt_sigpending 16", syscall(SYS_rt_sigpending, buf, 16));
	struct timespec zero = {0, 0};
	PROBE("rt_sigtimedwait size 16", syscall(SYS_rt_sigtimedwait, &block, buf, &zero, 16));
	PROBE("rt_sigtimedwait none", syscall(SYS_rt_sigtimedwait, &block, buf, &zero, KSIGSET));
	PROBE("rt_sigsuspend size 16", syscall(SYS_rt_sigsuspend, &block, 16));
	PROBE("rt_sigsuspend size 4", syscall(SYS_rt_sigsuspend, &block, 4));
	PROBE("signalfd4 size 16", syscall(SYS_signalfd4, -1, &block, 16, 0));
	PROBE("signalfd4 size 4", syscall(SYS_signalfd4, -1, &block, 4, 0));

	/* siginfo from kill (SI_USER), tgkill (SI_TKILL) and sigqueue (SI_QUEUE). */
	PROBE_RET("rt_sigtimedwait kill",
		  (kill(getpid(), SIGUSR1), syscall(SYS_rt_sigtimedwait, &block, buf, &zero, KSIGSET)));
	printf("  signo=%d errno=%d code=%d pid ok=%d uid ok=%d value=%llx\n", s32(out), s32(out + 4), s32(out + 8),
	       s32(out + 16) == getpid(), u32(out + 20) == getuid(), (unsigned long long)u64(out + 24));
	PROBE_RET("rt_sigtimedwait tgkill",
		  (syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1),
		   syscall(SYS_rt_sigtimedwait, &block, buf, &zero, KSIGSET)));
	printf("  signo=%d code=%d pid ok=%d\n", s32(out), s32(out + 8), s32(out + 16) == getpid());
	unsigned char qi[128] = {0};
	int32_t qsig = SIGUSR1, qcode = -1 /* SI_QUEUE */, qpid = getpid();
	uint32_t quid = getuid();
	uint64_t qval = 0x1234567890abcdefull;
	memcpy(qi, &qsig, 4);
	memcpy(qi + 8, &qcode, 4);
	memcpy(qi + 16, &qpid, 4);
	memcpy(qi + 20, &quid, 4);
	memcpy(qi + 24, &qval, 8);
	PROBE_RET("rt_sigtimedwait sigqueue",
		  (syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, qi),
		   syscall(SYS_rt_sigtimedwait, &block, buf, &zero, KSIGSET)));
	printf("  signo=%d code=%d pid ok=%d value=%llx\n", s32(out), s32(out + 8), s32(out + 16) == getpid(),
	       (unsigned long long)u64(out + 24));

	int sfd = syscall(SYS_signalfd4, -1, &block, KSIGSET, SFD_NONBLOCK);
	PROBE_RET("signalfd read kill", (kill(getpid(), SIGUSR1), read(sfd, buf, 128)));
	printf("  signo=%u errno=%d code=%d pid ok=%d uid ok=%d int=%d ptr=%llx addr=%llx status=%d\n", u32(out),
	       s32(out + 4), s32(out + 8), u32(out + 12) == (uint32_t)getpid(), u32(out + 16) == getuid(), s32(out + 44),
	       (unsigned long long)u64(out + 48), (unsigned long long)u64(out + 72), s32(out + 40));
	PROBE_RET("signalfd read tgkill", (syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1), read(sfd, buf, 128)));
	printf("  signo=%u code=%d pid ok=%d int=%d ptr=%llx addr=%llx tid=%u\n", u32(out), s32(out + 8),
	       u32(out + 12) == (uint32_t)getpid(), s32(out + 44), (unsigned long long)u64(out + 48),
	       (unsigned long long)u64(out + 72), u32(out + 24));
	PROBE_RET("signalfd read sigqueue",
		  (syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, qi), read(sfd, buf, 128)));
	printf("  signo=%u code=%d pid ok=%d int=%x ptr=%llx addr=%llx\n", u32(out), s32(out + 8),
	       u32(out + 12) == (uint32_t)getpid(), s32(out + 44), (unsigned long long)u64(out + 48),
	       (unsigned long long)u64(out + 72));
	PROBE_RET("signalfd read short", read(sfd, buf, 100));
	close(sfd);
	syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &block, NULL, KSIGSET);

	/* stack_t: ss_sp, ss_flags, 4 bytes of padding, ss_size. */
	PROBE("sigaltstack old", syscall(SYS_sigaltstack, NULL, buf));
	printf("  sp=%llx flags=%d size=%llu\n", (unsigned long long)u64(out), s32(out + 8),
	       (unsigned long long)u64(out + 16));
	static char altstack[65536];
	struct { void *sp; int flags; size_t size; } ss = {altstack, 0, sizeof altstack};
	PROBE("sigaltstack set", syscall(SYS_sigaltstack, &ss, buf));
	PROBE("sigaltstack get", syscall(SYS_sigaltstack, NULL, buf));
	printf("  sp same=%d flags=%d size=%llu\n", u64(out) == (uint64_t)(uintptr_t)altstack, s32(out + 8),
	       (unsigned long long)u64(out + 16));
	ss.flags = 4;
	PROBE("sigaltstack bad flags", syscall(SYS_sigaltstack, &ss, buf));
	ss.flags = 1; /* SS_ONSTACK is accepted as "enable" */
	PROBE("sigaltstack SS_ONSTACK", syscall(SYS_sigaltstack, &ss, buf));
	ss.flags = 0;
	ss.size = 1024;
	PROBE("sigaltstack too small", syscall(SYS_sigaltstack, &ss, buf));
	ss.flags = 2 | (int)0x80000000u; /* SS_DISABLE | SS_AUTODISARM */
	PROBE("sigaltstack disable autodisarm", syscall(SYS_sigaltstack, &ss, NULL));
	PROBE("sigaltstack after disable", syscall(SYS_sigaltstack, NULL, buf));
	printf("  sp=%llx flags=%d size=%llu\n", (unsigned long long)u64(out), s32(out + 8),
	       (unsigned long long)u64(out + 16));
}

/* ---- children: wait4 rusage, waitid siginfo ---- */

extern char **environ;

/* A child that exits with status 3 (a PIE program: a fixed-address one
 * could not share the in-process platform's address space with us). */
static pid_t spawn_child(void) {
	pid_t pid;
	char *argv[] = {"/bin/sh", "-c", "exit 3", NULL};
	if (posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ) != 0)
		return -1;
	return pid;
}

static void children(void) {
	pid_t pid;
	PROBE_RET("wait4 rusage", (pid = spawn_child(), syscall(SYS_wait4, pid, buf, 0, buf + 16) == pid));
	printf("  status=%x\n", u32(out));
	PROBE("waitid", (pid = spawn_child(), syscall(SYS_waitid, P_PID, pid, buf, WEXITED, NULL)));
	printf("  signo=%d errno=%d code=%d pid ok=%d status=%d\n", s32(out), s32(out + 4), s32(out + 8),
	       s32(out + 16) == pid, s32(out + 24));
	PROBE("waitid wnohang none", syscall(SYS_waitid, P_ALL, 0, buf, WEXITED | WNOHANG, NULL));
}

/* ---- resources and time ---- */

static void resources(void) {
	PROBE("getrlimit", syscall(SYS_getrlimit, RLIMIT_NOFILE, buf));
	printf("  cur<=max %d\n", u64(out) <= u64(out + 8));
	PROBE("prlimit64", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, buf));
	PROBE_TIME("getrusage self", syscall(SYS_getrusage, RUSAGE_SELF, buf));
	PROBE_TIME("getrusage thread", syscall(SYS_getrusage, RUSAGE_THREAD, buf));
	PROBE_TIME("times", syscall(SYS_times, buf) != -1);
	PROBE_TIME("clock_gettime", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, buf));
	PROBE("clock_getres", syscall(SYS_clock_getres, CLOCK_MONOTONIC, buf));
	printf("  res=%lld.%09lld\n", (long long)u64(out), (long long)u64(out + 8));
	PROBE_TIME("gettimeofday", syscall(SYS_gettimeofday, buf, buf + 64));
	printf("  usec<1e6 %d\n", u64(out + 8) < 1000000);
	PROBE_TIME("time", syscall(SYS_time, buf) > 0);
	struct { long isec, iusec, vsec, vusec; } itv = {0, 0, 0, 0};
	PROBE("setitimer", syscall(SYS_setitimer, ITIMER_REAL, &itv, buf));
	PROBE_TIME("getitimer", syscall(SYS_getitimer, ITIMER_REAL, buf));
	printf("  %lld %lld %lld %lld\n", (long long)u64(out), (long long)u64(out + 8), (long long)u64(out + 16),
	       (long long)u64(out + 24));
	int timerid = -1;
	PROBE("timer_create", (syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, buf) == 0 &&
			       (memcpy(&timerid, buf, 4), syscall(SYS_timer_delete, timerid) == 0))
				      ? 0 : -1);
	syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, &timerid);
	struct { long isec, insec, vsec, vnsec; } its = {0, 0, 100, 0};
	PROBE("timer_settime", syscall(SYS_timer_settime, timerid, 0, &its, buf));
	PROBE_TIME("timer_gettime", syscall(SYS_timer_gettime, timerid, buf));
	printf("  interval=%lld value>=98 %d nsec<1e9 %d\n", (long long)u64(out), (long long)u64(out + 16) >= 98,
	       u64(out + 24) < 1000000000);
	syscall(SYS_timer_delete, timerid);
	int tfd = syscall(SYS_timerfd_create, CLOCK_MONOTONIC, 0);
	PROBE("timerfd_settime", syscall(SYS_timerfd_settime, tfd, 0, &its, buf));
	PROBE_TIME("timerfd_gettime", syscall(SYS_timerfd_gettime, tfd, buf));
	close(tfd);

	PROBE_TIME("sysinfo", syscall(SYS_sysinfo, buf));
	printf("  mem_unit=%u procs>0 %d\n", u32(out + 104), u16(out + 80) > 0);
	PROBE("uname", syscall(SYS_uname, buf));
	printf("  %s %s\n", (char *)out, (char *)out + 4 * 65);
	PROBE("getcpu", syscall(SYS_getcpu, buf, buf + 8, NULL));
	PROBE("prctl PR_GET_NAME", (syscall(SYS_prctl, 15 /* PR_SET_NAME */, "abi"), syscall(SYS_prctl, 16 /* PR_GET_NAME */, buf)));
	printf("  name=%s\n", (char *)out);
	PROBE("arch_prctl ARCH_GET_FS", syscall(SYS_arch_prctl, 0x1003, buf));
	PROBE("get_robust_list", syscall(SYS_get_robust_list, 0, buf, buf + 16));
	printf("  len=%llu\n", (unsigned long long)u64(out + 16));
	for (int len = 4; len <= 1024; len *= 2) {
		char name[64];
		snprintf(name, sizeof name, "sched_getaffinity %d", len);
		PROBE_RET(name, syscall(SYS_sched_getaffinity, 0, len, buf));
	}
	PROBE_RET("sched_getaffinity 12", syscall(SYS_sched_getaffinity, 0, 12, buf));
	PROBE_RET("getrandom", getrandom_probe(buf, guards[pass_]));
	PROBE_RET("getgroups", syscall(SYS_getgroups, 0, buf) >= 0);
}

/* ---- file descriptors: pipes, epoll, poll, select, locks, dirents ---- */

static void descriptors(void) {
	int p[2];
	PROBE("pipe2", (syscall(SYS_pipe2, buf, O_CLOEXEC) == 0 && close(s32(buf)) == 0 && close(s32(buf + 4)) == 0) ? 0 : -1);
	PROBE("socketpair", (syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, buf) == 0 && close(s32(buf)) == 0 &&
			     close(s32(buf + 4)) == 0) ? 0 : -1);
	if (pipe(p) != 0 || write(p[1], "x", 1) != 1)
		printf("pipe failed\n");
	PROBE("ioctl FIONREAD", syscall(SYS_ioctl, p[0], FIONREAD, buf));
	printf("  n=%d\n", s32(out));

	int efd = eventfd(1, 0);
	int ep = epoll_create1(0);
	unsigned char ev[12];
	uint32_t events = EPOLLIN;
	uint64_t data = 0x1122334455667788ull;
	memcpy(ev, &events, 4);
	memcpy(ev + 4, &data, 8);
	syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, efd, ev);
	PROBE_RET("epoll_wait", syscall(SYS_epoll_wait, ep, buf, 4, 0));
	printf("  events=%x data=%llx\n", u32(out), (unsigned long long)u64(out + 4));
	uint64_t mask = 0;
	PROBE_RET("epoll_pwait size 16", syscall(SYS_epoll_pwait, ep, buf, 4, 0, &mask, 16));
	PROBE_RET("epoll_pwait null mask size 16", syscall(SYS_epoll_pwait, ep, buf, 4, 0, NULL, 16));
	PROBE_RET("epoll_pwait size 8", syscall(SYS_epoll_pwait, ep, buf, 4, 0, &mask, 8));
	struct timespec zero = {0, 0};
	PROBE_RET("epoll_pwait2 size 16", syscall(SYS_epoll_pwait2, ep, buf, 4, &zero, &mask, 16));
	close(ep);
	close(efd);

	PROBE_RET("poll", ({
			  struct pollfd *pf = (struct pollfd *)buf;
			  pf[0].fd = p[0], pf[0].events = POLLIN;
			  pf[1].fd = -1, pf[1].events = POLLIN;
			  pf[2].fd = p[1], pf[2].events = POLLIN;
			  syscall(SYS_poll, pf, 3, 0);
		  }));
	printf("  revents %x %x %x\n", u16(out + 6), u16(out + 14), u16(out + 22));
	PROBE_RET("ppoll size 16", syscall(SYS_ppoll, buf, 0, &zero, &mask, 16));
	PROBE_RET("ppoll null mask size 16", syscall(SYS_ppoll, buf, 0, &zero, NULL, 16));

	/* select: only FDS_BYTES(nfds) bytes are read and written. Linux also
	 * clamps nfds to the size of the process's fd table, which is 64 until
	 * an fd above 63 has been used and is inherited across fork: grow it
	 * here so that the native run does not depend on how many files the
	 * parent (the test harness) happened to have open. */
	if (dup2(0, 300) == 300)
		close(300);
	for (int nfds = p[0] + 1; nfds <= 130; nfds = nfds < 70 ? 70 : 130) {
		unsigned char set[128] = {0};
		set[p[0] / 8] |= 1 << (p[0] % 8);
		set[100 / 8] |= 1 << (100 % 8);
		struct timeval tv = {0, 0};
		errno = 0;
		long r = syscall(SYS_select, nfds, set, NULL, NULL, &tv);
		printf("select nfds=%d: ret=%ld errno=%d bits:", nfds == p[0] + 1 ? 0 : nfds, r, errno);
		for (int i = 0; i < 1024; i++)
			if (set[i / 8] & (1 << (i % 8)))
				printf(" %s", i == p[0] ? "rfd" : (i == 100 ? "100" : "other"));
		printf("\n");
		if (nfds == 130)
			break;
	}
	struct { void *mask; size_t size; } sm = {&mask, 16};
	PROBE_RET("pselect6 size 16", syscall(SYS_pselect6, 0, NULL, NULL, NULL, &zero, &sm));
	sm.mask = NULL;
	PROBE_RET("pselect6 null mask size 16", syscall(SYS_pselect6, 0, NULL, NULL, NULL, &zero, &sm));
	/* select, pselect6 and ppoll write the time left back: none after a
	 * timeout. */
	int q[2];
	if (pipe(q) != 0)
		printf("pipe failed\n");
	unsigned char rset[128] = {0};
	rset[q[0] / 8] |= 1 << (q[0] % 8);
	struct timeval tv20 = {0, 20000};
	long r = syscall(SYS_select, q[0] + 1, rset, NULL, NULL, &tv20);
	printf("select timeout: ret=%ld left=%lld.%06lld\n", r, (long long)tv20.tv_sec, (long long)tv20.tv_usec);
	struct timespec ts20 = {0, 20000000};
	rset[q[0] / 8] |= 1 << (q[0] % 8);
	r = syscall(SYS_pselect6, q[0] + 1, rset, NULL, NULL, &ts20, NULL);
	printf("pselect6 timeout: ret=%ld left=%lld.%09lld\n", r, (long long)ts20.tv_sec, (long long)ts20.tv_nsec);
	ts20.tv_nsec = 20000000;
	struct pollfd pq = {q[0], POLLIN, 0};
	r = syscall(SYS_ppoll, &pq, 1, &ts20, NULL, 8);
	printf("ppoll timeout: ret=%ld left=%lld.%09lld\n", r, (long long)ts20.tv_sec, (long long)ts20.tv_nsec);
	ts20.tv_nsec = 20000000;
	r = syscall(SYS_epoll_pwait2, -1, bufs[0], 1, &ts20, NULL, 8);
	printf("epoll_pwait2 EBADF: ret=%ld left=%lld.%09lld\n", r, (long long)ts20.tv_sec, (long long)ts20.tv_nsec);
	close(q[0]);
	close(q[1]);
	close(p[0]);
	close(p[1]);

	/* struct flock: only l_type changes when nothing conflicts; the padding
	 * the app passed comes back unchanged. */
	int fd = open(at("f"), O_RDWR);
	PROBE("fcntl F_GETLK", ({
		      int16_t type = F_WRLCK, whence = SEEK_SET;
		      int64_t start = 0, len = 0;
		      int32_t pid = 0;
		      memcpy(buf, &type, 2), memcpy(buf + 2, &whence, 2), memcpy(buf + 8, &start, 8);
		      memcpy(buf + 16, &len, 8), memcpy(buf + 24, &pid, 4);
		      syscall(SYS_fcntl, fd, F_GETLK, buf);
	      }));
	printf("  type=%d\n", (int16_t)u16(out));
	close(fd);

	/* linux_dirent64 */
	char *d = at("d");
	mkdir(d, 0755);
	const char *names[] = {"a", "bbbbbbb", "cccccccc", "ddddddddddddddddddddddd"};
	for (int i = 0; i < 4; i++) {
		char path[4200];
		snprintf(path, sizeof path, "%s/%s", d, names[i]);
		if (i == 3)
			mkdir(path, 0755);
		else
			close(open(path, O_CREAT | O_WRONLY, 0644));
	}
	int dfd = open(d, O_RDONLY | O_DIRECTORY);
	PROBE_RET("getdents64 small", syscall(SYS_getdents64, dfd, buf, 16));
	long n = syscall(SYS_getdents64, dfd, bufs[0], BUFSZ);
	int total = 0;
	for (int i = 0; i < 6; i++) {
		for (long off = 0; off < n;) {
			unsigned char *e = bufs[0] + off;
			const char *name = (const char *)e + 19;
			int rank = strcmp(name, ".") == 0 ? 0 : strcmp(name, "..") == 0 ? 1 : name[0] - 'a' + 2;
			if (rank == i)
				printf("dirent %s reclen=%u type=%u\n", name, u16(e + 16), e[18]);
			off += u16(e + 16);
			total += i == 0;
		}
	}
	printf("getdents64 entries=%d bytes=%ld\n", total, n);
	close(dfd);

	symlink("a-fairly-long-target", at("link"));
	PROBE_RET("readlink short", syscall(SYS_readlink, at("link"), buf, 4));
}

/* ---- sockets ---- */

static void sockaddrs(void) {
	if (chdir(dir) != 0)
		printf("chdir failed\n");
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	strcpy(un.sun_path, "sock1");
	printf("bind path: %d\n", bind(s, (struct sockaddr *)&un, 2 + strlen("sock1") + 1));
	socklen_t len;
	PROBE("getsockname unix", (len = 200, syscall(SYS_getsockname, s, buf, &len)));
	printf("  len=%u family=%u path=%s\n", len, u16(out), (char *)out + 2);
	PROBE("getsockname unix short", (len = 4, syscall(SYS_getsockname, s, buf, &len)));
	printf("  len=%u\n", len);
	PROBE("getsockname unix zero", (len = 0, syscall(SYS_getsockname, s, buf, &len)));
	printf("  len=%u\n", len);
	PROBE("getsockname negative len", (len = (socklen_t)-1, syscall(SYS_getsockname, s, buf, &len)));
	listen(s, 4);

	int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(un.sun_path, "sock2");
	printf("bind full size: %d\n", bind(s2, (struct sockaddr *)&un, sizeof un));
	PROBE("getsockname unix full-size bind", (len = 200, syscall(SYS_getsockname, s2, buf, &len)));
	printf("  len=%u path=%s\n", len, (char *)out + 2);
	close(s2);

	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	PROBE("getsockname unbound", (len = 200, syscall(SYS_getsockname, c, buf, &len)));
	printf("  len=%u\n", len);
	strcpy(un.sun_path, "sock1");
	printf("connect: %d\n", connect(c, (struct sockaddr *)&un, sizeof un));
	PROBE("getpeername unix", (len = 200, syscall(SYS_getpeername, c, buf, &len)));
	printf("  len=%u path=%s\n", len, (char *)out + 2);
	close(c);
	int a = -1;
	PROBE("accept4 unbound peer", ({
		      c = socket(AF_UNIX, SOCK_STREAM, 0);
		      connect(c, (struct sockaddr *)&un, sizeof un);
		      len = 200;
		      a = syscall(SYS_accept4, s, buf, &len, 0);
		      close(c);
		      a >= 0 ? close(a) : -1;
	      }));
	printf("  len=%u\n", len);
	close(s);

	/* abstract names: the given length is kept */
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	char abs[64];
	int alen = snprintf(abs, sizeof abs, "%celfloader-abi-%05d", 0, (int)getpid() % 100000);
	memcpy(un.sun_path, abs, alen);
	printf("bind abstract: %d\n", bind(s, (struct sockaddr *)&un, 2 + alen));
	PROBE("getsockname abstract", (len = 200, syscall(SYS_getsockname, s, buf, &len)));
	printf("  len ok=%d name ok=%d\n", (int)len == 2 + alen, memcmp(out + 2, abs, alen) == 0);
	close(s);
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	printf("autobind: %d\n", bind(s, (struct sockaddr *)&un, 2));
	PROBE("getsockname autobind", (len = 200, syscall(SYS_getsockname, s, buf, &len)));
	printf("  len=%u first=%d\n", len, out[2]);
	close(s);

	int sp[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
	PROBE("getpeername socketpair", (len = 200, syscall(SYS_getpeername, sp[0], buf, &len)));
	printf("  len=%u\n", len);
	PROBE("getsockopt SO_PEERCRED", (len = 200, syscall(SYS_getsockopt, sp[0], SOL_SOCKET, SO_PEERCRED, buf, &len)));
	printf("  len=%u pid ok=%d uid ok=%d gid ok=%d\n", len, s32(out) == getpid(), u32(out + 4) == getuid(),
	       u32(out + 8) == getgid());
	PROBE("getsockopt SO_TYPE short", (len = 2, syscall(SYS_getsockopt, sp[0], SOL_SOCKET, SO_TYPE, buf, &len)));
	printf("  len=%u\n", len);
	PROBE("getsockopt SO_LINGER", (len = 200, syscall(SYS_getsockopt, sp[0], SOL_SOCKET, SO_LINGER, buf, &len)));
	printf("  len=%u\n", len);
	struct timeval tv = {1, 500000};
	setsockopt(sp[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	PROBE("getsockopt SO_RCVTIMEO", (len = 200, syscall(SYS_getsockopt, sp[0], SOL_SOCKET, SO_RCVTIMEO, buf, &len)));
	printf("  len=%u %lld.%06lld\n", len, (long long)u64(out), (long long)u64(out + 8));

	/* recvmsg: SCM_RIGHTS and SCM_CREDENTIALS; the control buffer's padding
	 * after the last cmsg is not written. */
	int one = 1;
	setsockopt(sp[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
	PROBE_RET("recvmsg SCM_RIGHTS", ({
			  char cbuf[CMSG_SPACE(sizeof(int))];
			  memset(cbuf, 0, sizeof cbuf);
			  struct iovec iov = {"m", 1};
			  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
			  struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
			  cm->cmsg_level = SOL_SOCKET, cm->cmsg_type = SCM_RIGHTS, cm->cmsg_len = CMSG_LEN(sizeof(int));
			  memcpy(CMSG_DATA(cm), &sp[0], sizeof(int));
			  sendmsg(sp[0], &m, 0);
			  char data[4];
			  struct iovec riov = {data, sizeof data};
			  struct msghdr *rm = (struct msghdr *)(buf + 512);
			  memset(rm, 0, sizeof *rm);
			  rm->msg_iov = &riov, rm->msg_iovlen = 1, rm->msg_control = buf, rm->msg_controllen = 64;
			  rm->msg_flags = 0x7777;
			  long r = syscall(SYS_recvmsg, sp[1], rm, 0);
			  if (r > 0) {
				  printf("  controllen=%lu flags=%x", (unsigned long)rm->msg_controllen, rm->msg_flags);
				  for (struct cmsghdr *c = CMSG_FIRSTHDR(rm); c; c = CMSG_NXTHDR(rm, c)) {
					  printf(" [len=%lu level=%d type=%d]", (unsigned long)c->cmsg_len, c->cmsg_level, c->cmsg_type);
					  if (c->cmsg_type == SCM_RIGHTS) {
						  int got;
						  memcpy(&got, CMSG_DATA(c), sizeof got);
						  close(got);
					  }
				  }
				  printf("\n");
			  } else {
				  memset(buf, guards[pass_], 64);
			  }
			  memset(buf + 512, guards[pass_], sizeof *rm);
			  r;
		  }));
	PROBE_RET("recvmsg name and truncated control", ({
			  char cbuf[CMSG_SPACE(sizeof(int))];
			  memset(cbuf, 0, sizeof cbuf);
			  struct iovec iov = {"m", 1};
			  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
			  struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
			  cm->cmsg_level = SOL_SOCKET, cm->cmsg_type = SCM_RIGHTS, cm->cmsg_len = CMSG_LEN(sizeof(int));
			  memcpy(CMSG_DATA(cm), &sp[0], sizeof(int));
			  sendmsg(sp[0], &m, 0);
			  char data[4];
			  struct iovec riov = {data, sizeof data};
			  struct msghdr *rm = (struct msghdr *)(buf + 512);
			  memset(rm, 0, sizeof *rm);
			  rm->msg_name = buf + 256, rm->msg_namelen = 100;
			  rm->msg_iov = &riov, rm->msg_iovlen = 1, rm->msg_control = buf, rm->msg_controllen = 8;
			  long r = syscall(SYS_recvmsg, sp[1], rm, 0);
			  if (r > 0)
				  printf("  namelen=%u controllen=%lu flags=%x\n", rm->msg_namelen, (unsigned long)rm->msg_controllen, rm->msg_flags);
			  memset(buf + 512, guards[pass_], sizeof *rm);
			  r;
		  }));
	close(sp[0]);
	close(sp[1]);

	/* IPv4 and IPv6 addresses */
	s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	bind(s, (struct sockaddr *)&in, sizeof in);
	PROBE("getsockname inet", (len = 200, syscall(SYS_getsockname, s, buf, &len)));
	printf("  len=%u family=%u addr=%08x zero=%llx\n", len, u16(out), u32(out + 4), (unsigned long long)u64(out + 8));
	PROBE("getsockname inet short", (len = 8, syscall(SYS_getsockname, s, buf, &len)));
	printf("  len=%u\n", len);
	len = sizeof in;
	getsockname(s, (struct sockaddr *)&in, &len);
	int c4 = socket(AF_INET, SOCK_DGRAM, 0);
	PROBE_RET("recvfrom inet", (sendto(c4, "hi", 2, 0, (struct sockaddr *)&in, sizeof in),
				    len = 200, syscall(SYS_recvfrom, s, buf, 2, 0, buf + 16, &len)));
	printf("  len=%u family=%u\n", len, u16(out + 16));
	PROBE_RET("recvfrom inet short", (sendto(c4, "hi", 2, 0, (struct sockaddr *)&in, sizeof in),
					  len = 4, syscall(SYS_recvfrom, s, buf, 2, 0, buf + 16, &len)));
	printf("  len=%u\n", len);
	PROBE_RET("recvmmsg", ({
			  sendto(c4, "hey", 3, 0, (struct sockaddr *)&in, sizeof in);
			  struct iovec riov = {buf + 200, 16};
			  struct mmsghdr *mm = (struct mmsghdr *)(buf + 600);
			  memset(mm, 0, sizeof *mm);
			  mm->msg_hdr.msg_iov = &riov, mm->msg_hdr.msg_iovlen = 1;
			  mm->msg_len = 0x7777;
			  long r = syscall(SYS_recvmmsg, s, mm, 1, MSG_DONTWAIT, NULL);
			  printf("  msg_len=%u\n", mm->msg_len);
			  memset(buf + 200, guards[pass_], 16);
			  memset(mm, guards[pass_], sizeof *mm);
			  r;
		  }));
	close(c4);
	close(s);

	s = socket(AF_INET, SOCK_STREAM, 0);
	in.sin_port = 0;
	bind(s, (struct sockaddr *)&in, sizeof in);
	listen(s, 1);
	PROBE("getsockopt TCP_INFO", (len = 512, syscall(SYS_getsockopt, s, IPPROTO_TCP, TCP_INFO, buf, &len)));
	printf("  state=%u\n", out[0]);
	close(s);

	s = socket(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	if (s >= 0 && bind(s, (struct sockaddr *)&in6, sizeof in6) == 0) {
		PROBE("getsockname inet6", (len = 200, syscall(SYS_getsockname, s, buf, &len)));
		printf("  len=%u family=%u\n", len, u16(out));
	} else {
		printf("getsockname inet6: no ipv6\n");
	}
	close(s);
}

/* ---- size-versioned structs: clone3, openat2 ---- */

static void versioned(void) {
	unsigned char args[8192] __attribute__((aligned(8)));
	memset(args, 0, sizeof args);
	uint64_t bad_sig = 65;
	memcpy(args + 32, &bad_sig, 8); /* exit_signal: makes a valid size fail with EINVAL after the size checks */
	struct { size_t size; const char *what; int poke; } cases[] = {
		{0, "0", -1}, {63, "63", -1}, {64, "64", -1}, {80, "80", -1}, {88, "88", -1},
		{96, "96", -1}, {96, "96 nonzero tail", 90}, {4096, "4096", -1}, {4096, "4096 nonzero tail", 4095},
		{4097, "4097", -1},
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char name[64];
		snprintf(name, sizeof name, "clone3 size %s", cases[i].what);
		if (cases[i].poke >= 0)
			args[cases[i].poke] = 1;
		PROBE(name, syscall(SYS_clone3, args, cases[i].size));
		if (cases[i].poke >= 0)
			args[cases[i].poke] = 0;
	}
	uint64_t csignal = SIGCHLD;
	memset(args + 32, 0, 8);
	memcpy(args, &csignal, 8); /* CSIGNAL bits in flags are refused */
	PROBE("clone3 CSIGNAL in flags", syscall(SYS_clone3, args, 88));

	memset(args, 0, sizeof args);
	uint64_t flags = O_RDONLY;
	memcpy(args, &flags, 8);
	struct { size_t size; const char *what; int poke; } ocases[] = {
		{0, "0", -1}, {23, "23", -1}, {24, "24", -1}, {32, "32", -1}, {32, "32 nonzero tail", 30},
		{4096, "4096", -1}, {4097, "4097", -1},
	};
	for (unsigned i = 0; i < sizeof ocases / sizeof ocases[0]; i++) {
		char name[64];
		snprintf(name, sizeof name, "openat2 size %s", ocases[i].what);
		if (ocases[i].poke >= 0)
			args[ocases[i].poke] = 1;
		long fd;
		PROBE(name, (fd = syscall(SYS_openat2, AT_FDCWD, at("f"), args, ocases[i].size), fd >= 0 ? close(fd) : fd));
		if (ocases[i].poke >= 0)
			args[ocases[i].poke] = 0;
	}
	uint64_t resolve = 0x100;
	memcpy(args + 16, &resolve, 8);
	PROBE("openat2 unknown resolve", syscall(SYS_openat2, AT_FDCWD, at("f"), args, 24));
}

int main(int argc, char **argv) {
	if (argc < 2)
		return 2;
	snprintf(dir, sizeof dir, "%s", argv[1]);
	mkdir(dir, 0755);
	setvbuf(stdout, NULL, _IONBF, 0);
	stat_family();
	signals();
	children();
	resources();
	descriptors();
	sockaddrs();
	versioned();
	return 0;
}
