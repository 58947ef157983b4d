package process

import (
	"strings"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
)

func registerExec(tb *shim.Table) {
	tb.Register(unix.SYS_EXECVE, shim.Partial, "from any thread: the other threads end first and a non-leader caller takes the process ID as its thread ID (de_thread); #! scripts (5 levels, then ELOOP); the new image is checked before the old one goes (ENOENT, EACCES, ENOEXEC, ELIBBAD, EPERM and the caller goes on); a vfork child gets its own address space (programs linked at a fixed address cannot load twice in one process)", sysExecve)
	tb.Register(unix.SYS_EXECVEAT, shim.Partial, "as execve; relative to a directory descriptor and AT_EMPTY_PATH (fexecve) find the file again by the descriptor's name; AT_SYMLINK_NOFOLLOW is accepted but not enforced", sysExecveat)
	tb.Register(unix.SYS_VFORK, shim.Partial, "the child shares the parent's memory until it execs or exits, as Linux does; the parent waits", sysVfork)
	tb.Register(unix.SYS_FORK, shim.Partial, "the child gets a copy-on-write copy of the caller's memory and thread; in-process, the child runs in a stub process of the isolated platform (docs/fork.md)", sysFork)
	tb.Register(unix.SYS_WAIT4, shim.Partial, "exited, killed, stopped (WUNTRACED) and continued (WCONTINUED) children of a pid, any, the caller's group (0) or a group (-pgid); WNOHANG; __WCLONE, __WALL and __WNOTHREAD choose children as Linux does (a clone child has an exit signal other than SIGCHLD); rusage is zero", sysWait4)
	tb.Register(unix.SYS_WAITID, shim.Partial, "P_PID, P_ALL, P_PGID (0: the caller's group), P_PIDFD; WEXITED, WSTOPPED, WCONTINUED with WNOHANG and WNOWAIT; __WCLONE, __WALL, __WNOTHREAD as for wait4; rusage is zero", sysWaitid)
}

const maxArgs = 1 << 16

// stringArray reads a NULL-terminated array of string pointers.
func stringArray(t *kernel.Task, addr uint64) ([]string, error) {
	var out []string
	if addr == 0 {
		return nil, nil
	}
	total := 0
	for i := 0; i < maxArgs; i++ {
		var p uint64
		if err := kernel.CopyInStruct(t, addr+uint64(8*i), &p); err != nil {
			return nil, err
		}
		if p == 0 {
			return out, nil
		}
		s, err := t.CopyInString(p, 128<<10)
		if err != nil {
			return nil, err
		}
		total += len(s) + 1
		if total > 2<<20 {
			return nil, unix.E2BIG
		}
		out = append(out, s)
	}
	return nil, unix.E2BIG
}

func execve(t *kernel.Task, pathAddr, argvAddr, envpAddr uint64) (uint64, error) {
	path, err := t.CopyInString(pathAddr, 4096)
	if err != nil {
		return 0, err
	}
	argv, err := stringArray(t, argvAddr)
	if err != nil {
		return 0, err
	}
	envp, err := stringArray(t, envpAddr)
	if err != nil {
		return 0, err
	}
	return 0, t.Execve(path, argv, envp)
}

func sysExecve(t *kernel.Task, a shim.Args) (uint64, error) { return execve(t, a[0], a[1], a[2]) }

// sysExecveat is execveat(2): the path relative to dirfd, or with
// AT_EMPTY_PATH and an empty path the file dirfd refers to (fexecve). The
// file is found again by the name the descriptor has, so a file renamed or
// removed since it was opened cannot be executed through it.
func sysExecveat(t *kernel.Task, a shim.Args) (uint64, error) {
	dirfd, flags := a.Int(0), a.Int(4)
	if flags&^(unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW) != 0 {
		return 0, unix.EINVAL
	}
	path, err := t.CopyInString(a[1], unix.PathMax)
	if err != nil {
		return 0, err
	}
	if dirfd == unix.AT_FDCWD || strings.HasPrefix(path, "/") {
		return execve(t, a[1], a[2], a[3])
	}
	base, ok := t.FDName(dirfd)
	if !ok || !strings.HasPrefix(base, "/") {
		return 0, unix.EBADF
	}
	full := base
	switch {
	case path == "" && flags&unix.AT_EMPTY_PATH == 0:
		return 0, unix.ENOENT
	case path != "":
		full = base + "/" + path
	}
	argv, err := stringArray(t, a[2])
	if err != nil {
		return 0, err
	}
	envp, err := stringArray(t, a[3])
	if err != nil {
		return 0, err
	}
	return 0, t.Execve(full, argv, envp)
}

