/*
 * thr_pi_timed: futex operations beyond plain WAIT/WAKE. Priority-
 * inheritance mutexes (FUTEX_LOCK_PI/UNLOCK_PI/TRYLOCK_PI) under contention
 * and a robust PI mutex whose owner dies; timed waits that expire
 * (pthread_mutex_timedlock, pthread_cond_timedwait on CLOCK_REALTIME and
 * CLOCK_MONOTONIC, sem_timedwait: ETIMEDOUT) and ones satisfied in time;
 * and a thread that calls exit() while the main thread is blocked in
 * pthread_join: the whole process ends with that status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PI_THREADS 4
#define PI_ITERS 20000

static pthread_mutex_t pi;
static long pi_counter;

static const char *errname(int err)
{
	switch (err) {
	case 0: return "0";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EBUSY: return "EBUSY";
	case EOWNERDEAD: return "EOWNERDEAD";
	case EDEADLK: return "EDEADLK";
	case EINVAL: return "EINVAL";
	default: return strerror(err);
	}
}

static void *pi_worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < PI_ITERS; i++) {
		pthread_mutex_lock(&pi);
		pi_counter++;
		pthread_mutex_unlock(&pi);
	}
	return NULL;
}

static void *lock_and_exit(void *m)
{
	pthread_mutex_lock(m);
	return NULL;
}

static void *try_in_thread(void *m)
{
	return (void *)(long)pthread_mutex_trylock(m);
}

static struct timespec in_ms(clockid_t clock, long ms);

static void *timedlock_in_thread(void *mu)
{
	struct timespec dl = in_ms(CLOCK_REALTIME, 50);
	return (void *)(long)pthread_mutex_timedlock(mu, &dl);
}

static struct timespec in_ms(clockid_t clock, long ms)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	ts.tv_nsec += ms * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	return ts;
}

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv_real = PTHREAD_COND_INITIALIZER;
static pthread_cond_t cv_mono;
static int flag;
static sem_t sem;

static void *post_later(void *arg)
{
	(void)arg;
	usleep(30000);
	pthread_mutex_lock(&m);
	flag = 1;
	pthread_cond_signal(&cv_mono);
	pthread_mutex_unlock(&m);
	sem_post(&sem);
	return NULL;
}

static void *exit_from_thread(void *arg)
{
	(void)arg;
	usleep(20000);
	fflush(stdout);
	exit(5);
}

int main(void)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	int err = pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
	printf("setprotocol PI: %s\n", errname(err));
	pthread_mutex_init(&pi, &a);

	pthread_t t[PI_THREADS];
	for (int i = 0; i < PI_THREADS; i++)
		pthread_create(&t[i], NULL, pi_worker, NULL);
	for (int i = 0; i < PI_THREADS; i++)
		pthread_join(t[i], NULL);
	printf("PI mutex counter=%ld (want %d)\n", pi_counter, PI_THREADS * PI_ITERS);

	pthread_mutex_lock(&pi);
	void *ret;
	pthread_create(&t[0], NULL, try_in_thread, &pi);
	pthread_join(t[0], &ret);
	printf("PI trylock while held elsewhere: %s\n", errname((int)(long)ret));
	pthread_mutexattr_t ea;
	pthread_mutexattr_init(&ea);
	pthread_mutexattr_settype(&ea, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutexattr_setprotocol(&ea, PTHREAD_PRIO_INHERIT);
	pthread_mutex_t pie;
	pthread_mutex_init(&pie, &ea);
	pthread_mutex_lock(&pie);
	printf("PI errorcheck relock: %s\n", errname(pthread_mutex_lock(&pie)));
	pthread_mutex_unlock(&pie);
	pthread_mutex_unlock(&pi);

	/* Robust PI mutex whose owner dies. */
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_t rpi;
	pthread_mutex_init(&rpi, &a);
	pthread_create(&t[0], NULL, lock_and_exit, &rpi);
	pthread_join(t[0], NULL);
	err = pthread_mutex_lock(&rpi);
	printf("robust PI after owner death: %s\n", errname(err));
	if (err == EOWNERDEAD)
		pthread_mutex_consistent(&rpi);
	pthread_mutex_unlock(&rpi);

	/* Timed lock that expires while another thread holds the mutex. */
	pthread_mutex_t plain = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&plain);
	pthread_create(&t[0], NULL, timedlock_in_thread, &plain);
	pthread_join(t[0], &ret);
	printf("mutex_timedlock expiry: %s\n", errname((int)(long)ret));
	pthread_mutex_unlock(&plain);
	struct timespec dl;

	/* Condition variable timeouts. */
	pthread_mutex_lock(&m);
	dl = in_ms(CLOCK_REALTIME, 50);
	err = pthread_cond_timedwait(&cv_real, &m, &dl);
	printf("cond_timedwait REALTIME expiry: %s\n", errname(err));
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&cv_mono, &ca);
	dl = in_ms(CLOCK_MONOTONIC, 50);
	err = pthread_cond_timedwait(&cv_mono, &m, &dl);
	printf("cond_timedwait MONOTONIC expiry: %s\n", errname(err));
	sem_init(&sem, 0, 0);
	pthread_create(&t[0], NULL, post_later, NULL);
	dl = in_ms(CLOCK_MONOTONIC, 5000);
	err = 0;
	while (!flag && err == 0)
		err = pthread_cond_timedwait(&cv_mono, &m, &dl);
	printf("cond_timedwait signalled in time: %s flag=%d\n", errname(err), flag);
	pthread_mutex_unlock(&m);
	dl = in_ms(CLOCK_REALTIME, 5000);
	printf("sem_timedwait posted: %d\n", sem_timedwait(&sem, &dl));
	pthread_join(t[0], NULL);
	dl = in_ms(CLOCK_REALTIME, 50);
	int r = sem_timedwait(&sem, &dl);
	printf("sem_timedwait expiry: %d %s\n", r, errname(errno));
	struct timespec past = {1, 0};
	r = sem_timedwait(&sem, &past);
	printf("sem_timedwait past deadline: %d %s\n", r, errname(errno));

	/* exit() from a thread ends the process, even while main is in join. */
	printf("exit from thread follows\n");
	pthread_create(&t[0], NULL, exit_from_thread, NULL);
	pthread_t never;
	pthread_create(&never, NULL, (void *(*)(void *))pause, NULL);
	pthread_join(never, NULL);
	puts("not reached");
	return 0;
}
