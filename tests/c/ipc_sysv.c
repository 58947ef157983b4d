// ipc_sysv: System V shared memory, semaphores and message queues, within
// one process and between a parent and a child started with posix_spawn
// (argv[1] names the program the child runs: this one or a PIE build of
// it, since a static non-PIE program cannot yet spawn itself under
// elfloader). Prints nothing that differs between runs: no ids, no times.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

#include "errname.h"


static const char *res(long r) {
	static char buf[32];
	if (r < 0)
		snprintf(buf, sizeof buf, "-1 %s", errname(errno));
	else
		snprintf(buf, sizeof buf, "%ld", r);
	return buf;
}

struct msgbuf_ { long mtype; char mtext[64]; };

static void on_alarm(int sig) { (void)sig; }

static pid_t spawn_child(const char *prog, const char *mode, int shm, int sem, int msq) {
	char a[3][16];
	snprintf(a[0], 16, "%d", shm);
	snprintf(a[1], 16, "%d", sem);
	snprintf(a[2], 16, "%d", msq);
	char *argv[] = {(char *)prog, (char *)mode, a[0], a[1], a[2], NULL};
	pid_t pid;
	int e = posix_spawn(&pid, prog, NULL, NULL, argv, environ);
	if (e) {
		printf("spawn: %s\n", strerror(e));
		exit(1);
	}
	return pid;
}

static int child(int shm, int sem, int msq) {
	char *p = shmat(shm, NULL, 0);
	if (p == (void *)-1) {
		printf("child shmat: %s\n", errname(errno));
		return 1;
	}
	printf("child reads: %s\n", p);
	strcpy(p, "reply from child");
	printf("child shmdt %s\n", res(shmdt(p)));
	// Wait until the parent blocks on semaphore 0.
	while (semctl(sem, 0, GETNCNT) != 1)
		usleep(1000);
	printf("child saw ncnt 1\n");
	struct sembuf undo = {1, 5, SEM_UNDO};
	printf("child semop +5 undo %s\n", res(semop(sem, &undo, 1)));
	printf("child sem1 %d\n", semctl(sem, 1, GETVAL));
	struct msgbuf_ m = {2, "message of type 2"};
	printf("child msgsnd %s\n", res(msgsnd(msq, &m, strlen(m.mtext) + 1, 0)));
	struct sembuf up = {0, 1, 0};
	printf("child releases the parent\n");
	fflush(stdout);
	return semop(sem, &up, 1) == 0 ? 0 : 3;
}

static void test_shm(void) {
	printf("shmget size 0 %s\n", res(shmget(IPC_PRIVATE, 0, 0600)));
	int id = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0640);
	printf("shmget %s\n", id >= 0 ? "ok" : errname(errno));
	struct shmid_ds ds;
	printf("IPC_STAT %s", res(shmctl(id, IPC_STAT, &ds)));
	printf(" segsz %zu nattch %lu mode %o cpid-is-me %d uid %u\n", ds.shm_segsz, (unsigned long)ds.shm_nattch,
	       ds.shm_perm.mode & 0777, ds.shm_cpid == getpid(), ds.shm_perm.uid);
	char *p = shmat(id, NULL, 0);
	char *q = shmat(id, NULL, SHM_RDONLY);
	strcpy(p, "hello shared");
	printf("second mapping reads: %s\n", q);
	shmctl(id, IPC_STAT, &ds);
	printf("nattch %lu lpid-is-me %d\n", (unsigned long)ds.shm_nattch, ds.shm_lpid == getpid());
	printf("shmdt readonly %s\n", res(shmdt(q)));
	printf("shmdt again %s\n", res(shmdt(q)));
	printf("shmat unaligned %s\n", shmat(id, p + 1, 0) == (void *)-1 ? errname(errno) : "ok");
	printf("shmat over mapping %s\n", shmat(id, p, 0) == (void *)-1 ? errname(errno) : "ok");
	printf("shmat bad id %s\n", shmat(id + 1, NULL, 0) == (void *)-1 ? errname(errno) : "ok");
	ds.shm_perm.mode = 0600;
	printf("IPC_SET %s", res(shmctl(id, IPC_SET, &ds)));
	shmctl(id, IPC_STAT, &ds);
	printf(" mode %o\n", ds.shm_perm.mode & 0777);
	printf("IPC_RMID attached %s\n", res(shmctl(id, IPC_RMID, NULL)));
	printf("still mapped: %s\n", p);
	printf("IPC_STAT after rmid %s", res(shmctl(id, IPC_STAT, &ds)));
	printf(" dest %d nattch %lu\n", !!(ds.shm_perm.mode & SHM_DEST), (unsigned long)ds.shm_nattch);
	printf("shmdt %s\n", res(shmdt(p)));
	printf("IPC_STAT gone %s\n", res(shmctl(id, IPC_STAT, &ds)));
	key_t key = 0x5e1f0000 + (getpid() & 0xffff);
	int k1 = shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600);
	printf("keyed %s\n", k1 >= 0 ? "ok" : errname(errno));
	printf("same key excl %s\n", res(shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600) >= 0 ? 0 : -1));
	int k2 = shmget(key, 100, 0);
	printf("same key smaller finds it %d\n", k2 == k1);
	printf("same key larger %s\n", res(shmget(key, 8192, 0) >= 0 ? 0 : -1));
	printf("rmid %s\n", res(shmctl(k1, IPC_RMID, NULL)));
	printf("key gone %s\n", res(shmget(key, 4096, 0) >= 0 ? 0 : -1));
	struct shminfo info;
	printf("IPC_INFO %s", shmctl(0, IPC_INFO, (struct shmid_ds *)&info) >= 0 ? "ok" : errname(errno));
	printf(" shmmin %lu\n", info.shmmin);
}

