/*
 * tls: exercises the static TLS block the loader sets up: initialised
 * (.tdata) and zero (.tbss) thread-local variables, an over-aligned one,
 * and a counter incremented in a loop through its TLS address.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static __thread long counter;
static __thread int initialised = 42;
static __thread char greeting[32] = "tls-initialised";
static __thread long zeros[256];
static __thread char aligned64[8] __attribute__((aligned(64))) = "al";

/* bump is not inlined so that every increment goes through the TLS slot. */
__attribute__((noinline)) static void bump(long by)
{
	counter += by;
	__asm__ volatile("" ::: "memory");
}

int main(void)
{
	int ok = 1;

	printf("initialised=%d\n", initialised);
	printf("greeting=%s\n", greeting);

	long nonzero = 0;
	for (size_t i = 0; i < sizeof(zeros) / sizeof(zeros[0]); i++)
		nonzero += zeros[i] != 0;
	printf("tbss nonzero words=%ld\n", nonzero);
	ok &= nonzero == 0;

	int aligned = ((uintptr_t)aligned64 % 64) == 0;
	printf("aligned64 aligned=%d value=%s\n", aligned, aligned64);
	ok &= aligned;

	for (long i = 0; i < 1000000; i++)
		bump(1);
	printf("counter=%ld\n", counter);
	ok &= counter == 1000000;

	initialised += 8;
	strcpy(greeting, "tls-changed");
	zeros[255] = 7;
	printf("after writes: initialised=%d greeting=%s zeros[255]=%ld\n",
	       initialised, greeting, zeros[255]);

	printf(ok ? "tls ok\n" : "FAIL tls\n");
	return ok ? 0 : 1;
}
