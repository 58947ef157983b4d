package vfs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/elfloader/elfloader/vfs"
	"golang.org/x/sys/unix"
)

func TestRecordLocks(t *testing.T) {
	_, ctx := newTree(t)
	open := func() *vfs.File {
		f, err := vfs.OpenAt(ctx, ctx.Root, "/dir/file", vfs.OpenHow{Flags: unix.O_RDWR})
		must(t, err)
		return f
	}
	f1, f2 := open(), open()
	defer f2.DecRef()
	bg := context.Background()
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: unix.SEEK_SET, Start: 0, Len: 10}
	must(t, f1.SetLock(bg, "p1", 101, lk, false))
	// Same owner may relock; another owner conflicts.
	must(t, f1.SetLock(bg, "p1", 101, lk, false))
	if err := f2.SetLock(bg, "p2", 102, lk, false); !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("conflicting F_SETLK: %v", err)
	}
	// Non-overlapping range is fine.
	must(t, f2.SetLock(bg, "p2", 102, unix.Flock_t{Type: unix.F_WRLCK, Start: 10, Len: 5}, false))
	q := unix.Flock_t{Type: unix.F_RDLCK, Whence: unix.SEEK_SET, Start: 5, Len: 1}
	must(t, f2.GetLock("p2", &q))
	if q.Type != unix.F_WRLCK || q.Pid != 101 || q.Start != 0 || q.Len != 10 {
		t.Fatalf("F_GETLK = %+v", q)
	}
	// F_SETLKW is interrupted by cancellation...
	cctx, cancel := context.WithCancel(bg)
	cancel()
	if err := f2.SetLock(cctx, "p2", 102, lk, true); !errors.Is(err, unix.EINTR) {
		t.Fatalf("cancelled F_SETLKW: %v", err)
	}
	// ...and granted once the holder closes (POSIX: closing any descriptor
	// releases the owner's locks, as the kernel's FDTable.Close does).
	done := make(chan error, 1)
	go func() { done <- f2.SetLock(bg, "p2", 102, lk, true) }()
	f1.ReleaseLocks("p1")
	f1.DecRef()
	must(t, <-done)
	// OFD-style locks owned by the File itself go away with its last close.
	f3 := open()
	must(t, f3.SetLock(bg, f3, 0, unix.Flock_t{Type: unix.F_WRLCK, Start: 100, Len: 1}, false))
	f3.DecRef()
	must(t, f2.SetLock(bg, "p2", 102, unix.Flock_t{Type: unix.F_WRLCK, Start: 100, Len: 1}, false))
	ro, err := vfs.OpenAt(ctx, ctx.Root, "/dir/file", vfs.OpenHow{Flags: unix.O_RDONLY})
	must(t, err)
	defer ro.DecRef()
	if err := ro.SetLock(bg, "p3", 103, lk, false); !errors.Is(err, unix.EBADF) {
		t.Fatalf("write lock on O_RDONLY: %v", err)
	}
	// POSIX close semantics: releasing by owner.
	ro.ReleaseLocks("p2")
	must(t, ro.SetLock(bg, "p3", 103, unix.Flock_t{Type: unix.F_RDLCK, Len: 0}, false))
}

func TestFifoInRamfs(t *testing.T) {
	_, ctx := newTree(t)
	must(t, vfs.MknodAt(ctx, ctx.Root, "/fifo", unix.S_IFIFO|0o644, 0))
	// A blocking write-only open waits for a reader (fifo(7)).
	opened := make(chan *vfs.File)
	go func() {
		w, err := vfs.OpenAt(ctx, ctx.Root, "/fifo", vfs.OpenHow{Flags: unix.O_WRONLY})
		if err != nil {
			t.Error(err)
		}
		opened <- w
	}()
	select {
	case <-opened:
		t.Fatal("write-only FIFO open did not wait for a reader")
	case <-time.After(50 * time.Millisecond):
	}
	r, err := vfs.OpenAt(ctx, ctx.Root, "/fifo", vfs.OpenHow{Flags: unix.O_RDONLY})
	must(t, err)
	defer r.DecRef()
	w := <-opened
	if _, err := w.Write(context.Background(), []byte("via fifo")); err != nil {
		t.Fatal(err)
	}
	w.DecRef()
	buf := make([]byte, 32)
	n, err := r.Read(context.Background(), buf)
	if err != nil || string(buf[:n]) != "via fifo" {
		t.Fatalf("fifo read %q %v", buf[:n], err)
	}
	if _, err := r.Seek(0, unix.SEEK_CUR); !errors.Is(err, unix.ESPIPE) {
		t.Fatalf("lseek on fifo: %v", err)
	}
	st, err := r.Stat()
	must(t, err)
	if st.Type() != unix.S_IFIFO {
		t.Fatalf("fstat fifo mode %o", st.Mode)
	}
}

