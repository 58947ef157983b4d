package kernel

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/procfs"
)

// ProcProvider is the kernel as procfs sees it.
func (k *Kernel) ProcProvider() procfs.Provider { return procProvider{k} }

type procProvider struct{ k *Kernel }

// ProcDirProcess reports the process f is the /proc/PID directory of (an
// open directory of the app's procfs), which Linux's pidfd_send_signal
// takes in place of a pidfd.
func ProcDirProcess(f File) (*Process, bool) {
	v, ok := f.(*VFSFile)
	if !ok || !v.F.Location().Valid() {
		return nil, false
	}
	pp, ok := procfs.ProcessOfDir(v.F.Location().Dentry.Inode())
	if !ok {
		return nil, false
	}
	view, ok := pp.(procView)
	return view.p, ok
}

func (pp procProvider) PIDs() []int {
	pp.k.mu.Lock()
	defer pp.k.mu.Unlock()
	out := make([]int, 0, len(pp.k.processes))
	for pid, p := range pp.k.processes {
		if !p.Exiting() {
			out = append(out, pid)
		}
	}
	sort.Ints(out)
	return out
}

func (pp procProvider) Process(pid int) (procfs.Process, bool) {
	p := pp.k.ProcessByPID(pid)
	if p == nil || p.Exiting() {
		return nil, false
	}
	return procView{p}, true
}

func (pp procProvider) Hostname() string { return pp.k.Hostname() }

// LeaseBreakTime implements procfs.LeaseTimer: the VFS's lease-break
// time (/proc/sys/fs/lease-break-time).
func (pp procProvider) LeaseBreakTime() int {
	if v := pp.k.VFS(); v != nil {
		return v.LeaseBreakTime()
	}
	return vfs.DefaultLeaseBreakTime
}

// SetLeaseBreakTime implements procfs.LeaseTimer.
func (pp procProvider) SetLeaseBreakTime(seconds int) {
	if v := pp.k.VFS(); v != nil {
		v.SetLeaseBreakTime(seconds)
	}
}

func (pp procProvider) OSRelease() string {
	var u unix.Utsname
	unix.Uname(&u)
	return unix.ByteSliceToString(u.Release[:])
}

func (pp procProvider) BootTime() time.Time { return pp.k.bootTime }

// SyscallServed implements procfs.SyscallServer (/proc/config.gz) when
// the syscall dispatcher can tell which calls it serves.
func (pp procProvider) SyscallServed(nr uint64) (served, known bool) {
	if s, ok := pp.k.cfg.Syscalls.(interface{ Served(nr uint64) bool }); ok {
		return s.Served(nr), true
	}
	return false, false
}

// Mounts lists the mount tree of the kernel's vfs (what mount(2) and the
// new mount API change), else the configured table.
func (pp procProvider) Mounts() []procfs.Mount {
	if v := pp.k.cfg.VFS; v != nil {
		return mountLines(v, v.NewContext())
	}
	if pp.k.cfg.Mounts == nil {
		return nil
	}
	return pp.k.cfg.Mounts()
}

// MountsOf implements procfs.ProcessMounts: the mounts seen from the
// process's root.
func (pp procProvider) MountsOf(p procfs.Process) []procfs.Mount {
	v, ctx := pp.k.cfg.VFS, p.FS()
	if v == nil || ctx == nil {
		return pp.Mounts()
	}
	return mountLines(v, ctx)
}

func mountLines(v *vfs.VFS, ctx *vfs.Context) []procfs.Mount {
	var out []procfs.Mount
	for _, mi := range v.Mounts(ctx) {
		out = append(out, procfs.MountFromInfo(mi))
	}
	return out
}

type procView struct{ p *Process }

// SignalSets implements procfs.SignalSets: thread tid's pending and
// blocked sets (the leader's when tid is not a thread of the process),
// the shared pending set, and the ignored and caught signals.
func (v procView) SignalSets(tid int) [5]uint64 {
	p := v.p
	var out [5]uint64
	p.mu.Lock()
	t := p.tasks[tid]
	if t == nil {
		t = p.leader
	}
	for sig := 1; sig < len(p.sigacts); sig++ {
		switch p.sigacts[sig].Handler {
		case linux.SIG_DFL:
		case linux.SIG_IGN:
			out[3] |= sigBit(sig)
		default:
			out[4] |= sigBit(sig)
		}
	}
	p.mu.Unlock()
	p.sigMu.Lock()
	if t != nil {
		out[0], out[2] = t.sig.pending.mask, t.SigMask
	}
	out[1] = p.shared.mask
	p.sigMu.Unlock()
	return out
}

// OOMScoreAdj implements procfs.OOMAdjuster.
func (v procView) OOMScoreAdj() int { return v.p.OOMScoreAdj() }

// SetOOMScoreAdj implements procfs.OOMAdjuster.
func (v procView) SetOOMScoreAdj(n int) error { return v.p.SetOOMScoreAdj(n) }

func (v procView) PID() int { return v.p.PID }

// ProcessGroup and Session implement procfs.Groups.
func (v procView) ProcessGroup() int { return v.p.ProcessGroup() }
func (v procView) Session() int      { return v.p.Session() }
func (v procView) PPID() int         { return v.p.PPID() }

func (v procView) TIDs() []int {
	v.p.mu.Lock()
	defer v.p.mu.Unlock()
	out := make([]int, 0, len(v.p.tasks))
	for tid := range v.p.tasks {
		out = append(out, tid)
	}
	sort.Ints(out)
	return out
}

func (v procView) Comm() string {
	v.p.mu.Lock()
	leader := v.p.leader
	v.p.mu.Unlock()
	if leader != nil && leader.Name != "" {
		return leader.Name
	}
	return execName(v.p)
}

