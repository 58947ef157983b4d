/* Static hello world: the start-up benchmark's program. */
#include <stdio.h>

int main(void) {
	puts("hello, world");
	return 0;
}
