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
#define NR_OPEN 2
#define NR_CLOSE 3
#define NR_FSTAT 5
#define NR_PREAD64 17
#define NR_POLL 7
#define NR_READV 19
#define NR_WRITEV 20
#define NR_SENDFILE 40
#define NR_SENDTO 44
#define NR_RECVFROM 45
#define NR_SETSOCKOPT 54
#define NR_GETPID 39
#define NR_GETPPID 110
#define NR_GETTID 186
#define NR_EPOLL_WAIT 232
#define NR_PPOLL 271
#define NR_NEWFSTATAT 262
#define NR_OPENAT 257
#define NR_EPOLL_PWAIT 281

#define X_EINTR 4
#define X_EAGAIN 11
#define X_EFAULT 14
#define X_EPIPE 32

#define X_POLLIN 0x1
#define X_POLLOUT 0x4
#define X_MSG_DONTWAIT 0x40
#define X_MSG_WAITALL 0x100
#define X_MSG_NOSIGNAL 0x4000
#define X_MSG_CMSG_CLOEXEC 0x40000000
#define X_SOL_TCP 6
#define MAX_LEN (1ul << 30)
#define X_TCP_NODELAY 1
#define X_TCP_CORK 3
#define X_AT_SYMLINK_NOFOLLOW 0x100
#define X_AT_NO_AUTOMOUNT 0x800
#define X_AT_EMPTY_PATH 0x1000

/* App memory that pass-through itself reads or writes goes through these,
 * never through a plain load or store: a fault at ep_probe_load or
 * ep_poke_store is a bad address the app gave, which ep_handler turns into
 * a return of -1 at ep_probe_fault (an exception table of two entries).
 * Only outside a signal handler, where SIGSEGV is not blocked.
 * ep_probe_byte returns the byte at p, ep_poke_u64 0 once v is stored. */
int ep_probe_byte(uint64_t p);
int ep_poke_u64(uint64_t p, uint64_t v);
__asm__(".text\n"
	".globl ep_probe_byte\n.hidden ep_probe_byte\n.type ep_probe_byte,@function\n"
	"ep_probe_byte:\n"
	".globl ep_probe_load\n.hidden ep_probe_load\n"
	"ep_probe_load:\n"
	"	movzbl (%rdi), %eax\n"
	"	ret\n"
	".size ep_probe_byte, .-ep_probe_byte\n"
	".globl ep_poke_u64\n.hidden ep_poke_u64\n.type ep_poke_u64,@function\n"
	"ep_poke_u64:\n"
	".globl ep_poke_store\n.hidden ep_poke_store\n"
	"ep_poke_store:\n"
	"	movq %rsi, (%rdi)\n"
	"	xorl %eax, %eax\n"
	"	ret\n"
	".size ep_poke_u64, .-ep_poke_u64\n"
	".globl ep_probe_fault\n.hidden ep_probe_fault\n"
	"ep_probe_fault:\n"
	"	movl $-1, %eax\n"
	"	ret\n");

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

/* gates_access_open says whether the access word of the file entry of the
 * description at slot is open (0; no word: open), gates_open whether its
 * gate is open too (no gate: closed). */
static int gates_access_open(struct ep_ctx *c, const uint64_t *slot) {
	const uint64_t *access = (const uint64_t *)c->pass_ofds[EP_PASS_FILE_ACCESS + (uint64_t)(slot - c->pass_ofds)];
	return access == 0 || (__atomic_load_n(access, __ATOMIC_ACQUIRE) & EP_ACCESS_WATCHED) == 0;
}

/* pass_close defers the close of a PassWordClosable description's
 * descriptor (plat/passthrough.go): it takes the descriptor out of the
 * table and queues it for the kernel, which closes it before it serves
 * the next call of any process using the table. */
