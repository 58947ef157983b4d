package inproc

/*
#include "ctx.h"
*/
import "C"

import (
	"cmp"
	"encoding/binary"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/arch/x86/x86asm"
	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/plat"
)

// RewriteMode says when syscall sites are rewritten.
type RewriteMode int

const (
	// RewriteOff keeps every syscall on the trap path.
	RewriteOff RewriteMode = iota
	// RewriteLazy rewrites a site the first time it traps.
	RewriteLazy
	// RewriteEager also scans executable mappings when they appear.
	RewriteEager
)

// The rewriting scheme. A site is the 7-byte sequence
//
//	b8 NN NN NN NN   mov $nr, %eax
//	0f 05            syscall
//
// Only the mov is replaced, by a 5-byte "jmp rel32" to a per-site
// trampoline near the code; the syscall instruction stays, so code that
// jumps straight to it (or a restarted syscall, rip-2) still works through
// the trap. The trampoline does what the mov did, loads the return address
// into rcx (which syscall clobbers anyway) and jumps to ep_fast_entry. No
// byte below the app's stack pointer is touched. The 5 bytes are swapped
// with one atomic compare-and-swap of the aligned 8 or 16 bytes holding
// them, so a thread running the code sees either the old or the new
// instruction, never a mix.
const (
	siteLen      = 7
	movLen       = 5
	slotSize     = 32
	trampPage    = 4096
	jmpRel32     = 0xe9
	movEaxImm32  = 0xb8
	maxSyscallNr = 1024
	reach        = 1<<31 - trampPage
)

// shapeSet records which site shapes refused an address.
type shapeSet uint8

const (
	shapeImm    shapeSet = 1 << iota // mov $nr,%eax; syscall (keyed by the mov)
	shapeRegNr                       // a MOV of 5+ bytes before the syscall
	shapeStone                       // a jmp rel8 to dead padding
	shapeWindow                      // a window of instructions moved
	// counted: the syscall at this address is in Stats' Refused.
	counted
)

type site struct {
	addr uint64
	orig []byte // the bytes the jump replaced (2 to 15)
	slot uint64 // trampoline slot the site jumps to

	// A site of the third shape (rewrite_stone.go) jumps to a stepping
	// stone in dead padding, whose bytes were stoneOrig.
	stone     uint64
	stoneOrig []byte

	// A site of the fourth shape (rewrite_window.go) moved a window of
	// instructions around its syscall into the trampoline.
	window *windowMap
}

// patchedFirst is the first byte of the site's jump.
func (s *site) patchedFirst() byte {
	if s.stone != 0 {
		return jmpRel8
	}
	return jmpRel32
}

type trampolines struct {
	base uint64
	used int // slots used, slot 0 holds the entry pointer
}

// Rewriter implements plat.Rewriter for the in-process platform.
type Rewriter struct {
	mode RewriteMode

	mu      sync.Mutex
	sites   map[uint64]*site
	stoneAt map[uint64]*site    // third-shape sites by their stone
	refused map[uint64]shapeSet // by the address each shape keys on
	traps   map[uint64]uint8    // traps of sites not yet rewritten
	// patchAfter is how many traps a site takes before it is rewritten
	// (lazyAfter; 1 in unit tests).
	patchAfter int
	pages      []*trampolines

	nSites, nRefused, nTrapped atomic.Uint64
	nStones, nWindows          atomic.Uint64
	platform                   *Platform

	// forward maps the return points of windows whose trampolines
	// were evicted to the app's code; gen counts evictions of windows.
	forward map[uint64]uint64
	gen     atomic.Uint64

	pokeMu sync.Mutex
	poking map[uint64]bool // sites written with the breakpoint protocol
}

// NewRewriter returns the platform's site rewriter.
func (p *Platform) NewRewriter(mode RewriteMode) *Rewriter {
	r := &Rewriter{mode: mode, sites: map[uint64]*site{}, stoneAt: map[uint64]*site{}, patchAfter: lazyAfter, refused: map[uint64]shapeSet{}, poking: map[uint64]bool{}, platform: p}
	p.rewriter = r
	return r
}

