// show prints a call's result the way the breadth programs compare it
// with the native run: the value, or -1 and errno.
#ifndef ELFLOADER_TESTS_SHOW_H
#define ELFLOADER_TESTS_SHOW_H
#include <errno.h>
#include <stdio.h>

static void show(const char *what, long r) {
	if (r < 0)
		printf("%s: -1 errno %d\n", what, errno);
	else
		printf("%s: %ld\n", what, r);
}
#endif
