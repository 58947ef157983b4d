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

// fanotify watches the app's own vfs, like inotify: a group is a
// vfs.FileListener that hears every open-file event of the VFS (open,
// read, write, close; vfs/notify.go's FileEvent, which carries the object,
// its parent and mount, and the acting task) and keeps those its marks
// select. Events made outside elfloader are not seen.
func registerFanotify(tb *shim.Table) {
	const initNote = "FAN_CLASS_NOTIF groups on the app's own vfs: FAN_ACCESS, FAN_MODIFY, FAN_OPEN, FAN_CLOSE_*, event fds per event_f_flags, FAN_REPORT_TID, FAN_REPORT_FD_ERROR, FAN_UNLIMITED_QUEUE, FAN_Q_OVERFLOW, event merging; permission classes (FAN_CLASS_CONTENT, FAN_CLASS_PRE_CONTENT) and the FID/name/pidfd/mount report modes answer EINVAL; host-side changes made outside elfloader are not seen"
	const markNote = "inode, directory (FAN_EVENT_ON_CHILD, FAN_ONDIR), mount and filesystem marks; add, remove, flush; legacy ignore masks (FAN_MARK_IGNORED_MASK, FAN_MARK_IGNORED_SURV_MODIFY); FAN_OPEN_EXEC is accepted but never raised (exec opens report FAN_OPEN only); FAN_MARK_IGNORE, FAN_MARK_EVICTABLE, mount-namespace marks and the events that need FID reporting answer EINVAL; no limit on marks"
	tb.Register(unix.SYS_FANOTIFY_INIT, shim.Partial, initNote, sysFanotifyInit)
	tb.Register(unix.SYS_FANOTIFY_MARK, shim.Partial, markNote, sysFanotifyMark)
}

// fanPathEvents are the events a group without FID reporting can ask for
// (Linux's FANOTIFY_PATH_EVENTS).
const fanPathEvents = unix.FAN_ACCESS | unix.FAN_MODIFY | unix.FAN_CLOSE | unix.FAN_OPEN | unix.FAN_OPEN_EXEC

// fanPermEvents are the permission events (FANOTIFY_PERM_EVENTS).
const fanPermEvents = unix.FAN_OPEN_PERM | unix.FAN_ACCESS_PERM | unix.FAN_OPEN_EXEC_PERM | unix.FAN_PRE_ACCESS

// fanEventFlags are FANOTIFY_EVENT_FLAGS.
const fanEventFlags = unix.FAN_ONDIR | unix.FAN_EVENT_ON_CHILD

// fanKnownEvents are the mask bits fanotify_mark knows (Linux 6.x's
// FANOTIFY_EVENTS with the permission events and the event flags).
const fanKnownEvents = fanPathEvents | unix.FAN_ATTRIB | unix.FAN_MOVED_FROM | unix.FAN_MOVED_TO |
	unix.FAN_CREATE | unix.FAN_DELETE | unix.FAN_DELETE_SELF | unix.FAN_MOVE_SELF | unix.FAN_RENAME |
	unix.FAN_FS_ERROR | fanPermEvents | fanEventFlags

// fanInitFlags are the fanotify_init flags Linux knows.
const fanInitFlags = unix.FAN_CLOEXEC | unix.FAN_NONBLOCK | unix.FAN_ALL_CLASS_BITS | unix.FAN_UNLIMITED_QUEUE |
	unix.FAN_UNLIMITED_MARKS | unix.FAN_ENABLE_AUDIT | unix.FAN_REPORT_PIDFD | unix.FAN_REPORT_TID |
	unix.FAN_REPORT_FID | unix.FAN_REPORT_DIR_FID | unix.FAN_REPORT_NAME | unix.FAN_REPORT_TARGET_FID |
	unix.FAN_REPORT_FD_ERROR | unix.FAN_REPORT_MNT

// fanAdminInitFlags need CAP_SYS_ADMIN (FANOTIFY_ADMIN_INIT_FLAGS).
const fanAdminInitFlags = unix.FAN_CLASS_CONTENT | unix.FAN_CLASS_PRE_CONTENT | unix.FAN_REPORT_TID |
	unix.FAN_REPORT_PIDFD | unix.FAN_REPORT_FD_ERROR | unix.FAN_UNLIMITED_QUEUE | unix.FAN_UNLIMITED_MARKS

