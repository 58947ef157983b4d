package inproc

/*
#include <stdlib.h>
#include "fork.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/plat"
	"github.com/elfloader/elfloader/plat/isolated"
)

// Fork on the in-process platform. The first process runs in elfloader's
// own address space; a fork child cannot: it gets a copy-on-write copy of
// the app's memory in a host process of its own, a stub of the isolated
// platform, served by the same kernel. See docs/fork.md.

// forker is the platform's fork machinery, made on the first fork.
type forker struct {
	once sync.Once
	err  error
	iso  *isolated.Platform
	plan *C.struct_ep_fork_plan // C memory: the child reads it after the fork
	mu   sync.Mutex             // one fork at a time (the plan's descriptors)
}

// reserveStubRegion keeps the isolated platform's stub region free in
// elfloader (a PROT_NONE reservation), so that a fork child can map the stub
// there; app mappings over it fail as over any host memory.
func reserveStubRegion() bool {
	const length = isolated.StubEnd - isolated.StubStart
	r, _, e := unix.Syscall6(unix.SYS_MMAP, isolated.StubStart, length, unix.PROT_NONE,
		unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE|unix.MAP_FIXED_NOREPLACE, ^uintptr(0), 0)
	return e == 0 && r == isolated.StubStart
}

// Isolated returns the isolated platform that runs fork children, starting
// it on first use.
func (p *Platform) Isolated() (*isolated.Platform, error) {
	f := &p.fork
	f.once.Do(func() {
		if !p.stubRegion {
			f.err = fmt.Errorf("inproc: fork: host mappings occupy the stub region %#x-%#x", uint64(isolated.StubStart), uint64(isolated.StubEnd))
			return
		}
		iso, err := isolated.New()
		if err != nil {
			f.err = fmt.Errorf("inproc: fork needs the isolated platform: %w", err)
			return
		}
		plan, err := newForkPlan()
		if err != nil {
			iso.Close()
			f.err = err
			return
		}
		f.iso, f.plan = iso, plan
	})
	return f.iso, f.err
}

// newForkPlan puts the stub program's memory picture into C memory.
func newForkPlan() (*C.struct_ep_fork_plan, error) {
	img, err := isolated.AdoptImage()
	if err != nil {
		return nil, err
	}
	size := img.End - isolated.StubStart
	picture := make([]byte, size)
	prots := make([]byte, size/4096)
	for _, s := range img.Segments {
		copy(picture[s.Addr-isolated.StubStart:], s.Data)
		for pg := (s.Addr - isolated.StubStart) / 4096; pg < (s.Addr+s.Size-isolated.StubStart+4095)/4096; pg++ {
			prots[pg] |= byte(s.Prot)
		}
	}
	plan := (*C.struct_ep_fork_plan)(C.calloc(1, C.size_t(unsafe.Sizeof(C.struct_ep_fork_plan{}))))
	if plan == nil {
		return nil, errors.New("inproc: out of memory for the fork plan")
	}
	plan.image_start = C.uint64_t(isolated.StubStart)
	plan.image_end = C.uint64_t(img.End)
	plan.entry = C.uint64_t(img.Entry)
	plan.picture = (*C.uint8_t)(C.CBytes(picture))
	dataLen := len(picture)
	for dataLen > 0 && picture[dataLen-1] == 0 {
		dataLen--
	}
	plan.data_len = C.uint64_t(dataLen)
	plan.page_prot = (*C.uint8_t)(C.CBytes(prots))
	plan.hwcap2 = C.uint64_t(plat.HostAuxv(atHWCAP2))
	return plan, nil
}

// Fork implements plat.AddressSpace: a host fork of elfloader that becomes
// a stub process holding a copy-on-write copy of app (the app's memory).
// Rewritten syscall sites get their original bytes back in the child.
func (as *AddressSpace) Fork(app []plat.Range) (plat.AddressSpace, error) {
	if as.p == nil {
		return nil, errors.New("inproc: fork of an address space without a platform")
	}
	return as.p.forkProcess(app)
}

func (p *Platform) forkProcess(app []plat.Range) (plat.AddressSpace, error) {
	iso, err := p.Isolated()
	if err != nil {
		return nil, err
	}
	app = append([]plat.Range(nil), app...)
	sort.Slice(app, func(i, j int) bool { return app[i].Start < app[j].Start })
	f := &p.fork
	f.mu.Lock()
	defer f.mu.Unlock()
	// No site may be rewritten between the snapshot and the fork: the
	// child would jump to a trampoline it does not have.
	if rw := p.rewriter; rw != nil {
		rw.mu.Lock()
		defer rw.mu.Unlock()
	}
	ad, err := iso.PrepareAdoption(app, p.rewrittenSites())
	if err != nil {
		return nil, err
	}
	f.plan.sock = C.int64_t(ad.SockFd)
	f.plan.ctrl = C.int64_t(ad.CtrlFd)
	var pidfd C.int32_t
	skip := dontForkRanges(app)
	var first *C.struct_ep_range
	if len(skip) > 0 {
		first = &skip[0]
	}
	pid := int64(C.ep_fork(f.plan, &pidfd, first, C.int64_t(len(skip))))
	if pid < 0 {
		ad.Abort()
		return nil, fmt.Errorf("inproc: fork: %w", unix.Errno(-pid))
	}
	return ad.Adopt(int(pid), int(pidfd))
}

// dontForkRanges lists elfloader's own anonymous mappings (the Go heap,
// thread stacks, runtime metadata): none of them is app memory or the
// stub region, and a fork child, which becomes a stub, unmaps them at
// once. ep_fork marks them MADV_DONTFORK (but for those its child still
// uses): the host then neither copies their page tables nor makes the
// parent take copy-on-write faults on them afterwards. A listing that
// cannot be read gives none (the fork copies everything, as before).
func dontForkRanges(app []plat.Range) []C.struct_ep_range {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return nil
	}
	var out []C.struct_ep_range
	for _, m := range notAppMappings(maps, app) {
		out = append(out, C.struct_ep_range{start: C.uint64_t(m.Start), end: C.uint64_t(m.End)})
	}
	return out
}

// notAppMappings are the unnamed mappings of a /proc/self/maps listing
// that share no byte with app memory (app, sorted) or the stub region.
func notAppMappings(maps []byte, app []plat.Range) []plat.HostMapping {
	var out []plat.HostMapping
	for _, m := range plat.ParseMaps(maps) {
		if m.Name != "" || m.End > isolated.StubStart && m.Start < isolated.StubEnd {
			continue
		}
		i := sort.Search(len(app), func(i int) bool { return app[i].End > m.Start })
		if i < len(app) && app[i].Start < m.End {
			continue // app memory (or merged with it): the child needs it
		}
		out = append(out, m)
	}
	return out
}

// rewrittenSites lists the rewriter's sites; the caller holds its lock.
func (p *Platform) rewrittenSites() []isolated.Site {
	rw := p.rewriter
	if rw == nil {
		return nil
	}
	out := make([]isolated.Site, 0, len(rw.sites))
	for _, s := range rw.sites {
		if len(s.orig) < movLen {
			// A two-byte site (a syscall jumping to a stone) is restored
			// with the original bytes around it on the same page.
			at := s.addr
			if (at+movLen-1)&^(trampPage-1) != at&^(trampPage-1) {
				at = s.addr + uint64(len(s.orig)) - movLen
			}
			var chunk [movLen]byte
			copy(chunk[:], rw.originalBytes(at, movLen))
			out = append(out, isolated.Site{Addr: at, Orig: chunk})
			continue
		}
		// The child restores 5 bytes an entry: a longer site (a moved
		// instruction of up to 15 bytes) is several entries, the last one
		// overlapping, all of the original bytes.
		for off := 0; off < len(s.orig); off += movLen {
			off = min(off, len(s.orig)-movLen)
			var chunk [movLen]byte
			copy(chunk[:], s.orig[off:])
			out = append(out, isolated.Site{Addr: s.addr + uint64(off), Orig: chunk})
		}
	}
	return out
}

// originalBytes is the app's code at [addr, addr+n) as it was before any
// site in it was rewritten; the caller holds the rewriter's lock.
func (r *Rewriter) originalBytes(addr uint64, n int) []byte {
	b := append([]byte(nil), appBytes(addr, n)...)
	for a := addr - regNrMaxIns; a < addr+uint64(n); a++ {
		s := r.sites[a]
		if s == nil {
			continue
		}
		for i, c := range s.orig {
			if p := a + uint64(i); p >= addr && p < addr+uint64(n) {
				b[p-addr] = c
			}
		}
	}
	return b
}

// NewSeparateAddressSpace implements plat.SeparateAddressSpaces: an empty
// stub process of the isolated platform, for a program that cannot share
// elfloader's address space.
func (p *Platform) NewSeparateAddressSpace() (plat.AddressSpace, error) {
	iso, err := p.Isolated()
	if err != nil {
		return nil, err
	}
	return iso.NewAddressSpace()
}
