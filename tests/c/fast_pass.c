// fast_pass: calls on host-backed descriptors (sockets, pipes, epoll) in
// loops long enough for their sites to be rewritten, so that elfloader's
// in-process platform passes them through to the host (docs/fastpath.md,
// "Pass-through"); every result is checked and the output must be the
// native run's. Scenarios (argv[1]):
//   io       reads, writes, readv/writev, send/recv, TCP_NODELAY/TCP_CORK,
//            EAGAIN, EBADF, ENOTSOCK and EFAULT on sockets and pipes
//   block    blocking reads and writes (a blocking write writes all),
//            O_NONBLOCK switched with fcntl
//   sigpipe  EPIPE with SIGPIPE on pipes and sockets, MSG_NOSIGNAL
//   epoll    ready events with their data, timeouts, a wait woken by
//            another thread and one interrupted by a signal
//   kick     signals sent to threads looping on such calls, or blocked in
//            epoll_wait: each one is delivered
//   close    descriptors closed and replaced while other threads use them
//   exit     the process exits while a thread waits in epoll_wait
//   closewait an epoll instance is closed while a thread waits in it
//   waits    threads blocked in read or recv (elfloader waits in the host
//            for them) get signals: with SA_RESTART the call goes on and
//            gets the data, without it ends with EINTR; a blocking write,
//            send or sendmsg that fills the socket ends short at a signal; a
//            receive timeout still ends a blocked read with EAGAIN
//   file DIR [existing]
//            fstat and newfstatat("", AT_EMPTY_PATH) of a regular file in
//            DIR (a host directory: elfloader passes them through; with
//            "existing" the file is there, 10000 bytes of the pattern,
//            and is left so), an append through another descriptor,
//            EFAULT, sendfile with and without an offset to non-blocking
//            and blocking sockets, EBADF for a read-only output, an owner
//            changed with chown (another directory's chowned before: a
//            server's temporary directory)
//   pread DIR
//            pread64 of a 1 MiB file made in DIR (the app's tmpfs, /tmp,
//            or a host directory: elfloader passes them through) in a
//            loop, with every result checked: short reads at the end,
//            EINVAL, EBADF, EFAULT, EISDIR, ESPIPE; a write through another
//            descriptor, a truncation and an unlink show; the access time
//            moves past a modification at the next read (relatime); an
//            inotify watch hears IN_ACCESS
//   fclose DIR
//            open, pread and close of a file in DIR in a loop (elfloader
//            defers such closes): the next open gets the closed number, a
//            closed descriptor gives EBADF, a dup keeps the file open,
//            /proc/self/fd lists what is open, two threads open and close
//            at once; an inotify watch hears IN_CLOSE_NOWRITE; closing any
//            descriptor of a file releases the process's record lock
//   reopen DIR
//            a file in DIR opened and closed in a loop, the same path
//            opened again (elfloader takes a deferred close back when the
//            open would give that file at that number): the description
//            is fresh after a read, an lseek or a dup of the old one; the
//            close-on-exec flag follows the new open's flags; the lowest
//            queued number comes first; a rename over the path and an
//            unlink show; an inotify watch hears IN_OPEN; a bad path
//            gives EFAULT
//   ident    getpid, gettid and getppid in loops: in the main thread, in
//            another thread, in a CLONE_VM child, and in a CLONE_VM
//            grandchild whose parent exits while it loops on getppid (it
//            must see the subreaper become its parent)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <dirent.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 2000

static void fail(const char *what) {
	printf("FAIL %s: %s\n", what, strerror(errno));
	exit(1);
}

static void check(int ok, const char *what) {
	if (!ok) {
		printf("FAIL %s (errno %s)\n", what, strerror(errno));
		exit(1);
	}
}

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void tcp_pair(int sv[2]) {
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	if (l < 0 || bind(l, (void *)&a, sizeof(a)) || listen(l, 1) || getsockname(l, (void *)&a, &al))
		fail("tcp listener");
	sv[0] = socket(AF_INET, SOCK_STREAM, 0);
	if (sv[0] < 0 || connect(sv[0], (void *)&a, sizeof(a)))
		fail("tcp connect");
	sv[1] = accept(l, NULL, NULL);
	if (sv[1] < 0)
		fail("accept");
	close(l);
}

