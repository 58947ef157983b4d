package strace

import (
	"strings"
	"testing"

	"github.com/elfloader/elfloader/abi/linux"
	"golang.org/x/sys/unix"
)

// fuzzMem is application memory whose every page either faults or holds
// the fuzzer's bytes repeated: pointers read from it point anywhere.
type fuzzMem struct {
	t      *testing.T
	data   []byte
	faults uint64 // bit (page number % 64) set: that page faults
	short  bool   // misbehave: return one byte less than asked, without an error
}

// maxRead bounds a single read: the formatter shows at most a path, a
// sockaddr or a few dozen array elements, never megabytes.
const maxRead = 64 << 10

func (m *fuzzMem) ReadAt(addr uint64, n int) ([]byte, error) {
	if n < 0 || n > maxRead {
		m.t.Fatalf("ReadAt(%#x, %d): the formatter asked for an unbounded read", addr, n)
	}
	if n > 0 && addr+uint64(n)-1 < addr {
		m.t.Fatalf("ReadAt(%#x, %d) wraps around the address space", addr, n)
	}
	for p := addr / pageSize; n > 0 && p <= (addr+uint64(n)-1)/pageSize; p++ {
		if m.faults&(1<<(p%64)) != 0 {
			return nil, unix.EFAULT
		}
	}
	out := make([]byte, n)
	if len(m.data) > 0 {
		for i := range out {
			out[i] = m.data[(addr+uint64(i))%uint64(len(m.data))]
		}
	}
	if m.short && n > 0 {
		out = out[:n-1]
	}
	return out, nil
}

// FuzzFormatMemory formats any syscall number with any arguments and
// return value against memory the fuzzer fills or faults: strace lines are
// built from app memory, which the app controls completely.
func FuzzFormatMemory(f *testing.F) {
	f.Add(uint64(unix.SYS_OPENAT), uint64(0xffffffffffffff9c), uint64(0x10000), uint64(0), uint64(0), uint64(0), uint64(0), int64(3),
		[]byte("/etc/passwd\x00"), uint64(0), false, 0)
	f.Add(uint64(unix.SYS_WRITEV), uint64(1), uint64(0x20000), uint64(3), uint64(0), uint64(0), uint64(0), int64(12),
		[]byte("\x00\x00\x02\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00"), uint64(0), false, 8)
	f.Add(uint64(unix.SYS_EXECVE), uint64(0x10000), uint64(0x10000), uint64(0x10000), uint64(0), uint64(0), uint64(0), int64(0),
		[]byte("\x10\x00\x01\x00\x00\x00\x00\x00"), uint64(0), false, 0)
	f.Add(uint64(unix.SYS_CONNECT), uint64(3), uint64(0x30000), uint64(16), uint64(0), uint64(0), uint64(0), int64(-111),
		[]byte("\x02\x00\x00\x50\x7f\x00\x00\x01"), uint64(0), false, 0)
	f.Add(uint64(unix.SYS_STAT), uint64(0x10000), uint64(0x20000), uint64(0), uint64(0), uint64(0), uint64(0), int64(-14),
		[]byte("\xff"), uint64(1<<0x20), true, 0)
	f.Add(uint64(unix.SYS_CLONE3), uint64(0x10000), uint64(88), uint64(0), uint64(0), uint64(0), uint64(0), int64(1234),
		[]byte("\x00\x01\x01\x00\x00\x00\x00\x00\x40\x00\x00\x00\x00\x00\x00\x00"), uint64(0), false, 64)
	f.Fuzz(func(t *testing.T, nr, a0, a1, a2, a3, a4, a5 uint64, ret int64, data []byte, faults uint64, short bool, limit int) {
		mem := &fuzzMem{t: t, data: data, faults: faults, short: short}
		args := [6]uint64{a0, a1, a2, a3, a4, a5}
		nr %= linux.MaxSyscall + 16
		p := Printer{StringLimit: limit % 4096}
		if p.StringLimit < 0 {
			p.StringLimit = -p.StringLimit
		}
		name := linux.SyscallName(nr)
		line := p.Format(nr, args, ret, mem)
		if !strings.HasPrefix(line, name+"(") || !strings.Contains(line, ") = ") {
			t.Fatalf("malformed line %q", line)
		}
		if entry := p.FormatEntry(nr, args, mem); !strings.HasPrefix(entry, name+"(") {
			t.Fatalf("malformed entry %q", entry)
		}
		if r := FormatReturn(nr, ret); !strings.HasPrefix(r, " = ") {
			t.Fatalf("malformed return %q", r)
		}
		if len(line) > 1<<20 {
			t.Fatalf("%d-byte line", len(line))
		}
	})
}
