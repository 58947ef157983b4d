/* NETLINK_ROUTE sockets: RTM_GETLINK and RTM_GETADDR dumps (interfaces and
 * addresses printed in a normalised form to compare with native), the
 * socket's address, acks and errors, MSG_PEEK|MSG_TRUNC, non-blocking
 * receive, poll, and a change of the configuration refused with EPERM
 * without CAP_NET_ADMIN (dropped first, so the native run cannot change
 * the host either). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/capability.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static char buf[1 << 16];

static int nlsock(void) {
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) {
		printf("socket: %s\n", strerror(errno));
		exit(1);
	}
	return fd;
}

static void send_req(int fd, int type, int flags, int seq, int family) {
	struct {
		struct nlmsghdr h;
		struct rtgenmsg g;
	} req = {.h = {.nlmsg_len = sizeof req, .nlmsg_type = type, .nlmsg_flags = NLM_F_REQUEST | flags, .nlmsg_seq = seq},
		 .g = {.rtgen_family = family}};
	struct sockaddr_nl to = {.nl_family = AF_NETLINK};
	if (sendto(fd, &req, sizeof req, 0, (struct sockaddr *)&to, sizeof to) != sizeof req)
		printf("sendto: %s\n", strerror(errno));
}

static void print_link(struct nlmsghdr *h) {
	struct ifinfomsg *ifi = NLMSG_DATA(h);
	int len = IFLA_PAYLOAD(h), mtu = -1;
	const char *name = "?";
	for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFLA_IFNAME)
			name = RTA_DATA(a);
		if (a->rta_type == IFLA_MTU)
			mtu = *(int *)RTA_DATA(a);
	}
	printf("link %d %s type=%d flags=%#x mtu=%d\n", ifi->ifi_index, name, ifi->ifi_type, ifi->ifi_flags & (IFF_UP | IFF_LOOPBACK | IFF_BROADCAST | IFF_MULTICAST | IFF_RUNNING), mtu);
}

static void print_addr(struct nlmsghdr *h) {
	struct ifaddrmsg *ifa = NLMSG_DATA(h);
	int len = IFA_PAYLOAD(h);
	char text[INET6_ADDRSTRLEN] = "?";
	for (struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFA_ADDRESS)
			inet_ntop(ifa->ifa_family, RTA_DATA(a), text, sizeof text);
	printf("addr %d family=%d %s/%d\n", ifa->ifa_index, ifa->ifa_family, text, ifa->ifa_prefixlen);
}

/* dump reads a whole dump; every message must carry our seq and port. */
static void dump(int fd, int type, int family, int seq, unsigned port) {
	send_req(fd, type, NLM_F_DUMP, seq, family);
	int msgs = 0, bad = 0;
	for (;;) {
		struct sockaddr_nl from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
		if (n < 0) {
			printf("recv: %s\n", strerror(errno));
			return;
		}
		if (fl != sizeof from || from.nl_family != AF_NETLINK || from.nl_pid != 0)
			printf("bad source address len=%d family=%d pid=%u\n", fl, from.nl_family, from.nl_pid);
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != (unsigned)seq || h->nlmsg_pid != port)
				bad++;
			if (h->nlmsg_type == NLMSG_DONE) {
				printf("done: %d messages, %d with a wrong seq or port, error %d\n", msgs, bad, *(int *)NLMSG_DATA(h));
				return;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				printf("error %d\n", ((struct nlmsgerr *)NLMSG_DATA(h))->error);
				return;
			}
			if (!(h->nlmsg_flags & NLM_F_MULTI))
				bad++;
			msgs++;
			if (h->nlmsg_type == RTM_NEWLINK)
				print_link(h);
			else if (h->nlmsg_type == RTM_NEWADDR)
				print_addr(h);
		}
	}
}

/* one_answer receives one datagram and prints its first message. */
static void one_answer(int fd, const char *what) {
	ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
	if (n < 0) {
		printf("%s: %s\n", what, strerror(errno));
		return;
	}
	struct nlmsghdr *h = (void *)buf;
	if (h->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = NLMSG_DATA(h);
		printf("%s: NLMSG_ERROR error=%d len=%u flags=%#x echoed type=%d seq=%u\n", what, e->error, h->nlmsg_len,
		       h->nlmsg_flags, e->msg.nlmsg_type, e->msg.nlmsg_seq);
	} else {
		printf("%s: type=%d seq=%u\n", what, h->nlmsg_type, h->nlmsg_seq);
		if (h->nlmsg_type == RTM_NEWLINK)
			print_link(h);
	}
}

