package sandbox

import (
	"encoding/binary"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// run interprets the filter's classic BPF (the instructions the builder
// emits) on one struct seccomp_data.
func run(t *testing.T, insns []unix.SockFilter, arch uint32, nr uint64, ip uint64, args ...uint64) uint32 {
	t.Helper()
	var data [seccompSz]byte
	binary.LittleEndian.PutUint32(data[offNr:], uint32(nr))
	binary.LittleEndian.PutUint32(data[offArch:], arch)
	binary.LittleEndian.PutUint64(data[offIPLo:], ip)
	for i, a := range args {
		binary.LittleEndian.PutUint64(data[offArgs+8*i:], a)
	}
	var acc uint32
	for pc := 0; pc < len(insns); pc++ {
		in := insns[pc]
		switch {
		case in.Code == unix.BPF_LD|unix.BPF_W|unix.BPF_ABS:
			acc = binary.LittleEndian.Uint32(data[in.K:])
		case in.Code == unix.BPF_RET|unix.BPF_K:
			return in.K
		case in.Code == unix.BPF_JMP|unix.BPF_JA:
			pc += int(in.K)
		case in.Code&0x07 == unix.BPF_JMP:
			var ok bool
			switch in.Code &^ (unix.BPF_JMP | unix.BPF_K) {
			case unix.BPF_JEQ:
				ok = acc == in.K
			case unix.BPF_JGE:
				ok = acc >= in.K
			case unix.BPF_JGT:
				ok = acc > in.K
			case unix.BPF_JSET:
				ok = acc&in.K != 0
			default:
				t.Fatalf("instruction %d: unexpected jump %#x", pc, in.Code)
			}
			if ok {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		default:
			t.Fatalf("instruction %d: unexpected code %#x", pc, in.Code)
		}
	}
	t.Fatal("the program ran off its end")
	return 0
}

func TestHostFilterDecisions(t *testing.T) {
	// elfloader's code in two ranges, one across a 4 GiB boundary.
	text := []TextRange{{0x5555_0000_0000, 0x5555_0010_0000}, {0x7fff_ffff_0000, 0x8000_0001_0000}}
	f, err := NewHostFilter(text)
	if err != nil {
		t.Fatal(err)
	}
	const own, app, stub = 0x5555_0000_1234, 0x4000_1000, 0x1000_0000_2000
	const x86 = unix.AUDIT_ARCH_X86_64
	eperm := uint32(unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM))
	threadFlags := uint64(unix.CLONE_VM | unix.CLONE_FS | unix.CLONE_FILES | unix.CLONE_SIGHAND | unix.CLONE_THREAD)
	cases := []struct {
		name string
		arch uint32
		nr   uint64
		ip   uint64
		args []uint64
		want uint32
	}{
		{"read from elfloader", x86, unix.SYS_READ, own, nil, unix.SECCOMP_RET_ALLOW},
		{"read from app code", x86, unix.SYS_READ, app, nil, unix.SECCOMP_RET_ALLOW},
		{"stub's recvmsg", x86, unix.SYS_RECVMSG, stub, nil, unix.SECCOMP_RET_ALLOW},
		{"mount from app code traps", x86, unix.SYS_MOUNT, app, nil, unix.SECCOMP_RET_TRAP},
		{"mount from elfloader is EPERM", x86, unix.SYS_MOUNT, own, nil, eperm},
		{"ptrace from the far text range", x86, unix.SYS_PTRACE, 0x8000_0000_0010, nil, eperm},
		{"ptrace just past the text", x86, unix.SYS_PTRACE, 0x5555_0010_0000, nil, unix.SECCOMP_RET_TRAP},
		{"bpf from app code", x86, unix.SYS_BPF, app, nil, unix.SECCOMP_RET_TRAP},
		{"thread clone", x86, unix.SYS_CLONE, own, []uint64{threadFlags}, unix.SECCOMP_RET_ALLOW},
		{"fork clone", x86, unix.SYS_CLONE, app, []uint64{unix.CLONE_PIDFD | uint64(unix.SIGCHLD)}, unix.SECCOMP_RET_ALLOW},
		{"clone into a user namespace", x86, unix.SYS_CLONE, app, []uint64{unix.CLONE_NEWUSER | uint64(unix.SIGCHLD)}, unix.SECCOMP_RET_TRAP},
		{"clone3 from glibc", x86, unix.SYS_CLONE3, own, nil, unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)},
		{"clone3 from app code", x86, unix.SYS_CLONE3, app, nil, unix.SECCOMP_RET_TRAP},
		{"ioctl TCGETS", x86, unix.SYS_IOCTL, own, []uint64{0, unix.TCGETS}, unix.SECCOMP_RET_ALLOW},
		{"ioctl TIOCSTI", x86, unix.SYS_IOCTL, app, []uint64{0, unix.TIOCSTI}, unix.SECCOMP_RET_TRAP},
		{"int $0x80", unix.AUDIT_ARCH_I386, 1, app, nil, unix.SECCOMP_RET_TRAP},
		{"x32", x86, x32Bit | unix.SYS_READ, app, nil, unix.SECCOMP_RET_TRAP},
	}
	for _, c := range cases {
		if got := run(t, f.insns, c.arch, c.nr, c.ip, c.args...); got != c.want {
			t.Errorf("%s: action %#x, want %#x", c.name, got, c.want)
		}
	}
}

