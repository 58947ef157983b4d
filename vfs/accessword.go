package vfs

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// accessWord is the VFS's word (outside the Go heap, like a gate) that
// reads nonzero while an inotify watch or a fanotify group exists: reads
// and sendfile raise IN_ACCESS / FAN_ACCESS for them, so a platform that
// serves reads without the vfs (HostPreader, kernel/passthrough.go) must
// leave them to it then.
type accessWord struct {
	once  sync.Once
	gates *Gates
	word  *atomic.Uint64
}

// AccessWord returns the VFS's access word (nil when no page could be
// mapped for it).
func (v *VFS) AccessWord() *atomic.Uint64 {
	a := &v.access
	a.once.Do(func() {
		a.gates = new(Gates)
		a.word = a.gates.New()
		if a.word == nil {
			return
		}
		runtime.AddCleanup(v, func(g *Gates) { g.Unmap() }, a.gates)
		v.updateAccessWord()
	})
	return a.word
}

// updateAccessWord sets the access word from the watch and listener
// counts; called after each change of either.
func (v *VFS) updateAccessWord() {
	w := v.access.word
	if w == nil {
		return
	}
	if v.notify.count.Load() > 0 || v.listeners.count.Load() > 0 {
		w.Store(1)
	} else {
		w.Store(0)
	}
}
