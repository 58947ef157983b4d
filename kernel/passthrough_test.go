package kernel

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/plat"
	"github.com/elfloader/elfloader/vfs"
)

// TestPassThroughTables: the description words follow registration,
// O_NONBLOCK and close (which waits for calls in flight), and an FDTable's
// descriptor table follows installs, dup2, close, close-on-exec and fork.
func TestPassThroughTables(t *testing.T) {
	pt, err := newPassThrough(nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	r := NewOwnedHostFile(p[0], "pipe", unix.O_RDONLY)
	w := NewOwnedHostFile(p[1], "pipe", unix.O_WRONLY|unix.O_NONBLOCK)
	pt.register(r, r.fd, 0)
	pt.register(w, w.fd, plat.PassWordSocket)
	word := func(h *HostFile) uint64 { return pt.ofds[h.passIndex-1].Load() }
	if got := word(r); got != uint64(p[0])|plat.PassWordValid {
		t.Errorf("read end's word %#x", got)
	}
	if got := word(w); got != uint64(p[1])|plat.PassWordValid|plat.PassWordSocket|plat.PassWordNonblock {
		t.Errorf("write end's word %#x", got)
	}
	if err := r.SetStatusFlags(unix.O_NONBLOCK); err != nil || word(r)&plat.PassWordNonblock == 0 {
		t.Errorf("O_NONBLOCK not in the word: %#x (%v)", word(r), err)
	}
	r.SetPassable(false)
	if word(r)&plat.PassWordValid != 0 {
		t.Errorf("SetPassable(false) left the word valid: %#x", word(r))
	}
	r.SetPassable(true)

	ft := NewFDTable(0)
	m := ft.passMirror()
	if m == nil {
		t.Fatal("no descriptor table")
	}
	fr, _ := ft.Install(r, 0, false)
	fw, _ := ft.Install(w, 0, true)
	r.DecRef()
	w.DecRef()
	if m.fds[fr].Load() != r.passIndex || m.fds[fw].Load() != w.passIndex {
		t.Errorf("installed: %d %d, want %d %d", m.fds[fr].Load(), m.fds[fw].Load(), r.passIndex, w.passIndex)
	}
	if _, err := ft.Dup2(fr, 50); err != nil || m.fds[50].Load() != r.passIndex {
		t.Errorf("dup2: %d (%v)", m.fds[50].Load(), err)
	}
	child := ft.Fork()
	cm := child.passMirror()
	if cm == m || cm.fds[50].Load() != r.passIndex || cm.fds[fw].Load() != w.passIndex {
		t.Errorf("forked table's descriptors: %d %d", cm.fds[50].Load(), cm.fds[fw].Load())
	}
	ft.ExecCloseOnExec()
	if m.fds[fw].Load() != 0 {
		t.Errorf("close-on-exec left %d", m.fds[fw].Load())
	}
	ft.Close(50)
	if m.fds[50].Load() != 0 || m.fds[fr].Load() != r.passIndex {
		t.Errorf("close: %d %d", m.fds[50].Load(), m.fds[fr].Load())
	}

	child.Release()
	if child.mirror.Load() != nil {
		t.Error("released table kept its descriptor table")
	}

	// A call in flight holds the host descriptor open.
	idx := r.passIndex
	pt.ofds[idx-1].Add(plat.PassWordInflightOne)
	done := make(chan struct{})
	go func() {
		ft.Close(fr) // the last reference: closes the host descriptor
		close(done)
	}()
	time.Sleep(20 * time.Millisecond)
	select {
	case <-done:
		t.Fatal("closed with a call in flight")
	default:
	}
	if _, err := unix.FcntlInt(uintptr(p[0]), unix.F_GETFD, 0); err != nil {
		t.Errorf("host descriptor closed under a call in flight: %v", err)
	}
	pt.ofds[idx-1].Add(^uint64(plat.PassWordInflightOne - 1))
	<-done
	if got := pt.ofds[idx-1].Load(); got != 0 {
		t.Errorf("released word %#x", got)
	}
	ft.Release()
}

// TestAccessBits: the platform reads the vfs's access word with plat's
// names for its bits.
func TestAccessBits(t *testing.T) {
	if vfs.AccessWatched != plat.PassAccessWatched || vfs.AccessLocked != plat.PassAccessLocked {
		t.Errorf("vfs access bits %#x %#x, plat %#x %#x", vfs.AccessWatched, vfs.AccessLocked, plat.PassAccessWatched, plat.PassAccessLocked)
	}
}
