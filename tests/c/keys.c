// keys: the Linux key management calls (add_key, request_key, keyctl)
// through raw syscall(), no libkeyutils. Serial numbers differ from run to
// run, so only relative facts are printed (same/different, names found by
// describing keys). The program first joins a fresh anonymous session
// keyring so that the native run does not see the session it was started
// in. A fork child inherits the session keyring, an exec keeps it, a new
// thread gets its own thread keyring, and SESSION_TO_PARENT hands a
// grandchild's session to its parent.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "errname.h"

#define KEYCTL_GET_KEYRING_ID 0
#define KEYCTL_JOIN_SESSION_KEYRING 1
#define KEYCTL_UPDATE 2
#define KEYCTL_REVOKE 3
#define KEYCTL_CHOWN 4
#define KEYCTL_SETPERM 5
#define KEYCTL_DESCRIBE 6
#define KEYCTL_CLEAR 7
#define KEYCTL_LINK 8
#define KEYCTL_UNLINK 9
#define KEYCTL_SEARCH 10
#define KEYCTL_READ 11
#define KEYCTL_SET_REQKEY_KEYRING 14
#define KEYCTL_SET_TIMEOUT 15
#define KEYCTL_GET_SECURITY 17
#define KEYCTL_SESSION_TO_PARENT 18
#define KEYCTL_INVALIDATE 21
#define KEYCTL_MOVE 30

#define THREAD -1
#define PROCESS -2
#define SESSION -3
#define USER -4
#define USER_SESSION -5

static long kc(long op, long a2, long a3, long a4, long a5) { return syscall(SYS_keyctl, op, a2, a3, a4, a5); }

static long add(const char *type, const char *desc, const void *p, size_t n, long ring) {
	return syscall(SYS_add_key, type, desc, p, n, ring);
}

static long req(const char *type, const char *desc, const char *callout, long dest) {
	return syscall(SYS_request_key, type, desc, callout, dest);
}

static const char *ename(int e) {
	switch (e) {
	case ENOKEY: return "ENOKEY";
	case EKEYREVOKED: return "EKEYREVOKED";
	case EKEYEXPIRED: return "EKEYEXPIRED";
	case EDEADLK: return "EDEADLK";
	case ENOTDIR: return "ENOTDIR";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EDQUOT: return "EDQUOT";
	}
	return errname(e);
}

// res prints a call's outcome without the number when it is a serial.
static void res(const char *what, long r) {
	if (r < 0)
		printf("%s: -1 %s\n", what, ename(errno));
	else
		printf("%s: ok\n", what);
}

static void num(const char *what, long r) {
	if (r < 0)
		printf("%s: -1 %s\n", what, ename(errno));
	else
		printf("%s: %ld\n", what, r);
}

static void same(const char *what, long a, long b) {
	if (a < 0 || b < 0)
		printf("%s: error %s\n", what, ename(errno));
	else
		printf("%s: %s\n", what, a == b ? "same" : "different");
}

static void describe(const char *what, long id) {
	char buf[256];
	long r = kc(KEYCTL_DESCRIBE, id, (long)buf, sizeof buf, 0);
	if (r < 0)
		printf("describe %s: -1 %s\n", what, ename(errno));
	else
		printf("describe %s: %ld %s\n", what, r, buf);
}

static void readkey(const char *what, long id) {
	char buf[64];
	memset(buf, 0, sizeof buf);
	long r = kc(KEYCTL_READ, id, (long)buf, sizeof buf - 1, 0);
	if (r < 0)
		printf("read %s: -1 %s\n", what, ename(errno));
	else
		printf("read %s: %ld \"%s\"\n", what, r, buf);
}

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

// contents prints the descriptions in a keyring, sorted (Linux keeps no
// order).
static void contents(const char *what, long ring) {
	int32_t ids[64];
	long r = kc(KEYCTL_READ, ring, (long)ids, sizeof ids, 0);
	if (r < 0) {
		printf("contents %s: -1 %s\n", what, ename(errno));
		return;
	}
	int n = r / 4;
	char *names[64];
	for (int i = 0; i < n; i++) {
		char buf[256];
		if (kc(KEYCTL_DESCRIBE, ids[i], (long)buf, sizeof buf, 0) < 0)
			snprintf(buf, sizeof buf, "?%s", ename(errno));
		char *d = strrchr(buf, ';');
		names[i] = strdup(d ? d + 1 : buf);
	}
	qsort(names, n, sizeof names[0], cmpstr);
	printf("contents %s: %d [", what, n);
	for (int i = 0; i < n; i++)
		printf("%s%s", i ? " " : "", names[i]);
	printf("]\n");
}

