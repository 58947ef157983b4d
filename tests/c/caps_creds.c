// caps_creds: credentials(7) and capabilities(7) as seen by a program that
// starts as root: saved set-ids, capabilities dropped and kept on uid
// changes, capget/capset rules, the bounding and ambient sets, securebits,
// and what exec does to them. Each scenario runs in a child started with
// posix_spawn (so it also covers exec); the parent stays root. The test
// harness runs each scenario as a process of its own (argv[1]): a static
// non-PIE program cannot yet spawn itself under elfloader.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct cap_header { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };

#define CAP_V1 0x19980330
#define CAP_V3 0x20080522
#define CAP_CHOWN 0
#define CAP_DAC_OVERRIDE 1
#define CAP_DAC_READ_SEARCH 2
#define CAP_FOWNER 3
#define CAP_MKNOD 27
#define CAP_SETGID 6
#define CAP_SETUID 7
#define CAP_SETPCAP 8
#define CAP_NET_BIND_SERVICE 10
#define CAP_SYS_MODULE 16
#define SECBIT_NOROOT 1
#define SECBIT_KEEP_CAPS 0x10
#define SECBIT_KEEP_CAPS_LOCKED 0x20
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_IS_SET 1
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_LOWER 3
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

#include "errname.h"

static const char *self;

static const char *err(long r) {
	static char buf[32];
	if (r < 0) {
		snprintf(buf, sizeof buf, "-1 %s", errname(errno));
		return buf;
	}
	snprintf(buf, sizeof buf, "%ld", r);
	return buf;
}

static int get_caps(uint64_t *eff, uint64_t *prm, uint64_t *inh) {
	struct cap_header h = {CAP_V3, 0};
	struct cap_data d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return -1;
	*eff = (uint64_t)d[1].effective << 32 | d[0].effective;
	*prm = (uint64_t)d[1].permitted << 32 | d[0].permitted;
	*inh = (uint64_t)d[1].inheritable << 32 | d[0].inheritable;
	return 0;
}

static long set_caps(uint64_t eff, uint64_t prm, uint64_t inh) {
	struct cap_header h = {CAP_V3, 0};
	struct cap_data d[2] = {
		{(uint32_t)eff, (uint32_t)prm, (uint32_t)inh},
		{(uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32)},
	};
	return syscall(SYS_capset, &h, d);
}

static void ids(const char *what) {
	uid_t r, e, s;
	gid_t rg, eg, sg;
	getresuid(&r, &e, &s);
	getresgid(&rg, &eg, &sg);
	uint64_t eff = 0, prm = 0, inh = 0;
	get_caps(&eff, &prm, &inh);
	uint64_t amb = 0;
	for (int c = 0; c <= 40; c++)
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) == 1)
			amb |= 1ull << c;
	printf("%s: uid %u/%u/%u gid %u/%u/%u eff %llx prm %llx inh %llx amb %llx\n", what, r, e, s, rg, eg, sg,
	       (unsigned long long)eff, (unsigned long long)prm, (unsigned long long)inh, (unsigned long long)amb);
}

// status prints the Uid, Gid and Cap lines of /proc/self/status.
static void status(void) {
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	if (!f) {
		printf("status: %s\n", strerror(errno));
		return;
	}
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "Uid:", 4) || !strncmp(line, "Gid:", 4) || !strncmp(line, "Cap", 3))
			printf("  %s", line);
	fclose(f);
}

