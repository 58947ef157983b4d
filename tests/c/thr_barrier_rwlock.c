/*
 * thr_barrier_rwlock: pthread_barrier rounds (every thread sees every other
 * thread's write of the round, exactly one serial thread per round) and a
 * pthread_rwlock shared by readers that check an invariant and writers that
 * update it, plus the try-lock results that do not depend on timing.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define BARRIER_THREADS 4
#define ROUNDS 200
#define READERS 4
#define WRITERS 2
#define WRITES_PER_WRITER 5000
#define READS_PER_READER 20000

static pthread_barrier_t barrier;
static long slots[BARRIER_THREADS];
static int serial_count;
static long bad_rounds;

static void *barrier_worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	for (long round = 1; round <= ROUNDS; round++) {
		slots[id] = round * 10 + id;
		int r = pthread_barrier_wait(&barrier);
		if (r == PTHREAD_BARRIER_SERIAL_THREAD)
			__atomic_add_fetch(&serial_count, 1, __ATOMIC_SEQ_CST);
		long sum = 0;
		for (int i = 0; i < BARRIER_THREADS; i++)
			sum += slots[i];
		if (sum != round * 10 * BARRIER_THREADS + (BARRIER_THREADS - 1) * BARRIER_THREADS / 2)
			__atomic_add_fetch(&bad_rounds, 1, __ATOMIC_SEQ_CST);
		/* Nobody overwrites its slot before all have read this round. */
		pthread_barrier_wait(&barrier);
	}
	return NULL;
}

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long a, b;
static long inconsistent;

static void *writer(void *arg)
{
	(void)arg;
	for (int i = 0; i < WRITES_PER_WRITER; i++) {
		pthread_rwlock_wrlock(&rw);
		a++;
		__asm__ volatile("" ::: "memory");
		b++;
		pthread_rwlock_unlock(&rw);
	}
	return NULL;
}

static void *reader(void *arg)
{
	(void)arg;
	for (int i = 0; i < READS_PER_READER; i++) {
		pthread_rwlock_rdlock(&rw);
		long x = a;
		__asm__ volatile("" ::: "memory");
		long y = b;
		pthread_rwlock_unlock(&rw);
		if (x != y)
			__atomic_add_fetch(&inconsistent, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

/* try_write and try_read release what they get, so the caller's state stays. */
static void *try_write(void *arg)
{
	int err = pthread_rwlock_trywrlock(arg);
	if (err == 0)
		pthread_rwlock_unlock(arg);
	return (void *)(intptr_t)err;
}

static void *try_read(void *arg)
{
	int err = pthread_rwlock_tryrdlock(arg);
	if (err == 0)
		pthread_rwlock_unlock(arg);
	return (void *)(intptr_t)err;
}

static const char *errname(int err)
{
	return err == 0 ? "0" : err == EBUSY ? "EBUSY" : err == EDEADLK ? "EDEADLK" : "other";
}

static int in_thread(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	void *ret;
	pthread_create(&t, NULL, fn, arg);
	pthread_join(t, &ret);
	return (int)(intptr_t)ret;
}

int main(void)
{
	pthread_t t[READERS + WRITERS];

	pthread_barrier_init(&barrier, NULL, BARRIER_THREADS);
	for (intptr_t i = 0; i < BARRIER_THREADS; i++)
		pthread_create(&t[i], NULL, barrier_worker, (void *)i);
	for (int i = 0; i < BARRIER_THREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&barrier);
	printf("barrier: rounds=%d serial=%d bad=%ld\n", ROUNDS, serial_count, bad_rounds);

	for (int i = 0; i < WRITERS; i++)
		pthread_create(&t[i], NULL, writer, NULL);
	for (int i = 0; i < READERS; i++)
		pthread_create(&t[WRITERS + i], NULL, reader, NULL);
	for (int i = 0; i < READERS + WRITERS; i++)
		pthread_join(t[i], NULL);
	printf("rwlock: a=%ld b=%ld inconsistent=%ld\n", a, b, inconsistent);

	pthread_rwlock_rdlock(&rw);
	printf("trywrlock while read-locked: %s\n", errname(in_thread(try_write, &rw)));
	printf("tryrdlock while read-locked: %s\n", errname(in_thread(try_read, &rw)));
	pthread_rwlock_unlock(&rw);
	pthread_rwlock_wrlock(&rw);
	printf("tryrdlock while write-locked: %s\n", errname(in_thread(try_read, &rw)));
	printf("trywrlock while write-locked: %s\n", errname(in_thread(try_write, &rw)));
	pthread_rwlock_unlock(&rw);
	printf("trywrlock when free: %s\n", errname(in_thread(try_write, &rw)));
	return 0;
}
