package linux

import (
	"sync"

	"golang.org/x/sys/unix"
)

// IoctlReq returns the names of the common terminal, file and socket ioctl
// requests. Requests it does not know are printed by FormatIoctlReq as an
// _IOC(...) decomposition.
var IoctlReq = sync.OnceValue(func() Enum {
	return Enum{
		unix.TCGETS: "TCGETS", unix.TCSETS: "TCSETS", unix.TCSETSW: "TCSETSW",
		unix.TCSETSF: "TCSETSF", unix.TCGETA: "TCGETA", unix.TCSETA: "TCSETA",
		unix.TCSETAW: "TCSETAW", unix.TCSETAF: "TCSETAF", unix.TCSBRK: "TCSBRK",
		unix.TCXONC: "TCXONC", unix.TCFLSH: "TCFLSH", unix.TIOCEXCL: "TIOCEXCL",
		unix.TIOCNXCL: "TIOCNXCL", unix.TIOCSCTTY: "TIOCSCTTY", unix.TIOCGPGRP: "TIOCGPGRP",
		unix.TIOCSPGRP: "TIOCSPGRP", unix.TIOCOUTQ: "TIOCOUTQ", unix.TIOCSTI: "TIOCSTI",
		unix.TIOCGWINSZ: "TIOCGWINSZ", unix.TIOCSWINSZ: "TIOCSWINSZ", unix.TIOCMGET: "TIOCMGET",
		unix.TIOCMBIS: "TIOCMBIS", unix.TIOCMBIC: "TIOCMBIC", unix.TIOCMSET: "TIOCMSET",
		unix.TIOCGSOFTCAR: "TIOCGSOFTCAR", unix.TIOCSSOFTCAR: "TIOCSSOFTCAR",
		0x541b: "FIONREAD", unix.TIOCLINUX: "TIOCLINUX", unix.TIOCCONS: "TIOCCONS",
		unix.TIOCGSERIAL: "TIOCGSERIAL", unix.TIOCSSERIAL: "TIOCSSERIAL", unix.TIOCPKT: "TIOCPKT",
		0x5421: "FIONBIO", unix.TIOCNOTTY: "TIOCNOTTY", unix.TIOCSETD: "TIOCSETD",
		unix.TIOCGETD: "TIOCGETD", unix.TCSBRKP: "TCSBRKP", unix.TIOCSBRK: "TIOCSBRK",
		unix.TIOCCBRK: "TIOCCBRK", unix.TIOCGSID: "TIOCGSID", unix.TCGETS2: "TCGETS2",
		unix.TCSETS2: "TCSETS2", unix.TCSETSW2: "TCSETSW2", unix.TCSETSF2: "TCSETSF2",
		unix.TIOCGRS485: "TIOCGRS485", unix.TIOCSRS485: "TIOCSRS485",
		unix.TIOCGPTN: "TIOCGPTN", unix.TIOCSPTLCK: "TIOCSPTLCK", unix.TIOCGDEV: "TIOCGDEV",
		unix.TIOCSIG: "TIOCSIG", unix.TIOCVHANGUP: "TIOCVHANGUP", unix.TIOCGPKT: "TIOCGPKT",
		unix.TIOCGPTLCK: "TIOCGPTLCK", unix.TIOCGEXCL: "TIOCGEXCL", unix.TIOCGPTPEER: "TIOCGPTPEER",
		0x5450: "FIONCLEX", 0x5451: "FIOCLEX", 0x5452: "FIOASYNC",
		unix.TIOCSERCONFIG: "TIOCSERCONFIG", unix.TIOCSERGETLSR: "TIOCSERGETLSR",
		unix.TIOCMIWAIT: "TIOCMIWAIT", unix.TIOCGICOUNT: "TIOCGICOUNT", 0x5460: "FIOQSIZE",
		1: "FIBMAP", 2: "FIGETBSZ", unix.FICLONE: "FICLONE",
		unix.FICLONERANGE: "FICLONERANGE", unix.FIDEDUPERANGE: "FIDEDUPERANGE",
		unix.FS_IOC_GETFLAGS: "FS_IOC_GETFLAGS", unix.FS_IOC_SETFLAGS: "FS_IOC_SETFLAGS",
		0x80087601: "FS_IOC_GETVERSION", 0x40087602: "FS_IOC_SETVERSION",
		0xc0045877: "FIFREEZE", 0xc0045878: "FITHAW",
		unix.BLKGETSIZE64: "BLKGETSIZE64", unix.BLKSSZGET: "BLKSSZGET", unix.BLKGETSIZE: "BLKGETSIZE",
		unix.SIOCATMARK: "SIOCATMARK", unix.SIOCGSTAMP: "SIOCGSTAMP",
		unix.SIOCGIFNAME: "SIOCGIFNAME", unix.SIOCGIFCONF: "SIOCGIFCONF",
		unix.SIOCGIFFLAGS: "SIOCGIFFLAGS", unix.SIOCSIFFLAGS: "SIOCSIFFLAGS",
		unix.SIOCGIFADDR: "SIOCGIFADDR", unix.SIOCGIFMTU: "SIOCGIFMTU",
		unix.SIOCGIFHWADDR: "SIOCGIFHWADDR", unix.SIOCGIFINDEX: "SIOCGIFINDEX",
	}
})