// run starts this program again with a scenario name and waits for it.
static void run(const char *scenario) {
	char *argv[] = {(char *)self, (char *)scenario, NULL};
	pid_t pid;
	int st;
	int e = posix_spawn(&pid, self, NULL, NULL, argv, environ);
	if (e) {
		printf("spawn %s: %s\n", scenario, strerror(e));
		return;
	}
	waitpid(pid, &st, 0);
	fflush(stdout);
	printf("[%s exit %d]\n", scenario, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	fflush(stdout);
}

static void exec_show(void) {
	fflush(stdout);
	char *argv[] = {(char *)self, "show", NULL};
	execve(self, argv, environ);
	printf("exec: %s\n", strerror(errno));
	exit(1);
}

static int scenario(const char *name) {
	if (!strcmp(name, "show")) {
		ids("after exec");
		status();
		return 0;
	}
	if (!strcmp(name, "saved")) {
		ids("start");
		printf("seteuid(65534) %s\n", err(seteuid(65534)));
		ids("euid nobody");
		status();
		printf("seteuid(0) %s\n", err(seteuid(0)));
		ids("back to root");
		printf("setresuid(1000,65534,0) %s\n", err(setresuid(1000, 65534, 0)));
		printf("setreuid(-1,0) %s\n", err(setreuid(-1, 0)));
		ids("saved root");
		printf("setresuid(65534,65534,65534) %s\n", err(setresuid(65534, 65534, 65534)));
		ids("nobody");
		printf("seteuid(0) %s\n", err(seteuid(0)));
		printf("setuid(0) %s\n", err(setuid(0)));
		printf("setresuid(-1,-1,0) %s\n", err(setresuid(-1, -1, 0)));
		printf("setgid(0) %s\n", err(setgid(0)));
		printf("setgroups(0) %s\n", err(setgroups(0, NULL)));
		printf("setuid(65534) %s\n", err(setuid(65534)));
		status();
		exec_show();
	}
	if (!strcmp(name, "reuid")) {
		printf("setreuid(1000,2000) %s\n", err(setreuid(1000, 2000)));
		ids("re");
		printf("setreuid(-1,1000) %s\n", err(setreuid(-1, 1000)));
		ids("re2");
		printf("setreuid(2000,-1) %s\n", err(setreuid(2000, -1)));
		ids("re3");
		printf("setreuid(3000,-1) %s\n", err(setreuid(3000, -1)));
		printf("setuid(1000) %s\n", err(setuid(1000)));
		ids("re4");
		printf("setfsuid(4000) old %d\n", setfsuid(4000));
		printf("setfsuid(2000) old %d\n", setfsuid(2000));
		printf("setfsuid(-1) old %d\n", setfsuid(-1));
		printf("setresgid(10,20,30) %s\n", err(setresgid(10, 20, 30)));
		printf("setregid(0,-1) %s\n", err(setregid(0, -1)));
		printf("setregid(30,-1) %s\n", err(setregid(30, -1)));
		ids("gids");
		status();
		return 0;
	}
	if (!strcmp(name, "keepcaps")) {
		printf("PR_GET_KEEPCAPS %s\n", err(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0)));
		printf("PR_SET_KEEPCAPS 2 %s\n", err(prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0)));
		printf("PR_SET_KEEPCAPS 1 %s\n", err(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)));
		printf("PR_GET_SECUREBITS %s\n", err(prctl(PR_GET_SECUREBITS, 0, 0, 0, 0)));
		printf("setresuid(1000,1000,1000) %s\n", err(setresuid(1000, 1000, 1000)));
		ids("kept");
		uint64_t eff, prm, inh;
		get_caps(&eff, &prm, &inh);
		printf("capset eff=setuid %s\n", err(set_caps(1ull << CAP_SETUID, prm, inh)));
		printf("setuid(0) %s\n", err(setuid(0)));
		ids("root again");
		printf("setresuid(1000,1000,1000) %s\n", err(setresuid(1000, 1000, 1000)));
		ids("dropped again");
		exec_show();
	}
	if (!strcmp(name, "ambient")) {
		uint64_t eff, prm, inh;
		get_caps(&eff, &prm, &inh);
		printf("raise before inheritable %s\n", err(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0)));
		printf("capset inh %s\n", err(set_caps(eff, prm, inh | 1ull << CAP_NET_BIND_SERVICE | 1ull << CAP_CHOWN)));
		printf("raise %s\n", err(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0)));
		printf("raise chown %s\n", err(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_CHOWN, 0, 0)));
		printf("lower chown %s\n", err(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_CHOWN, 0, 0)));
		printf("is_set 41 %s\n", err(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 41, 0, 0)));
		printf("clear_all bad %s\n", err(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 1, 0, 0)));
		printf("op 9 %s\n", err(prctl(PR_CAP_AMBIENT, 9, 1, 0, 0)));
		ids("ambient");
		printf("keepcaps %s\n", err(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)));
		printf("setresuid(1000,1000,1000) %s\n", err(setresuid(1000, 1000, 1000)));
		ids("nonroot");
		printf("capset inh %s\n", err(set_caps(0, 1ull << CAP_NET_BIND_SERVICE, 1ull << CAP_NET_BIND_SERVICE)));
		printf("raise again %s\n", err(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0)));
		exec_show();
	}
	if (!strcmp(name, "bounding")) {
		printf("read 0 %s\n", err(prctl(PR_CAPBSET_READ, 0, 0, 0, 0)));
		printf("read 40 %s\n", err(prctl(PR_CAPBSET_READ, 40, 0, 0, 0)));
		printf("read 41 %s\n", err(prctl(PR_CAPBSET_READ, 41, 0, 0, 0)));
		printf("drop sys_module %s\n", err(prctl(PR_CAPBSET_DROP, CAP_SYS_MODULE, 0, 0, 0)));
		printf("drop 64 %s\n", err(prctl(PR_CAPBSET_DROP, 64, 0, 0, 0)));
		printf("read sys_module %s\n", err(prctl(PR_CAPBSET_READ, CAP_SYS_MODULE, 0, 0, 0)));
		uint64_t eff, prm, inh;
		get_caps(&eff, &prm, &inh);
		printf("capset drop setpcap %s\n", err(set_caps(eff & ~(1ull << CAP_SETPCAP), prm, inh)));
		printf("drop chown %s\n", err(prctl(PR_CAPBSET_DROP, CAP_CHOWN, 0, 0, 0)));
		exec_show();
	}
	if (!strcmp(name, "securebits")) {
		printf("set keep|locked %s\n", err(prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED, 0, 0, 0)));
		printf("get %s\n", err(prctl(PR_GET_SECUREBITS, 0, 0, 0, 0)));
		printf("set keepcaps 0 %s\n", err(prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0)));
		printf("unlock %s\n", err(prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS, 0, 0, 0)));
		printf("bad bit %s\n", err(prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED | 0x100000, 0, 0, 0)));
		printf("add noroot %s\n", err(prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED | SECBIT_NOROOT, 0, 0, 0)));
		printf("get %s\n", err(prctl(PR_GET_SECUREBITS, 0, 0, 0, 0)));
		exec_show(); // noroot: root gets no capabilities from exec
	}
	if (!strcmp(name, "capset")) {
		uint64_t eff, prm, inh;
		get_caps(&eff, &prm, &inh);
		struct cap_header h = {0x12345678, 0};
		struct cap_data d[2];
		printf("capget bad version %s", err(syscall(SYS_capget, &h, d)));
		printf(" header now %#x\n", h.version);
		h.version = 0x12345678;
		printf("capget bad version, null data %s", err(syscall(SYS_capget, &h, NULL)));
		printf(" header now %#x\n", h.version);
		h.version = CAP_V1;
		memset(d, 0xff, sizeof d);
		printf("capget v1 %s eff %#x second %#x\n", err(syscall(SYS_capget, &h, d)), d[0].effective, d[1].effective);
		h.version = CAP_V3;
		h.pid = getpid();
		printf("capget self pid %s\n", err(syscall(SYS_capget, &h, d)));
		h.pid = 999999;
		printf("capget no pid %s\n", err(syscall(SYS_capget, &h, d)));
		h.pid = getppid();
		printf("capset parent %s\n", err(syscall(SYS_capset, &h, d)));
		printf("eff outside prm %s\n", err(set_caps(1ull << CAP_SETUID, 1ull << CAP_SETGID, 0)));
		printf("shrink prm %s\n", err(set_caps(1ull << CAP_SETUID, 1ull << CAP_SETUID | 1ull << CAP_SETPCAP, 0)));
		printf("grow prm %s\n", err(set_caps(0, 1ull << CAP_SETUID | 1ull << CAP_SETGID, 0)));
		printf("inh outside prm without setpcap %s\n", err(set_caps(0, 1ull << CAP_SETUID, 1ull << CAP_DAC_OVERRIDE)));
		ids("after capset");
		printf("setuid(1000) %s\n", err(setuid(1000)));
		ids("setuid with cap");
		status();
		return 0;
	}
	if (!strcmp(name, "dac")) {
		// Without CAP_SETUID root cannot change uid.
		uint64_t eff, prm, inh;
		get_caps(&eff, &prm, &inh);
		printf("capset drop setuid %s\n", err(set_caps(eff & ~(1ull << CAP_SETUID), prm, inh)));
		printf("setuid(1000) %s\n", err(setuid(1000)));
		printf("setresuid(0,0,0) %s\n", err(setresuid(0, 0, 0)));
		ids("no setuid cap");
		return 0;
	}
	if (!strcmp(name, "vfscaps")) {
		// The filesystem's privilege checks follow the capabilities, not
		// the uid: root without CAP_DAC_OVERRIDE is refused, a user with
		// it is let through.
		char dir[] = "/tmp/capsvfs.XXXXXX";
		if (!mkdtemp(dir)) {
			printf("mkdtemp %s\n", err(-1));
			return 1;
		}
		char secret[64], sub[64], inner[80], node[64];
		snprintf(secret, sizeof secret, "%s/secret", dir);
		snprintf(sub, sizeof sub, "%s/private", dir);
		snprintf(inner, sizeof inner, "%s/private/file", dir);
		snprintf(node, sizeof node, "%s/node", dir);
		chmod(dir, 0755);
		int fd = open(secret, O_CREAT | O_WRONLY, 0600);
		write(fd, "x", 1);
		close(fd);
		chown(secret, 1000, 1000);
		mkdir(sub, 0700);
		close(open(inner, O_CREAT | O_WRONLY, 0600));
		chown(inner, 1000, 1000);
		chown(sub, 1000, 1000);
		uint64_t eff, prm, inh;
		get_caps(&eff, &prm, &inh);
		const uint64_t dac = 1ull << CAP_DAC_OVERRIDE | 1ull << CAP_DAC_READ_SEARCH;
		printf("root read %s\n", err(access(secret, R_OK)));
		printf("drop dac %s\n", err(set_caps(eff & ~dac, prm, inh)));
		printf("read without dac %s\n", err(open(secret, O_RDONLY) < 0 ? -1 : 0));
		printf("search without dac %s\n", err(open(inner, O_RDONLY) < 0 ? -1 : 0));
		printf("keep read-search %s\n", err(set_caps((eff & ~dac) | 1ull << CAP_DAC_READ_SEARCH, prm, inh)));
		printf("read with read-search %s\n", err(open(secret, O_RDONLY) < 0 ? -1 : 0));
		printf("write with read-search %s\n", err(open(secret, O_WRONLY) < 0 ? -1 : 0));
		printf("search with read-search %s\n", err(open(inner, O_RDONLY) < 0 ? -1 : 0));
		printf("drop fowner %s\n", err(set_caps(eff & ~(1ull << CAP_FOWNER), prm, inh)));
		printf("chmod without fowner %s\n", err(chmod(secret, 0644)));
		printf("drop chown %s\n", err(set_caps(eff & ~(1ull << CAP_CHOWN), prm, inh)));
		printf("chown without chown %s\n", err(chown(secret, 2000, -1)));
		printf("drop mknod %s\n", err(set_caps(eff & ~(1ull << CAP_MKNOD), prm, inh)));
		printf("mknod without mknod %s\n", err(mknod(node, S_IFCHR | 0600, makedev(1, 3))));
		printf("restore %s\n", err(set_caps(eff, prm, inh)));
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			// A user that keeps CAP_DAC_OVERRIDE reads root's 0600 file.
			prctl(PR_SET_KEEPCAPS, 1);
			if (setresuid(2000, 2000, 2000) != 0)
				_exit(3);
			printf("user eff after setuid %s\n", err(set_caps(1ull << CAP_DAC_OVERRIDE, prm, 0)));
			int own = open(sub, O_RDONLY);
			printf("user with dac opens 0700 dir %s\n", err(own < 0 ? -1 : 0));
			printf("user with dac writes 0600 file %s\n", err(open(secret, O_WRONLY) < 0 ? -1 : 0));
			printf("user drops dac %s\n", err(set_caps(0, prm, 0)));
			printf("user without dac writes %s\n", err(open(secret, O_WRONLY) < 0 ? -1 : 0));
			fflush(stdout);
			_exit(0);
		}
		int st;
		waitpid(pid, &st, 0);
		unlink(inner);
		rmdir(sub);
		unlink(secret);
		unlink(node);
		printf("cleanup %s\n", err(rmdir(dir)));
		return 0;
	}
	printf("unknown scenario %s\n", name);
	return 2;
}

int main(int argc, char **argv) {
	self = "/proc/self/exe";
	if (argc > 1)
		return scenario(argv[1]);
	if (geteuid() != 0) {
		printf("needs root\n");
		return 0;
	}
	char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
	if (n > 0) {
		path[n] = 0;
		self = strdup(path);
	}
	const char *scenarios[] = {"saved", "reuid", "keepcaps", "ambient", "bounding", "securebits", "capset", "dac", "vfscaps"};
	for (unsigned i = 0; i < sizeof scenarios / sizeof *scenarios; i++)
		run(scenarios[i]);
	return 0;
}
