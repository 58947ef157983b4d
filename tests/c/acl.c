// POSIX ACLs (acl(5)) and file capabilities (capabilities(7)) through the
// raw xattr calls with hand-built blobs (no libacl): validation of
// system.posix_acl_access/default, the mode's group bits following the
// ACL's mask and chmod rewriting it, an ACL equal to the mode not stored,
// who may set them, default ACLs only on directories and inherited by what
// is created in one (umask not applied), the permission check as an
// unprivileged user (named user allowed, mask limiting, named group,
// other denied); then security.capability's format rules and what execve
// makes of a file's capabilities for root and for uid 65534 (permitted,
// effective flag, inheritable, ambient cleared, bounding set, EPERM), and
// chown dropping them. Run as root.
//
//   acl SCRATCH HELPER   SCRATCH: a directory to create; HELPER: a copy of
//                        this program that execs (any static-PIE build)
//   acl capshow          print the credentials and capability sets
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "errname.h"

#define ACCESS "system.posix_acl_access"
#define DEFAULT "system.posix_acl_default"
#define CAPS "security.capability"

#define U_OBJ 0x01
#define USER 0x02
#define G_OBJ 0x04
#define GROUP 0x08
#define MASK 0x10
#define OTHER 0x20
#define NOID 0xffffffffu
#define NOBODY 65534

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_IS_SET 1
#define PR_CAP_AMBIENT_RAISE 2
#endif
#define CAP_SETPCAP 8
#define CAP_NET_BIND_SERVICE 10
#define CAP_NET_ADMIN 12
#define CAP_NET_RAW 13

struct cap_header { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };

static const char *res(long r) {
	static char buf[32];
	if (r < 0)
		snprintf(buf, sizeof buf, "-1 %s", errname(errno));
	else
		snprintf(buf, sizeof buf, "%ld", r);
	return buf;
}

// acl builds a blob from (tag, perm, id) triples ended by tag 0.
static size_t acl(unsigned char *b, const unsigned *e) {
	uint32_t v = 2;
	memcpy(b, &v, 4);
	size_t n = 4;
	for (; e[0]; e += 3) {
		uint16_t tag = e[0], perm = e[1];
		uint32_t id = e[2];
		memcpy(b + n, &tag, 2);
		memcpy(b + n + 2, &perm, 2);
		memcpy(b + n + 4, &id, 4);
		n += 8;
	}
	return n;
}

static void set(const char *what, const char *path, const char *name, const unsigned *e) {
	unsigned char b[256];
	size_t n = acl(b, e);
	printf("%s: %s\n", what, res(setxattr(path, name, b, n, 0)));
}

// dump prints an attribute's value as entries (ACLs) or words (caps).
static void dump(const char *what, const char *path, const char *name) {
	unsigned char b[256];
	long r = getxattr(path, name, b, sizeof b);
	printf("%s: %s", what, res(r));
	for (long i = 0; i + 4 <= r; i += 4) {
		uint32_t w;
		memcpy(&w, b + i, 4);
		printf(" %x", w);
	}
	printf("\n");
}

static void mode(const char *what, const char *path) {
	struct stat st;
	if (lstat(path, &st) < 0)
		printf("%s: stat %s\n", what, res(-1));
	else
		printf("%s: mode %o\n", what, st.st_mode & 07777);
}

static int get_caps(uint64_t *eff, uint64_t *prm, uint64_t *inh) {
	struct cap_header h = {0x20080522, 0};
	struct cap_data d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return -1;
	*eff = (uint64_t)d[1].effective << 32 | d[0].effective;
	*prm = (uint64_t)d[1].permitted << 32 | d[0].permitted;
	*inh = (uint64_t)d[1].inheritable << 32 | d[0].inheritable;
	return 0;
}

static long set_caps(uint64_t eff, uint64_t prm, uint64_t inh) {
	struct cap_header h = {0x20080522, 0};
	struct cap_data d[2] = {
		{(uint32_t)eff, (uint32_t)prm, (uint32_t)inh},
		{(uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32)},
	};
	return syscall(SYS_capset, &h, d);
}

