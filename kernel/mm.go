package kernel

import (
	"bytes"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/plat"
)

const pageSize = 4096

// errNoDirectAccess: the platform cannot lend app memory to the kernel.
var errNoDirectAccess = unix.EOPNOTSUPP

// TaskSize is the end of the user address space on x86-64 with 4-level
// page tables (Linux's TASK_SIZE_MAX): no mapping, and no range a syscall
// accepts, reaches past it.
const TaskSize = 1<<47 - pageSize

// AccessOK is Linux's access_ok: [addr, addr+n) lies in the user address
// space without wrapping. Syscalls answer EFAULT up front when it fails,
// before they look at what is mapped.
func AccessOK(addr, n uint64) bool {
	end := addr + n
	return end >= addr && end <= TaskSize
}

func pageDown(v uint64) uint64 { return v &^ (pageSize - 1) }
func pageUp(v uint64) uint64   { return (v + pageSize - 1) &^ (pageSize - 1) }

// VMA is one range of app memory with uniform protection.
type VMA struct {
	Start, End uint64 // [Start, End), page-aligned
	Prot       int    // PROT_*
	Shared     bool
	Name       string // "[heap]", "[stack]", a file path, or ""
	FileOff    uint64
	// NoWrite marks a shared mapping of a file opened without write
	// access (Linux's missing VM_MAYWRITE): mprotect cannot add
	// PROT_WRITE to it.
	NoWrite bool
	// Host marks host memory shown to the app (the vDSO): readable and
	// executable like app memory, but never changed, replaced or unmapped
	// on the host through the app.
	Host bool
	// MemPolicy is the range's NUMA memory policy (mbind), nil for the
	// task's; its value belongs to the handler library that set it and
	// is never changed in place.
	MemPolicy any
	// Sealed is mseal(2): the range can no longer be unmapped, moved,
	// remapped or have its protection changed.
	Sealed bool
	// object is what a shared mapping shows (mm_shared.go); FileOff is
	// then the offset in it.
	object sharedObject
	// file is the host file of a MAP_SHARED file mapping (Linux's
	// vm_file), kept so that remap_file_pages can map other pages of it
	// there (mm_remapfile.go); nil otherwise.
	file *mappedFile
}

// MM is an app's address space: which host pages belong to the app. In the
// in-process platform app memory is elfloader's own memory, so the MM is also
// the guard that keeps the app from touching host mappings through mmap,
// munmap, mprotect or a handler's copy.
type MM struct {
	// as is where the memory lives (the platform's address space); every
	// change and access goes through it.
	as plat.AddressSpace

	// code learns about code that appears, changes or goes away (the
	// fast syscall path's rewritten sites); nil without rewriting.
	code    plat.Rewriter
	codeMem plat.CodeMemory
	evicted func() // SetRewriter

	// reserved are ranges of the address space that hold the platform's
	// own memory (the isolated stub): never app memory.
	reserved [][2]uint64
	// users counts the processes on this address space (a vfork child
	// borrows its parent's); the last one to leave releases it.
	users atomic.Int32
	// observers hear of forks and the release (mm_observe.go).
	observers mmObservers

	mu        sync.RWMutex
	vmas      []VMA // sorted, non-overlapping
	brkStart  uint64
	brkCur    uint64
	brkMapped uint64 // end of the mapped heap (page-aligned)
}

// NewMM returns an empty memory manager over the platform's address space,
// used by one process.
func NewMM(as plat.AddressSpace) *MM {
	m := &MM{as: as}
	if r, ok := as.(plat.ReservedRanges); ok {
		m.reserved = r.Reserved()
	}
	m.users.Store(1)
	return m
}

// hold counts one more process on the address space (a vfork child).
func (m *MM) hold() { m.users.Add(1) }

// drop is process pid leaving the address space (exit, execve); the last
// one releases it on the host.
func (m *MM) drop(pid int) {
	if m.users.Add(-1) == 0 {
		m.released(pid)
		m.as.Release()
	}
}

// inReserved reports whether [start, end) touches a reserved range.
func (m *MM) inReserved(start, end uint64) bool {
	for _, r := range m.reserved {
		if start < r[1] && end > r[0] {
			return true
		}
	}
	return false
}

