/* Two threads increment a counter under one pthread mutex; prints the
 * nanoseconds per lock/unlock pair ("X ns/call"). Usage: mutex_contention [n] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long counter, per_thread;

static void *worker(void *arg) {
	(void)arg;
	for (long i = 0; i < per_thread; i++) {
		pthread_mutex_lock(&mu);
		counter++;
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

int main(int argc, char **argv) {
	per_thread = argc > 1 ? atol(argv[1]) : 500000;
	pthread_t t[2];
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("%.1f ns/call (counter %ld)\n", ns / (2.0 * per_thread), counter);
	return counter == 2 * per_thread ? 0 : 1;
}