static int io(void) {
	int sv[2], tc[2], pp[2], dg[2];
	char buf[64], a[8], b[8], c[8];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || pipe(pp) || socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, dg))
		fail("socketpair/pipe");
	tcp_pair(tc);
	for (int i = 0; i < ROUNDS; i++) {
		char msg[16];
		snprintf(msg, sizeof(msg), "m%014d", i);
		check(write(sv[1], msg, 16) == 16, "write socket");
		check(read(sv[0], buf, sizeof(buf)) == 16 && memcmp(buf, msg, 16) == 0, "read socket");
		struct iovec out[3] = {{"abc", 3}, {"defgh", 5}, {msg, 16}};
		check(writev(sv[0], out, 3) == 24, "writev socket");
		struct iovec in[3] = {{a, 8}, {b, 8}, {c, 8}};
		check(readv(sv[1], in, 3) == 24 && memcmp(a, "abcdefgh", 8) == 0 && memcmp(b, msg, 8) == 0, "readv socket");
		int one = i & 1, on = 1, off = 0;
		check(setsockopt(tc[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0, "TCP_NODELAY");
		check(setsockopt(tc[0], IPPROTO_TCP, TCP_CORK, &on, sizeof(on)) == 0, "TCP_CORK on");
		check(send(tc[0], msg, 16, 0) == 16, "send tcp");
		check(setsockopt(tc[0], IPPROTO_TCP, TCP_CORK, &off, sizeof(off)) == 0, "TCP_CORK off");
		int got = 0;
		while (got < 16) {
			ssize_t n = recv(tc[1], buf + got, 16 - got, 0);
			check(n > 0, "recv tcp");
			got += n;
		}
		check(memcmp(buf, msg, 16) == 0, "recv tcp data");
		check(write(pp[1], msg, 16) == 16, "write pipe");
		check(read(pp[0], buf, sizeof(buf)) == 16 && memcmp(buf, msg, 16) == 0, "read pipe");
		check(recv(sv[0], buf, 1, MSG_DONTWAIT) == -1 && errno == EAGAIN, "recv MSG_DONTWAIT empty");
		check(read(pp[1], buf, 1) == -1 && errno == EBADF, "read write end");
		check(recv(pp[0], buf, 1, MSG_DONTWAIT) == -1 && errno == ENOTSOCK, "recv pipe");
		check(setsockopt(sv[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1 && errno == EOPNOTSUPP, "TCP_NODELAY unix");
		/* Datagrams: an empty write sends an empty datagram, an empty
		 * writev nothing; an empty read takes nothing, an empty recv
		 * takes a datagram. */
		struct iovec none = {buf, 0};
		check(write(dg[0], buf, 0) == 0 && recv(dg[1], buf, sizeof(buf), 0) == 0, "empty write");
		check(writev(dg[0], &none, 1) == 0 && recv(dg[1], buf, sizeof(buf), 0) == -1 && errno == EAGAIN, "empty writev");
		check(write(dg[0], "xy", 2) == 2 && read(dg[1], buf, 0) == 0, "empty read");
		check(recv(dg[1], buf, 0, 0) == 0 && recv(dg[1], buf, 1, MSG_DONTWAIT) == -1 && errno == EAGAIN, "empty recv");
	}
	int fl = fcntl(sv[0], F_GETFL);
	check(fcntl(sv[0], F_SETFL, fl | O_NONBLOCK) == 0, "O_NONBLOCK");
	for (int i = 0; i < ROUNDS; i++)
		check(read(sv[0], buf, 1) == -1 && errno == EAGAIN, "read empty non-blocking");
	/* Bad pointers: EFAULT, and the data stays for the next read. */
	char *volatile bad = (char *)8;
	for (int i = 0; i < 50; i++) {
		check(write(sv[1], "zz", 2) == 2, "write before EFAULT");
		check(read(sv[0], bad, 2) == -1 && errno == EFAULT, "read EFAULT");
		check(read(sv[0], buf, 2) == 2 && memcmp(buf, "zz", 2) == 0, "read after EFAULT");
		check(write(sv[1], bad, 2) == -1 && errno == EFAULT, "write EFAULT");
	}
	printf("io ok\n");
	return 0;
}

struct blk {
	int fd;
	size_t total;
	int delay_ms;
};

static void *drain(void *arg) {
	struct blk *b = arg;
	static char buf[1 << 16];
	usleep(b->delay_ms * 1000);
	size_t got = 0;
	while (got < b->total) {
		ssize_t n = read(b->fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		got += n;
	}
	b->total = got;
	return NULL;
}

static void *late_write(void *arg) {
	struct blk *b = arg;
	usleep(b->delay_ms * 1000);
	if (write(b->fd, "late", 4) != 4)
		fail("late write");
	return NULL;
}

static int block(void) {
	int sv[2];
	char buf[16];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		fail("socketpair");
	/* Sites rewritten first (recv's has its number as an immediate with
	 * every libc, threads or not). */
	for (int i = 0; i < ROUNDS; i++) {
		check(write(sv[1], "x", 1) == 1, "write");
		check(recv(sv[0], buf, 1, 0) == 1, "recv");
	}
	for (int i = 0; i < 5; i++) {
		struct blk b = {sv[1], 0, 20};
		pthread_t th;
		pthread_create(&th, NULL, late_write, &b);
		check(recv(sv[0], buf, sizeof(buf), 0) == 4 && memcmp(buf, "late", 4) == 0, "blocking recv");
		pthread_join(th, NULL);
	}
	size_t total = 4 << 20;
	char *big = calloc(1, total);
	for (int i = 0; i < 3; i++) {
		struct blk b = {sv[0], total, 20};
		pthread_t th;
		pthread_create(&th, NULL, drain, &b);
		check(write(sv[1], big, total) == (ssize_t)total, "blocking write writes all");
		pthread_join(th, NULL);
		check(b.total == total, "drained all");
	}
	int fl = fcntl(sv[1], F_GETFL);
	check(fcntl(sv[1], F_SETFL, fl | O_NONBLOCK) == 0, "O_NONBLOCK on");
	ssize_t n = write(sv[1], big, total);
	check(n > 0 && n < (ssize_t)total, "non-blocking write is partial");
	check(write(sv[1], big, total) == -1 && errno == EAGAIN, "non-blocking write EAGAIN");
	{
		struct blk b = {sv[0], (size_t)n, 0};
		drain(&b);
	}
	check(fcntl(sv[1], F_SETFL, fl) == 0, "O_NONBLOCK off");
	{
		struct blk b = {sv[0], total, 20};
		pthread_t th;
		pthread_create(&th, NULL, drain, &b);
		check(write(sv[1], big, total) == (ssize_t)total, "blocking write again writes all");
		pthread_join(th, NULL);
	}
	printf("block ok\n");
	return 0;
}

static atomic_int signals;

static void count_signal(int sig) {
	(void)sig;
	atomic_fetch_add(&signals, 1);
}

static int sigpipe(void) {
	signal(SIGPIPE, count_signal);
	char buf[4] = "abc";
	int pp[2], sv[2];
	if (pipe(pp) || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		fail("pipe/socketpair");
	for (int i = 0; i < 100; i++)
		check(write(pp[1], buf, 1) == 1 && read(pp[0], buf, 1) == 1, "pipe round");
	close(pp[0]);
	for (int i = 0; i < 300; i++)
		check(write(pp[1], buf, 1) == -1 && errno == EPIPE, "pipe EPIPE");
	printf("pipe SIGPIPEs %d\n", atomic_exchange(&signals, 0));
	for (int i = 0; i < 100; i++)
		check(write(sv[1], buf, 1) == 1 && read(sv[0], buf, 1) == 1, "socket round");
	close(sv[0]);
	for (int i = 0; i < 300; i++)
		check(write(sv[1], buf, 1) == -1 && errno == EPIPE, "socket EPIPE");
	printf("socket SIGPIPEs %d\n", atomic_exchange(&signals, 0));
	for (int i = 0; i < 300; i++)
		check(send(sv[1], buf, 1, MSG_NOSIGNAL) == -1 && errno == EPIPE, "send MSG_NOSIGNAL EPIPE");
	printf("MSG_NOSIGNAL SIGPIPEs %d\n", atomic_exchange(&signals, 0));
	return 0;
}

static void *ping(void *arg) {
	struct blk *b = arg;
	usleep(b->delay_ms * 1000);
	if (write(b->fd, "p", 1) != 1)
		fail("ping");
	return NULL;
}

static int epoll(void) {
	int sv[2], ep = epoll_create1(EPOLL_CLOEXEC);
	char c;
	if (ep < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		fail("epoll/socketpair");
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1234567890abcdefull}, out[8];
	check(epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev) == 0, "epoll_ctl");
	check(write(sv[1], "x", 1) == 1, "write");
	for (int i = 0; i < ROUNDS; i++) {
		int n = i & 1 ? epoll_wait(ep, out, 8, -1) : epoll_pwait(ep, out, 8, 1000, NULL);
		check(n == 1 && out[0].data.u64 == 0x1234567890abcdefull && out[0].events == EPOLLIN, "ready event");
	}
	check(read(sv[0], &c, 1) == 1, "read");
	for (int i = 0; i < ROUNDS; i++)
		check(epoll_wait(ep, out, 8, 0) == 0, "nothing ready");
	double t0 = now();
	check(epoll_wait(ep, out, 8, 50) == 0, "timeout");
	check(now() - t0 >= 0.045, "waited the timeout");
	for (int i = 0; i < 5; i++) {
		struct blk b = {sv[1], 0, 20};
		pthread_t th;
		pthread_create(&th, NULL, ping, &b);
		check(epoll_wait(ep, out, 8, -1) == 1 && out[0].data.u64 == 0x1234567890abcdefull, "woken by a write");
		check(read(sv[0], &c, 1) == 1, "read ping");
		pthread_join(th, NULL);
	}
	struct sigaction sa = {.sa_handler = count_signal};
	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART: epoll_wait never restarts anyway */
	for (int i = 0; i < 5; i++) {
		struct itimerval it = {.it_value = {0, 20000}};
		setitimer(ITIMER_REAL, &it, NULL);
		check(epoll_wait(ep, out, 8, -1) == -1 && errno == EINTR, "interrupted wait");
	}
	printf("epoll ok, %d signals\n", atomic_exchange(&signals, 0));
	/* A sigmask for the wait: SIGALRM blocked outside, allowed inside. */
	sigset_t block_alrm, none;
	sigemptyset(&block_alrm);
	sigaddset(&block_alrm, SIGALRM);
	sigemptyset(&none);
	sigprocmask(SIG_BLOCK, &block_alrm, NULL);
	for (int i = 0; i < 3; i++) {
		struct itimerval it = {.it_value = {0, 20000}};
		setitimer(ITIMER_REAL, &it, NULL);
		check(epoll_pwait(ep, out, 8, -1, &none) == -1 && errno == EINTR, "pwait with a mask");
	}
	printf("epoll_pwait mask ok, %d signals\n", atomic_exchange(&signals, 0));
	return 0;
}

static atomic_int stop;
static int kick_sv[2];

static long spins;

static void *spin_io(void *arg) {
	(void)arg;
	char c;
	while (!atomic_load(&stop)) {
		spins++;
		/* send and recv: sites with the number as an immediate, which
		 * are rewritten while other threads run (read's is not). */
		if (send(kick_sv[1], "k", 1, 0) != 1 || recv(kick_sv[0], &c, 1, 0) != 1)
			fail("spin io");
	}
	return NULL;
}

static int kick_ep;

/* warm_epoll makes the calling thread's epoll_wait site a rewritten one
 * (a threaded glibc's is not the one main used before threads existed). */
static void warm_epoll(void) {
	struct epoll_event out[1];
	for (int i = 0; i < 100; i++)
		check(epoll_wait(kick_ep, out, 1, 0) == 0, "nothing ready");
}


static void *wait_forever(void *arg) {
	(void)arg;
	struct epoll_event out[1];
	int eintr = 0;
	warm_epoll();
	while (!atomic_load(&stop)) {
		int n = epoll_wait(kick_ep, out, 1, -1);
		if (n == -1 && errno == EINTR)
			eintr++;
	}
	return (void *)(long)eintr;
}

static int wait_signals(int want) {
	double t0 = now();
	while (atomic_load(&signals) < want) {
		if (now() - t0 > 10) {
			printf("FAIL signal %d not delivered\n", want);
			exit(1);
		}
		sched_yield();
	}
	return 0;
}

static int kick(void) {
	struct sigaction sa = {.sa_handler = count_signal};
	sigaction(SIGUSR1, &sa, NULL);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, kick_sv))
		fail("socketpair");
	pthread_t th;
	pthread_create(&th, NULL, spin_io, NULL);
	usleep(50000);
	for (int i = 1; i <= 300; i++) {
		pthread_kill(th, SIGUSR1);
		wait_signals(i);
	}
	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	printf("looping thread got %d signals\n", atomic_exchange(&signals, 0));
	if (getenv("FAST_PASS_DEBUG"))
		fprintf(stderr, "%ld rounds\n", spins);
	/* A thread blocked in epoll_wait (its site rewritten first). */
	int sv[2];
	kick_ep = epoll_create1(0);
	if (kick_ep < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		fail("epoll");
	struct epoll_event ev = {.events = EPOLLIN};
	epoll_ctl(kick_ep, EPOLL_CTL_ADD, sv[0], &ev);
	atomic_store(&stop, 0);
	pthread_create(&th, NULL, wait_forever, NULL);
	for (int i = 1; i <= 50; i++) {
		usleep(2000);
		pthread_kill(th, SIGUSR1);
		wait_signals(i);
	}
	atomic_store(&stop, 1);
	check(write(sv[1], "x", 1) == 1, "wake");
	void *eintr;
	pthread_join(th, &eintr);
	printf("waiting thread got %d signals, %s\n", atomic_exchange(&signals, 0), (long)eintr > 0 ? "EINTR" : "no EINTR");
	return 0;
}

static atomic_int racing_fd = -1;

static void *reader(void *arg) {
	(void)arg;
	char buf[8];
	long bad = 0;
	while (!atomic_load(&stop)) {
		ssize_t n = recv(atomic_load(&racing_fd), buf, sizeof(buf), 0);
		if (n < 0 && errno != EAGAIN && errno != EBADF)
			bad++;
	}
	return (void *)bad;
}

static int closes(void) {
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv))
		fail("socketpair");
	int fd = dup2(sv[0], 100);
	atomic_store(&racing_fd, fd);
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, reader, NULL);
	for (int i = 0; i < 2000; i++) {
		int p[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p))
			fail("socketpair");
		if (write(p[1], "data", 4) != 4)
			fail("write");
		if (i % 3 == 0)
			close(100);
		if (dup2(p[0], 100) != 100)
			fail("dup2");
		close(p[0]);
		close(p[1]);
	}
	atomic_store(&stop, 1);
	long bad = 0;
	for (int i = 0; i < 2; i++) {
		void *r;
		pthread_join(th[i], &r);
		bad += (long)r;
	}
	printf("close race: %ld unexpected errors\n", bad);
	return 0;
}

