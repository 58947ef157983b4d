/*
 * thr_futex: the futex system call used directly. WAIT with a stale value
 * (EAGAIN), relative timeouts (ETIMEDOUT), WAIT_BITSET with an absolute
 * CLOCK_MONOTONIC and CLOCK_REALTIME deadline, WAKE counts, WAKE_BITSET
 * that only wakes matching waiters, REQUEUE and CMP_REQUEUE (EAGAIN on a
 * stale value), WAKE_OP, a WAIT interrupted by a signal handler (EINTR),
 * the PI operations (LOCK_PI stores the TID, a second LOCK_PI by the owner
 * fails with EDEADLK, UNLOCK_PI by a non-owner with EPERM, a contender sets
 * FUTEX_WAITERS and gets the lock handed over) and futex_waitv. Waiters are counted by polling the number of
 * threads that returned, never by timing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The futex ABI (linux/futex.h), spelled out because musl's headers do not
 * include the kernel's. */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_REQUEUE_PRIVATE (FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_OP_PRIVATE (FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG)
#define FUTEX_LOCK_PI_PRIVATE (FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG)
#define FUTEX_UNLOCK_PI_PRIVATE (FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG)
#define FUTEX_TRYLOCK_PI_PRIVATE (FUTEX_TRYLOCK_PI | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_BITSET_PRIVATE (FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_TID_MASK 0x3fffffffu
#define FUTEX_OP_ADD 1
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP(op, oparg, cmp, cmparg) \
	((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff))

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#ifndef FUTEX_32
#define FUTEX_32 2
#endif

struct waitv {
	uint64_t val;
	uint64_t uaddr;
	uint32_t flags;
	uint32_t reserved;
};

static long futex(uint32_t *uaddr, int op, uint32_t val, const void *timeout_or_val2, uint32_t *uaddr2,
		  uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, timeout_or_val2, uaddr2, val3);
}

static const char *res(long r)
{
	static char buf[4][48];
	static int k;
	char *b = buf[k++ % 4];
	if (r >= 0)
		snprintf(b, 48, "%ld", r);
	else
		snprintf(b, 48, "-1 %s",
			 errno == EAGAIN ? "EAGAIN" : errno == ETIMEDOUT ? "ETIMEDOUT" : errno == EINTR ? "EINTR"
			 : errno == EPERM ? "EPERM" : errno == EINVAL ? "EINVAL" : errno == EDEADLK ? "EDEADLK"
			 : errno == ENOSYS ? "ENOSYS" : strerror(errno));
	return b;
}

static uint32_t word, word2;
static volatile int returned;
static volatile long results[8];

struct waiter_arg {
	uint32_t *addr;
	int op;
	uint32_t bitset;
	int slot;
};

static void *waiter(void *p)
{
	struct waiter_arg *a = p;
	long r = futex(a->addr, a->op, 0, NULL, NULL, a->bitset);
	results[a->slot] = r < 0 ? -errno : r;
	__atomic_add_fetch(&returned, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {0, ms * 1000000L};
	nanosleep(&ts, NULL);
}

/* settle gives blocked waiters time to reach the kernel. The WAKE steps
 * loop until enough waiters woke, so they do not depend on it; the REQUEUE
 * counts do, which is why this program is not in the 20-run test. */
static void settle(void)
{
	sleep_ms(250);
}

static void wait_returned(int n)
{
	for (int i = 0; i < 5000 && __atomic_load_n(&returned, __ATOMIC_SEQ_CST) < n; i++)
		sleep_ms(1);
}

static void on_usr1(int sig)
{
	(void)sig;
}

static struct timespec abs_in_ms(clockid_t c, long ms)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	ts.tv_nsec += ms * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	return ts;
}

static void *interrupt_main(void *p)
{
	pthread_t main_thread = *(pthread_t *)p;
	while (!__atomic_load_n(&returned, __ATOMIC_SEQ_CST)) {
		sleep_ms(20);
		pthread_kill(main_thread, SIGUSR1);
	}
	return NULL;
}

static void *signal_then_wake(void *p)
{
	pthread_t main_thread = *(pthread_t *)p;
	for (int i = 0; i < 3; i++) {
		sleep_ms(20);
		pthread_kill(main_thread, SIGUSR1);
	}
	while (!__atomic_load_n(&returned, __ATOMIC_SEQ_CST)) {
		sleep_ms(20);
		futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	}
	return NULL;
}

