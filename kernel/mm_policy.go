package kernel

import "golang.org/x/sys/unix"

// SetMemPolicy gives the pages of [start, end) the NUMA memory policy
// policy (mbind): the VMAs are split at the edges, and a policy goes with
// its pages through mprotect, mremap and fork and away with munmap, as
// Linux keeps it in the VMA. EFAULT when part of the range is not mapped.
func (m *MM) SetMemPolicy(start, end uint64, policy any) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.covered(start, end, 0) {
		return unix.EFAULT
	}
	m.carve(start, end, func(p *VMA) { p.MemPolicy = policy })
	return nil
}

// MemPolicies returns the policies of the VMAs that overlap [start, end)
// (nil for those without one), in address order.
func (m *MM) MemPolicies(start, end uint64) []any {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []any
	for _, v := range m.vmas {
		if v.Start < end && v.End > start {
			out = append(out, v.MemPolicy)
		}
	}
	return out
}
