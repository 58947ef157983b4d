package isolated

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/plat"
)

// Adoption: another platform (plat/inproc) forks its own host process and
// turns the child into a stub. The values mirror stub/adopt.h
// (TestAdoptLayoutMatchesHeader compares them).
const (
	adoptMagic    = 0x54504f4441425453
	adoptHeader   = 24
	adoptKeepSize = 16
	adoptSiteSize = 16
	adoptSiteLen  = 5
	adoptMinSlots = 2
	adoptUserEnd  = 0x7ffffffff000
)

// Site is a rewritten syscall site of the forking process: the child gets
// the original bytes back (the trampolines it jumps to stay behind).
type Site struct {
	Addr uint64
	Orig [adoptSiteLen]byte
}

// StubImage is the stub program as a forked child maps it at StubStart:
// one anonymous mapping of [StubStart, End), the segments' file bytes
// copied in, then each page given its protection.
type StubImage struct {
	End      uint64
	Segments []StubSegment
	// Entry is stub_adopt: rdi = control socket, rsi = control memfd,
	// rdx = AT_HWCAP2.
	Entry uint64
}

// StubSegment is one loadable segment of the stub program.
type StubSegment struct {
	Addr, Size uint64 // memory [Addr, Addr+Size)
	Data       []byte // file bytes at Addr (Size may be larger: zeroes)
	Prot       int
}

// AdoptImage returns the stub program as a fork child maps it.
func AdoptImage() (*StubImage, error) { return stubImage() }

var stubImage = sync.OnceValues(func() (*StubImage, error) {
	f, err := elf.NewFile(bytes.NewReader(stubProgram))
	if err != nil {
		return nil, fmt.Errorf("isolated: the stub program: %w", err)
	}
	img := &StubImage{}
	for _, ph := range f.Progs {
		if ph.Type != elf.PT_LOAD || ph.Memsz == 0 {
			continue
		}
		if ph.Vaddr < StubStart || ph.Vaddr+ph.Memsz > stubCtrlBase || ph.Filesz > ph.Memsz ||
			ph.Off+ph.Filesz > uint64(len(stubProgram)) {
			return nil, fmt.Errorf("isolated: stub segment at %#x does not fit the stub region", ph.Vaddr)
		}
		prot := 0
		if ph.Flags&elf.PF_R != 0 {
			prot |= unix.PROT_READ
		}
		if ph.Flags&elf.PF_W != 0 {
			prot |= unix.PROT_WRITE
		}
		if ph.Flags&elf.PF_X != 0 {
			prot |= unix.PROT_EXEC
		}
		img.Segments = append(img.Segments, StubSegment{Addr: ph.Vaddr, Size: ph.Memsz,
			Data: stubProgram[ph.Off : ph.Off+ph.Filesz], Prot: prot})
		img.End = max(img.End, (ph.Vaddr+ph.Memsz+4095)&^4095)
	}
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("isolated: the stub's symbols: %w", err)
	}
	for _, s := range syms {
		if s.Name == "stub_adopt" {
			img.Entry = s.Value
		}
	}
	if img.Entry == 0 || len(img.Segments) == 0 {
		return nil, errors.New("isolated: the stub program has no adoption entry")
	}
	return img, nil
})

// Adoption is a stub-to-be: the control memory and socket a host fork
// inherits, with the adoption data already in place.
type Adoption struct {
	p     *Platform
	sh    *shell
	used  int                 // bytes of adoption data in slot 1
	vdso  *[]plat.VDSOMapping // the host vDSO the child keeps, nil: unknown
	Image *StubImage
	// SockFd and CtrlFd are the descriptors the child passes to stub_adopt.
	SockFd, CtrlFd int
}

// PrepareAdoption makes the control memory and socket for a host fork of
// this process that will become a stub keeping the app memory app (sorted,
// outside the stub region) and restoring sites. Call Adopt with the
// child, or Abort.
func (p *Platform) PrepareAdoption(app []plat.Range, sites []Site) (*Adoption, error) {
	img, err := stubImage()
	if err != nil {
		return nil, err
	}
	if p.nslots < adoptMinSlots {
		return nil, errors.New("isolated: too few thread slots to adopt a process")
	}
	sh, err := p.newShell()
	if err != nil {
		return nil, err
	}
	used, err := writeAdoptData(sh.ctrl[hdrSize+p.slotSize:], app, sites)
	if err != nil {
		sh.close()
		return nil, err
	}
	return &Adoption{p: p, sh: sh, used: used, vdso: keptVDSO(plat.HostVDSO(), app), Image: img, SockFd: sh.stubSock, CtrlFd: sh.ctrlFd}, nil
}