static void *pi_contender(void *p)
{
	uint32_t *w = p;
	long r = futex(w, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	results[0] = r;
	results[1] = (*w & FUTEX_TID_MASK) == (uint32_t)syscall(SYS_gettid);
	results[2] = futex(w, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	return NULL;
}

static void *unlock_not_owner(void *p)
{
	long r = futex(p, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	return (void *)(r < 0 ? (long)errno : 0L);
}

int main(void)
{
	struct timespec rel = {0, 30 * 1000000L};

	word = 1;
	printf("WAIT stale value: %s\n", res(futex(&word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0)));
	printf("WAIT timeout: %s\n", res(futex(&word, FUTEX_WAIT_PRIVATE, 1, &rel, NULL, 0)));
	printf("WAIT shared timeout: %s\n", res(futex(&word, FUTEX_WAIT, 1, &rel, NULL, 0)));
	struct timespec dl = abs_in_ms(CLOCK_MONOTONIC, 30);
	printf("WAIT_BITSET abs MONOTONIC: %s\n",
	       res(futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 1, &dl, NULL, FUTEX_BITSET_MATCH_ANY)));
	dl = abs_in_ms(CLOCK_REALTIME, 30);
	printf("WAIT_BITSET abs REALTIME: %s\n",
	       res(futex(&word, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 1, &dl, NULL,
			 FUTEX_BITSET_MATCH_ANY)));
	struct timespec past = {1, 0};
	printf("WAIT_BITSET deadline in the past: %s\n",
	       res(futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 1, &past, NULL, FUTEX_BITSET_MATCH_ANY)));
	printf("WAIT_BITSET zero bitset: %s\n", res(futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 1, NULL, NULL, 0)));
	struct timespec bad = {0, 1000000000L};
	printf("WAIT bad timeout: %s\n", res(futex(&word, FUTEX_WAIT_PRIVATE, 1, &bad, NULL, 0)));
	printf("WAKE nobody: %s\n", res(futex(&word, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0)));
	printf("unknown op: %s\n", res(futex(&word, 99, 0, NULL, NULL, 0)));

	/* WAKE counts: three waiters, wake 2 then the rest. */
	word = 0;
	pthread_t t[4];
	struct waiter_arg wa[4];
	for (int i = 0; i < 3; i++) {
		wa[i] = (struct waiter_arg){&word, FUTEX_WAIT_PRIVATE, 0, i};
		pthread_create(&t[i], NULL, waiter, &wa[i]);
	}
	settle();
	long woke = 0;
	while (woke < 2) /* a late waiter is woken by a later call */
		woke += futex(&word, FUTEX_WAKE_PRIVATE, 2 - woke, NULL, NULL, 0);
	wait_returned(2);
	printf("WAKE 2 of 3: woke=%ld returned=%d\n", woke, returned);
	woke = futex(&word, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	printf("WAKE rest: woke=%ld returned=%d\n", woke, returned);

	/* WAKE_BITSET wakes only the waiters whose bitset intersects. */
	returned = 0;
	for (int i = 0; i < 2; i++) {
		wa[i] = (struct waiter_arg){&word, FUTEX_WAIT_BITSET_PRIVATE, i == 0 ? 0x1 : 0x2, i};
		pthread_create(&t[i], NULL, waiter, &wa[i]);
	}
	settle();
	woke = 0;
	while (woke < 1)
		woke += futex(&word, FUTEX_WAKE_BITSET_PRIVATE, 10, NULL, NULL, 0x2);
	wait_returned(1);
	printf("WAKE_BITSET 0x2: woke=%ld returned=%d\n", woke, returned);
	woke = futex(&word, FUTEX_WAKE_BITSET_PRIVATE, 10, NULL, NULL, 0x1);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	printf("WAKE_BITSET 0x1: woke=%ld returned=%d\n", woke, returned);

	/* REQUEUE: wake 1, move the others to word2, then wake them there. */
	returned = 0;
	word2 = 0;
	for (int i = 0; i < 3; i++) {
		wa[i] = (struct waiter_arg){&word, FUTEX_WAIT_PRIVATE, 0, i};
		pthread_create(&t[i], NULL, waiter, &wa[i]);
	}
	settle();
	printf("CMP_REQUEUE stale: %s\n",
	       res(futex(&word, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)(uintptr_t)10, &word2, 5)));
	long moved = futex(&word, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)(uintptr_t)10, &word2, 0);
	wait_returned(1);
	printf("CMP_REQUEUE: woken+requeued=%ld returned=%d\n", moved, returned);
	printf("WAKE on old word after requeue: %ld\n", futex(&word, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0));
	woke = futex(&word2, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	printf("WAKE on new word: woke=%ld returned=%d\n", woke, returned);

	returned = 0;
	for (int i = 0; i < 2; i++) {
		wa[i] = (struct waiter_arg){&word, FUTEX_WAIT_PRIVATE, 0, i};
		pthread_create(&t[i], NULL, waiter, &wa[i]);
	}
	settle();
	moved = futex(&word, FUTEX_REQUEUE_PRIVATE, 0, (void *)(uintptr_t)10, &word2, 0);
	printf("REQUEUE 0 woken, rest moved: %ld\n", moved);
	woke = futex(&word2, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("WAKE after REQUEUE: woke=%ld returned=%d\n", woke, returned);

	/* WAKE_OP: word2 += 1 (old value 0 == 0, so waiters on word2 wake). */
	returned = 0;
	word2 = 0;
	wa[0] = (struct waiter_arg){&word, FUTEX_WAIT_PRIVATE, 0, 0};
	wa[1] = (struct waiter_arg){&word2, FUTEX_WAIT_PRIVATE, 0, 1};
	pthread_create(&t[0], NULL, waiter, &wa[0]);
	pthread_create(&t[1], NULL, waiter, &wa[1]);
	settle();
	long r = futex(&word, FUTEX_WAKE_OP_PRIVATE, 1, (void *)(uintptr_t)1, &word2,
		       FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 0));
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("WAKE_OP: woke=%ld word2=%u returned=%d\n", r, word2, returned);

	/* A WAIT without timeout interrupted by a handler: EINTR without
	 * SA_RESTART; with SA_RESTART the kernel restarts it and only the
	 * later FUTEX_WAKE ends it. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	returned = 0;
	pthread_t self = pthread_self(), kicker;
	pthread_create(&kicker, NULL, interrupt_main, &self);
	word = 0;
	r = futex(&word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	printf("WAIT interrupted by handler: %s\n", res(r));
	__atomic_store_n(&returned, 1, __ATOMIC_SEQ_CST);
	pthread_join(kicker, NULL);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	returned = 0;
	pthread_create(&kicker, NULL, signal_then_wake, &self);
	r = futex(&word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	__atomic_store_n(&returned, 1, __ATOMIC_SEQ_CST);
	pthread_join(kicker, NULL);
	printf("WAIT with SA_RESTART handler, then woken: %s\n", res(r));

	/* PI futexes. */
	uint32_t pi = 0;
	uint32_t tid = (uint32_t)syscall(SYS_gettid);
	r = futex(&pi, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	printf("LOCK_PI free: %s owner is me=%d\n", res(r), (pi & FUTEX_TID_MASK) == tid);
	printf("LOCK_PI again by owner: %s\n", res(futex(&pi, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0)));
	void *ret;
	pthread_create(&t[0], NULL, unlock_not_owner, &pi);
	pthread_join(t[0], &ret);
	printf("UNLOCK_PI by non-owner: %s\n", (long)ret == EPERM ? "EPERM" : (long)ret == 0 ? "0" : "other");
	results[0] = results[1] = results[2] = -99;
	pthread_create(&t[0], NULL, pi_contender, &pi);
	for (int i = 0; i < 5000 && !(__atomic_load_n(&pi, __ATOMIC_SEQ_CST) & FUTEX_WAITERS); i++)
		sleep_ms(1);
	printf("contender sets FUTEX_WAITERS: %d\n", (pi & FUTEX_WAITERS) != 0);
	printf("UNLOCK_PI with waiter: %s\n", res(futex(&pi, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0)));
	pthread_join(t[0], NULL);
	printf("contender: lock=%ld owned it=%ld unlock=%ld word now=%u\n", results[0], results[1], results[2], pi);
	pi = 0;
	printf("TRYLOCK_PI free: %s\n", res(futex(&pi, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0)));
	printf("TRYLOCK_PI sets my tid: %d\n", pi == tid);
	r = futex(&pi, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
	printf("UNLOCK_PI: %s word=%u\n", res(r), pi);

	/* futex_waitv: one of two words changes. */
	uint32_t v1 = 5, v2 = 6;
	struct waitv wv[2] = {
		{.val = 5, .uaddr = (uintptr_t)&v1, .flags = FUTEX_32 | FUTEX_PRIVATE_FLAG},
		{.val = 7, .uaddr = (uintptr_t)&v2, .flags = FUTEX_32 | FUTEX_PRIVATE_FLAG},
	};
	r = syscall(SYS_futex_waitv, wv, 2, 0, NULL, CLOCK_MONOTONIC);
	printf("futex_waitv stale second word: %s\n", res(r));
	wv[1].val = 6;
	struct timespec wdl = abs_in_ms(CLOCK_MONOTONIC, 30);
	r = syscall(SYS_futex_waitv, wv, 2, 0, &wdl, CLOCK_MONOTONIC);
	printf("futex_waitv timeout: %s\n", res(r));
	return 0;
}
