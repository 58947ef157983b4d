// seccomp_app: the app's own seccomp filters (seccomp(2), prctl
// PR_SET_SECCOMP/PR_GET_SECCOMP), compared with Linux: strict mode, ERRNO,
// TRAP's SIGSYS fields, KILL_PROCESS and KILL_THREAD, inheritance by fork
// and across execve, TSYNC, the precedence of stacked filters, refused
// programs and flags, GET_ACTION_AVAIL and GET_NOTIF_SIZES, int $0x80's
// arch. Each scenario (argv[1]) runs its filters in forked children so the
// parent can report how they ended.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

struct sock_filter { uint16_t code; uint8_t jt, jf; uint32_t k; };
struct sock_fprog { unsigned short len; struct sock_filter *filter; };

#define BPF_LD 0x00
#define BPF_JMP 0x05
#define BPF_RET 0x06
#define BPF_ST 0x02
#define BPF_W 0x00
#define BPF_B 0x10
#define BPF_ABS 0x20
#define BPF_MEM 0x60
#define BPF_JEQ 0x10
#define BPF_JA 0x00
#define BPF_K 0x00
#define STMT(c, k) {(uint16_t)(c), 0, 0, (uint32_t)(k)}
#define JUMP(c, k, t, f) {(uint16_t)(c), (t), (f), (uint32_t)(k)}

#define SECCOMP_SET_MODE_STRICT 0
#define SECCOMP_SET_MODE_FILTER 1
#define SECCOMP_GET_ACTION_AVAIL 2
#define SECCOMP_GET_NOTIF_SIZES 3
#define SECCOMP_MODE_STRICT 1
#define SECCOMP_MODE_FILTER 2
#define F_TSYNC 1
#define F_LOG 2
#define F_SPEC_ALLOW 4
#define F_NEW_LISTENER 8
#define F_TSYNC_ESRCH 16
#define F_WAIT_KILLABLE_RECV 32
#define RET_KILL_PROCESS 0x80000000U
#define RET_KILL_THREAD 0x00000000U
#define RET_TRAP 0x00030000U
#define RET_ERRNO 0x00050000U
#define RET_USER_NOTIF 0x7fc00000U
#define RET_TRACE 0x7ff00000U
#define RET_LOG 0x7ffc0000U
#define RET_ALLOW 0x7fff0000U
#define ARCH_X86_64 0xc000003eU
#define ARCH_I386 0x40000003U

static long sc(unsigned op, unsigned flags, void *args) { return syscall(SYS_seccomp, op, flags, args); }

// ename names the errnos the scenarios meet (musl has no strerrorname_np).
static const char *ename(int e) {
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EIO: return "EIO";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case EDOM: return "EDOM";
	case ENOSYS: return "ENOSYS";
	case ENOMEM: return "ENOMEM";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	}
	static char buf[16];
	snprintf(buf, sizeof buf, "errno %d", e);
	return buf;
}

static const char *res(long r) {
	static char buf[64];
	if (r < 0) snprintf(buf, sizeof buf, "-1 %s", ename(errno));
	else snprintf(buf, sizeof buf, "%ld", r);
	return buf;
}

// onNr: a filter that answers action for system call nr (x86-64) and
// ALLOW otherwise.
static long onNr(int nr, uint32_t action, unsigned flags) {
	struct sock_filter f[] = {
		STMT(BPF_LD | BPF_W | BPF_ABS, 4),
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH_X86_64, 1, 0),
		STMT(BPF_RET | BPF_K, RET_ALLOW),
		STMT(BPF_LD | BPF_W | BPF_ABS, 0),
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
		STMT(BPF_RET | BPF_K, action),
		STMT(BPF_RET | BPF_K, RET_ALLOW),
	};
	struct sock_fprog p = {sizeof f / sizeof f[0], f};
	return sc(SECCOMP_SET_MODE_FILTER, flags, &p);
}

