package linux

import (
	"slices"
	"testing"
)

func TestSyscallNames(t *testing.T) {
	known := map[uint64]string{
		0: "read", 1: "write", 2: "open", 9: "mmap", 56: "clone", 59: "execve", 60: "exit",
		158: "arch_prctl", 202: "futex", 217: "getdents64", 231: "exit_group", 257: "openat",
		262: "newfstatat", 302: "prlimit64", 318: "getrandom", 332: "statx", 334: "rseq",
		435: "clone3", 439: "faccessat2", 462: "mseal", 156: "_sysctl",
	}
	for nr, name := range known {
		if got := SyscallName(nr); got != name {
			t.Errorf("SyscallName(%d) = %q, want %q", nr, got, name)
		}
		if got, ok := SyscallNumber(name); !ok || got != nr {
			t.Errorf("SyscallNumber(%q) = %d, %v; want %d", name, got, ok, nr)
		}
	}
}

func TestSyscallUnknown(t *testing.T) {
	for _, nr := range []uint64{400, 1000, 1 << 40} {
		want := "syscall_" + formatDecimal(nr)
		if got := SyscallName(nr); got != want {
			t.Errorf("SyscallName(%d) = %q, want %q", nr, got, want)
		}
		if got, ok := SyscallNumber(want); !ok || got != nr {
			t.Errorf("SyscallNumber(%q) = %d, %v", want, got, ok)
		}
	}
	if _, ok := SyscallNumber("no_such_call"); ok {
		t.Error("SyscallNumber accepted an unknown name")
	}
	if IsSyscall(400) || !IsSyscall(0) {
		t.Error("IsSyscall: 400 is unallocated on x86-64, 0 is read")
	}
}

func TestSyscallNamesList(t *testing.T) {
	names := SyscallNames()
	if names[0] != "read" || names[len(names)-1] != SyscallName(MaxSyscall) {
		t.Errorf("SyscallNames: first %q last %q", names[0], names[len(names)-1])
	}
	if MaxSyscall < 462 {
		t.Errorf("MaxSyscall = %d, want at least 462 (mseal)", MaxSyscall)
	}
	seen := map[string]bool{}
	prev := -1
	for _, name := range names {
		if seen[name] {
			t.Errorf("duplicate name %q", name)
		}
		seen[name] = true
		nr, _ := SyscallNumber(name)
		if int(nr) <= prev {
			t.Errorf("SyscallNames not in number order at %q", name)
		}
		prev = int(nr)
	}
	names[0] = "changed"
	if SyscallNames()[0] != "read" {
		t.Error("SyscallNames returned shared storage")
	}
	if !slices.Contains(names, "rseq") {
		t.Error("rseq missing")
	}
}