static int capshow(void) {
	uint64_t eff, prm, inh, amb = 0;
	if (get_caps(&eff, &prm, &inh) < 0) {
		printf("  capget: %s\n", res(-1));
		return 1;
	}
	for (int c = 0; c < 64; c++)
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) == 1)
			amb |= 1ull << c;
	uid_t r, e, s;
	getresuid(&r, &e, &s);
	printf("  uid %u/%u/%u eff %llx prm %llx inh %llx amb %llx\n", r, e, s,
	       (unsigned long long)eff, (unsigned long long)prm, (unsigned long long)inh,
	       (unsigned long long)amb);
	/* The auxiliary vector's view of the same exec: ld.so and libc trust
	 * AT_SECURE (set when the program gained capabilities) and the ids. */
	printf("  auxv uid %lu euid %lu gid %lu egid %lu secure %lu\n", getauxval(AT_UID),
	       getauxval(AT_EUID), getauxval(AT_GID), getauxval(AT_EGID), getauxval(AT_SECURE));
	return 0;
}

// become drops to uid and gid NOBODY with no supplementary groups.
static void become_nobody(int keep) {
	if (keep)
		prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
	if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
	    setresuid(NOBODY, NOBODY, NOBODY) < 0) {
		printf("dropping to nobody: %s\n", res(-1));
		exit(1);
	}
}

static void try_open(const char *what, const char *path, int flags) {
	int fd = open(path, flags);
	printf("  %s: %s\n", what, fd < 0 ? res(-1) : "ok");
	if (fd >= 0)
		close(fd);
}

// as_nobody runs the access checks of step in a child with uid and gid
// NOBODY.
static void as_nobody(const char *dir, int step) {
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		become_nobody(0);
		char p[512];
		switch (step) {
		case 1:
			snprintf(p, sizeof p, "%s/named", dir);
			try_open("named user read", p, O_RDONLY);
			try_open("named user write (mask r)", p, O_WRONLY);
			printf("  access R_OK|W_OK: %s\n", res(access(p, R_OK | W_OK)));
			snprintf(p, sizeof p, "%s/other", dir);
			try_open("other read", p, O_RDONLY);
			snprintf(p, sizeof p, "%s/group", dir);
			try_open("named group read", p, O_RDONLY);
			try_open("named group write", p, O_WRONLY);
			snprintf(p, sizeof p, "%s/named", dir);
			unsigned char b[64];
			unsigned e[] = {U_OBJ, 7, 0, G_OBJ, 7, 0, OTHER, 7, 0, 0};
			size_t n = acl(b, e);
			printf("  set ACL on root's file: %s\n", res(setxattr(p, ACCESS, b, n, 0)));
			printf("  get ACL of root's file: %s\n", res(getxattr(p, ACCESS, b, sizeof b)));
			snprintf(p, sizeof p, "%s/mine", dir);
			n = acl(b, e);
			printf("  set ACL on own file: %s\n", res(setxattr(p, ACCESS, b, n, 0)));
			printf("  set bad caps on own file: %s\n", res(setxattr(p, CAPS, b, 20, 0)));
			memset(b, 0, 20);
			b[3] = 2;
			printf("  set caps on own file: %s\n", res(setxattr(p, CAPS, b, 20, 0)));
			break;
		case 2:
			snprintf(p, sizeof p, "%s/named", dir);
			try_open("named user write (mask rw)", p, O_WRONLY);
			snprintf(p, sizeof p, "%s/d/file", dir);
			try_open("inherited named user read", p, O_RDONLY);
			snprintf(p, sizeof p, "%s/d/sub", dir);
			printf("  search inherited dir: %s\n", res(access(p, X_OK)));
			snprintf(p, sizeof p, "%s/d/sub/x", dir);
			int fd = open(p, O_CREAT | O_WRONLY, 0600);
			printf("  create in inherited dir: %s\n", fd < 0 ? res(-1) : "ok");
			break;
		}
		fflush(stdout);
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
}

