package cover

import (
	"debug/elf"
	"encoding/binary"
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/coverage"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// fakeMem is app memory holding one 8-byte value at one address.
type fakeMem struct {
	addr, value uint64
}

func (m fakeMem) CopyIn(addr uint64, dst []byte) error {
	if addr != m.addr || len(dst) != 8 {
		return unix.EFAULT
	}
	binary.LittleEndian.PutUint64(dst, m.value)
	return nil
}

func TestSubOps(t *testing.T) {
	cases := []struct {
		name string
		mem  MemReader
		nr   uint64
		args shim.Args
		kind string
		val  uint64
		want string
	}{
		{"ioctl", nil, unix.SYS_IOCTL, shim.Args{1, unix.TCGETS}, KindIoctl, unix.TCGETS, "TCGETS"},
		{"ioctl unknown", nil, unix.SYS_IOCTL, shim.Args{1, 0xdead}, KindIoctl, 0xdead, ""},
		{"fcntl", nil, unix.SYS_FCNTL, shim.Args{3, unix.F_SETFD}, KindFcntl, unix.F_SETFD, "F_SETFD"},
		{"futex private", nil, unix.SYS_FUTEX, shim.Args{0, 128 | 1}, KindFutex, 1, "FUTEX_WAKE"},
		{"arch_prctl", nil, unix.SYS_ARCH_PRCTL, shim.Args{0x1002}, KindArchPrctl, 0x1002, "ARCH_SET_FS"},
		{"prctl", nil, unix.SYS_PRCTL, shim.Args{unix.PR_SET_NAME}, KindPrctl, unix.PR_SET_NAME, "PR_SET_NAME"},
		{"socket", nil, unix.SYS_SOCKET, shim.Args{unix.AF_INET, unix.SOCK_STREAM | unix.SOCK_CLOEXEC, unix.IPPROTO_TCP},
			KindSocket, unix.AF_INET<<40 | unix.SOCK_STREAM<<32 | unix.IPPROTO_TCP, "AF_INET,SOCK_STREAM,IPPROTO_TCP"},
		{"setsockopt", nil, unix.SYS_SETSOCKOPT, shim.Args{3, unix.SOL_SOCKET, unix.SO_REUSEADDR},
			KindSockopt, unix.SOL_SOCKET<<32 | unix.SO_REUSEADDR, "SOL_SOCKET,SO_REUSEADDR"},
		{"clone", nil, unix.SYS_CLONE, shim.Args{unix.CLONE_VM | unix.CLONE_FS}, KindClone, unix.CLONE_VM | unix.CLONE_FS, "CLONE_VM|CLONE_FS"},
		{"clone3", fakeMem{0x1000, unix.CLONE_VM}, unix.SYS_CLONE3, shim.Args{0x1000, 88}, KindClone, unix.CLONE_VM, "CLONE_VM"},
		{"mmap", nil, unix.SYS_MMAP, shim.Args{0, 4096, unix.PROT_READ, unix.MAP_PRIVATE | unix.MAP_ANONYMOUS},
			KindMmap, unix.PROT_READ<<32 | unix.MAP_PRIVATE | unix.MAP_ANONYMOUS, "PROT_READ,MAP_PRIVATE|MAP_ANONYMOUS"},
		{"mprotect", nil, unix.SYS_MPROTECT, shim.Args{0, 4096, unix.PROT_READ | unix.PROT_WRITE}, KindMprotect, 3, "PROT_READ|PROT_WRITE"},
		{"madvise", nil, unix.SYS_MADVISE, shim.Args{0, 4096, unix.MADV_DONTNEED}, KindMadvise, unix.MADV_DONTNEED, "MADV_DONTNEED"},
		{"openat drops O_CLOEXEC", nil, unix.SYS_OPENAT, shim.Args{0, 0, unix.O_RDONLY | unix.O_CLOEXEC | unix.O_DIRECTORY},
			KindOpen, unix.O_DIRECTORY, "O_RDONLY|O_DIRECTORY"},
		{"open", nil, unix.SYS_OPEN, shim.Args{0, unix.O_WRONLY | unix.O_CREAT}, KindOpen, unix.O_WRONLY | unix.O_CREAT, "O_WRONLY|O_CREAT"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			subs := SubOps(c.mem, c.nr, c.args, nil)
			if len(subs) != 1 {
				t.Fatalf("got %d sub-operations: %+v", len(subs), subs)
			}
			s := subs[0]
			if s.Kind != c.kind || s.Value != c.val || s.Name != c.want {
				t.Errorf("got %s %#x %q, want %s %#x %q", s.Kind, s.Value, s.Name, c.kind, c.val, c.want)
			}
		})
	}
	if subs := SubOps(nil, unix.SYS_GETPID, shim.Args{}, nil); len(subs) != 0 {
		t.Errorf("getpid has sub-operations %+v", subs)
	}
	if subs := SubOps(nil, unix.SYS_CLONE3, shim.Args{0x1000}, nil); len(subs) != 0 {
		t.Errorf("clone3 without memory: %+v", subs)
	}
}

