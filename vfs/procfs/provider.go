package procfs

import (
	"time"

	"github.com/elfloader/elfloader/vfs"
)

// Provider is what procfs needs from the kernel. The kernel implements it;
// procfs never imports the kernel.
type Provider interface {
	// PIDs lists the live processes (thread-group ids), ascending.
	PIDs() []int
	// Process returns a live process.
	Process(pid int) (Process, bool)
	// Hostname is the node name (/proc/sys/kernel/hostname).
	Hostname() string
	// OSRelease is the kernel release (/proc/sys/kernel/osrelease).
	OSRelease() string
	// BootTime is when the kernel started (/proc/uptime, stat's starttime).
	BootTime() time.Time
	// Mounts describes the mount table (/proc/mounts, /proc/self/mounts).
	Mounts() []Mount
}

// ProcessMounts is implemented by providers that list the mounts as one
// process sees them (from its root: a chrooted process sees the mounts
// below its root only), for /proc/PID/mounts and /proc/PID/mountinfo.
type ProcessMounts interface {
	MountsOf(p Process) []Mount
}

// Mount is one line of /proc/mounts and /proc/PID/mountinfo.
type Mount struct {
	// Options are /proc/mounts' options (the mount's and the
	// filesystem's).
	Source, Target, FSType, Options string
	// ID, ParentID, Dev, Root, MountOptions and SuperOptions are
	// mountinfo's fields; with ID 0 mountinfo makes them up from the
	// order of the mounts and Options.
	ID, ParentID int
	Dev          uint64
	Root         string
	MountOptions string
	SuperOptions string
	// Optional are mountinfo's optional fields ("unbindable").
	Optional string
}

// Process is one thread group as procfs shows it.
type Process interface {
	PID() int
	PPID() int
	TIDs() []int
	// Comm is the thread-group leader's name (/proc/PID/comm, status Name).
	Comm() string
	Cmdline() []string
	Environ() []string
	// Auxv is the flattened (type, value) pairs of the initial auxv.
	Auxv() []uint64
	// ExePath is the executable's path in the app's filesystem.
	ExePath() string
	// FS is the process's filesystem context (root, cwd, umask, creds);
	// /proc/PID/cwd and /proc/PID/root jump to its locations.
	FS() *vfs.Context
	// FDs lists the open descriptors.
	FDs() []FD
	// Maps lists the memory mappings in address order.
	Maps() []Mapping
	// UID and GID are the real (= effective) ids.
	UID() uint32
	GID() uint32
	// Memory figures in bytes.
	VMSize() uint64
	RSS() uint64
	// Threads is the number of threads.
	Threads() int
	// State is the one-letter state ("R", "S").
	State() string
	// StartTime is when the process started.
	StartTime() time.Time
}

// Groups is what a Process may also report: its process group and
// session (stat's pgrp and session fields). Without it both are the PID.
type Groups interface {
	ProcessGroup() int
	Session() int
}

// Identity is what a Process may also report: its real, effective, saved
// and filesystem ids and its capability sets (status's Uid, Gid and Cap*
// lines). Without it those lines show UID and GID four times and root's
// capabilities.
type Identity interface {
	UIDs() [4]uint32
	GIDs() [4]uint32
	// Caps is the inheritable, permitted, effective, bounding and ambient
	// sets, in status's order.
	Caps() [5]uint64
}

// SeccompStatus is what a Process may also report: thread tid's
// no_new_privs bit, seccomp mode (0 disabled, 1 strict, 2 filter) and
// number of filters (status's NoNewPrivs, Seccomp and Seccomp_filters
// lines; without it they show 0).
type SeccompStatus interface {
	SeccompStatus(tid int) (noNewPrivs bool, mode, filters int)
}

// SignalSets is what a Process may also report: the sets of status's
// SigPnd, ShdPnd, SigBlk, SigIgn and SigCgt lines, in that order, for
// thread tid (its own pending and blocked sets; the process's shared
// pending set and dispositions), bit sig-1 for signal sig. Without it
// they read 0.
type SignalSets interface {
	SignalSets(tid int) [5]uint64
}

// LeaseTimer is what a Provider may also keep: the lease-break time of
// /proc/sys/fs/lease-break-time, in seconds. Without it the file reads
// Linux's default, 45.
type LeaseTimer interface {
	LeaseBreakTime() int
	SetLeaseBreakTime(seconds int)
}

// Personalities is what a Process may also report: the personality(2)
// of thread tid. Without it /proc/PID/personality reads 0.
type Personalities interface {
	Personality(tid int) uint32
}

// OOMAdjuster is what a Process may also keep: its oom_score_adj.
// Without it /proc/PID/oom_score_adj reads 0 and refuses writes.
type OOMAdjuster interface {
	OOMScoreAdj() int
	// SetOOMScoreAdj takes a value in -1000..1000; EACCES below the
	// process's floor without CAP_SYS_RESOURCE.
	SetOOMScoreAdj(int) error
}

// FD is one open descriptor. Location is set for files of the vfs (then
// /proc/PID/fd/N is a magic link to it); Name is what readlink shows
// ("/etc/passwd", "pipe:[123]", "socket:[456]", "anon_inode:[eventpoll]").
type FD struct {
	FD       int
	Name     string
	Location *vfs.Location
	Flags    int   // status flags for /proc/PID/fdinfo/N
	Pos      int64 // file position for fdinfo
}

// Mapping is one line of /proc/PID/maps.
type Mapping struct {
	Start, End uint64
	Prot       int // PROT_* bits
	Shared     bool
	Offset     uint64
	Dev        uint64
	Inode      uint64
	Path       string // "" for anonymous, "[heap]", "[stack]", a file path
}
