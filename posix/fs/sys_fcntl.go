package fs

import (
	"math"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
	"github.com/elfloader/elfloader/vfs"
)

func registerFcntl(tb *shim.Table) {
	tb.Register(unix.SYS_FCNTL, shim.Partial, "F_DUPFD(_CLOEXEC), F_GETFD/SETFD, F_GETFL/SETFL, F_GETPIPE_SZ/SETPIPE_SZ, F_GETLK/SETLK/SETLKW and the F_OFD_ variants on vfs files, F_ADD_SEALS/F_GET_SEALS (F_SEAL_WRITE is not refused with EBUSY while a writable shared mapping exists), F_GETOWN/F_SETOWN(_EX) on sockets, pipes and vfs files; O_ASYNC sends SIGIO (si_code SI_KERNEL) to the owner when input arrives on a socket or pipe, not on in-memory files, and never for output space; F_SETLEASE/F_GETLEASE on regular vfs files (elfloader's own leases, broken by opens and truncate(2) of the app's processes, /proc/sys/fs/lease-break-time); F_SETSIG/F_GETSIG on vfs files (EINVAL on host pipes and sockets): the signal is used for lease breaks (with si_fd), O_ASYNC input still sends SIGIO; F_NOTIFY (dnotify) on vfs directories, for events the app's own calls make (changes the host makes to a host directory are not seen); no SIGURG; others EINVAL", sysFcntl)
	tb.Register(unix.SYS_FLOCK, shim.Partial, "whole-file locks per open file description (as OFD record locks, so they also conflict with F_OFD_* locks, unlike Linux)", sysFlock)
}

func sysFcntl(t *kernel.Task, a shim.Args) (uint64, error) {
	fds := t.Process().Files()
	fd, cmd := a.Int(0), a.Int(1)
	f, err := fds.Get(fd)
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	switch cmd {
	case unix.F_DUPFD, unix.F_DUPFD_CLOEXEC:
		nfd, err := fds.Dup(fd, a.Int(2), cmd == unix.F_DUPFD_CLOEXEC)
		return uint64(nfd), err
	case unix.F_GETFD:
		on, err := fds.CloseOnExec(fd)
		if on {
			return unix.FD_CLOEXEC, err
		}
		return 0, err
	case unix.F_SETFD:
		return 0, fds.SetCloseOnExec(fd, a[2]&unix.FD_CLOEXEC != 0)
	case unix.F_GETFL:
		if ff, ok := f.(kernel.FlagFile); ok {
			return uint64(ff.StatusFlags()), nil
		}
		return unix.O_RDWR, nil
	case unix.F_SETFL:
		if ff, ok := f.(kernel.FlagFile); ok {
			if err := ff.SetStatusFlags(a.Int(2)); err != nil {
				return 0, err
			}
			return 0, t.Kernel().UpdateAsync(f)
		}
		return 0, nil
	case unix.F_GETLK, unix.F_SETLK, unix.F_SETLKW, unix.F_OFD_GETLK, unix.F_OFD_SETLK, unix.F_OFD_SETLKW:
		return 0, recordLock(t, f, cmd, a[2])
	case unix.F_GETPIPE_SZ, unix.F_SETPIPE_SZ:
		return pipeSize(f, cmd, int(uint32(a[2])))
	case unix.F_GETOWN, unix.F_SETOWN, unix.F_GETOWN_EX, unix.F_SETOWN_EX:
		if of, ok := f.(kernel.OwnedFile); ok {
			return fileOwner(t, of, cmd, a[2])
		}
	case unix.F_GET_SEALS, unix.F_ADD_SEALS:
		return seals(f, cmd, uint32(a[2]))
	case unix.F_GETSIG:
		if sf, ok := f.(sigFile); ok {
			return uint64(sf.Sig()), nil
		}
	case unix.F_SETSIG:
		if sf, ok := f.(sigFile); ok {
			sig := a[2]
			if sig > linux.NumSignals {
				return 0, unix.EINVAL
			}
			sf.SetSig(int(sig))
			return 0, nil
		}
	case unix.F_SETLEASE:
		return 0, setLease(t, f, fd, a[2])
	case unix.F_NOTIFY:
		return 0, dirNotify(t, f, fd, uint32(a[2]))
	case unix.F_GETLEASE:
		vf, ok := f.(*kernel.VFSFile)
		if !ok {
			return 0, unix.EINVAL
		}
		return uint64(vf.F.GetLease()), nil
	}
	return 0, unix.EINVAL
}

