package kernel

import (
	"sort"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The mremap, msync, mincore and mlock families. On a platform whose app
// memory is elfloader's own (in-process: AddressSpace.Direct works) they
// are host calls on the app's ranges, after the MM has checked that every
// byte involved is the app's; elsewhere mremap moves private memory by
// copying it, and the others are answered from the MM's own records.

// ownMemory reports whether the app's memory is host memory of this
// process (the in-process platform), so that host calls on app ranges
// reach the app's pages.
func (m *MM) ownMemory() bool {
	for _, v := range m.vmas {
		if !v.Host && v.Prot&unix.PROT_READ != 0 {
			_, ok := m.as.Direct(v.Start, 1)
			return ok
		}
	}
	return false
}

// vmaAt returns the index of the VMA containing addr, or -1. Caller holds mu.
func (m *MM) vmaAt(addr uint64) int {
	i := sort.Search(len(m.vmas), func(i int) bool { return m.vmas[i].End > addr })
	if i < len(m.vmas) && m.vmas[i].Start <= addr {
		return i
	}
	return -1
}

// Remap is mremap(2): it shrinks, grows or moves [old, old+oldLen), which
// must lie inside one mapping, to newLen bytes.
func (m *MM) Remap(old, oldLen, newLen uint64, flags int, newAddr uint64) (uint64, error) {
	const known = unix.MREMAP_MAYMOVE | unix.MREMAP_FIXED | unix.MREMAP_DONTUNMAP
	mayMove := flags&unix.MREMAP_MAYMOVE != 0
	switch {
	case flags&^known != 0, old%pageSize != 0:
		return 0, unix.EINVAL
	case flags&(unix.MREMAP_FIXED|unix.MREMAP_DONTUNMAP) != 0 && !mayMove:
		return 0, unix.EINVAL
	}
	oldLen, newLen = pageUp(oldLen), pageUp(newLen)
	if newLen == 0 || newLen > TaskSize || oldLen > TaskSize {
		return 0, unix.EINVAL
	}
	fixed := flags&unix.MREMAP_FIXED != 0
	if fixed {
		if newAddr%pageSize != 0 || newAddr > TaskSize-newLen {
			return 0, unix.EINVAL
		}
		if newAddr < old+max(oldLen, 1) && old < newAddr+newLen {
			return 0, unix.EINVAL // the ranges overlap
		}
	}
	dontUnmap := flags&unix.MREMAP_DONTUNMAP != 0
	if dontUnmap && oldLen != newLen {
		return 0, unix.EINVAL
	}
	m.mu.Lock()
	i := m.vmaAt(old)
	if i < 0 {
		m.mu.Unlock()
		return 0, unix.EFAULT
	}
	v := m.vmas[i]
	if v.Host || isSpecial(v.Name) && v.Name != "[heap]" && v.Name != "[stack]" {
		m.mu.Unlock()
		return 0, unix.EINVAL
	}
	if oldLen == 0 {
		// Linux duplicates a shared mapping with old_size 0; elfloader
		// does not track the descriptor behind a mapping.
		m.mu.Unlock()
		return 0, unix.EINVAL
	}
	if old+oldLen > v.End {
		m.mu.Unlock()
		return 0, unix.EFAULT
	}
	if dontUnmap && (v.Shared || !isSpecialOrAnon(v.Name)) {
		m.mu.Unlock()
		return 0, unix.EINVAL // DONTUNMAP: private anonymous memory only
	}
	if v.Sealed || fixed && m.anySealed(newAddr, newAddr+newLen) {
		m.mu.Unlock()
		return 0, unix.EPERM // mseal(2)
	}
	addr, err := m.remapLocked(v, old, oldLen, newLen, mayMove, fixed, dontUnmap, newAddr)
	m.mu.Unlock()
	if err != nil {
		return 0, err
	}
	exec := v.Prot&unix.PROT_EXEC != 0
	m.codeChanged(old, old+oldLen, true, false, false)
	m.codeChanged(addr, addr+newLen, true, false, false)
	m.codeChanged(addr, addr+newLen, false, v.Prot&unix.PROT_WRITE != 0, exec)
	return addr, nil
}

func (m *MM) remapLocked(v VMA, old, oldLen, newLen uint64, mayMove, fixed, dontUnmap bool, newAddr uint64) (uint64, error) {
	moved := v
	if v.hasOffset() {
		moved.FileOff += old - v.Start
	}
	if moved.Name == "[heap]" || moved.Name == "[stack]" {
		moved.Name = ""
	}
	if !fixed && !dontUnmap && newLen <= oldLen {
		// Shrinking (or the same size) happens in place.
		if newLen < oldLen {
			if err := m.as.Unmap(old+newLen, oldLen-newLen); err != nil {
				return 0, err
			}
			m.remove(old+newLen, old+oldLen)
		}
		return old, nil
	}
	if !fixed && !dontUnmap {
		if addr, ok := m.growInPlace(v, old, oldLen, newLen); ok {
			return addr, nil
		}
		if !mayMove {
			return 0, unix.ENOMEM
		}
	}
	if fixed {
		if m.anyHost(newAddr, newAddr+newLen) {
			return 0, unix.ENOMEM
		}
		if err := m.claimGaps(newAddr, newAddr+newLen); err != nil {
			return 0, err
		}
	}
	addr, err := m.move(v, old, oldLen, newLen, fixed, dontUnmap, newAddr)
	if err != nil {
		return 0, err
	}
	if !dontUnmap {
		m.remove(old, old+oldLen)
	}
	moved.Start, moved.End = addr, addr+newLen
	m.insert(moved)
	return addr, nil
}

// growInPlace extends the mapping at old when the pages after it are free.
func (m *MM) growInPlace(v VMA, old, oldLen, newLen uint64) (uint64, bool) {
	end := old + oldLen
	if end != v.End || m.overlaps(end, old+newLen) || old+newLen > TaskSize {
		return 0, false
	}
	if m.ownMemory() {
		if _, err := hostMremap(old, oldLen, newLen, 0, 0); err != nil {
			return 0, false
		}
	} else {
		if !v.Shared && isSpecialOrAnon(v.Name) {
			if _, err := m.as.Map(end, newLen-oldLen, v.Prot, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED_NOREPLACE, -1, 0); err != nil {
				return 0, false
			}
		} else {
			return 0, false
		}
	}
	grown := v
	grown.End = old + newLen
	m.insert(grown)
	return old, true
}

// move places the mapping's pages at a new address (newAddr when fixed)
// and returns it.
func (m *MM) move(v VMA, old, oldLen, newLen uint64, fixed, dontUnmap bool, newAddr uint64) (uint64, error) {
	if m.ownMemory() {
		flags := unix.MREMAP_MAYMOVE
		if fixed {
			flags |= unix.MREMAP_FIXED
		}
		if dontUnmap {
			flags |= unix.MREMAP_DONTUNMAP
		}
		return hostMremap(old, oldLen, newLen, flags, newAddr)
	}
	if v.Shared || !isSpecialOrAnon(v.Name) {
		return 0, unix.ENOMEM // a shared or file mapping cannot be copied
	}
	mapFlags := unix.MAP_PRIVATE | unix.MAP_ANONYMOUS
	if fixed {
		mapFlags |= unix.MAP_FIXED
	}
	addr, err := m.as.Map(newAddr, newLen, unix.PROT_READ|unix.PROT_WRITE, mapFlags, -1, 0)
	if err != nil {
		return 0, err
	}
	buf := make([]byte, min(oldLen, newLen))
	if err := m.as.CopyIn(old, buf); err == nil {
		err = m.as.CopyOut(addr, buf)
	}
	if err == nil && v.Prot != unix.PROT_READ|unix.PROT_WRITE {
		err = m.as.Protect(addr, newLen, v.Prot)
	}
	if err != nil {
		m.as.Unmap(addr, newLen)
		return 0, err
	}
	if dontUnmap {
		m.as.Advise(old, oldLen, unix.MADV_DONTNEED)
	} else {
		m.as.Unmap(old, oldLen)
	}
	return addr, nil
}

// checkRange validates an msync/mincore/mlock range: page-aligned start,
// entirely the app's memory (ENOMEM otherwise). It returns the end.
func (m *MM) checkRange(addr, length uint64) (uint64, error) {
	if addr%pageSize != 0 {
		return 0, unix.EINVAL
	}
	end := addr + pageUp(length)
	if end < addr || end > TaskSize {
		return 0, unix.ENOMEM
	}
	if !m.covered(addr, end, 0) {
		return 0, unix.ENOMEM
	}
	return end, nil
}

// Sync is msync(2).
func (m *MM) Sync(addr, length uint64, flags int) error {
	if flags&^(unix.MS_ASYNC|unix.MS_SYNC|unix.MS_INVALIDATE) != 0 || flags&unix.MS_ASYNC != 0 && flags&unix.MS_SYNC != 0 {
		return unix.EINVAL
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	end, err := m.checkRange(addr, length)
	if err != nil || end == addr || !m.ownMemory() {
		return err
	}
	return unix.Msync(m.hostBytes(addr, end), flags)
}

// Residency is mincore(2): one byte per page, bit 0 set for resident
// pages. Without host access to the pages (another platform) every page
// counts as resident.
func (m *MM) Residency(addr, length uint64) ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	end, err := m.checkRange(addr, length)
	if err != nil {
		return nil, err
	}
	vec := make([]byte, (end-addr)/pageSize)
	if m.ownMemory() && end > addr {
		if _, _, e := unix.Syscall(unix.SYS_MINCORE, uintptr(addr), uintptr(end-addr), uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
			return nil, e
		}
		return vec, nil
	}
	for i := range vec {
		vec[i] = 1
	}
	return vec, nil
}

// LockRange is mlock(2) (lock) and munlock(2): the host pins the pages on
// the in-process platform; elsewhere the range is only checked.
func (m *MM) LockRange(addr, length uint64, lock bool, onFault bool) error {
	addr, length = pageDown(addr), length+addr-pageDown(addr)
	m.mu.RLock()
	defer m.mu.RUnlock()
	end, err := m.checkRange(addr, length)
	if err != nil || end == addr || !m.ownMemory() {
		return err
	}
	b := m.hostBytes(addr, end)
	switch {
	case !lock:
		return unix.Munlock(b)
	case onFault:
		if _, _, e := unix.Syscall(unix.SYS_MLOCK2, uintptr(addr), uintptr(end-addr), unix.MLOCK_ONFAULT); e != 0 {
			return e
		}
		return nil
	}
	return unix.Mlock(b)
}

// MappedBytes is the size of the app's mappings, the most mlockall could
// pin (for RLIMIT_MEMLOCK checks).
func (m *MM) MappedBytes() uint64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var n uint64
	for _, v := range m.vmas {
		if !v.Host {
			n += v.End - v.Start
		}
	}
	return n
}

// hostBytes returns app memory [addr, end) as a host slice; only with
// ownMemory.
func (m *MM) hostBytes(addr, end uint64) []byte {
	b, _ := m.as.Direct(addr, int(end-addr))
	return b
}

// hostMremap is the host's mremap on app memory (in-process only).
func hostMremap(old, oldLen, newLen uint64, flags int, newAddr uint64) (uint64, error) {
	r, _, e := unix.Syscall6(unix.SYS_MREMAP, uintptr(old), uintptr(oldLen), uintptr(newLen), uintptr(flags), uintptr(newAddr), 0)
	if e != 0 {
		return 0, e
	}
	return uint64(r), nil
}