// Mode is the rewriting mode.
func (r *Rewriter) Mode() RewriteMode { return r.mode }

// AfterTrap implements plat.Rewriter.
func (r *Rewriter) AfterTrap(ctx plat.Context, mem plat.CodeMemory) {
	r.nTrapped.Add(1)
	if r.mode == RewriteOff {
		return
	}
	regs := ctx.Regs()
	if regs.Rip < siteLen {
		return
	}
	sys := regs.Rip - 2
	if !r.trappedBefore(sys) {
		return
	}
	if !r.tryPatch(regs.Rip-siteLen, regs.OrigRax, mem) && !r.tryPatchRegNr(sys, mem) &&
		!r.tryPatchStone(sys, mem) && !r.tryPatchWindow(sys, ctx, mem) {
		r.countRefused(sys)
		// It stays on the trap path (for now): its calls on host
		// descriptors may pass through in the trap handler.
		C.ep_trap_site_add(C.uint64_t(sys))
	}
}

// lazyAfter is how many times a site traps before it is rewritten. A
// program's start-up runs most of its sites a few times: posix_spawn of
// /bin/true has 30 sites, python3's start 100, most of them called fewer
// than ten times. A rewrite (the proof, two mprotects, the object's
// function table on its first) costs as much as 15-30 traps, so the site
// waits about that many (the rent-or-buy bound: never more than twice
// the better choice made knowing the future); a site that runs often pays
// its 32 traps once. Measured against rewriting at the fourth trap:
// python3 -c pass 11.86 -> 11.45 ms, /bin/true 2.75 -> 2.66 ms, busybox
// true 2.50 -> 2.45 ms, a static hello unchanged. Tests that need a site
// rewritten call it REWRITE_CALLS (64) times (tests/c/fast_shapes.c).
const lazyAfter = 32

// trappedBefore counts a trap of the syscall at sys and reports whether
// the site has now trapped lazyAfter times.
func (r *Rewriter) trappedBefore(sys uint64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.traps == nil {
		r.traps = map[uint64]uint8{}
	}
	n := r.traps[sys]
	if int(n)+1 < r.patchAfter {
		r.traps[sys] = n + 1
		return false
	}
	return true
}

// countRefused counts a syscall that every shape refused, once.
func (r *Rewriter) countRefused(sys uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	const all = shapeRegNr | shapeStone | shapeWindow
	if r.refused[sys]&all == all && r.refused[sys]&counted == 0 {
		r.refused[sys] |= counted
		r.nRefused.Add(1)
	}
}

// Stats implements plat.Rewriter.
func (r *Rewriter) Stats() plat.RewriteStats {
	s := plat.RewriteStats{Sites: r.nSites.Load(), Stones: r.nStones.Load(), Windows: r.nWindows.Load(), Refused: r.nRefused.Load(), TrappedCalls: r.nTrapped.Load()}
	var traps uint64
	s.PassCalls, traps = r.platform.passCounts()
	s.FastCalls = r.platform.fastCalls.Load() + s.PassCalls - traps
	s.TrappedCalls += traps
	return s
}

func appBytes(addr uint64, n int) []byte {
	p := *(*unsafe.Pointer)(unsafe.Pointer(&addr))
	return unsafe.Slice((*byte)(p), n)
}

// readable reports whether [addr, addr+n) is app memory that can be read
// and executed.
func readable(mem plat.CodeMemory, addr uint64, n int) bool {
	for a := addr &^ (trampPage - 1); a < addr+uint64(n); a += trampPage {
		prot, ok := mem.Prot(a)
		if !ok || prot&unix.PROT_READ == 0 || prot&unix.PROT_EXEC == 0 {
			return false
		}
	}
	return true
}

