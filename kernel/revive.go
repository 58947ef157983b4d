package kernel

import (
	"encoding/binary"
	"strconv"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/plat"
)

// Reopens without a crossing (plat.PassReviveOffset, docs/fastpath.md
// "Reopens"). A server opens the same file for every request and closes
// it again; the platform defers the close (PassWordClosable), and while
// the close is still queued the kernel's own answer to the next open of
// the same path with the same flags would be that file again, at that
// descriptor, in a description in the same state as the queued one: the
// platform takes the close back instead of crossing into the kernel.
//
// What makes the answer the same, and who keeps it so:
//   - the path names the same file: the kernel raises the revival
//     generation around every call it serves that may change a path, a
//     permission or a credential (any call not classed neutral below), and
//     the platform compares the host path's st_dev, st_ino, owner and mode
//     with the record's (the host directory may change behind the app);
//   - the description is as the open left it: every call on a descriptor
//     with a record raises the generation, so any offset, status flag or
//     duplicate the kernel made voids the record;
//   - the descriptor is the lowest free one: the queued close is the
//     queue's lowest and lies below the lowest descriptor free in the
//     kernel's table, which the kernel publishes while a single thread uses
//     the table (no other thread can change it behind the platform);
//   - nothing would see the open: the access word reads 0 (no watcher to
//     hear IN_OPEN, no lease to break).

// reviveClass says how a call the kernel serves leaves revival records.
type reviveClass uint8

const (
	// reviveBump: anything else; the generation is raised around it.
	reviveBump reviveClass = iota
	// reviveNeutral: changes no path, permission, credential or
	// description.
	reviveNeutral
	// reviveFD0: neutral unless its first argument is a descriptor with a
	// record.
	reviveFD0
	// reviveSpecial: open, openat, mmap and sendfile, by their arguments.
	reviveSpecial
)

// reviveClasses is the class of each syscall number (reviveBump for the
// rest), built on first use.
var reviveClasses = sync.OnceValue(func() (c [512]reviveClass) {
	for _, nr := range []uintptr{
		unix.SYS_CLOCK_GETTIME, unix.SYS_CLOCK_GETRES, unix.SYS_CLOCK_NANOSLEEP,
		unix.SYS_GETTIMEOFDAY, unix.SYS_TIME, unix.SYS_NANOSLEEP, unix.SYS_FUTEX,
		unix.SYS_SCHED_YIELD, unix.SYS_GETPID, unix.SYS_GETTID, unix.SYS_GETPPID,
		unix.SYS_GETUID, unix.SYS_GETEUID, unix.SYS_GETGID, unix.SYS_GETEGID,
		unix.SYS_GETGROUPS, unix.SYS_GETRANDOM, unix.SYS_RT_SIGPROCMASK,
		unix.SYS_RT_SIGRETURN, unix.SYS_RT_SIGACTION, unix.SYS_SIGALTSTACK,
		unix.SYS_BRK, unix.SYS_MUNMAP, unix.SYS_MPROTECT, unix.SYS_MADVISE,
		unix.SYS_UNAME, unix.SYS_SYSINFO, unix.SYS_GETRUSAGE, unix.SYS_TIMES,
		unix.SYS_GETCWD, unix.SYS_SET_ROBUST_LIST, unix.SYS_RSEQ,
		unix.SYS_RESTART_SYSCALL, unix.SYS_GETITIMER, unix.SYS_SETITIMER,
		unix.SYS_ALARM, unix.SYS_SOCKET, unix.SYS_EPOLL_CREATE1,
		unix.SYS_EVENTFD2, unix.SYS_PIPE2, unix.SYS_POLL, unix.SYS_PPOLL,
		unix.SYS_SELECT, unix.SYS_PSELECT6, unix.SYS_KILL, unix.SYS_TGKILL,
		unix.SYS_WAIT4, unix.SYS_NEWFSTATAT, unix.SYS_STATX, unix.SYS_ACCESS,
		unix.SYS_FACCESSAT, unix.SYS_FACCESSAT2, unix.SYS_READLINK,
		unix.SYS_READLINKAT,
	} {
		c[nr] = reviveNeutral
	}
	for _, nr := range []uintptr{
		unix.SYS_READ, unix.SYS_WRITE, unix.SYS_READV, unix.SYS_WRITEV,
		unix.SYS_PREAD64, unix.SYS_PWRITE64, unix.SYS_RECVFROM, unix.SYS_SENDTO,
		unix.SYS_RECVMSG, unix.SYS_SENDMSG, unix.SYS_RECVMMSG, unix.SYS_SENDMMSG,
		unix.SYS_SETSOCKOPT, unix.SYS_GETSOCKOPT, unix.SYS_GETSOCKNAME,
		unix.SYS_GETPEERNAME, unix.SYS_SHUTDOWN, unix.SYS_ACCEPT, unix.SYS_ACCEPT4,
		unix.SYS_LISTEN, unix.SYS_EPOLL_WAIT, unix.SYS_EPOLL_PWAIT,
		unix.SYS_EPOLL_PWAIT2, unix.SYS_EPOLL_CTL, unix.SYS_FSTAT,
		unix.SYS_FSTATFS, unix.SYS_CLOSE, unix.SYS_IOCTL, unix.SYS_LSEEK,
		unix.SYS_FCNTL, unix.SYS_GETDENTS64,
	} {
		c[nr] = reviveFD0
	}
	for _, nr := range []uintptr{unix.SYS_OPEN, unix.SYS_OPENAT, unix.SYS_MMAP, unix.SYS_SENDFILE} {
		c[nr] = reviveSpecial
	}
	return c
})

