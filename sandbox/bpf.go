package sandbox

import (
	"fmt"

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
type label int

// jump is one conditional jump whose targets are labels, resolved when
// the program is finished (classic BPF jumps are forward only and at most
// 255 instructions long).
type jump struct {
	at     int
	jt, jf label
}

// program assembles a classic BPF program with forward jumps to labels.
type program struct {
	insns  []unix.SockFilter
	jumps  []jump
	places []int // label -> instruction index, -1 until placed
}

// next is the label "the instruction after this one", resolved at once.
const next label = -1

func (p *program) newLabel() label {
	p.places = append(p.places, -1)
	return label(len(p.places) - 1)
}

// place puts l at the next instruction.
func (p *program) place(l label) { p.places[l] = len(p.insns) }

func (p *program) load(off uint32) {
	p.insns = append(p.insns, unix.SockFilter{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: off})
}

func (p *program) ret(action uint32) {
	p.insns = append(p.insns, unix.SockFilter{Code: unix.BPF_RET | unix.BPF_K, K: action})
}

// jmp adds a conditional jump (op is BPF_JEQ, BPF_JGE, BPF_JGT or
// BPF_JSET against k) to jt when it holds, jf otherwise.
func (p *program) jmp(op uint16, k uint32, jt, jf label) {
	p.jumps = append(p.jumps, jump{at: len(p.insns), jt: jt, jf: jf})
	p.insns = append(p.insns, unix.SockFilter{Code: unix.BPF_JMP | op | unix.BPF_K, K: k})
}

// finish resolves the jumps.
func (p *program) finish() ([]unix.SockFilter, error) {
	offset := func(from int, l label) (uint8, error) {
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
