// Linux AIO through the raw calls (as libaio makes them): io_setup's
// rules, io_submit of pwrite/pread/pwritev/preadv/fsync/noop with their
// completions, results of failed requests (a bad fd, a read of a
// write-only file), IOCB_FLAG_RESFD signalling an eventfd, io_getevents'
// min_nr/nr/timeout rules, io_pgetevents, io_cancel, io_destroy.
// argv[1] is a scratch file to create.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "show.h"

/* <linux/aio_abi.h>, which musl's headers lack. */
typedef unsigned long aio_context_t;
enum { IOCB_CMD_PREAD = 0, IOCB_CMD_PWRITE = 1, IOCB_CMD_FSYNC = 2, IOCB_CMD_NOOP = 6, IOCB_CMD_PREADV = 7, IOCB_CMD_PWRITEV = 8 };
#define IOCB_FLAG_RESFD 1
struct io_event {
	uint64_t data, obj;
	int64_t res, res2;
};
struct iocb {
	uint64_t aio_data;
	uint32_t aio_key;
	int32_t aio_rw_flags;
	uint16_t aio_lio_opcode;
	int16_t aio_reqprio;
	uint32_t aio_fildes;
	uint64_t aio_buf, aio_nbytes;
	int64_t aio_offset;
	uint64_t aio_reserved2;
	uint32_t aio_flags, aio_resfd;
};

static long io_setup(unsigned nr, aio_context_t *ctx) { return syscall(SYS_io_setup, nr, ctx); }
static long io_destroy(aio_context_t ctx) { return syscall(SYS_io_destroy, ctx); }
static long io_submit(aio_context_t ctx, long nr, struct iocb **cbs) { return syscall(SYS_io_submit, ctx, nr, cbs); }
static long io_getevents(aio_context_t ctx, long min, long nr, struct io_event *ev, struct timespec *ts) {
	return syscall(SYS_io_getevents, ctx, min, nr, ev, ts);
}

static struct iocb cb(int op, int fd, void *buf, size_t n, long long off, uint64_t data) {
	struct iocb c;
	memset(&c, 0, sizeof c);
	c.aio_lio_opcode = op;
	c.aio_fildes = fd;
	c.aio_buf = (uint64_t)(uintptr_t)buf;
	c.aio_nbytes = n;
	c.aio_offset = off;
	c.aio_data = data;
	return c;
}

// drain prints completions sorted by their data tag.
static void drain(const char *what, aio_context_t ctx, long want) {
	struct io_event ev[16];
	struct timespec ts = {1, 0};
	long n = io_getevents(ctx, want, 16, ev, &ts);
	if (n < 0) {
		printf("%s: errno %d\n", what, errno);
		return;
	}
	for (long i = 0; i < n; i++)
		for (long j = i + 1; j < n; j++)
			if (ev[j].data < ev[i].data) {
				struct io_event tmp = ev[i];
				ev[i] = ev[j];
				ev[j] = tmp;
			}
	printf("%s: %ld events\n", what, n);
	for (long i = 0; i < n; i++)
		printf("  data %llu res %lld obj ok %d\n", (unsigned long long)ev[i].data, (long long)ev[i].res,
		       ev[i].obj != 0);
}

