// The first process is the app's init (run under elfloader only: natively
// the test program is not init). An orphan is reparented to it and it
// reaps it; when it exits, a child that ignores SIGTERM and would wait
// for ever is killed, and the run ends with init's status.
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
	pid_t init = getpid();
	pid_t c = fork();
	if (c == 0) {
		pid_t me = getpid();
		pid_t g = fork();
		if (g == 0) {
			while (getppid() == me)
				usleep(1000);
			_exit(getppid() == init ? 6 : 7);
		}
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	printf("child: exited %d\n", WEXITSTATUS(st));
	pid_t g = wait(&st);
	printf("init reaps the orphan: %d, reparented to init: %d\n", g > 0 && g != c, WEXITSTATUS(st) == 6);
	pid_t s = fork();
	if (s == 0) {
		signal(SIGTERM, SIG_IGN);
		for (;;)
			pause();
	}
	printf("init exits\n");
	fflush(stdout);
	return 3;
}
