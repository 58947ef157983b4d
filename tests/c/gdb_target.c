/* A program to debug with gdb through elfloader's stub (integration/gdb_test.go).
 * "gdb_target" sums a loop; "gdb_target threads" also runs a second thread
 * that waits on a barrier; "gdb_target segv" stores through a bad pointer. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_barrier_t barrier;

__attribute__((noinline)) int add_up(int n) {
	int total = 0;
	for (int i = 1; i <= n; i++)
		total += i;
	return total;
}

__attribute__((noinline)) void *worker(void *arg) {
	(void)arg;
	pthread_barrier_wait(&barrier);
	pthread_barrier_wait(&barrier);
	return NULL;
}

__attribute__((noinline)) void crash(volatile int *where) { *where = 42; }

int main(int argc, char **argv) {
	int var = 7;
	if (argc > 1 && strcmp(argv[1], "segv") == 0)
		crash((volatile int *)0x10);
	if (argc > 1 && strcmp(argv[1], "threads") == 0) {
		pthread_t t;
		pthread_barrier_init(&barrier, NULL, 2);
		pthread_create(&t, NULL, worker, NULL);
		pthread_barrier_wait(&barrier);
		var = add_up(3);
		pthread_barrier_wait(&barrier);
		pthread_join(t, NULL);
	}
	var += add_up(10);
	printf("total %d\n", var);
	return 0;
}
