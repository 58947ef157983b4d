/*
 * thr_prodcons: a bounded buffer guarded by one mutex and two condition
 * variables, filled by 4 producer threads and drained by 4 consumer threads
 * (8 threads in all). Each producer sends a fixed sequence and each consumer
 * folds what it receives into a commutative checksum, so the printed totals
 * do not depend on scheduling.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define PRODUCERS 4
#define CONSUMERS 4
#define ITEMS_PER_PRODUCER 20000
#define CAPACITY 16
#define POISON UINT64_MAX

static uint64_t ring[CAPACITY];
static unsigned head, tail, count;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;

struct consumer_result {
	uint64_t items;
	uint64_t sum;
	uint64_t mix;
};

static void put(uint64_t v)
{
	pthread_mutex_lock(&lock);
	while (count == CAPACITY)
		pthread_cond_wait(&not_full, &lock);
	ring[tail] = v;
	tail = (tail + 1) % CAPACITY;
	count++;
	pthread_cond_signal(&not_empty);
	pthread_mutex_unlock(&lock);
}

static uint64_t get(void)
{
	pthread_mutex_lock(&lock);
	while (count == 0)
		pthread_cond_wait(&not_empty, &lock);
	uint64_t v = ring[head];
	head = (head + 1) % CAPACITY;
	count--;
	pthread_cond_signal(&not_full);
	pthread_mutex_unlock(&lock);
	return v;
}

/* scramble is a 64-bit mixer, so that the xor checksum sees every bit. */
static uint64_t scramble(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static void *producer(void *arg)
{
	uint64_t id = (uintptr_t)arg;
	for (uint64_t i = 0; i < ITEMS_PER_PRODUCER; i++)
		put(id * 1000000 + i);
	return NULL;
}

static void *consumer(void *arg)
{
	struct consumer_result *r = arg;
	for (;;) {
		uint64_t v = get();
		if (v == POISON)
			return NULL;
		r->items++;
		r->sum += v;
		r->mix ^= scramble(v);
	}
}

int main(void)
{
	pthread_t prod[PRODUCERS], cons[CONSUMERS];
	struct consumer_result results[CONSUMERS] = {0};

	for (int i = 0; i < CONSUMERS; i++)
		if (pthread_create(&cons[i], NULL, consumer, &results[i]) != 0) {
			puts("pthread_create consumer failed");
			return 1;
		}
	for (int i = 0; i < PRODUCERS; i++)
		if (pthread_create(&prod[i], NULL, producer, (void *)(uintptr_t)(i + 1)) != 0) {
			puts("pthread_create producer failed");
			return 1;
		}
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(prod[i], NULL);
	for (int i = 0; i < CONSUMERS; i++)
		put(POISON);
	for (int i = 0; i < CONSUMERS; i++)
		pthread_join(cons[i], NULL);

	uint64_t items = 0, sum = 0, mix = 0;
	for (int i = 0; i < CONSUMERS; i++) {
		items += results[i].items;
		sum += results[i].sum;
		mix ^= results[i].mix;
	}
	uint64_t want_sum = 0, want_mix = 0;
	for (uint64_t id = 1; id <= PRODUCERS; id++)
		for (uint64_t i = 0; i < ITEMS_PER_PRODUCER; i++) {
			want_sum += id * 1000000 + i;
			want_mix ^= scramble(id * 1000000 + i);
		}
	printf("items=%llu sum=%llu mix=%016llx\n", (unsigned long long)items,
	       (unsigned long long)sum, (unsigned long long)mix);
	printf("buffer empty=%d\n", count == 0);
	int ok = items == (uint64_t)PRODUCERS * ITEMS_PER_PRODUCER && sum == want_sum && mix == want_mix;
	printf("checksum %s\n", ok ? "ok" : "WRONG");
	return ok ? 0 : 1;
}
