package main

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestCallFilter(t *testing.T) {
	cases := []struct {
		expr   string
		nr     uint64
		want   bool
		reject bool
	}{
		{"trace=openat,read", unix.SYS_OPENAT, true, false},
		{"trace=openat,read", unix.SYS_WRITE, false, false},
		{"openat", unix.SYS_OPENAT, true, false},
		{"trace=!brk,mmap", unix.SYS_BRK, false, false},
		{"trace=!brk,mmap", unix.SYS_READ, true, false},
		{"trace=all", unix.SYS_READ, true, false},
		{"trace=none", unix.SYS_READ, false, false},
		{"trace=%file", 0, false, true},
		{"trace=nosuchcall", 0, false, true},
		{"signal=SIGINT", 0, false, true},
	}
	for _, tc := range cases {
		f, err := callFilter(tc.expr)
		if tc.reject {
			if err == nil {
				t.Errorf("callFilter(%q) accepted", tc.expr)
			}
			continue
		}
		if err != nil {
			t.Errorf("callFilter(%q): %v", tc.expr, err)
			continue
		}
		if got := f(tc.nr); got != tc.want {
			t.Errorf("callFilter(%q)(%d) = %v, want %v", tc.expr, tc.nr, got, tc.want)
		}
	}
}
