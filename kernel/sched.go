package kernel

// Sched is a process's scheduling attributes as the app set them (nice
// value, policy and static priority). elfloader records them with Linux's
// rules; the host threads that run the app keep the host's scheduling.
type Sched struct {
	Nice        int // -20..19
	Policy      int // SCHED_*
	Priority    int // sched_priority: 1..99 for SCHED_FIFO/RR, else 0
	ResetOnFork bool
	// SCHED_DEADLINE's parameters (sched_setattr), in nanoseconds, and
	// its flags (SCHED_FLAG_RECLAIM, SCHED_FLAG_DL_OVERRUN).
	Runtime, Deadline, Period uint64
	DLFlags                   uint64
	// Slice is a fair policy's custom time slice (sched_setattr's
	// sched_runtime, EEVDF), 0 for the default.
	Slice uint64
}

// Sched returns the process's scheduling attributes.
func (p *Process) Sched() Sched {
	p.credMu.Lock()
	defer p.credMu.Unlock()
	return p.sched
}

// UpdateSched changes the scheduling attributes unless change fails.
func (p *Process) UpdateSched(change func(s *Sched) error) error {
	p.credMu.Lock()
	defer p.credMu.Unlock()
	s := p.sched
	if err := change(&s); err != nil {
		return err
	}
	p.sched = s
	return nil
}

// inheritSched gives a child its parent's attributes (SCHED_RESET_ON_FORK
// returns a real-time policy to SCHED_OTHER and a negative nice to 0).
func (p *Process) inheritSched(parent *Process) {
	s := parent.Sched()
	if s.ResetOnFork {
		if s.Policy != 0 && s.Policy != schedBatch && s.Policy != schedIdle {
			s.Policy, s.Priority = 0, 0
			s.Runtime, s.Deadline, s.Period, s.DLFlags = 0, 0, 0, 0
			s.Nice = 0
		}
		s.Nice = max(s.Nice, 0)
		s.Slice = 0
		s.ResetOnFork = false
	}
	p.sched = s
}

// The fair policies a reset on fork keeps (Linux's sched_fork resets
// only real-time and deadline policies).
const (
	schedBatch = 3
	schedIdle  = 5
)
