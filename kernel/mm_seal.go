package kernel

import "golang.org/x/sys/unix"

// Seal is mseal(2) on [addr, addr+length): every page must be mapped
// (ENOMEM); from then on the range cannot be unmapped, moved, remapped,
// mapped over or have its protection changed (EPERM), and read-only
// private anonymous memory in it cannot be discarded with madvise. Fork
// children keep the seals; exec drops them with the address space.
func (m *MM) Seal(addr, length uint64) error {
	if addr%pageSize != 0 {
		return unix.EINVAL
	}
	end := addr + pageUp(length)
	if end < addr || pageUp(length) < length {
		return unix.EINVAL
	}
	if end == addr {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.covered(addr, end, 0) {
		return unix.ENOMEM
	}
	m.carve(addr, end, func(p *VMA) { p.Sealed = true })
	return nil
}

// anySealed reports whether a sealed VMA overlaps [start, end). Caller
// holds mu.
func (m *MM) anySealed(start, end uint64) bool {
	for _, v := range m.vmas {
		if v.Sealed && v.Start < end && v.End > start {
			return true
		}
	}
	return false
}

// discardAdvice are the madvise advice values that throw pages away
// (Linux's is_madv_discard).
func discardAdvice(advice int) bool {
	switch advice {
	case unix.MADV_FREE, unix.MADV_DONTNEED, madvDontneedLocked, unix.MADV_REMOVE,
		unix.MADV_DONTFORK, unix.MADV_WIPEONFORK:
		return true
	}
	return false
}

// madvDontneedLocked is MADV_DONTNEED_LOCKED (Linux 5.18).
const madvDontneedLocked = 24

// sealBlocksAdvice reports whether advice may not touch [start, end): a
// discard of sealed read-only private anonymous memory. Caller holds mu.
func (m *MM) sealBlocksAdvice(start, end uint64, advice int) bool {
	if !discardAdvice(advice) {
		return false
	}
	for _, v := range m.vmas {
		if v.Sealed && v.Start < end && v.End > start &&
			!v.Shared && isSpecialOrAnon(v.Name) && v.Prot&unix.PROT_WRITE == 0 {
			return true
		}
	}
	return false
}