// Direct reports whether the platform lends app memory to the kernel
// (in-process): the vDSO and the fast syscall path need it.
func (m *MM) Direct() bool {
	_, ok := m.as.Direct(0, 0)
	return ok
}

// Fork returns a copy of the address space for a child process (fork):
// the platform copies the memory, copy-on-write; the bookkeeping is copied
// here. The rewriter is not inherited (the child's memory is not
// elfloader's).
func (m *MM) Fork() (*MM, error) {
	child, err := m.copyForFork()
	if err != nil {
		return nil, err
	}
	m.forked(child)
	return child, nil
}

// copyForFork copies the address space and its bookkeeping, under the
// lock; the observers hear of it after.
func (m *MM) copyForFork() (*MM, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	app := make([]plat.Range, len(m.vmas))
	for i, v := range m.vmas {
		app[i] = plat.Range{Start: v.Start, End: v.End, Prot: v.Prot}
	}
	as, err := m.as.Fork(app)
	if err != nil {
		return nil, err
	}
	child := NewMM(as)
	child.vmas = append([]VMA(nil), m.vmas...)
	child.brkStart, child.brkCur, child.brkMapped = m.brkStart, m.brkCur, m.brkMapped
	return child, nil
}

// AddressSpace is the platform's address space behind the MM.
func (m *MM) AddressSpace() plat.AddressSpace { return m.as }

// SetRewriter connects the platform's site rewriter to this address space.
// evicted runs after trampolines went away (Evict): threads in app code
// that may return into one, waiting in the host in a pass-through call,
// must be sent through the kernel (which forwards them).
func (m *MM) SetRewriter(r plat.Rewriter, mem plat.CodeMemory, evicted func()) {
	m.code = r
	m.codeMem = mem
	m.evicted = evicted
}

// evict gives [start, end) back to the app (plat.Rewriter.Evict).
func (m *MM) evict(start, end uint64) {
	g := m.code.Generation()
	m.code.Evict(start, end, m.codeMem)
	if m.code.Generation() != g && m.evicted != nil {
		m.evicted()
	}
}

// codeChanged tells the rewriter about a range whose code went away or
// may change, and (eager mode) about new executable code.
func (m *MM) codeChanged(start, end uint64, unmapped, writable, exec bool) {
	if m.code == nil {
		return
	}
	if unmapped || writable {
		m.code.Invalidate(start, end, !unmapped)
	}
	if exec && !writable {
		m.code.Scan(start, end, m.codeMem)
	}
}

// VMAs returns a copy of the mappings, in address order.
func (m *MM) VMAs() []VMA {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return append([]VMA(nil), m.vmas...)
}

// insert records [v.Start, v.End), replacing what was there. Caller holds mu.
func (m *MM) insert(v VMA) {
	m.remove(v.Start, v.End)
	i := sort.Search(len(m.vmas), func(i int) bool { return m.vmas[i].Start >= v.End })
	m.vmas = append(m.vmas, VMA{})
	copy(m.vmas[i+1:], m.vmas[i:])
	m.vmas[i] = v
}

// carve gives the parts of the VMAs inside [start, end) a change of
// attributes, splitting them at the edges. Caller holds mu.
func (m *MM) carve(start, end uint64, change func(p *VMA)) {
	var parts []VMA
	for _, v := range m.vmas {
		s, e := max(v.Start, start), min(v.End, end)
		if s < e {
			p := v
			if p.hasOffset() {
				p.FileOff += s - v.Start
			}
			p.Start, p.End = s, e
			change(&p)
			parts = append(parts, p)
		}
	}
	for _, p := range parts {
		m.insert(p)
	}
}

