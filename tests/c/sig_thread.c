/*
 * sig_thread: signals aimed at one thread. pthread_kill to each of four
 * threads runs the handler on that very thread (gettid in the handler
 * equals the target's tid); a process-directed kill goes to the only
 * thread that has the signal unblocked; a signal blocked in the target
 * stays pending for it and is delivered when it unblocks.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define THREADS 4

static __thread int my_index = -1;
static pid_t tids[THREADS];
static volatile int handled_by[THREADS];
static volatile int handled_on_own_tid[THREADS];
static volatile int stop;
static volatile int ready;
static volatile int unblock_now[THREADS];

static pid_t gettid_raw(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static void handler(int sig)
{
	(void)sig;
	int i = my_index;
	if (i < 0 || i >= THREADS)
		return;
	/* Count the tid check first: main waits on handled_by. */
	if (gettid_raw() == tids[i])
		__atomic_add_fetch(&handled_on_own_tid[i], 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&handled_by[i], 1, __ATOMIC_SEQ_CST);
}

static void sleep_ms(int ms)
{
	struct timespec ts = {0, ms * 1000000L};
	nanosleep(&ts, NULL);
}

static void *worker(void *arg)
{
	my_index = (int)(long)arg;
	tids[my_index] = gettid_raw();
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	__atomic_add_fetch(&ready, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&stop, __ATOMIC_SEQ_CST)) {
		if (__atomic_load_n(&unblock_now[my_index], __ATOMIC_SEQ_CST)) {
			unblock_now[my_index] = 0;
			pthread_sigmask(SIG_UNBLOCK, &set, NULL);
		}
		sleep_ms(1);
	}
	return NULL;
}

static void wait_handled(int i, int want)
{
	for (int n = 0; n < 5000 && __atomic_load_n(&handled_by[i], __ATOMIC_SEQ_CST) < want; n++)
		sleep_ms(1);
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);

	pthread_t t[THREADS];
	for (long i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	while (__atomic_load_n(&ready, __ATOMIC_SEQ_CST) < THREADS)
		sleep_ms(1);

	int distinct = 1;
	for (int i = 0; i < THREADS; i++)
		for (int j = 0; j < i; j++)
			distinct &= tids[i] != tids[j];
	printf("tids distinct=%d, none equals main=%d\n", distinct,
	       tids[0] != getpid() && tids[1] != getpid() && tids[2] != getpid() && tids[3] != getpid());

	/* pthread_kill each thread, in reverse order, twice. */
	for (int round = 1; round <= 2; round++)
		for (int i = THREADS - 1; i >= 0; i--) {
			pthread_kill(t[i], SIGUSR1);
			wait_handled(i, round);
		}
	for (int i = 0; i < THREADS; i++)
		printf("thread %d: handled=%d on own tid=%d\n", i, handled_by[i], handled_on_own_tid[i]);

	/* tgkill straight to thread 2. */
	syscall(SYS_tgkill, getpid(), tids[2], SIGUSR1);
	wait_handled(2, 3);
	printf("tgkill thread 2: handled=%d on own tid=%d\n", handled_by[2], handled_on_own_tid[2]);

	/* SIGUSR2 is blocked in all workers; block it in main too, then let
	 * only thread 1 unblock it: a process-directed kill must go there. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	kill(getpid(), SIGUSR2);
	sleep_ms(50);
	int before = handled_by[1];
	printf("process-directed while blocked everywhere: handled anywhere=%d\n",
	       handled_by[0] + handled_by[1] + handled_by[2] + handled_by[3] != 2 + 2 + 3 + 2);
	__atomic_store_n(&unblock_now[1], 1, __ATOMIC_SEQ_CST);
	wait_handled(1, before + 1);
	printf("after thread 1 unblocked: thread 1 handled=%d on own tid=%d; others %d %d %d\n",
	       handled_by[1], handled_on_own_tid[1], handled_by[0], handled_by[2], handled_by[3]);

	/* A thread-directed signal blocked in its target waits for that thread. */
	pthread_kill(t[3], SIGUSR2);
	sleep_ms(50);
	printf("thread-directed while blocked: thread 3 handled=%d (still 2)\n", handled_by[3]);
	__atomic_store_n(&unblock_now[3], 1, __ATOMIC_SEQ_CST);
	wait_handled(3, 3);
	printf("after thread 3 unblocked: handled=%d on own tid=%d\n", handled_by[3], handled_on_own_tid[3]);

	__atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	printf("pthread_kill of signal 0 to self: %d\n", pthread_kill(pthread_self(), 0));
	return 0;
}
