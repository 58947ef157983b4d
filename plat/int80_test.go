package plat

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/arch/amd64"
)

func TestInt80Refused(t *testing.T) {
	gp := Fault{Signo: int(unix.SIGSEGV), Code: 0x80, Trapno: 13, Err: 0x402}
	code := func(b ...byte) func(uint64, []byte) error {
		return func(addr uint64, dst []byte) error {
			if addr != 0x401000 {
				return errors.New("wrong address")
			}
			copy(dst, b)
			return nil
		}
	}
	cases := []struct {
		name string
		f    Fault
		read func(uint64, []byte) error
		want bool
	}{
		{"int $0x80 refused by the host", gp, code(0xcd, 0x80), true},
		{"another instruction", gp, code(0xcd, 0x81), false},
		{"unreadable", gp, func(uint64, []byte) error { return unix.EFAULT }, false},
		{"another vector", Fault{Signo: int(unix.SIGSEGV), Code: 0x80, Trapno: 13, Err: 0x81<<3 | 2}, code(0xcd, 0x80), false},
		{"a page fault", Fault{Signo: int(unix.SIGSEGV), Code: 1, Trapno: 14, Err: 4}, code(0xcd, 0x80), false},
	}
	for _, c := range cases {
		r := amd64.Regs{Rip: 0x401000, Rax: 20}
		if got := Int80Refused(c.f, &r, c.read); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
		if c.want && (r.Rip != 0x401002 || r.OrigRax != 20) {
			t.Errorf("%s: rip %#x orig_rax %d, want 0x401002, 20", c.name, r.Rip, r.OrigRax)
		}
		if !c.want && r.Rip != 0x401000 {
			t.Errorf("%s: rip moved to %#x", c.name, r.Rip)
		}
	}
}