int main(int argc, char **argv) {
	if (argc < 2)
		return 2;
	setvbuf(stdout, NULL, _IONBF, 0);
	aio_context_t ctx = 0;
	show("setup 0 events", io_setup(0, &ctx));
	ctx = 12345;
	show("setup with non-zero ctx", io_setup(8, &ctx));
	ctx = 0;
	show("setup bad pointer", io_setup(8, (aio_context_t *)16));
	show("setup", io_setup(8, &ctx));
	printf("ctx set: %d\n", ctx != 0);

	int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
	char wbuf[] = "hello, asynchronous world";
	char rbuf[64] = {0}, v1[6] = {0}, v2[8] = {0};
	struct iocb c1 = cb(IOCB_CMD_PWRITE, fd, wbuf, strlen(wbuf), 0, 1);
	struct iocb *list[4] = {&c1};
	show("submit pwrite", io_submit(ctx, 1, list));
	drain("after pwrite", ctx, 1);

	struct iocb c2 = cb(IOCB_CMD_PREAD, fd, rbuf, sizeof rbuf - 1, 7, 2);
	struct iovec iov[2] = {{v1, 5}, {v2, 7}};
	struct iocb c3 = cb(IOCB_CMD_PREADV, fd, iov, 2, 0, 3);
	struct iocb c4 = cb(IOCB_CMD_FSYNC, fd, NULL, 0, 0, 4);
	struct iocb *three[3] = {&c2, &c3, &c4};
	show("submit pread, preadv, fsync", io_submit(ctx, 3, three));
	drain("after three", ctx, 3);
	printf("pread: '%s' preadv: '%s' '%s'\n", rbuf, v1, v2);

	struct iovec wv[2] = {{"AB", 2}, {"CD", 2}};
	struct iocb c5 = cb(IOCB_CMD_PWRITEV, fd, wv, 2, 0, 5);
	char small[4];
	struct iocb c6 = cb(IOCB_CMD_PREAD, fd, small, 2, 0, 6);
	struct iocb *two[2] = {&c5, &c6};
	show("submit pwritev, pread", io_submit(ctx, 2, two));
	drain("after pwritev", ctx, 2);
	memset(rbuf, 0, sizeof rbuf);
	pread(fd, rbuf, 8, 0);
	printf("file starts: '%s'\n", rbuf);

	// Failures: at submission (first request: the error; later: the
	// count) and at completion (a negative res).
	struct iocb bad = cb(IOCB_CMD_PREAD, 999, rbuf, 4, 0, 7);
	struct iocb *b1[1] = {&bad};
	show("submit bad fd", io_submit(ctx, 1, b1));
	struct iocb badop = cb(99, fd, rbuf, 4, 0, 8);
	struct iocb *b2[2] = {&c6, &badop};
	show("submit pread then bad opcode", io_submit(ctx, 2, b2));
	struct iocb noop = cb(IOCB_CMD_NOOP, fd, NULL, 0, 0, 12);
	struct iocb *b4[1] = {&noop};
	show("submit noop (gone from Linux)", io_submit(ctx, 1, b4));
	drain("after partial submit", ctx, 1);
	int wo = open(argv[1], O_WRONLY);
	struct iocb rw = cb(IOCB_CMD_PREAD, wo, rbuf, 4, 0, 9);
	struct iocb *b3[1] = {&rw};
	show("submit read of write-only fd", io_submit(ctx, 1, b3));
	show("submit negative count", io_submit(ctx, -1, b3));
	show("submit bad ctx", io_submit(12345, 1, b3));
	show("submit bad iocb pointer", io_submit(ctx, 1, (struct iocb **)16));

	// IOCB_FLAG_RESFD: the eventfd counts completions.
	int efd = eventfd(0, EFD_NONBLOCK);
	struct iocb c7 = cb(IOCB_CMD_PREAD, fd, rbuf, 4, 0, 10);
	c7.aio_flags = IOCB_FLAG_RESFD;
	c7.aio_resfd = efd;
	struct iocb c8 = c7;
	c8.aio_data = 11;
	struct iocb *r2[2] = {&c7, &c8};
	show("submit with resfd", io_submit(ctx, 2, r2));
	uint64_t count = 0;
	show("eventfd read", read(efd, &count, 8));
	printf("  count %llu\n", (unsigned long long)count);
	drain("after resfd", ctx, 2);

	// io_getevents' rules.
	struct io_event ev[4];
	struct timespec zero = {0, 0}, short_wait = {0, 20 * 1000 * 1000};
	show("getevents min > nr", io_getevents(ctx, 3, 2, ev, &zero));
	show("getevents negative", io_getevents(ctx, -1, 2, ev, &zero));
	show("getevents none ready, zero timeout", io_getevents(ctx, 1, 4, ev, &zero));
	show("getevents none ready, short timeout", io_getevents(ctx, 1, 4, ev, &short_wait));
	show("getevents bad ctx", io_getevents(12345, 0, 4, ev, &zero));
	show("submit pread", io_submit(ctx, 1, (struct iocb *[]){&c6}));
	show("getevents nr 0", io_getevents(ctx, 0, 0, ev, &zero));
	show("getevents bad buffer", io_getevents(ctx, 1, 4, (struct io_event *)16, &zero));
	sigset_t none;
	sigemptyset(&none);
	struct {
		const sigset_t *mask;
		size_t size;
	} usig = {&none, 8};
	show("pgetevents", syscall(SYS_io_pgetevents, ctx, 0, 4, ev, &zero, &usig));
	usig.size = 4;
	show("pgetevents bad sigset size", syscall(SYS_io_pgetevents, ctx, 0, 4, ev, &zero, &usig));

	struct io_event cev;
	show("cancel a completed request", syscall(SYS_io_cancel, ctx, &c1, &cev));
	show("destroy", io_destroy(ctx));
	show("destroy again", io_destroy(ctx));
	show("submit after destroy", io_submit(ctx, 1, b3));
	close(fd);
	unlink(argv[1]);
	return 0;
}
