/* Process-shared futexes and SysV shared memory across fork, as PostgreSQL
 * uses them (POSIX unnamed semaphores in shared memory, shmat'd segments
 * inherited by the postmaster's children).
 *
 * A shared futex is the page behind the address, not the address: a child
 * waits on a word of MAP_SHARED memory, the parent wakes it through its own
 * mapping of the same memory, at the same address (anonymous memory
 * inherited by fork, also when the child split its mapping), at another
 * address (a file mapped twice; a SysV segment attached twice), and a
 * FUTEX_PRIVATE_FLAG wake from another process must find nobody.
 * SysV attachments are inherited by fork: shm_nattch counts them and the
 * child's shmdt of an inherited attachment works.
 * argv[1]: a scratch file path. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096
/* linux/futex.h is not in musl's headers */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)

static void check(int ok, const char *what) {
	if (!ok) {
		printf("FAIL %s (errno %d)\n", what, errno);
		exit(1);
	}
}

static long futex(uint32_t *word, int op, uint32_t val) {
	return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

/* child_wait is the child's side: wait (shared, no timeout) while *word is
 * 0, then report how it ended in its exit status: 0 woken, 1 other. */
static void child_wait(uint32_t *word) {
	while (__atomic_load_n(word, __ATOMIC_SEQ_CST) == 0) {
		long r = futex(word, FUTEX_WAIT, 0);
		if (r != 0 && errno != EAGAIN && errno != EINTR)
			_exit(1);
	}
	_exit(0);
}

static void pause_ms(long ms) {
	struct timespec ts = {0, ms * 1000000L};
	nanosleep(&ts, NULL);
}

/* wake_child wakes the child waiting at its mapping of word: it retries
 * until a shared FUTEX_WAKE through the parent's mapping finds the waiter
 * (the child may not be asleep yet), trying a private wake first each time,
 * which must find nobody in another process. It then sets the word, so the
 * child leaves, and reports the child's status. */
static void wake_child(const char *name, pid_t pid, uint32_t *word) {
	long woken = 0, private_woken = 0;
	for (int i = 0; i < 3000 && woken == 0; i++) {
		private_woken += futex(word, FUTEX_WAKE_PRIVATE, 1);
		woken = futex(word, FUTEX_WAKE, 1);
		if (woken == 0)
			pause_ms(2);
	}
	__atomic_store_n(word, 1, __ATOMIC_SEQ_CST);
	futex(word, FUTEX_WAKE, 1);
	if (woken == 0)
		kill(pid, SIGKILL);
	int st;
	check(waitpid(pid, &st, 0) == pid, "waitpid");
	printf("%s: shared wake found the waiter %d, private wake found %ld, child %s %d\n", name, woken == 1,
	       private_woken, WIFEXITED(st) ? "exited" : "killed", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

/* anonymous: MAP_SHARED|MAP_ANONYMOUS inherited by fork; the word sits in
 * the second page. With split, the child first makes the first page
 * read-only, which splits its mapping in two: the word is then at offset
 * PAGE+64 of the second part's memory, not at its start. */
static void anonymous(int split) {
	char *mem = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	check(mem != MAP_FAILED, "mmap shared anonymous");
	uint32_t *word = (uint32_t *)(mem + PAGE + 64);
	pid_t pid = fork();
	check(pid >= 0, "fork");
	if (pid == 0) {
		if (split && mprotect(mem, PAGE, PROT_READ) != 0)
			_exit(2);
		child_wait(word);
	}
	wake_child(split ? "anonymous, split by the child" : "anonymous", pid, word);
	munmap(mem, 3 * PAGE);
}

/* file: the parent and the child map the same file, the child at a second
 * address of its own (a second mmap of the file, at another offset of the
 * mapping). */
static void file(const char *path) {
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	check(fd >= 0, "open scratch");
	check(ftruncate(fd, 2 * PAGE) == 0, "ftruncate");
	char *mem = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(mem != MAP_FAILED, "mmap file");
	uint32_t *word = (uint32_t *)(mem + PAGE + 8);
	pid_t pid = fork();
	check(pid >= 0, "fork");
	if (pid == 0) {
		char *again = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PAGE);
		if (again == MAP_FAILED)
			_exit(2);
		child_wait((uint32_t *)(again + 8));
	}
	wake_child("file mapped twice", pid, word);
	munmap(mem, 2 * PAGE);
	close(fd);
	unlink(path);
}

static unsigned long nattch(int id) {
	struct shmid_ds ds;
	check(shmctl(id, IPC_STAT, &ds) == 0, "shmctl IPC_STAT");
	return (unsigned long)ds.shm_nattch;
}

/* sysv: a segment attached before fork is the child's too (shm_nattch
 * counts both, the child's shmdt of it works); a second attachment in the
 * child at another address shares the futex. */
static void sysv(void) {
	int id = shmget(IPC_PRIVATE, 2 * PAGE, IPC_CREAT | 0600);
	check(id >= 0, "shmget");
	char *mem = shmat(id, NULL, 0);
	check(mem != (void *)-1, "shmat");
	printf("sysv: nattch after shmat %lu\n", nattch(id));
	uint32_t *word = (uint32_t *)(mem + 128);
	pid_t pid = fork();
	check(pid >= 0, "fork");
	if (pid == 0) {
		/* stdout is unbuffered: this line is out before the child
		 * waits, so before the parent's next one */
		unsigned long inherited = nattch(id);
		char *second = shmat(id, NULL, 0);
		if (second == (void *)-1)
			_exit(2);
		unsigned long two = nattch(id);
		int dt = shmdt(mem);
		unsigned long after = nattch(id);
		int again = shmdt(mem) == -1 ? errno : 0;
		printf("sysv child: nattch after fork %lu, after a second shmat %lu, shmdt of the inherited one %d, then %lu, again errno %d\n",
		       inherited, two, dt, after, again);
		child_wait((uint32_t *)(second + 128));
	}
	wake_child("sysv attached twice", pid, word);
	printf("sysv: nattch after the child exited %lu\n", nattch(id));
	check(shmdt(mem) == 0, "shmdt");
	check(shmctl(id, IPC_RMID, NULL) == 0, "shmctl IPC_RMID");
}

/* semaphores: POSIX unnamed semaphores (pshared) in shared memory, a
 * ping-pong between two processes; sem_timedwait bounds a lost wake-up. */
static void semaphores(void) {
	sem_t *s = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	check(s != MAP_FAILED, "mmap semaphores");
	check(sem_init(&s[0], 1, 0) == 0 && sem_init(&s[1], 1, 0) == 0, "sem_init");
	const int rounds = 500;
	pid_t pid = fork();
	check(pid >= 0, "fork");
	if (pid == 0) {
		for (int i = 0; i < rounds; i++) {
			struct timespec dl;
			clock_gettime(CLOCK_REALTIME, &dl);
			dl.tv_sec += 30;
			if (sem_timedwait(&s[0], &dl) != 0)
				_exit(3);
			sem_post(&s[1]);
		}
		_exit(0);
	}
	int done = 0;
	for (; done < rounds; done++) {
		sem_post(&s[0]);
		struct timespec dl;
		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_sec += 30;
		if (sem_timedwait(&s[1], &dl) != 0)
			break;
	}
	int st;
	check(waitpid(pid, &st, 0) == pid, "waitpid");
	printf("semaphores: %d of %d rounds, child exited %d\n", done, rounds, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int main(int argc, char **argv) {
	check(argc == 2, "usage: futex_shared SCRATCH");
	setvbuf(stdout, NULL, _IONBF, 0);
	anonymous(0);
	anonymous(1);
	file(argv[1]);
	sysv();
	semaphores();
	return 0;
}