static void nnp(void) {
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) { perror("PR_SET_NO_NEW_PRIVS"); exit(1); }
}

// reap waits for pid and says how it ended.
static void reap(const char *what, pid_t pid) {
	int st;
	if (waitpid(pid, &st, 0) != pid) { perror("waitpid"); exit(1); }
	if (WIFEXITED(st)) printf("%s: exited %d\n", what, WEXITSTATUS(st));
	else printf("%s: signal %d core %d\n", what, WTERMSIG(st), WCOREDUMP(st) ? 1 : 0);
	fflush(stdout);
}

static void statusLines(const char *path) {
	FILE *f = fopen(path, "r");
	char line[256];
	if (!f) { perror(path); return; }
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "NoNewPrivs:", 11) || !strncmp(line, "Seccomp", 7)) printf("  %s", line);
	fclose(f);
}

static void wr(const char *s) { if (write(1, s, strlen(s)) < 0) _exit(99); }

static void strict(void) {
	printf("get before: %d\n", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
	errno = 0;
	printf("strict with flags: %s\n", res(sc(SECCOMP_SET_MODE_STRICT, 1, NULL)));
	printf("strict with args: %s\n", res(sc(SECCOMP_SET_MODE_STRICT, 0, (void *)8)));
	fflush(stdout);
	int p[2];
	if (pipe(p) != 0) { perror("pipe"); exit(1); }
	if (write(p[1], "data", 4) != 4) exit(1);
	pid_t pid = fork();
	if (pid == 0) {
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0) != 0) _exit(90);
		char b[8];
		long n = read(p[0], b, 4);
		wr(n == 4 && !memcmp(b, "data", 4) ? "strict: read ok\n" : "strict: read failed\n");
		wr("strict: write ok\n");
		syscall(SYS_getpid);
		wr("strict: getpid returned\n");
		syscall(SYS_exit, 3);
	}
	reap("strict getpid", pid);
	pid = fork();
	if (pid == 0) {
		if (sc(SECCOMP_SET_MODE_STRICT, 0, NULL) != 0) _exit(90);
		if (sc(SECCOMP_SET_MODE_STRICT, 0, NULL) != 0) _exit(91); // not even seccomp: killed
		syscall(SYS_exit, 3);
	}
	reap("strict twice", pid);
	pid = fork();
	if (pid == 0) {
		if (sc(SECCOMP_SET_MODE_STRICT, 0, NULL) != 0) _exit(90);
		syscall(SYS_exit, 4);
	}
	reap("strict exit", pid);
}