func (r *Rewriter) tryPatch(addr, nr uint64, mem plat.CodeMemory) bool {
	if nr >= maxSyscallNr || !readable(mem, addr, siteLen) || writable(mem, addr, siteLen) {
		// Code the app can write behind our back (self-modifying code,
		// JITs with RWX pages) stays on the trap path.
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sites[addr] != nil || r.refused[addr]&shapeImm != 0 {
		return false
	}
	code := appBytes(addr, siteLen)
	if code[0] != movEaxImm32 || binary.LittleEndian.Uint32(code[1:5]) != uint32(nr) || code[5] != 0x0f || code[6] != 0x05 {
		return false // not the pattern (or already rewritten by another path)
	}
	if !r.boundaryProven(addr, mem) || !atomicWindow(addr) {
		r.refused[addr] |= shapeImm
		return false
	}
	slot, err := r.slotNear(addr+movLen, uint32(nr), addr+siteLen)
	if err != nil {
		r.refused[addr] |= shapeImm
		return false
	}
	patch := jumpPatch(addr, slot, movLen)
	orig := append([]byte(nil), code[:movLen]...)
	if !r.write(addr, orig, patch, mem) {
		r.refused[addr] |= shapeImm
		return false
	}
	r.sites[addr] = &site{addr: addr, orig: orig, slot: slot}
	r.nSites.Add(1)
	return true
}

// writable reports whether any page of [addr, addr+n) is writable by the app.
func writable(mem plat.CodeMemory, addr uint64, n int) bool {
	for a := addr &^ (trampPage - 1); a < addr+uint64(n); a += trampPage {
		if prot, ok := mem.Prot(a); ok && prot&unix.PROT_WRITE != 0 {
			return true
		}
	}
	return false
}

// boundaryProven checks with the decoder that addr and addr+5 are
// instruction boundaries: a linear decode from the start of the enclosing
// function (known from the object's function table) must land on both.
// Code without a known function stays on the trap path.
func (r *Rewriter) boundaryProven(addr uint64, mem plat.CodeMemory) bool {
	inst, ok := instructionAt(addr, siteLen, mem)
	return ok && inst.Len == movLen
}

// instructionAt decodes linearly from the start of the function holding
// addr and returns the instruction that starts exactly at addr (n bytes
// of which must be readable), proving that addr is an instruction
// boundary.
func instructionAt(addr uint64, n int, mem plat.CodeMemory) (x86asm.Inst, bool) {
	fn, ok := mem.FuncStart(addr)
	if !ok || fn > addr || addr-fn > 1<<20 || !readable(mem, fn, int(addr-fn)+n) {
		return x86asm.Inst{}, false
	}
	code := appBytes(fn, int(addr-fn)+n)
	pc := uint64(0)
	for fn+pc < addr {
		inst, err := x86asm.Decode(code[pc:], 64)
		if err != nil {
			return x86asm.Inst{}, false
		}
		pc += uint64(inst.Len)
	}
	if fn+pc != addr {
		return x86asm.Inst{}, false
	}
	inst, err := x86asm.Decode(code[pc:], 64)
	return inst, err == nil
}

// atomicWindow reports whether the 5 bytes at addr can be swapped with one
// aligned 8- or 16-byte compare-and-swap.
func atomicWindow(addr uint64) bool { return atomicWindowN(addr, movLen) }

// atomicWindowN is atomicWindow for n bytes (n <= 8).
func atomicWindowN(addr uint64, n int) bool {
	return addr%8 <= uint64(8-n) || addr%16 <= uint64(16-n)
}

// jumpPatch is the n bytes that replace a site at addr: a jmp rel32 to
// slot, then int3 padding that nothing executes.
func jumpPatch(addr, slot uint64, n int) []byte {
	patch := make([]byte, n)
	patch[0] = jmpRel32
	binary.LittleEndian.PutUint32(patch[1:], uint32(int32(int64(slot)-int64(addr+movLen))))
	for i := movLen; i < n; i++ {
		patch[i] = 0xcc
	}
	return patch
}

// write swaps the bytes at addr (2 to 15 of them, one instruction's
// worth) from old to new, making the page(s) temporarily writable (never
// non-executable) and restoring the app's protection afterwards. Up to 8
// bytes inside an aligned 8 or 16-byte window are swapped with one atomic
// compare-and-swap; other sites with the breakpoint protocol of Linux's
// text_poke_bp: an int3 first, then the tail, then the first byte, each
// step made visible to every CPU running the app's threads (membarrier
// SYNC_CORE). A thread that meets the int3 meanwhile traps; the kernel asks
// Breakpoint and lets it retry the instruction.
func (r *Rewriter) write(addr uint64, old, new []byte, mem plat.CodeMemory) bool {
	n := len(old)
	if len(new) != n || n < 2 || n > regNrMaxIns || !r.canWrite(addr, n) {
		return false
	}
	return withWritable(addr, n, mem, func() bool {
		if n <= 8 && atomicWindowN(addr, n) {
			return casWindow(addr, old, new)
		}
		return r.pokeWithBreakpoint(addr, old, new)
	})
}

// canWrite reports whether n bytes at addr can be replaced safely.
func (r *Rewriter) canWrite(addr uint64, n int) bool {
	return (n <= 8 && atomicWindowN(addr, n)) || syncCoreReady()
}

// withWritable runs f with the pages of [addr, addr+16) that hold the
// window writable, and puts the app's protection back.
func withWritable(addr uint64, n int, mem plat.CodeMemory, f func() bool) bool {
	first := addr &^ (trampPage - 1)
	last := (addr + 15) &^ (trampPage - 1)
	type pageProt struct {
		page uint64
		prot int
	}
	var restore []pageProt
	defer func() {
		for _, p := range restore {
			mprotect(p.page, trampPage, p.prot)
		}
	}()
	for pg := first; pg <= last; pg += trampPage {
		prot, ok := mem.Prot(pg)
		if !ok {
			if pg > (addr+uint64(n)-1)&^(trampPage-1) {
				break // the 16-byte window only reaches into it
			}
			return false
		}
		if prot&unix.PROT_WRITE == 0 {
			if mprotect(pg, trampPage, prot|unix.PROT_WRITE|unix.PROT_EXEC|unix.PROT_READ) != nil {
				return false
			}
			restore = append(restore, pageProt{pg, prot})
		}
	}
	return f()
}

// casWindow swaps old for new at addr with one aligned 8- or 16-byte
// compare-and-swap.
func casWindow(addr uint64, old, new []byte) bool {
	n := uint64(len(old))
	width := uint64(8)
	if addr%8 > 8-n {
		width = 16
	}
	base := addr &^ (width - 1)
	off := addr - base
	cur := appBytes(base, int(width))
	oldW := append([]byte(nil), cur...)
	if string(oldW[off:off+n]) != string(old) {
		return false
	}
	newW := append([]byte(nil), oldW...)
	copy(newW[off:], new)
	if width == 8 {
		return C.ep_cas8((*C.uint64_t)(unsafe.Pointer(&cur[0])), C.uint64_t(binary.LittleEndian.Uint64(oldW)), C.uint64_t(binary.LittleEndian.Uint64(newW))) != 0
	}
	o := [2]C.uint64_t{C.uint64_t(binary.LittleEndian.Uint64(oldW)), C.uint64_t(binary.LittleEndian.Uint64(oldW[8:]))}
	nw := [2]C.uint64_t{C.uint64_t(binary.LittleEndian.Uint64(newW)), C.uint64_t(binary.LittleEndian.Uint64(newW[8:]))}
	return C.ep_cas16(unsafe.Pointer(&cur[0]), &o[0], &nw[0]) != 0
}

func mprotect(addr, n uint64, prot int) error {
	_, _, e := unix.Syscall(unix.SYS_MPROTECT, uintptr(addr), uintptr(n), uintptr(prot))
	if e != 0 {
		return e
	}
	return nil
}

// slotNear writes a trampoline for one mov-eax site within jmp rel32
// reach of from and returns its address.
func (r *Rewriter) slotNear(from uint64, nr uint32, ret uint64) (uint64, error) {
	slot, tp, err := r.allocSlot(from)
	if err != nil {
		return 0, err
	}
	b := appBytes(slot, slotSize)
	b[0] = movEaxImm32 // mov $nr, %eax
	binary.LittleEndian.PutUint32(b[1:], nr)
	n := 5 + putEntryJump(b[5:], slot+5, tp.base, ret)
	for i := n; i < slotSize; i++ {
		b[i] = 0xcc
	}
	return slot, nil
}

// allocSlot takes a free trampoline slot within reach of from.
func (r *Rewriter) allocSlot(from uint64) (uint64, *trampolines, error) {
	return r.allocSlots(from, 1)
}

// allocSlots takes n adjacent free trampoline slots within reach of from.
func (r *Rewriter) allocSlots(from uint64, n int) (uint64, *trampolines, error) {
	var tp *trampolines
	for _, p := range r.pages {
		if p.used+n <= trampPage/slotSize && within(from, p.base) {
			tp = p
			break
		}
	}
	if tp == nil {
		base, err := mapNear(from)
		if err != nil {
			return 0, nil, err
		}
		for a := range r.forward {
			if a >= base && a < base+trampPage {
				delete(r.forward, a) // an evicted page's; this one is new
			}
		}
		binary.LittleEndian.PutUint64(appBytes(base, 8), uint64(C.ep_fast_entry_addr()))
		tp = &trampolines{base: base, used: 1}
		r.pages = append(r.pages, tp)
	}
	slot := tp.base + uint64(tp.used)*slotSize
	tp.used += n
	return slot, tp, nil
}

// putEntryJump writes, at b (address at), "movabs $ret, %rcx; jmp
// *entry(%rip)" with the entry pointer at base, and returns its length.
func putEntryJump(b []byte, at, base, ret uint64) int {
	b[0], b[1] = 0x48, 0xb9 // movabs $ret, %rcx
	binary.LittleEndian.PutUint64(b[2:], ret)
	b[10], b[11] = 0xff, 0x25 // jmp *entry(%rip)
	binary.LittleEndian.PutUint32(b[12:], uint32(int32(int64(base)-int64(at+16))))
	return 16
}

func within(from, target uint64) bool {
	d := int64(target) - int64(from)
	return d > -reach && d < reach
}

// mapNear maps a trampoline page within ±2 GiB of addr, in a hole no app
// mapping uses (MAP_FIXED_NOREPLACE never replaces anything): first at
// doubling distances, then, when all of those are taken (a library just
// above eight thread stacks), in the nearest hole the host's map lists.
func mapNear(addr uint64) (uint64, error) {
	center := addr &^ (trampPage - 1)
	for delta := uint64(1 << 20); delta < reach; delta *= 2 {
		for _, cand := range []uint64{center - delta, center + delta} {
			if base, ok := mapTrampolinePage(addr, cand); ok {
				return base, nil
			}
		}
	}
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return 0, unix.ENOMEM
	}
	for _, cand := range holesNear(center, plat.ParseMaps(maps)) {
		if base, ok := mapTrampolinePage(addr, cand); ok {
			return base, nil
		}
	}
	return 0, unix.ENOMEM
}

