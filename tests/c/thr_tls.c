/*
 * thr_tls: every thread gets its own copy of initialised (.tdata) and zero
 * (.tbss) __thread variables, starting from the initialisers even after
 * the main thread changed its own copy; pthread keys run their destructors
 * at thread exit. Results are printed by main in thread order.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define THREADS 8

static __thread int tls_int = 100;
static __thread char tls_name[16] = "initial";
static __thread long tls_zero[64];
static __thread double tls_double = 2.5;

static pthread_barrier_t barrier;
static pthread_key_t key;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int destructor_calls;
static long destructor_sum;

struct report {
	int saw_int;
	char saw_name[16];
	long zero_nonzero;
	double saw_double;
	int after_int;
	char after_name[16];
	uintptr_t addr;
};

static struct report reports[THREADS];

static void destructor(void *value)
{
	pthread_mutex_lock(&lock);
	destructor_calls++;
	destructor_sum += (long)(intptr_t)value;
	pthread_mutex_unlock(&lock);
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	struct report *r = &reports[id];
	r->saw_int = tls_int;
	strcpy(r->saw_name, tls_name);
	r->saw_double = tls_double;
	for (int i = 0; i < 64; i++)
		r->zero_nonzero += tls_zero[i] != 0;
	r->addr = (uintptr_t)&tls_int;

	tls_int = 1000 + id;
	snprintf(tls_name, sizeof(tls_name), "thread-%d", id);
	tls_zero[id] = id;
	pthread_setspecific(key, (void *)(intptr_t)(id + 1));

	/* Everybody has written its copy before anybody reads it back. */
	pthread_barrier_wait(&barrier);

	r->after_int = tls_int;
	strcpy(r->after_name, tls_name);
	if ((intptr_t)pthread_getspecific(key) != id + 1)
		r->after_int = -1;
	return NULL;
}

int main(void)
{
	tls_int = 7;
	strcpy(tls_name, "main");
	tls_zero[3] = 3;
	if (pthread_key_create(&key, destructor) != 0) {
		puts("pthread_key_create failed");
		return 1;
	}
	pthread_barrier_init(&barrier, NULL, THREADS);

	pthread_t t[THREADS];
	for (intptr_t i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)i) != 0) {
			puts("pthread_create failed");
			return 1;
		}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);

	int distinct = 1;
	for (int i = 0; i < THREADS; i++) {
		struct report *r = &reports[i];
		printf("thread %d: start int=%d name=%s double=%.1f zero_nonzero=%ld; after int=%d name=%s\n",
		       i, r->saw_int, r->saw_name, r->saw_double, r->zero_nonzero, r->after_int, r->after_name);
		if (r->addr == (uintptr_t)&tls_int)
			distinct = 0;
		for (int j = 0; j < i; j++)
			if (reports[j].addr == r->addr)
				distinct = 0;
	}
	printf("addresses distinct=%d\n", distinct);
	printf("main: int=%d name=%s zero[3]=%ld\n", tls_int, tls_name, tls_zero[3]);
	printf("destructors: calls=%d sum=%ld\n", destructor_calls, destructor_sum);
	pthread_barrier_destroy(&barrier);
	return 0;
}
