package kernel

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/arch/amd64"
	"github.com/elfloader/elfloader/vfs"
)

// family is a process's place among its relatives: the parent that waits
// for it, the children it waits for, and the vfork handshake.
type family struct {
	mu         sync.Mutex
	parent     *Process
	children   map[int]*Process
	childEvent chan struct{} // a child changed state (buffered, 1)
	exitSignal int           // sent to the parent at exit (SIGCHLD)
	termSig    int           // the signal that killed the process, 0 if it exited
	zombie     bool
	vforkDone  chan struct{} // closed when a vfork child execs or exits
	sharedMM   bool          // a vfork child still borrowing its parent's memory
}

// killedBy ends the process as killed by sig (wait status: the signal).
func (p *Process) killedBy(sig int) {
	p.family.mu.Lock()
	p.family.termSig = sig
	p.family.mu.Unlock()
	p.exit(128 + sig)
}

// waitStatus is the status wait4 reports for the ended process.
func (p *Process) waitStatus() int {
	p.family.mu.Lock()
	sig := p.family.termSig
	p.family.mu.Unlock()
	if sig != 0 {
		return sig
	}
	return (p.status & 0xff) << 8
}

// exited tells the parent (SIGCHLD, wait4) and releases a vfork parent.
func (p *Process) exited() {
	f := &p.family
	f.mu.Lock()
	parent := f.parent
	f.zombie = true
	if f.vforkDone != nil {
		close(f.vforkDone)
		f.vforkDone = nil
	}
	sig := f.exitSignal
	f.mu.Unlock()
	if parent == nil {
		return
	}
	if sig > 0 {
		si := NewSigInfo(sig, 1) // CLD_EXITED
		si.SetSender(p.PID, p.UID)
		parent.SendSignal(si)
	}
	parent.family.mu.Lock()
	ev := parent.family.childEvent
	parent.family.mu.Unlock()
	if ev != nil {
		select {
		case ev <- struct{}{}:
		default:
		}
	}
}

// Fork returns a copy of the table for a new process: the same open file
// descriptions, the same close-on-exec flags.
func (ft *FDTable) Fork(owner *Process) *FDTable {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	n := &FDTable{fds: map[int]*fdEntry{}, limit: ft.limit, owner: owner}
	for fd, e := range ft.fds {
		*e.refs++
		n.fds[fd] = &fdEntry{file: e.file, cloexec: e.cloexec, refs: e.refs}
	}
	return n
}

// CloseOnExec closes the descriptors marked close-on-exec.
func (ft *FDTable) CloseOnExec() {
	for _, fd := range ft.Fds() {
		if on, _ := ft.CloexecOf(fd); on {
			ft.Close(fd)
		}
	}
}

// spawn creates a child process that shares the caller's memory until it
// execs (vfork, posix_spawn: clone with CLONE_VM and not CLONE_THREAD).
// A parent that asked for CLONE_VFORK waits until then.
func (t *Task) spawn(a CloneArgs) (int, error) {
	p := t.p
	pid := t.k.allocPID()
	child := &Process{
		k: t.k, PID: pid, PPID: p.PID, mm: p.mm,
		UID: p.UID, GID: p.GID, Umask: p.Umask,
		Argv: p.Argv, Envp: p.Envp, ExecPath: p.ExecPath, ExePath: p.ExePath, Auxv: p.Auxv,
		tasks: map[int]*Task{}, done: make(chan struct{}), startTime: time.Now(),
	}
	if p.FS != nil {
		child.FS = p.FS.Fork()
		child.FS.PID = pid
	}
	p.mu.Lock()
	child.sigacts = p.sigacts
	child.xfeatureExtra.Store(p.xfeatureExtra.Load())
	child.rlimits = map[int]Rlimit{}
	for k, v := range p.rlimits {
		child.rlimits[k] = v
	}
	p.mu.Unlock()
	if a.Flags&CLONE_FILES != 0 {
		return 0, unix.EINVAL // a shared table across processes is not supported
	}
	child.files = p.files.Fork(child)
	child.family = family{parent: p, exitSignal: a.ExitSignal, sharedMM: true}
	var done chan struct{}
	if a.Flags&CLONE_VFORK != 0 {
		done = make(chan struct{})
		child.family.vforkDone = done
	}
	p.family.mu.Lock()
	if p.family.children == nil {
		p.family.children = map[int]*Process{}
		p.family.childEvent = make(chan struct{}, 1)
	}
	p.family.children[pid] = child
	p.family.mu.Unlock()

	nt := newTask(t.k, child, pid)
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
	if a.Flags&CLONE_CHILD_CLEARTID != 0 {
		nt.ClearChildTID = a.ChildTID
	}
	if a.Flags&CLONE_PARENT_SETTID != 0 {
		if err := putU32(t, a.ParentTID, uint32(pid)); err != nil {
			return 0, err
		}
	}
	child.tasks[pid] = nt
	child.leader = nt
	t.k.mu.Lock()
	t.k.processes[pid] = child
	t.k.tasks[pid] = nt
	t.k.mu.Unlock()
	go nt.run()
	if done != nil {
		<-done // vfork: the parent sleeps until the child execs or exits
	}
	return pid, nil
}

// Wait4 waits for a child (pid > 0: that one; -1 or 0: any) to end and
// reaps it, returning its pid and wait status. WNOHANG returns 0 at once
// when no child has ended.
func (t *Task) Wait4(pid int, options int) (int, int, error) {
	return t.WaitChild(pid, options, true)
}

