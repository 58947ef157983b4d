/* The demo program: a static C hello world. */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
	printf("hello from %s, pid %d, running on elfloader's kernel\n", argv[0], getpid());
	return 0;
}