// remove forgets [start, end), splitting VMAs at the edges. Caller holds mu.
func (m *MM) remove(start, end uint64) {
	// In place: readers hold m.mu and snapshots are copies (VMAs). A new
	// slice per call grew by appending on every mmap, mprotect and munmap
	// (1.5% of python3's start).
	i := sort.Search(len(m.vmas), func(i int) bool { return m.vmas[i].End > start })
	j := i
	for j < len(m.vmas) && m.vmas[j].Start < end {
		j++
	}
	if i == j {
		return
	}
	var keep [2]VMA
	n := 0
	if first := m.vmas[i]; first.Start < start {
		first.End = start
		keep[n] = first
		n++
	}
	if last := m.vmas[j-1]; last.End > end {
		if last.hasOffset() {
			last.FileOff += end - last.Start
		}
		last.Start = end
		keep[n] = last
		n++
	}
	m.vmas = slices.Replace(m.vmas, i, j, keep[:n]...)
}

func isSpecial(name string) bool { return len(name) > 0 && name[0] == '[' }

// covered reports whether [start, end) is entirely app memory, each part of
// it with all of the permissions in need.
func (m *MM) covered(start, end uint64, need int) bool {
	if end < start {
		return false
	}
	i := sort.Search(len(m.vmas), func(i int) bool { return m.vmas[i].End > start })
	pos := start
	for ; i < len(m.vmas) && pos < end; i++ {
		v := m.vmas[i]
		if v.Start > pos || v.Prot&need != need {
			return false
		}
		pos = v.End
	}
	return pos >= end
}

// overlaps reports whether any byte of [start, end) is app memory.
func (m *MM) overlaps(start, end uint64) bool {
	i := sort.Search(len(m.vmas), func(i int) bool { return m.vmas[i].End > start })
	return i < len(m.vmas) && m.vmas[i].Start < end
}

// Find returns the VMA containing addr.
func (m *MM) Find(addr uint64) (VMA, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	i := sort.Search(len(m.vmas), func(i int) bool { return m.vmas[i].End > addr })
	if i < len(m.vmas) && m.vmas[i].Start <= addr {
		return m.vmas[i], true
	}
	return VMA{}, false
}

// MapSpec is one mmap request after decoding.
type MapSpec struct {
	Addr, Length uint64
	Prot         int
	Flags        int // MAP_* as the app gave them
	HostFD       int // -1 for anonymous memory
	Offset       uint64
	// HostBase is added to Offset for the host mapping: where the file's
	// byte 0 is in HostFD (a file stored in an image maps from the image
	// file, MAP_PRIVATE only). The VMA keeps the file offset.
	HostBase uint64
	Name     string
	NoWrite  bool // see VMA.NoWrite
	// file is the mapped file to keep (remap_file_pages maps the file
	// of the VMA it remaps again): nil to duplicate HostFD.
	file *mappedFile
}

