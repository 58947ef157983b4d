// landlock_app: Landlock for the app, compared with native (as root).
// usage: landlock_app SCENARIO SCRATCH   (SCRATCH: a path that does not exist
// yet; the program makes and removes it). Scenarios: abi, errors, fs,
// refer, refer1, exec, net, stack, fork, execinherit, signal; "probe" is
// the program re-executed by execinherit.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The ABI 6 structures, numbers and flags (the build's headers may be
 * older, and musl has no <linux/landlock.h>). */
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif
#define LANDLOCK_CREATE_RULESET_VERSION 1
struct ll_ruleset_attr {
	uint64_t handled_access_fs, handled_access_net, scoped;
};
struct ll_path_beneath {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));
struct ll_net_port {
	uint64_t allowed_access, port;
};
#define RULE_PATH 1
#define RULE_NET 2
#define A_EXEC (1ULL << 0)
#define A_WRITE (1ULL << 1)
#define A_READ (1ULL << 2)
#define A_READDIR (1ULL << 3)
#define A_RMDIR (1ULL << 4)
#define A_RMFILE (1ULL << 5)
#define A_MKDIR (1ULL << 7)
#define A_MKREG (1ULL << 8)
#define A_MKFIFO (1ULL << 10)
#define A_MKSYM (1ULL << 12)
#define A_REFER (1ULL << 13)
#define A_TRUNC (1ULL << 14)
#define A_IOCTL (1ULL << 15)
#define N_BIND 1ULL
#define N_CONNECT 2ULL
#define S_ABSTRACT 1ULL
#define S_SIGNAL 2ULL

static const char *scratch;
static char pbuf[4096];
static const char *P(const char *rel) {
	snprintf(pbuf, sizeof pbuf, "%s/%s", scratch, rel);
	return pbuf;
}

static long create(uint64_t fs, uint64_t net, uint64_t scoped) {
	struct ll_ruleset_attr a = {fs, net, scoped};
	return syscall(SYS_landlock_create_ruleset, &a, sizeof a, 0);
}
static int add_path(int rs, const char *path, uint64_t access) {
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		printf("  open O_PATH %s: %s\n", path, strerror(errno));
		return -1;
	}
	struct ll_path_beneath pb = {access, fd};
	int r = syscall(SYS_landlock_add_rule, rs, RULE_PATH, &pb, 0);
	int e = errno;
	close(fd);
	errno = e;
	return r;
}
static int add_port(int rs, uint64_t port, uint64_t access) {
	struct ll_net_port np = {access, port};
	return syscall(SYS_landlock_add_rule, rs, RULE_NET, &np, 0);
}
static int restrict_self(int rs) {
	return syscall(SYS_landlock_restrict_self, rs, 0);
}
/* errno's name (strerrorname_np is glibc's only). */
static const char *ename(int e) {
	switch (e) {
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case EXDEV: return "EXDEV";
	case EINVAL: return "EINVAL";
	case EBADF: return "EBADF";
	case EBADFD: return "EBADFD";
	case EFAULT: return "EFAULT";
	case E2BIG: return "E2BIG";
	case ENOMSG: return "ENOMSG";
	case ENOENT: return "ENOENT";
	case EEXIST: return "EEXIST";
	case ECONNREFUSED: return "ECONNREFUSED";
	case EADDRINUSE: return "EADDRINUSE";
	case ENOSYS: return "ENOSYS";
	}
	static char b[32];
	snprintf(b, sizeof b, "errno %d", e);
	return b;
}
static void report(const char *what, long r) {
	if (r < 0)
		printf("%s: %s\n", what, ename(errno));
	else
		printf("%s: ok\n", what);
}
static void enforce(int rs) {
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		perror("nnp");
	report("restrict_self", restrict_self(rs));
	close(rs);
}
static void mkfile(const char *rel, const char *data) {
	int fd = open(P(rel), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, strlen(data)) < 0)
		printf("setup %s: %s\n", rel, strerror(errno));
	close(fd);
}
static long try_open(const char *path, int flags) {
	int fd = open(path, flags, 0644);
	if (fd >= 0)
		close(fd);
	return fd;
}

