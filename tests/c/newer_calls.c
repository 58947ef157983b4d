// Calls of recent kernels: futex2's futex_wait/futex_wake/futex_requeue
// (a waiter woken by another thread, requeued waiters, the flag and mask
// rules), fchmodat2 (AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH), process_madvise
// and process_mrelease through pidfds. Run as root; argv[1] is a scratch
// directory to create.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "show.h"

#define NR_process_madvise 440
#define NR_process_mrelease 448
#define NR_pidfd_open 434
#define NR_fchmodat2 452
#define NR_futex_wake 454
#define NR_futex_wait 455
#define NR_futex_requeue 456
#define SIZE_U32 0x02
#define F2_PRIVATE 128

struct waitv {
	uint64_t val, uaddr;
	uint32_t flags, reserved;
};

static uint32_t word, word2;
static volatile int woke;

static void *waiter(void *arg) {
	long r = syscall(NR_futex_wait, &word, 0, 0xffffffff, SIZE_U32 | F2_PRIVATE, NULL, 0);
	__atomic_add_fetch(&woke, 1, __ATOMIC_SEQ_CST);
	(void)arg;
	(void)r;
	return NULL;
}

static void mode_of(const char *what, const char *p) {
	struct stat st;
	if (lstat(p, &st) != 0)
		printf("%s: errno %d\n", what, errno);
	else
		printf("%s: %o\n", what, st.st_mode & 07777);
}