static void *block_forever(void *arg) {
	(void)arg;
	struct epoll_event out[1];
	warm_epoll();
	for (;;)
		epoll_wait(kick_ep, out, 1, -1);
	return NULL;
}

/* start_waiter makes kick_ep (watching a socket nothing is written to) and
 * a thread that waits in it for ever, and gives it time to start waiting. */
static void start_waiter(void) {
	int sv[2];
	kick_ep = epoll_create1(0);
	if (kick_ep < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		fail("epoll");
	struct epoll_event ev = {.events = EPOLLIN};
	epoll_ctl(kick_ep, EPOLL_CTL_ADD, sv[0], &ev);
	pthread_t th;
	pthread_create(&th, NULL, block_forever, NULL);
	usleep(50000);
}

static int exits(void) {
	start_waiter();
	printf("exiting with a thread in epoll_wait\n");
	fflush(stdout);
	exit(3);
}

static int closewait(void) {
	start_waiter();
	/* Natively the waiter keeps waiting (it holds the instance); the
	 * close must not wait for it. */
	check(close(kick_ep) == 0, "close epoll");
	printf("closed under a waiter\n");
	exit(0);
}

static int waits_sv[2];
static atomic_int waits_ready, waits_done;

struct waiter {
	int use_socket_call; /* recv/send (rewritten sites), else read/write (trapped in threads with glibc) */
	ssize_t ret;
	int err;
	int signals_seen; /* handlers run when the call returned */
	char buf[16];
};

/* warm makes the thread's read (recv) or write (send) site pass through
 * (rewritten, or a trapped site the handler passes), ROUNDS calls on a
 * pair of its own, then says the thread is about to block. */
static void warm(int use_socket_call, int writing) {
	int sv[2];
	char c;
	check(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	for (int i = 0; i < ROUNDS; i++) {
		ssize_t w = writing && use_socket_call ? send(sv[1], "x", 1, 0) : write(sv[1], "x", 1);
		ssize_t r = !writing && use_socket_call ? recv(sv[0], &c, 1, 0) : read(sv[0], &c, 1);
		check(w == 1 && r == 1, writing ? "warm the write" : "warm the read");
	}
	close(sv[0]);
	close(sv[1]);
	atomic_store(&waits_ready, 1);
}

/* returned records the blocked call's result and the handlers run by then. */
static void returned(struct waiter *w, ssize_t ret) {
	w->ret = ret;
	w->err = errno;
	w->signals_seen = atomic_load(&signals);
	atomic_store(&waits_done, 1);
}

static void *blocked_reader(void *arg) {
	struct waiter *w = arg;
	warm(w->use_socket_call, 0);
	returned(w, w->use_socket_call ? recv(waits_sv[0], w->buf, sizeof(w->buf), 0) : read(waits_sv[0], w->buf, sizeof(w->buf)));
	return NULL;
}

#define BIG_WRITE (8 << 20)

static void *blocked_writer(void *arg) {
	struct waiter *w = arg;
	char *big = calloc(1, BIG_WRITE);
	warm(w->use_socket_call, 1);
	struct iovec iov[2] = {{big, BIG_WRITE / 2}, {big + BIG_WRITE / 2, BIG_WRITE / 2}};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
	returned(w, w->use_socket_call == 2   ? sendmsg(waits_sv[1], &msg, 0)
		    : w->use_socket_call ? send(waits_sv[1], big, BIG_WRITE, 0)
					 : write(waits_sv[1], big, BIG_WRITE));
	free(big);
	return NULL;
}

/* interrupt starts fn in a thread, lets it block, and signals it: with
 * SA_RESTART 20 signals, then input; without, until the call returns. */
static struct waiter interrupt(void *(*fn)(void *), int use_socket_call, int restart) {
	struct sigaction sa = {.sa_handler = count_signal, .sa_flags = restart ? SA_RESTART : 0};
	sigaction(SIGUSR1, &sa, NULL);
	check(socketpair(AF_UNIX, SOCK_STREAM, 0, waits_sv) == 0, "socketpair");
	struct waiter w = {.use_socket_call = use_socket_call};
	atomic_store(&waits_ready, 0);
	atomic_store(&waits_done, 0);
	atomic_store(&signals, 0);
	pthread_t th;
	pthread_create(&th, NULL, fn, &w);
	while (!atomic_load(&waits_ready))
		usleep(1000);
	usleep(20000);
	if (restart) {
		for (int i = 1; i <= 20; i++) {
			pthread_kill(th, SIGUSR1);
			wait_signals(i);
			usleep(2000);
		}
		check(!atomic_load(&waits_done), "a restarted call goes on waiting");
		check(write(waits_sv[1], "data", 4) == 4, "write data");
	} else {
		while (!atomic_load(&waits_done)) {
			pthread_kill(th, SIGUSR1);
			usleep(5000);
		}
	}
	pthread_join(th, NULL);
	return w;
}

static int waits(void) {
	for (int sock = 0; sock <= 2; sock++) {
		struct waiter w;
		if (sock < 2) { /* 2: sendmsg alone */
			const char *call = sock ? "recv" : "read";
			w = interrupt(blocked_reader, sock, 1);
			check(w.ret == 4 && memcmp(w.buf, "data", 4) == 0, "a restarted read gets the data");
			close(waits_sv[0]);
			close(waits_sv[1]);
			w = interrupt(blocked_reader, sock, 0);
			check(w.ret == -1 && w.err == EINTR && w.signals_seen > 0, "a read without SA_RESTART ends with EINTR, after the handler");
			close(waits_sv[0]);
			close(waits_sv[1]);
			printf("blocked %s: restarted and interrupted\n", call);
		}

		w = interrupt(blocked_writer, sock, 0);
		check(w.ret > 0 && w.ret < BIG_WRITE && w.signals_seen > 0, "a signal ends a blocking write short, after its handler");
		check(fcntl(waits_sv[0], F_SETFL, O_NONBLOCK) == 0, "O_NONBLOCK");
		static char buf[1 << 16];
		ssize_t got = 0, n;
		while ((n = read(waits_sv[0], buf, sizeof(buf))) > 0)
			got += n;
		check(got == w.ret, "the reader gets what the short write wrote");
		close(waits_sv[0]);
		close(waits_sv[1]);
		printf("blocked %s: short at a signal\n", sock == 2 ? "sendmsg" : sock ? "send" : "write");
	}
	int sv[2];
	char c;
	check(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	for (int i = 0; i < ROUNDS; i++)
		check(write(sv[1], "x", 1) == 1 && recv(sv[0], &c, 1, 0) == 1, "warm recv");
	struct timeval tv = {.tv_usec = 50000};
	check(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0, "SO_RCVTIMEO");
	double t0 = now();
	check(recv(sv[0], &c, 1, 0) == -1 && errno == EAGAIN && now() - t0 >= 0.04, "a receive timeout ends the wait");
	printf("receive timeout: EAGAIN\n");

	/* An accepted socket inherits the listener's receive timeout. */
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	check(l >= 0 && setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0 && bind(l, (void *)&a, sizeof(a)) == 0 &&
	          listen(l, 1) == 0 && getsockname(l, (void *)&a, &al) == 0,
	      "listener with SO_RCVTIMEO");
	int cl = socket(AF_INET, SOCK_STREAM, 0);
	check(cl >= 0 && connect(cl, (void *)&a, sizeof(a)) == 0, "connect");
	int acc = accept(l, NULL, NULL);
	check(acc >= 0, "accept");
	for (int i = 0; i < ROUNDS; i++)
		check(write(cl, "x", 1) == 1 && recv(acc, &c, 1, 0) == 1, "warm recv on the accepted socket");
	t0 = now();
	check(recv(acc, &c, 1, 0) == -1 && errno == EAGAIN && now() - t0 >= 0.04, "the accepted socket times out too");
	printf("accepted socket: EAGAIN\n");
	return 0;
}

static const char *file_dir;
static int file_existing; /* the file is there (its pattern, 0644): leave it */

/* same_stat: the fields fstat and stat of a path agree on (the times of
 * a file nobody writes too). */
static int same_stat(const struct stat *a, const struct stat *b) {
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_mode == b->st_mode &&
	       a->st_nlink == b->st_nlink && a->st_uid == b->st_uid && a->st_gid == b->st_gid &&
	       a->st_size == b->st_size && a->st_blocks == b->st_blocks && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static void recv_all(int fd, char *buf, size_t n) {
	for (size_t got = 0; got < n;) {
		ssize_t r = read(fd, buf + got, n - got);
		check(r > 0, "read sent bytes");
		got += (size_t)r;
	}
}

static int file(void) {
	char path[4096];
	snprintf(path, sizeof(path), "%s/fast_pass_file", file_dir);
	static char data[10000], back[10000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + (i * 7) % 26);
	if (!file_existing) {
		int w = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
		check(w >= 0 && write(w, data, sizeof(data)) == (ssize_t)sizeof(data) && close(w) == 0, "write file");
	}
	/* A directory given another owner, as a server does with its
	 * temporary directories: the file's fstat is still the host's. */
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/fast_pass_dir", file_dir);
	struct stat by_path, st;
	check(mkdir(dir, 0755) == 0 && chown(dir, 4321, 4322) == 0 && stat(dir, &st) == 0 && st.st_uid == 4321,
	      "a directory chowned");
	int fd = open(path, O_RDONLY);
	check(fd >= 0, "open file");
	check(stat(path, &by_path) == 0, "stat path");
	for (int i = 0; i < ROUNDS; i++) {
		memset(&st, 0xa5, sizeof(st));
		check(fstat(fd, &st) == 0 && same_stat(&st, &by_path), "fstat agrees with stat");
		memset(&st, 0x5a, sizeof(st));
		check(syscall(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH) == 0 && same_stat(&st, &by_path),
		      "newfstatat \"\" agrees with stat");
		check(syscall(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0 && same_stat(&st, &by_path),
		      "newfstatat NOFOLLOW agrees");
	}
	check(syscall(SYS_fstat, fd, (void *)8) == -1 && errno == EFAULT, "fstat to a bad buffer: EFAULT");
	check(syscall(SYS_newfstatat, fd, "", (void *)8, AT_EMPTY_PATH) == -1 && errno == EFAULT, "newfstatat bad buffer");
	check(syscall(SYS_newfstatat, fd, (char *)8, &st, AT_EMPTY_PATH) == -1 && errno == EFAULT, "newfstatat bad path");
	check(syscall(SYS_newfstatat, fd, "x", &st, AT_EMPTY_PATH) == -1 && errno == ENOTDIR, "newfstatat relative to a file");
	check(syscall(SYS_newfstatat, fd, "", &st, 0) == -1 && errno == ENOENT, "newfstatat \"\" without AT_EMPTY_PATH");
	printf("fstat: size %lld, mode %o, nlink %ld\n", (long long)st.st_size, st.st_mode, (long)st.st_nlink);
	check(rmdir(dir) == 0, "rmdir");

	int sv[2];
	tcp_pair(sv);
	check(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0, "O_NONBLOCK");
	long sent_total = 0;
	for (int i = 0; i < ROUNDS / 4; i++) {
		off_t off = (i * 997) % 9000;
		ssize_t n = sendfile(sv[0], fd, &off, 1000);
		check(n > 0 && off == (i * 997) % 9000 + n, "sendfile with an offset");
		recv_all(sv[1], back, (size_t)n);
		check(memcmp(back, data + (i * 997) % 9000, (size_t)n) == 0, "sent bytes");
		sent_total += n;
	}
	check(lseek(fd, 0, SEEK_CUR) == 0, "sendfile with an offset keeps the file offset");
	off_t off = 9990;
	check(sendfile(sv[0], fd, &off, 100) == 10 && off == 10000, "sendfile up to the end");
	recv_all(sv[1], back, 10);
	check(sendfile(sv[0], fd, &off, 100) == 0 && off == 10000, "sendfile at the end");
	check(sendfile(sv[0], fd, (off_t *)8, 100) == -1 && errno == EFAULT, "sendfile bad offset: EFAULT");
	check(lseek(fd, 500, SEEK_SET) == 500, "lseek");
	check(sendfile(sv[0], fd, NULL, 300) == 300 && lseek(fd, 0, SEEK_CUR) == 800, "sendfile moves the file offset");
	recv_all(sv[1], back, 300);
	check(memcmp(back, data + 500, 300) == 0, "bytes from the file offset");
	off_t boff = 1234;
	check(sendfile(sv[1], fd, &boff, 1000) == 1000 && boff == 2234, "sendfile to a blocking socket");
	recv_all(sv[0], back, 1000);
	check(memcmp(back, data + 1234, 1000) == 0, "bytes sent to a blocking socket");
	check(sendfile(fd, fd, &off, 1) == -1 && errno == EBADF, "sendfile to a read-only file: EBADF");
	printf("sendfile: %ld bytes\n", sent_total);

	/* A write through another description (under an overlay root: the
	 * copy-up) shows in fstat of this one. */
	int w = open(path, O_WRONLY | O_APPEND);
	check(w >= 0 && write(w, "!", 1) == 1, "append");
	check(fstat(fd, &st) == 0 && st.st_size == 10001, "fstat sees the append");
	check(syscall(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH) == 0 && st.st_size == 10001, "newfstatat sees it");
	check(ftruncate(w, 10000) == 0 && close(w) == 0 && fstat(fd, &st) == 0 && st.st_size == 10000, "truncate back");

	if (geteuid() == 0) {
		check(chown(path, 4321, 4322) == 0, "chown");
		check(fstat(fd, &st) == 0 && st.st_uid == 4321 && st.st_gid == 4322, "fstat sees the new owner");
		check(syscall(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH) == 0 && st.st_uid == 4321, "newfstatat sees it");
		check(chown(path, 0, 0) == 0, "chown back");
	}
	printf("owner ok\n");
	close(fd);
	if (!file_existing)
		unlink(path);
	return 0;
}

static int preads(void) {
	enum { SIZE = 1 << 20, CHUNK = 4096 };
	char path[4096];
	snprintf(path, sizeof(path), "%s/fast_pass_pread", file_dir);
	static char data[SIZE], back[CHUNK * 2];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7 + i / 4096);
	int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
	int early = dup(fd); /* made while the file is empty */
	check(fd >= 0 && early >= 0 && write(fd, data, SIZE) == SIZE, "write the file");
	long sum = 0;
	for (int i = 0; i < 5 * ROUNDS; i++) {
		off_t off = ((off_t)i * 5003) % (SIZE - CHUNK);
		check(pread(fd, back, CHUNK, off) == CHUNK && memcmp(back, data + off, CHUNK) == 0, "pread");
		sum += back[0];
	}
	for (int i = 0; i < 2 * ROUNDS; i++) {
		off_t off = ((off_t)i * 7919) % (SIZE - CHUNK);
		check(pread(early, back, CHUNK, off) == CHUNK && memcmp(back, data + off, CHUNK) == 0, "pread of a dup");
	}
	check(close(early) == 0, "close the dup");
	check(lseek(fd, 0, SEEK_CUR) == SIZE, "pread leaves the file offset");
	check(pread(fd, back, CHUNK, SIZE - 100) == 100 && memcmp(back, data + SIZE - 100, 100) == 0, "pread short at the end");
	check(pread(fd, back, CHUNK, SIZE) == 0 && pread(fd, back, CHUNK, SIZE * 4) == 0, "pread at and past the end");
	check(pread(fd, back, 0, 0) == 0, "pread of nothing");
	check(pread(fd, back, CHUNK, -1) == -1 && errno == EINVAL, "pread negative offset: EINVAL");
	void *volatile bad = (void *)8;
	check(pread(fd, bad, CHUNK, 0) == -1 && errno == EFAULT, "pread to a bad buffer: EFAULT");
	int wr = open(path, O_WRONLY);
	check(wr >= 0 && pread(wr, back, CHUNK, 0) == -1 && errno == EBADF, "pread write-only: EBADF");
	int dir = open(file_dir, O_RDONLY | O_DIRECTORY);
	check(dir >= 0 && pread(dir, back, CHUNK, 0) == -1 && errno == EISDIR, "pread a directory: EISDIR");
	int p[2];
	check(pipe(p) == 0 && pread(p[0], back, CHUNK, 0) == -1 && errno == ESPIPE, "pread a pipe: ESPIPE");
	printf("pread: checksum %ld\n", sum % 1000);

	/* Changes through another descriptor show at once. */
	check(pwrite(wr, "changed", 7, 4096) == 7, "pwrite through another descriptor");
	for (int i = 0; i < 100; i++)
		check(pread(fd, back, 7, 4096) == 7 && memcmp(back, "changed", 7) == 0, "pread sees the write");
	/* relatime: the read after a modification moves atime past it. */
	struct stat st;
	check(fstat(fd, &st) == 0, "fstat");
	struct timespec mtime = st.st_mtim;
	check(pread(fd, back, 1, 0) == 1 && fstat(fd, &st) == 0, "pread, fstat");
	int atime_moved = st.st_atim.tv_sec > mtime.tv_sec || (st.st_atim.tv_sec == mtime.tv_sec && st.st_atim.tv_nsec >= mtime.tv_nsec);
	printf("atime at or past mtime after a read that followed a write: %d\n", atime_moved);
	check(ftruncate(wr, 100 << 10) == 0, "ftruncate");
	check(pread(fd, back, CHUNK, 200 << 10) == 0, "pread past the new end");
	check(pread(fd, back, CHUNK, (100 << 10) - 1024) == 1024, "pread short at the new end");
	/* IN_ACCESS for a watcher. */
	int in = inotify_init1(IN_NONBLOCK);
	int wd = inotify_add_watch(in, path, IN_ACCESS);
	check(in >= 0 && wd >= 0, "inotify watch");
	check(pread(fd, back, 16, 0) == 16, "pread watched");
	char ev[256];
	ssize_t got = read(in, ev, sizeof(ev));
	printf("inotify: IN_ACCESS %d\n", got >= (ssize_t)sizeof(struct inotify_event) && (((struct inotify_event *)ev)->mask & IN_ACCESS));
	close(in);
	check(unlink(path) == 0, "unlink");
	for (int i = 0; i < 100; i++)
		check(pread(fd, back, 16, 64) == 16 && memcmp(back, data + 64, 16) == 0, "pread of an unlinked file");
	close(wr);
	close(dir);
	close(fd);
	printf("pread: done\n");
	return 0;
}

static int count_fds(void) {
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		fail("opendir /proc/self/fd");
	int n = 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* write_pattern fills data (size bytes) with the alphabet from first and
 * writes it to a new file at path. */
static void write_pattern(const char *path, char *data, size_t size, char first) {
	for (size_t i = 0; i < size; i++)
		data[i] = (char)(first + i % 26);
	int w = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	check(w >= 0 && write(w, data, size) == (ssize_t)size && close(w) == 0, "write the file");
}

static char fclose_path[4096];

static void *fclose_loop(void *arg) {
	long ok = 1;
	char b[16];
	for (int i = 0; i < ROUNDS; i++) {
		int fd = open(fclose_path, O_RDONLY);
		ok &= fd >= 0 && pread(fd, b, sizeof b, 100) == (ssize_t)sizeof b && close(fd) == 0;
	}
	(void)arg;
	return (void *)ok;
}

static int fcloses(void) {
	snprintf(fclose_path, sizeof(fclose_path), "%s/fast_pass_close", file_dir);
	static char data[100000]; /* past tmpfs's 64 KiB in Go memory */
	write_pattern(fclose_path, data, sizeof(data), 'A');
	int before = count_fds();
	int first = open(fclose_path, O_RDONLY);
	check(first >= 0 && close(first) == 0, "open, close");
	char b[16];
	for (int i = 0; i < 3 * ROUNDS; i++) {
		int fd = open(fclose_path, O_RDONLY);
		check(fd == first, "the next open gets the closed descriptor");
		check(pread(fd, b, sizeof b, i % 9000) == (ssize_t)sizeof b && memcmp(b, data + i % 9000, sizeof b) == 0, "pread");
		check(close(fd) == 0, "close");
	}
	struct stat st;
	check(pread(first, b, 1, 0) == -1 && errno == EBADF, "pread of a closed descriptor: EBADF");
	check(fstat(first, &st) == -1 && errno == EBADF, "fstat of a closed descriptor: EBADF");
	check(close(first) == -1 && errno == EBADF, "close twice: EBADF");
	int fd = open(fclose_path, O_RDONLY), dup_fd = dup(fd);
	check(fd >= 0 && dup_fd >= 0 && close(fd) == 0, "dup, close");
	check(pread(dup_fd, b, sizeof b, 26) == (ssize_t)sizeof b && memcmp(b, data, sizeof b) == 0, "the dup still reads");
	check(close(dup_fd) == 0, "close the dup");
	printf("closes: /proc/self/fd unchanged %d\n", count_fds() == before);

	pthread_t th[2];
	void *ok[2];
	for (int i = 0; i < 2; i++)
		check(pthread_create(&th[i], NULL, fclose_loop, NULL) == 0, "pthread_create");
	for (int i = 0; i < 2; i++)
		check(pthread_join(th[i], &ok[i]) == 0, "pthread_join");
	printf("two threads: %d %d, /proc/self/fd unchanged %d\n", (int)(long)ok[0], (int)(long)ok[1], count_fds() == before);

	int in = inotify_init1(IN_NONBLOCK);
	check(in >= 0 && inotify_add_watch(in, fclose_path, IN_CLOSE_NOWRITE) >= 0, "inotify watch");
	fd = open(fclose_path, O_RDONLY);
	check(fd >= 0 && close(fd) == 0, "open, close watched");
	char ev[256];
	ssize_t got = read(in, ev, sizeof(ev));
	printf("inotify: IN_CLOSE_NOWRITE %d\n", got >= (ssize_t)sizeof(struct inotify_event) && (((struct inotify_event *)ev)->mask & IN_CLOSE_NOWRITE));
	close(in);

	/* A record lock goes with any close of the file (fcntl(2)), as a
	 * child sees it, told through a pipe and answering through another
	 * (warmed up first: the parent makes no other call meanwhile). */
	int locked = open(fclose_path, O_RDWR), other = open(fclose_path, O_RDONLY);
	struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	check(locked >= 0 && other >= 0 && fcntl(locked, F_SETLK, &lk) == 0, "lock");
	int go[2], back[2];
	check(pipe(go) == 0 && pipe(back) == 0, "pipes");
	pid_t child = fork();
	if (child == 0) {
		char c;
		for (int i = 0; i < ROUNDS; i++)
			if (write(back[1], "r", 1) != 1)
				_exit(2);
		for (int i = 0; i <= ROUNDS; i++)
			if (read(go[0], &c, 1) != 1)
				_exit(2);
		int cfd = open(fclose_path, O_RDWR);
		struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
		c = cfd >= 0 && fcntl(cfd, F_GETLK, &q) == 0 && q.l_type == F_UNLCK ? '1' : '0';
		_exit(write(back[1], &c, 1) == 1 ? 0 : 2);
	}
	check(child > 0, "fork");
	char c;
	for (int i = 0; i < ROUNDS; i++)
		check(read(back[0], &c, 1) == 1 && write(go[1], "w", 1) == 1, "warm the pipes");
	check(close(other) == 0, "close another descriptor");
	check(write(go[1], "x", 1) == 1 && read(back[0], &c, 1) == 1, "ask the child");
	int status;
	check(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0, "wait");
	printf("record lock released by closing another descriptor: %c\n", c);
	close(locked);
	check(unlink(fclose_path) == 0, "unlink");
	return 0;
}

static int reopens(void) {
	char path[4096], other[4096];
	snprintf(path, sizeof(path), "%s/fast_pass_reopen", file_dir);
	snprintf(other, sizeof(other), "%s/fast_pass_reopen.new", file_dir);
	static char data[100000]; /* past tmpfs's 64 KiB in Go memory */
	write_pattern(path, data, sizeof(data), 'a');
	char b[16];
	int first = open(path, O_RDONLY | O_NONBLOCK);
	check(first >= 0 && close(first) == 0, "open, close");
	struct stat st;
	int same = 1;
	for (int i = 0; i < 3 * ROUNDS; i++) {
		int fd = open(path, O_RDONLY | O_NONBLOCK);
		same &= fd == first && fstat(fd, &st) == 0 && st.st_size == sizeof(data) &&
			pread(fd, b, sizeof b, i % 4000) == (ssize_t)sizeof b && memcmp(b, data + i % 4000, sizeof b) == 0;
		check(close(fd) == 0, "close");
	}
	printf("reopen loop: same number and file %d\n", same);
	/* A bad path while a close is queued: EFAULT, and the close stays. */
	int fd = open(path, O_RDONLY | O_NONBLOCK);
	check(fd == first && close(fd) == 0, "open, close");
	errno = 0;
	printf("bad path: EFAULT %d\n", syscall(SYS_openat, AT_FDCWD, (char *)8, O_RDONLY | O_NONBLOCK) == -1 && errno == EFAULT);
	printf("after it: EBADF %d\n", fstat(first, &st) == -1 && errno == EBADF);

	/* The offset and flags of a reopened file are a fresh open's. */
	fd = open(path, O_RDONLY | O_NONBLOCK);
	check(fd == first && read(fd, b, 5) == 5 && close(fd) == 0, "read 5");
	fd = open(path, O_RDONLY | O_NONBLOCK);
	printf("after a read: reads from 0 %d\n", fd == first && read(fd, b, 3) == 3 && memcmp(b, data, 3) == 0);
	check(close(fd) == 0, "close");
	fd = open(path, O_RDONLY | O_NONBLOCK);
	check(fd == first && lseek(fd, 100, SEEK_SET) == 100 && close(fd) == 0, "lseek");
	fd = open(path, O_RDONLY | O_NONBLOCK);
	printf("after an lseek: offset %ld\n", (long)lseek(fd, 0, SEEK_CUR));
	check(close(fd) == 0, "close");
	fd = open(path, O_RDONLY | O_NONBLOCK);
	check(fd == first && fcntl(fd, F_SETFL, 0) == 0 && close(fd) == 0, "F_SETFL");
	fd = open(path, O_RDONLY | O_NONBLOCK);
	printf("after F_SETFL: O_NONBLOCK %d\n", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
	check(close(fd) == 0, "close");
	fd = open(path, O_RDONLY | O_NONBLOCK);
	int dup_fd = dup(fd);
	check(fd == first && dup_fd > fd && read(dup_fd, b, 7) == 7 && close(fd) == 0, "dup, read");
	fd = open(path, O_RDONLY | O_NONBLOCK);
	printf("after a dup: own offset %d\n", fd == first && read(fd, b, 2) == 2 && memcmp(b, data, 2) == 0 &&
		lseek(dup_fd, 0, SEEK_CUR) == 7);
	check(close(fd) == 0 && close(dup_fd) == 0, "close both");

	/* The close-on-exec flag is the open's. */
	for (int i = 0; i < 4; i++) {
		fd = open(path, O_RDONLY | (i % 2 ? O_CLOEXEC : 0));
		int cloexec = (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0;
		check(fd == first && cloexec == i % 2 && close(fd) == 0, "O_CLOEXEC follows the open");
	}
	for (int i = 0; i < ROUNDS; i++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		check(fd == first && close(fd) == 0, "a loop with O_CLOEXEC");
	}
	fd = open(path, O_RDONLY);
	printf("O_CLOEXEC after a loop with it: %d\n", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	check(close(fd) == 0, "close");

	/* Two files closed: the lowest number comes back first. */
	int lo = open(path, O_RDONLY | O_NONBLOCK), hi = open(path, O_RDONLY | O_NONBLOCK);
	check(lo == first && hi > lo, "two opens");
	int ok = 1;
	for (int i = 0; i < ROUNDS; i++) {
		ok &= close(hi) == 0 && close(lo) == 0;
		int a = open(path, O_RDONLY | O_NONBLOCK), c = open(path, O_RDONLY | O_NONBLOCK);
		ok &= a == lo && c == hi;
	}
	printf("two closed: lowest first %d\n", ok);
	check(close(hi) == 0 && close(lo) == 0, "close both");

	/* Renamed over, then unlinked. */
	int w = open(other, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	check(w >= 0 && write(w, "REPLACED", 8) == 8 && close(w) == 0, "write the other file");
	fd = open(path, O_RDONLY | O_NONBLOCK);
	check(fd == first && close(fd) == 0, "open, close");
	check(rename(other, path) == 0, "rename");
	fd = open(path, O_RDONLY | O_NONBLOCK);
	printf("after a rename over it: %d\n", fd == first && pread(fd, b, 8, 0) == 8 && memcmp(b, "REPLACED", 8) == 0);
	check(close(fd) == 0, "close");
	int in = inotify_init1(IN_NONBLOCK);
	check(in >= 0 && inotify_add_watch(in, path, IN_OPEN) >= 0, "inotify watch");
	fd = open(path, O_RDONLY | O_NONBLOCK);
	check(fd >= 0 && close(fd) == 0, "open, close watched");
	char ev[256];
	ssize_t got = read(in, ev, sizeof(ev));
	printf("inotify: IN_OPEN %d\n", got >= (ssize_t)sizeof(struct inotify_event) && (((struct inotify_event *)ev)->mask & IN_OPEN));
	close(in);
	fd = open(path, O_RDONLY | O_NONBLOCK);
	check(fd >= 0 && close(fd) == 0 && unlink(path) == 0, "unlink");
	fd = open(path, O_RDONLY | O_NONBLOCK);
	printf("after an unlink: ENOENT %d\n", fd == -1 && errno == ENOENT);
	return 0;
}

/* The ident scenario's CLONE_VM children share these (they run on the
 * parent's TLS: they call nothing that sets errno). */
static char ident_stack_b[64 << 10] __attribute__((aligned(16)));
static char ident_stack_c[64 << 10] __attribute__((aligned(16)));
static atomic_int ident_b_pid, ident_b_ppid, ident_c_pid, ident_c_calls, ident_c_new_ppid;

static int ident_c(void *arg) {
	(void)arg;
	int b = getppid();
	ident_c_pid = getpid();
	/* Until B is gone (bounded: about ten seconds natively). */
	for (int i = 0; i < 1000000000; i++) {
		int p = getppid();
		ident_c_calls = i + 1;
		if (p != b) {
			ident_c_new_ppid = p;
			return 0;
		}
		if (i % 1024 == 1023) {
			struct timespec ts = {0, 100000};
			nanosleep(&ts, NULL);
		}
	}
	return 1;
}

static int ident_b(void *arg) {
	(void)arg;
	ident_b_pid = getpid();
	ident_b_ppid = getppid();
	if (clone(ident_c, ident_stack_c + sizeof ident_stack_c, CLONE_VM | SIGCHLD, NULL) < 0)
		return 1;
	while (ident_c_calls < 5000)
		sched_yield();
	return 0; /* C is orphaned while it loops */
}

static void *ident_thread(void *arg) {
	int pid = *(int *)arg, tid = gettid(), ok = tid != pid && tid > 0;
	for (int i = 0; i < 5 * ROUNDS; i++)
		ok &= getpid() == pid && gettid() == tid;
	return (void *)(long)ok;
}

static int ident(void) {
	int pid = getpid(), ppid = getppid(), ok = gettid() == pid;
	for (int i = 0; i < 5 * ROUNDS; i++)
		ok &= getpid() == pid && gettid() == pid && getppid() == ppid;
	printf("main thread: stable %d\n", ok);
	pthread_t th;
	void *thread_ok;
	if (pthread_create(&th, NULL, ident_thread, &pid) != 0 || pthread_join(th, &thread_ok) != 0)
		fail("pthread");
	printf("thread: own tid, same pid %d\n", (int)(long)thread_ok);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
		fail("PR_SET_CHILD_SUBREAPER");
	int b = clone(ident_b, ident_stack_b + sizeof ident_stack_b, CLONE_VM | SIGCHLD, NULL);
	if (b < 0)
		fail("clone");
	int st;
	if (waitpid(b, &st, 0) != b)
		fail("waitpid B");
	printf("clone child: pid %d, parent %d, status %d\n", ident_b_pid == b, ident_b_ppid == pid, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	int c = waitpid(-1, &st, 0);
	printf("orphan: reaped by the subreaper %d, status %d, saw its new parent %d after %s calls\n", c == ident_c_pid,
	       WIFEXITED(st) ? WEXITSTATUS(st) : -1, ident_c_new_ppid == pid, ident_c_calls >= 5000 ? ">=5000" : "<5000");
	for (int i = 0; i < ROUNDS; i++)
		ok &= getpid() == pid && getppid() == ppid;
	printf("main thread after: stable %d\n", ok);
	return 0;
}

int main(int argc, char **argv) {
	static const struct {
		const char *name;
		int (*run)(void);
	} scenarios[] = {
	    {"io", io}, {"block", block}, {"sigpipe", sigpipe}, {"epoll", epoll},
	    {"kick", kick}, {"close", closes}, {"exit", exits}, {"closewait", closewait},
	    {"waits", waits}, {"file", file}, {"ident", ident},
	    {"pread", preads}, {"fclose", fcloses}, {"reopen", reopens},
	};
	setvbuf(stdout, NULL, _IOLBF, 0);
	file_dir = argc > 2 ? argv[2] : ".";
	file_existing = argc > 3 && !strcmp(argv[3], "existing");
	for (size_t i = 0; argc > 1 && i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (!strcmp(argv[1], scenarios[i].name))
			return scenarios[i].run();
	return 2;
}
