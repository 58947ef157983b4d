package inproc

import (
	"golang.org/x/arch/x86/x86asm"

	"github.com/elfloader/elfloader/plat"
)

// The third site shape: a syscall instruction whose neighbours cannot
// move, whatever loads its number (a loop head like "mov %esi,%eax;
// syscall" in the raw getpid loop, a register set long before, Go's
// syscall.Syscall6). Only the two bytes of the syscall change, into a
// two-byte "jmp rel8" to a stepping stone:
//
//	0f 05   syscall    ->   eb XX   jmp stone
//	stone:  (padding)  ->   e9 ...  jmp slot
//	slot:   movabs $sys+2, %rcx; jmp *entry(%rip)
//
// The stone is five bytes of the alignment padding between two functions
// within 128 bytes of the site, on the site's page. Nothing executes them, by this proof:
// they lie outside every function symbol's extent, right after a function
// whose linear decode ends exactly at its symbol's end with an
// unconditional transfer (ret, jmp, ud2, hlt) and has no indirect jump
// and no direct branch into the padding, and the whole gap up to the next
// function's start decodes as filler (nops and int3). Because the site is
// one instruction replaced by one instruction of the same length, no
// thread can be caught between displaced instructions, nothing is
// relocated, and a restarted syscall (rip-2) meets the jmp again and
// takes the fast path again: nothing runs twice. The number is in eax
// when the syscall would have run, as the fast entry expects; rcx and r11
// are the syscall's own clobbers.
const (
	jmpRel8   = 0xeb
	stoneLen  = 5
	rel8Back  = 128
	rel8Ahead = 127
	// gapScan bounds how far a gap is followed past the reach of the
	// site to find the next function's start.
	gapScan = 64
)