// TestFifoOpenRules: O_NONBLOCK readers and O_RDWR never wait, an
// O_NONBLOCK writer without reader is ENXIO, and a waiting open ends
// with EINTR when its context does (a signal).
func TestFifoOpenRules(t *testing.T) {
	_, ctx := newTree(t)
	must(t, vfs.MknodAt(ctx, ctx.Root, "/fifo", unix.S_IFIFO|0o644, 0))
	if _, err := vfs.OpenAt(ctx, ctx.Root, "/fifo", vfs.OpenHow{Flags: unix.O_WRONLY | unix.O_NONBLOCK}); !errors.Is(err, unix.ENXIO) {
		t.Fatalf("non-blocking writer without reader: %v", err)
	}
	r, err := vfs.OpenAt(ctx, ctx.Root, "/fifo", vfs.OpenHow{Flags: unix.O_RDONLY | unix.O_NONBLOCK})
	must(t, err)
	r.DecRef()
	rw, err := vfs.OpenAt(ctx, ctx.Root, "/fifo", vfs.OpenHow{Flags: unix.O_RDWR})
	must(t, err)
	rw.DecRef()
	wait, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := vfs.OpenAt(ctx, ctx.Root, "/fifo", vfs.OpenHow{Flags: unix.O_RDONLY, Wait: wait}); !errors.Is(err, unix.EINTR) {
		t.Fatalf("interrupted reader: %v", err)
	}
	// The interrupted reader is gone: a non-blocking writer finds none.
	if _, err := vfs.OpenAt(ctx, ctx.Root, "/fifo", vfs.OpenHow{Flags: unix.O_WRONLY | unix.O_NONBLOCK}); !errors.Is(err, unix.ENXIO) {
		t.Fatalf("non-blocking writer after the interrupted reader: %v", err)
	}
}

// TestLeaseRules: grants and refusals, and a break that waits for the
// holder's release.
func TestLeaseRules(t *testing.T) {
	_, ctx := newTree(t)
	f, err := vfs.OpenAt(ctx, ctx.Root, "/dir/file", vfs.OpenHow{Flags: unix.O_RDONLY})
	must(t, err)
	defer f.DecRef()
	if err := f.SetLease(unix.F_UNLCK, nil); !errors.Is(err, unix.EAGAIN) {
		t.Fatalf("F_UNLCK without lease: %v", err)
	}
	broken := make(chan struct{}, 1)
	must(t, f.SetLease(unix.F_WRLCK, func() { broken <- struct{}{} }))
	done := make(chan error)
	go func() {
		g, err := vfs.OpenAt(ctx, ctx.Root, "/dir/file", vfs.OpenHow{Flags: unix.O_WRONLY})
		if err == nil {
			g.DecRef()
		}
		done <- err
	}()
	<-broken
	if got := f.GetLease(); got != unix.F_UNLCK {
		t.Fatalf("F_GETLEASE during a writer's break: %d", got)
	}
	select {
	case err := <-done:
		t.Fatalf("open did not wait for the break: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	must(t, f.SetLease(unix.F_UNLCK, nil))
	must(t, <-done)
	g, err := vfs.OpenAt(ctx, ctx.Root, "/dir/file", vfs.OpenHow{Flags: unix.O_WRONLY | unix.O_NONBLOCK})
	if err != nil {
		t.Fatalf("open without lease: %v", err)
	}
	g.DecRef()
}

func TestOPath(t *testing.T) {
	_, ctx := newTree(t)
	f, err := vfs.OpenAt(ctx, ctx.Root, "/dir/file", vfs.OpenHow{Flags: unix.O_PATH | unix.O_RDWR})
	must(t, err)
	defer f.DecRef()
	if _, err := f.Read(context.Background(), make([]byte, 1)); !errors.Is(err, unix.EBADF) {
		t.Fatalf("read on O_PATH: %v", err)
	}
	st, err := f.Stat()
	must(t, err)
	if st.Size != 5 {
		t.Fatalf("fstat on O_PATH size %d", st.Size)
	}
	// *at calls relative to a file location and AT_EMPTY_PATH.
	st2, err := vfs.StatAt(ctx, f.Location(), "", unix.AT_EMPTY_PATH)
	must(t, err)
	if st2.Ino != st.Ino {
		t.Fatal("AT_EMPTY_PATH stat of a different inode")
	}
	if _, err := vfs.StatAt(ctx, f.Location(), "", 0); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("empty path without AT_EMPTY_PATH: %v", err)
	}
	if _, err := vfs.StatAt(ctx, f.Location(), "x", 0); !errors.Is(err, unix.ENOTDIR) {
		t.Fatalf("relative to a file: %v", err)
	}
	l, err := vfs.OpenAt(ctx, ctx.Root, "/link", vfs.OpenHow{Flags: unix.O_PATH | unix.O_NOFOLLOW})
	must(t, err)
	defer l.DecRef()
	target, err := vfs.ReadlinkAt(ctx, l.Location(), "")
	must(t, err)
	if target != "dir/file" {
		t.Fatalf("readlinkat(fd, \"\") = %q", target)
	}
}