static void setup(void) {
	const char *dirs[] = {"", "ro", "rw", "wo", "out", "a", "b", "c", "d"};
	for (unsigned i = 0; i < sizeof dirs / sizeof *dirs; i++)
		if (mkdir(P(dirs[i]), 0755))
			printf("setup mkdir %s: %s\n", dirs[i], strerror(errno));
	mkfile("ro/f", "ro");
	mkfile("rw/f", "rw");
	mkfile("rw/g", "rw");
	mkfile("wo/f", "wo");
	mkfile("out/f", "out");
	mkfile("a/x", "x");
	mkfile("d/w", "w");
}

static void abi(void) {
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	printf("abi >= 6: %d\n", v >= 6);
	long e = syscall(SYS_landlock_create_ruleset, NULL, 0, 2 /* ERRATA */);
	printf("errata 1 and 2: %ld\n", e < 0 ? -1 : (e & 3));
	report("version with attr", syscall(SYS_landlock_create_ruleset, &v, 8, LANDLOCK_CREATE_RULESET_VERSION));
	report("unknown flag", syscall(SYS_landlock_create_ruleset, NULL, 0, 4));
	int rs = create(A_READ, 0, 0);
	char link[64], target[128] = "";
	snprintf(link, sizeof link, "/proc/self/fd/%d", rs);
	ssize_t n = readlink(link, target, sizeof target - 1);
	if (n > 0)
		target[n] = 0;
	printf("ruleset fd: %s cloexec %d\n", target, (fcntl(rs, F_GETFD) & FD_CLOEXEC) != 0);
	char b[4];
	report("read ruleset", read(rs, b, 4));
	close(rs);
}

static void errors(void) {
	struct ll_ruleset_attr a = {A_READ, 0, 0};
	report("create NULL attr", syscall(SYS_landlock_create_ruleset, NULL, sizeof a, 0));
	report("create size 4", syscall(SYS_landlock_create_ruleset, &a, 4, 0));
	report("create size 8 (ABI 1)", syscall(SYS_landlock_create_ruleset, &a, 8, 0));
	char big[64] = {0};
	memcpy(big, &a, sizeof a);
	report("create size 64 zero tail", syscall(SYS_landlock_create_ruleset, big, sizeof big, 0));
	big[40] = 1;
	report("create size 64 nonzero tail", syscall(SYS_landlock_create_ruleset, big, sizeof big, 0));
	report("create nothing handled", create(0, 0, 0));
	report("create unknown fs right", create(1ULL << 40, 0, 0));
	report("create unknown net right", create(0, 1ULL << 10, 0));
	report("create unknown scope", create(0, 0, 1ULL << 10));
	int rs = create(A_READ | A_READDIR | A_WRITE, N_BIND, 0);
	report("add empty access", add_path(rs, scratch, 0));
	report("add unhandled right", add_path(rs, scratch, A_EXEC));
	report("add dir right on file", add_path(rs, P("ro/f"), A_READDIR));
	report("add file right on file", add_path(rs, P("ro/f"), A_READ));
	report("add on dir", add_path(rs, scratch, A_READ | A_READDIR));
	int pfd[2];
	if (pipe(pfd))
		return;
	struct ll_path_beneath pb = {A_READ, pfd[0]};
	report("add pipe parent", syscall(SYS_landlock_add_rule, rs, RULE_PATH, &pb, 0));
	pb.parent_fd = 999;
	report("add bad parent", syscall(SYS_landlock_add_rule, rs, RULE_PATH, &pb, 0));
	pb.parent_fd = pfd[0];
	report("add to a pipe", syscall(SYS_landlock_add_rule, pfd[0], RULE_PATH, &pb, 0));
	report("add rule type 9", syscall(SYS_landlock_add_rule, rs, 9, &pb, 0));
	report("add flags", syscall(SYS_landlock_add_rule, rs, RULE_PATH, &pb, 1));
	report("add port 80", add_port(rs, 80, N_BIND));
	report("add port 70000", add_port(rs, 70000, N_BIND));
	report("add port unhandled", add_port(rs, 80, N_CONNECT));
	report("restrict bad flags", syscall(SYS_landlock_restrict_self, rs, 0x80));
	report("restrict a pipe", syscall(SYS_landlock_restrict_self, pfd[0], 0));
	int child = fork();
	if (child == 0) {
		/* As root without no_new_privs: CAP_SYS_ADMIN lets it. */
		report("restrict as root without nnp", restrict_self(rs));
		fflush(stdout);
		_exit(0);
	}
	waitpid(child, NULL, 0);
	close(rs);
}