func TestNameCacheMatchesSubOpName(t *testing.T) {
	var c nameCache
	for range 2 {
		if got := c.name(KindFutex, 0); got != "FUTEX_WAIT" {
			t.Fatalf("cached name %q", got)
		}
	}
}

func TestParseRule(t *testing.T) {
	cases := []struct {
		spec string
		want Rule
	}{
		{"getrandom=stub", Rule{Syscall: "getrandom", Nr: unix.SYS_GETRANDOM, Action: Stub}},
		{"ioctl:ioctl=0x5401=fake", Rule{Syscall: "ioctl", Nr: unix.SYS_IOCTL, SubKind: "ioctl", SubValue: 0x5401, Action: Fake}},
		{"ioctl:ioctl=TCGETS=stub", Rule{Syscall: "ioctl", Nr: unix.SYS_IOCTL, SubKind: "ioctl", SubName: "TCGETS", Action: Stub}},
		{"syscall_39=fake", Rule{Syscall: "getpid", Nr: 39, Action: Fake}},
	}
	for _, c := range cases {
		got, err := ParseRule(c.spec)
		if err != nil || got != c.want {
			t.Errorf("ParseRule(%q) = %+v, %v; want %+v", c.spec, got, err, c.want)
		}
	}
	if s := (Rule{Syscall: "ioctl", Nr: 16, SubKind: "ioctl", SubValue: 0x5401, Action: Fake}).String(); s != "ioctl:ioctl=0x5401=fake" {
		t.Errorf("String() = %q", s)
	}
	for _, bad := range []string{"getrandom", "getrandom=maybe", "nosuchcall=stub", "ioctl:ioctl=stub", "ioctl:=1=stub"} {
		if _, err := ParseRule(bad); err == nil {
			t.Errorf("ParseRule(%q) accepted", bad)
		}
	}
}

func TestOverrides(t *testing.T) {
	o := NewOverrides([]Rule{
		{Syscall: "getrandom", Nr: unix.SYS_GETRANDOM, Action: Stub},
		{Syscall: "ioctl", Nr: unix.SYS_IOCTL, SubKind: KindIoctl, SubValue: unix.TCGETS, Action: Fake},
		{Syscall: "fcntl", Nr: unix.SYS_FCNTL, SubKind: KindFcntl, SubName: "F_GETFL", Action: Stub},
	})
	enosys := kernel.ErrnoReturn(unix.ENOSYS)
	check := func(nr uint64, a shim.Args, wantRet uint64, wantOK bool) {
		t.Helper()
		ret, ok := o.Override(nil, nr, a)
		if ok != wantOK || (ok && ret != wantRet) {
			t.Errorf("Override(%d, %v) = %#x, %v; want %#x, %v", nr, a[:3], ret, ok, wantRet, wantOK)
		}
	}
	check(unix.SYS_GETRANDOM, shim.Args{}, enosys, true)
	check(unix.SYS_IOCTL, shim.Args{1, unix.TCGETS}, 0, true)
	check(unix.SYS_IOCTL, shim.Args{1, unix.TIOCGWINSZ}, 0, false)
	check(unix.SYS_FCNTL, shim.Args{1, unix.F_GETFL}, enosys, true)
	check(unix.SYS_FCNTL, shim.Args{1, unix.F_GETFD}, 0, false)
	check(unix.SYS_WRITE, shim.Args{}, 0, false)
}