// mapTrampolinePage maps a trampoline page at cand if it is within reach
// of addr and free.
func mapTrampolinePage(addr, cand uint64) (uint64, bool) {
	if !within(addr, cand) || !within(addr, cand+trampPage) || cand < 1<<16 || cand >= 1<<47-trampPage {
		return 0, false
	}
	r, _, e := unix.Syscall6(unix.SYS_MMAP, uintptr(cand), trampPage,
		unix.PROT_READ|unix.PROT_WRITE|unix.PROT_EXEC, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED_NOREPLACE, ^uintptr(0), 0)
	return uint64(r), e == 0
}

// holesNear returns, for each hole between the mappings that can hold a
// trampoline page, the page of it nearest to center, nearest first.
func holesNear(center uint64, mapped []plat.HostMapping) []uint64 {
	var cands []uint64
	prevEnd := uint64(1 << 16)
	for _, m := range append(mapped, plat.HostMapping{Start: 1 << 47, End: 1 << 47}) {
		if m.Start >= prevEnd+trampPage {
			// The hole is [prevEnd, m.Start): the page nearest center.
			cand := min(max(center, prevEnd), m.Start-trampPage)
			cands = append(cands, cand)
		}
		prevEnd = max(prevEnd, m.End)
	}
	dist := func(a uint64) uint64 {
		if a > center {
			return a - center
		}
		return center - a
	}
	slices.SortFunc(cands, func(a, b uint64) int { return cmp.Compare(dist(a), dist(b)) })
	return cands
}

