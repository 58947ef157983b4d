package strace

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"
)

const atFdcwd = uint64(0xffffffffffffff9c)

func neg(e unix.Errno) int64 { return -int64(e) }

func u64(v int64) uint64 { return uint64(v) }

type formatCase struct {
	name string
	nr   uint64
	args [6]uint64
	ret  int64
	mem  *fakeMem
	want string
}

func runFormatCases(t *testing.T, cases []formatCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var mem Memory
			if tc.mem != nil {
				mem = tc.mem
			}
			if got := Format(tc.nr, tc.args, tc.ret, mem); got != tc.want {
				t.Errorf("Format:\n got  %s\n want %s", got, tc.want)
			}
		})
	}
}

func TestFormatFileCalls(t *testing.T) {
	elf := []byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, '>', 0, 1, 0, 0, 0, 0o20, 't', 2, 0, 0, 0, 0, 0}
	runFormatCases(t, []formatCase{
		{"openat ok", unix.SYS_OPENAT, [6]uint64{atFdcwd, 0x1000, unix.O_RDONLY | unix.O_CLOEXEC}, 3,
			newFakeMem().str(0x1000, "/etc/passwd"),
			`openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3`},
		{"openat ENOENT", unix.SYS_OPENAT, [6]uint64{atFdcwd, 0x1000, unix.O_RDONLY}, neg(unix.ENOENT),
			newFakeMem().str(0x1000, "/nope"),
			`openat(AT_FDCWD, "/nope", O_RDONLY) = -1 ENOENT (No such file or directory)`},
		{"openat creat shows mode", unix.SYS_OPENAT, [6]uint64{atFdcwd, 0x1000, unix.O_WRONLY | unix.O_CREAT | unix.O_TRUNC, 0o666}, 3,
			newFakeMem().str(0x1000, "/dev/null"),
			`openat(AT_FDCWD, "/dev/null", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 3`},
		{"openat dirfd and directory flags", unix.SYS_OPENAT, [6]uint64{5, 0x1000, unix.O_RDONLY | unix.O_NONBLOCK | unix.O_CLOEXEC | unix.O_DIRECTORY}, 6,
			newFakeMem().str(0x1000, "sub"),
			`openat(5, "sub", O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY) = 6`},
		{"openat tmpfile shows mode", unix.SYS_OPENAT, [6]uint64{atFdcwd, 0x1000, unix.O_RDWR | unix.O_TMPFILE | unix.O_CLOEXEC, 0o644}, 3,
			newFakeMem().str(0x1000, "/tmp"),
			`openat(AT_FDCWD, "/tmp", O_RDWR|O_CLOEXEC|O_TMPFILE, 0644) = 3`},
		{"openat unknown flag bits", unix.SYS_OPENAT, [6]uint64{atFdcwd, 0x1000, unix.O_RDWR | unix.O_CLOEXEC | 0x4000000}, 5,
			newFakeMem().str(0x1000, "x"),
			`openat(AT_FDCWD, "x", O_RDWR|O_CLOEXEC|0x4000000) = 5`},
		{"openat unreadable path", unix.SYS_OPENAT, [6]uint64{atFdcwd, 1, unix.O_RDONLY}, neg(unix.EFAULT), newFakeMem(),
			`openat(AT_FDCWD, 0x1, O_RDONLY) = -1 EFAULT (Bad address)`},
		{"open long path is not truncated", unix.SYS_OPEN, [6]uint64{0x1000, unix.O_RDONLY}, 3,
			newFakeMem().str(0x1000, "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache"),
			`open("/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache", O_RDONLY) = 3`},
		{"write", unix.SYS_WRITE, [6]uint64{1, 0x2000, 12}, 12,
			newFakeMem().put(0x2000, []byte("hello world\n")),
			`write(1, "hello world\n", 12) = 12`},
		{"write long is truncated", unix.SYS_WRITE, [6]uint64{u64(-1), 0x2000, 40}, neg(unix.EBADF),
			newFakeMem().put(0x2000, []byte("0123456789012345678901234567890123456789")),
			`write(-1, "01234567890123456789012345678901"..., 40) = -1 EBADF (Bad file descriptor)`},
		{"write escapes", unix.SYS_WRITE, [6]uint64{u64(-1), 0x2000, 14}, neg(unix.EBADF),
			newFakeMem().put(0x2000, []byte("a\0011b\000c\377\t\"\\\r\v\f\000")),
			`write(-1, "a\0011b\0c\377\t\"\\\r\v\f\0", 14) = -1 EBADF (Bad file descriptor)`},
		{"write unreadable buffer", unix.SYS_WRITE, [6]uint64{1, 1, 10}, neg(unix.EFAULT), newFakeMem(),
			`write(1, 0x1, 10) = -1 EFAULT (Bad address)`},
		{"read ELF header", unix.SYS_READ, [6]uint64{3, 0x3000, 832}, 832,
			newFakeMem().put(0x3000, append(elf, make([]byte, 832)...)),
			`read(3, "\177ELF\2\1\1\3\0\0\0\0\0\0\0\0\3\0>\0\1\0\0\0\20t\2\0\0\0\0\0"..., 832) = 832`},
		{"read EOF", unix.SYS_READ, [6]uint64{3, 0x3000, 4096}, 0, newFakeMem().put(0x3000, make([]byte, 16)),
			`read(3, "", 4096) = 0`},
		{"read error prints pointer", unix.SYS_READ, [6]uint64{0xfff, 1, 10}, neg(unix.EBADF), newFakeMem(),
			`read(4095, 0x1, 10) = -1 EBADF (Bad file descriptor)`},
		{"close", unix.SYS_CLOSE, [6]uint64{3}, 0, nil, `close(3) = 0`},
		{"lseek", unix.SYS_LSEEK, [6]uint64{1, u64(-5), unix.SEEK_CUR}, neg(unix.ESPIPE), nil,
			`lseek(1, -5, SEEK_CUR) = -1 ESPIPE (Illegal seek)`},
		{"newfstatat", unix.SYS_NEWFSTATAT, [6]uint64{atFdcwd, 0x1000, 0x7ffc0000, unix.AT_SYMLINK_NOFOLLOW}, 0,
			newFakeMem().str(0x1000, "/"),
			`newfstatat(AT_FDCWD, "/", 0x7ffc0000, AT_SYMLINK_NOFOLLOW) = 0`},
		{"newfstatat empty path", unix.SYS_NEWFSTATAT, [6]uint64{3, 0x1000, 0x7ffc0000, unix.AT_EMPTY_PATH}, 0,
			newFakeMem().str(0x1000, ""),
			`newfstatat(3, "", 0x7ffc0000, AT_EMPTY_PATH) = 0`},
		{"umask", unix.SYS_UMASK, [6]uint64{0}, 0o22, nil, `umask(000) = 022`},
		{"umask 022", unix.SYS_UMASK, [6]uint64{0o22}, 0, nil, `umask(022) = 000`},
		{"mknodat mode", unix.SYS_MKNODAT, [6]uint64{atFdcwd, 0x1000, unix.S_IFIFO | unix.S_ISUID | 0o755, 0}, 0,
			newFakeMem().str(0x1000, "/tmp/xx"),
			`mknodat(AT_FDCWD, "/tmp/xx", S_IFIFO|S_ISUID|0755, 0) = 0`},
		{"mkdir", unix.SYS_MKDIR, [6]uint64{0x1000, 0o700}, neg(unix.EEXIST), newFakeMem().str(0x1000, "/var/log/nginx"),
			`mkdir("/var/log/nginx", 0700) = -1 EEXIST (File exists)`},
		{"getcwd", unix.SYS_GETCWD, [6]uint64{0x1000, 100}, 8, newFakeMem().str(0x1000, "/tmp/st"),
			`getcwd("/tmp/st", 100) = 8`},
		{"readlink", unix.SYS_READLINK, [6]uint64{0x1000, 0x2000, 4096}, 16,
			newFakeMem().str(0x1000, "/proc/self/exe").put(0x2000, []byte("/usr/bin/busybox??????")),
			`readlink("/proc/self/exe", "/usr/bin/busybox", 4096) = 16`},
		{"fcntl getfd", unix.SYS_FCNTL, [6]uint64{255, unix.F_GETFD}, neg(unix.EBADF), nil,
			`fcntl(255, F_GETFD) = -1 EBADF (Bad file descriptor)`},
		{"fcntl getfd set", unix.SYS_FCNTL, [6]uint64{11, unix.F_GETFD}, 1, nil,
			`fcntl(11, F_GETFD) = 0x1 (flags FD_CLOEXEC)`},
		{"fcntl getfd zero", unix.SYS_FCNTL, [6]uint64{0, unix.F_GETFD}, 0, nil, `fcntl(0, F_GETFD) = 0`},
		{"fcntl setfd", unix.SYS_FCNTL, [6]uint64{255, unix.F_SETFD, unix.FD_CLOEXEC}, 0, nil,
			`fcntl(255, F_SETFD, FD_CLOEXEC) = 0`},
		{"fcntl getfl", unix.SYS_FCNTL, [6]uint64{255, unix.F_GETFL}, 0x8000, nil,
			`fcntl(255, F_GETFL) = 0x8000 (flags O_RDONLY|O_LARGEFILE)`},
		{"fcntl setfl", unix.SYS_FCNTL, [6]uint64{7, unix.F_SETFL, unix.O_NONBLOCK}, 0, nil,
			`fcntl(7, F_SETFL, O_RDONLY|O_NONBLOCK) = 0`},
		{"fcntl dupfd", unix.SYS_FCNTL, [6]uint64{2, unix.F_DUPFD, 10}, 11, nil, `fcntl(2, F_DUPFD, 10) = 11`},
		{"close_range", unix.SYS_CLOSE_RANGE, [6]uint64{3, 0xffffffff, 0}, 0, nil, `close_range(3, 4294967295, 0) = 0`},
		{"getdents64", unix.SYS_GETDENTS64, [6]uint64{3, 0x5000, 32768}, 0, nil, `getdents64(3, 0x5000, 32768) = 0`},
		{"access", unix.SYS_ACCESS, [6]uint64{0x1000, unix.R_OK}, neg(unix.ENOENT), newFakeMem().str(0x1000, "/etc/ld.so.preload"),
			`access("/etc/ld.so.preload", R_OK) = -1 ENOENT (No such file or directory)`},
		{"faccessat F_OK", unix.SYS_FACCESSAT, [6]uint64{atFdcwd, 0x1000, 0}, 0, newFakeMem().str(0x1000, "/"),
			`faccessat(AT_FDCWD, "/", F_OK) = 0`},
		{"pipe2", unix.SYS_PIPE2, [6]uint64{0x4000, unix.O_CLOEXEC}, 0, newFakeMem().u32s(0x4000, 7, 8),
			`pipe2([7, 8], O_CLOEXEC) = 0`},
		{"statx", unix.SYS_STATX, [6]uint64{atFdcwd, 0x1000, 0, unix.STATX_BASIC_STATS, 0x6000}, 0, newFakeMem().str(0x1000, "/"),
			`statx(AT_FDCWD, "/", AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS, 0x6000) = 0`},
	})
}

