/*
 * args: prints what a program receives from the loader: argc, argv, the
 * environment entries starting with TEST_ (sorted), and auxiliary vector
 * entries whose values are the same natively and under a loader given the
 * same argv and environment. Address-valued entries are only checked for
 * being non-zero.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

extern char **environ;

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *str_or_null(unsigned long v)
{
	return v ? (const char *)v : "(null)";
}

int main(int argc, char **argv)
{
	printf("argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	if (argv[argc] != NULL)
		printf("FAIL argv[argc] is not NULL\n");

	size_t n = 0;
	for (char **e = environ; *e; e++)
		n++;
	char **env = calloc(n + 1, sizeof(char *));
	size_t kept = 0;
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "TEST_", 5) == 0)
			env[kept++] = *e;
	qsort(env, kept, sizeof(char *), cmp);
	printf("env count=%zu\n", kept);
	for (size_t i = 0; i < kept; i++)
		printf("env %s\n", env[i]);
	free(env);

	printf("AT_PAGESZ=%lu\n", getauxval(AT_PAGESZ));
	printf("AT_PHENT=%lu\n", getauxval(AT_PHENT));
	printf("AT_PHNUM=%lu\n", getauxval(AT_PHNUM));
	printf("AT_CLKTCK=%lu\n", getauxval(AT_CLKTCK));
	printf("AT_SECURE=%lu\n", getauxval(AT_SECURE));
	printf("AT_UID=%lu\n", getauxval(AT_UID));
	printf("AT_EUID=%lu\n", getauxval(AT_EUID));
	printf("AT_GID=%lu\n", getauxval(AT_GID));
	printf("AT_EGID=%lu\n", getauxval(AT_EGID));
	printf("AT_RANDOM nonzero=%d\n", getauxval(AT_RANDOM) != 0);
	printf("AT_PHDR nonzero=%d\n", getauxval(AT_PHDR) != 0);
	printf("AT_ENTRY nonzero=%d\n", getauxval(AT_ENTRY) != 0);
	printf("AT_EXECFN nonzero=%d\n", getauxval(AT_EXECFN) != 0);
	printf("AT_PLATFORM nonzero=%d\n", getauxval(AT_PLATFORM) != 0);
	printf("AT_HWCAP nonzero=%d\n", getauxval(AT_HWCAP) != 0);
	printf("AT_EXECFN=%s\n", str_or_null(getauxval(AT_EXECFN)));
	printf("AT_PLATFORM=%s\n", str_or_null(getauxval(AT_PLATFORM)));
	return 0;
}