// Invalidate implements plat.Rewriter.
func (r *Rewriter) Invalidate(start, end uint64, stillMapped bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for a, s := range r.sites {
		// A stone lies on its site's page (findStone), so a range of
		// whole pages holds both or neither.
		if a+uint64(len(s.orig)) <= start || a >= end {
			continue
		}
		if stillMapped {
			cur := appBytes(a, len(s.orig))
			if cur[0] == s.patchedFirst() {
				copy(cur, s.orig) // the caller made the page writable
				if s.stone != 0 {
					copy(appBytes(s.stone, stoneLen), s.stoneOrig)
				}
			}
		}
		if s.stone != 0 {
			delete(r.stoneAt, s.stone)
		}
		delete(r.sites, a)
	}
	for a := range r.refused {
		if a >= start && a < end {
			delete(r.refused, a)
		}
	}
	for a := range r.traps {
		if a >= start && a < end {
			delete(r.traps, a)
		}
	}
}

// Scan implements plat.Rewriter: every candidate site in [start, end).
func (r *Rewriter) Scan(start, end uint64, mem plat.CodeMemory) {
	if r.mode != RewriteEager || end <= start+siteLen {
		return
	}
	for pg := start &^ (trampPage - 1); pg < end; pg += trampPage {
		if !readable(mem, pg, 1) {
			continue
		}
		lo, hi := max(pg, start), min(pg+trampPage, end)
		// A site may straddle into the next page; read what is readable.
		limit := hi + siteLen
		if !readable(mem, hi, siteLen) {
			limit = hi
		}
		code := appBytes(lo, int(limit-lo))
		for i := 0; i+siteLen <= len(code); i++ {
			if code[i] == movEaxImm32 && code[i+5] == 0x0f && code[i+6] == 0x05 {
				nr := binary.LittleEndian.Uint32(code[i+1:])
				r.tryPatch(lo+uint64(i), uint64(nr), mem)
			}
		}
	}
}

