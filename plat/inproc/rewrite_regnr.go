package inproc

import (
	"golang.org/x/arch/x86/x86asm"

	"github.com/elfloader/elfloader/plat"
)

// The second site shape: the syscall number is not an immediate in the
// site (Go's syscall.Syscall6 loads it from its frame, glibc's syscall()
// and inline assembly take it from a register):
//
//	I        one MOV of 5 to 15 bytes
//	0f 05    syscall
//
// As with the first shape, only I is replaced (by a jmp rel32 and int3
// padding) and the syscall instruction stays, so a restarted call (rip-2)
// or a thread stopped just before the syscall still works through the
// trap. The trampoline is "I; movabs $ret, %rcx; jmp *entry(%rip)": I
// runs there unchanged (it may load the number into eax), then the fast
// entry takes eax as the number, as for the first shape. I must not read
// rip or write rsp; the site must be proven an instruction boundary by a
// linear decode from the function's start (symbol table).
const regNrMaxIns = 15

// tryPatchRegNr rewrites the site whose syscall instruction is at sys.
func (r *Rewriter) tryPatchRegNr(sys uint64, mem plat.CodeMemory) bool {
	if sys < movLen || !readable(mem, sys, 2) || writable(mem, sys, 2) {
		return false
	}
	if c := appBytes(sys, 2); c[0] != 0x0f || c[1] != 0x05 {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.refused[sys]&shapeRegNr != 0 {
		return false
	}
	start, ins, ok := r.regNrSite(sys, mem)
	if !ok || writable(mem, start, len(ins)) || !r.canWrite(start, len(ins)) {
		// Remembered by its syscall address: the decode is not repeated.
		r.refused[sys] |= shapeRegNr
		return false
	}
	if r.sites[start] != nil {
		return false
	}
	slot, err := r.insSlot(start+movLen, ins, sys+2)
	if err != nil {
		r.refused[sys] |= shapeRegNr
		return false
	}
	orig := append([]byte(nil), ins...)
	if !r.write(start, orig, jumpPatch(start, slot, len(ins)), mem) {
		r.refused[sys] |= shapeRegNr
		return false
	}
	r.sites[start] = &site{addr: start, orig: orig, slot: slot}
	r.nSites.Add(1)
	return true
}

// regNrSite decodes the function around the syscall at sys and returns the
// start and bytes of the instruction before it when that instruction may
// move to a trampoline.
func (r *Rewriter) regNrSite(sys uint64, mem plat.CodeMemory) (uint64, []byte, bool) {
	fn, ok := mem.FuncStart(sys)
	if !ok || fn >= sys || sys-fn > 1<<20 || !readable(mem, fn, int(sys-fn)+2) {
		return 0, nil, false
	}
	code := appBytes(fn, int(sys-fn)+2)
	var prev uint64
	var prevInst x86asm.Inst
	havePrev := false
	for pc := uint64(0); fn+pc < sys; {
		inst, err := x86asm.Decode(code[pc:], 64)
		if err != nil {
			return 0, nil, false
		}
		prev, prevInst, havePrev = fn+pc, inst, true
		pc += uint64(inst.Len)
		if fn+pc > sys {
			return 0, nil, false
		}
	}
	if !havePrev || !movableInstruction(prevInst) {
		return 0, nil, false
	}
	return prev, append([]byte(nil), code[prev-fn:sys-fn]...), true
}

// movableInstruction reports whether inst behaves the same when it runs in
// a trampoline: a plain MOV of at least 5 bytes (room for the jump) that
// does not write rsp and reads neither rip nor a segment-relative address.
func movableInstruction(inst x86asm.Inst) bool {
	if inst.Op != x86asm.MOV || inst.Len < movLen || inst.Len > regNrMaxIns || inst.PCRel != 0 {
		return false
	}
	for _, p := range inst.Prefix {
		if p == 0 {
			break
		}
		switch p &^ (x86asm.PrefixImplicit | x86asm.PrefixIgnored | x86asm.PrefixInvalid) {
		case x86asm.PrefixLOCK, x86asm.PrefixCS, x86asm.PrefixDS, x86asm.PrefixES, x86asm.PrefixFS, x86asm.PrefixGS, x86asm.PrefixSS:
			return false
		}
	}
	dst, ok := inst.Args[0].(x86asm.Reg)
	if !ok {
		return false
	}
	switch dst {
	case x86asm.RSP, x86asm.ESP, x86asm.SP, x86asm.SPB, x86asm.RIP:
		return false
	}
	switch src := inst.Args[1].(type) {
	case x86asm.Reg:
		return src != x86asm.RIP
	case x86asm.Mem:
		return src.Base != x86asm.RIP && src.Segment == 0
	case x86asm.Imm:
		return true
	}
	return false
}

// insSlot writes the trampoline "ins; movabs $back, %rcx; jmp *entry".
func (r *Rewriter) insSlot(from uint64, ins []byte, back uint64) (uint64, error) {
	slot, tp, err := r.allocSlot(from)
	if err != nil {
		return 0, err
	}
	b := appBytes(slot, slotSize)
	n := copy(b, ins)
	n += putEntryJump(b[n:], slot+uint64(n), tp.base, back)
	for i := n; i < slotSize; i++ {
		b[i] = 0xcc
	}
	return slot, nil
}
