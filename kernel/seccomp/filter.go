package seccomp

import (
	"errors"
	"fmt"
)

// Return values of a filter (linux/seccomp.h): the action in the high
// bits, its data (an errno, a tracer's message) in the low 16.
const (
	RetKillProcess = 0x80000000
	RetKillThread  = 0x00000000
	RetTrap        = 0x00030000
	RetErrno       = 0x00050000
	RetUserNotif   = 0x7fc00000
	RetTrace       = 0x7ff00000
	RetLog         = 0x7ffc0000
	RetAllow       = 0x7fff0000

	RetActionFull = 0xffff0000
	RetData       = 0x0000ffff
)

// Modes, as PR_GET_SECCOMP and /proc/PID/status report them.
const (
	ModeDisabled = 0
	ModeStrict   = 1
	ModeFilter   = 2
)

// MaxInsnsPerPath bounds the instructions of a thread's whole chain (each
// filter counted with a penalty of 4), as Linux's MAX_INSNS_PER_PATH.
const MaxInsnsPerPath = (1 << 18) / InsnSize

// ErrTooLong is the answer when a new filter would make the chain too
// long (ENOMEM).
var ErrTooLong = errors.New("seccomp filter chain too long")

// ActionKnown reports whether action (the high bits of a return value) is
// one Linux implements (SECCOMP_GET_ACTION_AVAIL).
func ActionKnown(action uint32) bool {
	switch action {
	case RetKillProcess, RetKillThread, RetTrap, RetErrno, RetUserNotif, RetTrace, RetLog, RetAllow:
		return true
	}
	return false
}

// Filter is one installed filter and, through Prev, the ones installed
// before it on the thread. A Filter never changes once installed: threads
// and children share chains.
type Filter struct {
	prog []Insn
	// Log is SECCOMP_FILTER_FLAG_LOG.
	Log bool
	// Prev is the filter installed before this one, or nil.
	Prev *Filter
	// Count is the number of filters in the chain ending here
	// (/proc/PID/status's Seccomp_filters).
	Count int
	// insns is the chain's length with Linux's per-filter penalty.
	insns int
}

// NewFilter validates prog and stacks it on prev (nil: the first).
func NewFilter(prog []Insn, prev *Filter, log bool) (*Filter, error) {
	if err := Validate(prog); err != nil {
		return nil, err
	}
	f := &Filter{prog: prog, Log: log, Prev: prev, Count: 1, insns: len(prog)}
	if prev != nil {
		f.Count += prev.Count
		f.insns += prev.insns + 4
	}
	if f.insns > MaxInsnsPerPath {
		return nil, fmt.Errorf("%w: %d instructions", ErrTooLong, f.insns)
	}
	return f, nil
}

// IsAncestor reports whether f is in the chain that ends at child
// (a nil f, no filter, is everyone's ancestor).
func (f *Filter) IsAncestor(child *Filter) bool {
	if f == nil {
		return true
	}
	for c := child; c != nil; c = c.Prev {
		if c == f {
			return true
		}
	}
	return false
}

// Evaluate runs every filter of the chain, newest first, and returns the
// winning return value and the filter that gave it. The lowest action
// compared as a signed 32-bit number wins (so KILL_PROCESS, 0x80000000,
// beats everything); an equal one does not replace an earlier (newer)
// result.
func (f *Filter) Evaluate(d *Data) (ret uint32, from *Filter) {
	ret = RetAllow
	for w := f; w != nil; w = w.Prev {
		cur := Run(w.prog, d)
		if int32(cur&RetActionFull) < int32(ret&RetActionFull) {
			ret, from = cur, w
		}
	}
	return ret, from
}
