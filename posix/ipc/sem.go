package ipc

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

func registerSem(tb *shim.Table) {
	tb.Register(unix.SYS_SEMGET, shim.Full, "limits from the host's /proc/sys/kernel/sem", sysSemget)
	tb.Register(unix.SYS_SEMOP, shim.Full, "all operations or none; waits end with EINTR on a signal, EIDRM on removal; SEM_UNDO applied at exit", sysSemop)
	tb.Register(unix.SYS_SEMTIMEDOP, shim.Full, "as semop, EAGAIN at the timeout", sysSemtimedop)
	tb.Register(unix.SYS_SEMCTL, shim.Full, "GETVAL, SETVAL, GETALL, SETALL, GETPID, GETNCNT, GETZCNT, IPC_STAT, SEM_STAT(_ANY), IPC_SET, IPC_RMID, IPC_INFO, SEM_INFO", sysSemctl)
}

const (
	semUndo = 0x1000
	semvmx  = 32767
	semaem  = 32767

	getPid  = 11
	getVal  = 12
	getAll  = 13
	getNcnt = 14
	getZcnt = 15
	setVal  = 16
	setAll  = 17
)

type semaphore struct {
	val        int
	pid        int
	ncnt, zcnt int
}

// semSet is one semaphore set.
type semSet struct {
	perm
	sems         []semaphore
	otime, ctime time.Time
	wake         wakeup
}

func (s *semSet) ipcPerm() *perm { return &s.perm }

// undoList is one process's SEM_UNDO adjustments: set id → semaphore →
// the value to add at exit.
type undoList struct{ adj map[int]map[int]int }

