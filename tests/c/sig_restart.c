/*
 * sig_restart: a blocking read from an empty pipe is interrupted by a
 * signal that another thread sends with pthread_kill. With SA_RESTART the
 * read resumes transparently and returns the data written later; without
 * it the read fails with EINTR. nanosleep and poll fail with EINTR even
 * with SA_RESTART (Linux never restarts them after a handler ran).
 *
 * To stay deterministic the helper keeps sending signals until the main
 * thread reports that it has been interrupted (or, with SA_RESTART, sends a
 * fixed number of them spaced out), and only then writes the data.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int fds[2];
static pthread_t main_thread;
static volatile int handled;
static volatile int main_returned;

static void on_usr1(int sig)
{
	(void)sig;
	__atomic_add_fetch(&handled, 1, __ATOMIC_SEQ_CST);
}

static void install(int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = flags;
	sigaction(SIGUSR1, &sa, NULL);
}

static void pause_ms(int ms)
{
	struct timespec ts = {0, ms * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* until_returned: signal the main thread until it reports an EINTR return. */
static void *until_returned(void *arg)
{
	int write_data = arg != NULL;
	pause_ms(20);
	while (!__atomic_load_n(&main_returned, __ATOMIC_SEQ_CST)) {
		pthread_kill(main_thread, SIGUSR1);
		pause_ms(20);
	}
	if (write_data)
		write(fds[1], "late", 4);
	return NULL;
}

/* several_then_data: several spaced signals, then the data. */
static void *several_then_data(void *arg)
{
	(void)arg;
	for (int i = 0; i < 5; i++) {
		pause_ms(20);
		pthread_kill(main_thread, SIGUSR1);
	}
	pause_ms(20);
	write(fds[1], "data", 4);
	return NULL;
}

static const char *result(long n, int err)
{
	static char buf[64];
	if (n >= 0)
		snprintf(buf, sizeof(buf), "%ld", n);
	else
		snprintf(buf, sizeof(buf), "-1 %s", err == EINTR ? "EINTR" : strerror(err));
	return buf;
}

int main(void)
{
	pthread_t t;
	char buf[16];
	long n;
	main_thread = pthread_self();
	if (pipe(fds) != 0) {
		perror("pipe");
		return 1;
	}

	/* With SA_RESTART: the read survives every signal. */
	install(SA_RESTART);
	pthread_create(&t, NULL, several_then_data, NULL);
	memset(buf, 0, sizeof(buf));
	n = read(fds[0], buf, sizeof(buf));
	printf("SA_RESTART read: %s data=%s handled>0=%d\n", result(n, errno), n > 0 ? buf : "",
	       handled > 0);
	pthread_join(t, NULL);

	/* Without SA_RESTART: EINTR, then the data. */
	install(0);
	handled = 0;
	main_returned = 0;
	pthread_create(&t, NULL, until_returned, (void *)1);
	n = read(fds[0], buf, sizeof(buf));
	int err = errno;
	__atomic_store_n(&main_returned, 1, __ATOMIC_SEQ_CST);
	printf("no SA_RESTART read: %s\n", result(n, err));
	pthread_join(t, NULL);
	memset(buf, 0, sizeof(buf));
	n = read(fds[0], buf, sizeof(buf));
	printf("second read: %s data=%s\n", result(n, errno), n > 0 ? buf : "");

	/* nanosleep: EINTR even with SA_RESTART, with the time left. */
	install(SA_RESTART);
	main_returned = 0;
	pthread_create(&t, NULL, until_returned, NULL);
	struct timespec req = {30, 0}, rem = {0, 0};
	n = nanosleep(&req, &rem);
	err = errno;
	__atomic_store_n(&main_returned, 1, __ATOMIC_SEQ_CST);
	pthread_join(t, NULL);
	printf("nanosleep: %s remaining in (20s,30s]=%d\n", result(n, err), rem.tv_sec >= 20 && rem.tv_sec <= 30);

	/* poll: EINTR even with SA_RESTART. */
	main_returned = 0;
	pthread_create(&t, NULL, until_returned, NULL);
	struct pollfd p = {.fd = fds[0], .events = POLLIN};
	n = poll(&p, 1, 30000);
	err = errno;
	__atomic_store_n(&main_returned, 1, __ATOMIC_SEQ_CST);
	pthread_join(t, NULL);
	printf("poll: %s\n", result(n, err));

	/* A signal whose handler is SIG_IGN never interrupts anything. */
	signal(SIGUSR1, SIG_IGN);
	pthread_create(&t, NULL, several_then_data, NULL);
	memset(buf, 0, sizeof(buf));
	n = read(fds[0], buf, sizeof(buf));
	printf("ignored signal read: %s data=%s\n", result(n, errno), n > 0 ? buf : "");
	pthread_join(t, NULL);
	return 0;
}
