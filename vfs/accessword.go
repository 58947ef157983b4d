package vfs

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// The bits of a VFS's access word (VFS.AccessWord).
const (
	// AccessWatched: an inotify watch or a fanotify group exists. Reads,
	// sendfile and closes raise IN_ACCESS / IN_CLOSE_* / FAN_* for them
	// through the vfs alone, so a platform that serves such calls without
	// the vfs (HostPreader, kernel/passthrough.go) must leave them to it.
	AccessWatched = 1 << 0
	// AccessLocked: a record lock, an OFD lock, a flock or a lease has
	// been taken in this VFS (for good): a close has effects then (locks
	// released, lease holders' open counts), so closes go to the kernel.
	AccessLocked = 1 << 1
)

// accessWord is the VFS's access word, outside the Go heap like a gate.
type accessWord struct {
	once   sync.Once
	gates  *Gates
	word   *atomic.Uint64
	mu     sync.Mutex // orders the updates of word
	locked atomic.Bool
}

// AccessWord returns the VFS's access word (nil when no page could be
// mapped for it): the Access* bits.
func (v *VFS) AccessWord() *atomic.Uint64 {
	a := &v.access
	a.once.Do(func() {
		a.gates = new(Gates)
		w := a.gates.New()
		if w == nil {
			return
		}
		runtime.AddCleanup(v, func(g *Gates) { g.Unmap() }, a.gates)
		a.mu.Lock()
		a.word = w
		a.mu.Unlock()
		v.updateAccessWord()
	})
	return a.word
}

// updateAccessWord sets the access word from the watch and listener
// counts and the locks taken; called after each change of either.
func (v *VFS) updateAccessWord() {
	a := &v.access
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.word == nil {
		return
	}
	var bits uint64
	if v.notify.count.Load() > 0 || v.listeners.count.Load() > 0 {
		bits |= AccessWatched
	}
	if a.locked.Load() {
		bits |= AccessLocked
	}
	a.word.Store(bits)
}

// markLocked records that a lock or lease was taken (AccessLocked).
func (v *VFS) markLocked() {
	if !v.access.locked.Swap(true) {
		v.updateAccessWord()
	}
}