// fileOwner serves F_GETOWN, F_SETOWN and their _EX forms. F_SETOWN's
// argument is a process ID, or a negated process group ID; F_GETOWN answers
// the same way.
func fileOwner(t *kernel.Task, f kernel.OwnedFile, cmd int, arg uint64) (uint64, error) {
	switch cmd {
	case unix.F_GETOWN:
		o := f.Owner()
		if o.Type == linux.F_OWNER_PGRP {
			return uint64(int64(-o.Pid)), nil
		}
		return uint64(int64(o.Pid)), nil
	case unix.F_SETOWN:
		who := int32(arg)
		o := linux.FOwnerEx{Type: linux.F_OWNER_PID, Pid: who}
		if who < 0 {
			if who == math.MinInt32 {
				return 0, unix.EINVAL
			}
			o = linux.FOwnerEx{Type: linux.F_OWNER_PGRP, Pid: -who}
		}
		return 0, setOwner(t, f, o)
	case unix.F_GETOWN_EX:
		o := f.Owner()
		return 0, kernel.CopyOutStruct(t, arg, &o)
	}
	var o linux.FOwnerEx
	if err := kernel.CopyInStruct(t, arg, &o); err != nil {
		return 0, err
	}
	if o.Type != linux.F_OWNER_TID && o.Type != linux.F_OWNER_PID && o.Type != linux.F_OWNER_PGRP {
		return 0, unix.EINVAL
	}
	return 0, setOwner(t, f, o)
}

// setOwner records o as f's owner; an ID that Linux's find_vpid would not
// find (no thread and no process group has it) is ESRCH, whatever the type.
func setOwner(t *kernel.Task, f kernel.OwnedFile, o linux.FOwnerEx) error {
	if o.Pid < 0 || o.Pid > 0 && !idInUse(t.Kernel(), int(o.Pid)) {
		return unix.ESRCH
	}
	f.SetOwner(o)
	return nil
}

// idInUse reports whether id is a live thread ID or a process group ID.
func idInUse(k *kernel.Kernel, id int) bool {
	return k.TaskByTID(id) != nil || len(k.GroupMembers(id)) > 0
}

// sigFile is implemented by files that keep F_SETSIG's signal.
type sigFile interface {
	Sig() int
	SetSig(int)
}

// siBandMsg is si_band for a lease break sent with F_SETSIG (POLL_MSG:
// POLLIN|POLLRDNORM|POLLMSG).
const siBandMsg = 0x1 | 0x40 | 0x400

// pollMsg is si_code POLL_MSG.
const pollMsg = 3

// setLease serves F_SETLEASE: a lease on a regular file of the vfs, held
// by the open file description; only the file's owner or CAP_LEASE may
// take one (EACCES). The caller becomes the file's owner (the receiver of
// the break's signal), as lease_setup does; the break sends the F_SETSIG
// signal with si_fd = fd, or SIGIO.
func setLease(t *kernel.Task, f kernel.File, fd int, arg uint64) error {
	vf, ok := f.(*kernel.VFSFile)
	if !ok {
		return unix.EINVAL
	}
	typ := int16(arg)
	if arg > unix.F_UNLCK || (typ != unix.F_RDLCK && typ != unix.F_WRLCK && typ != unix.F_UNLCK) {
		return unix.EINVAL
	}
	st, err := vf.F.Stat()
	if err != nil {
		return err
	}
	if st.Type() != unix.S_IFREG {
		return unix.EINVAL
	}
	p := t.Process()
	if st.UID != p.Creds().FSUID && !p.HasCap(kernel.CapLease) {
		return unix.EACCES
	}
	k := t.Kernel()
	notify := func() {
		sig := vf.Sig()
		si := kernel.NewSigInfo(int(unix.SIGIO), linux.SI_KERNEL)
		if sig != 0 {
			si = kernel.NewSigInfo(sig, pollMsg)
			si.SetPoll(siBandMsg, fd)
		}
		k.SignalOwner(vf.Owner(), si)
	}
	if err := vf.F.SetLease(typ, notify); err != nil {
		return err
	}
	if typ != unix.F_UNLCK {
		vf.SetOwner(linux.FOwnerEx{Type: linux.F_OWNER_PID, Pid: int32(p.PID)})
	}
	return nil
}