// Map creates a mapping with Linux's placement rules, refusing to replace
// host memory: MAP_FIXED over a range that is not the app's fails with
// ENOMEM instead of clobbering elfloader's own mappings.
func (m *MM) Map(s MapSpec) (uint64, error) {
	if s.Length == 0 {
		return 0, unix.EINVAL
	}
	if s.Offset%pageSize != 0 {
		return 0, unix.EINVAL
	}
	length := pageUp(s.Length)
	if length < s.Length || length > TaskSize {
		return 0, unix.ENOMEM
	}
	flags := s.Flags &^ (unix.MAP_FIXED | unix.MAP_FIXED_NOREPLACE | unix.MAP_GROWSDOWN | unix.MAP_DENYWRITE | unix.MAP_EXECUTABLE | unix.MAP_LOCKED | unix.MAP_POPULATE | unix.MAP_HUGETLB)
	flags |= s.Flags & unix.MAP_POPULATE
	// MAP_32BIT (first 2 GiB) stays: the host applies it, and ignores it
	// with MAP_FIXED, as Linux does for the app.
	fd := s.HostFD
	if fd < 0 {
		flags |= unix.MAP_ANONYMOUS
	}
	if m.code != nil && s.Flags&(unix.MAP_FIXED|unix.MAP_FIXED_NOREPLACE) != 0 {
		// Trampolines of the fast path live in holes of the app's
		// address space; the app may want them back.
		m.evict(pageDown(s.Addr), pageDown(s.Addr)+length)
	}
	object, err := sharedObjectOf(s)
	if err != nil {
		return 0, err
	}
	file, err := keepMappedFile(s, !m.Direct())
	if err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var addr uint64
	switch {
	case s.Flags&unix.MAP_FIXED_NOREPLACE != 0 && s.Flags&unix.MAP_FIXED == 0:
		if s.Addr%pageSize != 0 {
			return 0, unix.EINVAL
		}
		if m.inReserved(s.Addr, s.Addr+length) {
			return 0, unix.EEXIST // the platform's memory is there
		}
		addr, err = m.as.Map(s.Addr, length, s.Prot, flags|unix.MAP_FIXED_NOREPLACE, fd, s.HostBase+s.Offset)
	case s.Flags&unix.MAP_FIXED != 0:
		if s.Addr%pageSize != 0 {
			return 0, unix.EINVAL
		}
		end := s.Addr + length
		if end < s.Addr || end > 1<<47 {
			return 0, unix.ENOMEM
		}
		if m.anyHost(s.Addr, end) || m.inReserved(s.Addr, end) {
			return 0, unix.ENOMEM
		}
		if m.anySealed(s.Addr, end) {
			return 0, unix.EPERM
		}
		if err := m.claimGaps(s.Addr, end); err != nil {
			return 0, err
		}
		addr, err = m.as.Map(s.Addr, length, s.Prot, flags|unix.MAP_FIXED, fd, s.HostBase+s.Offset)
	default:
		hint := pageDown(s.Addr)
		if m.overlaps(hint, hint+length) || m.inReserved(hint, hint+length) || hint+length < hint {
			hint = 0
		}
		addr, err = m.as.Map(hint, length, s.Prot, flags, fd, s.HostBase+s.Offset)
	}
	if err != nil {
		return 0, err
	}
	m.insert(VMA{Start: addr, End: addr + length, Prot: s.Prot, Shared: object != (sharedObject{}), Name: s.Name, FileOff: s.Offset, NoWrite: s.NoWrite, object: object, file: file})
	m.mu.Unlock()
	m.codeChanged(addr, addr+length, true, false, false)
	m.codeChanged(addr, addr+length, false, s.Prot&unix.PROT_WRITE != 0, s.Prot&unix.PROT_EXEC != 0)
	m.mu.Lock()
	return addr, nil
}

// claimGaps makes sure every part of [start, end) that is not app memory is
// free on the host, by reserving it; it fails with ENOMEM otherwise.
func (m *MM) claimGaps(start, end uint64) error {
	pos := start
	var claimed [][2]uint64
	fail := func() error {
		for _, c := range claimed {
			m.as.Unmap(c[0], c[1]-c[0])
		}
		return unix.ENOMEM
	}
	i := sort.Search(len(m.vmas), func(i int) bool { return m.vmas[i].End > start })
	for pos < end {
		gapEnd := end
		if i < len(m.vmas) && m.vmas[i].Start < end {
			gapEnd = max(pos, m.vmas[i].Start)
		}
		if gapEnd > pos {
			if _, err := m.as.Map(pos, gapEnd-pos, unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED_NOREPLACE, -1, 0); err != nil {
				return fail()
			}
			claimed = append(claimed, [2]uint64{pos, gapEnd})
		}
		if i < len(m.vmas) && m.vmas[i].Start < end {
			pos = m.vmas[i].End
			i++
		} else {
			pos = end
		}
	}
	return nil
}

// Unmap removes the app's mappings in [addr, addr+length); host mappings in
// the range are left alone. As in Linux, a range that is unaligned, empty or
// reaches past the user address space is EINVAL.
func (m *MM) Unmap(addr, length uint64) error {
	length = pageUp(length)
	if addr%pageSize != 0 || length == 0 || addr > TaskSize || length > TaskSize-addr {
		return unix.EINVAL
	}
	end := addr + length
	m.mu.Lock()
	if m.anySealed(addr, end) {
		m.mu.Unlock()
		return unix.EPERM
	}
	for _, v := range m.vmas {
		s, e := max(v.Start, addr), min(v.End, end)
		if s < e && !v.Host {
			if err := m.as.Unmap(s, e-s); err != nil {
				m.mu.Unlock()
				return err
			}
		}
	}
	m.remove(addr, end)
	m.mu.Unlock()
	m.codeChanged(addr, end, true, false, false)
	return nil
}

