/*
 * tty_winsz: prints its terminal's size (TIOCGWINSZ), says "ready", then
 * waits for SIGWINCH (the test resizes the pty) and prints the new size
 * from the handler's wake-up; exits 0 after the first change.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

static volatile sig_atomic_t winched;

static void on_winch(int sig)
{
	(void)sig;
	winched = 1;
}

static void show(const char *when)
{
	struct winsize ws;

	if (ioctl(0, TIOCGWINSZ, &ws) != 0) {
		perror("TIOCGWINSZ");
		return;
	}
	printf("%s: %d rows %d cols\n", when, ws.ws_row, ws.ws_col);
}

int main(void)
{
	sigset_t block, old;
	struct sigaction sa = {.sa_handler = on_winch};

	setvbuf(stdout, NULL, _IONBF, 0);
	sigemptyset(&block);
	sigaddset(&block, SIGWINCH);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigaction(SIGWINCH, &sa, NULL);
	show("start");
	printf("ready\n");
	while (!winched)
		sigsuspend(&old);
	show("SIGWINCH");
	return 0;
}