static int pass_close(struct ep_ctx *c, int64_t fd) {
	if (fd < 0 || fd >= EP_PASS_FD_CAP)
		return 0;
	uint32_t idx = __atomic_load_n(&c->pass_fds[fd], __ATOMIC_ACQUIRE);
	if (idx == 0 || idx > EP_PASS_OFD_CAP)
		return 0;
	uint64_t w = __atomic_load_n(&c->pass_ofds[idx - 1], __ATOMIC_ACQUIRE);
	const uint64_t *access = (const uint64_t *)c->pass_ofds[EP_PASS_FILE_ACCESS + idx - 1];
	if (!(w & EP_PASS_VALID) || !(w & EP_PASS_CLOSABLE) || access == 0 || __atomic_load_n(access, __ATOMIC_ACQUIRE) != 0)
		return 0;
	uint64_t *queue = (uint64_t *)((char *)c->pass_fds + EP_PASS_FD_CAP * 4);
	if (__atomic_load_n(&queue[EP_PASS_CLOSE_SLOTS], __ATOMIC_ACQUIRE) >= EP_PASS_CLOSE_SLOTS / 2)
		return 0; /* the kernel drains the queue as it takes this call */
	/* The descriptor is ours to close once its entry is cleared: a
	 * change by the kernel meanwhile (a dup2 over it) sends the call to
	 * the kernel instead. */
	uint32_t want = idx;
	if (!__atomic_compare_exchange_n(&c->pass_fds[fd], &want, 0, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return 0;
	uint64_t entry = ((uint64_t)idx << 32) | (uint64_t)(fd + 1);
	for (int i = 0; i < EP_PASS_CLOSE_SLOTS; i++) {
		uint64_t empty = 0;
		if (__atomic_compare_exchange_n(&queue[i], &empty, entry, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			__atomic_fetch_add(&queue[EP_PASS_CLOSE_SLOTS], 1, __ATOMIC_RELEASE);
			c->regs.rax = 0;
			c->pass_calls++;
			return 1;
		}
	}
	/* The queue filled meanwhile (more than EP_PASS_CLOSE_SLOTS / 2
	 * threads closing at once): the kernel closes it (unless a dup2
	 * replaced the descriptor meanwhile, which closed it: done). */
	uint32_t cleared = 0;
	if (__atomic_compare_exchange_n(&c->pass_fds[fd], &cleared, idx, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return 0;
	c->regs.rax = 0;
	c->pass_calls++;
	return 1;
}

/* The host's struct stat, as far as pass_open reads it. */
struct host_stat {
	uint64_t dev, ino, nlink;
	uint32_t mode, uid, gid, pad;
	uint64_t rest[15];
};

/* pass_open answers open and openat of an absolute path with a
 * description whose deferred close is still queued, when the kernel's own
 * open would give that description's file at that descriptor
 * (plat/passthrough.go, PassReviveOffset): it takes the close back. */
static int pass_open(struct ep_ctx *c, uint64_t path, int64_t oflags) {
	char *base = (char *)c->pass_fds;
	uint64_t lowest = __atomic_load_n((uint64_t *)(base + EP_PASS_REVIVE), __ATOMIC_ACQUIRE);
	if (lowest == 0)
		return 0;
	uint64_t *queue = (uint64_t *)(base + EP_PASS_FD_CAP * 4);
	uint64_t n = __atomic_load_n(&queue[EP_PASS_CLOSE_SLOTS], __ATOMIC_ACQUIRE);
	if (n == 0 || n > EP_PASS_CLOSE_SLOTS)
		return 0;
	/* The lowest queued descriptor: the one a fresh open would get,
	 * when no descriptor below it is free in the kernel's table. */
	int best = -1;
	uint64_t entry = 0;
	for (int i = 0; i < EP_PASS_CLOSE_SLOTS && n > 0; i++) {
		uint64_t e = __atomic_load_n(&queue[i], __ATOMIC_ACQUIRE);
		if (e == 0)
			continue;
		n--;
		if (entry == 0 || (uint32_t)e < (uint32_t)entry) {
			entry = e;
			best = i;
		}
	}
	if (entry == 0)
		return 0;
	uint64_t fd = (uint32_t)entry - 1, idx = entry >> 32;
	if (fd + 1 >= lowest || idx == 0 || idx > EP_PASS_OFD_CAP)
		return 0;
	uint64_t *rec = 0;
	for (int i = 0; i < EP_PASS_REVIVE_RECORDS; i++) {
		uint64_t *r = (uint64_t *)(base + EP_PASS_REVIVE_RECORDS_AT) + i * EP_PASS_REVIVE_RECORD_WORDS;
		if (__atomic_load_n(&r[0], __ATOMIC_ACQUIRE) == idx) {
			rec = r;
			break;
		}
	}
	if (rec == 0 || rec[1] != __atomic_load_n(&c->pass_ofds[EP_PASS_REVIVE_GEN], __ATOMIC_ACQUIRE) ||
	    (int64_t)(int32_t)rec[2] != oflags)
		return 0;
	uint64_t len = rec[7];
	if (len == 0 || len > EP_PASS_REVIVE_PATH_MAX)
		return 0;
	const char *want = (const char *)&rec[8];
	for (uint64_t i = 0; i <= len; i++) {
		int b = ep_probe_byte(path + i);
		if (b < 0 || b != (i == len ? 0 : (unsigned char)want[i]))
			return 0; /* another path; EFAULT is Go's */
	}
	uint64_t w = __atomic_load_n(&c->pass_ofds[idx - 1], __ATOMIC_ACQUIRE);
	const uint64_t *access = (const uint64_t *)c->pass_ofds[EP_PASS_FILE_ACCESS + idx - 1];
	if (!(w & EP_PASS_VALID) || !(w & EP_PASS_CLOSABLE) || access == 0 || __atomic_load_n(access, __ATOMIC_ACQUIRE) != 0)
		return 0;
	/* The host path still names the file, with its owner and mode. */
	struct host_stat st;
	if (raw6(NR_NEWFSTATAT, -100 /* AT_FDCWD */, (long)&rec[40], (long)&st, 0, 0, 0) != 0 ||
	    st.dev != rec[3] || st.ino != rec[4] || ((uint64_t)st.mode | (uint64_t)st.uid << 32) != rec[5] || st.gid != rec[6])
		return 0;
	/* The record may have changed while it was read. */
	if (__atomic_load_n(&rec[0], __ATOMIC_ACQUIRE) != idx)
		return 0;
	if (!__atomic_compare_exchange_n(&queue[best], &entry, 0, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return 0; /* the kernel drained it meanwhile */
	__atomic_fetch_sub(&queue[EP_PASS_CLOSE_SLOTS], 1, __ATOMIC_RELEASE);
	uint32_t empty = 0;
	if (!__atomic_compare_exchange_n(&c->pass_fds[fd], &empty, (uint32_t)idx, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		/* Not while one thread alone uses the table; queue it back. */
		uint64_t zero = 0;
		if (__atomic_compare_exchange_n(&queue[best], &zero, entry, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			__atomic_fetch_add(&queue[EP_PASS_CLOSE_SLOTS], 1, __ATOMIC_RELEASE);
		return 0;
	}
	c->regs.rax = fd;
	c->pass_calls++;
	return 1;
}

static int gates_open(struct ep_ctx *c, const uint64_t *slot) {
	const uint64_t *gate = (const uint64_t *)c->pass_ofds[EP_PASS_FILE_GATE + (uint64_t)(slot - c->pass_ofds)];
	return gate != 0 && __atomic_load_n(gate, __ATOMIC_ACQUIRE) == 0 && gates_access_open(c, slot);
}

/* pass_pread answers pread64 of a PassWordPread description with the
 * host's pread64 of its descriptor, while its gates are open. */
static int pass_pread(struct ep_ctx *c, int64_t fd) {
	struct ep_regs *r = &c->regs;
	if ((int64_t)r->r10 < 0 || r->rdx > MAX_LEN)
		return 0; /* Go's EINVAL; a length Go checks against app memory */
	uint64_t *slot;
	uint64_t w = take(c, fd, &slot);
	if (w == 0)
		return 0;
	long ret = -X_EINTR;
	if ((w & EP_PASS_PREAD) && gates_open(c, slot))
		ret = raw6(NR_PREAD64, (long)(w & EP_PASS_FD_MASK), r->rsi, r->rdx, r->r10, 0, 0);
	give(slot);
	if (ret == -X_EFAULT || ret == -X_EINTR || ret == -X_EAGAIN)
		return 0; /* Go's view of app memory; not passed */
	r->rax = (uint64_t)ret;
	c->pass_calls++;
	return 1;
}

/* pass_fstat answers fstat of a PassWordFile description: the host's
 * fstat of its descriptor with the kernel's st_dev, while the file's gate
 * is closed (the kernel's Stat would differ in nothing else). */
static int pass_fstat(struct ep_ctx *c, int64_t fd, uint64_t buf) {
	uint64_t *slot;
	uint64_t w = take(c, fd, &slot);
	if (w == 0)
		return 0;
	long ret = -1;
	if (w & EP_PASS_FILE) {
		uint64_t idx = (uint64_t)(slot - c->pass_ofds);
		uint64_t dev = c->pass_ofds[EP_PASS_FILE_DEV + idx];
		const uint64_t *gate = (const uint64_t *)c->pass_ofds[EP_PASS_FILE_GATE + idx];
		if (gate != 0 && __atomic_load_n(gate, __ATOMIC_ACQUIRE) == 0) {
			ret = raw6(NR_FSTAT, (long)(w & EP_PASS_FD_MASK), (long)buf, 0, 0, 0, 0);
			/* struct stat begins with st_dev. */
			if (ret == 0 && dev != 0 && ep_poke_u64(buf, dev) != 0)
				ret = -1;
		}
	}
	give(slot);
	if (ret != 0)
		return 0; /* EFAULT, or a file Go stats */
	c->regs.rax = 0;
	c->pass_calls++;
	return 1;
}

/* pass_sendfile serves sendfile with an offset from a PassWordFile
 * description to a non-blocking socket or pipe end (without an offset the
 * call moves the kernel's file offset: Go serves it; a blocking one must
 * send everything). */
static int pass_sendfile(struct ep_ctx *c) {
	struct ep_regs *r = &c->regs;
	if (r->rdx == 0 || r->r10 > MAX_LEN)
		return 0;
	uint64_t *out_slot, *in_slot;
	uint64_t out = take(c, (int32_t)r->rdi, &out_slot);
	if (out == 0)
		return 0;
	if ((out & (EP_PASS_EPOLL | EP_PASS_FILE | EP_PASS_PREAD)) || !(out & EP_PASS_NONBLOCK)) {
		give(out_slot);
		return 0;
	}
	uint64_t in = take(c, (int32_t)r->rsi, &in_slot);
	if (in == 0) {
		give(out_slot);
		return 0;
	}
	long ret = 0;
	/* The access word: a watcher hears of the input's reads (Go raises
	 * the event). */
	int passed = (in & EP_PASS_FILE) != 0 && gates_access_open(c, in_slot);
	if (passed)
		ret = raw6(NR_SENDFILE, (long)(out & EP_PASS_FD_MASK), (long)(in & EP_PASS_FD_MASK), r->rdx, r->r10, 0, 0);
	give(in_slot);
	give(out_slot);
	if (!passed || ret == -X_EPIPE || ret == -X_EFAULT || ret == -X_EINTR)
		return 0; /* not a file; SIGPIPE (the host's stays blocked); Go's view of app memory */
	r->rax = (uint64_t)ret;
	c->pass_calls++;
	return 1;
}

/* wait_fd waits in the host until fd is ready for events, or a kick:
 * then it returns -EINTR (the call goes to Go, or ends short). Outside a
 * signal handler ep_pass_wait closes the race with a kick; in the SIGSYS
 * handler (a trapped site), where every signal is blocked, ppoll opens
 * the kick for the wait alone, and the kick handler, finding the thread
 * in a pass-through call, only latches it. */
static long wait_fd(struct ep_ctx *c, long fd, int16_t events, int may_wait) {
	struct {
		int32_t fd;
		int16_t events, revents;
	} pfd = {(int32_t)fd, events, 0};
	if (may_wait)
		return ep_pass_wait(NR_POLL, (long)&pfd, 1, -1, 0);
	uint64_t mask = ep_kick_only_mask();
	c->in_pass = 1;
	long ret = raw6(NR_PPOLL, (long)&pfd, 1, 0, (long)&mask, 8, 0);
	c->in_pass = 0;
	return ret;
}

#define TO_GO (-1l << 40)

/* write_all makes a blocking write (a send with MSG_NOSIGNAL on a
 * socket) of all r->rdx bytes, waiting in the host for room: a kick ends
 * the wait with what was written so far, as a signal ends Linux's, or
 * sends the call to Go (TO_GO) when nothing was; so do EPIPE, EFAULT and
 * EINTR before the first byte. */
static long write_all(struct ep_ctx *c, long hfd, int sock, long flags, int may_wait) {
	struct ep_regs *r = &c->regs;
	uint64_t done = 0;
	for (;;) {
		long ret;
		if (sock)
			ret = raw6(NR_SENDTO, hfd, (long)(r->rsi + done), (long)(r->rdx - done), flags | X_MSG_NOSIGNAL, 0, 0);
		else
			ret = raw6(NR_WRITE, hfd, (long)(r->rsi + done), (long)(r->rdx - done), 0, 0, 0);
		if (ret >= 0) {
			done += (uint64_t)ret;
			if (done == r->rdx || ret == 0)
				return (long)done;
		} else if (ret != -X_EAGAIN) {
			if (done > 0)
				return (long)done;
			return ret == -X_EPIPE || ret == -X_EFAULT || ret == -X_EINTR ? TO_GO : ret;
		}
		if (wait_fd(c, hfd, X_POLLOUT, may_wait) < 0)
			return done > 0 ? (long)done : TO_GO;
	}
}

/* pass_identity answers getpid, gettid and getppid from the identity the
 * kernel published for the thread (EP_PASS_PID in ctx.h). */
static int pass_identity(struct ep_ctx *c, uint64_t nr) {
	if (c->pass_pid == 0)
		return 0;
	uint32_t v = c->pass_pid;
	if (nr == NR_GETTID)
		v = c->pass_tid;
	else if (nr == NR_GETPPID)
		v = __atomic_load_n(c->pass_ppid, __ATOMIC_ACQUIRE);
	c->regs.rax = v;
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
		write = 1;
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
	case NR_FSTAT:
		/* Not in a signal handler (may_wait 0): SIGSEGV is blocked
		 * there, and ep_poke_u64 may fault. */
		return may_wait && pass_fstat(c, fd, r->rsi);
	case NR_NEWFSTATAT:
		/* Only the descriptor itself: "" with AT_EMPTY_PATH. */
		if (!may_wait || !((int32_t)r->r10 & X_AT_EMPTY_PATH) ||
		    ((int32_t)r->r10 & ~(X_AT_EMPTY_PATH | X_AT_SYMLINK_NOFOLLOW | X_AT_NO_AUTOMOUNT)) ||
		    ep_probe_byte(r->rsi) != 0)
			return 0;
		return pass_fstat(c, fd, r->rdx);
	case NR_SENDFILE:
		return pass_sendfile(c);
	case NR_PREAD64:
		return pass_pread(c, fd);
	case NR_CLOSE:
		return pass_close(c, fd);
	case NR_OPEN:
		/* Not in a signal handler: the path is read with ep_probe_byte. */
		return may_wait && pass_open(c, r->rdi, (int32_t)r->rsi);
	case NR_OPENAT:
		return may_wait && pass_open(c, r->rsi, (int32_t)r->rdx);
	case NR_GETPID:
	case NR_GETTID:
	case NR_GETPPID:
		return pass_identity(c, nr);
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
	if (w & (EP_PASS_EPOLL | EP_PASS_FILE | EP_PASS_PREAD)) {
		give(slot);
		return 0;
	}
	int sock = (w & EP_PASS_SOCKET) != 0;
	int nonblock = (w & EP_PASS_NONBLOCK) != 0 || (flags & X_MSG_DONTWAIT);
	long hfd = (long)(w & EP_PASS_FD_MASK);
	if ((sock_only && !sock) || (write && !nonblock && (nr == NR_WRITEV || (w & EP_PASS_TIMED)))) {
		/* Go answers ENOTSOCK; a blocking writev, and a write with a
		 * send timeout, are Go's. */
		give(slot);
		return 0;
	}
	if (write && !nonblock) {
		/* A blocking write or send writes everything. */
		long ret = write_all(c, hfd, sock, flags, may_wait);
		give(slot);
		if (ret == TO_GO)
			return 0;
		r->rax = (uint64_t)ret;
		c->pass_calls++;
		return 1;
	}
	long ret;
again:
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
	if (ret == -X_EAGAIN && !nonblock && !write && !(w & EP_PASS_TIMED)) {
		/* A blocking read waits in the host for input, then reads
		 * again; a kick ends the wait and sends the call to Go, which
		 * waits there (and delivers the signal, restarts the call). A
		 * receive timeout is Go's to keep. */
		if (wait_fd(c, hfd, X_POLLIN, may_wait) >= 0)
			goto again;
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