func sysSemget(t *kernel.Task, a shim.Args) (uint64, error) {
	n := ns(t)
	key, nsems, flags := int32(a[0]), a.Int(1), a.Int(2)
	if nsems < 0 || uint64(nsems) > n.limits.semmsl {
		return 0, unix.EINVAL
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	id, err := n.sem.get(t, key, flags, func(o object) error {
		if nsems > len(o.(*semSet).sems) {
			return unix.EINVAL
		}
		return nil
	}, func(p perm) (object, error) {
		if nsems == 0 {
			return nil, unix.EINVAL
		}
		if uint64(n.semCount()+nsems) > n.limits.semmns {
			return nil, unix.ENOSPC
		}
		return &semSet{perm: p, sems: make([]semaphore, nsems), ctime: time.Now()}, nil
	})
	return uint64(id), err
}

// semCount is the number of semaphores in all sets.
func (n *namespace) semCount() int {
	total := 0
	for _, o := range n.sem.objs {
		total += len(o.(*semSet).sems)
	}
	return total
}

// sembuf is struct sembuf.
// sembuf is struct sembuf in the kernel's layout (6 bytes).
type sembuf struct {
	num   uint16
	op    int16
	flags int16
}

func sysSemop(t *kernel.Task, a shim.Args) (uint64, error) {
	return 0, semop(t, a.Int(0), a[1], a[2], time.Time{})
}

func sysSemtimedop(t *kernel.Task, a shim.Args) (uint64, error) {
	var deadline time.Time
	if a[3] != 0 {
		var ts unix.Timespec
		if err := kernel.CopyInStruct(t, a[3], &ts); err != nil {
			return 0, err
		}
		if ts.Sec < 0 || ts.Nsec < 0 || ts.Nsec >= 1e9 {
			return 0, unix.EINVAL
		}
		deadline = time.Now().Add(time.Duration(ts.Sec)*time.Second + time.Duration(ts.Nsec))
	}
	return 0, semop(t, a.Int(0), a[1], a[2], deadline)
}

func semop(t *kernel.Task, id int, addr, nops uint64, deadline time.Time) error {
	n := ns(t)
	if id < 0 {
		return unix.EINVAL
	}
	if nops < 1 {
		return unix.EINVAL
	}
	if nops > n.limits.semopm {
		return unix.E2BIG
	}
	ops := make([]sembuf, nops)
	if err := kernel.CopyInStructs(t, addr, ops); err != nil {
		return err
	}
	alter := false
	for _, op := range ops {
		alter = alter || op.op != 0
	}
	pid := t.Process().PID
	n.mu.Lock()
	defer n.mu.Unlock()
	for {
		o, err := n.sem.find(id)
		if err != nil {
			return err
		}
		s := o.(*semSet)
		want := 0o444
		if alter {
			want = 0o222
		}
		if err := access(t, &s.perm, want); err != nil {
			return err
		}
		blocker, err := s.try(ops, pid)
		if err != nil {
			return err
		}
		if blocker == nil {
			n.recordUndo(t, id, ops)
			s.wake.broadcast()
			return nil
		}
		if ops[blocker.idx].flags&unix.IPC_NOWAIT != 0 {
			return unix.EAGAIN
		}
		if err := n.waitSem(t, s, ops, blocker, deadline); err != nil {
			return err
		}
	}
}

// blocked says which operation could not proceed.
type blocked struct {
	idx  int // in ops
	zero bool
}

// try applies all operations or none. It returns the first operation that
// would block, or an error for an invalid one.
func (s *semSet) try(ops []sembuf, pid int) (*blocked, error) {
	vals := make([]int, len(s.sems))
	for i := range s.sems {
		vals[i] = s.sems[i].val
	}
	for i, op := range ops {
		if int(op.num) >= len(s.sems) {
			return nil, unix.EFBIG
		}
		v := &vals[op.num]
		switch {
		case op.op > 0:
			if *v+int(op.op) > semvmx {
				return nil, unix.ERANGE
			}
			*v += int(op.op)
		case op.op == 0:
			if *v != 0 {
				return &blocked{idx: i, zero: true}, nil
			}
		default:
			if *v < -int(op.op) {
				return &blocked{idx: i}, nil
			}
			*v += int(op.op)
		}
	}
	for i := range s.sems {
		s.sems[i].val = vals[i]
	}
	for _, op := range ops {
		s.sems[op.num].pid = pid
	}
	s.otime = time.Now()
	return nil, nil
}

// waitSem waits (with the namespace unlocked) until the set changes,
// counting the caller in semncnt or semzcnt meanwhile.
func (n *namespace) waitSem(t *kernel.Task, s *semSet, ops []sembuf, b *blocked, deadline time.Time) error {
	sem := &s.sems[ops[b.idx].num]
	count := &sem.ncnt
	if b.zero {
		count = &sem.zcnt
	}
	*count++
	ch := s.wake.wait()
	n.mu.Unlock()
	err := t.Block(ch, deadline)
	n.mu.Lock()
	*count--
	switch {
	case s.deleted:
		return unix.EIDRM
	case err == unix.ETIMEDOUT:
		return unix.EAGAIN
	}
	return interrupted(err)
}

// recordUndo notes the SEM_UNDO adjustments of a completed semop.
func (n *namespace) recordUndo(t *kernel.Task, id int, ops []sembuf) {
	for _, op := range ops {
		if op.flags&semUndo == 0 || op.op == 0 {
			continue
		}
		pid := t.Process().PID
		u := n.undos[pid]
		if u == nil {
			u = &undoList{adj: map[int]map[int]int{}}
			n.undos[pid] = u
			n.watchExit(t)
		}
		if u.adj[id] == nil {
			u.adj[id] = map[int]int{}
		}
		u.adj[id][int(op.num)] -= int(op.op)
	}
}

// undoProcess applies an exiting process's SEM_UNDO adjustments.
func (n *namespace) undoProcess(pid int) {
	u := n.undos[pid]
	delete(n.undos, pid)
	if u == nil {
		return
	}
	for id, adj := range u.adj {
		o, err := n.sem.find(id)
		if err != nil {
			continue
		}
		s := o.(*semSet)
		for num, d := range adj {
			if num < len(s.sems) {
				s.sems[num].val = min(max(s.sems[num].val+d, 0), semvmx)
				s.sems[num].pid = pid
			}
		}
		s.wake.broadcast()
	}
}

// clearUndo forgets every process's adjustments for one semaphore (all of
// the set's for num < 0): SETVAL and SETALL.
func (n *namespace) clearUndo(id, num int) {
	for _, u := range n.undos {
		if num < 0 {
			delete(u.adj, id)
		} else if adj := u.adj[id]; adj != nil {
			delete(adj, num)
		}
	}
}

type exitKey struct{}

// watchExit makes sure the namespace hears of the process's exit
// (semaphore undo; shared memory follows the address space instead).
func (n *namespace) watchExit(t *kernel.Task) {
	pid := t.Process().PID
	t.Process().OnExit(exitKey{}, func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		n.undoProcess(pid)
	})
}

