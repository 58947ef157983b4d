package sandbox

import (
	"fmt"
	"slices"

	"golang.org/x/sys/unix"
)

// Offsets in struct seccomp_data, the record a seccomp filter reads.
const (
	offNr     = 0
	offArch   = 4
	offIPLo   = 8
	offIPHi   = 12
	offArgs   = 16
	seccompSz = 64
)

// argLo is the offset of the low 32 bits of syscall argument i.
func argLo(i int) uint32 { return uint32(offArgs + 8*i) }

// label names a place in a program under construction.
type label int32

// jump is one jump whose targets are labels, resolved when the program
// is finished (classic BPF jumps are forward only; a conditional one is
// at most 255 instructions long, an unconditional one, always, is not
// bounded).
type jump struct {
	at     int32
	jt, jf label
	always bool
}

// program assembles a classic BPF program with forward jumps to labels.
type program struct {
	insns  []unix.SockFilter
	jumps  []jump
	places []int32 // label -> instruction index, -1 until placed
}

// newProgram starts a program with room for about n instructions, so
// that building it allocates little (at start-up, fresh heap pages are
// page faults).
func newProgram(n int) *program {
	return &program{
		insns:  make([]unix.SockFilter, 0, n),
		jumps:  make([]jump, 0, n),
		places: make([]int32, 0, n),
	}
}

// next is the label "the instruction after this one", resolved at once.
const next label = -1

func (p *program) newLabel() label {
	p.places = append(p.places, -1)
	return label(len(p.places) - 1)
}

// place puts l at the next instruction.
func (p *program) place(l label) { p.places[l] = int32(len(p.insns)) }

func (p *program) load(off uint32) {
	p.insns = append(p.insns, unix.SockFilter{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: off})
}

func (p *program) ret(action uint32) {
	p.insns = append(p.insns, unix.SockFilter{Code: unix.BPF_RET | unix.BPF_K, K: action})
}

// jmp adds a conditional jump (op is BPF_JEQ, BPF_JGE, BPF_JGT or
// BPF_JSET against k) to jt when it holds, jf otherwise.
func (p *program) jmp(op uint16, k uint32, jt, jf label) {
	p.jumps = append(p.jumps, jump{at: int32(len(p.insns)), jt: jt, jf: jf})
	p.insns = append(p.insns, unix.SockFilter{Code: unix.BPF_JMP | op | unix.BPF_K, K: k})
}

// ja adds an unconditional jump to l.
func (p *program) ja(l label) {
	p.jumps = append(p.jumps, jump{at: int32(len(p.insns)), jt: l, always: true})
	p.insns = append(p.insns, unix.SockFilter{Code: unix.BPF_JMP | unix.BPF_JA})
}

// retIfMember adds a search for the accumulator in the set nrs: it
// returns action when the value is there and jumps to out when not. The
// set is cut into runs of consecutive numbers searched as a balanced tree
// of comparisons, so that a call costs a few instructions whatever its
// number, and so that the host's verdict cache, which runs the filter
// once per call number while it is installed, is cheap to build (a chain
// of one comparison per number made the install cost a tenth of a
// millisecond, of every start).
func (p *program) retIfMember(nrs []uint32, action uint32, out label) {
	set := slices.Clone(nrs)
	slices.Sort(set)
	set = slices.Compact(set)
	// The intervals partition the 32-bit values: starts[i] begins interval
	// i, members[i] says whether its values are in the set.
	starts, members := make([]uint32, 1, 2*len(set)+1), make([]bool, 1, 2*len(set)+1)
	for i, nr := range set {
		if i == 0 || set[i-1]+1 != nr {
			if nr == 0 {
				members[0] = true
			} else {
				starts, members = append(starts, nr), append(members, true)
			}
		}
		if nr != ^uint32(0) && (i+1 == len(set) || set[i+1] != nr+1) {
			starts, members = append(starts, nr+1), append(members, false)
		}
	}
	p.searchIntervals(starts, members, action, out)
}

// searchIntervals emits the comparison tree over the intervals.
func (p *program) searchIntervals(starts []uint32, members []bool, action uint32, out label) {
	if len(starts) == 1 {
		if members[0] {
			p.ret(action)
		} else {
			p.ja(out)
		}
		return
	}
	mid := len(starts) / 2
	upper := p.newLabel()
	// A subtree of n intervals takes at most 3n instructions; one longer
	// than a conditional jump can skip is skipped by an unconditional one.
	if 3*mid <= 255 {
		p.jmp(unix.BPF_JGE, starts[mid], upper, next)
	} else {
		lower := p.newLabel()
		p.jmp(unix.BPF_JGE, starts[mid], next, lower)
		p.ja(upper)
		p.place(lower)
	}
	p.searchIntervals(starts[:mid], members[:mid], action, out)
	p.place(upper)
	p.searchIntervals(starts[mid:], members[mid:], action, out)
}

// finish resolves the jumps.
func (p *program) finish() ([]unix.SockFilter, error) {
	offset := func(from int32, l label) (uint8, error) {
		if l == next {
			return 0, nil
		}
		to := p.places[l]
		if to <= from {
			return 0, fmt.Errorf("bpf: label %d not placed after instruction %d", l, from)
		}
		d := to - from - 1
		if d > 255 {
			return 0, fmt.Errorf("bpf: jump from %d to %d is too long", from, to)
		}
		return uint8(d), nil
	}
	for _, j := range p.jumps {
		var err error
		if j.always {
			to := p.places[j.jt]
			if to <= j.at {
				return nil, fmt.Errorf("bpf: label %d not placed after instruction %d", j.jt, j.at)
			}
			p.insns[j.at].K = uint32(to - j.at - 1)
			continue
		}
		if p.insns[j.at].Jt, err = offset(j.at, j.jt); err != nil {
			return nil, err
		}
		if p.insns[j.at].Jf, err = offset(j.at, j.jf); err != nil {
			return nil, err
		}
	}
	if len(p.insns) > unix.BPF_MAXINSNS {
		return nil, fmt.Errorf("bpf: %d instructions, the kernel takes at most %d", len(p.insns), unix.BPF_MAXINSNS)
	}
	return p.insns, nil
}
