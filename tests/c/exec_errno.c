/* execve of files that cannot be run: each failure must come back to the
 * caller with Linux's errno, and the caller goes on. Usage:
 *   exec_errno PATH... [--self]
 * tries execve(PATH, {PATH}, environ) for each PATH and prints the errno by
 * name (the file's base name only, so that the output does not depend on
 * where the files live); then execve(NULL) (EFAULT); then, with --self,
 * re-executes itself through /proc/self/exe, which prints one line. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static const char *errname(int e) {
	switch (e) {
	case ENOENT: return "ENOENT";
	case EACCES: return "EACCES";
	case ENOEXEC: return "ENOEXEC";
	case ELOOP: return "ELOOP";
	case ELIBBAD: return "ELIBBAD";
	case ENOTDIR: return "ENOTDIR";
	case EFAULT: return "EFAULT";
	case EPERM: return "EPERM";
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	case E2BIG: return "E2BIG";
	case ETXTBSY: return "ETXTBSY";
	}
	return "other";
}

static const char *base(const char *p) {
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

int main(int argc, char **argv) {
	if (argc == 2 && strcmp(argv[1], "reexec") == 0) {
		printf("re-executed through /proc/self/exe\n");
		return 0;
	}
	int self = 0, failed = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--self") == 0) {
			self = 1;
			continue;
		}
		char *args[] = {argv[i], NULL};
		errno = 0;
		fflush(stdout);
		int r = execve(argv[i], args, environ);
		failed++;
		printf("%s: execve returned %d, errno %s\n", base(argv[i]), r, errname(errno));
	}
	errno = 0;
	const char *volatile no_path = NULL; /* hidden from -Wnonnull */
	int r = execve(no_path, argv, environ);
	failed++;
	printf("NULL: execve returned %d, errno %s\n", r, errname(errno));
	printf("still running after %d failed execs\n", failed);
	if (self) {
		char *args[] = {argv[0], "reexec", NULL};
		fflush(stdout);
		execve("/proc/self/exe", args, environ);
		printf("/proc/self/exe: errno %s\n", errname(errno));
		return 1;
	}
	return 0;
}
