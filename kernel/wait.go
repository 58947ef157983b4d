package kernel

import (
	"time"

	"golang.org/x/sys/unix"
)

// wakeFD returns the task's host eventfd that notify() signals, so that a
// task blocked in a host poll can be interrupted.
func (t *Task) wakeFD() int {
	t.wakeMu.Lock()
	defer t.wakeMu.Unlock()
	if t.wakefd == 0 {
		fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
		if err != nil {
			return -1
		}
		t.wakefd = fd
	}
	return t.wakefd
}

// signalWake writes to the wake eventfd, if there is one.
func (t *Task) signalWake() {
	t.wakeMu.Lock()
	defer t.wakeMu.Unlock()
	if t.wakefd > 0 {
		unix.Write(t.wakefd, []byte{1, 0, 0, 0, 0, 0, 0, 0})
	}
}

// closeWake releases the wake eventfd for good.
func (t *Task) closeWake() {
	t.wakeMu.Lock()
	defer t.wakeMu.Unlock()
	if t.wakefd > 0 {
		unix.Close(t.wakefd)
	}
	t.wakefd = -1
}

func (t *Task) drainWake() {
	var b [8]byte
	unix.Read(t.wakefd, b[:])
}

// PollHost waits until one of the host descriptors is ready (host poll(2)
// semantics), the deadline passes (returns 0 ready, nil) or a signal
// interrupts (ERESTARTSYS). It returns the number of ready descriptors and
// leaves revents filled in fds.
func (t *Task) PollHost(fds []unix.PollFd, deadline time.Time) (int, error) {
	wfd := t.wakeFD()
	all := append(fds[:len(fds):len(fds)], unix.PollFd{Fd: int32(wfd), Events: unix.POLLIN})
	for {
		if t.HasDeliverable() {
			return 0, ERESTARTSYS
		}
		timeout := -1
		if !deadline.IsZero() {
			d := time.Until(deadline)
			if d < 0 {
				d = 0
			}
			timeout = int((d + time.Millisecond - 1) / time.Millisecond)
		}
		n, err := unix.Poll(all, timeout)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, err
		}
		if all[len(all)-1].Revents != 0 {
			t.drainWake()
			n--
		}
		copy(fds, all[:len(fds)])
		if n > 0 {
			return n, nil
		}
		if !deadline.IsZero() && !time.Now().Before(deadline) {
			return 0, nil
		}
	}
}

// WaitHostFD waits for events on one host descriptor (blocking I/O on
// host-backed files), interruptible by signals.
func (t *Task) WaitHostFD(fd int, events int16) error {
	_, err := t.PollHost([]unix.PollFd{{Fd: int32(fd), Events: events}}, time.Time{})
	return err
}