func TestFormatMemoryCalls(t *testing.T) {
	runFormatCases(t, []formatCase{
		{"mmap anonymous", unix.SYS_MMAP, [6]uint64{0, 8192, unix.PROT_READ | unix.PROT_WRITE, unix.MAP_PRIVATE | unix.MAP_ANONYMOUS, u64(-1), 0}, 0x7f20592ca000, nil,
			`mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f20592ca000`},
		{"mmap fd 32-bit -1", unix.SYS_MMAP, [6]uint64{0, 4096, unix.PROT_NONE, unix.MAP_PRIVATE | unix.MAP_ANONYMOUS | unix.MAP_STACK, 0xffffffff, 0}, 0x7f0000000000, nil,
			`mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_STACK, -1, 0) = 0x7f0000000000`},
		{"mmap file fixed", unix.SYS_MMAP, [6]uint64{0x7f2059105000, 1400832, unix.PROT_READ | unix.PROT_EXEC, unix.MAP_PRIVATE | unix.MAP_FIXED | unix.MAP_DENYWRITE, 3, 0x26000}, 0x7f2059105000, nil,
			`mmap(0x7f2059105000, 1400832, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3, 0x26000) = 0x7f2059105000`},
		{"mmap shared all flags", unix.SYS_MMAP, [6]uint64{0, 4096, 7, unix.MAP_SHARED | unix.MAP_ANONYMOUS | unix.MAP_POPULATE | unix.MAP_STACK, u64(-1), 0}, 0x7f937a10f000, nil,
			`mmap(NULL, 4096, PROT_READ|PROT_WRITE|PROT_EXEC, MAP_SHARED|MAP_ANONYMOUS|MAP_POPULATE|MAP_STACK, -1, 0) = 0x7f937a10f000`},
		{"mmap ENOMEM", unix.SYS_MMAP, [6]uint64{0, 1 << 40, unix.PROT_READ, unix.MAP_PRIVATE | unix.MAP_ANONYMOUS, u64(-1), 0}, neg(unix.ENOMEM), nil,
			`mmap(NULL, 1099511627776, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = -1 ENOMEM (Cannot allocate memory)`},
		{"brk NULL", unix.SYS_BRK, [6]uint64{0}, 0x555802c5b000, nil, `brk(NULL) = 0x555802c5b000`},
		{"brk grow", unix.SYS_BRK, [6]uint64{0x555802c7c000}, 0x555802c7c000, nil, `brk(0x555802c7c000) = 0x555802c7c000`},
		{"mprotect", unix.SYS_MPROTECT, [6]uint64{0x7fa0194c7000, 8388608, unix.PROT_READ | unix.PROT_WRITE}, 0, nil,
			`mprotect(0x7fa0194c7000, 8388608, PROT_READ|PROT_WRITE) = 0`},
		{"munmap", unix.SYS_MUNMAP, [6]uint64{0x7f0000000000, 4096}, 0, nil, `munmap(0x7f0000000000, 4096) = 0`},
		{"madvise", unix.SYS_MADVISE, [6]uint64{0x7f937a10f000, 4096, unix.MADV_DONTNEED}, 0, nil,
			`madvise(0x7f937a10f000, 4096, MADV_DONTNEED) = 0`},
		{"mremap", unix.SYS_MREMAP, [6]uint64{0x7f0000000000, 4096, 8192, unix.MREMAP_MAYMOVE}, 0x7f0000100000, nil,
			`mremap(0x7f0000000000, 4096, 8192, MREMAP_MAYMOVE, NULL) = 0x7f0000100000`},
	})
}

