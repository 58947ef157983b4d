package kernel

import "sync"

// MMObserver is told about an address space's life by a handler library
// that keeps state per address space (SysV shared memory attachments), as
// Linux's vm_operations open and close are for a mapping: Forked when a
// fork copies the address space (the child's mappings are the parent's),
// Released when its last process, pid, leaves it (exit, execve). Both run
// without the MM's lock held; the child of Forked is not running yet.
type MMObserver interface {
	Forked(parent, child *MM)
	Released(m *MM, pid int)
}

// mmObservers are the observers of one MM; fork children inherit them.
type mmObservers struct {
	mu   sync.Mutex
	list map[any]MMObserver
}

// Observe registers o for this address space and those forked from it;
// key identifies the library (a second call with the same key replaces
// the observer).
func (m *MM) Observe(key any, o MMObserver) {
	m.observers.mu.Lock()
	defer m.observers.mu.Unlock()
	if m.observers.list == nil {
		m.observers.list = map[any]MMObserver{}
	}
	m.observers.list[key] = o
}

// observerList returns a copy of the observers.
func (m *MM) observerList() map[any]MMObserver {
	m.observers.mu.Lock()
	defer m.observers.mu.Unlock()
	if len(m.observers.list) == 0 {
		return nil
	}
	out := make(map[any]MMObserver, len(m.observers.list))
	for k, o := range m.observers.list {
		out[k] = o
	}
	return out
}

// forked gives child the parent's observers and tells them.
func (m *MM) forked(child *MM) {
	list := m.observerList()
	child.observers.list = list
	for _, o := range list {
		o.Forked(m, child)
	}
}

// released tells the observers that the address space is gone; pid was
// its last process.
func (m *MM) released(pid int) {
	for _, o := range m.observerList() {
		o.Released(m, pid)
	}
}
