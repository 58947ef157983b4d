// NUMA memory policies through the raw calls: set_mempolicy's and mbind's
// modes, flags and node masks, get_mempolicy's flags (the thread's policy,
// a range's, MPOL_F_MEMS_ALLOWED, MPOL_F_NODE), inheritance by a thread and
// a forked child, migrate_pages and move_pages, set_mempolicy_home_node,
// and their errno rules. Compared with a native run on the same machine.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "show.h"

#ifndef SYS_set_mempolicy_home_node
#define SYS_set_mempolicy_home_node 450
#endif

enum { DEFAULT, PREFERRED, BIND, INTERLEAVE, LOCAL, PREFERRED_MANY };
#define F_STATIC (1 << 15)
#define F_RELATIVE (1 << 14)
#define F_NODE 1
#define F_ADDR 2
#define F_MEMS 4

static long setpol(int mode, unsigned long *mask, unsigned long maxnode) {
	return syscall(SYS_set_mempolicy, mode, mask, maxnode);
}

static void getpol(const char *what, void *addr, unsigned long flags) {
	int mode = -1;
	unsigned long mask[2] = {0xdead, 0xdead};
	long r = syscall(SYS_get_mempolicy, &mode, mask, 128, addr, flags);
	if (r < 0)
		printf("%s: -1 errno %d\n", what, errno);
	else
		printf("%s: mode %d mask %lx %lx\n", what, mode, mask[0], mask[1]);
}

