/* posix_spawn of /bin/true + waitpid in a loop; prints the nanoseconds per
 * round trip ("X ns/call"). Usage: spawn_true [n] */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 100;
	char *args[] = {"/bin/true", NULL};
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		pid_t pid;
		if (posix_spawn(&pid, "/bin/true", NULL, NULL, args, environ) != 0)
			return 1;
		int st;
		if (waitpid(pid, &st, 0) != pid || st != 0)
			return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("%.1f ns/call (%ld spawns)\n", ns / n, n);
	return 0;
}