// dirNotify serves F_NOTIFY (dnotify): the directory's registration for
// the caller's descriptor table; a matching event sends the F_SETSIG
// signal with si_fd = fd (POLL_MSG), or SIGIO, to the file's owner, which
// F_NOTIFY makes the calling process when the file has none (Linux's
// __f_setown without force). Files
// outside the vfs are never directories: ENOTDIR, unless the argument
// only drops a registration.
func dirNotify(t *kernel.Task, f kernel.File, fd int, arg uint32) error {
	vf, ok := f.(*kernel.VFSFile)
	if !ok {
		if arg&^vfs.DNMultishot == 0 {
			return nil
		}
		return unix.ENOTDIR
	}
	k := t.Kernel()
	fire := func() {
		si := kernel.NewSigInfo(int(unix.SIGIO), linux.SI_KERNEL)
		if sig := vf.Sig(); sig != 0 {
			si = kernel.NewSigInfo(sig, pollMsg)
			si.SetPoll(siBandMsg, fd)
		}
		k.SignalOwner(vf.Owner(), si)
	}
	if err := vf.F.SetDirNotify(t.Process().Files(), arg, fire); err != nil {
		return err
	}
	if arg&^vfs.DNMultishot != 0 && vf.Owner().Pid == 0 {
		vf.SetOwner(linux.FOwnerEx{Type: linux.F_OWNER_PID, Pid: int32(t.Process().PID)})
	}
	return nil
}

// seals serves F_GET_SEALS and F_ADD_SEALS: only tmpfs-like files and
// memfds keep seals; other files answer EINVAL.
func seals(f kernel.File, cmd int, add uint32) (uint64, error) {
	vf, ok := f.(*kernel.VFSFile)
	if !ok {
		return 0, unix.EINVAL
	}
	if cmd == unix.F_ADD_SEALS {
		return 0, vf.F.AddSeals(add)
	}
	s, err := vf.F.Seals()
	return uint64(s), err
}

// pipeSizer is implemented by in-memory pipes (ramfs FIFOs).
type pipeSizer interface {
	PipeSize() int
	SetPipeSize(n int) (int, error)
}

// pipeSize serves F_GETPIPE_SZ and F_SETPIPE_SZ: a host pipe answers from
// the host, an in-memory FIFO from its buffer; other files are no pipes
// (EBADF, as Linux answers).
func pipeSize(f kernel.File, cmd, size int) (uint64, error) {
	switch f := f.(type) {
	case kernel.Pollable:
		n, err := unix.FcntlInt(uintptr(f.HostFD()), cmd, size)
		return uint64(n), err
	case *kernel.VFSFile:
		p, ok := f.F.Impl().(pipeSizer)
		if !ok {
			return 0, unix.EBADF
		}
		if cmd == unix.F_GETPIPE_SZ {
			return uint64(p.PipeSize()), nil
		}
		n, err := p.SetPipeSize(size)
		return uint64(n), err
	}
	return 0, unix.EBADF
}

// Locker is implemented by files with advisory record locks.
type Locker interface {
	GetLock(t *kernel.Task, ofd bool, lk *unix.Flock_t) error
	SetLock(t *kernel.Task, ofd bool, lk unix.Flock_t, wait bool) error
}

func recordLock(t *kernel.Task, f kernel.File, cmd int, addr uint64) error {
	l, ok := f.(Locker)
	if !ok {
		return unix.EINVAL
	}
	var lk unix.Flock_t
	if err := kernel.CopyInStruct(t, addr, &lk); err != nil {
		return err
	}
	ofd := cmd == unix.F_OFD_GETLK || cmd == unix.F_OFD_SETLK || cmd == unix.F_OFD_SETLKW
	if ofd && lk.Pid != 0 {
		return unix.EINVAL
	}
	switch cmd {
	case unix.F_GETLK, unix.F_OFD_GETLK:
		if err := l.GetLock(t, ofd, &lk); err != nil {
			return err
		}
		return kernel.CopyOutStruct(t, addr, &lk)
	}
	return l.SetLock(t, ofd, lk, cmd == unix.F_SETLKW || cmd == unix.F_OFD_SETLKW)
}

func sysFlock(t *kernel.Task, a shim.Args) (uint64, error) {
	f, err := fileOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	op := a.Int(1)
	var typ int16
	switch op &^ unix.LOCK_NB {
	case unix.LOCK_SH:
		typ = unix.F_RDLCK
	case unix.LOCK_EX:
		typ = unix.F_WRLCK
	case unix.LOCK_UN:
		typ = unix.F_UNLCK
	default:
		return 0, unix.EINVAL
	}
	vf, ok := f.(*kernel.VFSFile)
	if !ok {
		if _, ok := f.(kernel.Pollable); ok {
			return 0, nil // pipes and sockets: nothing else can lock them
		}
		return 0, unix.EINVAL
	}
	err = vf.SetLock(t, true, unix.Flock_t{Type: typ, Whence: unix.SEEK_SET}, op&unix.LOCK_NB == 0)
	if err == unix.EAGAIN {
		return 0, unix.EWOULDBLOCK
	}
	return 0, err
}
