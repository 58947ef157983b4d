package fs

import (
	"encoding/binary"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/kernel"
	"github.com/elfloader/elfloader/shim"
	"github.com/elfloader/elfloader/vfs"
)

// inotify watches inodes of the app's vfs: the vfs raises the events of
// its own operations (vfs/notify.go), so changes made outside elfloader
// (another host process writing a host file) are not seen.
func registerInotify(tb *shim.Table) {
	const note = "the app's own vfs operations (create, delete, modify, access, attrib, open/close, moves with cookies, *_SELF, IN_IGNORED, IN_ONESHOT, IN_Q_OVERFLOW); host-side changes made outside elfloader are not seen; IN_EXCL_UNLINK and IN_UNMOUNT are not raised"
	tb.Register(unix.SYS_INOTIFY_INIT, shim.Partial, note, sysInotifyInit)
	tb.Register(unix.SYS_INOTIFY_INIT1, shim.Partial, note, sysInotifyInit1)
	tb.Register(unix.SYS_INOTIFY_ADD_WATCH, shim.Partial, note, sysInotifyAddWatch)
	tb.Register(unix.SYS_INOTIFY_RM_WATCH, shim.Full, "", sysInotifyRmWatch)
}

// inotifyEventSize is sizeof(struct inotify_event) without the name; a
// name is NUL-padded to a multiple of it.
const inotifyEventSize = 16

// allInotifyBits is Linux's ALL_INOTIFY_BITS: the bits inotify_add_watch
// knows.
const allInotifyBits = unix.IN_ALL_EVENTS | unix.IN_UNMOUNT | unix.IN_Q_OVERFLOW | unix.IN_IGNORED |
	unix.IN_ONLYDIR | unix.IN_DONT_FOLLOW | unix.IN_EXCL_UNLINK | unix.IN_MASK_ADD | unix.IN_MASK_CREATE |
	unix.IN_ISDIR | unix.IN_ONESHOT

// inotifyEvent is one queued event.
type inotifyEvent struct {
	wd           int32
	mask, cookie uint32
	name         string
}

// size is the event's length on the wire.
func (e inotifyEvent) size() int { return inotifyEventSize + e.nameLen() }

func (e inotifyEvent) nameLen() int {
	if e.name == "" {
		return 0
	}
	return (len(e.name) + 1 + inotifyEventSize - 1) / inotifyEventSize * inotifyEventSize
}

// encode appends the struct inotify_event and its padded name.
func (e inotifyEvent) encode(b []byte) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(e.wd))
	b = binary.LittleEndian.AppendUint32(b, e.mask)
	b = binary.LittleEndian.AppendUint32(b, e.cookie)
	b = binary.LittleEndian.AppendUint32(b, uint32(e.nameLen()))
	name := make([]byte, e.nameLen())
	copy(name, e.name)
	return append(b, name...)
}

// inotifyFile is an inotify instance: its watches and its event queue.
type inotifyFile struct {
	kernel.FileRefs
	queue    vfs.Queue
	released atomic.Bool

	mu      sync.Mutex
	flags   int // O_NONBLOCK
	events  []inotifyEvent
	pending int // bytes queued
	max     int // max_queued_events
	watches map[int32]*inotifyWatch
	byKey   map[vfs.WatchKey]*inotifyWatch
	lastWD  int32
}

// inotifyWatch is one watch: a vfs Watcher for one inode.
type inotifyWatch struct {
	in   *inotifyFile
	wd   int32
	loc  vfs.Location
	key  vfs.WatchKey
	mask atomic.Uint32
}

func newInotify(flags int) *inotifyFile {
	in := &inotifyFile{flags: flags & unix.O_NONBLOCK, max: maxQueuedEvents(),
		watches: map[int32]*inotifyWatch{}, byKey: map[vfs.WatchKey]*inotifyWatch{}}
	in.InitRefs(in.release)
	return in
}

// maxQueuedEvents is the host's /proc/sys/fs/inotify/max_queued_events.
func maxQueuedEvents() int {
	data, err := os.ReadFile("/proc/sys/fs/inotify/max_queued_events")
	if err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && n > 0 {
			return n
		}
	}
	return 16384 // Linux's default
}

// release drops every watch with the last reference.
func (in *inotifyFile) release() {
	in.mu.Lock()
	ws := make([]*inotifyWatch, 0, len(in.watches))
	for _, w := range in.watches {
		ws = append(ws, w)
	}
	in.watches, in.byKey = map[int32]*inotifyWatch{}, map[vfs.WatchKey]*inotifyWatch{}
	in.mu.Unlock()
	for _, w := range ws {
		w.loc.RemoveWatch(w.key, w)
	}
	in.released.Store(true)
	in.queue.Notify(vfs.EventHup)
}