static void fs(void) {
	int early = open(P("ro/f"), O_RDWR);
	int rs = create(A_READ | A_WRITE | A_READDIR | A_MKREG | A_RMFILE | A_MKDIR | A_RMDIR | A_TRUNC | A_MKSYM | A_MKFIFO, 0, 0);
	report("rule /usr", add_path(rs, "/usr", A_READ | A_READDIR));
	report("rule ro", add_path(rs, P("ro"), A_READ | A_READDIR));
	report("rule rw", add_path(rs, P("rw"), A_READ | A_READDIR | A_WRITE | A_MKREG | A_RMFILE | A_MKDIR | A_RMDIR | A_TRUNC | A_MKSYM | A_MKFIFO));
	report("rule wo", add_path(rs, P("wo"), A_WRITE));
	enforce(rs);
	report("read /usr/bin/true", try_open("/usr/bin/true", O_RDONLY));
	report("read /etc/passwd", try_open("/etc/passwd", O_RDONLY));
	report("opendir /usr/bin", try_open("/usr/bin", O_RDONLY | O_DIRECTORY));
	report("O_PATH /etc/passwd", try_open("/etc/passwd", O_PATH));
	report("read ro/f", try_open(P("ro/f"), O_RDONLY));
	report("write ro/f", try_open(P("ro/f"), O_WRONLY));
	report("create ro/new", try_open(P("ro/new"), O_WRONLY | O_CREAT));
	report("read out/f", try_open(P("out/f"), O_RDONLY));
	report("opendir out", try_open(P("out"), O_RDONLY | O_DIRECTORY));
	report("opendir ro", try_open(P("ro"), O_RDONLY | O_DIRECTORY));
	report("stat out/f", access(P("out/f"), F_OK));
	report("rdwr rw/f", try_open(P("rw/f"), O_RDWR));
	report("create rw/new", try_open(P("rw/new"), O_RDWR | O_CREAT));
	report("O_TRUNC rw/f", try_open(P("rw/f"), O_WRONLY | O_TRUNC));
	report("truncate rw/g", truncate(P("rw/g"), 1));
	report("truncate ro/f", truncate(P("ro/f"), 1));
	report("mkdir rw/d", mkdir(P("rw/d"), 0755));
	report("mkdir ro/d", mkdir(P("ro/d"), 0755));
	report("symlink rw/l", symlink("f", P("rw/l")));
	report("symlink ro/l", symlink("f", P("ro/l")));
	report("mkfifo rw/p", mkfifo(P("rw/p"), 0644));
	report("mkfifo ro/p", mkfifo(P("ro/p"), 0644));
	report("rmdir rw/d", rmdir(P("rw/d")));
	report("unlink rw/new", unlink(P("rw/new")));
	report("unlink ro/f", unlink(P("ro/f")));
	report("write wo/f", try_open(P("wo/f"), O_WRONLY));
	report("read wo/f", try_open(P("wo/f"), O_RDONLY));
	report("O_TRUNC wo/f", try_open(P("wo/f"), O_WRONLY | O_TRUNC));
	int fd = open(P("wo/f"), O_WRONLY);
	report("ftruncate wo/f", ftruncate(fd, 0));
	close(fd);
	fd = open(P("rw/f"), O_WRONLY);
	report("ftruncate rw/f", ftruncate(fd, 0));
	close(fd);
	report("ftruncate fd opened before", ftruncate(early, 0));
	report("read fd opened before", read(early, pbuf, 1));
}

static char from[4096];
static const char *F(const char *rel) {
	snprintf(from, sizeof from, "%s/%s", scratch, rel);
	return from;
}

