package kernel

import (
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
)

// CloneArgs is a decoded clone/clone3 request.
type CloneArgs struct {
	Flags      uint64
	Stack      uint64 // new stack pointer (0: the parent's)
	ParentTID  uint64
	ChildTID   uint64
	TLS        uint64
	ExitSignal int
	// OpenPidfd, when set (CLONE_PIDFD), opens a pidfd for the child in
	// the caller's table once the child exists and before it runs; the
	// descriptor is written to PidfdAddr as an int. Threads take none.
	OpenPidfd func(child *Process) (int, error)
	PidfdAddr uint64
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

// namespaceFlags are the clone flags that ask for new namespaces.
const namespaceFlags = unix.CLONE_NEWNS | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC | unix.CLONE_NEWUSER |
	unix.CLONE_NEWPID | unix.CLONE_NEWNET | unix.CLONE_NEWCGROUP | unix.CLONE_NEWTIME

// Clone creates a thread in the caller's thread group (pthread_create and
// Go's newosproc), a child that shares the caller's memory (vfork,
// posix_spawn) or one with a copy of it (fork).
func (t *Task) Clone(a CloneArgs) (int, error) {
	const threadFlags = unix.CLONE_VM | unix.CLONE_THREAD | unix.CLONE_SIGHAND
	if a.Flags&namespaceFlags != 0 {
		// No namespaces: the answer of a Linux built without them
		// (CONFIG_USER_NS=n and the like), rather than a child that
		// believes it has one (Go then writes /proc/PID/uid_map, finds
		// none and reports ENOENT for the program it was starting).
		return 0, unix.EINVAL
	}
	if a.Flags&unix.CLONE_THREAD != 0 && a.Flags&unix.CLONE_SIGHAND == 0 || a.Flags&unix.CLONE_SIGHAND != 0 && a.Flags&unix.CLONE_VM == 0 {
		return 0, unix.EINVAL
	}
	if a.Flags&unix.CLONE_VM != 0 && a.Flags&unix.CLONE_THREAD == 0 {
		return t.spawn(a)
	}
	if a.Flags&unix.CLONE_VM == 0 {
		return t.fork(a)
	}
	if a.Flags&threadFlags != threadFlags {
		return 0, unix.EINVAL
	}
	if t.p.Exiting() {
		return 0, unix.EAGAIN
	}
	tid := t.k.allocPID()
	nt := t.cloneTask(t.p, tid, a)
	nt.Name = t.Name
	if a.Flags&unix.CLONE_PARENT_SETTID != 0 {
		if err := CopyOutValue(t, a.ParentTID, uint32(tid)); err != nil {
			return 0, err
		}
	}
	if a.Flags&unix.CLONE_CHILD_SETTID != 0 {
		if err := CopyOutValue(t, a.ChildTID, uint32(tid)); err != nil {
			return 0, err
		}
	}
	t.p.mu.Lock()
	// Again under mu: a TSYNC by another thread since cloneTask reached
	// t but not the new thread.
	nt.seccomp.Store(t.seccomp.Load())
	t.p.tasks[tid] = nt
	t.p.mu.Unlock()
	t.k.addTask(nt)
	go nt.run()
	return tid, nil
}

// cloneTask makes the task a clone call starts in p: the caller's
// registers returning 0, the new stack and TLS when given, the caller's
// extended state and signal mask, and the CLONE_CHILD_CLEARTID word.
func (t *Task) cloneTask(p *Process, tid int, a CloneArgs) *Task {
	nt := newTask(t.k, p, tid)
	nt.initial = *t.Regs()
	nt.initial.Rax = 0
	nt.initial.Rcx = nt.initial.Rip
	nt.initial.R11 = nt.initial.Eflags
	if a.Stack != 0 {
		nt.initial.Rsp = a.Stack
	}
	if a.Flags&unix.CLONE_SETTLS != 0 {
		nt.initial.FsBase = a.TLS
	}
	nt.fpImage = t.ctx.ExtendedStateStd()
	nt.SigMask = t.SigMask
	nt.seccomp.Store(t.seccomp.Load()) // filters are inherited (and kept across execve)
	nt.personality.Store(t.personality.Load())
	t.inheritValues(nt)
	if a.Flags&unix.CLONE_CHILD_CLEARTID != 0 {
		nt.ClearChildTID = a.ChildTID
	}
	return nt
}

func newTask(k *Kernel, p *Process, tid int) *Task {
	return &Task{k: k, p: p, TID: tid, interrupt: make(chan struct{}, 1), started: make(chan struct{}), gone: make(chan struct{})}
}

// finish runs when a task's goroutine stops running app code: the
// CLONE_CHILD_CLEARTID word is cleared and woken, and robust futexes the
// thread held are marked as abandoned.
func (t *Task) finish() {
	t.k.removeTask(t)
	t.closeWake()
	if t.zapped.Load() {
		t.p.mu.Lock()
		delete(t.p.tasks, t.TID)
		t.p.mu.Unlock()
	}
	if t.p.Exiting() {
		return
	}
	t.exitRobustList()
	if t.ClearChildTID != 0 {
		if CopyOutValue(t, t.ClearChildTID, uint32(0)) == nil {
			t.k.futexes.Wake(t, t.ClearChildTID, false, 1, linux.FUTEX_BITSET_MATCH_ANY)
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
	var h linux.RobustListHead
	if CopyInStruct(t, head, &h) != nil {
		return
	}
	next, offset, pending := h.Next, h.FutexOffset, h.ListOpPending
	for i := 0; i < 2048 && next&^1 != head; i++ {
		entry := next &^ 1
		if CopyInStruct(t, entry, &next) != nil {
			return
		}
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
		if err != nil || old&linux.FUTEX_TID_MASK != uint32(t.TID) {
			return
		}
		nv := old&linux.FUTEX_WAITERS | linux.FUTEX_OWNER_DIED
		swapped, err := p.cas(old, nv)
		if err != nil {
			return
		}
		if swapped {
			if old&linux.FUTEX_WAITERS != 0 {
				ft.wakeAnyLocked(t, addr, false, 1, linux.FUTEX_BITSET_MATCH_ANY)
			}
			return
		}
	}
}