// Event implements vfs.Watcher.
func (w *inotifyWatch) Event(mask, cookie uint32, name string) {
	want := w.mask.Load()
	if mask&want&unix.IN_ALL_EVENTS == 0 {
		if mask&unix.IN_DELETE_SELF != 0 {
			w.in.removeWatch(w, true)
		}
		return
	}
	in := w.in
	in.mu.Lock()
	if in.watches[w.wd] != w {
		in.mu.Unlock()
		return // removed meanwhile
	}
	in.queueLocked(inotifyEvent{wd: w.wd, mask: mask, cookie: cookie, name: name})
	in.mu.Unlock()
	in.queue.Notify(vfs.EventIn)
	if want&unix.IN_ONESHOT != 0 || mask&unix.IN_DELETE_SELF != 0 {
		in.removeWatch(w, true)
	}
}

// queueLocked adds an event, merging it with an identical last one and
// ending the queue with IN_Q_OVERFLOW when it is full.
func (in *inotifyFile) queueLocked(e inotifyEvent) {
	if n := len(in.events); n > 0 && in.events[n-1] == e {
		return
	}
	if len(in.events) >= in.max {
		e = inotifyEvent{wd: -1, mask: unix.IN_Q_OVERFLOW}
		if in.events[len(in.events)-1] == e {
			return
		}
	}
	in.events = append(in.events, e)
	in.pending += e.size()
}

// removeWatch forgets a watch; ignored queues the IN_IGNORED event.
func (in *inotifyFile) removeWatch(w *inotifyWatch, ignored bool) {
	in.mu.Lock()
	if in.watches[w.wd] != w {
		in.mu.Unlock()
		return
	}
	delete(in.watches, w.wd)
	delete(in.byKey, w.key)
	if ignored {
		in.queueLocked(inotifyEvent{wd: w.wd, mask: unix.IN_IGNORED})
	}
	in.mu.Unlock()
	w.loc.RemoveWatch(w.key, w)
	in.queue.Notify(vfs.EventIn)
}

// Read implements kernel.File: whole events, at least one (waiting for it
// unless O_NONBLOCK); EINVAL when the first does not fit.
func (in *inotifyFile) Read(t *kernel.Task, p []byte) (int, error) {
	for {
		n, err := in.take(p)
		if err != unix.EAGAIN || in.StatusFlags()&unix.O_NONBLOCK != 0 {
			return n, err
		}
		if err := in.wait(t); err != nil {
			return 0, err
		}
	}
}

// take copies the events that fit into p.
func (in *inotifyFile) take(p []byte) (int, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.events) == 0 {
		return 0, unix.EAGAIN
	}
	if in.events[0].size() > len(p) {
		return 0, unix.EINVAL
	}
	out := p[:0]
	used := 0
	for used < len(in.events) && len(out)+in.events[used].size() <= len(p) {
		out = in.events[used].encode(out)
		in.pending -= in.events[used].size()
		used++
	}
	in.events = in.events[used:]
	if len(in.events) == 0 {
		in.events = nil
	}
	return len(out), nil
}

// wait blocks until an event is queued or a signal arrives.
func (in *inotifyFile) wait(t *kernel.Task) error {
	w := vfs.NewWaiter(vfs.EventIn)
	in.queue.Register(w)
	defer in.queue.Unregister(w)
	if in.Readiness(vfs.EventIn) != 0 {
		return nil
	}
	ctx, cancel := t.SignalContext()
	defer cancel()
	select {
	case <-w.C():
		return nil
	case <-ctx.Done():
		return kernel.ERESTARTSYS
	}
}

// Write implements kernel.File: an inotify descriptor is open for
// reading only.
func (in *inotifyFile) Write(*kernel.Task, []byte) (int, error) { return 0, unix.EBADF }

// Readiness implements kernel.Waitable.
func (in *inotifyFile) Readiness(mask uint32) uint32 {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.events) > 0 {
		return mask & (vfs.EventIn | vfs.EventRdNorm)
	}
	return 0
}

// EventRegister implements kernel.Waitable.
func (in *inotifyFile) EventRegister(w *vfs.Waiter) { in.queue.Register(w) }

// EventUnregister implements kernel.Waitable.
func (in *inotifyFile) EventUnregister(w *vfs.Waiter) { in.queue.Unregister(w) }