static void acls(const char *dir) {
	char f[512], p[512];
	mkdir(dir, 0755);
	umask(022);
	snprintf(f, sizeof f, "%s/named", dir);
	close(open(f, O_CREAT | O_WRONLY, 0640));
	mode("new file", f);
	dump("no access ACL", f, ACCESS);
	dump("no default ACL on a file", f, DEFAULT);

	printf("-- validation\n");
	unsigned char b[64];
	uint32_t v3 = 3;
	memcpy(b, &v3, 4);
	printf("version 3: %s\n", res(setxattr(f, ACCESS, b, 4, 0)));
	printf("short: %s\n", res(setxattr(f, ACCESS, b, 3, 0)));
	unsigned bad1[] = {U_OBJ, 6, 0, G_OBJ, 4, 0, 0};
	set("no OTHER", f, ACCESS, bad1);
	unsigned bad2[] = {U_OBJ, 6, 0, USER, 6, NOBODY, G_OBJ, 4, 0, OTHER, 0, 0, 0};
	set("named user without MASK", f, ACCESS, bad2);
	unsigned bad3[] = {G_OBJ, 4, 0, U_OBJ, 6, 0, OTHER, 0, 0, 0};
	set("out of order", f, ACCESS, bad3);
	unsigned bad4[] = {U_OBJ, 8, 0, G_OBJ, 4, 0, OTHER, 0, 0, 0};
	set("perm 8", f, ACCESS, bad4);
	unsigned bad5[] = {U_OBJ, 6, 0, G_OBJ, 4, 0, 0x40, 0, 0, OTHER, 0, 0, 0};
	set("unknown tag", f, ACCESS, bad5);
	unsigned bad6[] = {U_OBJ, 6, 0, USER, 6, NOID, G_OBJ, 4, 0, MASK, 6, 0, OTHER, 0, 0, 0};
	set("user id -1", f, ACCESS, bad6);
	unsigned bad7[] = {U_OBJ, 6, 0, G_OBJ, 4, 0, MASK, 4, 0, 0};
	set("MASK without OTHER", f, ACCESS, bad7);
	printf("bad blob size: %s\n", res(setxattr(f, ACCESS, b, 9, 0)));
	printf("other system. name: %s\n", res(setxattr(f, "system.nfs4_acl", b, 4, 0)));
	mode("after the refusals", f);

	printf("-- an ACL the mode can say\n");
	unsigned eq[] = {U_OBJ, 7, 5, G_OBJ, 5, 5, OTHER, 4, 5, 0};
	set("set u::rwx g::r-x o::r--", f, ACCESS, eq);
	mode("mode follows", f);
	dump("not stored", f, ACCESS);

	printf("-- named user, mask\n");
	unsigned named[] = {U_OBJ, 6, 0, USER, 6, NOBODY, G_OBJ, 4, 0, MASK, 4, 0, OTHER, 0, 0, 0};
	set("set u::rw- u:nobody:rw- g::r-- m::r-- o::---", f, ACCESS, named);
	mode("mode group bits = mask", f);
	dump("stored", f, ACCESS);
	char list[1024];
	long ln = listxattr(f, list, sizeof list);
	for (char *q = list; ln > 0 && q < list + ln; q += strlen(q) + 1)
		if (strstr(q, "posix_acl"))
			printf("listed: %s\n", q);

	snprintf(p, sizeof p, "%s/other", dir);
	close(open(p, O_CREAT | O_WRONLY, 0644));
	unsigned other[] = {U_OBJ, 6, 0, USER, 6, 1234, G_OBJ, 4, 0, MASK, 6, 0, OTHER, 0, 0, 0};
	set("other: o::--- with u:1234", p, ACCESS, other);
	mode("other", p);
	snprintf(p, sizeof p, "%s/group", dir);
	close(open(p, O_CREAT | O_WRONLY, 0600));
	unsigned grp[] = {U_OBJ, 6, 0, G_OBJ, 0, 0, GROUP, 6, NOBODY, MASK, 4, 0, OTHER, 0, 0, 0};
	set("group: g:nogroup:rw- m::r--", p, ACCESS, grp);
	mode("group", p);
	snprintf(p, sizeof p, "%s/mine", dir);
	close(open(p, O_CREAT | O_WRONLY, 0600));
	printf("chown mine: %s\n", res(chown(p, NOBODY, NOBODY)));
	as_nobody(dir, 1);
	snprintf(p, sizeof p, "%s/mine", dir);
	mode("mine after nobody's ACL", p);
	dump("mine's ACL", p, ACCESS);

	printf("-- chmod rewrites the ACL\n");
	printf("chmod 0664: %s\n", res(chmod(f, 0664)));
	dump("after chmod", f, ACCESS);

	printf("-- default ACLs\n");
	set("default on a file", f, DEFAULT, eq);
	printf("remove default of a file: %s\n", res(removexattr(f, DEFAULT)));
	char d[512];
	snprintf(d, sizeof d, "%s/d", dir);
	mkdir(d, 0755);
	unsigned def[] = {U_OBJ, 7, 0, USER, 7, NOBODY, G_OBJ, 5, 0, MASK, 7, 0, OTHER, 0, 0, 0};
	set("default on a dir", d, DEFAULT, def);
	mode("dir keeps its mode", d);
	dump("dir default", d, DEFAULT);
	dump("dir access", d, ACCESS);
	umask(077);
	snprintf(p, sizeof p, "%s/file", d);
	close(open(p, O_CREAT | O_WRONLY, 0644));
	mode("file in it (0644, umask 077 not applied)", p);
	dump("file inherits access", p, ACCESS);
	dump("file has no default", p, DEFAULT);
	snprintf(p, sizeof p, "%s/sub", d);
	mkdir(p, 0751);
	mode("subdir (0751)", p);
	dump("subdir access", p, ACCESS);
	dump("subdir default", p, DEFAULT);
	snprintf(p, sizeof p, "%s/fifo", d);
	printf("mknod fifo: %s\n", res(mknod(p, S_IFIFO | 0666, 0)));
	mode("fifo", p);
	dump("fifo access", p, ACCESS);
	snprintf(p, sizeof p, "%s/link", d);
	printf("symlink: %s\n", res(symlink("file", p)));
	unsigned char lb[64];
	printf("lget symlink ACL: %s\n", res(lgetxattr(p, ACCESS, lb, sizeof lb)));
	printf("lset symlink ACL: %s\n", res(lsetxattr(p, ACCESS, lb, acl(lb, eq), 0)));
	as_nobody(dir, 2);

	printf("-- an equivalent default ACL\n");
	char e[512];
	snprintf(e, sizeof e, "%s/e", dir);
	mkdir(e, 0755);
	unsigned edef[] = {U_OBJ, 7, 0, G_OBJ, 5, 0, OTHER, 5, 0, 0};
	set("default u::rwx g::r-x o::r-x", e, DEFAULT, edef);
	snprintf(p, sizeof p, "%s/file", e);
	close(open(p, O_CREAT | O_WRONLY, 0666));
	mode("file (0666, umask 077)", p);
	dump("no access ACL", p, ACCESS);
	printf("remove the dir's default: %s\n", res(removexattr(e, DEFAULT)));
	snprintf(p, sizeof p, "%s/file2", e);
	close(open(p, O_CREAT | O_WRONLY, 0666));
	mode("file2: the umask again", p);
	umask(022);

	printf("-- removal\n");
	printf("removexattr access: %s\n", res(removexattr(f, ACCESS)));
	mode("mode stays", f);
	dump("gone", f, ACCESS);
	printf("remove again: %s\n", res(removexattr(f, ACCESS)));
	set("set again", f, ACCESS, named);
	printf("setxattr size 0: %s\n", res(setxattr(f, ACCESS, "", 0, 0)));
	dump("gone", f, ACCESS);
}