// Protect changes the protection of app memory; ENOMEM if part of the range
// is not the app's.
func (m *MM) Protect(addr, length uint64, prot int) error {
	if addr%pageSize != 0 {
		return unix.EINVAL
	}
	end := addr + pageUp(length)
	if end < addr {
		return unix.ENOMEM
	}
	if length == 0 {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.anySealed(addr, end) {
		return unix.EPERM
	}
	if !m.covered(addr, end, 0) {
		return unix.ENOMEM
	}
	if prot&unix.PROT_WRITE != 0 && m.anyNoWrite(addr, end) || m.anyHost(addr, end) {
		return unix.EACCES
	}
	if err := m.as.Protect(addr, end-addr, prot); err != nil {
		return err
	}
	m.carve(addr, end, func(p *VMA) { p.Prot = prot })
	m.mu.Unlock()
	m.codeChanged(addr, end, false, prot&unix.PROT_WRITE != 0, prot&unix.PROT_EXEC != 0)
	m.mu.Lock()
	return nil
}

// anyHost reports whether [start, end) holds host memory shown to the app.
// Caller holds mu.
func (m *MM) anyHost(start, end uint64) bool {
	for _, v := range m.vmas {
		if v.Start < end && v.End > start && v.Host {
			return true
		}
	}
	return false
}

// anyNoWrite reports whether a mapping in [start, end) may never become
// writable. Caller holds mu.
func (m *MM) anyNoWrite(start, end uint64) bool {
	for _, v := range m.vmas {
		if v.Start < end && v.End > start && v.NoWrite {
			return true
		}
	}
	return false
}

// Advise implements madvise for app memory, with Linux's order of checks:
// the advice, the alignment, the length, then whether the range is mapped.
func (m *MM) Advise(addr, length uint64, advice int) error {
	switch advice {
	case unix.MADV_DONTNEED, unix.MADV_FREE, unix.MADV_REMOVE, unix.MADV_DONTFORK, unix.MADV_DOFORK,
		unix.MADV_NORMAL, unix.MADV_RANDOM, unix.MADV_SEQUENTIAL, unix.MADV_WILLNEED, unix.MADV_HUGEPAGE,
		unix.MADV_NOHUGEPAGE, unix.MADV_DONTDUMP, unix.MADV_DODUMP, unix.MADV_COLD, unix.MADV_PAGEOUT:
	default:
		return unix.EINVAL
	}
	if addr%pageSize != 0 {
		return unix.EINVAL
	}
	end := addr + pageUp(length)
	if end < addr || (length != 0 && end == addr) {
		return unix.EINVAL
	}
	if end == addr {
		return nil
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !m.covered(addr, end, 0) {
		return unix.ENOMEM
	}
	if m.sealBlocksAdvice(addr, end, advice) {
		return unix.EPERM
	}
	err := m.as.Advise(addr, end-addr, advice)
	if err == unix.EOPNOTSUPP && advice == unix.MADV_DONTNEED {
		return m.discard(addr, end)
	}
	return err
}

// discard is MADV_DONTNEED for a platform without it (isolated): private
// anonymous memory is replaced with fresh zero pages of the same
// protection, private file memory with the file's pages mapped again,
// which is what the app sees after Linux's MADV_DONTNEED; shared memory
// keeps its contents, as in Linux. A private file mapping whose
// descriptor was not kept (past maxKeptFiles) cannot be restored:
// EOPNOTSUPP. Caller holds mu (read).
func (m *MM) discard(start, end uint64) error {
	i := sort.Search(len(m.vmas), func(i int) bool { return m.vmas[i].End > start })
	for ; i < len(m.vmas) && m.vmas[i].Start < end; i++ {
		v := m.vmas[i]
		s, e := max(v.Start, start), min(v.End, end)
		switch {
		case v.Shared || v.Host:
			continue
		case isSpecialOrAnon(v.Name):
			if _, err := m.as.Map(s, e-s, v.Prot, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED, -1, 0); err != nil {
				return err
			}
		case v.file != nil:
			if _, err := m.as.Map(s, e-s, v.Prot, unix.MAP_PRIVATE|unix.MAP_FIXED, v.file.fd, v.FileOff+(s-v.Start)); err != nil {
				return err
			}
		default:
			return unix.EOPNOTSUPP
		}
	}
	return nil
}

// SetBrkStart places the program break just after the executable's image.
func (m *MM) SetBrkStart(addr uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.brkStart = pageUp(addr)
	m.brkCur = m.brkStart
	m.brkMapped = m.brkStart
}

// Brk implements brk(2): it returns the new break, or the old one when the
// request cannot be met (Linux's convention).
func (m *MM) Brk(want uint64) uint64 {
	if m.code != nil {
		m.mu.RLock()
		lo := m.brkMapped
		m.mu.RUnlock()
		if want > lo && want < lo+(1<<40) {
			m.evict(lo, pageUp(want))
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if want < m.brkStart || want > m.brkStart+(1<<40) {
		return m.brkCur
	}
	newMapped := pageUp(want)
	switch {
	case newMapped > m.brkMapped:
		addr, err := m.as.Map(m.brkMapped, newMapped-m.brkMapped, unix.PROT_READ|unix.PROT_WRITE,
			unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED_NOREPLACE, -1, 0)
		if err != nil || addr != m.brkMapped {
			return m.brkCur
		}
		m.insert(VMA{Start: m.brkMapped, End: newMapped, Prot: unix.PROT_READ | unix.PROT_WRITE, Name: "[heap]"})
		m.merge()
	case newMapped < m.brkMapped:
		if m.anySealed(newMapped, m.brkMapped) {
			return m.brkCur // mseal(2): the heap cannot shrink into a seal
		}
		if err := m.as.Unmap(newMapped, m.brkMapped-newMapped); err != nil {
			return m.brkCur
		}
		m.remove(newMapped, m.brkMapped)
	}
	m.brkMapped = newMapped
	m.brkCur = want
	return want
}

// merge joins adjacent VMAs that are alike. Caller holds mu.
func (m *MM) merge() {
	out := m.vmas[:0]
	for _, v := range m.vmas {
		if n := len(out); n > 0 {
			p := &out[n-1]
			if p.continues(v) {
				p.End = v.End
				continue
			}
		}
		out = append(out, v)
	}
	m.vmas = out
}

func isSpecialOrAnon(name string) bool { return name == "" || isSpecial(name) }

// Record adds a mapping made by the kernel itself (the loader).
func (m *MM) Record(v VMA) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.insert(v)
}

// CopyIn copies app memory at addr into dst; EFAULT if any byte is not
// readable app memory.
func (m *MM) CopyIn(addr uint64, dst []byte) error {
	if len(dst) == 0 {
		return nil
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !m.covered(addr, addr+uint64(len(dst)), unix.PROT_READ) {
		return unix.EFAULT
	}
	return m.as.CopyIn(addr, dst)
}

// CopyOut copies src into app memory at addr; EFAULT if any byte is not
// writable app memory.
func (m *MM) CopyOut(addr uint64, src []byte) error {
	if len(src) == 0 {
		return nil
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !m.covered(addr, addr+uint64(len(src)), unix.PROT_WRITE) {
		return unix.EFAULT
	}
	return m.as.CopyOut(addr, src)
}

// CopyInString reads a NUL-terminated string of at most max bytes;
// ENAMETOOLONG when no NUL is found within max bytes.
func (m *MM) CopyInString(addr uint64, max int) (string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out, buf []byte
	// Most strings are short paths: copy a small piece first (never
	// past the page, which may be the last readable one), then pages.
	// Memory the platform maps into elfloader is read in place; a copy
	// buffer is only made for the other kind.
	piece := uint64(256)
	for len(out) < max {
		pageEnd := pageDown(addr) + pageSize
		n := int(min(uint64(max-len(out)), pageEnd-addr, piece))
		piece = pageSize
		if !m.covered(addr, addr+uint64(n), unix.PROT_READ) {
			return "", unix.EFAULT
		}
		chunk, direct := m.as.Direct(addr, n)
		if !direct {
			if buf == nil {
				buf = make([]byte, pageSize)
			}
			chunk = buf[:n]
			if err := m.as.CopyIn(addr, chunk); err != nil {
				return "", err
			}
		}
		if i := bytes.IndexByte(chunk, 0); i >= 0 {
			if out == nil {
				return string(chunk[:i]), nil
			}
			return string(append(out, chunk[:i]...)), nil
		}
		out = append(out, chunk...)
		addr += uint64(n)
	}
	return "", unix.ENAMETOOLONG
}

// Slice returns app memory for direct I/O when the whole range is app memory
// with the needed permissions; the caller must not keep it past the call.
func (m *MM) Slice(addr uint64, n int, write bool) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	need := unix.PROT_READ
	if write {
		need = unix.PROT_WRITE
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !m.covered(addr, addr+uint64(n), need) {
		return nil, unix.EFAULT
	}
	b, ok := m.as.Direct(addr, n)
	if !ok {
		// Platforms without direct access serve I/O through copies.
		return nil, errNoDirectAccess
	}
	return b, nil
}

// direct reports whether the platform lends this address space's memory
// to the kernel (plat.AddressSpace.Direct).
func (m *MM) direct() bool {
	_, ok := m.as.Direct(0, 0)
	return ok
}

// compareAndSwap is an atomic compare-and-swap on a word of app memory
// that is mapped readable and writable, on a platform without direct
// access (plat.AtomicMemory); it reports whether the word was swapped.
func (m *MM) compareAndSwap(addr uint64, old, nv uint32) (bool, error) {
	am, ok := m.as.(plat.AtomicMemory)
	if !ok {
		return false, unix.ENOSYS
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !m.covered(addr, addr+4, unix.PROT_READ|unix.PROT_WRITE) {
		return false, unix.EFAULT
	}
	got, err := am.CompareAndSwapUint32(addr, old, nv)
	if err != nil {
		return false, unix.EFAULT
	}
	return got == old, nil
}

// Prefix returns how many bytes of [addr, addr+n) from addr on are app
// memory with the access a copy needs: the part of a buffer the kernel can
// copy before it would fault.
func (m *MM) Prefix(addr, n uint64, write bool) uint64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.prefixLocked(addr, n, write)
}

// SlicePrefix is Prefix and Slice under one lock (read(2)'s hot path): the
// app memory at addr for up to n bytes, as far as it is mapped with the
// access needed; EFAULT when not even its first byte is, and
// errNoDirectAccess with the prefix's length when the platform lends no
// memory.
func (m *MM) SlicePrefix(addr uint64, n int, write bool) ([]byte, int, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	ok := int(m.prefixLocked(addr, uint64(n), write))
	if ok == 0 {
		return nil, 0, unix.EFAULT
	}
	b, direct := m.as.Direct(addr, ok)
	if !direct {
		return nil, ok, errNoDirectAccess
	}
	return b, ok, nil
}

// prefixLocked is Prefix with m.mu held.
func (m *MM) prefixLocked(addr, n uint64, write bool) uint64 {
	need := unix.PROT_READ
	if write {
		need = unix.PROT_WRITE
	}
	end := addr + n
	if end < addr {
		end = ^uint64(0)
	}
	i := sort.Search(len(m.vmas), func(i int) bool { return m.vmas[i].End > addr })
	pos := addr
	for ; i < len(m.vmas) && pos < end; i++ {
		v := m.vmas[i]
		if v.Start > pos || v.Prot&need != need {
			break
		}
		pos = v.End
	}
	return min(pos, end) - addr
}

// ReadAt reads n bytes of app memory (the strace decoder's view); an error
// for memory the app cannot read.
func (m *MM) ReadAt(addr uint64, n int) ([]byte, error) {
	b := make([]byte, n)
	if err := m.CopyIn(addr, b); err != nil {
		return nil, err
	}
	return b, nil
}

// Prot returns the app's protection at addr (plat.CodeMemory).
func (m *MM) Prot(addr uint64) (int, bool) {
	v, ok := m.Find(addr)
	if !ok {
		return 0, false
	}
	return v.Prot, true
}
