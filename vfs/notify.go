package vfs

import (
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
