package seccomp

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Insn is one classic BPF instruction (struct sock_filter).
type Insn struct {
	Code   uint16
	Jt, Jf uint8
	K      uint32
}

// InsnSize is sizeof(struct sock_filter).
const InsnSize = 8

// MaxInsns is BPF_MAXINSNS, the longest program one filter may have.
const MaxInsns = 4096

// DataSize is sizeof(struct seccomp_data).
const DataSize = 64

// memWords is BPF_MEMWORDS: the scratch memory cells.
const memWords = 16

// Classic BPF opcode fields (linux/filter.h, linux/bpf_common.h).
const (
	classLD   = 0x00
	classLDX  = 0x01
	classST   = 0x02
	classSTX  = 0x03
	classALU  = 0x04
	classJMP  = 0x05
	classRET  = 0x06
	classMISC = 0x07

	sizeW = 0x00
	sizeH = 0x08
	sizeB = 0x10

	modeIMM = 0x00
	modeABS = 0x20
	modeIND = 0x40
	modeMEM = 0x60
	modeLEN = 0x80
	modeMSH = 0xa0

	opADD = 0x00
	opSUB = 0x10
	opMUL = 0x20
	opDIV = 0x30
	opOR  = 0x40
	opAND = 0x50
	opLSH = 0x60
	opRSH = 0x70
	opNEG = 0x80
	opMOD = 0x90
	opXOR = 0xa0

	opJA   = 0x00
	opJEQ  = 0x10
	opJGT  = 0x20
	opJGE  = 0x30
	opJSET = 0x40

	srcK = 0x00
	srcX = 0x08

	retA = 0x10

	miscTAX = 0x00
	miscTXA = 0x80
)

// ErrInvalid is the answer for a program Linux refuses (EINVAL).
var ErrInvalid = errors.New("invalid seccomp filter program")

func invalid(pc int, why string) error {
	return fmt.Errorf("%w: instruction %d: %s", ErrInvalid, pc, why)
}

// isJump reports whether code is a conditional jump.
func isCondJump(code uint16) bool {
	if code&0x07 != classJMP || code&^(0xf0|srcX|0x07) != 0 {
		return false
	}
	switch code & 0xf0 {
	case opJEQ, opJGT, opJGE, opJSET:
		return true
	}
	return false
}

// allowedALU reports whether code is one of the ALU instructions classic
// BPF has.
func allowedALU(code uint16) bool {
	if code == classALU|opNEG {
		return true
	}
	if code&0x07 != classALU || code&^(0xf0|srcX|0x07) != 0 {
		return false
	}
	switch code & 0xf0 {
	case opADD, opSUB, opMUL, opDIV, opMOD, opAND, opOR, opXOR, opLSH, opRSH:
		return true
	}
	return false
}

// Validate checks a program as Linux does before installing it: the
// checks of bpf_check_classic (known opcodes, no constant division by
// zero or shift by 32 or more, scratch cells in range, jumps forward and
// inside the program, a RET last, no scratch cell read before some store
// on every path to it) and of seccomp_check_filter (only the opcodes
// seccomp allows; absolute loads only of 32-bit words, aligned, inside
// struct seccomp_data; no indirect or byte/halfword loads).
func Validate(prog []Insn) error {
	n := len(prog)
	if n == 0 || n > MaxInsns {
		return fmt.Errorf("%w: %d instructions", ErrInvalid, n)
	}
	for pc, in := range prog {
		c := in.Code
		switch {
		case allowedALU(c):
			op := c & 0xf0
			if c&srcX == 0 {
				if (op == opDIV || op == opMOD) && in.K == 0 {
					return invalid(pc, "division by constant zero")
				}
				if (op == opLSH || op == opRSH) && in.K >= 32 {
					return invalid(pc, "shift by 32 or more")
				}
			}
		case c == classLD|sizeW|modeABS:
			if in.K >= DataSize || in.K&3 != 0 {
				return invalid(pc, "load outside struct seccomp_data or unaligned")
			}
		case c == classLD|sizeW|modeLEN, c == classLDX|sizeW|modeLEN,
			c == classLD|modeIMM, c == classLDX|modeIMM,
			c == classMISC|miscTAX, c == classMISC|miscTXA,
			c == classRET|srcK, c == classRET|retA:
		case c == classLD|modeMEM, c == classLDX|modeMEM, c == classST, c == classSTX:
			if in.K >= memWords {
				return invalid(pc, "scratch cell out of range")
			}
		case c == classJMP|opJA:
			if uint64(in.K) >= uint64(n-pc-1) {
				return invalid(pc, "jump out of the program")
			}
		case isCondJump(c):
			if pc+int(in.Jt)+1 >= n || pc+int(in.Jf)+1 >= n {
				return invalid(pc, "jump out of the program")
			}
		default:
			// Everything else, including the byte, halfword and indirect
			// loads and LDX MSH that socket filters have: not for seccomp.
			return invalid(pc, fmt.Sprintf("opcode %#x not allowed", c))
		}
	}
	if c := prog[n-1].Code; c != classRET|srcK && c != classRET|retA {
		return invalid(n-1, "the program does not end with RET")
	}
	return checkLoadsAfterStores(prog)
}