// Fields of an ioctl request number (include/uapi/asm-generic/ioctl.h).
const (
	iocNRBits   = 8
	iocTypeBits = 8
	iocSizeBits = 14
	iocDirShift = iocNRBits + iocTypeBits + iocSizeBits
)

var iocDir = FlagSet{
	{Name: "_IOC_NONE"},
	{Name: "_IOC_READ", Value: 2},
	{Name: "_IOC_WRITE", Value: 1},
}

// FormatIoctlReq renders an ioctl request: its name when known, otherwise
// its _IOC(dir, type, nr, size) decomposition as strace prints it.
func FormatIoctlReq(req uint64) string {
	req &= 0xffffffff
	if name, ok := IoctlReq()[req]; ok {
		return name
	}
	nr := req & (1<<iocNRBits - 1)
	typ := (req >> iocNRBits) & (1<<iocTypeBits - 1)
	size := (req >> (iocNRBits + iocTypeBits)) & (1<<iocSizeBits - 1)
	dir := req >> iocDirShift
	return "_IOC(" + FormatFlags(iocDir, dir) + ", " + formatHex(typ) + ", " + formatHex(nr) + ", " + formatHex(size) + ")"
}

// PollEvents is struct pollfd's events/revents word.
var PollEvents = FlagSet{
	{Name: "POLLIN", Value: unix.POLLIN},
	{Name: "POLLPRI", Value: unix.POLLPRI},
	{Name: "POLLOUT", Value: unix.POLLOUT},
	{Name: "POLLERR", Value: unix.POLLERR},
	{Name: "POLLHUP", Value: unix.POLLHUP},
	{Name: "POLLNVAL", Value: unix.POLLNVAL},
	{Name: "POLLRDNORM", Value: 0x40},
	{Name: "POLLRDBAND", Value: 0x80},
	{Name: "POLLWRNORM", Value: 0x100},
	{Name: "POLLWRBAND", Value: 0x200},
	{Name: "POLLMSG", Value: 0x400},
	{Name: "POLLREMOVE", Value: 0x1000},
	{Name: "POLLRDHUP", Value: unix.POLLRDHUP},
}

// EpollEvents is struct epoll_event's events word.
var EpollEvents = FlagSet{
	{Name: "EPOLLIN", Value: unix.EPOLLIN},
	{Name: "EPOLLPRI", Value: unix.EPOLLPRI},
	{Name: "EPOLLOUT", Value: unix.EPOLLOUT},
	{Name: "EPOLLERR", Value: unix.EPOLLERR},
	{Name: "EPOLLHUP", Value: unix.EPOLLHUP},
	{Name: "EPOLLNVAL", Value: 0x20},
	{Name: "EPOLLRDNORM", Value: unix.EPOLLRDNORM},
	{Name: "EPOLLRDBAND", Value: unix.EPOLLRDBAND},
	{Name: "EPOLLWRNORM", Value: unix.EPOLLWRNORM},
	{Name: "EPOLLWRBAND", Value: unix.EPOLLWRBAND},
	{Name: "EPOLLMSG", Value: unix.EPOLLMSG},
	{Name: "EPOLLRDHUP", Value: unix.EPOLLRDHUP},
	{Name: "EPOLLEXCLUSIVE", Value: unix.EPOLLEXCLUSIVE},
	{Name: "EPOLLWAKEUP", Value: unix.EPOLLWAKEUP},
	{Name: "EPOLLONESHOT", Value: unix.EPOLLONESHOT},
	{Name: "EPOLLET", Value: uint64(uint32(unix.EPOLLET))},
}