// reviveNeutral says whether the call in regs leaves every revival record
// of the task's table valid.
func (t *Task) reviveNeutral(nr uint64, a [6]uint64) bool {
	if nr >= 512 {
		return false
	}
	switch reviveClasses()[nr] {
	case reviveNeutral:
		return true
	case reviveFD0:
		return !t.hasRevival(a[0])
	case reviveSpecial:
		switch nr {
		case unix.SYS_OPEN:
			return int32(a[1])&(unix.O_CREAT|unix.O_TMPFILE) == 0
		case unix.SYS_OPENAT:
			return int32(a[2])&(unix.O_CREAT|unix.O_TMPFILE) == 0
		case unix.SYS_MMAP:
			return a[3]&unix.MAP_ANONYMOUS != 0 || !t.hasRevival(a[4])
		case unix.SYS_SENDFILE:
			// Without an offset it moves the input's offset.
			return !t.hasRevival(a[0]) && (a[2] != 0 || !t.hasRevival(a[1]))
		}
	}
	return false
}

// hasRevival says whether descriptor fd of the task's table has a
// revival record.
func (t *Task) hasRevival(fd uint64) bool {
	ft := t.p.files
	if ft == nil || fd >= plat.PassFDCapacity {
		return false
	}
	m := ft.mirror.Load()
	if m == nil || m.recordCount.Load() == 0 {
		return false
	}
	idx := m.fds[fd].Load()
	if idx == 0 {
		return false
	}
	for r := range plat.PassReviveRecords {
		if m.record(r)[0].Load() == uint64(idx) {
			return true
		}
	}
	return false
}

// reviveGen is the revival generation word.
func (pt *passThrough) reviveGen() *atomic.Uint64 { return &pt.ofds[plat.PassReviveGenWord] }

// beforeServe raises the revival generation before the kernel serves a
// call that is not neutral (and afterServe after it: a record made while
// it ran carries a generation from before its end), and notes the
// generation for a record the call may make. An i386 call (compat) is
// never neutral.
func (t *Task) beforeServe(compat bool) (bumped bool) {
	pt := t.k.pass
	if pt == nil {
		return false
	}
	r := t.ctx.Regs()
	if compat || !t.reviveNeutral(r.OrigRax, r.SyscallArgs()) {
		pt.reviveGen().Add(1)
		bumped = true
	}
	t.reviveGenAtEntry = pt.reviveGen().Load()
	return bumped
}

func (t *Task) afterServe(bumped bool) {
	if bumped {
		t.k.pass.reviveGen().Add(1)
	}
}

// reviveRef is where a description's revival record is.
type reviveRef struct {
	m    *passMirror
	slot int
}

// record returns the words of revival record r.
func (m *passMirror) record(r int) []atomic.Uint64 {
	return m.records[r*plat.PassReviveRecordWords : (r+1)*plat.PassReviveRecordWords]
}

// oLargefile is x86-64's O_LARGEFILE, which musl passes (x/sys/unix's is
// 0 on amd64).
const oLargefile = 0o100000

