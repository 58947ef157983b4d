package kernel

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/plat/inproc"
)

// TestSharedObjectOffsets: a word of shared anonymous memory keeps its
// object and offset when mprotect splits and rejoins the mapping, and a
// second mapping placed over its last page is another object.
func TestSharedObjectOffsets(t *testing.T) {
	m := NewMM(inproc.HostAddressSpace())
	shared := MapSpec{Length: 4 * pageSize, Prot: unix.PROT_READ | unix.PROT_WRITE, Flags: unix.MAP_SHARED | unix.MAP_ANONYMOUS, HostFD: -1}
	addr, err := m.Map(shared)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Unmap(addr, 4*pageSize)
	word := addr + pageSize + 64
	obj, off, ok := m.sharedAt(word)
	if !ok || off != pageSize+64 {
		t.Fatalf("sharedAt: off %#x ok %v, want %#x", off, ok, pageSize+64)
	}
	for _, prot := range []int{unix.PROT_READ, unix.PROT_READ | unix.PROT_WRITE} {
		if err := m.Protect(addr, pageSize, prot); err != nil {
			t.Fatal(err)
		}
		if o, off, ok := m.sharedAt(word); !ok || o != obj || off != pageSize+64 {
			t.Fatalf("after mprotect %#x: same object %v off %#x ok %v", prot, o == obj, off, ok)
		}
	}
	next := shared
	next.Addr, next.Length, next.Flags = addr+3*pageSize, pageSize, shared.Flags|unix.MAP_FIXED
	if _, err := m.Map(next); err != nil {
		t.Fatal(err)
	}
	if o, off, ok := m.sharedAt(addr + 3*pageSize); !ok || o == obj || off != 0 {
		t.Fatalf("adjacent mapping: same object %v off %#x ok %v", o == obj, off, ok)
	}
	private := MapSpec{Length: pageSize, Prot: unix.PROT_READ, Flags: unix.MAP_PRIVATE | unix.MAP_ANONYMOUS, HostFD: -1}
	p, err := m.Map(private)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Unmap(p, pageSize)
	if _, _, ok := m.sharedAt(p); ok {
		t.Fatal("private memory has a shared object")
	}
}