// fanFIDFlags are the report modes with file handles (FANOTIFY_FID_BITS).
const fanFIDFlags = unix.FAN_REPORT_FID | unix.FAN_REPORT_DIR_FID | unix.FAN_REPORT_NAME | unix.FAN_REPORT_TARGET_FID

// fanEventFFlags are the flags event_f_flags may hold
// (FANOTIFY_INIT_ALL_EVENT_F_BITS).
const fanEventFFlags = unix.O_ACCMODE | unix.O_APPEND | unix.O_NONBLOCK | unix.O_SYNC | unix.O_DSYNC |
	unix.O_CLOEXEC | unix.O_LARGEFILE | unix.O_NOATIME

// fanMarkFlags are the fanotify_mark flags Linux knows.
const fanMarkFlags = unix.FAN_MARK_ADD | unix.FAN_MARK_REMOVE | unix.FAN_MARK_DONT_FOLLOW | unix.FAN_MARK_ONLYDIR |
	unix.FAN_MARK_MOUNT | unix.FAN_MARK_IGNORED_MASK | unix.FAN_MARK_IGNORED_SURV_MODIFY | unix.FAN_MARK_FLUSH |
	unix.FAN_MARK_FILESYSTEM | unix.FAN_MARK_EVICTABLE | unix.FAN_MARK_IGNORE | unix.FAN_MARK_MNTNS

// fanMarkTypes are the bits that choose the marked object.
const fanMarkTypes = unix.FAN_MARK_MOUNT | unix.FAN_MARK_FILESYSTEM | unix.FAN_MARK_MNTNS

// fanotify marks are looked up for an event in these roles (Linux's
// FSNOTIFY_ITER_TYPE_*): the object's own inode, its parent directory,
// its mount and its filesystem.
const (
	fanIterInode = iota
	fanIterParent
	fanIterMount
	fanIterFS
)

// fanMark is one mark: the events it asks for and those it ignores.
type fanMark struct {
	mask, ignore uint32
	survModify   bool // FAN_MARK_IGNORED_SURV_MODIFY
}

// applicable is fsnotify_mask_applicable: a directory's events need
// FAN_ONDIR, and a parent's mark hears its children only with
// FAN_EVENT_ON_CHILD.
func applicable(mask uint32, isDir bool, iter int) bool {
	if isDir && mask&unix.FAN_ONDIR == 0 {
		return false
	}
	if iter == fanIterParent && mask&unix.FAN_EVENT_ON_CHILD == 0 {
		return false
	}
	return true
}

// effectiveIgnore is fsnotify_effective_ignore_mask for the legacy
// FAN_MARK_IGNORED_MASK: it applies to a directory's events always, and
// to a child's when the mark watches children.
func (m *fanMark) effectiveIgnore(isDir bool, iter int) uint32 {
	if m.ignore == 0 {
		return 0
	}
	if !isDir && iter != fanIterParent {
		return m.ignore
	}
	ig := m.ignore | unix.FAN_ONDIR
	ig = ig&^unix.FAN_EVENT_ON_CHILD | m.mask&unix.FAN_EVENT_ON_CHILD
	if !applicable(ig, isDir, iter) {
		return 0
	}
	return ig &^ fanEventFlags
}

// fanEvent is one queued event; overflow is FAN_Q_OVERFLOW.
type fanEvent struct {
	mask     uint32
	loc      vfs.Location
	pid      int32
	isDir    bool
	overflow bool
}

// fanGroup is an fanotify instance: its marks and its event queue.
type fanGroup struct {
	kernel.FileRefs
	queue    vfs.Queue
	released atomic.Bool
	vfs      *vfs.VFS

	initFlags   uint32
	eventFFlags int

	mu       sync.Mutex
	flags    int // O_NONBLOCK
	events   []*fanEvent
	queued   map[fanMergeKey]*fanEvent // the queued events, to merge into
	max      int                       // queued events before FAN_Q_OVERFLOW; 0: unlimited
	overflow bool
	inodes   map[vfs.WatchKey]*fanMark
	mounts   map[*vfs.Mount]*fanMark
	fss      map[vfs.FileSystem]*fanMark
}

