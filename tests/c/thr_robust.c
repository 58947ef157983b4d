/*
 * thr_robust: robust mutexes whose owner thread exits while holding them.
 * The kernel walks the dead thread's robust list, marks the futex word
 * FUTEX_OWNER_DIED and wakes a waiter, so the next locker gets EOWNERDEAD.
 * Cases: the next locker comes after the death; a waiter is already blocked
 * when the owner dies; the new owner does not call pthread_mutex_consistent
 * (the mutex becomes unrecoverable); and a private robust mutex in a loop.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *errname(int err)
{
	switch (err) {
	case 0: return "0";
	case EOWNERDEAD: return "EOWNERDEAD";
	case ENOTRECOVERABLE: return "ENOTRECOVERABLE";
	case EBUSY: return "EBUSY";
	case EPERM: return "EPERM";
	case EDEADLK: return "EDEADLK";
	default: return strerror(err);
	}
}

static void init_robust(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

static void *lock_and_exit(void *arg)
{
	pthread_mutex_lock(arg);
	return NULL; /* exits holding the mutex */
}

static void *lock_five_and_exit(void *arg)
{
	pthread_mutex_t *ms = arg;
	for (int i = 0; i < 5; i++)
		pthread_mutex_lock(&ms[i]);
	return NULL;
}

struct waiter {
	pthread_mutex_t *m;
	int result;
};

static void *lock_and_report(void *arg)
{
	struct waiter *w = arg;
	w->result = pthread_mutex_lock(w->m);
	if (w->result == EOWNERDEAD)
		pthread_mutex_consistent(w->m);
	pthread_mutex_unlock(w->m);
	return NULL;
}

struct hold {
	pthread_mutex_t *m;
	pthread_mutex_t *gate; /* held by main until the owner may exit */
	volatile int locked;
};

static void *lock_wait_exit(void *arg)
{
	struct hold *h = arg;
	pthread_mutex_lock(h->m);
	__atomic_store_n(&h->locked, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(h->gate);
	pthread_mutex_unlock(h->gate);
	return NULL;
}

int main(void)
{
	pthread_t t;
	int err;

	/* 1: the owner is gone before the next lock. */
	pthread_mutex_t m1;
	init_robust(&m1);
	pthread_create(&t, NULL, lock_and_exit, &m1);
	pthread_join(t, NULL);
	err = pthread_mutex_lock(&m1);
	printf("case1 lock after owner death: %s\n", errname(err));
	if (err == EOWNERDEAD)
		printf("case1 consistent: %s\n", errname(pthread_mutex_consistent(&m1)));
	printf("case1 unlock: %s\n", errname(pthread_mutex_unlock(&m1)));
	printf("case1 relock: %s\n", errname(pthread_mutex_lock(&m1)));
	printf("case1 trylock while held by self: %s\n", errname(pthread_mutex_trylock(&m1)));
	pthread_mutex_unlock(&m1);

	/* 2: a waiter is blocked in the kernel when the owner dies. */
	pthread_mutex_t m2, gate = PTHREAD_MUTEX_INITIALIZER;
	init_robust(&m2);
	pthread_mutex_lock(&gate);
	struct hold h = {&m2, &gate, 0};
	pthread_t owner, waiter;
	pthread_create(&owner, NULL, lock_wait_exit, &h);
	while (!__atomic_load_n(&h.locked, __ATOMIC_SEQ_CST))
		usleep(1000);
	printf("case2 trylock while owned: %s\n", errname(pthread_mutex_trylock(&m2)));
	struct waiter w = {&m2, -1};
	pthread_create(&waiter, NULL, lock_and_report, &w);
	usleep(50000); /* let the waiter block; the result is the same if it has not */
	pthread_mutex_unlock(&gate);
	pthread_join(owner, NULL);
	pthread_join(waiter, NULL);
	printf("case2 blocked waiter got: %s\n", errname(w.result));
	printf("case2 lock afterwards: %s\n", errname(pthread_mutex_lock(&m2)));
	pthread_mutex_unlock(&m2);

	/* 3: EOWNERDEAD without pthread_mutex_consistent. */
	pthread_mutex_t m3;
	init_robust(&m3);
	pthread_create(&t, NULL, lock_and_exit, &m3);
	pthread_join(t, NULL);
	err = pthread_mutex_lock(&m3);
	printf("case3 lock: %s\n", errname(err));
	printf("case3 unlock without consistent: %s\n", errname(pthread_mutex_unlock(&m3)));
	printf("case3 lock again: %s\n", errname(pthread_mutex_lock(&m3)));
	printf("case3 trylock: %s\n", errname(pthread_mutex_trylock(&m3)));

	/* 4: many owners die in turn; each next locker recovers. */
	pthread_mutex_t m4;
	init_robust(&m4);
	int recovered = 0;
	for (int i = 0; i < 50; i++) {
		pthread_create(&t, NULL, lock_and_exit, &m4);
		pthread_join(t, NULL);
		if (pthread_mutex_lock(&m4) == EOWNERDEAD) {
			pthread_mutex_consistent(&m4);
			recovered++;
		}
		pthread_mutex_unlock(&m4);
	}
	printf("case4 recovered %d of 50\n", recovered);

	/* 5: several robust mutexes held at once by a dying owner (robust list walk). */
	pthread_mutex_t many[5];
	for (int i = 0; i < 5; i++)
		init_robust(&many[i]);
	pthread_create(&t, NULL, lock_five_and_exit, many);
	pthread_join(t, NULL);
	int owner_dead = 0;
	for (int i = 0; i < 5; i++) {
		if (pthread_mutex_lock(&many[i]) == EOWNERDEAD) {
			owner_dead++;
			pthread_mutex_consistent(&many[i]);
		}
		pthread_mutex_unlock(&many[i]);
	}
	printf("case5 EOWNERDEAD on %d of 5 mutexes\n", owner_dead);
	return 0;
}