// PassThroughOpened gives v, just installed at fd by an open or openat
// of path with flags, a revival record when a reopen may revive it: a
// host file open read-only with a deferrable close, an absolute path,
// flags that create nothing.
func (t *Task) PassThroughOpened(fd int, v *VFSFile, path string, flags int) {
	pt := t.k.pass
	ft := t.p.files
	if pt == nil || ft == nil || fd < 0 || fd >= plat.PassFDCapacity || len(path) == 0 || path[0] != '/' ||
		len(path) > plat.PassRevivePathMax || flags&^(unix.O_NONBLOCK|unix.O_CLOEXEC|oLargefile|unix.O_NOCTTY|unix.O_NOFOLLOW) != 0 {
		return
	}
	idx := v.passIndex.Load()
	m := ft.mirror.Load()
	const need = plat.PassWordValid | plat.PassWordFile | plat.PassWordClosable
	if idx == 0 || m == nil || pt.ofds[idx-1].Load()&need != need || v.revival.Load() != nil {
		return
	}
	hostFD, _, _, ok := v.F.HostStat()
	if !ok || m.revive.Load() == 0 {
		return // the platform revives only where it set the revival word
	}
	var buf [plat.PassRevivePathMax + 1]byte
	n, err := unix.Readlink("/proc/self/fd/"+strconv.Itoa(hostFD), buf[:]) // elfloader's own descriptor
	if err != nil || n == 0 || n > plat.PassRevivePathMax || buf[0] != '/' {
		return
	}
	hostPath := string(buf[:n])
	// The platform compares the host path's file with this one at each
	// revival.
	var st unix.Stat_t
	if unix.Fstat(hostFD, &st) != nil {
		return
	}
	m.recMu.Lock()
	defer m.recMu.Unlock()
	if m.dead {
		return
	}
	slot := -1
	for r := range plat.PassReviveRecords {
		if m.record(r)[0].Load() == 0 {
			slot = r
			break
		}
	}
	if slot < 0 {
		slot = m.nextVictim % plat.PassReviveRecords
		m.nextVictim++
		if old := m.owners[slot]; old != nil {
			old.revival.Store(nil)
		}
	} else {
		m.recordCount.Add(1)
	}
	w := m.record(slot)
	w[0].Store(0)
	w[1].Store(t.reviveGenAtEntry)
	w[2].Store(uint64(uint32(int32(flags))))
	w[3].Store(st.Dev)
	w[4].Store(st.Ino)
	w[5].Store(uint64(st.Mode) | uint64(st.Uid)<<32)
	w[6].Store(uint64(st.Gid))
	w[7].Store(uint64(len(path)))
	putString(w[8:40], path)
	putString(w[40:72], hostPath)
	w[0].Store(uint64(idx))
	m.owners[slot] = v
	v.revival.Store(&reviveRef{m: m, slot: slot})
}

// putString stores s NUL-padded in words, in memory order.
func putString(words []atomic.Uint64, s string) {
	for i := range words {
		var b [8]byte
		if i*8 < len(s) {
			copy(b[:], s[i*8:])
		}
		words[i].Store(binary.NativeEndian.Uint64(b[:]))
	}
}

// dropRevival frees v's revival record (before its description word's
// index can be reused).
func (v *VFSFile) dropRevival() {
	ref := v.revival.Swap(nil)
	if ref == nil {
		return
	}
	m := ref.m
	m.recMu.Lock()
	defer m.recMu.Unlock()
	if m.dead || m.owners[ref.slot] != v {
		return
	}
	m.record(ref.slot)[0].Store(0)
	m.owners[ref.slot] = nil
	m.recordCount.Add(-1)
}

// publishLowFreeLocked tells the platform the lowest free descriptor
// while the table's revival word is on (ft.mu held).
func (ft *FDTable) publishLowFreeLocked() {
	if m := ft.mirror.Load(); m != nil && m.revive.Load() != 0 {
		m.revive.Store(uint64(ft.lowFree) + 1)
	}
}

// setRevival turns the revival word on (the task's thread alone uses the
// table) or off before the task runs app code.
func (ft *FDTable) setRevival(m *passMirror, solo bool) {
	on := m.revive.Load() != 0
	switch {
	case !solo && on:
		m.revive.Store(0)
		return
	case !solo || on:
		return // while on, every change of the table republishes it
	}
	ft.mu.Lock()
	m.revive.Store(uint64(ft.lowFree) + 1)
	ft.mu.Unlock()
}

// soloUser says whether the task's thread alone uses its descriptor
// table: no other thread in its process, no other process sharing it.
func (t *Task) soloUser() bool {
	if t.p.files.Shared() {
		return false
	}
	t.p.mu.Lock()
	n := len(t.p.tasks)
	t.p.mu.Unlock()
	return n == 1
}
