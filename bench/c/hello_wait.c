/* Static hello world that stays: prints its line, then waits for the end
 * of its input, so that the benchmark can read its memory while it idles
 * (the dirty-* workloads). */
#include <stdio.h>
#include <unistd.h>

int main(void) {
	char buf[64];
	puts("hello, world");
	fflush(stdout);
	while (read(0, buf, sizeof buf) > 0)
		;
	return 0;
}
