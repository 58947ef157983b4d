/* glibc's getppid() in a loop: prints the nanoseconds per call measured
 * around the loop only ("X ns/call"). Usage: getppid_loop [iterations] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	long sum = 0;
	for (long i = 0; i < n; i++) sum += getppid();
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("%.1f ns/call (%ld calls, checksum %ld)\n", ns / n, n, sum % 7 != 0);
	return 0;
}