static void errnoFilter(void) {
	pid_t pid = fork();
	if (pid == 0) {
		nnp();
		printf("install: %s\n", res(onNr(SYS_getppid, RET_ERRNO | ENOTTY, 0)));
		errno = 0;
		printf("getppid: %s\n", res(syscall(SYS_getppid)));
		printf("getpid ok: %d\n", syscall(SYS_getpid) == getpid());
		int refused = 0;
		for (int i = 0; i < 2000; i++) refused += syscall(SYS_getppid) == -1 && errno == ENOTTY;
		printf("getppid refused %d of 2000\n", refused);
		printf("install capped: %s\n", res(onNr(SYS_getpgrp, RET_ERRNO | 5000, F_LOG | F_SPEC_ALLOW)));
		long r = syscall(SYS_getpgrp);
		printf("getpgrp: %ld errno %d\n", r, errno);
		printf("mode: %d\n", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
		statusLines("/proc/self/status");
		printf("strict after filter: %s\n", res(sc(SECCOMP_SET_MODE_STRICT, 0, NULL)));
		fflush(stdout);
		_exit(0);
	}
	reap("errno", pid);
}

static volatile sig_atomic_t trapped;
static void *volatile callAddr;

static void onSigsys(int sig, siginfo_t *si, void *uc) {
	ucontext_t *u = uc;
	if (!trapped) printf("SIGSYS: signo %d code %d errno %d syscall %d arch %#x rax %lld\n", si->si_signo, si->si_code,
	       si->si_errno, si->si_syscall, si->si_arch, (long long)u->uc_mcontext.gregs[REG_RAX]);
	callAddr = si->si_call_addr;
	trapped++;
	(void)sig;
}

static void trap(void) {
	pid_t pid = fork();
	if (pid == 0) {
		nnp();
		struct sigaction sa = {0};
		sa.sa_sigaction = onSigsys;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGSYS, &sa, NULL);
		printf("install: %s\n", res(onNr(SYS_getppid, RET_TRAP | 0x42, 0)));
		fflush(stdout);
		long ret;
		void *after;
		__asm__ volatile("lea 1f(%%rip), %1\n\tsyscall\n1:" : "=a"(ret), "=&r"(after) : "a"((long)SYS_getppid) : "rcx", "r11", "memory");
		printf("call_addr after the syscall: %d ret %ld trapped %d\n", callAddr == after, ret, (int)trapped);
		// Again from one site many times (elfloader's fast path serves a
		// site it has rewritten): the same address every time.
		int same = 0;
		for (int i = 0; i < 500; i++) {
			__asm__ volatile("lea 1f(%%rip), %1\n\tsyscall\n1:" : "=a"(ret), "=&r"(after) : "a"((long)SYS_getppid) : "rcx", "r11", "memory");
			same += callAddr == after && ret == SYS_getppid;
		}
		printf("500 more: same address and rax %d, trapped %d\n", same, (int)trapped);
		// Blocked, SIGSYS is still delivered: the action is reset, killed.
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGSYS);
		sigprocmask(SIG_BLOCK, &set, NULL);
		fflush(stdout);
		struct rlimit rl = {0, 0};
		setrlimit(RLIMIT_CORE, &rl);
		syscall(SYS_getppid);
		printf("blocked: survived\n");
		_exit(0);
	}
	reap("trap", pid);
}

// threads is /proc/self/status's Threads.
static int threads(void) {
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	int n = -1;
	if (!f) return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "Threads: %d", &n) == 1) break;
	fclose(f);
	return n;
}

static void *spin(void *arg) {
	(void)arg;
	syscall(SYS_getppid); // killed: this thread only
	printf("thread survived\n");
	return NULL;
}

static void kill_(void) {
	struct rlimit rl = {0, 0};
	setrlimit(RLIMIT_CORE, &rl);
	uint32_t acts[] = {RET_KILL_PROCESS, RET_KILL_THREAD, 0x00010000U /* unknown: kills */};
	for (int i = 0; i < 3; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			nnp();
			if (onNr(SYS_getppid, acts[i], 0) != 0) _exit(90);
			syscall(SYS_getppid);
			_exit(0);
		}
		char what[32];
		snprintf(what, sizeof what, "kill %#x", acts[i]);
		reap(what, pid);
	}
	pid_t pid = fork();
	if (pid == 0) {
		nnp();
		if (onNr(SYS_getppid, RET_KILL_THREAD, 0) != 0) _exit(90);
		pthread_t th;
		pthread_create(&th, NULL, spin, NULL);
		// Not pthread_join: musl's never returns for a thread killed
		// outside pthread_exit. The thread count drops to one.
		int n = 0;
		for (int i = 0; i < 5000 && (n = threads()) != 1; i++) usleep(1000);
		printf("threads left: %d\n", n);
		fflush(stdout);
		_exit(5);
	}
	reap("kill thread of two", pid);
	pid = fork();
	if (pid == 0) {
		nnp();
		if (onNr(SYS_getppid, RET_KILL_PROCESS, 0) != 0) _exit(90);
		pthread_t th;
		pthread_create(&th, NULL, spin, NULL);
		pthread_join(th, NULL);
		printf("joined\n");
		_exit(5);
	}
	reap("kill process of two", pid);
}

