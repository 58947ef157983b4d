package kernel

import (
	"errors"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/plat/inproc"
)

func TestMapFixedNeverReplacesHostMemory(t *testing.T) {
	m := NewMM(inproc.HostAddressSpace())
	host := make([]byte, 3*pageSize)
	addr := pageUp(uint64(uintptr(unsafe.Pointer(&host[0]))))
	_, err := m.Map(MapSpec{Addr: addr, Length: pageSize, Prot: unix.PROT_READ, Flags: unix.MAP_PRIVATE | unix.MAP_ANONYMOUS | unix.MAP_FIXED, HostFD: -1})
	if !errors.Is(err, unix.ENOMEM) {
		t.Fatalf("MAP_FIXED over Go heap: err %v, want ENOMEM", err)
	}
}

func TestMapUnmapProtect(t *testing.T) {
	m := NewMM(inproc.HostAddressSpace())
	addr, err := m.Map(MapSpec{Length: 4 * pageSize, Prot: unix.PROT_READ | unix.PROT_WRITE, Flags: unix.MAP_PRIVATE | unix.MAP_ANONYMOUS, HostFD: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Unmap(addr, 4*pageSize)
	if err := m.CopyOut(addr+10, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	// MAP_FIXED inside our own mapping is allowed and zeroes it.
	if _, err := m.Map(MapSpec{Addr: addr, Length: pageSize, Prot: unix.PROT_READ | unix.PROT_WRITE, Flags: unix.MAP_PRIVATE | unix.MAP_ANONYMOUS | unix.MAP_FIXED, HostFD: -1}); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 2)
	if err := m.CopyIn(addr+10, b); err != nil || string(b) != "\x00\x00" {
		t.Fatalf("after MAP_FIXED: %q %v", b, err)
	}
	if err := m.Protect(addr+pageSize, pageSize, unix.PROT_READ); err != nil {
		t.Fatal(err)
	}
	if err := m.CopyOut(addr+pageSize, []byte{1}); !errors.Is(err, unix.EFAULT) {
		t.Fatalf("write to read-only page: %v, want EFAULT", err)
	}
	if err := m.Unmap(addr+2*pageSize, pageSize); err != nil {
		t.Fatal(err)
	}
	if err := m.CopyIn(addr+2*pageSize, b); !errors.Is(err, unix.EFAULT) {
		t.Fatalf("read of unmapped page: %v, want EFAULT", err)
	}
	if err := m.Protect(addr, 4*pageSize, unix.PROT_READ); !errors.Is(err, unix.ENOMEM) {
		t.Fatalf("mprotect over a hole: %v, want ENOMEM", err)
	}
	if _, err := m.Map(MapSpec{Addr: addr, Length: pageSize, Prot: unix.PROT_READ, Flags: unix.MAP_PRIVATE | unix.MAP_ANONYMOUS | unix.MAP_FIXED_NOREPLACE, HostFD: -1}); !errors.Is(err, unix.EEXIST) {
		t.Fatalf("MAP_FIXED_NOREPLACE over a mapping: %v, want EEXIST", err)
	}
}

func TestBrk(t *testing.T) {
	m := NewMM(inproc.HostAddressSpace())
	base, err := m.as.Map(0, 64*pageSize, unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS, -1, 0)
	if err != nil {
		t.Fatal(err)
	}
	m.as.Unmap(base, 64*pageSize) // a free range to grow into
	m.SetBrkStart(base)
	if got := m.Brk(0); got != base {
		t.Fatalf("brk(0) = %#x, want %#x", got, base)
	}
	if got := m.Brk(base + 3*pageSize + 5); got != base+3*pageSize+5 {
		t.Fatalf("grow: %#x", got)
	}
	if err := m.CopyOut(base+3*pageSize, []byte{7}); err != nil {
		t.Fatalf("heap not writable: %v", err)
	}
	if got := m.Brk(base - 1); got != base+3*pageSize+5 {
		t.Fatalf("brk below start must fail: %#x", got)
	}
	if got := m.Brk(base + pageSize); got != base+pageSize {
		t.Fatalf("shrink: %#x", got)
	}
	if err := m.CopyIn(base+2*pageSize, make([]byte, 1)); !errors.Is(err, unix.EFAULT) {
		t.Fatalf("shrunk heap still mapped: %v", err)
	}
	m.Brk(base)
}

func TestCopyInString(t *testing.T) {
	m := NewMM(inproc.HostAddressSpace())
	addr, err := m.Map(MapSpec{Length: pageSize, Prot: unix.PROT_READ | unix.PROT_WRITE, Flags: unix.MAP_PRIVATE | unix.MAP_ANONYMOUS, HostFD: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Unmap(addr, pageSize)
	m.CopyOut(addr, []byte("hello\x00"))
	if s, err := m.CopyInString(addr, 100); err != nil || s != "hello" {
		t.Fatalf("%q %v", s, err)
	}
	if _, err := m.CopyInString(addr, 3); !errors.Is(err, unix.ENAMETOOLONG) {
		t.Fatalf("short max: %v", err)
	}
	// A string running into unmapped memory faults.
	fill := make([]byte, pageSize)
	for i := range fill {
		fill[i] = 'x'
	}
	m.CopyOut(addr, fill)
	if _, err := m.CopyInString(addr, 2*pageSize); !errors.Is(err, unix.EFAULT) {
		t.Fatalf("unterminated: %v", err)
	}
}

// TestCopyInStringAcrossPieces reads a string longer than the first piece
// CopyInString copies, crossing a page boundary.
func TestCopyInStringAcrossPieces(t *testing.T) {
	m := NewMM(inproc.HostAddressSpace())
	addr := mapReadWrite(t, m, 2*pageSize)
	want := strings.Repeat("path/", 600) // 3000 bytes
	m.CopyOut(addr+3000, append([]byte(want), 0))
	if s, err := m.CopyInString(addr+3000, 4096); err != nil || s != want {
		t.Fatalf("CopyInString: %d bytes, %v; want %d bytes", len(s), err, len(want))
	}
}

// mapReadWrite maps length bytes of anonymous read-write memory for the
// test, unmapped when it ends.
func mapReadWrite(t *testing.T, m *MM, length uint64) uint64 {
	t.Helper()
	addr, err := m.Map(MapSpec{Length: length, Prot: unix.PROT_READ | unix.PROT_WRITE, Flags: unix.MAP_PRIVATE | unix.MAP_ANONYMOUS, HostFD: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Unmap(addr, length) })
	return addr
}
