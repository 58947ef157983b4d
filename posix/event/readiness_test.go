package event

import (
	"context"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
)

// fifo opens both ends of a new FIFO on a ramfs as kernel files.
func fifo(t *testing.T) (r, w *kernel.VFSFile) {
	t.Helper()
	v, err := vfs.New(ramfs.New(ramfs.Options{}), vfs.MountOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := v.NewContext()
	if err := vfs.MknodAt(ctx, ctx.Root, "/fifo", unix.S_IFIFO|0o600, 0); err != nil {
		t.Fatal(err)
	}
	open := func(flags int) *kernel.VFSFile {
		f, err := vfs.OpenAt(ctx, ctx.Root, "/fifo", vfs.OpenHow{Flags: flags})
		if err != nil {
			t.Fatalf("open fifo %#x: %v", flags, err)
		}
		return kernel.NewVFSFile(f, "/fifo")
	}
	r = open(unix.O_RDONLY | unix.O_NONBLOCK)
	w = open(unix.O_WRONLY | unix.O_NONBLOCK)
	t.Cleanup(func() {
		if !r.Released() {
			r.DecRef()
		}
		if !w.Released() {
			w.DecRef()
		}
	})
	return r, w
}

func write(t *testing.T, w *kernel.VFSFile, s string) {
	t.Helper()
	if _, err := w.F.Write(context.Background(), []byte(s)); err != nil {
		t.Fatal(err)
	}
}

// readable reports whether a host descriptor is readable now.
func readable(fd int) bool {
	p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, _ := unix.Poll(p, 0)
	return n == 1
}

func TestFIFOPollReadiness(t *testing.T) {
	r, w := fifo(t)
	entries := []pollEntry{{fd: 0, events: unix.POLLIN, file: r, host: -1}, {fd: 1, events: unix.POLLOUT, file: w, host: -1}}
	ready, waitable := memoryReadiness(entries)
	if ready != 1 || !waitable || entries[0].revents != 0 || entries[1].revents&unix.POLLOUT == 0 {
		t.Fatalf("empty fifo: %d ready, revents %#x %#x", ready, entries[0].revents, entries[1].revents)
	}
	wake, err := newWakeFD()
	if err != nil {
		t.Fatal(err)
	}
	defer wake.close()
	wake.add(r, unix.POLLIN)
	if readable(wake.fd) {
		t.Fatal("wake eventfd readable before any event")
	}
	write(t, w, "x")
	if !readable(wake.fd) {
		t.Fatal("a write did not wake the poll")
	}
	if ready, _ := memoryReadiness(entries); ready != 2 || entries[0].revents&unix.POLLIN == 0 {
		t.Fatalf("after a write: %d ready, revents %#x", ready, entries[0].revents)
	}
	w.DecRef()
	memoryReadiness(entries[:1])
	if entries[0].revents&unix.POLLHUP == 0 {
		t.Fatalf("no POLLHUP once the writer closed: %#x", entries[0].revents)
	}
}

func TestFIFOEpollLevelEdgeOneshot(t *testing.T) {
	r, w := fifo(t)
	ep, err := newEpollFile()
	if err != nil {
		t.Fatal(err)
	}
	defer ep.DecRef()
	events := make([]unix.EpollEvent, 4)
	ctl := func(op, fd int, f *kernel.VFSFile, flags uint32) error {
		return ep.ctlMemory(op, fd, f, &unix.EpollEvent{Events: flags, Fd: int32(fd)})
	}
	if err := ctl(unix.EPOLL_CTL_ADD, 3, r, unix.EPOLLIN); err != nil {
		t.Fatal(err)
	}
	if err := ctl(unix.EPOLL_CTL_ADD, 3, r, unix.EPOLLIN); err != unix.EEXIST {
		t.Fatalf("add twice: %v", err)
	}
	if err := ctl(unix.EPOLL_CTL_MOD, 4, w, unix.EPOLLOUT); err != unix.ENOENT {
		t.Fatalf("mod unknown: %v", err)
	}
	if n := ep.readyMemory(events); n != 0 || readable(ep.FD()) {
		t.Fatalf("empty fifo: %d events, epoll fd readable %v", n, readable(ep.FD()))
	}
	write(t, w, "ab")
	if !readable(ep.FD()) {
		t.Fatal("a write did not make the epoll descriptor readable")
	}
	for i := 0; i < 2; i++ { // level-triggered: every time
		if n := ep.readyMemory(events); n != 1 || events[0].Events != unix.EPOLLIN || events[0].Fd != 3 {
			t.Fatalf("level wait %d: %d events %+v", i, n, events[0])
		}
	}
	if err := ctl(unix.EPOLL_CTL_MOD, 3, r, unix.EPOLLIN|unix.EPOLLET); err != nil {
		t.Fatal(err)
	}
	if n := ep.readyMemory(events); n != 1 {
		t.Fatalf("edge after MOD: %d events", n)
	}
	if n := ep.readyMemory(events); n != 0 {
		t.Fatalf("edge reported twice without a new event: %d", n)
	}
	write(t, w, "c")
	if n := ep.readyMemory(events); n != 1 {
		t.Fatalf("edge after a new write: %d events", n)
	}
	if err := ctl(unix.EPOLL_CTL_MOD, 3, r, unix.EPOLLIN|unix.EPOLLONESHOT); err != nil {
		t.Fatal(err)
	}
	if n := ep.readyMemory(events); n != 1 {
		t.Fatalf("oneshot: %d events", n)
	}
	if n := ep.readyMemory(events); n != 0 {
		t.Fatalf("oneshot reported again: %d", n)
	}
	if err := ctl(unix.EPOLL_CTL_DEL, 3, r, 0); err != nil {
		t.Fatal(err)
	}
	// A registered file whose last reference goes leaves the set.
	if err := ctl(unix.EPOLL_CTL_ADD, 4, w, unix.EPOLLOUT); err != nil {
		t.Fatal(err)
	}
	w.DecRef()
	if n := ep.readyMemory(events); n != 0 || len(ep.mem) != 0 {
		t.Fatalf("closed file still in the set: %d events, %d registered", n, len(ep.mem))
	}
}