static void test_sem(void) {
	printf("semget nsems 0 %s\n", res(semget(IPC_PRIVATE, 0, 0600)));
	int id = semget(IPC_PRIVATE, 3, 0600);
	printf("semget %s\n", id >= 0 ? "ok" : errname(errno));
	unsigned short vals[3] = {1, 2, 3};
	union semun u = {.array = vals};
	printf("SETALL %s\n", res(semctl(id, 0, SETALL, u)));
	struct sembuf ops[2] = {{0, -1, 0}, {2, 4, 0}};
	printf("semop two %s\n", res(semop(id, ops, 2)));
	memset(vals, 0, sizeof vals);
	u.array = vals;
	semctl(id, 0, GETALL, u);
	printf("GETALL %d %d %d\n", vals[0], vals[1], vals[2]);
	struct sembuf all_or_none[2] = {{1, -1, 0}, {0, -1, IPC_NOWAIT}};
	printf("semop nowait %s\n", res(semop(id, all_or_none, 2)));
	printf("sem1 unchanged %d\n", semctl(id, 1, GETVAL));
	printf("GETPID is me %d\n", semctl(id, 0, GETPID) == getpid());
	struct sembuf zero = {1, 0, IPC_NOWAIT};
	printf("wait-for-zero nowait %s\n", res(semop(id, &zero, 1)));
	struct sembuf big = {5, 1, 0};
	printf("semnum out of range %s\n", res(semop(id, &big, 1)));
	u.val = 40000;
	printf("SETVAL too big %s\n", res(semctl(id, 0, SETVAL, u)));
	u.val = 32767;
	printf("SETVAL max %s\n", res(semctl(id, 0, SETVAL, u)));
	struct sembuf over = {0, 1, 0};
	printf("semop overflow %s\n", res(semop(id, &over, 1)));
	struct timespec ts = {0, 10 * 1000 * 1000};
	struct sembuf down = {1, -100, 0};
	printf("semtimedop timeout %s\n", res(semtimedop(id, &down, 1, &ts)));
	struct sigaction sa = {0};
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {{0, 0}, {0, 50 * 1000}};
	setitimer(ITIMER_REAL, &it, NULL);
	printf("semop interrupted %s\n", res(semop(id, &down, 1)));
	printf("ncnt after %d\n", semctl(id, 1, GETNCNT));
	struct semid_ds ds;
	u.buf = &ds;
	printf("IPC_STAT %s", res(semctl(id, 0, IPC_STAT, u)));
	printf(" nsems %lu mode %o\n", (unsigned long)ds.sem_nsems, ds.sem_perm.mode & 0777);
	printf("IPC_RMID %s\n", res(semctl(id, 0, IPC_RMID)));
	printf("GETVAL removed %s\n", res(semctl(id, 0, GETVAL)));
}

