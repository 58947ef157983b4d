package pty

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/devfs"
	"github.com/elfloader/elfloader/vfs/ramfs"
)

const (
	ptmxMajor  = 5
	ptmxMinor  = 2
	slaveMajor = 136
	// maxPtys is /proc/sys/kernel/pty/max's default.
	maxPtys = 4096
	// slaveMode is devpts's default mode= for a new slave.
	slaveMode = 0o600
)

// Devpts is the devpts instance: the filesystem holding ptmx and the
// slaves' nodes, and the table of live pairs.
type Devpts struct {
	*ramfs.FS
	dev *devfs.FS

	mu    sync.Mutex
	terms map[int]*Terminal
}

// Register adds /dev/ptmx to dev and returns the devpts filesystem (to be
// mounted on /dev/pts) whose ptmx node opens new pairs too. fsDev is the
// filesystem's device number.
func Register(dev *devfs.FS, fsDev uint64) (*Devpts, error) {
	d := &Devpts{FS: ramfs.New(ramfs.Options{Dev: fsDev, RootMode: 0o755}), dev: dev, terms: map[int]*Terminal{}}
	ptmx := devfs.DeviceFunc(d.openPtmx)
	if err := dev.Register("ptmx", ptmxMajor, ptmxMinor, 0o666, ptmx); err != nil {
		return nil, fmt.Errorf("pty: %w", err)
	}
	if _, err := d.RootInode().Create("ptmx", unix.S_IFCHR, unix.Mkdev(ptmxMajor, ptmxMinor), vfs.Cred{}); err != nil {
		return nil, fmt.Errorf("pty: devpts ptmx: %w", err)
	}
	return d, nil
}

// openPtmx opens the master of a new pair: the lowest free index, a slave
// node owned by the opener (fsuid, fsgid), locked until unlockpt.
func (d *Devpts) openPtmx(ctx context.Context, flags int) (vfs.FileImpl, error) {
	t, ok := kernel.TaskFromContext(ctx)
	if !ok {
		return nil, unix.ENXIO
	}
	d.mu.Lock()
	n := 0
	for d.terms[n] != nil {
		n++
	}
	if n >= maxPtys {
		d.mu.Unlock()
		return nil, unix.ENOSPC
	}
	term := newTerminal(d, t.Kernel(), n)
	d.terms[n] = term
	d.mu.Unlock()
	rdev := unix.Mkdev(slaveMajor, uint32(n))
	d.dev.RegisterNumber(rdev, devfs.DeviceFunc(term.openSlave))
	c := t.Process().Creds()
	cred := vfs.Cred{UID: c.FSUID, GID: c.FSGID}
	if _, err := d.RootInode().Create(strconv.Itoa(n), unix.S_IFCHR|slaveMode, rdev, cred); err != nil {
		d.remove(term)
		return nil, err
	}
	term.mu.Lock()
	term.masterOpen = true
	term.mu.Unlock()
	return &master{term: term}, nil
}

// remove forgets a pair whose master is released: its node and number go.
func (d *Devpts) remove(term *Terminal) {
	d.dev.Unregister(unix.Mkdev(slaveMajor, uint32(term.index)))
	d.RootInode().Unlink(strconv.Itoa(term.index))
	d.mu.Lock()
	delete(d.terms, term.index)
	d.mu.Unlock()
}

// Statfs implements vfs.FileSystem: DEVPTS_SUPER_MAGIC.
func (d *Devpts) Statfs() (vfs.Statfs, error) {
	st, err := d.FS.Statfs()
	st.Type = 0x1cd1
	return st, err
}