// TestHostFilterEveryNumber runs the filter for every call number (and
// a few far ones) from app code: exactly the allowed calls pass.
func TestHostFilterEveryNumber(t *testing.T) {
	f, err := NewHostFilter([]TextRange{{0x5555_0000_0000, 0x5555_0010_0000}})
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[uint64]bool{}
	for _, c := range allowedCalls {
		allowed[uint64(c.nr)] = true
	}
	nrs := []uint64{x32Bit - 1, 1 << 31, 1<<32 - 1}
	for nr := uint64(0); nr < 1024; nr++ {
		nrs = append(nrs, nr)
	}
	for _, nr := range nrs {
		if nr == unix.SYS_IOCTL || nr == unix.SYS_CLONE || nr&x32Bit != 0 {
			continue
		}
		want := uint32(unix.SECCOMP_RET_TRAP)
		if allowed[nr] {
			want = unix.SECCOMP_RET_ALLOW
		}
		if got := run(t, f.insns, unix.AUDIT_ARCH_X86_64, nr, 0x4000_1000); got != want {
			t.Errorf("call %d from app code: action %#x, want %#x", nr, got, want)
		}
	}
}

// TestRetIfMember checks the comparison tree on sets with the edges of
// the 32-bit range, runs and gaps, and one large enough for the far jumps.
func TestRetIfMember(t *testing.T) {
	large := []uint32{}
	for i := uint32(0); i < 400; i++ {
		large = append(large, 3*i+1)
	}
	sets := [][]uint32{
		nil,
		{0},
		{1<<32 - 1},
		{0, 1, 2, 7, 9, 10, 1<<32 - 2, 1<<32 - 1},
		{5, 3, 4, 4, 100},
		large,
	}
	for _, set := range sets {
		var p program
		out := p.newLabel()
		p.load(offNr)
		p.retIfMember(set, unix.SECCOMP_RET_ALLOW, out)
		p.place(out)
		p.ret(unix.SECCOMP_RET_TRAP)
		insns, err := p.finish()
		if err != nil {
			t.Fatalf("set %v: %v", set, err)
		}
		in := map[uint32]bool{}
		probes := []uint32{0, 1, 2, 1<<32 - 1, 1<<32 - 2, 1 << 31}
		for _, nr := range set {
			in[nr] = true
			probes = append(probes, nr-1, nr, nr+1)
		}
		for _, nr := range probes {
			want := uint32(unix.SECCOMP_RET_TRAP)
			if in[nr] {
				want = unix.SECCOMP_RET_ALLOW
			}
			if got := run(t, insns, unix.AUDIT_ARCH_X86_64, uint64(nr), 0); got != want {
				t.Errorf("set of %d: %d gives %#x, want %#x", len(set), nr, got, want)
			}
		}
	}
}

func TestAllowListExcludesKilledCalls(t *testing.T) {
	seen := map[uintptr]bool{}
	for _, c := range allowedCalls {
		if seen[c.nr] {
			t.Errorf("call %d listed twice", c.nr)
		}
		seen[c.nr] = true
		if KillsEscapedCall(uint64(c.nr)) || c.nr == unix.SYS_CLONE || c.nr == unix.SYS_IOCTL || c.nr == unix.SYS_CLONE3 {
			t.Errorf("call %d (%s) is both allowed and refused or checked", c.nr, c.who)
		}
		if strings.TrimSpace(c.who) == "" {
			t.Errorf("call %d: nobody needs it", c.nr)
		}
	}
}

func TestParseText(t *testing.T) {
	maps := `555555554000-555555556000 r--p 00000000 08:01 12 /usr/bin/elfloader
555555556000-555555800000 r-xp 00002000 08:01 12 /usr/bin/elfloader
7ffff7c00000-7ffff7d00000 r-xp 00028000 08:01 13 /usr/lib/x86_64-linux-gnu/libc.so.6
7ffff7fc1000-7ffff7fc3000 r-xp 00000000 00:00 0 [vdso]
7ffff7e00000-7ffff7e10000 rwxp 00000000 00:00 0
`
	got, err := parseText([]byte(maps))
	if err != nil {
		t.Fatal(err)
	}
	want := []TextRange{{0x555555556000, 0x555555800000}, {0x7ffff7c00000, 0x7ffff7d00000}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %#x, want %#x", got, want)
	}
}