static void refer(void) {
	int rs = create(A_READ | A_MKREG | A_RMFILE | A_REFER, 0, 0);
	report("rule a", add_path(rs, P("a"), A_READ | A_MKREG | A_RMFILE | A_REFER));
	report("rule b", add_path(rs, P("b"), A_READ | A_MKREG | A_RMFILE | A_REFER));
	report("rule c", add_path(rs, P("c"), A_READ | A_MKREG | A_RMFILE));
	report("rule d", add_path(rs, P("d"), A_MKREG | A_RMFILE | A_REFER));
	enforce(rs);
	report("rename a/x a/y", rename(F("a/x"), P("a/y")));
	report("rename a/y b/y", rename(F("a/y"), P("b/y")));
	report("rename b/y c/y (no refer at c)", rename(F("b/y"), P("c/y")));
	report("link b/y c/z", link(F("b/y"), P("c/z")));
	report("link b/y a/z", link(F("b/y"), P("a/z")));
	report("rename b/y out/y (no make)", rename(F("b/y"), P("out/y")));
	report("rename d/w b/w (gains read)", rename(F("d/w"), P("b/w")));
	report("rename b/y d/y (loses read)", rename(F("b/y"), P("d/y")));
	report("exchange a/z d/y", syscall(SYS_renameat2, AT_FDCWD, F("a/z"), AT_FDCWD, P("d/y"), RENAME_EXCHANGE));
	report("rename a/z a/q", rename(F("a/z"), P("a/q")));
}

static void refer_abi1(void) {
	/* An ABI 1 ruleset: REFER is implicitly handled, reparenting refused. */
	int rs = create(A_MKREG | A_RMFILE, 0, 0);
	report("rule scratch", add_path(rs, scratch, A_MKREG | A_RMFILE));
	report("rule with refer", add_path(rs, scratch, A_REFER));
	enforce(rs);
	report("rename a/x a/y", rename(F("a/x"), P("a/y")));
	report("rename a/y b/y", rename(F("a/y"), P("b/y")));
	report("link a/y a/z", link(F("a/y"), P("a/z")));
	report("link a/y b/z", link(F("a/y"), P("b/z")));
}

static int run_child(char *const argv[]) {
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		execv(argv[0], argv);
		printf("  execv %s: %s\n", argv[0], ename(errno));
		fflush(stdout);
		_exit(99);
	}
	int st;
	waitpid(c, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void exec_(const char *self) {
	int rs = create(A_EXEC, 0, 0);
	report("rule /usr", add_path(rs, "/usr", A_EXEC));
	enforce(rs);
	char *t[] = {"/usr/bin/true", NULL};
	printf("exec /usr/bin/true: status %d\n", run_child(t));
	char *s[] = {(char *)self, "abi", "/nonexistent", NULL};
	printf("exec self: status %d\n", run_child(s));
	report("read self", try_open(self, O_RDONLY));
}

static void net(void) {
	int base = 20000 + getpid() % 20000;
	int allowed = base, denied = base + 1;
	int rs = create(0, N_BIND | N_CONNECT, 0);
	report("rule port", add_port(rs, allowed, N_BIND | N_CONNECT));
	enforce(rs);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int s = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = htons(denied);
	report("bind denied port", bind(s, (void *)&sa, sizeof sa));
	sa.sin_port = htons(allowed);
	report("bind allowed port", bind(s, (void *)&sa, sizeof sa));
	report("listen", listen(s, 4));
	int c = socket(AF_INET, SOCK_STREAM, 0);
	report("connect allowed port", connect(c, (void *)&sa, sizeof sa));
	close(c);
	c = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = htons(denied);
	report("connect denied port", connect(c, (void *)&sa, sizeof sa));
	close(c);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	report("bind udp on denied port", bind(u, (void *)&sa, sizeof sa));
	close(u);
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT, .sin6_port = htons(denied)};
	int s6fd = socket(AF_INET6, SOCK_STREAM, 0);
	if (s6fd >= 0)
		report("bind6 denied port", bind(s6fd, (void *)&s6, sizeof s6));
	close(s);
}

