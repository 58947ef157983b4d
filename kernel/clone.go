package kernel

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// Clone flags the kernel interprets.
const (
	CLONE_VM             = 0x100
	CLONE_FS             = 0x200
	CLONE_FILES          = 0x400
	CLONE_SIGHAND        = 0x800
	CLONE_PIDFD          = 0x1000
	CLONE_VFORK          = 0x4000
	CLONE_PARENT         = 0x8000
	CLONE_THREAD         = 0x10000
	CLONE_SYSVSEM        = 0x40000
	CLONE_SETTLS         = 0x80000
	CLONE_PARENT_SETTID  = 0x100000
	CLONE_CHILD_CLEARTID = 0x200000
	CLONE_CHILD_SETTID   = 0x1000000
)

// CloneArgs is a decoded clone/clone3 request.
type CloneArgs struct {
	Flags      uint64
	Stack      uint64 // new stack pointer (0: the parent's)
	ParentTID  uint64
	ChildTID   uint64
	TLS        uint64
	ExitSignal int
}

// Futexes returns the kernel's futex table.
func (k *Kernel) Futexes() *FutexTable { return k.futexes }

// TaskByTID finds a live task.
func (k *Kernel) TaskByTID(tid int) *Task {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.tasks[tid]
}

// ProcessByPID finds a live process.
func (k *Kernel) ProcessByPID(pid int) *Process {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.processes[pid]
}

// Processes returns the live processes, in no particular order.
func (k *Kernel) Processes() []*Process {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make([]*Process, 0, len(k.processes))
	for _, p := range k.processes {
		out = append(out, p)
	}
	return out
}

func (k *Kernel) addTask(t *Task) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.tasks[t.TID] = t
}

func (k *Kernel) removeTask(t *Task) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.tasks, t.TID)
}

func putU32(t *Task, addr uint64, v uint32) error {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], v)
	return t.CopyOut(addr, b[:])
}

// Clone creates a thread in the caller's thread group (pthread_create and
// Go's newosproc), a child that shares the caller's memory (vfork,
// posix_spawn) or one with a copy of it (fork).
func (t *Task) Clone(a CloneArgs) (int, error) {
	const threadFlags = CLONE_VM | CLONE_THREAD | CLONE_SIGHAND
	if a.Flags&CLONE_THREAD != 0 && a.Flags&CLONE_SIGHAND == 0 || a.Flags&CLONE_SIGHAND != 0 && a.Flags&CLONE_VM == 0 {
		return 0, unix.EINVAL
	}
	if a.Flags&CLONE_VM != 0 && a.Flags&CLONE_THREAD == 0 {
		return t.spawn(a)
	}
	if a.Flags&CLONE_VM == 0 {
		return t.fork(a)
	}
	if a.Flags&threadFlags != threadFlags {
		return 0, unix.EINVAL
	}
	if t.p.Exiting() {
		return 0, unix.EAGAIN
	}
	tid := t.k.allocPID()
	nt := newTask(t.k, t.p, tid)
	nt.initial = *t.Regs()
	nt.initial.Rax = 0
	nt.initial.Rcx = nt.initial.Rip
	nt.initial.R11 = nt.initial.Eflags
	if a.Stack != 0 {
		nt.initial.Rsp = a.Stack
	}
	if a.Flags&CLONE_SETTLS != 0 {
		nt.initial.FsBase = a.TLS
	}
	nt.fpImage = t.ctx.ExtendedStateStd()
	nt.SigMask = t.SigMask
	nt.Name = t.Name
	if a.Flags&CLONE_CHILD_CLEARTID != 0 {
		nt.ClearChildTID = a.ChildTID
	}
	if a.Flags&CLONE_PARENT_SETTID != 0 {
		if err := putU32(t, a.ParentTID, uint32(tid)); err != nil {
			return 0, err
		}
	}
	if a.Flags&CLONE_CHILD_SETTID != 0 {
		if err := putU32(t, a.ChildTID, uint32(tid)); err != nil {
			return 0, err
		}
	}
	t.p.mu.Lock()
	t.p.tasks[tid] = nt
	t.p.mu.Unlock()
	t.k.addTask(nt)
	go nt.run()
	return tid, nil
}

func newTask(k *Kernel, p *Process, tid int) *Task {
	return &Task{k: k, p: p, TID: tid, interrupt: make(chan struct{}, 1), started: make(chan struct{})}
}

// finish runs when a task's goroutine stops running app code: the
// CLONE_CHILD_CLEARTID word is cleared and woken, and robust futexes the
// thread held are marked as abandoned.
func (t *Task) finish() {
	t.k.removeTask(t)
	t.closeWake()
	if t.p.Exiting() {
		return
	}
	t.exitRobustList()
	if t.ClearChildTID != 0 {
		if putU32(t, t.ClearChildTID, 0) == nil {
			t.k.futexes.Wake(t, t.ClearChildTID, 1, futexBitsetAny)
		}
	}
}

// exitRobustList walks the thread's robust futex list (set_robust_list)
// and marks each futex it owned with FUTEX_OWNER_DIED, waking one waiter.
func (t *Task) exitRobustList() {
	head := t.RobustList
	if head == 0 {
		return
	}
	var h [24]byte
	if t.CopyIn(head, h[:]) != nil {
		return
	}
	next := binary.LittleEndian.Uint64(h[0:])
	offset := int64(binary.LittleEndian.Uint64(h[8:]))
	pending := binary.LittleEndian.Uint64(h[16:])
	for i := 0; i < 2048 && next&^1 != head; i++ {
		entry := next &^ 1
		var nb [8]byte
		if t.CopyIn(entry, nb[:]) != nil {
			return
		}
		next = binary.LittleEndian.Uint64(nb[:])
		if entry != pending&^1 {
			t.robustDied(uint64(int64(entry) + offset))
		}
	}
	if pending&^1 != 0 {
		t.robustDied(uint64(int64(pending&^1) + offset))
	}
}

func (t *Task) robustDied(addr uint64) {
	p, err := futexWord(t, addr, true)
	if err != nil {
		return
	}
	ft := t.k.futexes
	ft.mu.Lock()
	defer ft.mu.Unlock()
	for {
		old, err := p.load()
		if err != nil || old&FUTEX_TID_MASK != uint32(t.TID) {
			return
		}
		nv := old&FUTEX_WAITERS | FUTEX_OWNER_DIED
		swapped, err := p.cas(old, nv)
		if err != nil {
			return
		}
		if swapped {
			if old&FUTEX_WAITERS != 0 {
				ft.wakeLocked(t.futexKey(addr), 1, futexBitsetAny)
			}
			return
		}
	}
}
