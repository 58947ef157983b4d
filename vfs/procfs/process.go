package procfs

import (
	"slices"
	"strconv"
	"strings"

	"github.com/elfloader/elfloader/vfs"
	"golang.org/x/sys/unix"
)

// thread names what a process directory shows: /proc/PID (tid == pid,
// task == false) or /proc/PID/task/TID (task == true).
type thread struct {
	pid, tid int
	task     bool
}

func (t thread) ino(index int) uint64 {
	if t.task {
		return dynIno(kindTask, t.pid, t.tid, index)
	}
	return dynIno(kindPID, t.pid, 0, index)
}

// processEntry is one entry of a process directory. index is fixed per
// name (it is part of the inode number).
type processEntry struct {
	name   string
	index  int
	inTask bool // also shown in /proc/PID/task/TID
	make   func(fs *FS, t thread, a attrs) vfs.Inode
}

// processEntries lists a process directory in Linux's (alphabetical)
// order.
func processEntries() []processEntry {
	file := func(perm uint32, gen func(fs *FS, p Process, t thread) ([]byte, error)) func(*FS, thread, attrs) vfs.Inode {
		return func(fs *FS, t thread, a attrs) vfs.Inode {
			a.mode = unix.S_IFREG | perm
			return &fileNode{attrs: a, generate: func() ([]byte, error) {
				p, err := fs.process(t.pid)
				if err != nil {
					return nil, err
				}
				return gen(fs, p, t)
			}}
		}
	}
	return []processEntry{
		{"auxv", 1, true, file(0o400, func(_ *FS, p Process, _ thread) ([]byte, error) { return auxvBytes(p.Auxv()), nil })},
		{"cgroup", 2, true, file(0o444, func(*FS, Process, thread) ([]byte, error) { return []byte("0::/\n"), nil })},
		{"cmdline", 3, true, file(0o444, func(_ *FS, p Process, _ thread) ([]byte, error) { return nulJoin(p.Cmdline()), nil })},
		{"comm", 4, true, file(0o644, func(_ *FS, p Process, _ thread) ([]byte, error) { return []byte(commName(p.Comm()) + "\n"), nil })},
		{"cwd", 5, true, (*FS).cwdLink},
		{"environ", 6, true, file(0o400, func(_ *FS, p Process, _ thread) ([]byte, error) { return nulJoin(p.Environ()), nil })},
		{"exe", 7, true, (*FS).exeLink},
		{"fd", 8, false, (*FS).fdDir},
		{"fdinfo", 9, false, (*FS).fdinfoDir},
		{"maps", 10, true, file(0o444, func(_ *FS, p Process, _ thread) ([]byte, error) { return mapsText(p.Maps()), nil })},
		{"mountinfo", 11, true, file(0o444, func(fs *FS, p Process, _ thread) ([]byte, error) { return mountinfoText(fs.mountsOf(p)), nil })},
		{"mounts", 12, true, file(0o444, func(fs *FS, p Process, _ thread) ([]byte, error) { return mountsText(fs.mountsOf(p)), nil })},
		{"oom_score_adj", 13, true, (*FS).oomScoreAdj},
		{"personality", 19, true, file(0o400, func(_ *FS, p Process, t thread) ([]byte, error) { return personalityText(p, t.tid), nil })},
		{"root", 14, true, (*FS).rootLink},
		{"stat", 15, true, file(0o444, func(fs *FS, p Process, t thread) ([]byte, error) { return fs.statText(p, t.tid), nil })},
		{"statm", 16, true, file(0o444, func(_ *FS, p Process, _ thread) ([]byte, error) { return statmText(p), nil })},
		{"status", 17, true, file(0o444, func(_ *FS, p Process, t thread) ([]byte, error) { return statusText(p, t.tid), nil })},
		{"task", 18, false, (*FS).taskDir},
	}
}

// process returns the live process pid, or ESRCH once it has gone (an
// open directory or a cached dentry can outlive it).
func (fs *FS) process(pid int) (Process, error) {
	p, ok := fs.prov.Process(pid)
	if !ok {
		return nil, unix.ESRCH
	}
	return p, nil
}

// processAttrs are the attributes of the inodes of p's directory: owned
// by the process's user, stamped with its start time.
func (fs *FS) processAttrs(p Process, ino uint64, mode uint32) attrs {
	return attrs{fs: fs, ino: ino, mode: mode, uid: p.UID(), gid: p.GID(), time: p.StartTime()}
}

// processDir is /proc/PID.
func (fs *FS) processDir(p Process) *dirNode {
	d := fs.threadDir(p, thread{pid: p.PID(), tid: p.PID()})
	d.proc = p
	return d
}

// ProcessOfDir reports the process whose /proc/PID directory in is (not
// /proc/PID/task/TID): an open descriptor of one names that process, not
// a later one with the same number, to pidfd_send_signal, as on Linux.
func ProcessOfDir(in vfs.Inode) (Process, bool) {
	d, ok := in.(*dirNode)
	if !ok || d.proc == nil {
		return nil, false
	}
	return d.proc, true
}

// threadDir is /proc/PID or /proc/PID/task/TID. Its entries are looked
// up anew each time, so a cached directory always shows the live state.
func (fs *FS) threadDir(p Process, t thread) *dirNode {
	d := &dirNode{attrs: fs.processAttrs(p, t.ino(0), unix.S_IFDIR|0o555)}
	d.children = func() ([]entry, error) {
		p, err := fs.process(t.pid)
		if err != nil {
			return nil, err
		}
		var ents []entry
		for i, pe := range processEntries() {
			if t.task && !pe.inTask {
				continue
			}
			a := fs.processAttrs(p, t.ino(pe.index), 0)
			ents = append(ents, entry{name: pe.name, pos: firstFixedPos + int64(i), node: pe.make(fs, t, a)})
		}
		return ents, nil
	}
	return d
}

// taskDir is /proc/PID/task: one directory per thread.
func (fs *FS) taskDir(t thread, a attrs) vfs.Inode {
	a.mode = unix.S_IFDIR | 0o555
	d := &dirNode{attrs: a}
	d.children = func() ([]entry, error) {
		p, err := fs.process(t.pid)
		if err != nil {
			return nil, err
		}
		var ents []entry
		for _, tid := range sortedInts(p.TIDs()) {
			tt := thread{pid: t.pid, tid: tid, task: true}
			ents = append(ents, entry{name: strconv.Itoa(tid), pos: firstNumberPos + int64(tid), node: fs.threadDir(p, tt)})
		}
		return ents, nil
	}
	return d
}

func sortedInts(s []int) []int {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// commName is the name as the kernel keeps it: at most 15 bytes
// (TASK_COMM_LEN - 1).
func commName(s string) string {
	if len(s) > 15 {
		return s[:15]
	}
	return s
}

// nulJoin is /proc/PID/cmdline and environ: each string NUL-terminated.
func nulJoin(ss []string) []byte {
	var b []byte
	for _, s := range ss {
		b = append(b, s...)
		b = append(b, 0)
	}
	return b
}

// personalityText is /proc/PID/personality: the thread's personality as
// eight hex digits (Linux's proc_pid_personality).
func personalityText(p Process, tid int) []byte {
	var v uint32
	if pp, ok := p.(Personalities); ok {
		v = pp.Personality(tid)
	}
	s := strconv.FormatUint(uint64(v), 16)
	return []byte(strings.Repeat("0", max(0, 8-len(s))) + s + "\n")
}
