package strace

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"
)

func statBuf(mode uint32, rdev, size uint64) []byte {
	b := make([]byte, statSize)
	binary.LittleEndian.PutUint32(b[24:], mode)
	binary.LittleEndian.PutUint64(b[40:], rdev)
	binary.LittleEndian.PutUint64(b[48:], size)
	return b
}

func dirent64(reclens ...uint16) []byte {
	var b []byte
	for _, n := range reclens {
		e := make([]byte, n)
		binary.LittleEndian.PutUint16(e[16:], n)
		b = append(b, e...)
	}
	return b
}

func TestFormatOutputStructs(t *testing.T) {
	ttyDev := unix.Mkdev(0x88, 1)
	runFormatCases(t, []formatCase{
		{"newfstatat regular", unix.SYS_NEWFSTATAT, [6]uint64{3, 0x1000, 0x2000, unix.AT_EMPTY_PATH}, 0,
			newFakeMem().str(0x1000, "").put(0x2000, statBuf(unix.S_IFREG|0o644, 0, 39163)),
			`newfstatat(3, "", {st_mode=S_IFREG|0644, st_size=39163, ...}, AT_EMPTY_PATH) = 0`},
		{"fstat tty", unix.SYS_FSTAT, [6]uint64{1, 0x2000}, 0,
			newFakeMem().put(0x2000, statBuf(unix.S_IFCHR|0o620, ttyDev, 0)),
			`fstat(1, {st_mode=S_IFCHR|0620, st_rdev=makedev(0x88, 0x1), ...}) = 0`},
		{"stat fails", unix.SYS_STAT, [6]uint64{0x1000, 0x2000}, neg(unix.ENOENT),
			newFakeMem().str(0x1000, "/nope"),
			`stat("/nope", 0x2000) = -1 ENOENT (No such file or directory)`},
		{"prlimit64 read", unix.SYS_PRLIMIT64, [6]uint64{0, unix.RLIMIT_STACK, 0, 0x3000}, 0,
			newFakeMem().words(0x3000, 8192*1024, ^uint64(0)),
			`prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0`},
		{"prlimit64 set", unix.SYS_PRLIMIT64, [6]uint64{0, unix.RLIMIT_NOFILE, 0x3000, 0}, 0,
			newFakeMem().words(0x3000, 20000, 20000),
			`prlimit64(0, RLIMIT_NOFILE, {rlim_cur=20000, rlim_max=20000}, NULL) = 0`},
		{"wait4 exited", unix.SYS_WAIT4, [6]uint64{u64(-1), 0x4000, 0, 0}, 42,
			newFakeMem().u32s(0x4000, 3<<8),
			`wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 42`},
		{"wait4 killed", unix.SYS_WAIT4, [6]uint64{u64(-1), 0x4000, 0, 0}, 42,
			newFakeMem().u32s(0x4000, uint32(unix.SIGSEGV)|0x80),
			`wait4(-1, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}], 0, NULL) = 42`},
		{"wait4 nohang", unix.SYS_WAIT4, [6]uint64{u64(-1), 0x4000, unix.WNOHANG, 0}, 0,
			newFakeMem().u32s(0x4000, 0),
			`wait4(-1, 0x4000, WNOHANG, NULL) = 0`},
		{"getdents64", unix.SYS_GETDENTS64, [6]uint64{3, 0x5000, 32768}, 24 + 32 + 24,
			newFakeMem().put(0x5000, dirent64(24, 32, 24)),
			`getdents64(3, 0x5000 /* 3 entries */, 32768) = 80`},
		{"getdents64 end", unix.SYS_GETDENTS64, [6]uint64{3, 0x5000, 32768}, 0, newFakeMem(),
			`getdents64(3, 0x5000 /* 0 entries */, 32768) = 0`},
		{"getsockname", unix.SYS_GETSOCKNAME, [6]uint64{7, 0x6000, 0x6100}, 0,
			newFakeMem().put(0x6000, []byte{2, 0, 0x1f, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}).u32s(0x6100, 16),
			`getsockname(7, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("127.0.0.1")}, [16]) = 0`},
		{"accept4 null", unix.SYS_ACCEPT4, [6]uint64{3, 0, 0, unix.SOCK_CLOEXEC}, 4, newFakeMem(),
			`accept4(3, NULL, NULL, SOCK_CLOEXEC) = 4`},
		{"uname", unix.SYS_UNAME, [6]uint64{0x7000}, 0,
			newFakeMem().put(0x7000, append(append([]byte("Linux"), make([]byte, 60)...), append([]byte("vm"), make([]byte, 63)...)...)),
			`uname({sysname="Linux", nodename="vm", ...}) = 0`},
		{"clock_gettime", unix.SYS_CLOCK_GETTIME, [6]uint64{unix.CLOCK_MONOTONIC, 0x8000}, 0,
			newFakeMem().words(0x8000, 5, 7),
			`clock_gettime(CLOCK_MONOTONIC, {tv_sec=5, tv_nsec=7}) = 0`},
	})
}

func TestFormatSocklenBefore(t *testing.T) {
	addr := []byte{2, 0, 0x1f, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}
	mem := newFakeMem().put(0x6000, addr).u32s(0x6100, 16)
	args := [6]uint64{3, 0x6000, 0x6100, unix.SOCK_CLOEXEC}
	before := Save(newFakeMem().u32s(0x6100, 128), SavedRanges(unix.SYS_ACCEPT4, args))
	p := Printer{Before: before}
	want := `accept4(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("127.0.0.1")}, [128 => 16], SOCK_CLOEXEC) = 5`
	if got := p.Format(unix.SYS_ACCEPT4, args, 5, mem); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	want = `accept4(3, 0x6000, [128], SOCK_CLOEXEC) = -1 EAGAIN (Resource temporarily unavailable)`
	if got := p.Format(unix.SYS_ACCEPT4, args, neg(unix.EAGAIN), mem); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