func TestFormatProcessCalls(t *testing.T) {
	argv := newFakeMem().words(0x8000, 0x8100, 0x8200, 0x8300, 0).
		str(0x8100, "/bin/true").str(0x8200, "a b").str(0x8300, "x").
		words(0x9000, 0x9100, 0x9200, 0).str(0x9100, "A=1").str(0x9200, "B=2").
		str(0x1000, "/nonexistent")
	clone3Args := make([]byte, 88)
	for i, v := range []uint64{
		unix.CLONE_VM | unix.CLONE_FS | unix.CLONE_FILES | unix.CLONE_SIGHAND | unix.CLONE_THREAD |
			unix.CLONE_SYSVSEM | unix.CLONE_SETTLS | unix.CLONE_PARENT_SETTID | unix.CLONE_CHILD_CLEARTID,
		0, 0x7fa019cc6990, 0x7fa019cc6990, 0, 0x7fa0194c6000, 0x7fff80, 0x7fa019cc66c0,
	} {
		binary.LittleEndian.PutUint64(clone3Args[8*i:], v)
	}
	runFormatCases(t, []formatCase{
		{"exit_group", unix.SYS_EXIT_GROUP, [6]uint64{0}, 0, nil, `exit_group(0) = ?`},
		{"exit", unix.SYS_EXIT, [6]uint64{0}, 0, nil, `exit(0) = ?`},
		{"execve failed", unix.SYS_EXECVE, [6]uint64{0x1000, 0x8000, 0x9000}, neg(unix.ENOENT), argv,
			`execve("/nonexistent", ["/bin/true", "a b", "x"], 0x9000 /* 2 vars */) = -1 ENOENT (No such file or directory)`},
		{"clone fork-like", unix.SYS_CLONE, [6]uint64{unix.CLONE_CHILD_CLEARTID | unix.CLONE_CHILD_SETTID | uint64(unix.SIGCHLD), 0, 0, 0x7fc07191fa10, 0}, 6692, nil,
			`clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7fc07191fa10) = 6692`},
		{"clone3 thread", unix.SYS_CLONE3, [6]uint64{0xa000, 88}, 24405, newFakeMem().put(0xa000, clone3Args),
			`clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7fa019cc6990, parent_tid=0x7fa019cc6990, exit_signal=0, stack=0x7fa0194c6000, stack_size=0x7fff80, tls=0x7fa019cc66c0}, 88) = 24405`},
		{"clone3 thread tid", unix.SYS_CLONE3, [6]uint64{0xa000, 88}, 24405, newFakeMem().put(0xa000, clone3Args).u32s(0x7fa019cc6990, 24405),
			`clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7fa019cc6990, parent_tid=0x7fa019cc6990, exit_signal=0, stack=0x7fa0194c6000, stack_size=0x7fff80, tls=0x7fa019cc66c0} => {parent_tid=[24405]}, 88) = 24405`},
		{"wait4", unix.SYS_WAIT4, [6]uint64{u64(-1), 0, unix.WNOHANG, 0}, neg(unix.ECHILD), nil,
			`wait4(-1, NULL, WNOHANG, NULL) = -1 ECHILD (No child processes)`},
		{"kill 0", unix.SYS_KILL, [6]uint64{999999, 0}, neg(unix.ESRCH), nil, `kill(999999, 0) = -1 ESRCH (No such process)`},
		{"tgkill", unix.SYS_TGKILL, [6]uint64{100, 101, uint64(unix.SIGURG)}, 0, nil, `tgkill(100, 101, SIGURG) = 0`},
		{"arch_prctl set fs", unix.SYS_ARCH_PRCTL, [6]uint64{0x1002, 0x7f0000001740}, 0, nil, `arch_prctl(ARCH_SET_FS, 0x7f0000001740) = 0`},
		{"arch_prctl unknown", unix.SYS_ARCH_PRCTL, [6]uint64{0x3001, 0}, neg(unix.EINVAL), nil,
			`arch_prctl(0x3001 /* ARCH_??? */, 0) = -1 EINVAL (Invalid argument)`},
		{"prlimit64", unix.SYS_PRLIMIT64, [6]uint64{0, unix.RLIMIT_STACK, 0, 0x7ffc0000}, 0, nil,
			`prlimit64(0, RLIMIT_STACK, NULL, 0x7ffc0000) = 0`},
		{"getpid", unix.SYS_GETPID, [6]uint64{}, 42, nil, `getpid() = 42`},
		{"set_tid_address", unix.SYS_SET_TID_ADDRESS, [6]uint64{0x7f0000000a10}, 42, nil, `set_tid_address(0x7f0000000a10) = 42`},
		{"set_robust_list", unix.SYS_SET_ROBUST_LIST, [6]uint64{0x7fa019cc69a0, 24}, 0, nil, `set_robust_list(0x7fa019cc69a0, 24) = 0`},
		{"rseq", unix.SYS_RSEQ, [6]uint64{0x7fa019cc6fe0, 0x20, 0, 0x53053053}, 0, nil, `rseq(0x7fa019cc6fe0, 0x20, 0, 0x53053053) = 0`},
		{"prctl", unix.SYS_PRCTL, [6]uint64{unix.PR_SET_NAME, 0x1000, 0, 0, 0}, 0, nil, `prctl(PR_SET_NAME, 0x1000) = 0`},
		{"prctl get name", unix.SYS_PRCTL, [6]uint64{unix.PR_GET_NAME, 0x1000}, 0, newFakeMem().str(0x1000, "busybox"), `prctl(PR_GET_NAME, "busybox") = 0`},
		{"getrusage children", unix.SYS_GETRUSAGE, [6]uint64{u64(-1), 0x1000}, 0, nil, `getrusage(RUSAGE_CHILDREN, 0x1000) = 0`},
		{"getrandom", unix.SYS_GETRANDOM, [6]uint64{0x1000, 8, unix.GRND_NONBLOCK}, 8,
			newFakeMem().put(0x1000, []byte{0x0e, 0xa2, 0xe6, 0x6f, 0x6f, 0xbf, 0xf9, 0xb1}),
			`getrandom("\x0e\xa2\xe6\x6f\x6f\xbf\xf9\xb1", 8, GRND_NONBLOCK) = 8`},
	})
}

