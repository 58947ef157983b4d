/*
 * read_seq: sequential read throughput of one file, start-up excluded.
 *
 * Usage: read_seq PATH MIB [create]
 *
 * With "create" the program first writes PATH (MIB mebibytes of a byte
 * pattern) and removes it when done; without it PATH must already exist
 * and hold at least MIB mebibytes. It then times reading the file from the
 * start in 1 MiB read(2) calls and prints
 *   "X ns/call (N MiB read, Y MB/s, checksum C)"
 * where a call is the read of one MiB. It exits 1 on any error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1 << 20)

static char buf[CHUNK];

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int create(const char *path, long mib)
{
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (char)(i * 7 + 3);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd == -1) {
		fprintf(stderr, "read_seq: create %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (long i = 0; i < mib; i++) {
		if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf) {
			fprintf(stderr, "read_seq: write %s: %s\n", path, strerror(errno));
			close(fd);
			unlink(path);
			return -1;
		}
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "create") != 0)) {
		fprintf(stderr, "usage: read_seq PATH MIB [create]\n");
		return 2;
	}
	const char *path = argv[1];
	long mib = strtol(argv[2], NULL, 10);
	if (mib <= 0 || mib > 4096) {
		fprintf(stderr, "read_seq: MIB must be 1..4096\n");
		return 2;
	}
	int made = argc == 4;
	if (made && create(path, mib) != 0)
		return 1;

	int status = 0;
	int fd = open(path, O_RDONLY);
	if (fd == -1) {
		fprintf(stderr, "read_seq: open %s: %s\n", path, strerror(errno));
		status = 1;
		goto out;
	}
	uint64_t sum = 0;
	long done = 0;
	int64_t start = now_ns();
	for (; done < mib; done++) {
		ssize_t got = 0;
		while (got < CHUNK) {
			ssize_t n = read(fd, buf + got, CHUNK - got);
			if (n <= 0) {
				fprintf(stderr, "read_seq: read %s: %s\n", path, n == 0 ? "file too short" : strerror(errno));
				status = 1;
				goto closing;
			}
			got += n;
		}
		sum += (unsigned char)buf[done % CHUNK];
	}
	int64_t elapsed = now_ns() - start;
	double per_mib = (double)elapsed / mib;
	printf("%.1f ns/call (%ld MiB read, %.0f MB/s, checksum %llu)\n", per_mib, mib,
	       (double)mib * CHUNK / ((double)elapsed / 1e9) / 1e6, (unsigned long long)sum);
closing:
	close(fd);
out:
	if (made)
		unlink(path);
	return status;
}
