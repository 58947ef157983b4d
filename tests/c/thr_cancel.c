/*
 * thr_cancel: pthread_cancel of threads blocked in cancellation points
 * (pthread_cond_wait, read on an empty pipe, nanosleep via sleep), with
 * cleanup handlers; deferred cancellation held off by
 * PTHREAD_CANCEL_DISABLE until pthread_testcancel; asynchronous
 * cancellation of a busy loop. Cancellation is delivered by the C library
 * with a real-time signal sent by tgkill and unwinds the target's stack.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static volatile int started;
static volatile int cleanups;
static volatile int reached_end;

static void mark_started(void)
{
	__atomic_store_n(&started, 1, __ATOMIC_SEQ_CST);
}

static void wait_started(void)
{
	while (!__atomic_load_n(&started, __ATOMIC_SEQ_CST))
		usleep(1000);
	started = 0;
	usleep(30000); /* let the thread reach its blocking call; either way it is cancelled */
}

static void cleanup_unlock(void *m)
{
	__atomic_add_fetch(&cleanups, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(m);
}

static void cleanup_count(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&cleanups, 1, __ATOMIC_SEQ_CST);
}

static void *in_cond_wait(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	pthread_cleanup_push(cleanup_unlock, &lock);
	mark_started();
	for (;;)
		pthread_cond_wait(&never, &lock);
	pthread_cleanup_pop(1);
	return NULL;
}

static void *in_read(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char c;
	pthread_cleanup_push(cleanup_count, NULL);
	mark_started();
	for (;;)
		read(fd, &c, 1);
	pthread_cleanup_pop(0);
	return NULL;
}

static void *in_sleep(void *arg)
{
	(void)arg;
	pthread_cleanup_push(cleanup_count, NULL);
	mark_started();
	for (;;)
		sleep(100);
	pthread_cleanup_pop(0);
	return NULL;
}

static volatile int may_enable;

static void *disabled_then_enabled(void *arg)
{
	(void)arg;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	pthread_cleanup_push(cleanup_count, NULL);
	mark_started();
	while (!__atomic_load_n(&may_enable, __ATOMIC_SEQ_CST))
		usleep(1000); /* a cancellation point, but cancellation is disabled */
	__atomic_store_n(&reached_end, 1, __ATOMIC_SEQ_CST);
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
	pthread_testcancel();
	__atomic_store_n(&reached_end, 2, __ATOMIC_SEQ_CST);
	pthread_cleanup_pop(0);
	return NULL;
}

static void *busy_async(void *arg)
{
	volatile unsigned long *spin = arg;
	pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
	mark_started();
	for (;;)
		(*spin)++;
	return NULL;
}

static void report(const char *name, pthread_t t)
{
	int err = pthread_cancel(t);
	void *ret;
	int jerr = pthread_join(t, &ret);
	printf("%s: cancel=%d join=%d canceled=%d cleanups=%d\n", name, err, jerr,
	       ret == PTHREAD_CANCELED, cleanups);
	cleanups = 0;
}

int main(void)
{
	pthread_t t;
	int fds[2];
	if (pipe(fds) != 0) {
		perror("pipe");
		return 1;
	}

	pthread_create(&t, NULL, in_cond_wait, NULL);
	wait_started();
	report("cond_wait", t);
	printf("mutex free after cancel: %d\n", pthread_mutex_trylock(&lock) == 0);
	pthread_mutex_unlock(&lock);

	pthread_create(&t, NULL, in_read, (void *)(intptr_t)fds[0]);
	wait_started();
	report("read", t);

	pthread_create(&t, NULL, in_sleep, NULL);
	wait_started();
	report("sleep", t);

	pthread_create(&t, NULL, disabled_then_enabled, NULL);
	wait_started();
	int err = pthread_cancel(t);
	usleep(20000);
	printf("disabled: cancel=%d still running=%d\n", err, reached_end == 0);
	__atomic_store_n(&may_enable, 1, __ATOMIC_SEQ_CST);
	void *ret;
	pthread_join(t, &ret);
	printf("disabled: canceled=%d reached=%d cleanups=%d\n", ret == PTHREAD_CANCELED, reached_end, cleanups);
	cleanups = 0;

	static volatile unsigned long spin;
	pthread_create(&t, NULL, busy_async, (void *)&spin);
	wait_started();
	report("async busy loop", t);
	printf("pipe still usable: %d\n", write(fds[1], "x", 1) == 1);
	return 0;
}
