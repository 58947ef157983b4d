// proc_sigsets: the signal lines of /proc/PID/status (SigPnd, ShdPnd,
// SigBlk, SigIgn, SigCgt) and fields 31-34 of /proc/PID/stat, as the
// process changes its dispositions, blocks signals and leaves them
// pending (for the thread and for the process), for another thread
// (/proc/self/task/TID), and after exec (handlers back to SIG_DFL,
// ignored signals and the mask kept), which CPython's
// test_restore_signals reads.
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void show_status(const char *label, const char *path) {
	char line[256];
	FILE *f = fopen(path, "r");
	if (!f) {
		printf("%s: cannot open %s\n", label, path);
		return;
	}
	while (fgets(line, sizeof line, f))
		if ((!strncmp(line, "Sig", 3) && strncmp(line, "SigQ", 4)) || !strncmp(line, "ShdPnd", 6))
			printf("%s %s", label, line);
	fclose(f);
}

static void show_stat(const char *label) {
	char buf[2048];
	FILE *f = fopen("/proc/self/stat", "r");
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')') + 2; // field 3
	int field = 3;
	printf("%s stat", label);
	for (char *tok = strtok(p, " "); tok; tok = strtok(NULL, " "), field++)
		if (field >= 31 && field <= 34)
			printf(" %s", tok);
	printf("\n");
}

static void on_sig(int sig) { (void)sig; }

static void *thread(void *arg) {
	(void)arg;
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGHUP);
	sigaddset(&s, SIGRTMIN + 3);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	syscall(SYS_tgkill, getpid(), gettid(), SIGHUP);
	char path[64];
	snprintf(path, sizeof path, "/proc/self/task/%d/status", (int)gettid());
	show_status("thread", path);
	return NULL;
}

int main(int argc, char **argv) {
	if (argc > 1 && !strcmp(argv[1], "exec")) {
		show_status("after exec", "/proc/self/status");
		show_stat("after exec");
		return 0;
	}
	show_status("start", "/proc/self/status");
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	signal(SIGUSR2, on_sig);
	struct sigaction sa = {0};
	sa.sa_handler = on_sig;
	sigaction(SIGRTMIN + 1, &sa, NULL);
	show_status("dispositions", "/proc/self/status");

	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGRTMAX);
	sigprocmask(SIG_BLOCK, &s, NULL);
	raise(SIGUSR1);             // the thread's own pending set
	kill(getpid(), SIGTERM);    // the process's shared set
	show_status("pending", "/proc/self/status");
	show_stat("pending");

	pthread_t th;
	pthread_create(&th, NULL, thread, NULL);
	pthread_join(th, NULL);
	show_status("main after thread", "/proc/self/status");

	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		char *args[] = {"/proc/self/exe", "exec", NULL};
		execv(args[0], args);
		_exit(127);
	}
	int st;
	waitpid(child, &st, 0);
	return 0;
}
