// Host descriptor pass-through (docs/fastpath.md, plat/passthrough.go).
//
// ep_pass runs on the thread's host stack, called by ep_fast_entry after it
// saved the app's registers, with the app's FS base still loaded (it saves
// the two FS base writes a crossing into Go costs) and the dispatch
// selector open. It must not touch TLS, call into libc, or use vector or
// x87 registers: the app's extended state is still live in the CPU.
#pragma GCC target("general-regs-only")

#include <stdint.h>

#include "ctx.h"
#include "rawsys.h"
#include "pass.h"

#define NR_READ 0
#define NR_WRITE 1
#define NR_READV 19
#define NR_WRITEV 20
#define NR_SENDTO 44
#define NR_RECVFROM 45
#define NR_SETSOCKOPT 54
#define NR_EPOLL_WAIT 232
#define NR_EPOLL_PWAIT 281

#define X_EINTR 4
#define X_EAGAIN 11
#define X_EFAULT 14
#define X_EPIPE 32

#define X_MSG_DONTWAIT 0x40
#define X_MSG_WAITALL 0x100
#define X_MSG_NOSIGNAL 0x4000
#define X_MSG_CMSG_CLOEXEC 0x40000000
#define X_SOL_TCP 6
#define MAX_LEN (1ul << 30)
#define X_TCP_NODELAY 1
#define X_TCP_CORK 3

/* take returns the description word of the app's descriptor fd with one
 * more in-flight call counted, or 0 when fd is not passed through. *slot
 * gets the word's address for give. */