func TestFilter(t *testing.T) {
	p := coverage.Profile{
		Syscalls: []string{"write", "ioctl", "mmap", "exit_group"},
		SubOps:   map[string][]string{"ioctl": {"TCGETS", "0xdead"}},
	}
	f := NewFilter(p, false)
	cases := []struct {
		nr   uint64
		args shim.Args
		want string // what is refused
	}{
		{unix.SYS_WRITE, shim.Args{1}, ""},
		{unix.SYS_GETPID, shim.Args{}, "syscall getpid (39)"},
		{unix.SYS_IOCTL, shim.Args{1, unix.TCGETS}, ""},
		{unix.SYS_IOCTL, shim.Args{1, 0xdead}, ""},
		{unix.SYS_IOCTL, shim.Args{1, unix.TIOCGWINSZ}, "ioctl TIOCGWINSZ"},
		{unix.SYS_MMAP, shim.Args{0, 4096, unix.PROT_READ, unix.MAP_PRIVATE}, "mmap PROT_READ,MAP_PRIVATE"}, // kind not listed
		{9999, shim.Args{}, "syscall syscall_9999 (9999)"},
	}
	for _, c := range cases {
		if got := f.Refused(nil, c.nr, c.args); got != c.want {
			t.Errorf("Refused(%d, %#x) = %q, want %q", c.nr, c.args[1], got, c.want)
		}
	}
	if f.Kill() || !NewFilter(p, true).Kill() {
		t.Error("Kill does not follow the action")
	}
	all := NewFilter(coverage.Profile{Syscalls: []string{"*"}, SubOps: map[string][]string{"ioctl": {"*"}}}, false)
	if all.Refused(nil, unix.SYS_IOCTL, shim.Args{1, 0x1234}) != "" || all.Refused(nil, unix.SYS_GETPID, shim.Args{}) != "" {
		t.Error("wildcards refused a call")
	}
	if _, err := ParseProfileAction("explode"); err == nil {
		t.Error("bad profile action accepted")
	}
}

func TestOutcome(t *testing.T) {
	o := NewObserver()
	if e, s := o.Outcome(139); e != 0 || s != 11 {
		t.Errorf("no exit call, status 139: exit %d signal %d; want signal 11", e, s)
	}
	if e, s := o.Outcome(3); e != 3 || s != 0 {
		t.Errorf("status 3: exit %d signal %d", e, s)
	}
	o.exitCode.Store(139 + 1)
	if e, s := o.Outcome(139); e != 139 || s != 0 {
		t.Errorf("exit_group(139): exit %d signal %d; want exit 139", e, s)
	}
}

// TestSymbolizer resolves a function of the test binary itself from the
// file offset of its entry.
func TestSymbolizer(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(exe)
	if err != nil {
		t.Skipf("test binary is not ELF: %v", err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Skipf("test binary has no symbol table: %v", err)
	}
	var target elf.Symbol
	for _, s := range syms {
		if s.Name == "runtime.main" {
			target = s
		}
	}
	if target.Value == 0 {
		t.Skip("runtime.main not found")
	}
	var off uint64
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && target.Value >= p.Vaddr && target.Value < p.Vaddr+p.Filesz {
			off = target.Value - p.Vaddr + p.Off
		}
	}
	var s Symbolizer
	if got := s.Resolve(exe, off+4); got != "runtime.main" {
		t.Errorf("Resolve(offset of runtime.main+4) = %q", got)
	}
	if got := s.Resolve("/nonexistent/object", 0x1000); got != "" {
		t.Errorf("missing object resolved to %q", got)
	}
}
