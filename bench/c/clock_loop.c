/* clock_gettime(CLOCK_MONOTONIC) in a loop: prints the nanoseconds per call
 * measured around the loop only. Under Linux (and elfloader) the call is
 * served by the vDSO without entering the kernel. Usage: clock_loop [n] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	struct timespec a, b, t;
	long sum = 0;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		sum += t.tv_nsec & 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("%.1f ns/call (%ld calls, checksum %ld)\n", ns / n, n, sum % 7);
	return 0;
}