// checkLoadsAfterStores is Linux's check_load_and_stores: a scratch cell
// may be read only where every path to the read stored it.
func checkLoadsAfterStores(prog []Insn) error {
	masks := make([]uint16, len(prog))
	for i := range masks {
		masks[i] = 0xffff
	}
	var valid uint16
	for pc, in := range prog {
		valid &= masks[pc]
		switch c := in.Code; {
		case c == classST || c == classSTX:
			valid |= 1 << in.K
		case c == classLD|modeMEM || c == classLDX|modeMEM:
			if valid&(1<<in.K) == 0 {
				return invalid(pc, "scratch cell read before it is written")
			}
		case c == classJMP|opJA:
			masks[pc+1+int(in.K)] &= valid
			valid = 0xffff
		case isCondJump(c):
			masks[pc+1+int(in.Jt)] &= valid
			masks[pc+1+int(in.Jf)] &= valid
			valid = 0xffff
		}
	}
	return nil
}

// Data is struct seccomp_data: what a filter sees of a system call.
type Data struct {
	Nr   int32
	Arch uint32
	IP   uint64
	Args [6]uint64
}

// word is the 32-bit word at offset off (aligned, inside the struct) in
// the x86-64 (little-endian) layout of struct seccomp_data.
func (d *Data) word(off uint32) uint32 {
	switch {
	case off == 0:
		return uint32(d.Nr)
	case off == 4:
		return d.Arch
	case off < 16:
		return uint32(d.IP >> (8 * (off - 8)))
	default:
		a := d.Args[(off-16)/8]
		return uint32(a >> (8 * ((off - 16) % 8)))
	}
}

// Bytes is the struct in its x86-64 layout.
func (d *Data) Bytes() [DataSize]byte {
	var b [DataSize]byte
	binary.LittleEndian.PutUint32(b[0:], uint32(d.Nr))
	binary.LittleEndian.PutUint32(b[4:], d.Arch)
	binary.LittleEndian.PutUint64(b[8:], d.IP)
	for i, a := range d.Args {
		binary.LittleEndian.PutUint64(b[16+8*i:], a)
	}
	return b
}

// Run interprets a validated program over d and returns its RET value.
// A division by a zero X register ends the program with 0, as the
// kernel's translation of classic BPF does.
func Run(prog []Insn, d *Data) uint32 {
	var a, x uint32
	var mem [memWords]uint32
	for pc := 0; pc < len(prog); pc++ {
		in := &prog[pc]
		switch c := in.Code; c {
		case classLD | sizeW | modeABS:
			a = d.word(in.K)
		case classLD | sizeW | modeLEN:
			a = DataSize
		case classLDX | sizeW | modeLEN:
			x = DataSize
		case classLD | modeIMM:
			a = in.K
		case classLDX | modeIMM:
			x = in.K
		case classLD | modeMEM:
			a = mem[in.K]
		case classLDX | modeMEM:
			x = mem[in.K]
		case classST:
			mem[in.K] = a
		case classSTX:
			mem[in.K] = x
		case classMISC | miscTAX:
			x = a
		case classMISC | miscTXA:
			a = x
		case classRET | srcK:
			return in.K
		case classRET | retA:
			return a
		case classALU | opNEG:
			a = -a
		case classJMP | opJA:
			pc += int(in.K)
		default:
			v := in.K
			if c&srcX != 0 {
				v = x
			}
			if c&0x07 == classALU {
				switch c & 0xf0 {
				case opADD:
					a += v
				case opSUB:
					a -= v
				case opMUL:
					a *= v
				case opDIV:
					if v == 0 {
						return 0
					}
					a /= v
				case opMOD:
					if v == 0 {
						return 0
					}
					a %= v
				case opAND:
					a &= v
				case opOR:
					a |= v
				case opXOR:
					a ^= v
				case opLSH:
					a <<= v & 31
				case opRSH:
					a >>= v & 31
				}
				continue
			}
			var taken bool
			switch c & 0xf0 {
			case opJEQ:
				taken = a == v
			case opJGT:
				taken = a > v
			case opJGE:
				taken = a >= v
			case opJSET:
				taken = a&v != 0
			}
			if taken {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		}
	}
	return 0 // not reached for a validated program (it ends with RET)
}

// Decode reads n instructions from their struct sock_filter bytes.
func Decode(b []byte) []Insn {
	prog := make([]Insn, len(b)/InsnSize)
	for i := range prog {
		r := b[i*InsnSize:]
		prog[i] = Insn{Code: binary.LittleEndian.Uint16(r), Jt: r[2], Jf: r[3], K: binary.LittleEndian.Uint32(r[4:])}
	}
	return prog
}