// maxFanotifyEvents is the host's /proc/sys/fs/fanotify/max_queued_events.
func maxFanotifyEvents() int {
	data, err := os.ReadFile("/proc/sys/fs/fanotify/max_queued_events")
	if err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && n > 0 {
			return n
		}
	}
	return 16384 // Linux's default
}

// FileEvent implements vfs.FileListener: the marks of the event's object,
// parent, mount and filesystem decide whether the group reports it
// (fanotify_group_event_mask); the event then merges with a queued one of
// the same object and process, or is queued.
func (g *fanGroup) FileEvent(ev *vfs.FileEvent) {
	isDir := ev.Mask&unix.IN_ISDIR != 0
	bits := ev.Mask & fanPathEvents
	g.mu.Lock()
	type found struct {
		m    *fanMark
		iter int
	}
	var marks [4]found
	n := 0
	if m := g.inodes[ev.Loc.WatchKey()]; m != nil {
		marks[n] = found{m, fanIterInode}
		n++
	}
	if ev.Parent.Valid() {
		if m := g.inodes[ev.Parent.WatchKey()]; m != nil {
			marks[n] = found{m, fanIterParent}
			n++
		}
	}
	if m := g.mounts[ev.Loc.Mount]; m != nil {
		marks[n] = found{m, fanIterMount}
		n++
	}
	if m := g.fss[ev.Loc.Mount.FileSystem()]; m != nil {
		marks[n] = found{m, fanIterFS}
		n++
	}
	if n == 0 {
		g.mu.Unlock()
		return
	}
	if bits&unix.FAN_MODIFY != 0 {
		// A modification clears the ignore masks that do not survive it.
		for _, f := range marks[:n] {
			if !f.m.survModify {
				f.m.ignore = 0
			}
		}
	}
	var want, ignore uint32
	for _, f := range marks[:n] {
		ignore |= f.m.effectiveIgnore(isDir, f.iter)
		if applicable(f.m.mask, isDir, f.iter) {
			want |= f.m.mask
		}
	}
	// Without FID reporting the event flags (FAN_ONDIR) are not
	// reported.
	mask := bits & want &^ ignore &^ fanEventFlags
	if mask == 0 {
		g.mu.Unlock()
		return
	}
	pid := ev.PID
	if t, ok := taskOfEvent(ev); ok {
		pid = t.Process().PID
		if g.initFlags&unix.FAN_REPORT_TID != 0 {
			pid = t.TID
		}
	}
	g.queueLocked(&fanEvent{mask: mask, loc: ev.Loc, pid: int32(pid), isDir: isDir})
	g.mu.Unlock()
	g.queue.Notify(vfs.EventIn)
}

// taskOfEvent returns the task that acted, when the event's context
// names it.
func taskOfEvent(ev *vfs.FileEvent) (*kernel.Task, bool) {
	if ev.Ctx == nil {
		return nil, false
	}
	return kernel.TaskFromContext(ev.Ctx)
}

// queueLocked merges e into a queued event of the same object, process
// and kind (fanotify_merge), or queues it; a full queue ends with one
// FAN_Q_OVERFLOW event and drops the rest.
func (g *fanGroup) queueLocked(e *fanEvent) {
	if g.max > 0 && len(g.events) >= g.max {
		if !g.overflow {
			g.overflow = true
			g.events = append(g.events, &fanEvent{mask: unix.FAN_Q_OVERFLOW, overflow: true})
		}
		return
	}
	key := e.key()
	if old := g.queued[key]; old != nil {
		old.mask |= e.mask
		return
	}
	g.queued[key] = e
	g.events = append(g.events, e)
}

// fanMergeKey is what makes two events one (fanotify_should_merge): the
// same object, process and kind.
type fanMergeKey struct {
	loc   vfs.Location
	pid   int32
	isDir bool
}

func (e *fanEvent) key() fanMergeKey { return fanMergeKey{e.loc, e.pid, e.isDir} }