// Evict gives [start, end) back to the app: trampoline pages there are
// unmapped after the sites that use them got their original bytes back
// (they trap again, and may be rewritten with a trampoline elsewhere). It
// is called before an app mapping that needs the range.
func (r *Rewriter) Evict(start, end uint64, mem plat.CodeMemory) {
	r.mu.Lock()
	defer r.mu.Unlock()
	kept := r.pages[:0]
	for _, p := range r.pages {
		if p.base+trampPage <= start || p.base >= end {
			kept = append(kept, p)
			continue
		}
		var users []*site
		foreign := false
		for _, s := range r.sites {
			if s.slot < p.base || s.slot >= p.base+trampPage {
				continue
			}
			users = append(users, s)
			if _, ok := mem.Prot(s.addr); !ok {
				// The page serves code of another address space (all
				// processes share the host's): it stays, and the app's
				// mapping fails as over any host memory.
				foreign = true
			}
		}
		if foreign {
			kept = append(kept, p)
			continue
		}
		for _, s := range users {
			cur := append([]byte(nil), appBytes(s.addr, len(s.orig))...)
			if !r.write(s.addr, cur, s.orig, mem) {
				foreign = true
				break
			}
			delete(r.sites, s.addr)
			if s.stone != 0 {
				delete(r.stoneAt, s.stone)
			}
			if s.window != nil {
				// A thread in a blocked call returns to the window's
				// trampoline: it is sent to the app's own code, which
				// has its original bytes again.
				r.forwardWindow(s)
			}
		}
		if foreign {
			kept = append(kept, p)
			continue
		}
		unix.Syscall(unix.SYS_MUNMAP, uintptr(p.base), trampPage, 0)
		r.gen.Add(1)
	}
	r.pages = kept
}
