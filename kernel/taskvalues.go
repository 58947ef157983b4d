package kernel

import "sync"

// taskValues are per-thread attributes that handler libraries keep under
// keys of their own (the NUMA memory policy, the I/O priority, ...): a new
// thread or process starts with its creator's, and exec keeps them, as
// Linux keeps these attributes in the task. Values are replaced, never
// changed in place, so a copy of the map shares them safely.
type taskValues struct {
	mu sync.Mutex
	m  map[any]any
}

// TaskValue returns the value the task holds under key.
func (t *Task) TaskValue(key any) (any, bool) {
	t.values.mu.Lock()
	defer t.values.mu.Unlock()
	v, ok := t.values.m[key]
	return v, ok
}

// SetTaskValue replaces the task's value under key (nil removes it).
func (t *Task) SetTaskValue(key, v any) {
	t.values.mu.Lock()
	defer t.values.mu.Unlock()
	if v == nil {
		delete(t.values.m, key)
		return
	}
	if t.values.m == nil {
		t.values.m = map[any]any{}
	}
	t.values.m[key] = v
}

// inheritValues gives a new task a copy of t's values.
func (t *Task) inheritValues(nt *Task) {
	t.values.mu.Lock()
	defer t.values.mu.Unlock()
	if len(t.values.m) == 0 {
		return
	}
	nt.values.m = make(map[any]any, len(t.values.m))
	for k, v := range t.values.m {
		nt.values.m[k] = v
	}
}