// WaitChild is Wait4 with the choice not to reap (waitid's WNOWAIT).
func (t *Task) WaitChild(pid int, options int, reap bool) (int, int, error) {
	p := t.p
	for {
		f := &p.family
		f.mu.Lock()
		if len(f.children) == 0 {
			f.mu.Unlock()
			return 0, 0, unix.ECHILD
		}
		found := false
		for cpid, c := range f.children {
			if pid > 0 && cpid != pid {
				continue
			}
			found = true
			c.family.mu.Lock()
			z := c.family.zombie
			c.family.mu.Unlock()
			if z {
				if !reap {
					f.mu.Unlock()
					return cpid, c.waitStatus(), nil
				}
				delete(f.children, cpid)
				f.mu.Unlock()
				t.k.mu.Lock()
				delete(t.k.processes, cpid)
				t.k.mu.Unlock()
				return cpid, c.waitStatus(), nil
			}
		}
		ev := f.childEvent
		f.mu.Unlock()
		if !found {
			return 0, 0, unix.ECHILD
		}
		if options&unix.WNOHANG != 0 {
			return 0, 0, nil
		}
		if err := t.Block(ev, time.Time{}); err != nil {
			return 0, 0, err
		}
	}
}

// Execve replaces the process's program (execve(2)). The process must be
// single-threaded. A vfork child gets an address space of its own and
// releases its parent.
func (t *Task) Execve(path string, argv, envp []string) error {
	p := t.p
	p.mu.Lock()
	threads := len(p.tasks)
	p.mu.Unlock()
	if threads > 1 {
		t.k.reportOnce("execve-threads", "elfloader: execve from a multi-threaded process is not supported yet: answered EAGAIN\n")
		return unix.EAGAIN
	}
	open := openHost
	if p.FS != nil {
		open = func(path string) (ReaderAtCloser, error) { return openVFS(p.FS, path) }
	}
	path, argv, err := resolveShebang(open, path, argv)
	if err != nil {
		return err
	}
	p.family.mu.Lock()
	shared := p.family.sharedMM
	p.family.mu.Unlock()
	old := p.mm
	if !shared {
		// Past this point there is no way back: the old image goes first
		// so that a program linked at the same address can load.
		for _, v := range old.VMAs() {
			old.Unmap(v.Start, v.End-v.Start)
		}
	}
	img, err := t.k.loadImage(open, path, argv, envp, p.UID, p.GID)
	if err != nil {
		if !shared {
			t.KillBySignal(int(unix.SIGSEGV))
			return nil
		}
		var le *LoadError
		if isNotExist(err) || (errors.As(err, &le) && le.Missing) {
			return unix.ENOENT
		}
		return unix.ENOEXEC
	}
	p.mm = img.mm
	if t.k.cfg.Rewriter != nil {
		img.mm.SetRewriter(t.k.cfg.Rewriter, codeMemory{p})
	}
	p.Argv, p.Envp, p.ExecPath, p.ExePath = argv, envp, path, path
	if p.FS != nil {
		if loc, err := vfs.ResolveAt(p.FS, p.FS.Cwd, path, 0); err == nil {
			if full, err := vfs.PathOf(p.FS, loc); err == nil {
				p.ExePath = full
			}
		}
	}
	p.Auxv = nil
	for _, a := range img.auxv {
		p.Auxv = append(p.Auxv, a.Type, a.Value)
	}
	p.files.CloseOnExec()
	p.mu.Lock()
	for i := range p.sigacts {
		if p.sigacts[i].Handler != SIG_IGN {
			p.sigacts[i] = SigAction{}
		}
	}
	p.mu.Unlock()
	t.AltStack = AltStack{}
	t.RobustList, t.RobustLen, t.ClearChildTID = 0, 0, 0
	t.Name = ""
	r := t.Regs()
	*r = amd64.Regs{Rip: img.entry, Rsp: img.sp, Eflags: 0x202}
	t.restoreFP(0)
	p.family.mu.Lock()
	p.family.sharedMM = false
	if p.family.vforkDone != nil {
		close(p.family.vforkDone)
		p.family.vforkDone = nil
	}
	p.family.mu.Unlock()
	t.SetSkipReturn()
	return nil
}

// resolveShebang turns a "#!" script into its interpreter's command line.
func resolveShebang(open func(string) (ReaderAtCloser, error), path string, argv []string) (string, []string, error) {
	for depth := 0; depth < 4; depth++ {
		f, err := open(path)
		if err != nil {
			if isNotExist(err) {
				return "", nil, unix.ENOENT
			}
			return "", nil, unix.EACCES
		}
		head := make([]byte, 256)
		n, _ := f.ReadAt(head, 0)
		f.Close()
		head = head[:n]
		if n < 2 || head[0] != '#' || head[1] != '!' {
			return path, argv, nil
		}
		line := string(head[2:])
		if i := strings.IndexByte(line, '\n'); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			return "", nil, unix.ENOEXEC
		}
		interp := fields[0]
		nargv := []string{interp}
		if len(fields) > 1 {
			nargv = append(nargv, strings.Join(fields[1:], " "))
		}
		nargv = append(nargv, path)
		if len(argv) > 1 {
			nargv = append(nargv, argv[1:]...)
		}
		path, argv = interp, nargv
	}
	return "", nil, fmt.Errorf("%s: too many interpreter levels: %w", path, unix.ELOOP)
}
