/* fork from a multi-threaded process: only the calling thread goes on in
 * the child, which can still use the C library (malloc, stdio) and start
 * threads of its own. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int stop;
static volatile long spins[3];

static void *spinner(void *arg) {
	long i = (long)arg;
	while (!stop)
		spins[i]++;
	return NULL;
}

static void *child_thread(void *arg) { return (void *)((long)arg * 2); }

int main(void) {
	pthread_t th[3];
	for (long i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, spinner, (void *)i);
	while (!spins[0] || !spins[1] || !spins[2])
		usleep(1000);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		/* The spinners did not come along: their counters stand still. */
		long before = spins[0] + spins[1] + spins[2];
		usleep(20000);
		long after = spins[0] + spins[1] + spins[2];
		char *p = malloc(1000);
		pthread_t t;
		void *ret;
		if (pthread_create(&t, NULL, child_thread, (void *)21) != 0 || pthread_join(t, &ret) != 0)
			_exit(2);
		printf("child: spinners stopped %d, malloc %d, thread returned %ld\n", before == after, p != NULL, (long)ret);
		fflush(stdout);
		_exit(before == after ? 0 : 1);
	}
	int st;
	waitpid(pid, &st, 0);
	stop = 1;
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	printf("parent: child exit %d, spinners joined\n", WEXITSTATUS(st));
	return 0;
}