func TestFormatSignalCalls(t *testing.T) {
	sigBit := func(sigs ...int) uint64 {
		var m uint64
		for _, s := range sigs {
			m |= 1 << (s - 1)
		}
		return m
	}
	mem := newFakeMem().
		words(0x100, sigBit(2, 15, 40)).
		words(0x200, 0).
		words(0x300, ^sigBit(32, 33, 34)).
		words(0x400, ^uint64(0)).
		words(0x500, 0x5601eee9a2d9, 0x14000000, 0x7fa019d06050, sigBit(15)).
		words(0x600, 1, 0x04000000, 0x7fa019d06050, sigBit(15)).
		words(0x700, 0, 0, 0, 0)
	runFormatCases(t, []formatCase{
		{"rt_sigprocmask block", unix.SYS_RT_SIGPROCMASK, [6]uint64{unix.SIG_BLOCK, 0x100, 0x200, 8}, 0, mem,
			`rt_sigprocmask(SIG_BLOCK, [INT TERM RT_8], [], 8) = 0`},
		{"rt_sigprocmask complement", unix.SYS_RT_SIGPROCMASK, [6]uint64{unix.SIG_SETMASK, 0x300, 0x100, 8}, 0, mem,
			`rt_sigprocmask(SIG_SETMASK, ~[RTMIN RT_1 RT_2], [INT TERM RT_8], 8) = 0`},
		{"rt_sigprocmask full", unix.SYS_RT_SIGPROCMASK, [6]uint64{unix.SIG_BLOCK, 0x400, 0, 8}, 0, mem,
			`rt_sigprocmask(SIG_BLOCK, ~[], NULL, 8) = 0`},
		{"rt_sigprocmask unreadable", unix.SYS_RT_SIGPROCMASK, [6]uint64{unix.SIG_BLOCK, 0x999, 0, 8}, neg(unix.EFAULT), mem,
			`rt_sigprocmask(SIG_BLOCK, 0x999, NULL, 8) = -1 EFAULT (Bad address)`},
		{"rt_sigaction handler", unix.SYS_RT_SIGACTION, [6]uint64{uint64(unix.SIGINT), 0x500, 0, 8}, 0, mem,
			`rt_sigaction(SIGINT, {sa_handler=0x5601eee9a2d9, sa_mask=[TERM], sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x7fa019d06050}, NULL, 8) = 0`},
		{"rt_sigaction ignore", unix.SYS_RT_SIGACTION, [6]uint64{uint64(unix.SIGPIPE), 0x600, 0, 8}, 0, mem,
			`rt_sigaction(SIGPIPE, {sa_handler=SIG_IGN, sa_mask=[TERM], sa_flags=SA_RESTORER, sa_restorer=0x7fa019d06050}, NULL, 8) = 0`},
		{"rt_sigaction old default", unix.SYS_RT_SIGACTION, [6]uint64{64, 0, 0x700, 8}, 0, mem,
			`rt_sigaction(SIGRT_32, NULL, {sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0`},
		{"rt_sigreturn", unix.SYS_RT_SIGRETURN, [6]uint64{}, 0, nil, `rt_sigreturn() = 0`},
		{"read restarted", unix.SYS_READ, [6]uint64{0, 0x1000, 10}, neg(512), nil,
			`read(0, 0x1000, 10) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)`},
	})
}

