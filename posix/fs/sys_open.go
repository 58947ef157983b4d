package fs

import (
	"context"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
	"github.com/elfloader/elfloader/vfs"
)

func registerOpen(tb *shim.Table) {
	tb.Register(unix.SYS_OPEN, shim.Full, "", sysOpen)
	tb.Register(unix.SYS_OPENAT, shim.Full, "O_TMPFILE answers EOPNOTSUPP", sysOpenat)
	tb.Register(unix.SYS_OPENAT2, shim.Full, "RESOLVE_* flags as in vfs", sysOpenat2)
	tb.Register(unix.SYS_CREAT, shim.Full, "", sysCreat)
}

func openCommon(t *kernel.Task, ctx *vfs.Context, loc vfs.Location, p string, how vfs.OpenHow) (uint64, error) {
	if how.Flags&unix.O_TMPFILE == unix.O_TMPFILE {
		return 0, unix.EOPNOTSUPP
	}
	wait := &openWait{t: t}
	defer wait.stop()
	how.Wait = wait
	f, err := vfs.OpenAt(ctx, loc, p, how)
	if err != nil {
		if err == unix.EINTR && wait.Err() != nil {
			// A FIFO's open or a lease break interrupted by a signal:
			// restarted under SA_RESTART, else EINTR.
			return 0, kernel.ERESTARTSYS
		}
		return 0, err
	}
	name := p
	if full, err := vfs.PathOf(ctx, f.Location()); err == nil {
		name = full
	}
	vf := kernel.NewVFSFile(f, name)
	defer vf.DecRef()
	t.PassThroughFile(vf)
	fd, err := t.Process().Files().Install(vf, 0, how.Flags&unix.O_CLOEXEC != 0)
	if err != nil {
		return 0, err
	}
	if how.Resolve == 0 {
		// A reopen of the same path may take a deferred close back.
		t.PassThroughOpened(fd, vf, p, how.Flags)
	}
	return uint64(fd), nil
}

// openWait is the context of an open's waits (a FIFO's other end, a
// lease break): the task's signal context, made only when an open does
// wait, since most opens never do and making one starts a watcher.
// It is used by the task's own goroutine only.
type openWait struct {
	t      *kernel.Task
	ctx    context.Context
	cancel context.CancelFunc
}

func (w *openWait) get() context.Context {
	if w.ctx == nil {
		w.ctx, w.cancel = w.t.SignalContext()
	}
	return w.ctx
}

func (w *openWait) Deadline() (time.Time, bool) { return time.Time{}, false }
func (w *openWait) Done() <-chan struct{}       { return w.get().Done() }

// Value answers from the task's context: a device's open finds the
// caller with kernel.TaskFromContext.
func (w *openWait) Value(key any) any { return w.t.Context().Value(key) }

// Err is nil until the wait was made and a signal ended it.
func (w *openWait) Err() error {
	if w.ctx == nil {
		return nil
	}
	return w.ctx.Err()
}

func (w *openWait) stop() {
	if w.cancel != nil {
		w.cancel()
	}
}

func sysOpen(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, loc, p, err := at(t, a, -1, 0)
	if err != nil {
		return 0, err
	}
	return openCommon(t, ctx, loc, p, vfs.OpenHow{Flags: a.Int(1), Mode: uint32(a[2]) & 0o7777})
}

func sysOpenat(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, loc, p, err := at(t, a, 0, 1)
	if err != nil {
		return 0, err
	}
	return openCommon(t, ctx, loc, p, vfs.OpenHow{Flags: a.Int(2), Mode: uint32(a[3]) & 0o7777})
}

func sysCreat(t *kernel.Task, a shim.Args) (uint64, error) {
	ctx, loc, p, err := at(t, a, -1, 0)
	if err != nil {
		return 0, err
	}
	return openCommon(t, ctx, loc, p, vfs.OpenHow{Flags: unix.O_CREAT | unix.O_WRONLY | unix.O_TRUNC, Mode: uint32(a[1]) & 0o7777})
}

// sysOpenat2 reads a size-versioned struct open_how (unix.OpenHow) with the
// kernel's rules: below the first version EINVAL, above a page E2BIG,
// unknown trailing bytes must be zero (E2BIG).
func sysOpenat2(t *kernel.Task, a shim.Args) (uint64, error) {
	size := a[3]
	if size < linux.OpenHowSizeVer0 {
		return 0, unix.EINVAL
	}
	if size > linux.PageSize {
		return 0, unix.E2BIG
	}
	b := make([]byte, size)
	if err := t.CopyIn(a[2], b); err != nil {
		return 0, err
	}
	var how unix.OpenHow
	if err := linux.DecodeExtensible(b, &how); err != nil {
		return 0, err
	}
	flags, mode, resolve := how.Flags, how.Mode, how.Resolve
	if flags>>32 != 0 || mode&^0o7777 != 0 || (mode != 0 && flags&(unix.O_CREAT|unix.O_TMPFILE) == 0) {
		return 0, unix.EINVAL
	}
	ctx, loc, p, err := at(t, a, 0, 1)
	if err != nil {
		return 0, err
	}
	return openCommon(t, ctx, loc, p, vfs.OpenHow{Flags: int(flags), Mode: uint32(mode), Resolve: resolve})
}
