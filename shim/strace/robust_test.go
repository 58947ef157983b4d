package strace

import (
	"strings"
	"testing"

	"github.com/elfloader/elfloader/abi/linux"
)

// hostileMem maps one page of 0xff bytes (no NUL, every pointer read from
// it is garbage) and one page of zeros.
func hostileMem() *fakeMem {
	ff := make([]byte, pageSize)
	for i := range ff {
		ff[i] = 0xff
	}
	return newFakeMem().put(0x10000, ff).put(0x20000, make([]byte, pageSize))
}

func TestEverySyscallFormatsWithoutPanic(t *testing.T) {
	argSets := [][6]uint64{
		{},
		{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)},
		{0x10000, 0x10000, 0x10000, 0x10000, 0x10000, 0x10000},
		{0x20000, 0x20000, 64, 0x20000, 0x20000, 0x20000},
		{3, 0x10000, 1 << 40, 0x10ff0, 0x20000, 1 << 31},
	}
	rets := []int64{0, 5, 1 << 40, -1, -4095, -512, -4096}
	mem := hostileMem()
	for nr := uint64(0); nr <= linux.MaxSyscall+2; nr++ {
		name := linux.SyscallName(nr)
		for _, args := range argSets {
			for _, ret := range rets {
				line := Format(nr, args, ret, mem)
				if !strings.HasPrefix(line, name+"(") || !strings.Contains(line, ") = ") {
					t.Fatalf("%s: malformed line %q", name, line)
				}
				if entry := FormatEntry(nr, args, mem); !strings.HasPrefix(line, entry[:len(name)+1]) {
					t.Fatalf("%s: entry %q does not match %q", name, entry, line)
				}
			}
		}
	}
}

func TestUnterminatedPathIsTruncated(t *testing.T) {
	line := Format(4 /* stat */, [6]uint64{0x10000, 0}, -14, hostileMem())
	// 0xff bytes run to the end of the mapped page without a NUL: the
	// string cannot be read completely, so strace prints the pointer.
	if want := `stat(0x10000, NULL) = -1 EFAULT (Bad address)`; line != want {
		t.Errorf("got %s, want %s", line, want)
	}
	long := make([]byte, 2*pageSize)
	for i := range long {
		long[i] = 'a'
	}
	line = Format(4, [6]uint64{0x40000, 0}, -36, newFakeMem().put(0x40000, long))
	if !strings.HasPrefix(line, `stat("aaaa`) || !strings.Contains(line, `"..., NULL) = -1 ENAMETOOLONG`) {
		t.Errorf("long path line = %.80s...%s", line, line[len(line)-40:])
	}
}

func FuzzFormat(f *testing.F) {
	f.Add(uint64(257), uint64(0xffffffffffffff9c), uint64(0x10000), uint64(0), int64(3))
	f.Add(uint64(1), uint64(1), uint64(0x20000), uint64(12), int64(12))
	f.Add(uint64(202), uint64(0x20000), uint64(9|128|256), uint64(0), int64(-11))
	mem := hostileMem()
	f.Fuzz(func(t *testing.T, nr, a0, a1, a2 uint64, ret int64) {
		args := [6]uint64{a0, a1, a2, a0 ^ a1, a1 ^ a2, a2 ^ a0}
		line := Format(nr%(linux.MaxSyscall+10), args, ret, mem)
		if !strings.Contains(line, "(") {
			t.Fatalf("malformed %q", line)
		}
	})
}
