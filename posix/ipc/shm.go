package ipc

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

func registerShm(tb *shim.Table) {
	tb.Register(unix.SYS_SHMGET, shim.Full, "segments are host memfds; limits from the host's /proc/sys/kernel/shm*", sysShmget)
	tb.Register(unix.SYS_SHMAT, shim.Full, "mapped MAP_SHARED through the process's address space: every process sees the same pages; SHM_RDONLY, SHM_RND, SHM_REMAP, SHM_EXEC; a fork child inherits the attachment (shm_nattch counts it), execve and exit detach", sysShmat)
	tb.Register(unix.SYS_SHMDT, shim.Full, "attachments of the caller's address space, its own or inherited by fork", sysShmdt)
	tb.Register(unix.SYS_SHMCTL, shim.Full, "IPC_STAT, SHM_STAT(_ANY), IPC_SET, IPC_RMID (removed at the last detach), IPC_INFO, SHM_INFO, SHM_LOCK/UNLOCK (recorded)", sysShmctl)
}

// Flags of shmat and shm_perm.mode.
const (
	shmRdonly = 0o10000
	shmRnd    = 0o20000
	shmRemap  = 0o40000
	shmExec   = 0o100000
	shmDest   = 0o1000 // mode: removed, freed at the last detach
	shmLocked = 0o2000 // mode: SHM_LOCK
	shmlba    = 4096
)

// segment is one shared memory segment.
type segment struct {
	perm
	size         uint64
	memfd        int
	atime, dtime time.Time
	ctime        time.Time
	cpid, lpid   int
	nattch       int
}

func (s *segment) ipcPerm() *perm { return &s.perm }

// attachment is one shmat, or its copy in a fork child: which address
// space, where. Attachments live as long as their address space (its
// last process exits or execs) unless shmdt ends them first.
type attachment struct {
	mm   *kernel.MM
	addr uint64
	seg  *segment
}

func sysShmget(t *kernel.Task, a shim.Args) (uint64, error) {
	n := ns(t)
	key, size, flags := int32(a[0]), a[1], a.Int(2)
	n.mu.Lock()
	defer n.mu.Unlock()
	id, err := n.shm.get(t, key, flags, func(o object) error {
		if size > o.(*segment).size {
			return unix.EINVAL
		}
		return nil
	}, func(p perm) (object, error) {
		if size < 1 || size > n.limits.shmmax {
			return nil, unix.EINVAL
		}
		pages := (size + 4095) / 4096
		if pages+n.shmPages() > n.limits.shmall {
			return nil, unix.ENOSPC
		}
		fd, err := unix.MemfdCreate(fmt.Sprintf("SYSV%08x", uint32(p.key)), unix.MFD_CLOEXEC)
		if err != nil {
			return nil, fmt.Errorf("shmget: memfd: %w", err)
		}
		if err := unix.Ftruncate(fd, int64(size)); err != nil {
			unix.Close(fd)
			return nil, unix.ENOMEM
		}
		return &segment{perm: p, size: size, memfd: fd, ctime: time.Now(), cpid: t.Process().PID}, nil
	})
	return uint64(id), err
}

// shmPages is the number of pages all segments use.
func (n *namespace) shmPages() uint64 {
	var total uint64
	for _, o := range n.shm.objs {
		total += (o.(*segment).size + 4095) / 4096
	}
	return total
}