static void inherit(const char *self) {
	pid_t pid = fork();
	if (pid == 0) {
		nnp();
		if (onNr(SYS_getppid, RET_ERRNO | EDOM, 0) != 0) _exit(90);
		pid_t c = fork();
		if (c == 0) {
			printf("fork child: getppid %s mode %d\n", res(syscall(SYS_getppid)), prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
			fflush(stdout);
			_exit(0);
		}
		reap("fork child", c);
		c = fork();
		if (c == 0) {
			execl(self, self, "exec-check", (char *)NULL);
			_exit(95);
		}
		reap("exec child", c);
		if (onNr(SYS_exit_group, RET_KILL_PROCESS, 0) != 0) _exit(91);
		c = fork();
		if (c == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(95);
		}
		reap("exec /bin/true", c);
		_exit(0);
	}
	reap("inherit", pid);
}

static int pipes[2][2];
static long threadTID;

static void *tsyncThread(void *arg) {
	char c;
	threadTID = syscall(SYS_gettid);
	if (arg) onNr(SYS_getpgrp, RET_ERRNO | EIO, 0); // a filter of its own
	if (write(pipes[0][1], "r", 1) != 1) return NULL;
	if (read(pipes[1][0], &c, 1) != 1) return NULL;
	long r = syscall(SYS_getppid);
	printf("thread: getppid %s mode %d\n", r > 0 ? "a pid" : res(r), prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
	char path[64];
	snprintf(path, sizeof path, "/proc/self/task/%ld/status", threadTID);
	statusLines(path);
	return NULL;
}

static void tsync(void) {
	for (int own = 0; own < 2; own++) {
		pid_t pid = fork();
		if (pid == 0) {
			nnp();
			if (pipe(pipes[0]) || pipe(pipes[1])) _exit(90);
			pthread_t th;
			char c;
			pthread_create(&th, NULL, tsyncThread, own ? (void *)1 : NULL);
			if (read(pipes[0][0], &c, 1) != 1) _exit(91);
			long r = onNr(SYS_getppid, RET_ERRNO | EPERM, F_TSYNC);
			printf("own %d: tsync: %s\n", own, r == threadTID ? "the thread's TID" : res(r));
			printf("own %d: tsync_esrch: %s\n", own, res(onNr(SYS_getppid, RET_ERRNO | EPERM, F_TSYNC | F_TSYNC_ESRCH)));
			fflush(stdout);
			if (write(pipes[1][1], "g", 1) != 1) _exit(92);
			pthread_join(th, NULL);
			fflush(stdout);
			_exit(0);
		}
		reap("tsync", pid);
	}
}

static void stack(void) {
	pid_t pid = fork();
	if (pid == 0) {
		nnp();
		onNr(SYS_getppid, RET_ERRNO | 1, 0);
		onNr(SYS_getppid, RET_ERRNO | 2, 0);
		printf("errno 1 then 2: %s\n", res(syscall(SYS_getppid)));
		onNr(SYS_getppid, RET_ALLOW, 0);
		onNr(SYS_getppid, RET_LOG, F_LOG);
		onNr(SYS_getppid, RET_TRACE, 0);
		printf("+ allow, log, trace: %s\n", res(syscall(SYS_getppid)));
		onNr(SYS_getpgrp, RET_TRACE, 0);
		printf("trace alone: %s\n", res(syscall(SYS_getpgrp)));
		onNr(SYS_getpgrp, RET_USER_NOTIF, 0);
		printf("user_notif without listener: %s\n", res(syscall(SYS_getpgrp)));
		onNr(SYS_getuid, RET_LOG, 0);
		printf("log: %d\n", syscall(SYS_getuid) == getuid());
		statusLines("/proc/self/status");
		fflush(stdout);
		struct rlimit rl = {0, 0};
		setrlimit(RLIMIT_CORE, &rl);
		onNr(SYS_getppid, RET_TRAP, 0);
		onNr(SYS_getppid, RET_KILL_THREAD, 0);
		syscall(SYS_getppid);
		_exit(0);
	}
	reap("stack", pid);
}

static void tryProg(const char *what, struct sock_filter *f, unsigned n) {
	struct sock_fprog p = {n, f};
	printf("%s: %s\n", what, res(sc(SECCOMP_SET_MODE_FILTER, 0, &p)));
}

static void invalid(void) {
	pid_t pid = fork();
	if (pid == 0) {
		// Without no_new_privs and without CAP_SYS_ADMIN: EACCES.
		if (setuid(65534) != 0) { perror("setuid"); _exit(90); }
		printf("unprivileged: %s\n", res(onNr(SYS_getppid, RET_ERRNO | 1, 0)));
		printf("unprivileged prctl: %s\n", res(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, 0, 0, 0)));
		fflush(stdout);
		_exit(0);
	}
	reap("unprivileged", pid);
	nnp();
	struct sock_filter ok[] = {STMT(BPF_RET | BPF_K, RET_ALLOW)};
	static struct sock_filter big[4097];
	for (int i = 0; i < 4097; i++) big[i] = (struct sock_filter)STMT(BPF_RET | BPF_K, RET_ALLOW);
	tryProg("empty", ok, 0);
	tryProg("4097", big, 4097);
	struct sock_filter unaligned[] = {STMT(BPF_LD | BPF_W | BPF_ABS, 2), STMT(BPF_RET | BPF_K, RET_ALLOW)};
	tryProg("unaligned", unaligned, 2);
	struct sock_filter past[] = {STMT(BPF_LD | BPF_W | BPF_ABS, 64), STMT(BPF_RET | BPF_K, RET_ALLOW)};
	tryProg("past data", past, 2);
	struct sock_filter byte[] = {STMT(BPF_LD | BPF_B | BPF_ABS, 0), STMT(BPF_RET | BPF_K, RET_ALLOW)};
	tryProg("byte load", byte, 2);
	struct sock_filter jmp[] = {JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 0), STMT(BPF_RET | BPF_K, RET_ALLOW)};
	tryProg("jump out", jmp, 2);
	struct sock_filter ja[] = {STMT(BPF_JMP | BPF_JA, 0xffffffff), STMT(BPF_RET | BPF_K, RET_ALLOW)};
	tryProg("jump back", ja, 2);
	struct sock_filter noret[] = {STMT(BPF_RET | BPF_K, RET_ALLOW), STMT(BPF_LD | BPF_W | BPF_ABS, 0)};
	tryProg("no ret", noret, 2);
	struct sock_filter mem[] = {STMT(BPF_LD | BPF_MEM, 0), STMT(BPF_RET | BPF_K, RET_ALLOW)};
	tryProg("mem unset", mem, 2);
	struct sock_filter st[] = {STMT(BPF_ST, 16), STMT(BPF_RET | BPF_K, RET_ALLOW)};
	tryProg("mem index", st, 2);
	struct sock_filter op[] = {STMT(0xff, 0), STMT(BPF_RET | BPF_K, RET_ALLOW)};
	tryProg("bad opcode", op, 2);
	struct sock_fprog bad = {1, (struct sock_filter *)8};
	printf("bad insns pointer: %s\n", res(sc(SECCOMP_SET_MODE_FILTER, 0, &bad)));
	printf("bad fprog pointer: %s\n", res(sc(SECCOMP_SET_MODE_FILTER, 0, (void *)8)));
	struct sock_fprog okp = {1, ok};
	printf("unknown flag: %s\n", res(sc(SECCOMP_SET_MODE_FILTER, 64, &okp)));
	printf("tsync+listener: %s\n", res(sc(SECCOMP_SET_MODE_FILTER, F_TSYNC | F_NEW_LISTENER, &okp)));
	printf("killable alone: %s\n", res(sc(SECCOMP_SET_MODE_FILTER, F_WAIT_KILLABLE_RECV, &okp)));
	printf("bad op: %s\n", res(sc(7, 0, NULL)));
	printf("prctl bad mode: %s\n", res(prctl(PR_SET_SECCOMP, 3, 0, 0, 0)));
	uint32_t acts[] = {RET_KILL_PROCESS, RET_KILL_THREAD, RET_TRAP, RET_ERRNO, RET_USER_NOTIF, RET_TRACE, RET_LOG, RET_ALLOW, 0x00010000U, RET_ERRNO | 1};
	for (unsigned i = 0; i < sizeof acts / sizeof acts[0]; i++)
		printf("avail %#x: %s\n", acts[i], res(sc(SECCOMP_GET_ACTION_AVAIL, 0, &acts[i])));
	printf("avail flags: %s\n", res(sc(SECCOMP_GET_ACTION_AVAIL, 1, &acts[0])));
	uint16_t sizes[3];
	printf("notif sizes: %s", res(sc(SECCOMP_GET_NOTIF_SIZES, 0, sizes)));
	printf(" %u %u %u\n", sizes[0], sizes[1], sizes[2]);
	printf("valid: %s", res(sc(SECCOMP_SET_MODE_FILTER, F_SPEC_ALLOW | F_LOG, &okp)));
	printf(" mode %d\n", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
	printf("prctl valid: %s\n", res(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &okp, 0, 0)));
}

