package fs

import (
	"encoding/binary"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

// Linux AIO (io_setup(2) and friends) over the vfs: a request runs when it
// is submitted, as Linux's own AIO does for buffered files, and its
// completion waits in the context for io_getevents. Each context owns a
// page of app memory whose address is its id, as Linux's ring is; the ring
// header carries no AIO_RING_MAGIC, so libaio reads events through
// io_getevents and never from the page.

func registerAio(tb *shim.Table) {
	tb.Register(unix.SYS_IO_SETUP, shim.Full, "aio-max-nr from the host", sysIoSetup)
	tb.Register(unix.SYS_IO_DESTROY, shim.Full, "", sysIoDestroy)
	tb.Register(unix.SYS_IO_SUBMIT, shim.Partial, "PREAD, PWRITE, PREADV, PWRITEV, FSYNC and FDSYNC run at submission (IOCB_FLAG_RESFD signals the eventfd); IOCB_CMD_POLL EINVAL", sysIoSubmit)
	tb.Register(unix.SYS_IO_CANCEL, shim.Full, "requests complete at submission: nothing is left to cancel (EINVAL, as Linux answers for a file read or write)", sysIoCancel)
	tb.Register(unix.SYS_IO_GETEVENTS, shim.Full, "", sysIoGetevents)
	tb.Register(unix.SYS_IO_PGETEVENTS, shim.Full, "", sysIoPgetevents)
}

// iocb is struct iocb.
type iocb struct {
	Data     uint64
	Key      uint32
	RWFlags  int32
	Opcode   uint16
	Reqprio  int16
	Fildes   uint32
	Buf      uint64
	Nbytes   uint64
	Offset   int64
	Reserved uint64
	Flags    uint32
	Resfd    uint32
}

// ioEvent is struct io_event.
type ioEvent struct {
	Data uint64
	Obj  uint64
	Res  int64
	Res2 int64
}

const (
	iocbCmdPread   = 0
	iocbCmdPwrite  = 1
	iocbCmdFsync   = 2
	iocbCmdFdsync  = 3
	iocbCmdPreadv  = 7
	iocbCmdPwritev = 8
	iocbFlagResfd  = 1
	iocbFlagIoprio = 2
)

// aioContext is one io_setup context.
type aioContext struct {
	id, ringLen uint64
	mm          *kernel.MM
	max         int // nr_events

	mu     sync.Mutex
	events []ioEvent
	ready  chan struct{} // closed and replaced when events arrive
}

// aioTable holds the kernel's contexts by id.
type aioTable struct {
	mu    sync.Mutex
	ctxs  map[uint64]*aioContext
	total int // events reserved, against aio-max-nr
	max   int
}

type aioKey struct{}

func aioContexts(t *kernel.Task) *aioTable {
	return t.Kernel().LibraryState(aioKey{}, func() any {
		max := 65536
		if b, err := os.ReadFile("/proc/sys/fs/aio-max-nr"); err == nil {
			if v, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				max = v
			}
		}
		return &aioTable{ctxs: map[uint64]*aioContext{}, max: max}
	}).(*aioTable)
}

// lookup finds a context of the caller's address space (EINVAL).
func (tb *aioTable) lookup(t *kernel.Task, id uint64) (*aioContext, error) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	c, ok := tb.ctxs[id]
	if !ok || c.mm != t.MM() {
		return nil, unix.EINVAL
	}
	return c, nil
}

