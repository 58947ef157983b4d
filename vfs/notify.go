package vfs

import (
	"context"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Watcher hears the filesystem events of one watched inode (inotify's
// watch). name is empty for events on the inode itself and names the
// entry for events on a child of a watched directory; cookie ties
// IN_MOVED_FROM to its IN_MOVED_TO. Event runs without vfs locks held.
type Watcher interface {
	Event(mask, cookie uint32, name string)
}

// WatchKey identifies a watched inode: its filesystem and inode number, so
// that every name and mount of the inode shares the watches.
type WatchKey struct {
	fs  FileSystem
	ino uint64
}

// notifier is the VFS's table of watches.
type notifier struct {
	mu      sync.Mutex
	watches map[WatchKey]map[Watcher]struct{}
	count   atomic.Int64 // watches in the table: the fast path skips events at 0
	cookie  atomic.Uint32
}

// WatchKey returns the key of the location's inode.
func (l Location) WatchKey() WatchKey { return keyOf(l.Mount, l.Dentry) }

func keyOf(m *Mount, d *Dentry) WatchKey { return WatchKey{fs: m.fs, ino: d.ino} }

// AddWatch registers w for events on the location's inode.
func (l Location) AddWatch(w Watcher) WatchKey {
	n := &l.Mount.vfs.notify
	key := l.WatchKey()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.watches == nil {
		n.watches = make(map[WatchKey]map[Watcher]struct{})
	}
	set := n.watches[key]
	if set == nil {
		set = make(map[Watcher]struct{})
		n.watches[key] = set
	}
	if _, ok := set[w]; !ok {
		set[w] = struct{}{}
		n.count.Add(1)
		l.Mount.vfs.updateAccessWord()
	}
	return key
}

// RemoveWatch unregisters w from the inode key; removing an absent
// watcher does nothing.
func (l Location) RemoveWatch(key WatchKey, w Watcher) {
	n := &l.Mount.vfs.notify
	n.mu.Lock()
	defer n.mu.Unlock()
	set := n.watches[key]
	if _, ok := set[w]; !ok {
		return
	}
	delete(set, w)
	n.count.Add(-1)
	l.Mount.vfs.updateAccessWord()
	if len(set) == 0 {
		delete(n.watches, key)
	}
}

// watchersOf returns the watchers of key (a snapshot).
func (n *notifier) watchersOf(key WatchKey) []Watcher {
	n.mu.Lock()
	defer n.mu.Unlock()
	set := n.watches[key]
	out := make([]Watcher, 0, len(set))
	for w := range set {
		out = append(out, w)
	}
	return out
}

func (n *notifier) active() bool { return n.count.Load() > 0 }

func (n *notifier) send(key WatchKey, mask, cookie uint32, name string) {
	for _, w := range n.watchersOf(key) {
		w.Event(mask, cookie, name)
	}
}

// isDirBit is IN_ISDIR for events about a directory.
func isDirBit(typ uint32) uint32 {
	if typ == unix.S_IFDIR {
		return unix.IN_ISDIR
	}
	return 0
}

// notifyEntry raises an event about the entry name of directory dir: to
// the directory's watchers, with the name (IN_CREATE, IN_DELETE,
// IN_MOVED_FROM/TO).
func notifyEntry(dir Location, name string, mask, cookie uint32) {
	n := &dir.Mount.vfs.notify
	if !n.active() {
		return
	}
	n.send(dir.WatchKey(), mask, cookie, name)
}

// notifyInode raises an event on the inode at loc: to its parent
// directory's watchers with its name, then to its own watchers, the order
// Linux reports them in (IN_ACCESS, IN_MODIFY, IN_ATTRIB, IN_OPEN,
// IN_CLOSE_*).
func notifyInode(loc Location, mask uint32) {
	if !loc.Valid() {
		return
	}
	v := loc.Mount.vfs
	if !v.notify.active() {
		return
	}
	mask |= isDirBit(loc.Dentry.typ)
	v.treeMu.RLock()
	parent, name, dead := loc.Dentry.parent, loc.Dentry.name, loc.Dentry.dead
	v.treeMu.RUnlock()
	if parent != nil && !dead {
		v.notify.send(keyOf(loc.Mount, parent), mask, 0, name)
	}
	v.notify.send(loc.WatchKey(), mask, 0, "")
}

// notifySelf raises an event only the inode's own watchers hear.
func notifySelf(m *Mount, d *Dentry, mask uint32) {
	if !m.vfs.notify.active() {
		return
	}
	m.vfs.notify.send(keyOf(m, d), mask|isDirBit(d.typ), 0, "")
}

// notifyRemoved tells the watchers of an inode that lost a name: its link
// count changed (IN_ATTRIB, not for directories), and IN_DELETE_SELF once
// it has no name left.
func notifyRemoved(loc Location) {
	if !loc.Mount.vfs.notify.active() {
		return
	}
	if loc.Dentry.typ != unix.S_IFDIR {
		notifySelf(loc.Mount, loc.Dentry, unix.IN_ATTRIB)
		if st, err := loc.Dentry.inode.Stat(); err == nil && st.Nlink > 0 {
			return
		}
	}
	notifySelf(loc.Mount, loc.Dentry, unix.IN_DELETE_SELF)
}

// nextCookie returns a cookie for a rename's pair of events.
func (n *notifier) nextCookie() uint32 {
	for {
		if c := n.cookie.Add(1); c != 0 {
			return c
		}
	}
}

// FileEvent is an event about an open file (fanotify's FAN_ACCESS,
// FAN_MODIFY, FAN_OPEN, FAN_CLOSE_*), with what a listener needs beyond
// inotify's (mask, cookie, name): the object itself, so that it can open
// it again (fanotify's event fd), its mount and filesystem (mount and
// filesystem marks), its parent directory (marks with
// FAN_EVENT_ON_CHILD), and who acted.
//
// The vfs knows no tasks: the acting task is named by Ctx, the context
// of the read or write the event comes from (the kernel puts its task
// there, kernel.TaskFromContext), and PID is the process that opened
// the file (the vfs.Context's PID at open), which listeners use when Ctx
// names no task (opens, closes, positioned I/O).
type FileEvent struct {
	// Mask is the event's IN_* bit with IN_ISDIR for a directory (the
	// FAN_* values are the same bits).
	Mask uint32
	// Loc is the object; Parent its parent directory in the same mount
	// when it has one (zero for a mount's root or a removed name).
	Loc, Parent Location
	// Ctx is the acting call's context, nil when unknown.
	Ctx context.Context
	// PID is the process that opened the file.
	PID int
}

// FileListener hears every FileEvent of a VFS (a fanotify group), and
// filters them by its own marks. FileEvent runs without vfs locks held,
// on the acting task's goroutine.
type FileListener interface {
	FileEvent(ev *FileEvent)
}

// fileListeners is the VFS's set of FileListeners.
type fileListeners struct {
	mu    sync.Mutex
	set   map[FileListener]struct{}
	count atomic.Int64
}

// AddFileListener registers l for the VFS's file events.
func (v *VFS) AddFileListener(l FileListener) {
	fl := &v.listeners
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if fl.set == nil {
		fl.set = make(map[FileListener]struct{})
	}
	if _, ok := fl.set[l]; !ok {
		fl.set[l] = struct{}{}
		fl.count.Add(1)
		v.updateAccessWord()
	}
}

// RemoveFileListener unregisters l; removing an absent one does nothing.
func (v *VFS) RemoveFileListener(l FileListener) {
	fl := &v.listeners
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if _, ok := fl.set[l]; ok {
		delete(fl.set, l)
		fl.count.Add(-1)
		v.updateAccessWord()
	}
}

// snapshot returns the listeners (a copy).
func (fl *fileListeners) snapshot() []FileListener {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	out := make([]FileListener, 0, len(fl.set))
	for l := range fl.set {
		out = append(out, l)
	}
	return out
}

// notifyFile raises an event of the open file f: the inotify events of
// its inode, and a FileEvent for the file listeners. Files opened with
// OpenNoNotify (fanotify's event fds, Linux's FMODE_NONOTIFY) raise none.
func notifyFile(f *File, ctx context.Context, mask uint32) {
	if f.noNotify || !f.loc.Valid() {
		return
	}
	notifyInode(f.loc, mask)
	v := f.loc.Mount.vfs
	if v.listeners.count.Load() == 0 {
		return
	}
	ev := &FileEvent{Mask: mask | isDirBit(f.loc.Dentry.typ), Loc: f.loc, Ctx: ctx, PID: int(f.pid)}
	v.treeMu.RLock()
	parent, dead := f.loc.Dentry.parent, f.loc.Dentry.dead
	v.treeMu.RUnlock()
	if parent != nil && !dead {
		ev.Parent = Location{Mount: f.loc.Mount, Dentry: parent}
	}
	for _, l := range v.listeners.snapshot() {
		l.FileEvent(ev)
	}
}