func sysSemctl(t *kernel.Task, a shim.Args) (uint64, error) {
	n := ns(t)
	id, num, cmd, arg := a.Int(0), a.Int(1), a.Int(2), a[3]
	if id < 0 || cmd < 0 {
		return 0, unix.EINVAL
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	switch cmd {
	case ipcInfo, semInfo:
		l := n.limits
		semusz, semaemV := uint32(20), uint32(semaem)
		if cmd == semInfo {
			semusz, semaemV = uint32(len(n.sem.objs)), uint32(n.semCount())
		}
		e := (&enc{}).u32(uint32(l.semmns)).u32(uint32(l.semmni)).u32(uint32(l.semmns)).u32(uint32(l.semmns))
		e.u32(uint32(l.semmsl)).u32(uint32(l.semopm)).u32(uint32(l.semopm)).u32(semusz).u32(semvmx).u32(semaemV)
		return uint64(n.sem.maxIndex()), t.CopyOut(arg, e.b)
	case semStat, semStatAny:
		o, err := n.sem.byIndex(id)
		if err != nil {
			return 0, err
		}
		s := o.(*semSet)
		if cmd == semStat {
			if err := access(t, &s.perm, 0o444); err != nil {
				return 0, err
			}
		}
		return uint64(s.id), t.CopyOut(arg, s.stat())
	}
	o, err := n.sem.find(id)
	if err != nil {
		return 0, err
	}
	s := o.(*semSet)
	switch cmd {
	case unix.IPC_RMID, unix.IPC_SET:
		if !owner(t, &s.perm) {
			return 0, unix.EPERM
		}
		if cmd == unix.IPC_RMID {
			n.sem.remove(&s.perm)
			n.clearUndo(id, -1)
			s.wake.broadcast()
			return 0, nil
		}
		b := make([]byte, 48)
		if err := t.CopyIn(arg, b); err != nil {
			return 0, err
		}
		setPerm(&s.perm, b)
		s.ctime = time.Now()
		return 0, nil
	case unix.IPC_STAT:
		if err := access(t, &s.perm, 0o444); err != nil {
			return 0, err
		}
		return 0, t.CopyOut(arg, s.stat())
	case getVal, getPid, getNcnt, getZcnt:
		if err := access(t, &s.perm, 0o444); err != nil {
			return 0, err
		}
		if num < 0 || num >= len(s.sems) {
			return 0, unix.EINVAL
		}
		sem := s.sems[num]
		return uint64(map[int]int{getVal: sem.val, getPid: sem.pid, getNcnt: sem.ncnt, getZcnt: sem.zcnt}[cmd]), nil
	case getAll:
		if err := access(t, &s.perm, 0o444); err != nil {
			return 0, err
		}
		e := &enc{}
		for _, sem := range s.sems {
			e.u16(uint16(sem.val))
		}
		return 0, t.CopyOut(arg, e.b)
	case setVal:
		if err := access(t, &s.perm, 0o222); err != nil {
			return 0, err
		}
		if num < 0 || num >= len(s.sems) {
			return 0, unix.EINVAL
		}
		v := int(int32(arg))
		if v < 0 || v > semvmx {
			return 0, unix.ERANGE
		}
		s.sems[num].val, s.sems[num].pid = v, t.Process().PID
		n.clearUndo(id, num)
		s.ctime = time.Now()
		s.wake.broadcast()
		return 0, nil
	case setAll:
		if err := access(t, &s.perm, 0o222); err != nil {
			return 0, err
		}
		vals := make([]uint16, len(s.sems))
		if err := kernel.CopyInStructs(t, arg, vals); err != nil {
			return 0, err
		}
		for _, v := range vals {
			if v > semvmx {
				return 0, unix.ERANGE
			}
		}
		for i, v := range vals {
			s.sems[i].val, s.sems[i].pid = int(v), t.Process().PID
		}
		n.clearUndo(id, -1)
		s.ctime = time.Now()
		s.wake.broadcast()
		return 0, nil
	}
	return 0, unix.EINVAL
}

// stat is struct semid64_ds.
func (s *semSet) stat() []byte {
	e := (&enc{}).perm64(&s.perm).u64(unixTime(s.otime)).u64(0).u64(unixTime(s.ctime)).u64(0)
	return e.u64(uint64(len(s.sems))).u64(0).u64(0).b
}
