// execve from a multi-threaded process: a failing execve leaves every
// thread running; a successful one (from the main thread, or from another
// thread, which then takes the process ID as its thread ID) ends the other
// threads whatever they were doing: blocked in pause, in a futex wait, in
// a read, or spinning in user code.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile unsigned long spins;
static int pipefd[2];

static void *spinner(void *a) {
	(void)a;
	for (;;)
		spins++;
	return NULL;
}
static void *pauser(void *a) {
	(void)a;
	for (;;)
		pause();
	return NULL;
}
static void *reader(void *a) {
	(void)a;
	char c;
	for (;;)
		read(pipefd[0], &c, 1);
	return NULL;
}
static void *futexer(void *a) {
	(void)a;
	static int word;
	for (;;)
		syscall(SYS_futex, &word, 0 /* FUTEX_WAIT */, 0, NULL, NULL, 0);
	return NULL;
}

static char *self;
static char pidarg[32];

static void *execer(void *a) {
	(void)a;
	execl(self, "exec_threads", "after", pidarg, "from-thread", (char *)NULL);
	perror("execl from a thread");
	exit(1);
}

static void start_threads(void) {
	pthread_t t;
	pipe(pipefd);
	pthread_create(&t, NULL, spinner, NULL);
	pthread_create(&t, NULL, pauser, NULL);
	pthread_create(&t, NULL, reader, NULL);
	pthread_create(&t, NULL, futexer, NULL);
}

static int threads_now(void) {
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	int n = -1;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	if (f)
		fclose(f);
	return n;
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 2 && strcmp(argv[1], "after") == 0) {
		printf("after exec (%s): same pid %d, tid is pid %d, threads %d\n", argc > 3 ? argv[3] : "main",
		       getpid() == atoi(argv[2]), (long)syscall(SYS_gettid) == getpid(), threads_now());
		return 0;
	}
	self = "/proc/self/exe";
	snprintf(pidarg, sizeof pidarg, "%d", getpid());
	if (argc > 1 && strcmp(argv[1], "thread") == 0) {
		start_threads();
		pthread_t t;
		pthread_create(&t, NULL, execer, NULL);
		pthread_join(t, NULL);
		return 1;
	}
	start_threads();
	usleep(20 * 1000);
	printf("threads before: %d\n", threads_now());
	execl("/nonexistent/program", "x", (char *)NULL);
	printf("failed execve: errno %d, threads after %d\n", errno, threads_now());
	unsigned long s = spins;
	usleep(20 * 1000);
	printf("the spinner still runs: %d\n", spins != s);
	execl(self, "exec_threads", "after", pidarg, "main", (char *)NULL);
	perror("execl");
	return 1;
}