// release unregisters the group with its last reference.
func (g *fanGroup) release() {
	g.vfs.RemoveFileListener(g)
	g.mu.Lock()
	g.events, g.queued, g.inodes, g.mounts, g.fss = nil, nil, nil, nil, nil
	g.mu.Unlock()
	g.released.Store(true)
	g.queue.Notify(vfs.EventHup)
}

// Read implements kernel.File: whole struct fanotify_event_metadata
// records, at least one (waiting for it unless O_NONBLOCK), each with a
// descriptor of the object opened for the reader; EINVAL when the first
// does not fit.
func (g *fanGroup) Read(t *kernel.Task, p []byte) (int, error) {
	for {
		n, err := g.take(t, p)
		if err != unix.EAGAIN || g.StatusFlags()&unix.O_NONBLOCK != 0 {
			return n, err
		}
		if err := g.wait(t); err != nil {
			return 0, err
		}
	}
}

// take reports the events that fit into p.
func (g *fanGroup) take(t *kernel.Task, p []byte) (int, error) {
	out := p[:0]
	for len(p)-len(out) >= unix.FAN_EVENT_METADATA_LEN {
		g.mu.Lock()
		if len(g.events) == 0 {
			g.mu.Unlock()
			break
		}
		e := g.events[0]
		g.events[0] = nil
		g.events = g.events[1:]
		if e.overflow {
			g.overflow = false
		} else if g.queued[e.key()] == e {
			delete(g.queued, e.key())
		}
		g.mu.Unlock()
		fd, err := g.eventFD(t, e)
		if err != nil {
			if len(out) > 0 {
				return len(out), nil
			}
			return 0, err
		}
		out = binary.LittleEndian.AppendUint32(out, unix.FAN_EVENT_METADATA_LEN)
		out = append(out, unix.FANOTIFY_METADATA_VERSION, 0)
		out = binary.LittleEndian.AppendUint16(out, unix.FAN_EVENT_METADATA_LEN)
		out = binary.LittleEndian.AppendUint64(out, uint64(e.mask))
		out = binary.LittleEndian.AppendUint32(out, uint32(fd))
		out = binary.LittleEndian.AppendUint32(out, uint32(e.pid))
	}
	if len(out) > 0 {
		return len(out), nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.events) > 0 {
		return 0, unix.EINVAL // the buffer cannot hold one event
	}
	return 0, unix.EAGAIN
}

// eventFD opens the event's object for the reader with event_f_flags,
// raising no events of its own (FMODE_NONOTIFY); FAN_NOFD for the
// overflow event. With FAN_REPORT_FD_ERROR a failed open is reported in
// the fd field; otherwise the read fails with it.
func (g *fanGroup) eventFD(t *kernel.Task, e *fanEvent) (int32, error) {
	if e.overflow {
		return -1, nil
	}
	fd, err := g.openEventFD(t, e.loc)
	if err != nil {
		if g.initFlags&unix.FAN_REPORT_FD_ERROR != 0 {
			if errno, ok := err.(unix.Errno); ok {
				return -int32(errno), nil
			}
		}
		return 0, err
	}
	return int32(fd), nil
}

func (g *fanGroup) openEventFD(t *kernel.Task, loc vfs.Location) (int, error) {
	ctx, err := fsctx(t)
	if err != nil {
		return 0, err
	}
	f, err := vfs.OpenNoNotify(ctx, loc, g.eventFFlags&^unix.O_CLOEXEC)
	if err != nil {
		return 0, err
	}
	name := ""
	if full, err := vfs.PathOf(ctx, loc); err == nil {
		name = full
	}
	vf := kernel.NewVFSFile(f, name)
	defer vf.DecRef()
	return t.Process().Files().Install(vf, 0, g.eventFFlags&unix.O_CLOEXEC != 0)
}