// execName is the name exec gives a process: the last element of the
// program's path, cut to 15 bytes.
func execName(p *Process) string {
	name := p.ExecPath
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	if len(name) > 15 {
		name = name[:15]
	}
	return name
}

// Comm is the thread's name as PR_GET_NAME reports it: the one it set
// (or inherited), else the program's file name as exec set it.
func (t *Task) Comm() string {
	if t.Name != "" {
		return t.Name
	}
	return execName(t.p)
}

func (v procView) Cmdline() []string { return v.p.Argv }
func (v procView) Environ() []string { return v.p.Envp }
func (v procView) Auxv() []uint64    { return v.p.Auxv }

func (v procView) ExePath() string { return v.p.ExePath }

// ExeLocation is the executable file itself, which /proc/PID/exe jumps to
// even once it has been renamed or removed.
func (v procView) ExeLocation() (vfs.Location, bool) { return v.p.exeLoc, v.p.exeLoc.Valid() }

func (v procView) FS() *vfs.Context { return v.p.FS }

func (v procView) FDs() []procfs.FD {
	ft := v.p.files
	var out []procfs.FD
	for _, fd := range ft.Fds() {
		if e, ok := describeFD(ft, fd); ok {
			out = append(out, e)
		}
	}
	return out
}

// describeFD is one /proc/PID/fd entry (false if fd closed meanwhile).
func describeFD(ft *FDTable, fd int) (procfs.FD, bool) {
	f, err := ft.GetForeign(fd)
	if err != nil {
		return procfs.FD{}, false
	}
	defer f.DecRef()
	e := procfs.FD{FD: fd}
	if ff, ok := f.(FlagFile); ok {
		e.Flags = ff.StatusFlags()
	}
	if on, _ := ft.CloseOnExec(fd); on {
		e.Flags |= unix.O_CLOEXEC
	}
	switch f := f.(type) {
	case *VFSFile:
		loc := f.F.Location()
		e.Location = &loc
		e.Name = f.Name()
		e.Pos, _ = f.F.PeekOffset()
	case Pollable:
		e.Name = hostObjectName(f.HostFD())
	case interface{ Name() string }:
		e.Name = f.Name() // in-memory objects (inotify)
	default:
		e.Name = "anon_inode:[unknown]"
	}
	return e, true
}

// hostObjectName names a host-backed descriptor as Linux's /proc does.
func hostObjectName(fd int) string {
	var st unix.Stat_t
	if unix.Fstat(fd, &st) == nil {
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFIFO:
			return fmt.Sprintf("pipe:[%d]", st.Ino)
		case unix.S_IFSOCK:
			return fmt.Sprintf("socket:[%d]", st.Ino)
		}
	}
	if target, err := readlinkHost(fd); err == nil && (strings.HasPrefix(target, "anon_inode:") || strings.HasPrefix(target, "/secretmem")) {
		return target // the host names these objects exactly
	}
	return "/dev/pts/0"
}

func readlinkHost(fd int) (string, error) {
	buf := make([]byte, 256)
	n, err := unix.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd), buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

func (v procView) Maps() []procfs.Mapping {
	var out []procfs.Mapping
	for _, m := range v.p.mm.VMAs() {
		if m.Name == "[stack guard]" {
			m.Name = ""
		}
		out = append(out, procfs.Mapping{Start: m.Start, End: m.End, Prot: m.Prot, Shared: m.Shared, Offset: m.FileOff, Path: m.Name})
	}
	return out
}

func (v procView) UID() uint32 { return v.p.UID }
func (v procView) GID() uint32 { return v.p.GID }

// UIDs implements procfs.Identity.
func (v procView) UIDs() [4]uint32 {
	c := v.p.Creds()
	return [4]uint32{c.RUID, c.EUID, c.SUID, c.FSUID}
}

// GIDs implements procfs.Identity.
func (v procView) GIDs() [4]uint32 {
	c := v.p.Creds()
	return [4]uint32{c.RGID, c.EGID, c.SGID, c.FSGID}
}

// Caps implements procfs.Identity.
func (v procView) Caps() [5]uint64 {
	c := v.p.Creds()
	return [5]uint64{c.Inheritable, c.Permitted, c.Effective, c.Bounding, c.Ambient}
}

func (v procView) VMSize() uint64 {
	var n uint64
	for _, m := range v.p.mm.VMAs() {
		n += m.End - m.Start
	}
	return n
}

func (v procView) RSS() uint64 {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return uint64(ru.Maxrss) * 1024
}

func (v procView) Threads() int         { return len(v.TIDs()) }
func (v procView) State() string        { return v.p.stateLetter() }
func (v procView) StartTime() time.Time { return v.p.startTime }

// FDName is what /proc/self/fd/FD links to for the task's descriptor fd
// ("/etc/hostname", "pipe:[1234]"), and the working directory for
// AT_FDCWD, for a tracer's strace -y; false when fd is not open.
func (t *Task) FDName(fd int) (string, bool) {
	if fd == unix.AT_FDCWD {
		if t.p.FS == nil {
			return "", false
		}
		cwd, err := vfs.Getcwd(t.p.FS)
		return cwd, err == nil
	}
	e, ok := describeFD(t.p.files, fd)
	if !ok || e.Name == "" {
		return "", false
	}
	return e.Name, true
}

// NetText implements procfs.NetFiles: with --net=sandbox, /proc/net's
// files describe the app's own stack; otherwise the host's are shown.
func (pp procProvider) NetText(name string) ([]byte, bool) {
	if pp.k.Net() != NetSandbox || pp.k.Sandbox() == nil {
		return nil, false
	}
	return pp.k.Sandbox().ProcNet(name)
}