static void test_msg(void) {
	int id = msgget(IPC_PRIVATE, 0600);
	printf("msgget %s\n", id >= 0 ? "ok" : errname(errno));
	struct msgbuf_ m;
	const char *texts[] = {"one", "two", "three", "four"};
	long types[] = {5, 3, 5, 1};
	for (int i = 0; i < 4; i++) {
		m.mtype = types[i];
		strcpy(m.mtext, texts[i]);
		msgsnd(id, &m, strlen(texts[i]) + 1, 0);
	}
	m.mtype = 0;
	printf("msgsnd type 0 %s\n", res(msgsnd(id, &m, 1, 0)));
	struct msqid_ds ds;
	msgctl(id, IPC_STAT, &ds);
	printf("qnum %lu cbytes %lu lspid-is-me %d\n", (unsigned long)ds.msg_qnum, (unsigned long)ds.__msg_cbytes, ds.msg_lspid == getpid());
	printf("rcv type 5: %s", res(msgrcv(id, &m, sizeof m.mtext, 5, 0)));
	printf(" %ld %s\n", m.mtype, m.mtext);
	printf("rcv type -4: %s", res(msgrcv(id, &m, sizeof m.mtext, -4, 0)));
	printf(" %ld %s\n", m.mtype, m.mtext);
	printf("rcv except 5: %s", res(msgrcv(id, &m, sizeof m.mtext, 5, MSG_EXCEPT)));
	printf(" %ld %s\n", m.mtype, m.mtext);
	printf("rcv too small %s\n", res(msgrcv(id, &m, 2, 0, 0)));
	printf("rcv noerror: %s", res(msgrcv(id, &m, 2, 0, MSG_NOERROR)));
	printf(" %ld %.2s\n", m.mtype, m.mtext);
	printf("rcv empty nowait %s\n", res(msgrcv(id, &m, sizeof m.mtext, 0, IPC_NOWAIT)));
	ds.msg_qbytes = 10;
	printf("IPC_SET qbytes 10 %s\n", res(msgctl(id, IPC_SET, &ds)));
	m.mtype = 1;
	printf("snd 8 %s\n", res(msgsnd(id, &m, 8, IPC_NOWAIT)));
	printf("snd 8 full %s\n", res(msgsnd(id, &m, 8, IPC_NOWAIT)));
	printf("IPC_RMID %s\n", res(msgctl(id, IPC_RMID, NULL)));
	printf("snd removed %s\n", res(msgsnd(id, &m, 8, IPC_NOWAIT)));
}

static void test_cross(const char *prog) {
	int shm = shmget(IPC_PRIVATE, 4096, 0600);
	int sem = semget(IPC_PRIVATE, 2, 0600);
	int msq = msgget(IPC_PRIVATE, 0600);
	char *p = shmat(shm, NULL, 0);
	strcpy(p, "greetings from parent");
	fflush(stdout);
	pid_t pid = spawn_child(prog, "child", shm, sem, msq);
	struct sembuf down = {0, -1, 0};
	printf("parent semop -1 (waits for the child) %s\n", res(semop(sem, &down, 1)));
	int st;
	waitpid(pid, &st, 0);
	printf("child exit %d\n", WEXITSTATUS(st));
	printf("parent reads: %s\n", p);
	printf("sem1 after child's undo %d\n", semctl(sem, 1, GETVAL));
	struct msgbuf_ m;
	printf("parent msgrcv type 2: %s", res(msgrcv(msq, &m, sizeof m.mtext, 2, 0)));
	printf(" %s\n", m.mtext);
	struct shmid_ds ds;
	shmctl(shm, IPC_STAT, &ds);
	printf("nattch %lu\n", (unsigned long)ds.shm_nattch);
	shmdt(p);
	shmctl(shm, IPC_RMID, NULL);
	semctl(sem, 0, IPC_RMID);
	msgctl(msq, IPC_RMID, NULL);
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "child"))
		return child(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	test_shm();
	test_sem();
	test_msg();
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	self[n > 0 ? n : 0] = 0;
	test_cross(argc > 1 ? argv[1] : self);
	return 0;
}
