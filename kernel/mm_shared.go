package kernel

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// sharedObject names the memory behind a MAP_SHARED mapping, whatever
// address it is mapped at and in whichever process: a host file (a hostfs
// file, a ramfs memfd, a SysV segment's memfd) by its host device and
// inode, or the anonymous memory of one MAP_SHARED|MAP_ANONYMOUS mmap,
// which fork children inherit. Linux keys shared futexes the same way
// (get_futex_key: the inode, or the shmem object of anonymous shared
// memory, and the page offset), so processes that map the same pages
// wake each other. The zero value is "not shared".
type sharedObject struct {
	dev, ino uint64
	anon     *anonMemory
}

// anonMemory stands for the pages of one MAP_SHARED|MAP_ANONYMOUS mapping;
// only its identity matters (it is not empty, so that two of them are
// never the same pointer).
type anonMemory struct{ _ byte }

// sharedObjectOf returns the object a MAP_SHARED mapping of s shows; the
// zero value for a private mapping.
func sharedObjectOf(s MapSpec) (sharedObject, error) {
	if s.Flags&0x3 == unix.MAP_PRIVATE {
		return sharedObject{}, nil
	}
	if s.HostFD < 0 {
		return sharedObject{anon: &anonMemory{}}, nil
	}
	var st unix.Stat_t
	if err := unix.Fstat(s.HostFD, &st); err != nil {
		return sharedObject{}, fmt.Errorf("mmap: stat the shared file: %w", err)
	}
	return sharedObject{dev: st.Dev, ino: st.Ino}, nil
}

// hasOffset reports whether the VMA's FileOff means something: the offset
// in its file, or in the shared object it maps. Splitting or moving such a
// VMA moves the offset of the part that does not start at v.Start.
func (v VMA) hasOffset() bool { return v.Shared || !isSpecialOrAnon(v.Name) }

// continues reports whether v continues p as one mapping: adjacent and
// alike, so merge may join them. Named files stay as mapped; mappings of
// a shared object join only when they continue the same offsets.
func (p VMA) continues(v VMA) bool {
	if p.End != v.Start || p.Prot != v.Prot || p.Shared != v.Shared || p.NoWrite != v.NoWrite || p.Name != v.Name || !isSpecialOrAnon(v.Name) {
		return false
	}
	if p.Sealed != v.Sealed || p.MemPolicy != v.MemPolicy {
		return false // different VMAs in Linux too (VM_SEALED, vm_policy)
	}
	return p.object == v.object && (!p.Shared || p.FileOff+(p.End-p.Start) == v.FileOff)
}

// sharedAt returns the shared object mapped at addr and addr's offset in
// it; ok is false when addr is not in a MAP_SHARED mapping.
func (m *MM) sharedAt(addr uint64) (obj sharedObject, off uint64, ok bool) {
	v, found := m.Find(addr)
	if !found || !v.Shared || v.object == (sharedObject{}) {
		return sharedObject{}, 0, false
	}
	return v.object, v.FileOff + (addr - v.Start), true
}
