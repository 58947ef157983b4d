/*
 * tty_raw MODE: switches its terminal (stdin) to raw mode with tcsetattr,
 * reads the mode back, reads one key (delivered at once, without a line
 * end, in raw mode) and then ends without restoring the terminal:
 * MODE "exit" exits with status 3, "kill" raises SIGKILL, "segv" dies of
 * SIGSEGV (or the test sends SIGTERM while it waits for the key). The test
 * checks that elfloader restores the terminal's mode.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static void show(const char *when)
{
	struct termios t;

	if (tcgetattr(0, &t) != 0) {
		perror("tcgetattr");
		return;
	}
	printf("%s: icanon %d echo %d isig %d opost %d\r\n", when, !!(t.c_lflag & ICANON), !!(t.c_lflag & ECHO),
	       !!(t.c_lflag & ISIG), !!(t.c_oflag & OPOST));
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "exit";
	struct termios t;
	char key;

	setvbuf(stdout, NULL, _IONBF, 0);
	show("before");
	tcgetattr(0, &t);
	cfmakeraw(&t);
	if (tcsetattr(0, TCSAFLUSH, &t) != 0)
		perror("tcsetattr");
	show("raw");
	if (read(0, &key, 1) != 1)
		return 1;
	printf("key %c\r\n", key);
	if (strcmp(mode, "kill") == 0)
		raise(SIGKILL);
	if (strcmp(mode, "segv") == 0)
		*(volatile int *)16 = 1;
	return 3;
}