int main(void) {
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("stream: %d\n", socket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE) < 0 ? errno : 0);
	int fd = nlsock();
	int v;
	socklen_t vl = sizeof v;
	getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &vl);
	printf("SO_TYPE=%d", v);
	getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &vl);
	printf(" SO_PROTOCOL=%d", v);
	getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &vl);
	printf(" SO_DOMAIN=%d\n", v);
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	socklen_t sl = sizeof sa;
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	printf("before bind: pid is 0: %d\n", sa.nl_pid == 0);
	printf("bind: %d\n", bind(fd, (struct sockaddr *)&sa, sizeof sa));
	sl = sizeof sa;
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	printf("getsockname: len=%d family=%d pid is getpid: %d\n", sl, sa.nl_family, sa.nl_pid == (unsigned)getpid());
	unsigned port = sa.nl_pid;

	dump(fd, RTM_GETLINK, AF_UNSPEC, 1, port);
	dump(fd, RTM_GETADDR, AF_UNSPEC, 2, port);
	dump(fd, RTM_GETADDR, AF_INET, 3, port);
	dump(fd, RTM_GETADDR, AF_INET6, 4, port);

	/* A single link by index, with an ack after it. */
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} get = {.h = {.nlmsg_len = sizeof get, .nlmsg_type = RTM_GETLINK, .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK, .nlmsg_seq = 5},
		 .i = {.ifi_index = 1}};
	send(fd, &get, sizeof get, 0);
	struct pollfd pf = {.fd = fd, .events = POLLIN};
	int pr = poll(&pf, 1, 1000);
	printf("poll: %d revents=%#x\n", pr, pf.revents);
	ssize_t peek = recv(fd, buf, 1, MSG_PEEK | MSG_TRUNC);
	one_answer(fd, "getlink 1");
	printf("peek with MSG_TRUNC gave the full length: %d\n", peek > 1);
	one_answer(fd, "ack");
	get.i.ifi_index = 999999;
	get.h.nlmsg_seq = 6;
	send(fd, &get, sizeof get, 0);
	one_answer(fd, "getlink 999999");
	one_answer(fd, "nothing more");

	/* Without CAP_NET_ADMIN a change is refused. */
	struct __user_cap_header_struct ch = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct cd[2];
	syscall(SYS_capget, &ch, cd);
	cd[CAP_NET_ADMIN / 32].effective &= ~(1u << (CAP_NET_ADMIN % 32));
	printf("capset: %ld\n", syscall(SYS_capset, &ch, cd));
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} set = {.h = {.nlmsg_len = sizeof set, .nlmsg_type = RTM_NEWLINK, .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK, .nlmsg_seq = 7},
		 .i = {.ifi_index = 1, .ifi_flags = 0, .ifi_change = IFF_UP}};
	send(fd, &set, sizeof set, 0);
	one_answer(fd, "newlink");
	set.h.nlmsg_type = RTM_DELADDR;
	set.h.nlmsg_seq = 8;
	send(fd, &set, sizeof set, 0);
	one_answer(fd, "deladdr");

	/* Go's net.Interfaces way: a fresh socket per dump. */
	int fd2 = nlsock();
	sa.nl_pid = 0;
	bind(fd2, (struct sockaddr *)&sa, sizeof sa);
	sl = sizeof sa;
	getsockname(fd2, (struct sockaddr *)&sa, &sl);
	dump(fd2, RTM_GETLINK, AF_UNSPEC, 1, sa.nl_pid);
	close(fd2);

	/* write(2) and read(2) are send and receive too. */
	int fd3 = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE);
	struct {
		struct nlmsghdr h;
		struct rtgenmsg g;
	} req = {{sizeof req, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 9, 0}, {AF_UNSPEC}};
	printf("write: %zd\n", write(fd3, &req, sizeof req));
	for (int links = 0, more = 1; more;) {
		ssize_t n = read(fd3, buf, sizeof buf);
		if (n <= 0) {
			printf("read: %zd\n", n);
			break;
		}
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				printf("read: %d links, seq %u\n", links, h->nlmsg_seq);
				more = 0;
				break;
			}
			links++;
		}
	}
	close(fd3);
	close(fd);
	return 0;
}
