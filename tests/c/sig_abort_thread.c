/*
 * sig_abort_thread: a default action that kills the whole thread group.
 * A worker thread calls abort() (SIGABRT, default action core) while the
 * main thread is blocked in pthread_join and two more threads are busy or
 * asleep: the process must end with status 128+6 after the flushed output.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *spin(void *arg)
{
	volatile unsigned long *n = arg;
	for (;;)
		(*n)++;
	return NULL;
}

static void *nap(void *arg)
{
	(void)arg;
	for (;;)
		sleep(100);
	return NULL;
}

static void *aborter(void *arg)
{
	(void)arg;
	usleep(30000);
	printf("worker: calling abort\n");
	fflush(stdout);
	abort();
}

int main(void)
{
	static volatile unsigned long counter;
	pthread_t s, n, a;
	pthread_create(&s, NULL, spin, (void *)&counter);
	pthread_create(&n, NULL, nap, NULL);
	pthread_create(&a, NULL, aborter, NULL);
	printf("main: joining\n");
	fflush(stdout);
	pthread_join(n, NULL);
	printf("not reached\n");
	return 0;
}
