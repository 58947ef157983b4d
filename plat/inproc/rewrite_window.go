package inproc

import (
	"golang.org/x/arch/x86/x86asm"

	"github.com/elfloader/elfloader/plat"
)

// The fourth site shape, for a syscall that no other shape serves (a loop
// head "mov %esi,%eax; syscall; add $1,%rdx" with no padding in reach): a
// window of whole instructions around the syscall, at least five bytes,
// is replaced by a jmp rel32 to a trampoline that replays them:
//
//	P                       the instructions before the syscall
//	movabs $ret, %rcx       the fast entry, returning to ret
//	jmp *entry(%rip)
//	syscall                 reached only by a restart (ret-2): it traps
//	ret: Q                  the instructions after the syscall
//	jmp end                 back to the code after the window
//
// The proof extends from instruction boundaries to control flow: the
// enclosing function (from its symbol or call-frame information) decodes
// completely, has no indirect jump (its targets would not be bounded), no
// direct branch lands strictly inside the window, and every instruction
// moved is neither a branch nor rip-relative. A restarted call resumes at
// the trampoline's syscall, so nothing runs twice.
//
// Moving several instructions opens one danger the other shapes do not
// have: a thread stopped between two of them. Windows are therefore only
// written while the app has one thread in this address space — the one
// that trapped here, in elfloader — and that thread is moved to the
// trampoline. A thread that later resumes from a signal frame saved inside
// a window goes to the equivalent point of the trampoline (Resume), and a
// fork child, which has no trampolines, gets the original addresses back
// (Original).
const (
	windowMaxBefore = 4 // instructions before the syscall a window may take
	windowMaxAfter  = 4 // and after it
	windowSlots     = 2 // trampoline slots a window uses
)

// windowMap pairs the instruction boundaries inside a window with their
// places in its trampoline.
type windowMap struct {
	sys       uint64 // the syscall instruction
	end       uint64 // the first byte after the window
	entry     uint64 // the trampoline's fast entry jump
	ret       uint64 // the trampoline's return point (after its syscall)
	orig      []uint64
	relocated []uint64
}

type decodedInst struct {
	addr uint64
	inst x86asm.Inst
}