// wait blocks until an event is queued or a signal arrives.
func (g *fanGroup) wait(t *kernel.Task) error {
	w := vfs.NewWaiter(vfs.EventIn)
	g.queue.Register(w)
	defer g.queue.Unregister(w)
	if g.Readiness(vfs.EventIn) != 0 {
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

// Write implements kernel.File: a permission response (struct
// fanotify_response); a notification group has no event waiting for
// one, so a well-formed response finds none (ENOENT), as in Linux.
func (g *fanGroup) Write(t *kernel.Task, p []byte) (int, error) {
	if len(p) < 8 {
		return 0, unix.EINVAL
	}
	fd := int32(binary.LittleEndian.Uint32(p))
	resp := binary.LittleEndian.Uint32(p[4:])
	switch resp &^ unix.FAN_AUDIT &^ (unix.FAN_ERRNO_MASK << unix.FAN_ERRNO_SHIFT) &^ unix.FAN_INFO {
	case unix.FAN_ALLOW, unix.FAN_DENY:
	default:
		return 0, unix.EINVAL
	}
	if fd < 0 {
		return 0, unix.EINVAL
	}
	return 0, unix.ENOENT
}

// Readiness implements kernel.Waitable.
func (g *fanGroup) Readiness(mask uint32) uint32 {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.events) > 0 {
		return mask & (vfs.EventIn | vfs.EventRdNorm)
	}
	return 0
}

// EventRegister implements kernel.Waitable.
func (g *fanGroup) EventRegister(w *vfs.Waiter) { g.queue.Register(w) }

// EventUnregister implements kernel.Waitable.
func (g *fanGroup) EventUnregister(w *vfs.Waiter) { g.queue.Unregister(w) }

// Released implements kernel.Waitable.
func (g *fanGroup) Released() bool { return g.released.Load() }

// StatusFlags implements kernel.FlagFile: the descriptor is O_RDWR.
func (g *fanGroup) StatusFlags() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return unix.O_RDWR | g.flags
}

// SetStatusFlags implements kernel.FlagFile.
func (g *fanGroup) SetStatusFlags(fl int) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.flags = fl & unix.O_NONBLOCK
	return nil
}

// Name is what /proc/PID/fd shows.
func (g *fanGroup) Name() string { return "anon_inode:[fanotify]" }

// Ioctl implements kernel.Ioctler: FIONREAD is the bytes of the queued
// events.
func (g *fanGroup) Ioctl(t *kernel.Task, req, arg uint64) (uint64, error) {
	if req != linux.FIONREAD {
		return 0, unix.ENOTTY
	}
	g.mu.Lock()
	n := int32(len(g.events) * unix.FAN_EVENT_METADATA_LEN)
	g.mu.Unlock()
	return 0, kernel.CopyOutStruct(t, arg, &n)
}

func sysFanotifyInit(t *kernel.Task, a shim.Args) (uint64, error) {
	flags, eventFFlags := uint32(a[0]), int(uint32(a[1]))
	if !t.Process().HasCap(kernel.CapSysAdmin) {
		// Linux lets an unprivileged user have a group that reports
		// file handles only; those modes are not served here.
		if flags&fanAdminInitFlags != 0 || flags&(fanFIDFlags|unix.FAN_REPORT_MNT) == 0 {
			return 0, unix.EPERM
		}
	}
	if flags&^fanInitFlags != 0 {
		return 0, unix.EINVAL
	}
	if flags&unix.FAN_REPORT_PIDFD != 0 && flags&unix.FAN_REPORT_TID != 0 {
		return 0, unix.EINVAL
	}
	if eventFFlags&^fanEventFFlags != 0 || eventFFlags&unix.O_ACCMODE == unix.O_ACCMODE {
		return 0, unix.EINVAL
	}
	if flags&unix.FAN_ALL_CLASS_BITS == unix.FAN_ALL_CLASS_BITS {
		return 0, unix.EINVAL
	}
	// Not served: permission classes, file handle, name, pidfd and mount
	// reporting.
	if flags&(unix.FAN_CLASS_CONTENT|unix.FAN_CLASS_PRE_CONTENT) != 0 ||
		flags&(fanFIDFlags|unix.FAN_REPORT_PIDFD|unix.FAN_REPORT_MNT) != 0 {
		return 0, unix.EINVAL
	}
	if flags&unix.FAN_ENABLE_AUDIT != 0 && !t.Process().HasCap(capAuditWrite) {
		return 0, unix.EPERM
	}
	g := &fanGroup{vfs: t.Kernel().VFS(), initFlags: flags, eventFFlags: eventFFlags, queued: map[fanMergeKey]*fanEvent{},
		inodes: map[vfs.WatchKey]*fanMark{}, mounts: map[*vfs.Mount]*fanMark{}, fss: map[vfs.FileSystem]*fanMark{}}
	if flags&unix.FAN_NONBLOCK != 0 {
		g.flags = unix.O_NONBLOCK
	}
	if flags&unix.FAN_UNLIMITED_QUEUE == 0 {
		g.max = maxFanotifyEvents()
	}
	g.InitRefs(g.release)
	g.vfs.AddFileListener(g)
	defer g.DecRef()
	fd, err := t.Process().Files().Install(g, 0, flags&unix.FAN_CLOEXEC != 0)
	return uint64(fd), err
}