func TestFormatFutex(t *testing.T) {
	mem := newFakeMem().words(0x100, 0, 1000)
	runFormatCases(t, []formatCase{
		{"wake private", unix.SYS_FUTEX, [6]uint64{0x7f20592b3a4c, 129, 2147483647}, 0, nil,
			`futex(0x7f20592b3a4c, FUTEX_WAKE_PRIVATE, 2147483647) = 0`},
		{"wait bitset realtime", unix.SYS_FUTEX, [6]uint64{0x7ffe9ebc434c, 9 | 128 | 256, 0, 0, 0, 0xffffffff}, neg(unix.EAGAIN), nil,
			`futex(0x7ffe9ebc434c, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, 0, NULL, FUTEX_BITSET_MATCH_ANY) = -1 EAGAIN (Resource temporarily unavailable)`},
		{"wait with timeout", unix.SYS_FUTEX, [6]uint64{0x7ffe9ebc434c, 0, 0, 0x100}, neg(unix.EAGAIN), mem,
			`futex(0x7ffe9ebc434c, FUTEX_WAIT, 0, {tv_sec=0, tv_nsec=1000}) = -1 EAGAIN (Resource temporarily unavailable)`},
		{"wait restarted", unix.SYS_FUTEX, [6]uint64{0x1000, 128, 2}, neg(516), nil,
			`futex(0x1000, FUTEX_WAIT_PRIVATE, 2, NULL) = ? ERESTART_RESTARTBLOCK (Interrupted by signal)`},
	})
}