// tryPatchWindow rewrites a window around the syscall at sys; regs are
// the trapped thread's, moved into the trampoline on success.
func (r *Rewriter) tryPatchWindow(sys uint64, ctx plat.Context, mem plat.CodeMemory) bool {
	if r.platform == nil || r.platform.liveContexts.Load() != 1 || !readable(mem, sys, 2) || writable(mem, sys, 2) {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.refused[sys]&shapeWindow != 0 || r.sites[sys] != nil {
		return false
	}
	refuse := func() bool {
		r.refused[sys] |= shapeWindow
		return false
	}
	insts, targets, ok := decodeFunction(sys, mem)
	if !ok {
		return refuse()
	}
	j := -1
	for i, d := range insts {
		if d.addr == sys {
			j = i
			break
		}
	}
	if j < 0 || insts[j].inst.Op != x86asm.SYSCALL {
		return refuse()
	}
	lo, hi, ok := r.chooseWindow(insts, j, targets)
	if !ok {
		return refuse()
	}
	start := insts[lo].addr
	end := insts[hi].addr + uint64(insts[hi].inst.Len)
	n := int(end - start)
	if writable(mem, start, n) || !readable(mem, start, n) {
		return refuse()
	}
	slot, tp, err := r.allocSlots(start+movLen, windowSlots)
	if err != nil {
		return refuse()
	}
	code := appBytes(start, n)
	wm := &windowMap{sys: sys, end: end}
	b := appBytes(slot, windowSlots*slotSize)
	at := 0
	for i := lo; i <= hi; i++ {
		d := insts[i]
		if i > lo {
			wm.orig = append(wm.orig, d.addr)
			wm.relocated = append(wm.relocated, slot+uint64(at))
		}
		if i == j {
			wm.entry = slot + uint64(at)
			wm.ret = wm.entry + 16 + 2
			at += putEntryJump(b[at:], slot+uint64(at), tp.base, wm.ret)
			b[at], b[at+1] = 0x0f, 0x05 // syscall, for restarts
			at += 2
			if j < hi {
				wm.orig = append(wm.orig, sys+2)
				wm.relocated = append(wm.relocated, wm.ret)
			}
			continue
		}
		at += copy(b[at:], code[d.addr-start:d.addr-start+uint64(d.inst.Len)])
	}
	copy(b[at:], jumpPatch(slot+uint64(at), end, movLen))
	at += movLen
	for i := at; i < len(b); i++ {
		b[i] = 0xcc
	}
	orig := append([]byte(nil), code...)
	if !r.write(start, orig, jumpPatch(start, slot, n), mem) {
		return refuse()
	}
	r.sites[start] = &site{addr: start, orig: orig, slot: slot, window: wm}
	r.nSites.Add(1)
	r.nWindows.Add(1)
	// The thread that trapped here returns into the trampoline: its
	// return point in the window is gone, and a restart must find a
	// syscall two bytes before it.
	if regs := ctx.Regs(); regs.Rip == sys+2 {
		regs.Rip = wm.ret
	}
	return true
}

// chooseWindow picks the smallest window [lo, hi] of instructions around
// insts[j] (the syscall) of 5 to 15 bytes that may move.
func (r *Rewriter) chooseWindow(insts []decodedInst, j int, targets map[uint64]bool) (int, int, bool) {
	bestLo, bestHi, best := 0, 0, 0
	for lo := j; lo >= max(0, j-windowMaxBefore); lo-- {
		if lo < j && !relocatable(insts[lo].inst) {
			break
		}
		for hi := j; hi <= min(len(insts)-1, j+windowMaxAfter); hi++ {
			if hi > j && !relocatable(insts[hi].inst) {
				break
			}
			start := insts[lo].addr
			end := insts[hi].addr + uint64(insts[hi].inst.Len)
			n := int(end - start)
			if n < movLen {
				continue
			}
			if n > regNrMaxIns || (best != 0 && n >= best) {
				break
			}
			if !r.canWrite(start, n) || r.overlapsSite(start, end) || branchInto(targets, start, end) {
				continue
			}
			bestLo, bestHi, best = lo, hi, n
		}
	}
	return bestLo, bestHi, best != 0
}

// branchInto reports whether a branch target lies strictly inside
// (start, end).
func branchInto(targets map[uint64]bool, start, end uint64) bool {
	for a := start + 1; a < end; a++ {
		if targets[a] {
			return true
		}
	}
	return false
}

// overlapsSite reports whether [start, end) touches bytes another site
// rewrote; the caller holds r.mu.
func (r *Rewriter) overlapsSite(start, end uint64) bool {
	for a := start - regNrMaxIns; a < end; a++ {
		if s := r.sites[a]; s != nil && a+uint64(len(s.orig)) > start {
			return true
		}
	}
	return false
}

// decodeFunction decodes the whole function around addr and returns its
// instructions and the targets of its direct branches; it fails for a
// function that does not decode to its end or has an indirect jump.
func decodeFunction(addr uint64, mem plat.CodeMemory) ([]decodedInst, map[uint64]bool, bool) {
	fn, size, ok := mem.FuncExtent(addr)
	if !ok || size == 0 || size > 1<<20 || !readable(mem, fn, int(size)) {
		return nil, nil, false
	}
	code := appBytes(fn, int(size))
	var insts []decodedInst
	targets := map[uint64]bool{}
	for pc := 0; pc < len(code); {
		inst, err := x86asm.Decode(code[pc:], 64)
		if err != nil || pc+inst.Len > len(code) {
			return nil, nil, false
		}
		at := fn + uint64(pc)
		insts = append(insts, decodedInst{at, inst})
		pc += inst.Len
		if isBranch(inst.Op) {
			rel, ok := inst.Args[0].(x86asm.Rel)
			if !ok {
				if inst.Op == x86asm.JMP {
					return nil, nil, false
				}
				continue
			}
			targets[at+uint64(inst.Len)+uint64(int64(rel))] = true
		}
	}
	return insts, targets, true
}

// relocatable reports whether inst does the same at another address: no
// control transfer, nothing relative to rip, no system call.
func relocatable(inst x86asm.Inst) bool {
	if inst.PCRel != 0 || isBranch(inst.Op) {
		return false
	}
	switch inst.Op {
	case x86asm.RET, x86asm.LRET, x86asm.IRET, x86asm.IRETD, x86asm.IRETQ, x86asm.INT, x86asm.INTO,
		x86asm.SYSCALL, x86asm.SYSENTER, x86asm.SYSRET, x86asm.SYSEXIT, x86asm.UD1, x86asm.UD2, x86asm.HLT,
		x86asm.XABORT, x86asm.XEND, x86asm.LJMP, x86asm.LCALL:
		return false
	}
	for _, a := range inst.Args {
		if a == nil {
			break
		}
		switch a := a.(type) {
		case x86asm.Mem:
			if a.Base == x86asm.RIP {
				return false
			}
		case x86asm.Reg:
			if a == x86asm.RIP {
				return false
			}
		}
	}
	return true
}

// Resume implements plat.Rewriter: where a thread that stopped at rip
// (saved in a signal frame) goes on, when rip is inside a window.
func (r *Rewriter) Resume(rip uint64) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if to, ok := r.forward[rip]; ok {
		return to // saved in a trampoline that was evicted since
	}
	for a := rip - regNrMaxIns; a < rip; a++ {
		s := r.sites[a]
		if s == nil || s.window == nil || rip >= s.window.end {
			continue
		}
		for i, o := range s.window.orig {
			if o == rip {
				return s.window.relocated[i]
			}
		}
	}
	return rip
}

// forwardWindow records where threads that would return into the
// trampoline of s go instead; the caller holds r.mu.
func (r *Rewriter) forwardWindow(s *site) {
	if r.forward == nil {
		r.forward = map[uint64]uint64{}
	}
	w := s.window
	for i, t := range w.relocated {
		r.forward[t] = w.orig[i]
	}
	r.forward[w.entry] = w.sys
	r.forward[w.ret-2] = w.sys
	if _, ok := r.forward[w.ret]; !ok {
		r.forward[w.ret] = w.end
	}
}

// Generation implements plat.Rewriter.
func (r *Rewriter) Generation() uint64 { return r.gen.Load() }

// Forward implements plat.Rewriter.
func (r *Rewriter) Forward(rip uint64) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if to, ok := r.forward[rip]; ok {
		return to
	}
	return rip
}

// Original implements plat.Rewriter: the app's own address for rip inside
// a window's trampoline (a fork child has the original code, not the
// trampolines).
func (r *Rewriter) Original(rip uint64) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.sites {
		w := s.window
		if w == nil || rip < s.slot || rip >= s.slot+windowSlots*slotSize {
			continue
		}
		if rip == s.slot {
			return s.addr
		}
		for i, t := range w.relocated {
			if t == rip {
				return w.orig[i]
			}
		}
		if rip >= w.entry && rip < w.ret {
			return w.sys // the fast entry or the syscall kept for restarts
		}
		return w.end
	}
	return rip
}