static long thread_ring, thread_ring_new, thread_proc, thread_proc_main;

static void *thread_main(void *arg) {
	(void)arg;
	thread_ring_new = kc(KEYCTL_GET_KEYRING_ID, THREAD, 0, 0, 0);
	thread_proc = kc(KEYCTL_GET_KEYRING_ID, PROCESS, 0, 0, 0);
	return NULL;
}

static int exec_child(char **argv) {
	long sess = atol(argv[2]), k2 = atol(argv[3]);
	same("exec: session kept", kc(KEYCTL_GET_KEYRING_ID, SESSION, 0, 0, 0), sess);
	res("exec: process keyring gone", kc(KEYCTL_GET_KEYRING_ID, PROCESS, 0, 0, 0));
	res("exec: thread keyring gone", kc(KEYCTL_GET_KEYRING_ID, THREAD, 0, 0, 0));
	same("exec: search k2", kc(KEYCTL_SEARCH, SESSION, (long)"user", (long)"k2", 0), k2);
	readkey("exec: k2", k2);
	return 0;
}

static void wait_child(pid_t pid) {
	int st;
	waitpid(pid, &st, 0);
	fflush(stdout);
}

int main(int argc, char **argv) {
	if (argc > 3 && strcmp(argv[1], "exec-child") == 0)
		return exec_child(argv);
	setvbuf(stdout, NULL, _IOLBF, 0);

	// A fresh session, and the special keyrings.
	long sess = kc(KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0);
	res("join anonymous session", sess);
	describe("session", sess);
	same("session id", kc(KEYCTL_GET_KEYRING_ID, SESSION, 0, 0, 0), sess);
	same("session id with create", kc(KEYCTL_GET_KEYRING_ID, SESSION, 1, 0, 0), sess);
	res("thread keyring without create", kc(KEYCTL_GET_KEYRING_ID, THREAD, 0, 0, 0));
	long tk = kc(KEYCTL_GET_KEYRING_ID, THREAD, 1, 0, 0);
	res("thread keyring with create", tk);
	same("thread keyring again", kc(KEYCTL_GET_KEYRING_ID, THREAD, 0, 0, 0), tk);
	describe("thread", THREAD);
	res("process keyring without create", kc(KEYCTL_GET_KEYRING_ID, PROCESS, 0, 0, 0));
	long pk = kc(KEYCTL_GET_KEYRING_ID, PROCESS, 1, 0, 0);
	res("process keyring with create", pk);
	describe("process", PROCESS);
	describe("user", USER);
	describe("user session", USER_SESSION);
	res("group keyring", kc(KEYCTL_GET_KEYRING_ID, -6, 0, 0, 0));
	res("reqkey auth key", kc(KEYCTL_GET_KEYRING_ID, -7, 0, 0, 0));
	res("id -9", kc(KEYCTL_GET_KEYRING_ID, -9, 0, 0, 0));
	res("id 0", kc(KEYCTL_GET_KEYRING_ID, 0, 0, 0, 0));
	res("id 1", kc(KEYCTL_GET_KEYRING_ID, 1, 0, 0, 0));

	// add_key: create, update, errors.
	long k1 = add("user", "k1", "hello", 5, SESSION);
	res("add k1", k1);
	describe("k1", k1);
	readkey("k1", k1);
	num("read k1 length only", kc(KEYCTL_READ, k1, 0, 0, 0));
	char shortbuf[4] = "XXX";
	long r = kc(KEYCTL_READ, k1, (long)shortbuf, 3, 0);
	printf("read k1 short buffer: %ld \"%s\"\n", r, shortbuf);
	same("add k1 again updates", add("user", "k1", "world!", 6, SESSION), k1);
	readkey("k1 updated", k1);
	res("add empty description", add("user", "", "x", 1, SESSION));
	res("add NULL description", add("user", NULL, "x", 1, SESSION));
	res("add unknown type", add("nosuch", "x", "x", 1, SESSION));
	res("add dot type", add(".user", "x", "x", 1, SESSION));
	res("add empty type", add("", "x", "x", 1, SESSION));
	res("add dot keyring", add("keyring", ".kr", NULL, 0, SESSION));
	static char big[40000];
	memset(big, 'b', sizeof big);
	res("add user 32768 bytes", add("user", "big", big, 32768, SESSION));
	long kbig = add("user", "big", big, 32767, SESSION);
	res("add user 32767 bytes", kbig);
	num("read big length", kc(KEYCTL_READ, kbig, 0, 0, 0));
	res("update 4097 bytes", kc(KEYCTL_UPDATE, kbig, (long)big, 4097, 0));
	res("add empty payload", add("user", "empty", "", 0, SESSION));
	res("add keyring with payload", add("keyring", "kr", "x", 1, SESSION));
	res("add logon without colon", add("logon", "nocolon", "p", 1, SESSION));
	long lk = add("logon", "svc:name", "secret", 6, SESSION);
	res("add logon", lk);
	describe("logon", lk);
	readkey("logon", lk);
	res("add into a user key", add("user", "x", "x", 1, k1));
	res("add into no such keyring", add("user", "x", "x", 1, 1));

	// Keyrings: nesting, search, link, unlink, move, clear.
	long kr = add("keyring", "kr", NULL, 0, SESSION);
	res("add keyring kr", kr);
	describe("kr", kr);
	long k2 = add("user", "k2", "two", 3, kr);
	res("add k2 in kr", k2);
	same("search nested k2", kc(KEYCTL_SEARCH, SESSION, (long)"user", (long)"k2", 0), k2);
	res("search missing", kc(KEYCTL_SEARCH, SESSION, (long)"user", (long)"nope", 0));
	res("search unknown type", kc(KEYCTL_SEARCH, SESSION, (long)"nosuch", (long)"k2", 0));
	res("search in a user key", kc(KEYCTL_SEARCH, k1, (long)"user", (long)"k2", 0));
	same("search keyring kr", kc(KEYCTL_SEARCH, SESSION, (long)"keyring", (long)"kr", 0), kr);
	contents("session", SESSION);
	contents("kr", kr);
	res("link k1 into kr", kc(KEYCTL_LINK, k1, kr, 0, 0));
	contents("kr after link", kr);
	res("link kr into itself", kc(KEYCTL_LINK, kr, kr, 0, 0));
	res("link session into kr", kc(KEYCTL_LINK, SESSION, kr, 0, 0));
	res("link into a user key", kc(KEYCTL_LINK, k1, k1, 0, 0));
	res("unlink k1 from kr", kc(KEYCTL_UNLINK, k1, kr, 0, 0));
	res("unlink k1 from kr again", kc(KEYCTL_UNLINK, k1, kr, 0, 0));
	res("update a keyring", kc(KEYCTL_UPDATE, kr, (long)"x", 1, 0));
	res("update k1", kc(KEYCTL_UPDATE, k1, (long)"abc", 3, 0));
	readkey("k1 after update", k1);
	res("move k2 to session", kc(KEYCTL_MOVE, k2, kr, SESSION, 0));
	res("move k2 again", kc(KEYCTL_MOVE, k2, kr, SESSION, 0));
	long k2b = add("user", "k2", "other", 5, kr);
	res("add another k2 in kr", k2b);
	res("move exclusive onto k2", kc(KEYCTL_MOVE, k2b, kr, SESSION, 1));
	res("move bad flags", kc(KEYCTL_MOVE, k2b, kr, SESSION, 2));
	contents("session after moves", SESSION);
	res("clear kr", kc(KEYCTL_CLEAR, kr, 0, 0, 0));
	contents("kr after clear", kr);
	res("clear a user key", kc(KEYCTL_CLEAR, k2, 0, 0, 0));

	// Security label, request_key default keyring.
	char sec[16] = "zz";
	num("get security", kc(KEYCTL_GET_SECURITY, k2, (long)sec, sizeof sec, 0));
	printf("security label: \"%s\"\n", sec);
	num("reqkey keyring query", kc(KEYCTL_SET_REQKEY_KEYRING, -1, 0, 0, 0));
	num("reqkey keyring set user", kc(KEYCTL_SET_REQKEY_KEYRING, 4, 0, 0, 0));
	num("reqkey keyring query again", kc(KEYCTL_SET_REQKEY_KEYRING, -1, 0, 0, 0));
	num("reqkey keyring group", kc(KEYCTL_SET_REQKEY_KEYRING, 6, 0, 0, 0));
	num("reqkey keyring default", kc(KEYCTL_SET_REQKEY_KEYRING, 0, 0, 0, 0));

	// request_key searches the thread, process and session keyrings.
	same("request k2", req("user", "k2", NULL, 0), k2);
	res("request missing", req("user", "nope", NULL, 0));
	res("request unknown type", req("nosuch", "k2", NULL, 0));
	same("request k2 into the thread keyring", req("user", "k2", NULL, THREAD), k2);
	contents("thread keyring", THREAD);
	same("request kr", req("keyring", "kr", NULL, 0), kr);

	// Instantiation needs a request_key authorisation, which no task
	// here holds; unknown operations; bad pointers.
	res("instantiate without authority", kc(12, k2, (long)"x", 1, 0));
	res("negate without authority", kc(13, k2, 10, 0, 0));
	res("reject with a bad error", kc(19, k2, 10, 0, 0));
	res("reject without authority", kc(19, k2, 10, EKEYREJECTED, 0));
	num("assume no authority", kc(16, 0, 0, 0, 0));
	res("assume authority -1", kc(16, -1, 0, 0, 0));
	res("assume authority over k2", kc(16, k2, 0, 0, 0));
	res("unknown operation", kc(99, 0, 0, 0, 0));
	res("add with a bad type pointer", add((const char *)8, "x", "x", 1, SESSION));
	res("add with a bad payload pointer", add("user", "x", (const void *)8, 1, SESSION));
	res("describe into a bad buffer", kc(KEYCTL_DESCRIBE, k2, 8, 100, 0));
	res("request with a bad description", req("user", (const char *)8, NULL, 0));

	// Permissions: possession, ownership, groups.
	res("setperm invalid bits", kc(KEYCTL_SETPERM, k1, 0x40000000, 0, 0));
	res("chown k1 to 1234", kc(KEYCTL_CHOWN, k1, 1234, -1, 0));
	describe("k1 chowned", k1);
	res("chown no change", kc(KEYCTL_CHOWN, k1, -1, -1, 0));
	res("setperm k1 possessor view+search", kc(KEYCTL_SETPERM, k1, 0x09000000, 0, 0));
	readkey("k1 possessed without read", k1);
	res("update k1 without write", kc(KEYCTL_UPDATE, k1, (long)"q", 1, 0));
	describe("k1 possessor view", k1);
	res("setperm k1 possessor view only", kc(KEYCTL_SETPERM, k1, 0x01000000, 0, 0));
	readkey("k1 not possessed", k1);
	describe("k1 not possessed", k1);
	res("setperm k1 not possessed", kc(KEYCTL_SETPERM, k1, 0x3f010000, 0, 0));
	res("revoke k1 not possessed", kc(KEYCTL_REVOKE, k1, 0, 0, 0));
	same("search k1 not searchable", kc(KEYCTL_SEARCH, SESSION, (long)"user", (long)"k1", 0), k1);

	long holder = add("keyring", "holder", NULL, 0, SESSION);
	long k3 = add("user", "k3", "gr", 2, holder);
	res("add k3 in holder", k3);
	res("chown k3", kc(KEYCTL_CHOWN, k3, 1234, -1, 0));
	res("setperm k3 group read", kc(KEYCTL_SETPERM, k3, 0x3f000300, 0, 0));
	res("setperm holder without search", kc(KEYCTL_SETPERM, holder, 0x37000000, 0, 0));
	readkey("k3 through group", k3);
	describe("k3", k3);
	res("update k3 through group", kc(KEYCTL_UPDATE, k3, (long)"x", 1, 0));
	res("setperm k3 through group", kc(KEYCTL_SETPERM, k3, 0x3f3f3f3f, 0, 0));
	res("search k3 behind holder", kc(KEYCTL_SEARCH, SESSION, (long)"user", (long)"k3", 0));
	res("request k3 behind holder", req("user", "k3", NULL, 0));
	res("setperm holder not possessed", kc(KEYCTL_SETPERM, holder, 0x3f010000, 0, 0));

	// Revoke, invalidate, timeouts.
	long k4 = add("user", "k4", "four", 4, SESSION);
	res("revoke k4", kc(KEYCTL_REVOKE, k4, 0, 0, 0));
	readkey("k4 revoked", k4);
	describe("k4 revoked", k4);
	res("search k4 revoked", kc(KEYCTL_SEARCH, SESSION, (long)"user", (long)"k4", 0));
	res("request k4 revoked", req("user", "k4", NULL, 0));
	res("revoke k4 again", kc(KEYCTL_REVOKE, k4, 0, 0, 0));
	res("update k4 revoked", kc(KEYCTL_UPDATE, k4, (long)"x", 1, 0));
	long k4b = add("user", "k4", "again", 5, SESSION);
	same("add k4 after revoke", k4b, k4);
	readkey("new k4", k4b);
	long rk = add("keyring", "rk", NULL, 0, SESSION);
	add("user", "inrk", "x", 1, rk);
	res("revoke keyring rk", kc(KEYCTL_REVOKE, rk, 0, 0, 0));
	res("read revoked keyring", kc(KEYCTL_READ, rk, 0, 0, 0));

	long k5 = add("user", "k5", "five", 4, SESSION);
	res("invalidate k5", kc(KEYCTL_INVALIDATE, k5, 0, 0, 0));
	describe("k5 invalidated", k5);

	long k6 = add("user", "k6", "six", 3, SESSION);
	// Two seconds: at least one whole second before it expires (timeouts
	// count in whole seconds of the real-time clock).
	res("timeout k6", kc(KEYCTL_SET_TIMEOUT, k6, 2, 0, 0));
	describe("k6 before expiry", k6);
	long k7 = add("user", "k7", "seven", 5, SESSION);
	res("timeout k7 then clear it", kc(KEYCTL_SET_TIMEOUT, k7, 1, 0, 0));
	kc(KEYCTL_SET_TIMEOUT, k7, 0, 0, 0);
	struct timespec ts = {2, 300000000};
	nanosleep(&ts, NULL);
	describe("k6 expired", k6);
	readkey("k6 expired", k6);
	res("search k6 expired", kc(KEYCTL_SEARCH, SESSION, (long)"user", (long)"k6", 0));
	res("request k6 expired", req("user", "k6", NULL, 0));
	readkey("k7 timeout cleared", k7);

	// A new thread gets a thread keyring of its own (its creator has
	// one) and shares the process keyring.
	pthread_t th;
	thread_ring = kc(KEYCTL_GET_KEYRING_ID, THREAD, 0, 0, 0);
	thread_proc_main = kc(KEYCTL_GET_KEYRING_ID, PROCESS, 0, 0, 0);
	pthread_create(&th, NULL, thread_main, NULL);
	pthread_join(th, NULL);
	printf("new thread has a thread keyring: %s\n", thread_ring_new > 0 ? "yes" : ename(errno));
	same("new thread's thread keyring", thread_ring_new, thread_ring);
	same("new thread's process keyring", thread_proc, thread_proc_main);

	// Many keys come and go (elfloader collects the keys nothing refers
	// to as it goes): the ones still referenced survive, in the thread,
	// process and session keyrings and in another process's session.
	int up[2], down[2];
	if (pipe(up) != 0 || pipe(down) != 0)
		return 1;
	pid_t holder_pid = fork();
	if (holder_pid == 0) {
		kc(KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0);
		long ck = add("user", "only-in-child", "kept", 4, SESSION);
		char c = 0;
		if (write(up[1], &c, 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(1);
		readkey("holder child: its key after the churn", ck);
		_exit(0);
	}
	char c = 0;
	if (read(up[0], &c, 1) != 1)
		return 1;
	long churn = add("keyring", "churn", NULL, 0, SESSION);
	long inproc = add("user", "inproc", "p", 1, PROCESS);
	long inthread = add("user", "inthread", "t", 1, THREAD);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 150; i++) {
			char name[32];
			snprintf(name, sizeof name, "tmp%d", i);
			add("user", name, "x", 1, churn);
		}
		num("churn keys", kc(KEYCTL_READ, churn, 0, 0, 0) / 4);
		kc(KEYCTL_CLEAR, churn, 0, 0, 0);
	}
	readkey("inproc after the churn", inproc);
	readkey("inthread after the churn", inthread);
	readkey("k2 after the churn", k2);
	readkey("k7 after the churn", k7);
	if (write(down[1], &c, 1) != 1)
		return 1;
	wait_child(holder_pid);

	// fork: the child shares the session keyring, has no thread or
	// process keyring.
	pid_t pid = fork();
	if (pid == 0) {
		same("child: session inherited", kc(KEYCTL_GET_KEYRING_ID, SESSION, 0, 0, 0), sess);
		res("child: process keyring", kc(KEYCTL_GET_KEYRING_ID, PROCESS, 0, 0, 0));
		res("child: thread keyring", kc(KEYCTL_GET_KEYRING_ID, THREAD, 0, 0, 0));
		same("child: search k2", kc(KEYCTL_SEARCH, SESSION, (long)"user", (long)"k2", 0), k2);
		readkey("child: k2", k2);
		res("child: add ck", add("user", "ck", "from child", 10, SESSION));
		long mine = kc(KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0);
		same("child: new session", mine, sess);
		res("child: k2 after leaving", kc(KEYCTL_SEARCH, SESSION, (long)"user", (long)"k2", 0));
		_exit(0);
	}
	wait_child(pid);
	same("parent: session unchanged", kc(KEYCTL_GET_KEYRING_ID, SESSION, 0, 0, 0), sess);
	readkey("parent: ck from child", kc(KEYCTL_SEARCH, SESSION, (long)"user", (long)"ck", 0));

	// exec keeps the session keyring, drops thread and process keyrings.
	pid = fork();
	if (pid == 0) {
		kc(KEYCTL_GET_KEYRING_ID, PROCESS, 1, 0, 0);
		kc(KEYCTL_GET_KEYRING_ID, THREAD, 1, 0, 0);
		char s1[32], s2[32];
		snprintf(s1, sizeof s1, "%ld", sess);
		snprintf(s2, sizeof s2, "%ld", k2);
		char *args[] = {argv[0], "exec-child", s1, s2, NULL};
		execv("/proc/self/exe", args);
		printf("execv: %s\n", ename(errno));
		_exit(1);
	}
	wait_child(pid);

	// Named sessions and SESSION_TO_PARENT, in a child of their own.
	pid = fork();
	if (pid == 0) {
		long n1 = kc(KEYCTL_JOIN_SESSION_KEYRING, (long)"named-ring", 0, 0, 0);
		res("join named", n1);
		describe("named", n1);
		same("join named again", kc(KEYCTL_JOIN_SESSION_KEYRING, (long)"named-ring", 0, 0, 0), n1);
		res("join dot name", kc(KEYCTL_JOIN_SESSION_KEYRING, (long)".named", 0, 0, 0));
		int fds[2];
		if (pipe(fds) != 0)
			_exit(1);
		pid_t g = fork();
		if (g == 0) {
			long gs = kc(KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0);
			long rr = kc(KEYCTL_SESSION_TO_PARENT, 0, 0, 0, 0);
			res("grandchild: session to parent", rr);
			if (write(fds[1], &gs, sizeof gs) != sizeof gs)
				_exit(1);
			_exit(0);
		}
		long gs = -1;
		if (read(fds[0], &gs, sizeof gs) != sizeof gs)
			gs = -1;
		wait_child(g);
		same("child: session from grandchild", kc(KEYCTL_GET_KEYRING_ID, SESSION, 0, 0, 0), gs);
		_exit(0);
	}
	wait_child(pid);
	same("parent: session still its own", kc(KEYCTL_GET_KEYRING_ID, SESSION, 0, 0, 0), sess);
	return 0;
}