func TestFormatNetworkCalls(t *testing.T) {
	unixAddr := append([]byte{1, 0}, []byte("/var/run/nscd/socket")...)
	unixAddr = append(unixAddr, make([]byte, 110-len(unixAddr))...)
	inet := []byte{2, 0, 0x1f, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}
	inet6 := make([]byte, 28)
	inet6[0], inet6[2], inet6[3], inet6[23] = 10, 0, 80, 1
	mem := newFakeMem().put(0x1000, unixAddr).put(0x2000, inet).put(0x3000, inet6).u32s(0x4000, 1).
		put(0x5000, []byte{0x01, 0, 0, 0x80, 6, 0, 0, 0, 1, 0, 0, 0}).
		put(0x6000, []byte("GET / HTTP/1.1\r\n"))
	runFormatCases(t, []formatCase{
		{"socket unix", unix.SYS_SOCKET, [6]uint64{unix.AF_UNIX, unix.SOCK_STREAM | unix.SOCK_CLOEXEC | unix.SOCK_NONBLOCK, 0}, 3, nil,
			`socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, 0) = 3`},
		{"socket inet", unix.SYS_SOCKET, [6]uint64{unix.AF_INET, unix.SOCK_STREAM, 0}, 4, nil,
			`socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 4`},
		{"socket inet6 udp", unix.SYS_SOCKET, [6]uint64{unix.AF_INET6, unix.SOCK_DGRAM | unix.SOCK_CLOEXEC, unix.IPPROTO_UDP}, 6, nil,
			`socket(AF_INET6, SOCK_DGRAM|SOCK_CLOEXEC, IPPROTO_UDP) = 6`},
		{"connect unix", unix.SYS_CONNECT, [6]uint64{3, 0x1000, 110}, neg(unix.ENOENT), mem,
			`connect(3, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT (No such file or directory)`},
		{"bind inet", unix.SYS_BIND, [6]uint64{4, 0x2000, 16}, 0, mem,
			`bind(4, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("127.0.0.1")}, 16) = 0`},
		{"connect inet6", unix.SYS_CONNECT, [6]uint64{5, 0x3000, 28}, 0, mem,
			`connect(5, {sa_family=AF_INET6, sin6_port=htons(80), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0`},
		{"setsockopt socket", unix.SYS_SETSOCKOPT, [6]uint64{4, unix.SOL_SOCKET, unix.SO_REUSEADDR, 0x4000, 4}, 0, mem,
			`setsockopt(4, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0`},
		{"setsockopt tcp", unix.SYS_SETSOCKOPT, [6]uint64{4, unix.IPPROTO_TCP, unix.TCP_NODELAY, 0x4000, 4}, 0, mem,
			`setsockopt(4, SOL_TCP, TCP_NODELAY, [1], 4) = 0`},
		{"setsockopt ipv6", unix.SYS_SETSOCKOPT, [6]uint64{4, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0x4000, 4}, 0, mem,
			`setsockopt(4, SOL_IPV6, IPV6_V6ONLY, [1], 4) = 0`},
		{"listen", unix.SYS_LISTEN, [6]uint64{4, 511}, 0, nil, `listen(4, 511) = 0`},
		{"accept4", unix.SYS_ACCEPT4, [6]uint64{4, 0x7000, 0x7100, unix.SOCK_NONBLOCK}, neg(unix.EAGAIN), nil,
			`accept4(4, 0x7000, 0x7100, SOCK_NONBLOCK) = -1 EAGAIN (Resource temporarily unavailable)`},
		{"recvfrom", unix.SYS_RECVFROM, [6]uint64{7, 0x6000, 1024, 0, 0, 0}, 16, mem,
			`recvfrom(7, "GET / HTTP/1.1\r\n", 1024, 0, NULL, NULL) = 16`},
		{"sendto flags", unix.SYS_SENDTO, [6]uint64{7, 0x6000, 16, unix.MSG_NOSIGNAL | unix.MSG_DONTWAIT, 0, 0}, 16, mem,
			`sendto(7, "GET / HTTP/1.1\r\n", 16, MSG_DONTWAIT|MSG_NOSIGNAL, NULL, 0) = 16`},
		{"poll", unix.SYS_POLL, [6]uint64{0xa000, 2, u64(-1)}, 1, newFakeMem().put(0xa000, []byte{3, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0}),
			`poll([{fd=3, events=POLLIN|POLLPRI}, {fd=4, events=POLLOUT}], 2, -1) = 1`},
		{"epoll_create1", unix.SYS_EPOLL_CREATE1, [6]uint64{unix.EPOLL_CLOEXEC}, 6, nil, `epoll_create1(EPOLL_CLOEXEC) = 6`},
		{"epoll_ctl", unix.SYS_EPOLL_CTL, [6]uint64{6, unix.EPOLL_CTL_ADD, 4, 0x5000}, 0, mem,
			`epoll_ctl(6, EPOLL_CTL_ADD, 4, {events=EPOLLIN|EPOLLET, data={u32=6, u64=4294967302}}) = 0`},
		{"epoll_wait", unix.SYS_EPOLL_WAIT, [6]uint64{6, 0x8000, 512, u64(-1)}, 1, nil, `epoll_wait(6, 0x8000, 512, -1) = 1`},
		{"eventfd2", unix.SYS_EVENTFD2, [6]uint64{0, unix.EFD_NONBLOCK | unix.EFD_CLOEXEC}, 7, nil,
			`eventfd2(0, EFD_CLOEXEC|EFD_NONBLOCK) = 7`},
		{"socketpair", unix.SYS_SOCKETPAIR, [6]uint64{unix.AF_UNIX, unix.SOCK_STREAM, 0, 0x9000}, 0, newFakeMem().u32s(0x9000, 3, 4),
			`socketpair(AF_UNIX, SOCK_STREAM, 0, [3, 4]) = 0`},
		{"shutdown", unix.SYS_SHUTDOWN, [6]uint64{3, unix.SHUT_WR}, 0, nil, `shutdown(3, SHUT_WR) = 0`},
	})
}

