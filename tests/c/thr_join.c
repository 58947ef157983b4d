/*
 * thr_join: joinable threads hand back values through return and
 * pthread_exit, joined in creation order; detached threads (by attribute
 * and by pthread_detach) report completion through a condition variable.
 * Also checks pthread_self/pthread_equal, the detach-state attribute, and
 * that joining a finished thread works.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define JOINABLE 6
#define DETACHED 4

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static int detached_done;
static unsigned detached_mask;

static void *square_plus_one(void *arg)
{
	uintptr_t i = (uintptr_t)arg;
	if (i % 2)
		pthread_exit((void *)(i * i + 1));
	return (void *)(i * i + 1);
}

static void *detached_worker(void *arg)
{
	uintptr_t i = (uintptr_t)arg;
	pthread_mutex_lock(&lock);
	detached_done++;
	detached_mask |= 1u << i;
	pthread_cond_broadcast(&done_cond);
	pthread_mutex_unlock(&lock);
	return NULL;
}

static pthread_t main_thread;

static void *check_self(void *arg)
{
	(void)arg;
	int same_as_main = pthread_equal(pthread_self(), main_thread);
	return (void *)(uintptr_t)(same_as_main ? 1 : 2);
}

static void *quick(void *arg)
{
	return arg;
}

int main(void)
{
	pthread_t t[JOINABLE];
	for (uintptr_t i = 0; i < JOINABLE; i++)
		if (pthread_create(&t[i], NULL, square_plus_one, (void *)i) != 0) {
			puts("pthread_create failed");
			return 1;
		}
	for (int i = 0; i < JOINABLE; i++) {
		void *ret;
		int err = pthread_join(t[i], &ret);
		printf("join %d: err=%d value=%lu\n", i, err, (unsigned long)(uintptr_t)ret);
	}

	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int state = -1;
	pthread_attr_getdetachstate(&attr, &state);
	printf("attr detached=%d\n", state == PTHREAD_CREATE_DETACHED);
	for (uintptr_t i = 0; i < DETACHED; i++) {
		pthread_t d;
		int err;
		if (i < DETACHED / 2) {
			err = pthread_create(&d, &attr, detached_worker, (void *)i);
		} else {
			err = pthread_create(&d, NULL, detached_worker, (void *)i);
			if (err == 0)
				err = pthread_detach(d);
		}
		if (err != 0) {
			printf("detached create %lu: %s\n", (unsigned long)i, strerror(err));
			return 1;
		}
	}
	pthread_attr_destroy(&attr);
	pthread_mutex_lock(&lock);
	while (detached_done < DETACHED)
		pthread_cond_wait(&done_cond, &lock);
	pthread_mutex_unlock(&lock);
	printf("detached done=%d mask=%#x\n", detached_done, detached_mask);

	main_thread = pthread_self();
	pthread_t s;
	void *ret;
	pthread_create(&s, NULL, check_self, NULL);
	pthread_join(s, &ret);
	printf("pthread_self distinct=%d\n", (uintptr_t)ret == 2);
	printf("pthread_self main equal=%d\n", pthread_equal(pthread_self(), main_thread) != 0);

	/* Join a thread long after it has finished. */
	pthread_create(&s, NULL, quick, (void *)(uintptr_t)77);
	usleep(20000);
	ret = NULL;
	int err = pthread_join(s, &ret);
	printf("late join: err=%d value=%lu\n", err, (unsigned long)(uintptr_t)ret);

	/* Many short-lived threads in sequence: tid reuse and stack caching. */
	uintptr_t total = 0;
	for (uintptr_t i = 0; i < 200; i++) {
		if (pthread_create(&s, NULL, quick, (void *)i) != 0) {
			printf("create %lu failed\n", (unsigned long)i);
			return 1;
		}
		pthread_join(s, &ret);
		total += (uintptr_t)ret;
	}
	printf("200 create+join total=%lu\n", (unsigned long)total);
	return 0;
}