func sysShmat(t *kernel.Task, a shim.Args) (uint64, error) {
	n := ns(t)
	id, addr, flags := a.Int(0), a[1], a.Int(2)
	if addr%shmlba != 0 {
		if flags&shmRnd == 0 {
			return 0, unix.EINVAL
		}
		addr &^= shmlba - 1
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	o, err := n.shm.find(id)
	if err != nil {
		return 0, err
	}
	s := o.(*segment)
	prot, want := unix.PROT_READ|unix.PROT_WRITE, 0o666
	if flags&shmRdonly != 0 {
		prot, want = unix.PROT_READ, 0o444
	}
	if flags&shmExec != 0 {
		prot |= unix.PROT_EXEC
		want |= 0o111
	}
	if err := access(t, &s.perm, want); err != nil {
		return 0, err
	}
	mm := t.MM()
	length := (s.size + 4095) &^ 4095
	mapFlags := unix.MAP_SHARED
	if addr != 0 {
		if flags&shmRemap == 0 && overlaps(mm, addr, addr+length) {
			return 0, unix.EINVAL
		}
		mapFlags |= unix.MAP_FIXED
	} else if flags&shmRemap != 0 {
		return 0, unix.EINVAL
	}
	got, err := mm.Map(kernel.MapSpec{Addr: addr, Length: length, Prot: prot, Flags: mapFlags, HostFD: s.memfd,
		Name: fmt.Sprintf("/SYSV%08x (deleted)", uint32(s.key))})
	if err != nil {
		return 0, err
	}
	s.nattch++
	s.atime, s.lpid = time.Now(), t.Process().PID
	n.shmAttaches = append(n.shmAttaches, &attachment{mm: mm, addr: got, seg: s})
	mm.Observe(shmObserverKey{}, shmObserver{n})
	return got, nil
}

// shmObserverKey is the key of the shared memory observer of an MM.
type shmObserverKey struct{}

// shmObserver keeps the attachments in step with address spaces, as
// Linux's shm_open and shm_close do for a segment's mappings: a fork child
// inherits its parent's attachments; an address space that goes away
// (exit, execve) detaches its own.
type shmObserver struct{ n *namespace }

// Forked implements kernel.MMObserver: every attachment of parent still
// mapped in child (the copy was taken before a concurrent shmdt, or not)
// is also child's.
func (o shmObserver) Forked(parent, child *kernel.MM) {
	n := o.n
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, at := range n.shmAttaches {
		if at.mm != parent || !mapsSegment(child, at.addr) {
			continue
		}
		at.seg.nattch++
		at.seg.atime = time.Now()
		n.shmAttaches = append(n.shmAttaches, &attachment{mm: child, addr: at.addr, seg: at.seg})
	}
}

// Released implements kernel.MMObserver: pid was the last process of m.
func (o shmObserver) Released(m *kernel.MM, pid int) {
	n := o.n
	n.mu.Lock()
	defer n.mu.Unlock()
	for i := len(n.shmAttaches) - 1; i >= 0; i-- {
		if n.shmAttaches[i].mm == m {
			n.detach(i, pid)
		}
	}
}

// mapsSegment reports whether a shared mapping starts at addr in mm.
func mapsSegment(mm *kernel.MM, addr uint64) bool {
	v, ok := mm.Find(addr)
	return ok && v.Shared && v.Start == addr
}

func overlaps(mm *kernel.MM, start, end uint64) bool {
	for _, v := range mm.VMAs() {
		if v.Start < end && start < v.End {
			return true
		}
	}
	return false
}

func sysShmdt(t *kernel.Task, a shim.Args) (uint64, error) {
	n := ns(t)
	n.mu.Lock()
	defer n.mu.Unlock()
	mm := t.MM()
	for i, at := range n.shmAttaches {
		if at.mm == mm && at.addr == a[0] {
			length := (at.seg.size + 4095) &^ 4095
			if err := mm.Unmap(at.addr, length); err != nil {
				return 0, err
			}
			n.detach(i, t.Process().PID)
			return 0, nil
		}
	}
	return 0, unix.EINVAL
}

// detach forgets attachment i and frees its segment if it was removed and
// this was the last attachment.
func (n *namespace) detach(i, pid int) {
	s := n.shmAttaches[i].seg
	n.shmAttaches = append(n.shmAttaches[:i], n.shmAttaches[i+1:]...)
	s.nattch--
	s.dtime, s.lpid = time.Now(), pid
	if s.nattch == 0 && s.mode&shmDest != 0 {
		n.freeSegment(s)
	}
}

// freeSegment removes a segment for good.
func (n *namespace) freeSegment(s *segment) {
	n.shm.remove(&s.perm)
	unix.Close(s.memfd)
	s.memfd = -1
}

func sysShmctl(t *kernel.Task, a shim.Args) (uint64, error) {
	n := ns(t)
	id, cmd, buf := a.Int(0), a.Int(1), a[2]
	if id < 0 || cmd < 0 {
		return 0, unix.EINVAL
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	switch cmd {
	case ipcInfo:
		l := n.limits
		e := (&enc{}).u64(l.shmmax).u64(1).u64(l.shmmni).u64(l.shmmni).u64(l.shmall).u64(0).u64(0).u64(0).u64(0)
		return uint64(n.shm.maxIndex()), t.CopyOut(buf, e.b)
	case shmInfo:
		pages := n.shmPages()
		e := (&enc{}).u32(uint32(len(n.shm.objs))).u32(0).u64(pages).u64(pages).u64(0).u64(0).u64(0)
		return uint64(n.shm.maxIndex()), t.CopyOut(buf, e.b)
	case unix.IPC_STAT, shmStat, shmStatAny:
		var o object
		var err error
		if cmd == unix.IPC_STAT {
			o, err = n.shm.find(id)
		} else {
			o, err = n.shm.byIndex(id)
		}
		if err != nil {
			return 0, err
		}
		s := o.(*segment)
		if cmd != shmStatAny {
			if err := access(t, &s.perm, 0o444); err != nil {
				return 0, err
			}
		}
		e := (&enc{}).perm64(&s.perm).u64(s.size).u64(unixTime(s.atime)).u64(unixTime(s.dtime)).u64(unixTime(s.ctime))
		e.u32(uint32(s.cpid)).u32(uint32(s.lpid)).u64(uint64(s.nattch)).u64(0).u64(0)
		if err := t.CopyOut(buf, e.b); err != nil {
			return 0, err
		}
		if cmd == unix.IPC_STAT {
			return 0, nil
		}
		return uint64(s.id), nil
	case unix.IPC_SET, unix.IPC_RMID, shmLock, shmUnlock:
		o, err := n.shm.find(id)
		if err != nil {
			return 0, err
		}
		s := o.(*segment)
		if cmd == shmLock || cmd == shmUnlock {
			if !owner(t, &s.perm) && !t.Process().HasCap(kernel.CapIpcLock) {
				return 0, unix.EPERM
			}
			s.mode &^= shmLocked
			if cmd == shmLock {
				s.mode |= shmLocked
			}
			return 0, nil
		}
		if !owner(t, &s.perm) {
			return 0, unix.EPERM
		}
		if cmd == unix.IPC_SET {
			b := make([]byte, 48)
			if err := t.CopyIn(buf, b); err != nil {
				return 0, err
			}
			setPerm(&s.perm, b)
			s.ctime = time.Now()
			return 0, nil
		}
		n.shm.unkey(&s.perm)
		s.mode |= shmDest
		s.key = unix.IPC_PRIVATE
		if s.nattch == 0 {
			n.freeSegment(s)
		}
		return 0, nil
	}
	return 0, unix.EINVAL
}