// int80: a filter sees i386's number and arch for int $0x80.
static void int80(void) {
	pid_t pid = fork();
	if (pid == 0) {
		nnp();
		struct sock_filter f[] = {
			STMT(BPF_LD | BPF_W | BPF_ABS, 4),
			JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH_I386, 0, 3),
			STMT(BPF_LD | BPF_W | BPF_ABS, 0),
			JUMP(BPF_JMP | BPF_JEQ | BPF_K, 20 /* i386 getpid */, 0, 1),
			STMT(BPF_RET | BPF_K, RET_ERRNO | EXDEV),
			STMT(BPF_RET | BPF_K, RET_ALLOW),
		};
		struct sock_fprog p = {6, f};
		printf("install: %s\n", res(sc(SECCOMP_SET_MODE_FILTER, 0, &p)));
		long r;
		long rcx = 0x1234, r11 = 0x5678;
		__asm__ volatile("mov %2, %%r11\n\tint $0x80\n\tmov %%r11, %2" : "=a"(r), "+c"(rcx), "+r"(r11) : "a"(20L) : "r11", "memory");
		printf("int80 getpid: %ld rcx %#lx r11 %#lx\n", r, rcx, r11);
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(64L) : "memory"); // getppid
		printf("int80 getppid ok: %d\n", r == getppid());
		printf("x86-64 getpid ok: %d\n", syscall(SYS_getpid) == getpid());
		fflush(stdout);
		_exit(0);
	}
	reap("int80", pid);
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *s = argc > 1 ? argv[1] : "";
	if (!strcmp(s, "exec-check")) {
		printf("after exec: getppid %s mode %d\n", res(syscall(SYS_getppid)), prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
		statusLines("/proc/self/status");
		return 0;
	}
	if (!strcmp(s, "strict")) strict();
	else if (!strcmp(s, "errno")) errnoFilter();
	else if (!strcmp(s, "trap")) trap();
	else if (!strcmp(s, "kill")) kill_();
	else if (!strcmp(s, "inherit")) inherit(argv[0]);
	else if (!strcmp(s, "tsync")) tsync();
	else if (!strcmp(s, "stack")) stack();
	else if (!strcmp(s, "invalid")) invalid();
	else if (!strcmp(s, "int80")) int80();
	else { fprintf(stderr, "usage: seccomp_app SCENARIO\n"); return 2; }
	return 0;
}