static void *thread_policy(void *arg) {
	(void)arg;
	getpol("thread inherits", NULL, 0);
	return NULL;
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	unsigned long node0 = 1, node1 = 2, none = 0, far[2] = {0, 1};
	getpol("default", NULL, 0);
	getpol("mems allowed", NULL, F_MEMS);
	show("mems allowed with F_NODE", syscall(SYS_get_mempolicy, NULL, NULL, 0, NULL, F_MEMS | F_NODE));
	show("bad get flags", syscall(SYS_get_mempolicy, NULL, NULL, 0, NULL, 8));
	show("addr without F_ADDR", syscall(SYS_get_mempolicy, NULL, NULL, 0, (void *)4096, 0));
	int m;
	unsigned long mask;
	show("maxnode 0 with a mask", syscall(SYS_get_mempolicy, &m, &mask, 0, NULL, 0));
	show("F_NODE without interleave", syscall(SYS_get_mempolicy, &m, NULL, 0, NULL, F_NODE));

	show("set bind node 0", setpol(BIND, &node0, 64));
	getpol("after bind", NULL, 0);
	pthread_t th;
	pthread_create(&th, NULL, thread_policy, NULL);
	pthread_join(th, NULL);
	pid_t pid = fork();
	if (pid == 0) {
		getpol("forked child inherits", NULL, 0);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	show("set interleave node 0", setpol(INTERLEAVE, &node0, 64));
	getpol("after interleave", NULL, 0);
	m = -1;
	show("F_NODE with interleave", syscall(SYS_get_mempolicy, &m, NULL, 0, NULL, F_NODE));
	printf("  next node %d\n", m);
	show("set bind static node 0", setpol(BIND | F_STATIC, &node0, 64));
	getpol("after static", NULL, 0);
	show("set bind relative node 1", setpol(BIND | F_RELATIVE, &node1, 64));
	getpol("after relative", NULL, 0);
	show("set preferred empty", setpol(PREFERRED, &none, 64));
	getpol("after preferred empty", NULL, 0);
	show("set preferred node 0", setpol(PREFERRED, &node0, 64));
	getpol("after preferred", NULL, 0);
	show("set local", setpol(LOCAL, NULL, 0));
	getpol("after local", NULL, 0);
	show("set default with nodes", setpol(DEFAULT, &node0, 64));
	show("set bind empty", setpol(BIND, &none, 64));
	show("set bind offline node 1", setpol(BIND, &node1, 64));
	show("set local with nodes", setpol(LOCAL, &node0, 64));
	show("set bad mode", setpol(9, &node0, 64));
	show("set static and relative", setpol(BIND | F_STATIC | F_RELATIVE, &node0, 64));
	show("set preferred empty static", setpol(PREFERRED | F_STATIC, &none, 64));
	show("set numa balancing on interleave", setpol(INTERLEAVE | (1 << 13), &node0, 64));
	show("set huge maxnode", setpol(BIND, &node0, 1 << 20));
	show("set bits beyond MAX_NUMNODES", setpol(BIND, far, 128 + 1024));
	show("set bad mask pointer", setpol(BIND, (unsigned long *)16, 64));
	show("set default", setpol(DEFAULT, NULL, 0));
	getpol("back to default", NULL, 0);

	// Ranges.
	char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	show("mbind bind", syscall(SYS_mbind, p + 4096, 4096, BIND, &node0, 64, 0));
	getpol("range bound", p + 4096, F_ADDR);
	getpol("range beside", p, F_ADDR);
	getpol("range after", p + 2 * 4096, F_ADDR);
	show("mbind interleave strict", syscall(SYS_mbind, p, 4096, INTERLEAVE, &node0, 64, 1));
	getpol("first page", p, F_ADDR);
	show("mprotect splits", mprotect(p + 4096, 4096, PROT_READ));
	getpol("after mprotect", p + 4096, F_ADDR);
	p[0] = 1;
	m = -1;
	show("F_NODE|F_ADDR", syscall(SYS_get_mempolicy, &m, NULL, 0, p, F_NODE | F_ADDR));
	printf("  node %d\n", m);
	show("mbind unaligned", syscall(SYS_mbind, p + 1, 4096, BIND, &node0, 64, 0));
	show("mbind zero length", syscall(SYS_mbind, p, 0, BIND, &node0, 64, 0));
	show("mbind bad flags", syscall(SYS_mbind, p, 4096, BIND, &node0, 64, 8));
	show("mbind over a hole", syscall(SYS_mbind, p, 16 * 4096 * 1024L, BIND, &node0, 64, 0));
	show("mbind default clears", syscall(SYS_mbind, p + 4096, 4096, DEFAULT, NULL, 0, 0));
	getpol("after default", p + 4096, F_ADDR);
	show("home node on unbound", syscall(SYS_set_mempolicy_home_node, p, 4096 * 4, 0, 0));
	syscall(SYS_mbind, p, 4096, PREFERRED, &node0, 64, 0);
	show("home node on preferred", syscall(SYS_set_mempolicy_home_node, p, 4096, 0, 0));
	syscall(SYS_mbind, p, 4096, BIND, &node0, 64, 0);
	show("home node on bind", syscall(SYS_set_mempolicy_home_node, p, 4096, 0, 0));
	show("home node bad node", syscall(SYS_set_mempolicy_home_node, p, 4096, 5, 0));
	show("home node flags", syscall(SYS_set_mempolicy_home_node, p, 4096, 0, 1));
	munmap(p, 4 * 4096);
	char *q = mmap(p, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	getpol("remapped range has no policy", q, F_ADDR);
	getpol("unmapped address", (void *)4096, F_ADDR);

	// migrate_pages and move_pages.
	show("migrate to node 0", syscall(SYS_migrate_pages, 0, 64, &node0, &node0));
	show("migrate to offline node", syscall(SYS_migrate_pages, 0, 64, &node0, &node1));
	show("migrate no such pid", syscall(SYS_migrate_pages, 999999, 64, &node0, &node0));
	q[0] = 1;
	q[4096] = 1; /* present: untouched pages differ by platform (see the support table) */
	void *pages[3] = {q, q + 4096, (void *)4096};
	int status[3] = {9, 9, 9};
	show("move_pages query", syscall(SYS_move_pages, 0, 3, pages, NULL, status, 0));
	printf("  status %d %d %d\n", status[0], status[1], status[2]);
	int to[3] = {0, 0, 0};
	show("move_pages to node 0", syscall(SYS_move_pages, 0, 3, pages, to, status, 0));
	printf("  status %d %d %d\n", status[0], status[1], status[2]);
	to[0] = 1;
	show("move_pages to offline", syscall(SYS_move_pages, 0, 1, pages, to, status, 0));
	printf("  status %d\n", status[0]);
	show("move_pages bad flags", syscall(SYS_move_pages, 0, 1, pages, NULL, status, 8));
	show("move_pages no such pid", syscall(SYS_move_pages, 999999, 1, pages, NULL, status, 0));
	return 0;
}