func sysFanotifyMark(t *kernel.Task, a shim.Args) (uint64, error) {
	flags, mask, dirfd, pathAddr := uint32(a[1]), a[2], a.Int(3), a[4]
	if flags&^fanMarkFlags != 0 {
		return 0, unix.EINVAL
	}
	markType := flags & fanMarkTypes
	switch markType {
	case unix.FAN_MARK_INODE, unix.FAN_MARK_MOUNT, unix.FAN_MARK_FILESYSTEM:
	default:
		return 0, unix.EINVAL // FAN_MARK_MNTNS needs FAN_REPORT_MNT
	}
	cmd := flags & (unix.FAN_MARK_ADD | unix.FAN_MARK_REMOVE | unix.FAN_MARK_FLUSH)
	switch cmd {
	case unix.FAN_MARK_ADD, unix.FAN_MARK_REMOVE:
		if mask == 0 {
			return 0, unix.EINVAL
		}
	case unix.FAN_MARK_FLUSH:
		if flags&^(fanMarkTypes|unix.FAN_MARK_FLUSH) != 0 {
			return 0, unix.EINVAL
		}
	default:
		return 0, unix.EINVAL
	}
	if mask&^uint64(fanKnownEvents) != 0 {
		return 0, unix.EINVAL
	}
	ignore := flags & (unix.FAN_MARK_IGNORE | unix.FAN_MARK_IGNORED_MASK)
	if ignore == unix.FAN_MARK_IGNORE|unix.FAN_MARK_IGNORED_MASK {
		return 0, unix.EINVAL
	}
	m := uint32(mask)
	if ignore == unix.FAN_MARK_IGNORED_MASK {
		m &^= fanEventFlags // the event flags mean nothing in an ignore mask
	}
	f, err := fileOf(t, a.Int(0))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	g, ok := f.(*fanGroup)
	if !ok {
		return 0, unix.EINVAL
	}
	if markType != unix.FAN_MARK_INODE && !t.Process().HasCap(kernel.CapSysAdmin) {
		return 0, unix.EPERM
	}
	// Permission events need a content class, FAN_FS_ERROR a
	// filesystem mark, and the events without a path FID reporting:
	// none of them is possible in the groups served here.
	if m&fanPermEvents != 0 || m&unix.FAN_FS_ERROR != 0 || m&^(fanPathEvents|fanEventFlags) != 0 {
		return 0, unix.EINVAL
	}
	if flags&unix.FAN_MARK_EVICTABLE != 0 && markType != unix.FAN_MARK_INODE {
		return 0, unix.EINVAL
	}
	if flags&(unix.FAN_MARK_EVICTABLE|unix.FAN_MARK_IGNORE) != 0 {
		return 0, unix.EINVAL // not served
	}
	if cmd == unix.FAN_MARK_FLUSH {
		g.flush(markType)
		return 0, nil
	}
	loc, err := fanotifyPath(t, flags, dirfd, pathAddr)
	if err != nil {
		return 0, err
	}
	var umask uint32
	if markType != unix.FAN_MARK_INODE || !loc.IsDir() {
		m &^= unix.FAN_EVENT_ON_CHILD
		umask = unix.FAN_EVENT_ON_CHILD
	}
	if ignore != 0 {
		umask = fanEventFlags
	}
	if cmd == unix.FAN_MARK_ADD {
		g.addMark(markType, loc, m, ignore != 0, flags&unix.FAN_MARK_IGNORED_SURV_MODIFY != 0)
		return 0, nil
	}
	return 0, g.removeMark(markType, loc, m, ignore != 0, umask)
}