func sysVfork(t *kernel.Task, a shim.Args) (uint64, error) {
	pid, err := t.Clone(kernel.CloneArgs{Flags: unix.CLONE_VM | unix.CLONE_VFORK, ExitSignal: int(unix.SIGCHLD)})
	return uint64(pid), err
}

func sysFork(t *kernel.Task, a shim.Args) (uint64, error) {
	pid, err := t.Clone(kernel.CloneArgs{ExitSignal: int(unix.SIGCHLD)})
	return uint64(pid), err
}

func sysWait4(t *kernel.Task, a shim.Args) (uint64, error) {
	// The options are an unsigned int: __WCLONE is bit 31.
	pid, options := a.Int(0), int(uint32(a[2]))
	if options&^(unix.WNOHANG|unix.WUNTRACED|unix.WCONTINUED|unix.WALL|unix.WCLONE|unix.WNOTHREAD) != 0 {
		return 0, unix.EINVAL
	}
	got, status, err := t.Wait4(pid, options)
	if err != nil || got == 0 {
		return 0, err
	}
	if a[1] != 0 {
		if err := kernel.CopyOutValue(t, a[1], int32(status)); err != nil {
			return 0, err
		}
	}
	if a[3] != 0 {
		var ru unix.Rusage
		if err := kernel.CopyOutStruct(t, a[3], &ru); err != nil {
			return 0, err
		}
	}
	return uint64(got), nil
}

const (
	pAll    = 0
	pPID    = 1
	pPGID   = 2
	pPIDFD  = 3
	wExited = 4
	wNoWait = 0x01000000
)

func sysWaitid(t *kernel.Task, a shim.Args) (uint64, error) {
	idtype, id, infop, options := a.Int(0), a.Int(1), a[2], int(uint32(a[3]))
	if options&(wExited|unix.WSTOPPED|unix.WCONTINUED) == 0 || options&^(wExited|unix.WNOHANG|wNoWait|unix.WSTOPPED|unix.WCONTINUED|unix.WALL|unix.WCLONE|unix.WNOTHREAD) != 0 {
		return 0, unix.EINVAL
	}
	pid := -1
	switch idtype {
	case pPID:
		pid = id
	case pPGID:
		// pid 0 is the caller's group, as for wait4; -id is group id.
		if id < 0 {
			return 0, unix.EINVAL
		}
		pid = -id
	case pPIDFD:
		p, err := pidfdProcess(t, id)
		if err != nil {
			return 0, err
		}
		pid = p.PID
	case pAll:
	default:
		return 0, unix.EINVAL
	}
	got, status, err := t.WaitChild(pid, options, options&wNoWait == 0)
	if got != 0 && a[4] != 0 {
		var ru unix.Rusage
		if err := kernel.CopyOutStruct(t, a[4], &ru); err != nil {
			return 0, err
		}
	}
	if infop == 0 {
		return 0, err
	}
	// Like the kernel, write only signo, errno, code, pid, uid and status
	// (zero when nothing was found, and on errors too): the rest of the
	// app's siginfo is left as it was.
	var head siginfoHead
	var child siginfoChild
	if got != 0 {
		code, st := childCode(status)
		head = siginfoHead{Signo: int32(unix.SIGCHLD), Code: int32(code)}
		child = siginfoChild{Pid: int32(got), Uid: t.Process().UID, Status: int32(st)}
	}
	if err := kernel.CopyOutStruct(t, infop, &head); err != nil {
		return 0, err
	}
	if err := kernel.CopyOutStruct(t, infop+siginfoUnionOffset, &child); err != nil {
		return 0, err
	}
	return 0, err
}

// childCode turns a wait status into waitid's si_code and si_status.
func childCode(status int) (code, st int) {
	ws := unix.WaitStatus(status)
	switch {
	case ws.Continued():
		return linux.CLD_CONTINUED, int(unix.SIGCONT)
	case ws.Stopped():
		return linux.CLD_STOPPED, int(ws.StopSignal())
	case ws.Signaled():
		return linux.CLD_KILLED, int(ws.Signal())
	}
	return linux.CLD_EXITED, ws.ExitStatus()
}

// siginfoUnionOffset is where siginfo's union (here its SIGCHLD member)
// starts, after the header and 4 bytes of padding.
const siginfoUnionOffset = 16

// siginfoHead is the header of a siginfo: si_signo, si_errno, si_code.
type siginfoHead struct{ Signo, Errno, Code int32 }

// siginfoChild is the start of siginfo's SIGCHLD member as waitid writes
// it: si_pid, si_uid, si_status (not the times that follow).
type siginfoChild struct {
	Pid    int32
	Uid    uint32
	Status int32
}