// keptVDSO is the part of elfloader's own vDSO a fork child keeps: the
// mappings inside the app memory it keeps (stub_adopt unmaps everything
// else), at the same addresses. nil (unknown: the child's are read from
// the host) when a mapping lies partly in it.
func keptVDSO(host []plat.VDSOMapping, app []plat.Range) *[]plat.VDSOMapping {
	kept := []plat.VDSOMapping{}
	for _, m := range host {
		covered, touched := false, false
		for _, r := range app {
			if m.Start < r.End && r.Start < m.End {
				touched = true
				covered = covered || (r.Start <= m.Start && m.End <= r.End)
			}
		}
		switch {
		case covered:
			kept = append(kept, m)
		case touched:
			return nil
		}
	}
	return &kept
}

// writeAdoptData encodes the keep list and the sites (stub/adopt.h) and
// returns how many bytes it wrote.
func writeAdoptData(d []byte, app []plat.Range, sites []Site) (int, error) {
	need := adoptHeader + len(app)*adoptKeepSize + len(sites)*adoptSiteSize
	if need > len(d) {
		return 0, fmt.Errorf("isolated: %d mappings and %d rewritten sites do not fit the adoption area: %w",
			len(app), len(sites), unix.ENOMEM)
	}
	prot := func(addr uint64) (byte, bool) {
		for _, r := range app {
			if addr >= r.Start && addr < r.End {
				return byte(r.Prot), true
			}
		}
		return 0, false
	}
	le := binary.LittleEndian
	le.PutUint64(d[0:], adoptMagic)
	le.PutUint64(d[8:], uint64(len(app)))
	off := adoptHeader
	var last uint64
	for _, r := range app {
		if r.Start < last || r.End <= r.Start || r.End > adoptUserEnd || overlapsStub(r.Start, r.End-r.Start) {
			return 0, fmt.Errorf("isolated: app mapping %#x-%#x cannot be kept in a stub: %w", r.Start, r.End, unix.ENOMEM)
		}
		last = r.End
		le.PutUint64(d[off:], r.Start)
		le.PutUint64(d[off+8:], r.End)
		off += adoptKeepSize
	}
	n := 0
	for _, s := range sites {
		first, okFirst := prot(s.Addr)
		final, okLast := prot(s.Addr + adoptSiteLen - 1)
		if !okFirst || !okLast {
			continue // not the app's code (any more): it goes with the rest
		}
		le.PutUint64(d[off:], s.Addr)
		copy(d[off+8:], s.Orig[:])
		d[off+8+adoptSiteLen] = first
		d[off+9+adoptSiteLen] = final
		d[off+10+adoptSiteLen] = 0
		off += adoptSiteSize
		n++
	}
	le.PutUint64(d[16:], uint64(n))
	return off, nil
}

// Adopt waits for the forked child (pid, with its pidfd, which the
// address space takes over) to greet elfloader as a stub. exe is the
// program the child runs (elfloader's own executable), which its fork
// children will run too.
func (a *Adoption) Adopt(pid, pidfd int) (*AddressSpace, error) {
	exe, err := fileIDOf(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		unix.PidfdSendSignal(pidfd, unix.SIGKILL, nil, 0)
		unix.Waitid(unix.P_PIDFD, pidfd, nil, unix.WEXITED, nil)
		unix.Close(pidfd)
		a.sh.close()
		return nil, fmt.Errorf("isolated: the forked process: %w", err)
	}
	as, err := a.p.adopt(a.sh, pid, pidfd, exe, a.vdso)
	if err != nil {
		return nil, err
	}
	// The adoption data is in slot 1, which a second thread will use.
	clear(as.ctrl[hdrSize+a.p.slotSize : hdrSize+a.p.slotSize+a.used])
	return as, nil
}

// Abort frees an adoption whose fork did not happen.
func (a *Adoption) Abort() { a.sh.close() }

func fileIDOf(path string) (fileID, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return fileID{}, err
	}
	return fileID{st.Dev, st.Ino}, nil
}

// NewAddressSpace returns a fresh stub process of the platform that made
// as: execve in a process that lives in a stub (a fork child of the
// in-process platform) loads the new program there.
func (as *AddressSpace) NewAddressSpace() (plat.AddressSpace, error) {
	return as.p.newExecAddressSpace()
}
