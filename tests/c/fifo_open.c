// Blocking FIFO opens (fifo(7)): O_RDONLY waits for a writer and O_WRONLY
// for a reader, in both orders between two processes; O_NONBLOCK readers
// open at once and O_NONBLOCK writers without a reader get ENXIO; O_RDWR
// never waits; a waiting open is interrupted by a signal (EINTR without
// SA_RESTART, restarted with it); a writer that opens and closes again
// still wakes a waiting reader. argv[1] is a scratch directory to create
// (and remove).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "show.h"

static char path[512];
static volatile int alarms;

static void on_alarm(int sig) {
	(void)sig;
	alarms++;
}

// alarm_soon sends SIGALRM in 300 ms.
static void alarm_soon(void) {
	struct itimerval it = {{0, 0}, {0, 300000}};
	setitimer(ITIMER_REAL, &it, NULL);
}

static int waiting(pid_t pid) {
	usleep(200000);
	int st;
	return waitpid(pid, &st, WNOHANG) == 0;
}

static int reap(pid_t pid) {
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void nonblocking(void) {
	show("O_WRONLY|O_NONBLOCK without reader", open(path, O_WRONLY | O_NONBLOCK));
	int r = open(path, O_RDONLY | O_NONBLOCK);
	show("O_RDONLY|O_NONBLOCK", r >= 0);
	char c;
	show("read without writer", read(r, &c, 1));
	int w = open(path, O_WRONLY | O_NONBLOCK);
	show("O_WRONLY|O_NONBLOCK with reader", w >= 0);
	close(w);
	close(r);
	int rw = open(path, O_RDWR);
	show("O_RDWR", rw >= 0);
	close(rw);
}

// reader_first: a child's read-only open waits until the parent opens for
// writing, then reads what the parent writes.
static void reader_first(void) {
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(path, O_RDONLY);
		char buf[16] = "";
		int n = read(fd, buf, sizeof buf - 1);
		_exit(fd >= 0 && n == 5 && strcmp(buf, "hello") == 0 ? 0 : 1);
	}
	printf("reader waits for a writer: %d\n", waiting(pid));
	int w = open(path, O_WRONLY);
	show("writer opens", w >= 0);
	show("write", write(w, "hello", 5));
	printf("reader got the data: %d\n", reap(pid) == 0);
	close(w);
}

// writer_first: a child's write-only open waits until the parent opens for
// reading.
static void writer_first(void) {
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(path, O_WRONLY);
		_exit(fd >= 0 && write(fd, "world", 5) == 5 ? 0 : 1);
	}
	printf("writer waits for a reader: %d\n", waiting(pid));
	int r = open(path, O_RDONLY);
	show("reader opens", r >= 0);
	char buf[16] = "";
	show("read", read(r, buf, 5));
	printf("data: %s\n", buf);
	printf("writer done: %d\n", reap(pid) == 0);
	close(r);
}

// transient_writer: a writer that opens and closes before the waiting
// reader runs again still ends the reader's wait; the reader sees EOF.
static void transient_writer(void) {
	pid_t pid = fork();
	if (pid == 0) {
		usleep(200000);
		int fd = open(path, O_WRONLY);
		close(fd);
		_exit(fd >= 0 ? 0 : 1);
	}
	int r = open(path, O_RDONLY);
	show("reader woken by a transient writer", r >= 0);
	char c;
	show("read at EOF", read(r, &c, 1));
	close(r);
	printf("transient writer done: %d\n", reap(pid) == 0);
}

static void interrupted(void) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarms = 0;
	alarm_soon();
	show("O_RDONLY open interrupted", open(path, O_RDONLY));
	printf("alarms: %d\n", alarms);
	alarm_soon();
	show("O_WRONLY open interrupted", open(path, O_WRONLY));
	printf("alarms: %d\n", alarms);
	// After the interrupted opens no reader is left behind.
	show("O_WRONLY|O_NONBLOCK after them", open(path, O_WRONLY | O_NONBLOCK));

	// With SA_RESTART the open goes on waiting after the handler.
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	alarms = 0;
	pid_t pid = fork();
	if (pid == 0) {
		usleep(700000);
		int fd = open(path, O_WRONLY);
		_exit(fd >= 0 ? 0 : 1);
	}
	alarm_soon();
	int r = open(path, O_RDONLY);
	show("restarted O_RDONLY open", r >= 0);
	printf("alarms: %d\n", alarms);
	close(r);
	printf("writer done: %d\n", reap(pid) == 0);
}

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: fifo_open DIR\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	mkdir(argv[1], 0755);
	snprintf(path, sizeof path, "%s/fifo", argv[1]);
	unlink(path);
	show("mkfifo", mkfifo(path, 0644));
	nonblocking();
	reader_first();
	writer_first();
	transient_writer();
	interrupted();
	unlink(path);
	show("rmdir", rmdir(argv[1]));
	return 0;
}