static uint64_t take(struct ep_ctx *c, int64_t fd, uint64_t **slot) {
	if (fd < 0 || fd >= EP_PASS_FD_CAP)
		return 0;
	uint32_t idx = __atomic_load_n(&c->pass_fds[fd], __ATOMIC_ACQUIRE);
	if (idx == 0 || idx > EP_PASS_OFD_CAP)
		return 0;
	uint64_t *w = &c->pass_ofds[idx - 1];
	uint64_t v = __atomic_load_n(w, __ATOMIC_ACQUIRE);
	for (;;) {
		if (!(v & EP_PASS_VALID))
			return 0;
		if (__atomic_compare_exchange_n(w, &v, v + EP_PASS_INFLIGHT_ONE, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			break;
	}
	/* The descriptor may have been closed, and the index given to
	 * another description, between the two loads. */
	if (__atomic_load_n(&c->pass_fds[fd], __ATOMIC_ACQUIRE) != idx) {
		__atomic_fetch_sub(w, EP_PASS_INFLIGHT_ONE, __ATOMIC_RELEASE);
		return 0;
	}
	*slot = w;
	return v;
}

static inline void give(uint64_t *slot) { __atomic_fetch_sub(slot, EP_PASS_INFLIGHT_ONE, __ATOMIC_RELEASE); }

/* pass_epoll takes the ready events of an epoll instance whose every
 * registration is in its host epoll, waiting in the host as the app asked
 * when may_wait (else only ready events, or a call that does not wait). A
 * kick ends a wait: the call goes to Go. */
static int pass_epoll(struct ep_ctx *c, int64_t fd, int may_wait) {
	struct ep_regs *r = &c->regs;
	uint64_t *slot;
	uint64_t w = take(c, fd, &slot);
	if (w == 0)
		return 0;
	if (!(w & EP_PASS_EPOLL)) {
		give(slot);
		return 0;
	}
	long timeout = (int32_t)r->r10;
	long ret;
	if (timeout != 0 && may_wait)
		/* Wait in the host: a kick ends the wait (ep_pass_wait). */
		ret = ep_pass_wait(NR_EPOLL_WAIT, (long)(w & EP_PASS_FD_MASK), r->rsi, (long)(int32_t)r->rdx, timeout);
	else
		ret = raw6(NR_EPOLL_WAIT, (long)(w & EP_PASS_FD_MASK), r->rsi, (long)(int32_t)r->rdx, 0, 0, 0);
	give(slot);
	if (ret < 0 || (ret == 0 && timeout != 0 && !may_wait))
		return 0; /* EINTR (a kick), EFAULT; a wait the handler cannot make */
	r->rax = (uint64_t)ret;
	c->pass_calls++;
	return 1;
}

/* ep_pass serves the call in c->regs when it can: it returns 1 with the
 * result in c->regs.rax, or 0 to send the call to Go unchanged. An epoll
 * wait may block in the host only with may_wait (not in a signal
 * handler, where kicks are blocked). */
__attribute__((no_stack_protector)) int ep_pass(struct ep_ctx *c, int may_wait) {
	struct ep_regs *r = &c->regs;
	uint64_t nr = r->orig_rax;
	int64_t fd = (int32_t)r->rdi;
	int write = 0, sock_only = 0;
	long flags = 0;
	switch (nr) {
	case NR_READ:
	case NR_READV:
		break;
	case NR_WRITE:
	case NR_WRITEV:
		write = 1;
		break;
	case NR_RECVFROM:
		flags = (long)(int32_t)r->r10;
		if (r->r8 != 0 || (flags & (X_MSG_WAITALL | X_MSG_CMSG_CLOEXEC)))
			return 0; /* the sender's address, or Go's own loops */
		sock_only = 1;
		break;
	case NR_SENDTO:
		flags = (long)(int32_t)r->r10;
		if (r->r8 != 0)
			return 0; /* a destination address: Go translates it */
		sock_only = 1;
		break;
	case NR_SETSOCKOPT:
		if ((int32_t)r->rsi != X_SOL_TCP || ((int32_t)r->rdx != X_TCP_NODELAY && (int32_t)r->rdx != X_TCP_CORK))
			return 0;
		sock_only = 1;
		break;
	case NR_EPOLL_WAIT:
	case NR_EPOLL_PWAIT:
		/* Go's EINVAL; a signal mask, which Go reads (EFAULT) and
		 * applies during the wait. */
		if ((int32_t)r->rdx <= 0 || (nr == NR_EPOLL_PWAIT && r->r8 != 0))
			return 0;
		return pass_epoll(c, fd, may_wait);
	default:
		return 0;
	}
	/* A length beyond any buffer: Go checks it against the app's memory
	 * (the host's access_ok would judge elfloader's address layout). */
	if ((nr == NR_READ || nr == NR_WRITE || nr == NR_RECVFROM || nr == NR_SENDTO) && r->rdx > MAX_LEN)
		return 0;
	uint64_t *slot;
	uint64_t w = take(c, fd, &slot);
	if (w == 0)
		return 0;
	if (w & EP_PASS_EPOLL) {
		give(slot);
		return 0;
	}
	int sock = (w & EP_PASS_SOCKET) != 0;
	int nonblock = (w & EP_PASS_NONBLOCK) != 0 || (flags & X_MSG_DONTWAIT);
	long hfd = (long)(w & EP_PASS_FD_MASK);
	if ((sock_only && !sock) || (write && !nonblock)) {
		/* Go answers ENOTSOCK; a blocking write writes everything. */
		give(slot);
		return 0;
	}
	long ret;
	switch (nr) {
	case NR_WRITE:
		/* A socket's write is a send (sock_write_iter); MSG_NOSIGNAL
		 * spares the host's SIGPIPE (EPIPE goes to Go, which raises
		 * the app's). */
		if (sock)
			ret = raw6(NR_SENDTO, hfd, r->rsi, r->rdx, X_MSG_NOSIGNAL, 0, 0);
		else
			ret = raw6(NR_WRITE, hfd, r->rsi, r->rdx, 0, 0, 0);
		break;
	case NR_RECVFROM:
	case NR_SENDTO:
		ret = raw6(nr, hfd, r->rsi, r->rdx, nr == NR_SENDTO ? flags | X_MSG_NOSIGNAL : flags, 0, 0);
		break;
	case NR_SETSOCKOPT:
		ret = raw6(NR_SETSOCKOPT, hfd, r->rsi, r->rdx, r->r10, r->r8, 0);
		break;
	default:
		/* read, readv, writev: the call itself on the host descriptor
		 * (writev, not sendmsg, on a socket: a record on a
		 * SOCK_SEQPACKET socket ends with MSG_EOR as Linux's does). */
		ret = raw6(nr, hfd, r->rsi, r->rdx, 0, 0, 0);
		break;
	}
	give(slot);
	if (ret == -X_EAGAIN && !nonblock)
		return 0; /* a blocking call waits in Go */
	if (ret == -X_EPIPE || ret == -X_EFAULT || ret == -X_EINTR)
		return 0; /* SIGPIPE; Go's view of app memory; a restart */
	r->rax = (uint64_t)ret;
	c->pass_calls++;
	return 1;
}

/* Trapped sites the rewriter left on the trap path (a direct-mapped set of
 * syscall instruction addresses, written by Go: ep_trap_site_add): the
 * SIGSYS handler passes their calls through itself (sighandler.c). An
 * entry that outlives its code is harmless: a pass-through call is
 * served exactly as Go would serve it. */
#define TRAP_SITES 512
static uint64_t trap_sites[TRAP_SITES];

static inline unsigned trap_slot(uint64_t sys) { return (unsigned)((sys * 0x9e3779b97f4a7c15ull) >> 55) & (TRAP_SITES - 1); }

void ep_trap_site_add(uint64_t sys) { __atomic_store_n(&trap_sites[trap_slot(sys)], sys, __ATOMIC_RELEASE); }

int ep_trap_site(uint64_t sys) { return __atomic_load_n(&trap_sites[trap_slot(sys)], __ATOMIC_ACQUIRE) == sys; }