static void stack(void) {
	int rs = create(A_READ, 0, 0);
	add_path(rs, scratch, A_READ);
	add_path(rs, "/usr", A_READ);
	enforce(rs);
	report("layer 1: read ro/f", try_open(P("ro/f"), O_RDONLY));
	report("layer 1: read rw/f", try_open(P("rw/f"), O_RDONLY));
	rs = create(A_READ, 0, 0);
	add_path(rs, P("rw"), A_READ);
	add_path(rs, "/usr", A_READ);
	enforce(rs);
	report("layer 2: read ro/f", try_open(P("ro/f"), O_RDONLY));
	report("layer 2: read rw/f", try_open(P("rw/f"), O_RDONLY));
	report("layer 2: read /usr/bin/true", try_open("/usr/bin/true", O_RDONLY));
	int n = 2;
	long r;
	for (;;) {
		rs = create(A_WRITE, 0, 0);
		r = restrict_self(rs);
		int e = errno;
		close(rs);
		errno = e;
		if (r < 0)
			break;
		n++;
	}
	printf("layers: %d, then %s\n", n, ename(errno));
}

static void fork_(void) {
	int rs = create(A_READ, 0, 0);
	add_path(rs, P("rw"), A_READ);
	enforce(rs);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		report("child: read out/f", try_open(P("out/f"), O_RDONLY));
		report("child: read rw/f", try_open(P("rw/f"), O_RDONLY));
		fflush(stdout);
		_exit(0);
	}
	waitpid(c, NULL, 0);
	report("parent: read out/f", try_open(P("out/f"), O_RDONLY));
}

static void probe(void) {
	report("after exec: write out/f", try_open(P("out/f"), O_WRONLY));
	report("after exec: write rw/f", try_open(P("rw/f"), O_WRONLY));
	report("after exec: read out/f", try_open(P("out/f"), O_RDONLY));
}

static void execinherit(const char *self) {
	int rs = create(A_WRITE, 0, 0);
	add_path(rs, P("rw"), A_WRITE);
	enforce(rs);
	char *argv[] = {(char *)self, "probe", (char *)scratch, NULL};
	printf("probe status %d\n", run_child(argv));
}

static void signal_(void) {
	pid_t parent = getpid();
	int pfd[2];
	if (pipe(pfd))
		return;
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		int rs = create(0, 0, S_SIGNAL);
		enforce(rs);
		report("kill self", kill(getpid(), 0));
		report("kill parent (outside)", kill(parent, 0));
		report("kill parent SIGUSR1", kill(parent, SIGUSR1));
		fflush(stdout);
		pid_t g = fork();
		if (g == 0) {
			pause();
			_exit(0);
		}
		report("kill grandchild (inside)", kill(g, SIGTERM));
		waitpid(g, NULL, 0);
		fflush(stdout);
		if (write(pfd[1], "x", 1) < 0)
			_exit(1);
		pause();
		_exit(0);
	}
	char b;
	if (read(pfd[0], &b, 1) < 0)
		return;
	report("parent kills restricted child", kill(c, SIGTERM));
	waitpid(c, NULL, 0);
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGUSR1, SIG_IGN);
	if (argc < 3)
		return 2;
	scratch = argv[2];
	const char *m = argv[1];
	if (!strcmp(m, "probe")) {
		probe();
		return 0;
	}
	if (!strcmp(m, "abi")) {
		abi();
		return 0;
	}
	setup();
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		if (!strcmp(m, "errors"))
			errors();
		else if (!strcmp(m, "fs"))
			fs();
		else if (!strcmp(m, "refer"))
			refer();
		else if (!strcmp(m, "refer1"))
			refer_abi1();
		else if (!strcmp(m, "exec"))
			exec_(argv[0]);
		else if (!strcmp(m, "net"))
			net();
		else if (!strcmp(m, "stack"))
			stack();
		else if (!strcmp(m, "fork"))
			fork_();
		else if (!strcmp(m, "execinherit"))
			execinherit(argv[0]);
		else if (!strcmp(m, "signal"))
			signal_();
		fflush(stdout);
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	printf("scenario status %d\n", st);
	/* Clean up without a shell. */
	fflush(stdout);
	pid_t r = fork();
	if (r == 0) {
		execl("/bin/rm", "rm", "-rf", scratch, (char *)NULL);
		_exit(1);
	}
	waitpid(r, NULL, 0);
	return 0;
}