// sysIoSetup is io_setup(nr_events, ctx_idp): *ctx_idp must be 0.
func sysIoSetup(t *kernel.Task, a shim.Args) (uint64, error) {
	nr := int(int32(a[0]))
	var cur uint64
	if err := kernel.CopyInStruct(t, a[1], &cur); err != nil {
		return 0, err
	}
	if cur != 0 || nr <= 0 {
		return 0, unix.EINVAL
	}
	tb := aioContexts(t)
	tb.mu.Lock()
	if tb.total+nr > tb.max {
		tb.mu.Unlock()
		return 0, unix.EAGAIN
	}
	tb.total += nr
	tb.mu.Unlock()
	ringLen := uint64(32 + nr*int(unsafe.Sizeof(ioEvent{})))
	ringLen = (ringLen + 4095) &^ 4095
	id, err := t.MM().Map(kernel.MapSpec{Length: ringLen, Prot: unix.PROT_READ | unix.PROT_WRITE, Flags: unix.MAP_PRIVATE | unix.MAP_ANONYMOUS, HostFD: -1, Name: "/[aio] (deleted)"})
	if err == nil {
		// The ring header: id and nr, without AIO_RING_MAGIC.
		hdr := [2]uint32{uint32(id), uint32(nr)}
		if werr := kernel.CopyOutStruct(t, id, &hdr); werr != nil {
			t.MM().Unmap(id, ringLen)
			err = werr
		}
	}
	if err == nil {
		err = kernel.CopyOutStruct(t, a[1], &id)
		if err != nil {
			t.MM().Unmap(id, ringLen)
		}
	}
	if err != nil {
		tb.mu.Lock()
		tb.total -= nr
		tb.mu.Unlock()
		return 0, err
	}
	tb.mu.Lock()
	tb.ctxs[id] = &aioContext{id: id, ringLen: ringLen, mm: t.MM(), max: nr, ready: make(chan struct{})}
	tb.mu.Unlock()
	return 0, nil
}

func sysIoDestroy(t *kernel.Task, a shim.Args) (uint64, error) {
	tb := aioContexts(t)
	c, err := tb.lookup(t, a[0])
	if err != nil {
		return 0, err
	}
	tb.mu.Lock()
	delete(tb.ctxs, c.id)
	tb.total -= c.max
	tb.mu.Unlock()
	t.MM().Unmap(c.id, c.ringLen)
	c.mu.Lock()
	close(c.ready) // wake waiters: they find the context gone
	c.ready = make(chan struct{})
	c.mu.Unlock()
	return 0, nil
}

// sysIoSubmit is io_submit(ctx, nr, iocbpp): the count submitted, or the
// first request's error.
func sysIoSubmit(t *kernel.Task, a shim.Args) (uint64, error) {
	nr := a.Long(1)
	if nr < 0 {
		return 0, unix.EINVAL
	}
	c, err := aioContexts(t).lookup(t, a[0])
	if err != nil {
		return 0, err
	}
	nr = min(nr, int64(c.max))
	for i := int64(0); i < nr; i++ {
		var ptr uint64
		if err := kernel.CopyInStruct(t, a[2]+uint64(i)*8, &ptr); err != nil {
			return result(int(i), err)
		}
		var cb iocb
		if err := kernel.CopyInStruct(t, ptr, &cb); err != nil {
			return result(int(i), err)
		}
		if err := c.submit(t, ptr, &cb); err != nil {
			return result(int(i), err)
		}
	}
	return uint64(nr), nil
}

// submit checks and runs one request and queues its completion.
func (c *aioContext) submit(t *kernel.Task, ptr uint64, cb *iocb) error {
	if cb.Reserved != 0 || cb.Flags&^(iocbFlagResfd|iocbFlagIoprio) != 0 {
		return unix.EINVAL
	}
	f, err := fileOf(t, int(cb.Fildes))
	if err != nil {
		return err
	}
	defer f.DecRef()
	var resfd kernel.File
	if cb.Flags&iocbFlagResfd != 0 {
		if resfd, err = fileOf(t, int(cb.Resfd)); err != nil {
			return err
		}
		defer resfd.DecRef()
	}
	c.mu.Lock()
	full := len(c.events) >= c.max
	c.mu.Unlock()
	if full {
		return unix.EAGAIN
	}
	if err := checkAioAccess(f, cb.Opcode); err != nil {
		return err
	}
	args := shim.Args{uint64(cb.Fildes), cb.Buf, cb.Nbytes, uint64(cb.Offset)}
	var res uint64
	switch cb.Opcode {
	case iocbCmdPread, iocbCmdPwrite:
		if cb.Offset < 0 {
			return unix.EINVAL
		}
		res, err = positionalIO(t, args, cb.Opcode == iocbCmdPread)
	case iocbCmdPreadv, iocbCmdPwritev:
		if cb.Offset < 0 {
			return unix.EINVAL
		}
		res, err = positionalVectorIO(t, args, cb.Opcode == iocbCmdPreadv)
	case iocbCmdFsync, iocbCmdFdsync:
		res, err = sysFsync(t, args)
	default: // IOCB_CMD_NOOP is gone from Linux too
		return unix.EINVAL
	}
	ev := ioEvent{Data: cb.Data, Obj: ptr, Res: int64(res)}
	if errno, ok := err.(unix.Errno); ok {
		ev.Res = -int64(errno)
	} else if err != nil {
		ev.Res = -int64(unix.EIO)
	}
	c.mu.Lock()
	c.events = append(c.events, ev)
	close(c.ready)
	c.ready = make(chan struct{})
	c.mu.Unlock()
	if resfd != nil {
		var one [8]byte
		binary.LittleEndian.PutUint64(one[:], 1)
		resfd.Write(t, one[:])
	}
	return nil
}