// EpollCtlOp returns the names of epoll_ctl(2)'s op.
var EpollCtlOp = sync.OnceValue(func() Enum {
	return Enum{
		unix.EPOLL_CTL_ADD: "EPOLL_CTL_ADD", unix.EPOLL_CTL_DEL: "EPOLL_CTL_DEL",
		unix.EPOLL_CTL_MOD: "EPOLL_CTL_MOD",
	}
})

// EpollCreateFlags is epoll_create1(2)'s flags word.
var EpollCreateFlags = FlagSet{{Name: "EPOLL_CLOEXEC", Value: unix.EPOLL_CLOEXEC}}

// EventfdFlags is eventfd2(2)'s flags word.
var EventfdFlags = FlagSet{
	{Name: "EFD_SEMAPHORE", Value: unix.EFD_SEMAPHORE},
	{Name: "EFD_CLOEXEC", Value: unix.EFD_CLOEXEC},
	{Name: "EFD_NONBLOCK", Value: unix.EFD_NONBLOCK},
}

// GrndFlags is getrandom(2)'s flags word.
var GrndFlags = FlagSet{
	{Name: "GRND_NONBLOCK", Value: unix.GRND_NONBLOCK},
	{Name: "GRND_RANDOM", Value: unix.GRND_RANDOM},
	{Name: "GRND_INSECURE", Value: 0x4},
}

// FdFlagsOpen is the O_* subset accepted by pipe2(2), dup3(2) and
// inotify_init1(2) (no access mode).
var FdFlagsOpen = FlagSet{
	{Name: "O_NONBLOCK", Value: unix.O_NONBLOCK},
	{Name: "O_DIRECT", Value: unix.O_DIRECT},
	{Name: "O_CLOEXEC", Value: unix.O_CLOEXEC},
}

// CloseRangeFlags is close_range(2)'s flags word.
var CloseRangeFlags = FlagSet{
	{Name: "CLOSE_RANGE_UNSHARE", Value: unix.CLOSE_RANGE_UNSHARE},
	{Name: "CLOSE_RANGE_CLOEXEC", Value: unix.CLOSE_RANGE_CLOEXEC},
}

// StatxMask is statx(2)'s mask.
var StatxMask = FlagSet{
	{Name: "STATX_ALL", Value: unix.STATX_ALL},
	{Name: "STATX_BASIC_STATS", Value: unix.STATX_BASIC_STATS},
	{Name: "STATX_TYPE", Value: unix.STATX_TYPE},
	{Name: "STATX_MODE", Value: unix.STATX_MODE},
	{Name: "STATX_NLINK", Value: unix.STATX_NLINK},
	{Name: "STATX_UID", Value: unix.STATX_UID},
	{Name: "STATX_GID", Value: unix.STATX_GID},
	{Name: "STATX_ATIME", Value: unix.STATX_ATIME},
	{Name: "STATX_MTIME", Value: unix.STATX_MTIME},
	{Name: "STATX_CTIME", Value: unix.STATX_CTIME},
	{Name: "STATX_INO", Value: unix.STATX_INO},
	{Name: "STATX_SIZE", Value: unix.STATX_SIZE},
	{Name: "STATX_BLOCKS", Value: unix.STATX_BLOCKS},
	{Name: "STATX_BTIME", Value: unix.STATX_BTIME},
	{Name: "STATX_MNT_ID", Value: unix.STATX_MNT_ID},
	{Name: "STATX_DIOALIGN", Value: unix.STATX_DIOALIGN},
	{Name: "STATX_MNT_ID_UNIQUE", Value: 0x4000},
	{Name: "STATX_SUBVOL", Value: 0x8000},
	{Name: "STATX_WRITE_ATOMIC", Value: 0x10000},
}

// StatxAtFlags is statx(2)'s flags word, whose zero value strace names
// AT_STATX_SYNC_AS_STAT.
var StatxAtFlags = append(FlagSet{{Name: "AT_STATX_SYNC_AS_STAT"}}, AtFlags...)