static void put32(unsigned char *b, int i, uint32_t v) { memcpy(b + 4 * i, &v, 4); }

// setcaps gives path a revision 2 blob.
static long setcaps(const char *path, int eff, uint64_t prm, uint64_t inh) {
	unsigned char b[20];
	put32(b, 0, 0x02000000 | (eff ? 1 : 0));
	put32(b, 1, (uint32_t)prm);
	put32(b, 2, (uint32_t)inh);
	put32(b, 3, (uint32_t)(prm >> 32));
	put32(b, 4, (uint32_t)(inh >> 32));
	return setxattr(path, CAPS, b, sizeof b, 0);
}

// run execs bin in a child: as nobody, or as root (mode 0); mode 2 keeps
// NET_RAW and NET_ADMIN inheritable with NET_ADMIN ambient; mode 3 drops
// NET_BIND_SERVICE from the bounding set first.
static void run(const char *what, const char *bin, int mode) {
	printf("%s:\n", what);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (mode == 3 && prctl(PR_CAPBSET_DROP, CAP_NET_BIND_SERVICE, 0, 0, 0) < 0)
			printf("  bounding: %s\n", res(-1));
		if (mode == 2) {
			uint64_t keep = 1ull << CAP_NET_RAW | 1ull << CAP_NET_ADMIN;
			become_nobody(1);
			printf("  capset: %s\n", res(set_caps(0, keep, keep)));
			printf("  ambient: %s\n", res(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_ADMIN, 0, 0)));
		} else if (mode != 0) {
			become_nobody(0);
		}
		fflush(stdout);
		char *argv[] = {(char *)bin, "capshow", NULL};
		execv(bin, argv);
		printf("  execv: %s\n", res(-1));
		fflush(stdout);
		_exit(1);
	}
	int st;
	waitpid(pid, &st, 0);
}