// fanotifyPath resolves fanotify_mark's object (fanotify_find_path): the
// descriptor dirfd itself without a path, else the path relative to it;
// the caller needs read permission on it.
func fanotifyPath(t *kernel.Task, flags uint32, dirfd int, pathAddr uint64) (vfs.Location, error) {
	var loc vfs.Location
	ctx, err := fsctx(t)
	if err != nil {
		return loc, err
	}
	if pathAddr == 0 {
		vf, err := vfsFileOf(t, dirfd, unix.EBADF)
		if err != nil {
			return loc, err
		}
		loc = vf.F.Location()
		vf.DecRef()
		if !loc.Valid() {
			return loc, unix.EINVAL
		}
		if flags&unix.FAN_MARK_ONLYDIR != 0 && !loc.IsDir() {
			return loc, unix.ENOTDIR
		}
	} else {
		p, err := path(t, pathAddr)
		if err != nil {
			return loc, err
		}
		ctx, start, err := start(t, dirfd, p)
		if err != nil {
			return loc, err
		}
		rflags := 0
		if flags&unix.FAN_MARK_DONT_FOLLOW != 0 {
			rflags = unix.AT_SYMLINK_NOFOLLOW
		}
		if flags&unix.FAN_MARK_ONLYDIR != 0 && p != "" && !strings.HasSuffix(p, "/") {
			p += "/"
		}
		loc, err = vfs.ResolveAt(ctx, start, p, rflags)
		if err != nil {
			return loc, err
		}
	}
	return loc, vfs.AccessAt(ctx, loc, "", unix.R_OK, unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW)
}

// markSlot returns the group's mark of the object, creating it when
// create is set. Caller holds mu.
func (g *fanGroup) markSlot(markType uint32, loc vfs.Location, create bool) *fanMark {
	var m *fanMark
	switch markType {
	case unix.FAN_MARK_MOUNT:
		if m = g.mounts[loc.Mount]; m == nil && create {
			m = &fanMark{}
			g.mounts[loc.Mount] = m
		}
	case unix.FAN_MARK_FILESYSTEM:
		fs := loc.Mount.FileSystem()
		if m = g.fss[fs]; m == nil && create {
			m = &fanMark{}
			g.fss[fs] = m
		}
	default:
		key := loc.WatchKey()
		if m = g.inodes[key]; m == nil && create {
			m = &fanMark{}
			g.inodes[key] = m
		}
	}
	return m
}

// addMark adds mask to the object's mark (or to its ignore mask).
func (g *fanGroup) addMark(markType uint32, loc vfs.Location, mask uint32, ignore, survModify bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	m := g.markSlot(markType, loc, true)
	if ignore {
		m.ignore |= mask
		if survModify {
			m.survModify = true
		}
		return
	}
	m.mask |= mask
}

// removeMark removes mask from the object's mark (ENOENT without one),
// and the mark once nothing but the flags in umask is left.
func (g *fanGroup) removeMark(markType uint32, loc vfs.Location, mask uint32, ignore bool, umask uint32) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	m := g.markSlot(markType, loc, false)
	if m == nil {
		return unix.ENOENT
	}
	if ignore {
		m.ignore &^= mask
	} else {
		m.mask &^= mask
	}
	if (m.mask|m.ignore)&^umask == 0 {
		switch markType {
		case unix.FAN_MARK_MOUNT:
			delete(g.mounts, loc.Mount)
		case unix.FAN_MARK_FILESYSTEM:
			delete(g.fss, loc.Mount.FileSystem())
		default:
			delete(g.inodes, loc.WatchKey())
		}
	}
	return nil
}

// flush removes every mark of the type.
func (g *fanGroup) flush(markType uint32) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch markType {
	case unix.FAN_MARK_MOUNT:
		g.mounts = map[*vfs.Mount]*fanMark{}
	case unix.FAN_MARK_FILESYSTEM:
		g.fss = map[vfs.FileSystem]*fanMark{}
	default:
		g.inodes = map[vfs.WatchKey]*fanMark{}
	}
}

// capAuditWrite is CAP_AUDIT_WRITE (FAN_ENABLE_AUDIT needs it).
const capAuditWrite = 29
