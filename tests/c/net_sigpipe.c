/* net_sigpipe: writing to a stream socket whose peer is gone raises
 * SIGPIPE; with the default action the program dies of it (shell status
 * 141). The line before the fatal write is printed; the one after never is. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof a;
	if (bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &len) < 0) {
		perror("listen");
		return 1;
	}
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&a, sizeof a) < 0) {
		perror("connect");
		return 1;
	}
	close(accept(l, NULL, NULL));
	printf("peer closed; writing until SIGPIPE\n");
	for (int i = 0; i < 200; i++) {
		if (write(c, "data", 4) < 0 && errno != ECONNRESET) {
			printf("write failed without SIGPIPE: %s\n", strerror(errno));
			return 2;
		}
		usleep(1000);
	}
	printf("no SIGPIPE\n");
	return 3;
}