// checkAioAccess refuses at submission a read of a descriptor not open
// for reading or a write of one not open for writing (EBADF), as Linux's
// aio_read/aio_write do.
func checkAioAccess(f kernel.File, op uint16) error {
	ff, ok := f.(kernel.FlagFile)
	if !ok {
		return nil
	}
	acc := ff.StatusFlags() & unix.O_ACCMODE
	switch op {
	case iocbCmdPread, iocbCmdPreadv:
		if acc == unix.O_WRONLY {
			return unix.EBADF
		}
	case iocbCmdPwrite, iocbCmdPwritev:
		if acc == unix.O_RDONLY {
			return unix.EBADF
		}
	}
	return nil
}

func sysIoCancel(t *kernel.Task, a shim.Args) (uint64, error) {
	if _, err := aioContexts(t).lookup(t, a[0]); err != nil {
		return 0, err
	}
	var cb iocb
	if err := kernel.CopyInStruct(t, a[1], &cb); err != nil {
		return 0, err
	}
	return 0, unix.EINVAL
}

// getEvents waits for want events (or the deadline, zero: none) and
// copies out up to nr.
func getEvents(t *kernel.Task, a shim.Args, deadline time.Time) (uint64, error) {
	want, nr := a.Long(1), a.Long(2)
	if want < 0 || nr < 0 || want > nr {
		return 0, unix.EINVAL
	}
	tb := aioContexts(t)
	c, err := tb.lookup(t, a[0])
	if err != nil {
		return 0, err
	}
	for {
		c.mu.Lock()
		have := int64(len(c.events))
		ready := c.ready
		c.mu.Unlock()
		if have >= want || nr == 0 {
			break
		}
		if err := t.Block(ready, deadline); err == unix.ETIMEDOUT {
			break
		} else if err != nil {
			return 0, unix.EINTR
		}
		if _, err := tb.lookup(t, a[0]); err != nil {
			return 0, err // destroyed meanwhile
		}
	}
	c.mu.Lock()
	n := min(nr, int64(len(c.events)))
	out := append([]ioEvent(nil), c.events[:n]...)
	c.mu.Unlock()
	if n > 0 {
		if err := kernel.CopyOutStructs(t, a[3], out); err != nil {
			return 0, err
		}
	}
	// Delivered events leave the queue only once they reached the app.
	c.mu.Lock()
	c.events = c.events[n:]
	c.mu.Unlock()
	return uint64(n), nil
}

// aioDeadline reads io_getevents' relative timeout (zero time: none).
func aioDeadline(t *kernel.Task, addr uint64) (time.Time, error) {
	if addr == 0 {
		return time.Time{}, nil
	}
	var ts unix.Timespec
	if err := kernel.CopyInStruct(t, addr, &ts); err != nil {
		return time.Time{}, err
	}
	// Linux takes the timespec as it is, unchecked: a negative one has
	// already passed.
	return time.Now().Add(time.Duration(ts.Sec)*time.Second + time.Duration(ts.Nsec)), nil
}

func sysIoGetevents(t *kernel.Task, a shim.Args) (uint64, error) {
	deadline, err := aioDeadline(t, a[4])
	if err != nil {
		return 0, err
	}
	return getEvents(t, a, deadline)
}

// sysIoPgetevents is io_getevents with struct __aio_sigset {mask, size}.
func sysIoPgetevents(t *kernel.Task, a shim.Args) (uint64, error) {
	deadline, err := aioDeadline(t, a[4])
	if err != nil {
		return 0, err
	}
	var sig struct{ Mask, Size uint64 }
	if a[5] != 0 {
		if err := kernel.CopyInStruct(t, a[5], &sig); err != nil {
			return 0, err
		}
	}
	return t.WithTemporaryMask(sig.Mask, sig.Size, func() (uint64, error) {
		return getEvents(t, a, deadline)
	})
}
