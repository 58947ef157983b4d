package linux

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestFormatFlags(t *testing.T) {
	cases := []struct {
		name string
		set  FlagSet
		v    uint64
		want string
	}{
		{"rdonly alone", OpenFlags, 0, "O_RDONLY"},
		{"rdonly cloexec", OpenFlags, unix.O_CLOEXEC, "O_RDONLY|O_CLOEXEC"},
		{"rdwr creat cloexec", OpenFlags, unix.O_RDWR | unix.O_CREAT | unix.O_CLOEXEC, "O_RDWR|O_CREAT|O_CLOEXEC"},
		{"sync not dsync", OpenFlags, unix.O_WRONLY | unix.O_SYNC, "O_WRONLY|O_SYNC"},
		{"dsync", OpenFlags, unix.O_RDWR | unix.O_DSYNC, "O_RDWR|O_DSYNC"},
		{"tmpfile", OpenFlags, unix.O_RDWR | unix.O_TMPFILE, "O_RDWR|O_TMPFILE"},
		{"largefile", OpenFlags, 0x8000, "O_RDONLY|O_LARGEFILE"},
		{"unknown bit", OpenFlags, unix.O_RDWR | 0x80000000, "O_RDWR|0x80000000"},
		{"accmode 3", OpenFlags, 3, "O_ACCMODE"},
		{"prot none", MmapProt, 0, "PROT_NONE"},
		{"prot rw", MmapProt, 3, "PROT_READ|PROT_WRITE"},
		{"map private anon", MmapFlags, unix.MAP_PRIVATE | unix.MAP_ANONYMOUS, "MAP_PRIVATE|MAP_ANONYMOUS"},
		{"map shared validate", MmapFlags, unix.MAP_SHARED_VALIDATE | unix.MAP_SYNC, "MAP_SHARED_VALIDATE|MAP_SYNC"},
		{"map zero", MmapFlags, 0, "0"},
		{"at flags zero", AtFlags, 0, "0"},
		{"only unknown", AtFlags, 0x80000000, "0x80000000"},
		{"sock type", SockType, unix.SOCK_STREAM | unix.SOCK_NONBLOCK | unix.SOCK_CLOEXEC, "SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK"},
		{"sa flags", SaFlags, SA_RESTORER | SA_ONSTACK | SA_RESTART | SA_SIGINFO, "SA_RESTORER|SA_ONSTACK|SA_RESTART|SA_SIGINFO"},
		{"epoll", EpollEvents, unix.EPOLLIN | 0x80000000, "EPOLLIN|EPOLLET"},
		{"poll", PollEvents, unix.POLLIN | unix.POLLOUT, "POLLIN|POLLOUT"},
		{"grnd", GrndFlags, 1, "GRND_NONBLOCK"},
		{"msg", MsgFlags, unix.MSG_NOSIGNAL, "MSG_NOSIGNAL"},
		{"access", AccessMode, 0, "F_OK"},
		{"access rx", AccessMode, unix.R_OK | unix.X_OK, "R_OK|X_OK"},
		{"wait", WaitOptions, unix.WNOHANG | unix.WALL, "WNOHANG|__WALL"},
	}
	for _, c := range cases {
		if got := FormatFlags(c.set, c.v); got != c.want {
			t.Errorf("%s: FormatFlags(%#x) = %q, want %q", c.name, c.v, got, c.want)
		}
		if got := c.set.Format(c.v); got != c.want {
			t.Errorf("%s: method Format differs: %q", c.name, got)
		}
	}
}

func TestFormatEnum(t *testing.T) {
	if got := FormatEnum(FcntlCmd(), unix.F_GETFL); got != "F_GETFL" {
		t.Errorf("got %q", got)
	}
	if got := FormatEnum(FcntlCmd(), 9999); got != "0x270f" {
		t.Errorf("unknown enum = %q", got)
	}
	if v, ok := MadvAdvice().Value("MADV_DONTNEED"); !ok || v != unix.MADV_DONTNEED {
		t.Errorf("Value = %d, %v", v, ok)
	}
	if name, ok := ClockID().Lookup(unix.CLOCK_MONOTONIC); !ok || name != "CLOCK_MONOTONIC" {
		t.Errorf("Lookup = %q", name)
	}
}

