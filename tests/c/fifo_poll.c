/* fifo_poll: a FIFO in the work directory (argv[1]): the open rules
 * (O_NONBLOCK, O_RDWR, ENXIO), F_GETPIPE_SZ/F_SETPIPE_SZ, and readiness in
 * poll, select and epoll (level- and edge-triggered, EPOLLONESHOT), with a
 * blocked poll and a blocked epoll_wait woken by a writer thread. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *err(int r) {
	if (r >= 0)
		return "ok";
	switch (errno) {
	case ENXIO: return "ENXIO";
	case EAGAIN: return "EAGAIN";
	case EBADF: return "EBADF";
	case EPERM: return "EPERM";
	case EINVAL: return "EINVAL";
	case EEXIST: return "EEXIST";
	case ENOENT: return "ENOENT";
	case ESPIPE: return "ESPIPE";
	}
	return strerror(errno);
}

static int poll1(int fd, short events, int timeout) {
	struct pollfd p = {.fd = fd, .events = events};
	int n = poll(&p, 1, timeout);
	return n < 0 ? -1 : p.revents;
}

static int wait1(int ep, int timeout, unsigned *events, int *data) {
	struct epoll_event ev[4];
	int n = epoll_wait(ep, ev, 4, timeout);
	if (n > 0) {
		*events = ev[0].events;
		*data = ev[0].data.fd;
	}
	return n;
}

static int slow_writer_fd;

static void *slow_writer(void *arg) {
	struct timespec d = {0, 50 * 1000 * 1000};
	nanosleep(&d, NULL);
	write(slow_writer_fd, arg, 1);
	return NULL;
}

static void wake_by_thread(const char *what, int wfd, int (*wait)(void *), void *ctx) {
	pthread_t th;
	slow_writer_fd = wfd;
	pthread_create(&th, NULL, slow_writer, "w");
	int r = wait(ctx);
	pthread_join(th, NULL);
	printf("%s woken by a writer: %d\n", what, r);
}

static int poll_forever(void *ctx) { return poll1(*(int *)ctx, POLLIN, -1); }

static int epoll_forever(void *ctx) {
	unsigned events;
	int data;
	return wait1(*(int *)ctx, -1, &events, &data);
}

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: fifo_poll DIR\n");
		return 2;
	}
	mkdir(argv[1], 0755);
	char path[4096];
	snprintf(path, sizeof path, "%s/fifo", argv[1]);
	unlink(path);
	if (mkfifo(path, 0600) != 0) {
		perror("mkfifo");
		return 1;
	}
	int w = open(path, O_WRONLY | O_NONBLOCK);
	printf("open O_WRONLY|O_NONBLOCK without reader: %s\n", err(w));
	int r = open(path, O_RDONLY | O_NONBLOCK);
	printf("open O_RDONLY|O_NONBLOCK: %s\n", err(r));
	w = open(path, O_WRONLY | O_NONBLOCK);
	printf("open O_WRONLY|O_NONBLOCK with reader: %s\n", err(w));
	int rw = open(path, O_RDWR);
	printf("open O_RDWR: %s\n", err(rw));
	close(rw);
	printf("lseek: %s\n", err((int)lseek(r, 0, SEEK_SET)));

	printf("F_GETPIPE_SZ: %d\n", fcntl(w, F_GETPIPE_SZ));
	printf("F_SETPIPE_SZ 5000: %d\n", fcntl(w, F_SETPIPE_SZ, 5000));
	printf("F_GETPIPE_SZ on the read end: %d\n", fcntl(r, F_GETPIPE_SZ));
	printf("F_SETPIPE_SZ 0: %d\n", fcntl(w, F_SETPIPE_SZ, 0));
	fcntl(w, F_SETPIPE_SZ, 65536);

	printf("poll empty: in %#x out %#x\n", poll1(r, POLLIN, 0), poll1(w, POLLOUT, 0));
	write(w, "ab", 2);
	printf("poll data: in %#x\n", poll1(r, POLLIN | POLLRDNORM, 0));
	int avail = -1;
	const char *res = err(ioctl(r, FIONREAD, &avail));
	printf("FIONREAD: %s %d\n", res, avail);
	fd_set rs;
	FD_ZERO(&rs);
	FD_SET(r, &rs);
	struct timeval tv = {0, 0};
	printf("select: %d %d\n", select(r + 1, &rs, NULL, NULL, &tv), FD_ISSET(r, &rs));

	int lt = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = r};
	printf("epoll_ctl add: %s\n", err(epoll_ctl(lt, EPOLL_CTL_ADD, r, &ev)));
	printf("epoll_ctl add again: %s\n", err(epoll_ctl(lt, EPOLL_CTL_ADD, r, &ev)));
	unsigned events = 0;
	int data = -1;
	int n = wait1(lt, 0, &events, &data);
	printf("level: %d events %#x data ok %d\n", n, events, data == r);
	n = wait1(lt, 0, &events, &data);
	printf("level again: %d\n", n);
	printf("poll the epoll fd: %#x\n", poll1(lt, POLLIN, 0));

	int et = epoll_create1(0);
	ev.events = EPOLLIN | EPOLLET;
	epoll_ctl(et, EPOLL_CTL_ADD, r, &ev);
	printf("edge: %d\n", wait1(et, 0, &events, &data));
	printf("edge again: %d\n", wait1(et, 0, &events, &data));
	write(w, "c", 1);
	printf("edge after a write: %d\n", wait1(et, 0, &events, &data));
	printf("edge after that: %d\n", wait1(et, 0, &events, &data));

	int one = epoll_create1(0);
	ev.events = EPOLLIN | EPOLLONESHOT;
	epoll_ctl(one, EPOLL_CTL_ADD, r, &ev);
	printf("oneshot: %d\n", wait1(one, 0, &events, &data));
	printf("oneshot again: %d\n", wait1(one, 0, &events, &data));
	epoll_ctl(one, EPOLL_CTL_MOD, r, &ev);
	printf("oneshot rearmed: %d\n", wait1(one, 0, &events, &data));

	ev.events = EPOLLOUT;
	ev.data.fd = w;
	epoll_ctl(lt, EPOLL_CTL_ADD, w, &ev);
	struct epoll_event evs[4];
	n = epoll_wait(lt, evs, 4, 0);
	int outs = 0, ins = 0;
	for (int i = 0; i < n; i++) {
		if (evs[i].data.fd == w && (evs[i].events & EPOLLOUT))
			outs++;
		if (evs[i].data.fd == r && (evs[i].events & EPOLLIN))
			ins++;
	}
	printf("both ends: %d (in %d out %d)\n", n, ins, outs);
	printf("epoll_ctl del: %s\n", err(epoll_ctl(lt, EPOLL_CTL_DEL, w, NULL)));
	printf("epoll_ctl del again: %s\n", err(epoll_ctl(lt, EPOLL_CTL_DEL, w, NULL)));

	char buf[16];
	printf("read: %zd\n", read(r, buf, sizeof buf));
	printf("poll drained: %#x\n", poll1(r, POLLIN, 0));
	printf("level drained: %d\n", wait1(lt, 0, &events, &data));

	wake_by_thread("poll", w, poll_forever, &r);
	read(r, buf, sizeof buf);
	wake_by_thread("epoll_wait", w, epoll_forever, &lt);
	read(r, buf, sizeof buf);
	ev.events = EPOLLIN | EPOLLET;
	ev.data.fd = r;
	epoll_ctl(et, EPOLL_CTL_MOD, r, &ev);
	wait1(et, 0, &events, &data);
	wake_by_thread("edge-triggered epoll_wait", w, epoll_forever, &et);
	read(r, buf, sizeof buf);

	close(w);
	printf("poll after the writer closed: %#x\n", poll1(r, POLLIN, 0));
	n = wait1(lt, 0, &events, &data);
	printf("epoll after the writer closed: %d events %#x\n", n, events);
	printf("read at EOF: %zd\n", read(r, buf, sizeof buf));
	w = open(path, O_WRONLY | O_NONBLOCK);
	close(r);
	printf("poll the writer without reader: %#x\n", poll1(w, POLLOUT, 0));
	close(w);
	close(lt);
	close(et);
	close(one);
	unlink(path);
	return 0;
}