int main(int argc, char **argv) {
	if (argc < 2)
		return 2;
	setvbuf(stdout, NULL, _IONBF, 0);

	// futex2.
	show("wait value differs", syscall(NR_futex_wait, &word, 1, 0xffffffff, SIZE_U32, NULL, 0));
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += 20 * 1000 * 1000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	show("wait times out", syscall(NR_futex_wait, &word, 0, 0xffffffff, SIZE_U32, &ts, CLOCK_MONOTONIC));
	show("wait bad clock", syscall(NR_futex_wait, &word, 0, 0xffffffff, SIZE_U32, &ts, CLOCK_BOOTTIME));
	show("wait size u64", syscall(NR_futex_wait, &word, 0, 0xffffffff, 0x03, NULL, 0));
	show("wait size u8", syscall(NR_futex_wait, &word, 0, 0xffffffff, 0x00, NULL, 0));
	static uint32_t pair[4] __attribute__((aligned(16))) = {5, 0xffffffff, 0, 0};
	show("wait numa, value differs", syscall(NR_futex_wait, pair, 0, 0xffffffff, SIZE_U32 | 4, NULL, 0));
	printf("  node filled in: %d\n", (int)pair[1]);
	pair[1] = 0xffffffff;
	show("wake numa", syscall(NR_futex_wake, pair, 0xffffffff, 1, SIZE_U32 | 4));
	printf("  node filled in: %d\n", (int)pair[1]);
	pair[1] = 7;
	show("wake numa, no such node", syscall(NR_futex_wake, pair, 0xffffffff, 1, SIZE_U32 | 4));
	show("wake numa, 4-byte aligned", syscall(NR_futex_wake, &pair[1], 0xffffffff, 1, SIZE_U32 | 4));
	show("wait bad flags", syscall(NR_futex_wait, &word, 0, 0xffffffff, SIZE_U32 | 0x100, NULL, 0));
	show("wait value beyond u32", syscall(NR_futex_wait, &word, 1UL << 32, 0xffffffff, SIZE_U32, NULL, 0));
	show("wait zero mask", syscall(NR_futex_wait, &word, 0, 0, SIZE_U32, NULL, 0));
	show("wait unaligned", syscall(NR_futex_wait, (char *)&word + 1, 0, 0xffffffff, SIZE_U32, NULL, 0));
	show("wait bad address", syscall(NR_futex_wait, (void *)16, 0, 0xffffffff, SIZE_U32, NULL, 0));
	show("wake nobody", syscall(NR_futex_wake, &word, 0xffffffff, 1, SIZE_U32 | F2_PRIVATE));
	show("wake zero mask", syscall(NR_futex_wake, &word, 0, 1, SIZE_U32));
	show("wake bad flags", syscall(NR_futex_wake, &word, 0xffffffff, 1, 0x03));
	pthread_t th[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, waiter, NULL);
	/* The waiters block at their own pace: repeat each step until it has
	 * reached them (bounded), so that the output never depends on timing. */
	long n = 0;
	for (int i = 0; i < 500 && n == 0; i++) {
		n = syscall(NR_futex_wake, &word, 0xffffffff, 1, SIZE_U32 | F2_PRIVATE);
		if (n == 0)
			usleep(10 * 1000);
	}
	printf("wake one: %ld\n", n);
	struct waitv rq[2] = {{0, (uint64_t)(uintptr_t)&word, SIZE_U32 | F2_PRIVATE, 0},
			      {0, (uint64_t)(uintptr_t)&word2, SIZE_U32 | F2_PRIVATE, 0}};
	rq[0].val = 1;
	show("requeue value differs", syscall(NR_futex_requeue, rq, 0, 0, 2));
	rq[0].val = 0;
	show("requeue bad flags", syscall(NR_futex_requeue, rq, 1, 0, 2));
	long moved = 0;
	for (int i = 0; i < 500 && moved < 2; i++) {
		long r = syscall(NR_futex_requeue, rq, 0, 0, 2);
		if (r > 0)
			moved += r;
		else
			usleep(10 * 1000);
	}
	printf("requeued: %ld\n", moved);
	show("wake on the old word", syscall(NR_futex_wake, &word, 0xffffffff, 10, SIZE_U32 | F2_PRIVATE));
	show("wake on the new word", syscall(NR_futex_wake, &word2, 0xffffffff, 10, SIZE_U32 | F2_PRIVATE));
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	printf("woke: %d\n", woke);

	// fchmodat2.
	char dir[512], f[512], l[512];
	snprintf(dir, sizeof dir, "%s", argv[1]);
	mkdir(dir, 0755);
	snprintf(f, sizeof f, "%s/file", dir);
	snprintf(l, sizeof l, "%s/link", dir);
	close(open(f, O_CREAT | O_WRONLY, 0644));
	symlink("file", l);
	show("fchmodat2", syscall(NR_fchmodat2, AT_FDCWD, f, 0600, 0));
	mode_of("file", f);
	show("fchmodat2 through a link", syscall(NR_fchmodat2, AT_FDCWD, l, 0640, 0));
	mode_of("file", f);
	show("fchmodat2 nofollow on a link", syscall(NR_fchmodat2, AT_FDCWD, l, 0600, AT_SYMLINK_NOFOLLOW));
	show("fchmodat2 nofollow on a file", syscall(NR_fchmodat2, AT_FDCWD, f, 0604, AT_SYMLINK_NOFOLLOW));
	mode_of("file", f);
	int fd = open(f, O_RDONLY);
	show("fchmodat2 empty path", syscall(NR_fchmodat2, fd, "", 0611, AT_EMPTY_PATH));
	mode_of("file", f);
	show("fchmodat2 empty path without the flag", syscall(NR_fchmodat2, fd, "", 0611, 0));
	show("fchmodat2 bad flags", syscall(NR_fchmodat2, AT_FDCWD, f, 0600, 0x1));
	close(fd);

	// process_madvise and process_mrelease.
	int self = syscall(NR_pidfd_open, getpid(), 0);
	char *m = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(m, 7, 4 * 4096);
	struct iovec iov[2] = {{m, 4096}, {m + 2 * 4096, 2 * 4096}};
	show("madvise self WILLNEED", syscall(NR_process_madvise, self, iov, 2, MADV_WILLNEED, 0));
	show("madvise self COLD", syscall(NR_process_madvise, self, iov, 2, MADV_COLD, 0));
	show("madvise self DONTNEED", syscall(NR_process_madvise, self, iov, 1, MADV_DONTNEED, 0));
	printf("  after DONTNEED: %d %d\n", m[0], m[2 * 4096]);
	show("madvise flags", syscall(NR_process_madvise, self, iov, 2, MADV_COLD, 1));
	show("madvise not a pidfd", syscall(NR_process_madvise, 1, iov, 2, MADV_COLD, 0));
	struct iovec hole[1] = {{(void *)4096, 4096}};
	show("madvise a hole", syscall(NR_process_madvise, self, hole, 1, MADV_COLD, 0));
	struct iovec part[2] = {{m, 4096}, {(void *)4096, 4096}};
	show("madvise partly a hole", syscall(NR_process_madvise, self, part, 2, MADV_COLD, 0));
	pid_t pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	int child = syscall(NR_pidfd_open, pid, 0);
	show("madvise child PAGEOUT", syscall(NR_process_madvise, child, iov, 2, MADV_PAGEOUT, 0));
	show("madvise child DONTNEED", syscall(NR_process_madvise, child, iov, 2, MADV_DONTNEED, 0));
	show("mrelease of a live process", syscall(NR_process_mrelease, child, 0));
	show("mrelease flags", syscall(NR_process_mrelease, child, 1));
	show("mrelease not a pidfd", syscall(NR_process_mrelease, 1, 0));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	show("madvise a reaped child", syscall(NR_process_madvise, child, iov, 2, MADV_COLD, 0));
	show("mrelease a reaped child", syscall(NR_process_mrelease, child, 0));
	return 0;
}