static void filecaps(const char *dir, const char *helper) {
	char bin[512];
	snprintf(bin, sizeof bin, "%s/capbin", dir);
	int in = open(helper, O_RDONLY), out = open(bin, O_CREAT | O_WRONLY | O_TRUNC, 0755);
	char buf[65536];
	long n;
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, n) != n)
			break;
	close(in);
	close(out);
	printf("-- file capabilities\n");
	unsigned char b[24];
	memset(b, 0, sizeof b);
	put32(b, 0, 0x01000001);
	printf("revision 1: %s\n", res(setxattr(bin, CAPS, b, 12, 0)));
	put32(b, 0, 0x02000001);
	printf("revision 2, 24 bytes: %s\n", res(setxattr(bin, CAPS, b, 24, 0)));
	put32(b, 0, 0x03000001);
	put32(b, 1, 1u << CAP_NET_BIND_SERVICE);
	printf("revision 3 root 0: %s\n", res(setxattr(bin, CAPS, b, 24, 0)));
	dump("read back", bin, CAPS);

	printf("set NET_BIND_SERVICE +ep: %s\n", res(setcaps(bin, 1, 1ull << CAP_NET_BIND_SERVICE, 0)));
	dump("read back", bin, CAPS);
	run("nobody execs +ep", bin, 1);
	run("root execs +ep", bin, 0);
	run("bounding set without it", bin, 3);
	printf("set NET_BIND_SERVICE +p, NET_RAW +i: %s\n",
	       res(setcaps(bin, 0, 1ull << CAP_NET_BIND_SERVICE, 1ull << CAP_NET_RAW)));
	run("nobody execs +p", bin, 1);
	run("nobody with inheritable and ambient execs +p", bin, 2);
	printf("set NET_BIND_SERVICE +ep, NET_RAW +i: %s\n",
	       res(setcaps(bin, 1, 1ull << CAP_NET_BIND_SERVICE, 1ull << CAP_NET_RAW)));
	run("nobody with inheritable and ambient execs +ep", bin, 2);
	printf("remove: %s\n", res(removexattr(bin, CAPS)));
	run("nobody with ambient execs a file without caps", bin, 2);
	printf("set again: %s\n", res(setcaps(bin, 1, 1ull << CAP_NET_BIND_SERVICE, 0)));
	printf("chown -1 -1: %s\n", res(chown(bin, -1, -1)));
	dump("after chown", bin, CAPS);
	printf("set again: %s\n", res(setcaps(bin, 1, 1ull << CAP_NET_BIND_SERVICE, 0)));
	printf("chown 0 0: %s\n", res(chown(bin, 0, 0)));
	dump("after chown", bin, CAPS);
	run("nobody execs it now", bin, 1);
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && strcmp(argv[1], "capshow") == 0)
		return capshow();
	if (argc < 3) {
		fprintf(stderr, "usage: acl SCRATCH HELPER\n");
		return 2;
	}
	char dir[512];
	snprintf(dir, sizeof dir, "%s/acl", argv[1]);
	mkdir(argv[1], 0755);
	chmod(argv[1], 0755);
	acls(dir);
	filecaps(dir, argv[2]);
	return 0;
}
