package kernel

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/landlock"

	"golang.org/x/sys/unix"
)

// SigAction is one signal's disposition as the app set it (struct
// k_sigaction: handler, flags, restorer, mask).
type SigAction struct {
	Handler  uint64
	Flags    uint64
	Restorer uint64
	Mask     uint64
}

// Rlimit is one resource limit.
type Rlimit struct{ Cur, Max uint64 }

// Process is a thread group: the state its tasks share.
type Process struct {
	k    *Kernel
	PID  int
	ppid atomic.Int64 // changes when the process is reparented
	mm   *MM

	// FS is the process's filesystem context: root, cwd, umask, creds.
	FS *vfs.Context

	Argv, Envp []string
	ExecPath   string       // as given to exec (AT_EXECFN)
	ExePath    string       // resolved, absolute (/proc/self/exe)
	exeLoc     vfs.Location // the executable itself (Linux's mm->exe_file)
	Auxv       []uint64     // flattened (type, value) pairs for /proc/self/auxv

	// sigMu guards pending queues and every task's SigMask.
	sigMu    sigLock
	shared   sigQueue
	watchers []*SignalWatcher
	jc       jobControl // stopped or not (jobctl.go), guarded by sigMu

	mu         sync.Mutex
	sigacts    [65]SigAction
	rlimits    map[int]Rlimit
	files      *FDTable
	tasks      map[int]*Task
	leader     *Task
	exiting    atomic.Bool // set once, under mu, by exit_group or a fatal signal
	status     int
	done       chan struct{}
	closeOnce  sync.Once
	UID, GID   uint32 // the effective ids, kept equal to creds' (see UpdateCreds)
	Umask      uint32
	NoNewPrivs bool
	// landlock is the process's Landlock domain (nil: none), also set
	// as FS.Guard; fork children inherit it and execve keeps it.
	landlock  atomic.Pointer[landlock.Domain]
	startTime time.Time
	family    family
	// childSubreaper is PR_SET_CHILD_SUBREAPER: orphaned descendants
	// are reparented to this process rather than to init.
	childSubreaper atomic.Bool
	groups         groupIDs // guarded by k.mu (pgrp.go)
	syms           symbolCache

	// xfeatureExtra holds the dynamic extended features (AMX tile data)
	// the process asked for with ARCH_REQ_XCOMP_PERM; children inherit them.
	xfeatureExtra atomic.Uint64

	// Membarrier is the membarrier(2) commands the process registered
	// for (MEMBARRIER_CMD_REGISTER_*: Linux keeps them in the mm):
	// inherited by fork, cleared by exec.
	Membarrier atomic.Uint32

	// oom is /proc/PID/oom_score_adj and its floor (guarded by mu);
	// children inherit both.
	oom oomScore

	// credMu guards creds: the full identity (creds.go).
	credMu sync.Mutex
	creds  Credentials
	sched  Sched // also guarded by credMu

	exitHooks exitHooks

	nextTimerID int
	timers      map[int]*Timer
	realTimer   *Timer
	// virtTimer and profTimer are ITIMER_VIRTUAL and ITIMER_PROF.
	virtTimer, profTimer *Timer
	// cpu accounts the process's CPU time (cputime.go).
	cpu processCPU
}

// PPID is the parent's PID as getppid(2) reports it: the reaper's after
// the parent exited.
func (p *Process) PPID() int { return int(p.ppid.Load()) }

// Landlock is the process's Landlock domain, nil when it has none.
func (p *Process) Landlock() *landlock.Domain { return p.landlock.Load() }

// SetLandlock makes d (not nil) the process's Landlock domain, enforced
// from now on by the vfs (FS.Guard) and by the socket and signal calls.
func (p *Process) SetLandlock(d *landlock.Domain) {
	p.landlock.Store(d)
	if p.FS != nil {
		p.FS.Guard = d
	}
}

// MaySignal is Landlock's signal scope (hook_task_kill): EPERM when the
// process's domain scopes signals and target is outside it (not in the
// same domain or one nested in it). A process may always signal itself
// (erratum 2).
func (p *Process) MaySignal(target *Process) error {
	d := p.Landlock()
	if d == nil || target == p {
		return nil
	}
	if landlock.Scoped(d, target.Landlock(), unix.LANDLOCK_SCOPE_SIGNAL) {
		return unix.EPERM
	}
	return nil
}