// tryPatchStone rewrites the syscall instruction at sys with a jump to a
// stepping stone.
func (r *Rewriter) tryPatchStone(sys uint64, mem plat.CodeMemory) bool {
	if sys < rel8Back || !readable(mem, sys, 2) || writable(mem, sys, 2) {
		return false
	}
	if c := appBytes(sys, 2); c[0] != 0x0f || c[1] != 0x05 {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.refused[sys]&shapeStone != 0 || r.sites[sys] != nil {
		return false
	}
	refuse := func() bool {
		r.refused[sys] |= shapeStone
		return false
	}
	if !r.canWrite(sys, 2) || !syscallBoundary(sys, mem) {
		return refuse()
	}
	stone, ok := r.findStone(sys, mem)
	if !ok {
		return refuse()
	}
	slot, tp, err := r.allocSlot(stone + stoneLen)
	if err != nil {
		return refuse()
	}
	b := appBytes(slot, slotSize)
	n := putEntryJump(b, slot, tp.base, sys+2)
	for i := n; i < slotSize; i++ {
		b[i] = 0xcc
	}
	stoneOrig := append([]byte(nil), appBytes(stone, stoneLen)...)
	stoneJump := jumpPatch(stone, slot, stoneLen)
	if !withWritable(stone, stoneLen, mem, func() bool {
		copy(appBytes(stone, stoneLen), stoneJump)
		return true
	}) {
		return refuse()
	}
	// The stone's bytes are visible everywhere before any CPU can take
	// the jump to them.
	syncCore()
	orig := []byte{0x0f, 0x05}
	if !r.write(sys, orig, []byte{jmpRel8, byte(int8(int64(stone) - int64(sys+2)))}, mem) {
		withWritable(stone, stoneLen, mem, func() bool {
			copy(appBytes(stone, stoneLen), stoneOrig)
			return true
		})
		return refuse()
	}
	s := &site{addr: sys, orig: orig, slot: slot, stone: stone, stoneOrig: stoneOrig}
	r.sites[sys] = s
	r.stoneAt[stone] = s
	r.nSites.Add(1)
	r.nStones.Add(1)
	return true
}

// syscallBoundary proves with a linear decode from the start of the
// enclosing function that sys starts a syscall instruction inside it.
func syscallBoundary(sys uint64, mem plat.CodeMemory) bool {
	fn, size, ok := mem.FuncExtent(sys)
	if !ok || fn > sys || sys+2 > fn+size {
		return false
	}
	inst, ok := instructionAt(sys, 2, mem)
	return ok && inst.Op == x86asm.SYSCALL
}

// findStone returns the address of five dead padding bytes within jmp
// rel8 reach of the instruction after sys, not used by another site.
func (r *Rewriter) findStone(sys uint64, mem plat.CodeMemory) (uint64, bool) {
	from := sys + 2
	lo, hi := from-rel8Back, from+rel8Ahead // the stone starts in [lo, hi]
	// The stone stays on the site's page, so that whatever unmaps or
	// unprotects one of them (whole pages) takes the other too.
	page := sys &^ (trampPage - 1)
	if (sys+1)&^(trampPage-1) != page {
		return 0, false
	}
	lo, hi = max(lo, page), min(hi, page+trampPage-stoneLen)
	var prevStart, prevEnd uint64
	for a := lo; a <= hi; {
		if start, size, ok := mem.FuncExtent(a); ok && size > 0 {
			prevStart, prevEnd = start, start+size
			a = prevEnd
			continue
		}
		if prevEnd != a {
			a++ // a gap whose function we have not seen: not provable
			continue
		}
		gapEnd, ok := deadGap(prevStart, prevEnd, hi+stoneLen+gapScan, mem)
		if !ok {
			a++
			prevEnd = 0
			continue
		}
		for t := max(a, lo); t <= hi && t+stoneLen <= gapEnd; t++ {
			if !r.stoneUsed(t) {
				return t, true
			}
		}
		a = gapEnd
	}
	return 0, false
}

// deadGap proves that the bytes from end (the end of the function that
// starts at fn) to the next function start are never executed, and
// returns that next start. limit bounds the search.
func deadGap(fn, end, limit uint64, mem plat.CodeMemory) (uint64, bool) {
	if end <= fn || end-fn > 1<<20 || !readable(mem, fn, int(end-fn)) {
		return 0, false
	}
	// The next function's start: the first byte some function covers.
	next := end
	for ; next < limit; next++ {
		if _, size, ok := mem.FuncExtent(next); ok && size > 0 {
			break
		}
	}
	if next == end || next >= limit || !readable(mem, end, int(next-end)) {
		return 0, false
	}
	// The whole gap is filler.
	gap := appBytes(end, int(next-end))
	for pc := 0; pc < len(gap); {
		inst, err := x86asm.Decode(gap[pc:], 64)
		if err != nil || !fillerInstruction(inst) {
			return 0, false
		}
		pc += inst.Len
		if pc > len(gap) {
			return 0, false
		}
	}
	// The function before it ends with an unconditional transfer, has
	// no indirect jump, and no branch of it lands in the gap.
	code := appBytes(fn, int(end-fn))
	var last x86asm.Inst
	for pc := 0; pc < len(code); {
		inst, err := x86asm.Decode(code[pc:], 64)
		if err != nil {
			return 0, false
		}
		at := fn + uint64(pc)
		pc += inst.Len
		if pc > len(code) {
			return 0, false
		}
		last = inst
		if isBranch(inst.Op) {
			rel, ok := inst.Args[0].(x86asm.Rel)
			if !ok {
				if inst.Op == x86asm.JMP {
					return 0, false // indirect: its targets are not bounded
				}
				continue // an indirect call returns after itself
			}
			target := at + uint64(inst.Len) + uint64(int64(rel))
			if target >= end && target < next {
				return 0, false
			}
		}
	}
	switch last.Op {
	case x86asm.RET, x86asm.JMP, x86asm.UD2, x86asm.HLT:
		return next, true
	}
	return 0, false
}

// isBranch reports whether op transfers control to its operand.
func isBranch(op x86asm.Op) bool {
	switch op {
	case x86asm.JMP, x86asm.CALL, x86asm.JA, x86asm.JAE, x86asm.JB, x86asm.JBE, x86asm.JCXZ, x86asm.JE,
		x86asm.JECXZ, x86asm.JG, x86asm.JGE, x86asm.JL, x86asm.JLE, x86asm.JNE, x86asm.JNO, x86asm.JNP,
		x86asm.JNS, x86asm.JO, x86asm.JP, x86asm.JRCXZ, x86asm.JS, x86asm.LOOP, x86asm.LOOPE, x86asm.LOOPNE,
		x86asm.XBEGIN:
		return true
	}
	return false
}

// fillerInstruction reports whether inst is alignment padding: a nop of
// any length or an int3.
func fillerInstruction(inst x86asm.Inst) bool {
	switch inst.Op {
	case x86asm.NOP:
		return true
	case x86asm.INT:
		imm, ok := inst.Args[0].(x86asm.Imm)
		return ok && imm == 3 && inst.Len == 1
	}
	return false
}

// stoneUsed reports whether the five bytes at t overlap another site's
// stone; the caller holds r.mu.
func (r *Rewriter) stoneUsed(t uint64) bool {
	for a := t - stoneLen + 1; a < t+stoneLen; a++ {
		if s := r.stoneAt[a]; s != nil {
			return true
		}
	}
	return false
}