func TestFormatCloneFlags(t *testing.T) {
	cases := map[uint64]string{
		unix.CLONE_CHILD_CLEARTID | unix.CLONE_CHILD_SETTID | uint64(unix.SIGCHLD): "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD",
		unix.CLONE_VM | unix.CLONE_VFORK | uint64(unix.SIGCHLD):                    "CLONE_VM|CLONE_VFORK|SIGCHLD",
		unix.CLONE_VM | unix.CLONE_THREAD:                                          "CLONE_VM|CLONE_THREAD",
		uint64(unix.SIGCHLD):                                                       "SIGCHLD",
		0:                                                                          "0",
	}
	for v, want := range cases {
		if got := FormatCloneFlags(v); got != want {
			t.Errorf("FormatCloneFlags(%#x) = %q, want %q", v, got, want)
		}
	}
}

func TestFormatFutexOp(t *testing.T) {
	cases := map[uint64]string{
		0:                       "FUTEX_WAIT",
		1 | 128:                 "FUTEX_WAKE_PRIVATE",
		9 | 128 | 256:           "FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME",
		9 | 256:                 "FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME",
		FUTEX_PRIVATE_FLAG:      "FUTEX_WAIT_PRIVATE",
		99:                      "0x63",
		13 | FUTEX_PRIVATE_FLAG: "FUTEX_LOCK_PI2_PRIVATE",
	}
	for op, want := range cases {
		if got := FormatFutexOp(op); got != want {
			t.Errorf("FormatFutexOp(%#x) = %q, want %q", op, got, want)
		}
	}
}

func TestFormatMode(t *testing.T) {
	cases := []struct {
		v          uint64
		mode, octl string
	}{
		{unix.S_IFREG | 0o644, "S_IFREG|0644", "0100644"},
		{unix.S_IFIFO | unix.S_ISUID | 0o755, "S_IFIFO|S_ISUID|0755", "014755"},
		{unix.S_IFDIR | unix.S_ISVTX | 0o777, "S_IFDIR|S_ISVTX|0777", "041777"},
		{0o644, "0644", "0644"},
		{0, "000", "000"},
		{0o22, "022", "022"},
	}
	for _, c := range cases {
		if got := FormatMode(c.v); got != c.mode {
			t.Errorf("FormatMode(%o) = %q, want %q", c.v, got, c.mode)
		}
		if got := FormatOctal(c.v); got != c.octl {
			t.Errorf("FormatOctal(%o) = %q, want %q", c.v, got, c.octl)
		}
	}
}

func TestFormatIoctlReq(t *testing.T) {
	cases := map[uint64]string{
		unix.TCGETS:     "TCGETS",
		unix.TIOCGWINSZ: "TIOCGWINSZ",
		0x541b:          "FIONREAD",
		0x5421:          "FIONBIO",
		unix.TIOCGPTN:   "TIOCGPTN",
		unix.TIOCSPTLCK: "TIOCSPTLCK",
		0xc0105499:      "_IOC(_IOC_READ|_IOC_WRITE, 0x54, 0x99, 0x10)",
		0x5499:          "_IOC(_IOC_NONE, 0x54, 0x99, 0)",
	}
	for req, want := range cases {
		if got := FormatIoctlReq(req); got != want {
			t.Errorf("FormatIoctlReq(%#x) = %q, want %q", req, got, want)
		}
	}
}

func TestFormatSockOpt(t *testing.T) {
	cases := []struct {
		level, opt uint64
		want       string
	}{
		{unix.SOL_SOCKET, unix.SO_REUSEADDR, "SO_REUSEADDR"},
		{unix.SOL_SOCKET, unix.SO_KEEPALIVE, "SO_KEEPALIVE"},
		{unix.IPPROTO_TCP, unix.TCP_NODELAY, "TCP_NODELAY"},
		{unix.IPPROTO_IP, unix.IP_TOS, "IP_TOS"},
		{unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, "IPV6_V6ONLY"},
		{unix.SOL_SOCKET, 9999, "9999"},
		{unix.SOL_NETLINK, 1, "1"},
	}
	for _, c := range cases {
		if got := FormatSockOpt(c.level, c.opt); got != c.want {
			t.Errorf("FormatSockOpt(%d, %d) = %q, want %q", c.level, c.opt, got, c.want)
		}
	}
}