func TestFormatIovec(t *testing.T) {
	mem := newFakeMem().
		words(0x1000, 0x2000, 6, 0x2100, 6).put(0x2000, []byte("hello ")).put(0x2100, []byte("world\n")).
		words(0x3000, 0x4000, 5, 0x4100, 20).put(0x4000, []byte("hello")).put(0x4100, []byte(" world\n\000\000\000\000\000\000\000\000\000\000\000\000\000"))
	runFormatCases(t, []formatCase{
		{"writev", unix.SYS_WRITEV, [6]uint64{u64(-1), 0x1000, 2}, neg(unix.EBADF), mem,
			`writev(-1, [{iov_base="hello ", iov_len=6}, {iov_base="world\n", iov_len=6}], 2) = -1 EBADF (Bad file descriptor)`},
		{"readv", unix.SYS_READV, [6]uint64{7, 0x3000, 2}, 12, mem,
			`readv(7, [{iov_base="hello", iov_len=5}, {iov_base=" world\n", iov_len=20}], 2) = 12`},
		{"writev unreadable array", unix.SYS_WRITEV, [6]uint64{1, 0x9999, 2}, neg(unix.EFAULT), mem,
			`writev(1, 0x9999, 2) = -1 EFAULT (Bad address)`},
	})
}

func TestFormatIoctl(t *testing.T) {
	runFormatCases(t, []formatCase{
		{"TCGETS", unix.SYS_IOCTL, [6]uint64{1, unix.TCGETS, 0}, neg(unix.ENOTTY), nil,
			`ioctl(1, TCGETS, NULL) = -1 ENOTTY (Inappropriate ioctl for device)`},
		{"TIOCGWINSZ", unix.SYS_IOCTL, [6]uint64{1, unix.TIOCGWINSZ, 0x7ffc1000}, 0, nil,
			`ioctl(1, TIOCGWINSZ, 0x7ffc1000) = 0`},
		{"FIOCLEX has no arg", unix.SYS_IOCTL, [6]uint64{3, 0x5451}, 0, nil, `ioctl(3, FIOCLEX) = 0`},
		{"TCFLSH int arg", unix.SYS_IOCTL, [6]uint64{0, unix.TCFLSH, 2}, 0, nil, `ioctl(0, TCFLSH, 2) = 0`},
		{"unknown request", unix.SYS_IOCTL, [6]uint64{1, 0xc0105499, 0}, neg(unix.ENOTTY), nil,
			`ioctl(1, _IOC(_IOC_READ|_IOC_WRITE, 0x54, 0x99, 0x10), 0) = -1 ENOTTY (Inappropriate ioctl for device)`},
	})
}

