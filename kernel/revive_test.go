package kernel

import (
	"math/rand/v2"
	"testing"

	"golang.org/x/sys/unix"
)

// TestFDTableLowFree checks the lowest free descriptor the table keeps
// for the platform's reopens against a scan, through random installs,
// closes, dup2s, close_range and a fork.
func TestFDTableLowFree(t *testing.T) {
	ft := NewFDTable(64)
	f := newCountedFile()
	defer f.DecRef()
	scan := func(ft *FDTable) int {
		ft.mu.Lock()
		defer ft.mu.Unlock()
		fd := 0
		for ft.openLocked(fd) {
			fd++
		}
		return fd
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		switch rng.IntN(5) {
		case 0, 1:
			ft.Install(f, rng.IntN(8), false)
		case 2:
			ft.Close(rng.IntN(20))
		case 3:
			ft.Dup2(rng.IntN(20), rng.IntN(40))
		case 4:
			if rng.IntN(10) == 0 {
				first := uint(rng.IntN(20))
				ft.CloseRange(first, first+uint(rng.IntN(5)), false)
			}
		}
		if got, want := ft.lowFree, scan(ft); got != want {
			t.Fatalf("step %d: lowFree %d, want %d", i, got, want)
		}
	}
	child := ft.Fork()
	if got, want := child.lowFree, scan(child); got != want {
		t.Errorf("fork: lowFree %d, want %d", got, want)
	}
	child.CloseAll()
	ft.CloseAll()
	if ft.lowFree != 0 {
		t.Errorf("after closing all: lowFree %d", ft.lowFree)
	}
}

// TestReviveClasses checks that calls which may change what a path names
// or a description's state are not neutral.
func TestReviveClasses(t *testing.T) {
	task := &Task{p: &Process{}}
	for _, tc := range []struct {
		name string
		nr   uint64
		a    [6]uint64
		want bool
	}{
		{"read", unix.SYS_READ, [6]uint64{3}, true},
		{"openat read-only", unix.SYS_OPENAT, [6]uint64{0, 0, unix.O_RDONLY | unix.O_CLOEXEC}, true},
		{"openat O_CREAT", unix.SYS_OPENAT, [6]uint64{0, 0, unix.O_WRONLY | unix.O_CREAT}, false},
		{"open O_TMPFILE", unix.SYS_OPEN, [6]uint64{0, unix.O_TMPFILE | unix.O_RDWR}, false},
		{"rename", unix.SYS_RENAME, [6]uint64{}, false},
		{"unlink", unix.SYS_UNLINK, [6]uint64{}, false},
		{"chmod", unix.SYS_CHMOD, [6]uint64{}, false},
		{"setuid", unix.SYS_SETUID, [6]uint64{}, false},
		{"mount", unix.SYS_MOUNT, [6]uint64{}, false},
		{"dup", unix.SYS_DUP, [6]uint64{3}, false},
		{"dup2", unix.SYS_DUP2, [6]uint64{3, 4}, false},
		{"prlimit64", unix.SYS_PRLIMIT64, [6]uint64{}, false},
		{"mmap anonymous", unix.SYS_MMAP, [6]uint64{0, 4096, 3, unix.MAP_ANONYMOUS | unix.MAP_PRIVATE, ^uint64(0)}, true},
		{"beyond the table", 600, [6]uint64{}, false},
	} {
		if got := task.reviveNeutral(tc.nr, tc.a); got != tc.want {
			t.Errorf("%s: neutral %v, want %v", tc.name, got, tc.want)
		}
	}
}
