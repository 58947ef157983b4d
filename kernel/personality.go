package kernel

// Personality flags (include/uapi/linux/personality.h).
const (
	PerUname26          = 0x0020000
	PerAddrNoRandomize  = 0x0040000
	PerMmapPageZero     = 0x0100000
	PerAddrCompatLayout = 0x0200000
	PerReadImpliesExec  = 0x0400000
	// PerClearOnSetID are the flags an exec that raises privileges drops
	// (PER_CLEAR_ON_SETID).
	PerClearOnSetID = PerReadImpliesExec | PerAddrNoRandomize | PerAddrCompatLayout | PerMmapPageZero
)

// Personality is the thread's execution domain and flags (personality(2)):
// like Linux's task_struct.personality it belongs to the thread, is
// inherited by the threads and processes it creates and is kept across
// exec (see execPersonality).
func (t *Task) Personality() uint32 { return t.personality.Load() }

// SetPersonality records a new personality and returns the old one.
// Linux's set_personality takes any value.
func (t *Task) SetPersonality(v uint32) uint32 { return t.personality.Swap(v) }

// execPersonality applies exec's rules to the thread that execs: a 64-bit
// program never starts with READ_IMPLIES_EXEC (set_personality_64bit),
// and an exec that changes the effective ids or gains capabilities drops
// PER_CLEAR_ON_SETID (Linux's bprm->per_clear).
func (t *Task) execPersonality(raised bool) {
	v := t.personality.Load() &^ PerReadImpliesExec
	if raised {
		v &^= PerClearOnSetID
	}
	t.personality.Store(v)
}

// Personality is /proc/PID/personality: the personality of thread tid
// (the leader's for an unknown one).
func (v procView) Personality(tid int) uint32 {
	p := v.p
	p.mu.Lock()
	t := p.tasks[tid]
	if t == nil {
		t = p.leader
	}
	p.mu.Unlock()
	if t == nil {
		return 0
	}
	return t.Personality()
}