func TestFormatTimeCalls(t *testing.T) {
	mem := newFakeMem().words(0x100, 0, 1000)
	runFormatCases(t, []formatCase{
		{"clock_nanosleep", unix.SYS_CLOCK_NANOSLEEP, [6]uint64{unix.CLOCK_REALTIME, 0, 0x100, 0}, 0, mem,
			`clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=0, tv_nsec=1000}, NULL) = 0`},
		{"clock_gettime", unix.SYS_CLOCK_GETTIME, [6]uint64{unix.CLOCK_MONOTONIC, 0x200}, 0, nil,
			`clock_gettime(CLOCK_MONOTONIC, 0x200) = 0`},
		{"nanosleep unreadable", unix.SYS_NANOSLEEP, [6]uint64{0x999, 0}, neg(unix.EFAULT), mem,
			`nanosleep(0x999, NULL) = -1 EFAULT (Bad address)`},
	})
}

func TestFormatUnknownSyscall(t *testing.T) {
	runFormatCases(t, []formatCase{
		{"unallocated number", 1000, [6]uint64{1, 2, 0, 0, 0, 0x10}, neg(unix.ENOSYS), nil,
			`syscall_1000(0x1, 0x2, 0, 0, 0, 0x10) = -1 ENOSYS (Function not implemented)`},
		{"generic signature", unix.SYS_TUXCALL, [6]uint64{}, neg(unix.ENOSYS), nil,
			`tuxcall(0, 0, 0, 0, 0, 0) = -1 ENOSYS (Function not implemented)`},
	})
}

func TestFormatEntryAndReturn(t *testing.T) {
	mem := newFakeMem().str(0x1000, "/bin/sh").words(0x2000, 0x1000, 0).words(0x3000, 0)
	if got, want := FormatEntry(unix.SYS_EXECVE, [6]uint64{0x1000, 0x2000, 0x3000}, mem),
		`execve("/bin/sh", ["/bin/sh"], 0x3000 /* 0 vars */)`; got != want {
		t.Errorf("FormatEntry = %s, want %s", got, want)
	}
	if got, want := FormatEntry(unix.SYS_READ, [6]uint64{3, 0x5000, 10}, mem), `read(3, 0x5000, 10)`; got != want {
		t.Errorf("FormatEntry(read) = %s, want %s (output buffer not decoded at entry)", got, want)
	}
	returns := []struct {
		nr   uint64
		ret  int64
		want string
	}{
		{unix.SYS_OPENAT, 3, " = 3"},
		{unix.SYS_CLOSE, neg(unix.EBADF), " = -1 EBADF (Bad file descriptor)"},
		{unix.SYS_MMAP, 0x7f0000000000, " = 0x7f0000000000"},
		{unix.SYS_EXIT_GROUP, 0, " = ?"},
		{unix.SYS_READ, neg(512), " = ? ERESTARTSYS (To be restarted if SA_RESTART is set)"},
		{unix.SYS_READ, neg(513), " = ? ERESTARTNOINTR (To be restarted)"},
		{unix.SYS_READ, neg(514), " = ? ERESTARTNOHAND (To be restarted if no handler)"},
		{unix.SYS_NANOSLEEP, neg(516), " = ? ERESTART_RESTARTBLOCK (Interrupted by signal)"},
		{unix.SYS_LSEEK, -4096, " = -4096"},
		{unix.SYS_UMASK, 0o22, " = 022"},
	}
	for _, r := range returns {
		if got := FormatReturn(r.nr, r.ret); got != r.want {
			t.Errorf("FormatReturn(%d, %d) = %q, want %q", r.nr, r.ret, got, r.want)
		}
	}
}

func TestStringLimit(t *testing.T) {
	mem := newFakeMem().put(0x1000, []byte("abcdefgh"))
	p := Printer{StringLimit: 4}
	if got, want := p.Format(unix.SYS_WRITE, [6]uint64{1, 0x1000, 8}, 8, mem), `write(1, "abcd"..., 8) = 8`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestPathAcrossUnmappedPage(t *testing.T) {
	// The string ends 3 bytes before a page boundary beyond which nothing
	// is mapped: it must still be readable.
	mem := newFakeMem().put(0x1ffc, []byte("/a\000\000"))
	if got, want := Format(unix.SYS_CHDIR, [6]uint64{0x1ffc}, 0, mem), `chdir("/a") = 0`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	// A string that runs into unmapped memory prints as a pointer.
	mem = newFakeMem().put(0x1ffc, []byte("/abc"))
	if got, want := Format(unix.SYS_CHDIR, [6]uint64{0x1ffc}, neg(unix.EFAULT), mem), `chdir(0x1ffc) = -1 EFAULT (Bad address)`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestNilMemory(t *testing.T) {
	got := Format(unix.SYS_OPENAT, [6]uint64{atFdcwd, 0x1000, unix.O_RDONLY}, 3, nil)
	if want := `openat(AT_FDCWD, 0x1000, O_RDONLY) = 3`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
