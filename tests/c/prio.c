// prio: nice values (getpriority/setpriority), scheduling policies and
// parameters, and the app's own host and domain names (sethostname,
// setdomainname, uname, /proc/sys/kernel). Real-time policies are only
// exercised through their error cases: the native run must not become a
// real-time process.
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "errname.h"


static const char *res(long r) {
	static char buf[32];
	if (r < 0)
		snprintf(buf, sizeof buf, "-1 %s", errname(errno));
	else
		snprintf(buf, sizeof buf, "%ld", r);
	return buf;
}

static void show_file(const char *path) {
	char buf[128] = {0};
	FILE *f = fopen(path, "r");
	if (!f) {
		printf("%s: %s\n", path, errname(errno));
		return;
	}
	if (!fgets(buf, sizeof buf, f))
		buf[0] = 0;
	fclose(f);
	printf("%s: %s", path, buf);
}

int main(void) {
	errno = 0;
	printf("getpriority self %d\n", getpriority(PRIO_PROCESS, 0));
	printf("setpriority 5 %s\n", res(setpriority(PRIO_PROCESS, 0, 5)));
	printf("getpriority %d\n", getpriority(PRIO_PROCESS, getpid()));
	printf("setpriority 100 (clamped) %s\n", res(setpriority(PRIO_PROCESS, 0, 100)));
	printf("getpriority %d\n", getpriority(PRIO_PROCESS, 0));
	printf("setpriority -3 as root %s\n", res(setpriority(PRIO_PROCESS, 0, -3)));
	printf("getpriority pgrp %d\n", getpriority(PRIO_PGRP, 0));
	printf("bad which %s\n", res(setpriority(7, 0, 0)));
	printf("no such pid %s\n", res(setpriority(PRIO_PROCESS, 999999, 0)));
	printf("nice(2) %d\n", nice(2));
	printf("sched max fifo %d rr %d other %d batch %d\n", sched_get_priority_max(SCHED_FIFO), sched_get_priority_max(SCHED_RR),
	       sched_get_priority_max(SCHED_OTHER), sched_get_priority_max(SCHED_BATCH));
	printf("sched min fifo %d other %d bad %s\n", sched_get_priority_min(SCHED_FIFO), sched_get_priority_min(SCHED_OTHER),
	       res(sched_get_priority_min(42)));
	printf("getscheduler %d\n", sched_getscheduler(0));
	struct sched_param sp = {0};
	printf("setscheduler batch %s\n", res(sched_setscheduler(0, SCHED_BATCH, &sp)));
	printf("getscheduler %d\n", sched_getscheduler(0));
	sp.sched_priority = 5;
	printf("batch with priority 5 %s\n", res(sched_setscheduler(0, SCHED_BATCH, &sp)));
	sp.sched_priority = 0;
	printf("fifo priority 0 %s\n", res(sched_setscheduler(0, SCHED_FIFO, &sp)));
	sp.sched_priority = 100;
	printf("fifo priority 100 %s\n", res(sched_setscheduler(0, SCHED_FIFO, &sp)));
	printf("bad policy %s\n", res(sched_setscheduler(0, 42, &sp)));
	printf("negative pid %s\n", res(sched_setscheduler(-1, SCHED_OTHER, &sp)));
	printf("no such pid %s\n", res(sched_getscheduler(999999)));
	sp.sched_priority = 0;
	printf("setscheduler idle %s\n", res(sched_setscheduler(0, SCHED_IDLE, &sp)));
	printf("getscheduler %d\n", sched_getscheduler(0));
	sp.sched_priority = 1;
	printf("setparam 1 under idle %s\n", res(sched_setparam(0, &sp)));
	sp.sched_priority = 7;
	printf("getparam %s", res(sched_getparam(0, &sp)));
	printf(" priority %d\n", sp.sched_priority);
	sp.sched_priority = 0;
	printf("back to other %s\n", res(sched_setscheduler(0, SCHED_OTHER, &sp)));
	struct timespec ts = {9, 9};
	printf("rr interval %s", res(sched_rr_get_interval(0, &ts)));
	printf(" %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);

	// The app's host name: natively this would change the machine's, so
	// the native run only checks the error cases and the names' format.
	char longname[100];
	memset(longname, 'x', sizeof longname);
	printf("sethostname too long %s\n", res(sethostname(longname, 65)));
	printf("sethostname bad pointer %s\n", res(sethostname((char *)8, 5)));
	struct utsname u;
	uname(&u);
	char host[256] = {0};
	gethostname(host, sizeof host);
	printf("uname nodename matches gethostname %d\n", strcmp(u.nodename, host) == 0);
	show_file("/proc/sys/kernel/ostype");
	return 0;
}
