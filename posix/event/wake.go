package event

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/vfs"
)

// wakeFD joins in-memory files to host waits: a host eventfd that the
// files' wait queues write to, so that one host poll wakes for host
// descriptors and in-memory objects (ramfs FIFOs) alike.
type wakeFD struct {
	fd    int
	watch []watch
}

// watch is one registration on an in-memory file's wait queue.
type watch struct {
	file   kernel.Waitable
	waiter *vfs.Waiter
}

func newWakeFD() (*wakeFD, error) {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return nil, err
	}
	return &wakeFD{fd: fd}, nil
}

// wake makes the eventfd readable.
func (w *wakeFD) wake() {
	one := [8]byte{1}
	unix.Write(w.fd, one[:])
}

// drain makes the eventfd unreadable again.
func (w *wakeFD) drain() {
	var b [8]byte
	unix.Read(w.fd, b[:])
}

// add registers on f's wait queue for the events in mask (with POLLERR
// and POLLHUP, which are always reported).
func (w *wakeFD) add(f kernel.Waitable, mask uint32) {
	waiter := vfs.NewCallbackWaiter(mask, func(uint32) { w.wake() })
	f.EventRegister(waiter)
	w.watch = append(w.watch, watch{file: f, waiter: waiter})
}

// close unregisters every watch and closes the eventfd.
func (w *wakeFD) close() {
	for _, r := range w.watch {
		r.file.EventUnregister(r.waiter)
	}
	unix.Close(w.fd)
}