// MM is the process's address space.
func (p *Process) MM() *MM { return p.mm }

// Kernel returns the kernel the process runs on.
func (p *Process) Kernel() *Kernel { return p.k }

// Files is the process's descriptor table.
func (p *Process) Files() *FDTable { return p.files }

// SigAction returns the disposition of sig (1..64).
func (p *Process) SigAction(sig int) SigAction {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sigacts[sig]
}

// SetSigAction records a new disposition and returns the old one.
func (p *Process) SetSigAction(sig int, a SigAction) SigAction {
	p.mu.Lock()
	defer p.mu.Unlock()
	old := p.sigacts[sig]
	p.sigacts[sig] = a
	return old
}

// Rlimit returns a resource limit.
func (p *Process) Rlimit(res int) Rlimit {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r, ok := p.rlimits[res]; ok {
		return r
	}
	return Rlimit{unix.RLIM_INFINITY, unix.RLIM_INFINITY}
}

// SetRlimit sets a resource limit. RLIMIT_NOFILE's soft limit is also
// the bound of the descriptor table from now on (Linux checks
// rlimit(RLIMIT_NOFILE) when it allocates a descriptor): Go raises it to
// the hard limit at start-up and expects to open more than 1,024 files.
// Descriptors already above a lowered limit stay open, as in Linux.
func (p *Process) SetRlimit(res int, r Rlimit) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rlimits[res] = r
	if res == unix.RLIMIT_NOFILE && p.files != nil {
		p.files.SetLimit(fdLimitOf(r))
	}
}

// fdLimitOf is the descriptor table bound for an RLIMIT_NOFILE value:
// its soft limit, at most Linux's default fs.nr_open (1,048,576).
func fdLimitOf(r Rlimit) int { return int(min(r.Cur, nrOpen)) }

// nrOpen is Linux's default fs.nr_open, the most descriptors a table can
// have whatever RLIMIT_NOFILE says.
const nrOpen = 1 << 20

func defaultRlimits() map[int]Rlimit {
	return map[int]Rlimit{
		unix.RLIMIT_STACK:      {8 << 20, unix.RLIM_INFINITY},
		unix.RLIMIT_NOFILE:     {DefaultFDLimit, nrOpen},
		unix.RLIMIT_CORE:       {0, unix.RLIM_INFINITY},
		unix.RLIMIT_NPROC:      {63704, 63704},
		unix.RLIMIT_MEMLOCK:    {8 << 20, 8 << 20},
		unix.RLIMIT_SIGPENDING: {63704, 63704},
		unix.RLIMIT_MSGQUEUE:   {819200, 819200},
		unix.RLIMIT_RTPRIO:     {0, 0},
		unix.RLIMIT_NICE:       {0, 0},
	}
}

// exit ends the whole thread group with a wait status (shell style).
func (p *Process) exit(status int) {
	p.mu.Lock()
	if p.exiting.Load() {
		p.mu.Unlock()
		return
	}
	p.exiting.Store(true)
	p.status = status
	p.mu.Unlock()
	p.endStop()
	p.mu.Lock()
	tasks := make([]*Task, 0, len(p.tasks))
	for _, t := range p.tasks {
		tasks = append(tasks, t)
	}
	p.mu.Unlock()
	for _, t := range tasks {
		t.traceExit(p.waitStatus())
		t.notify()
	}
	p.mu.Lock()
	timers := []*Timer{p.realTimer, p.virtTimer, p.profTimer}
	for _, tm := range p.timers {
		timers = append(timers, tm)
	}
	p.mu.Unlock()
	for _, tm := range timers {
		if tm != nil {
			tm.Set(0, 0)
		}
	}
	p.runExitHooks()
	p.deliverParentDeath()
	p.orphanChildren()
	p.files.Release()
	// The address space goes with its last process (on the isolated
	// platform the stub is killed: threads still in app code stop).
	p.mm.drop(p.PID)
	p.closeOnce.Do(func() { close(p.done) })
	p.exited()
}

// Exiting reports whether exit_group or a fatal signal ended the process.
func (p *Process) Exiting() bool { return p.exiting.Load() }
