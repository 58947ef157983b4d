package plat

import (
	"sync/atomic"
	"unsafe"
)

// Host descriptor pass-through (docs/fastpath.md, "Pass-through"): a
// platform whose fast syscall entry runs in the app's thread may serve a
// read, write or socket call on a descriptor backed by a host descriptor
// itself, without entering the kernel's Go code, when the kernel published
// two tables for the thread:
//
//   - the descriptor table: one uint32 per app descriptor below
//     PassFDCapacity, 0 for "not passed through", else the index+1 of
//     the open file description's word in the description table;
//   - the description table: one uint64 word per open file description
//     (PassOFDCapacity of them), laid out as the PassWord* constants say.
//
// The platform takes a description with one compare-and-swap that adds
// PassWordInflightOne to a word with PassWordValid set, then checks that
// the descriptor still names it (the descriptor may have been closed and
// the index reused meanwhile) and drops the count when the host call
// returned. The kernel closes a description by clearing PassWordValid and
// waiting for the in-flight count to drop to zero before it closes the
// host descriptor: a call that does not wait ends on its own (owned host
// descriptors are non-blocking on the host); one that waits in the host
// (an epoll wait, a blocking read or write) is ended by a kick.
//
// Whatever the platform cannot answer exactly as the kernel would (EPIPE
// and its SIGPIPE, EFAULT, a timed socket call, an address argument) goes
// the usual way, to the kernel, which makes the call again: the platform
// only passes through results that leave nothing for the kernel to do. A
// kick during a wait sends the call to the kernel too, unless a write has
// written something: that count is its result, as a signal makes it.
const (
	// PassFDCapacity is the number of descriptors the descriptor table
	// covers (descriptors above it always go to the kernel).
	PassFDCapacity = 1 << 16
	// PassOFDCapacity is the number of words of the description table.
	PassOFDCapacity = 1 << 16

	// PassWordFDMask is the host descriptor in a description's word.
	PassWordFDMask = 0xffff_ffff
	// PassWordValid: the description may be passed through.
	PassWordValid = 1 << 32
	// PassWordSocket: the host descriptor is a socket (a write becomes
	// a send with MSG_NOSIGNAL: no host SIGPIPE; socket calls need it).
	PassWordSocket = 1 << 33
	// PassWordNonblock: the app's O_NONBLOCK status flag.
	PassWordNonblock = 1 << 34
	// PassWordEpoll: the description is an epoll instance whose every
	// registration is in the host epoll of the word's descriptor, with
	// the app's epoll_data: epoll_wait and epoll_pwait may take ready
	// events from it without waiting (waits go to the kernel).
	PassWordEpoll = 1 << 35
	// PassWordFile: the description is a regular file of the vfs whose
	// Stat is the host's fstat of the word's descriptor with st_dev
	// replaced (the file entry's dev, 0 for the host's) while the file
	// entry's gate word reads 0. The platform may answer fstat, newfstatat
	// of "" with AT_EMPTY_PATH, and a sendfile with an offset from it to a
	// non-blocking socket or pipe end; nothing else (its reads and writes
	// move the kernel's file offset).
	PassWordFile = 1 << 36
	// PassWordTimed: the socket has a receive or send timeout
	// (SO_RCVTIMEO, SO_SNDTIMEO), which the kernel keeps: a blocking
	// read that finds nothing goes to it. Without it the platform may
	// wait in the host for input (a kick ends the wait).
	PassWordTimed = 1 << 37
	// PassWordPread: pread64 of the description is the host's pread64 of
	// the word's descriptor, for as long as the file entry's gate word and
	// its access word (below) read 0: the platform may answer pread64
	// with a non-negative offset. With PassWordFile the gate is the Stat
	// gate; alone (a tmpfs file whose bytes are in a memfd) it is a gate
	// the filesystem closes while a read would change more than the
	// buffer (its access time under relatime). The word's read, write and
	// sendfile output still go to the kernel.
	PassWordPread = 1 << 38
	// PassWordClosable: a regular file open read-only (with PassWordFile
	// or PassWordPread) whose close the platform may defer while the
	// access word reads 0 (no watcher to hear IN_CLOSE, no lock or lease
	// ever taken: closing has no effect but the descriptor's): it clears
	// the descriptor's entry (compare-and-swap from the word's index+1)
	// and queues the descriptor with the index in the descriptor table's
	// close queue, which the kernel drains before it serves any call of a
	// process using the table (the descriptor is free for it then).
	PassWordClosable = 1 << 39
	// PassWordInflightOne is one in-flight call; the count is the word's
	// bits 40 to 63.
	PassWordInflightOne = 1 << 40
	// PassWordInflightShift is where the in-flight count starts.
	PassWordInflightShift = 40

	// The description table is followed by three tables of file entries,
	// PassOFDCapacity words each, for PassWordFile and PassWordPread
	// descriptions: the st_dev to report (word PassFileDevWord+index),
	// the address of the gate word (word PassFileGateWord+index; nonzero
	// from the moment the file's Stat may differ from the host's in more
	// than st_dev, or a read would change the file), and the address of
	// the access word (word PassFileAccessWord+index; nonzero while an
	// inotify watch or a fanotify group may want to hear of reads and
	// sendfile: the kernel raises those events). The kernel writes them
	// before it sets the description's word.
	PassFileDevWord    = PassOFDCapacity
	PassFileGateWord   = 2 * PassOFDCapacity
	PassFileAccessWord = 3 * PassOFDCapacity
	// PassReviveGenWord is the revival generation (after the file
	// entries): the kernel raises it whenever it serves a call that may
	// change what a path names, who may open it, or the state of a
	// description with a revival record (see PassReviveOffset).
	PassReviveGenWord = 4 * PassOFDCapacity
	// PassTableWords is the size of the description table with its file
	// entries and the revival generation, in words.
	PassTableWords = 4*PassOFDCapacity + 1

	// The access word's bits (vfs.AccessWatched, vfs.AccessLocked): a
	// watcher exists (reads, sendfile and closes go to the kernel); a
	// lock or lease was taken (closes go to the kernel).
	PassAccessWatched = 1 << 0
	PassAccessLocked  = 1 << 1

	// The descriptor table (PassFDCapacity uint32 words) is followed by
	// the close queue: PassCloseSlots uint64 slots, each 0 or a deferred
	// close (descriptor+1 in the low 32 bits, the description's index+1
	// in the high 32), then a uint64 count of the filled slots, which the
	// platform raises after it filled one (PassWordClosable).
	PassCloseSlots = 256

	// Revival (docs/fastpath.md, "Reopens"): the close queue is followed
	// by the revival word, 0 when the platform may not revive, else the
	// lowest descriptor free in the kernel's table + 1 (the kernel sets
	// it while one thread alone uses the table), then PassReviveRecords
	// records of PassReviveRecordWords words. A record describes a
	// description the kernel opened for an open or openat of an absolute
	// path with flags that create nothing: the description's index+1
	// (word 0, 0 for a free record; written last), the revival
	// generation then (1), the open's flags (2), the host file's st_dev
	// (3), st_ino (4), st_mode | st_uid<<32 (5) and st_gid (6), the
	// path's length (7), the path (words 8 to 39) and the host path of
	// the file, NUL-terminated (words 40 to 71). When the app opens the
	// same path with the same flags while the description's deferred
	// close is the lowest descriptor of the close queue and lies below
	// the revival word's descriptor, the generation is unchanged, the
	// access word reads 0 and the host path still names the same file
	// with the same owner and mode, the platform may take the close back
	// out of the queue (compare-and-swap of its slot), restore the
	// descriptor's entry and return the descriptor: the open the kernel
	// would have made, without a crossing.
	PassReviveRecords     = 8
	PassReviveRecordWords = 72
	PassRevivePathMax     = 255
	// PassReviveOffset is the revival word's byte offset in the
	// descriptor table, PassReviveRecordsOffset the first record's.
	PassReviveOffset        = PassFDCapacity*4 + (PassCloseSlots+1)*8
	PassReviveRecordsOffset = PassReviveOffset + 8
	// PassFDTableBytes is the descriptor table's size with its queue
	// and the revival records.
	PassFDTableBytes = PassReviveRecordsOffset + PassReviveRecords*PassReviveRecordWords*8
)

// PassThroughContext is a Context that can pass host descriptor calls
// through (see above). The kernel calls SetPassThrough before each Switch
// with the thread's current tables, or nils to send every call to it.
//
// With the tables, SetPassIdentity gives the thread's identity: the
// platform answers getpid with pid, gettid with tid and getppid with the
// word at ppid, which the kernel keeps outside the Go heap and rewrites
// when the process is reparented (pid 0: those calls go to the kernel).
type PassThroughContext interface {
	Context
	SetPassThrough(fds, ofds unsafe.Pointer)
	SetPassIdentity(pid, tid uint32, ppid *atomic.Uint32)
}