// Released implements kernel.Waitable.
func (in *inotifyFile) Released() bool { return in.released.Load() }

// StatusFlags implements kernel.FlagFile.
func (in *inotifyFile) StatusFlags() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return unix.O_RDONLY | in.flags
}

// SetStatusFlags implements kernel.FlagFile.
func (in *inotifyFile) SetStatusFlags(fl int) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.flags = fl & unix.O_NONBLOCK
	return nil
}

// Name is what /proc/PID/fd shows.
func (in *inotifyFile) Name() string { return "anon_inode:inotify" }

// Ioctl implements kernel.Ioctler: FIONREAD is the bytes queued.
func (in *inotifyFile) Ioctl(t *kernel.Task, req, arg uint64) (uint64, error) {
	if req != linux.FIONREAD {
		return 0, unix.ENOTTY
	}
	in.mu.Lock()
	n := int32(in.pending)
	in.mu.Unlock()
	return 0, kernel.CopyOutStruct(t, arg, &n)
}

func sysInotifyInit(t *kernel.Task, a shim.Args) (uint64, error) { return inotifyInit(t, 0) }

func sysInotifyInit1(t *kernel.Task, a shim.Args) (uint64, error) { return inotifyInit(t, a.Int(0)) }

func inotifyInit(t *kernel.Task, flags int) (uint64, error) {
	if flags&^(unix.IN_CLOEXEC|unix.IN_NONBLOCK) != 0 {
		return 0, unix.EINVAL
	}
	in := newInotify(flags)
	defer in.DecRef()
	fd, err := t.Process().Files().Install(in, 0, flags&unix.IN_CLOEXEC != 0)
	return uint64(fd), err
}

// inotifyOf returns the inotify instance at fd (EINVAL for another file).
func inotifyOf(t *kernel.Task, fd int) (*inotifyFile, error) {
	f, err := fileOf(t, fd)
	if err != nil {
		return nil, err
	}
	in, ok := f.(*inotifyFile)
	if !ok {
		f.DecRef()
		return nil, unix.EINVAL
	}
	return in, nil
}

func sysInotifyAddWatch(t *kernel.Task, a shim.Args) (uint64, error) {
	mask := uint32(a[2])
	if mask&unix.IN_MASK_ADD != 0 && mask&unix.IN_MASK_CREATE != 0 {
		return 0, unix.EINVAL
	}
	if mask&allInotifyBits == 0 {
		return 0, unix.EINVAL
	}
	in, err := inotifyOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer in.DecRef()
	ctx, start, p, err := at(t, a, -1, 1)
	if err != nil {
		return 0, err
	}
	flags := 0
	if mask&unix.IN_DONT_FOLLOW != 0 {
		flags = unix.AT_SYMLINK_NOFOLLOW
	}
	loc, err := vfs.ResolveAt(ctx, start, p, flags)
	if err != nil {
		return 0, err
	}
	if mask&unix.IN_ONLYDIR != 0 && !loc.IsDir() {
		return 0, unix.ENOTDIR
	}
	if err := vfs.AccessAt(ctx, loc, "", unix.R_OK, unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return 0, err
	}
	wd, err := in.addWatch(loc, mask)
	return uint64(wd), err
}

// addWatch adds or updates the watch of loc's inode.
func (in *inotifyFile) addWatch(loc vfs.Location, mask uint32) (int32, error) {
	key := loc.WatchKey()
	events := mask &^ (unix.IN_MASK_ADD | unix.IN_MASK_CREATE | unix.IN_ONLYDIR | unix.IN_DONT_FOLLOW)
	in.mu.Lock()
	defer in.mu.Unlock()
	if w := in.byKey[key]; w != nil {
		if mask&unix.IN_MASK_CREATE != 0 {
			return 0, unix.EEXIST
		}
		if mask&unix.IN_MASK_ADD != 0 {
			events |= w.mask.Load()
		}
		w.mask.Store(events)
		return w.wd, nil
	}
	in.lastWD++
	w := &inotifyWatch{in: in, wd: in.lastWD, loc: loc, key: key}
	w.mask.Store(events)
	in.watches[w.wd] = w
	in.byKey[key] = w
	loc.AddWatch(w)
	return w.wd, nil
}

func sysInotifyRmWatch(t *kernel.Task, a shim.Args) (uint64, error) {
	in, err := inotifyOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer in.DecRef()
	in.mu.Lock()
	w := in.watches[int32(a.Int(1))]
	in.mu.Unlock()
	if w == nil {
		return 0, unix.EINVAL
	}
	in.removeWatch(w, true)
	return 0, nil
}
