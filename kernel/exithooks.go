package kernel

import "sync"

// exitHooks are the functions handler libraries asked to run when a
// process exits (SysV semaphore undo, shared memory detach): library state
// that outlives one syscall but belongs to the process.
type exitHooks struct {
	mu    sync.Mutex
	hooks map[any]func()
	ran   bool
}

// OnExit registers f to run once when the process exits, before its
// parent can see the exit. key identifies the caller (a library registers
// one hook per process; a second call with the same key replaces it). A
// hook registered after the process has exited runs at once.
func (p *Process) OnExit(key any, f func()) {
	h := &p.exitHooks
	h.mu.Lock()
	if h.ran {
		h.mu.Unlock()
		f()
		return
	}
	if h.hooks == nil {
		h.hooks = map[any]func(){}
	}
	h.hooks[key] = f
	h.mu.Unlock()
}

// runExitHooks runs the registered hooks once.
func (p *Process) runExitHooks() {
	h := &p.exitHooks
	h.mu.Lock()
	hooks := h.hooks
	h.hooks, h.ran = nil, true
	h.mu.Unlock()
	for _, f := range hooks {
		f()
	}
}
