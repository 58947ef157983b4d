package isolated

import (
	"encoding/binary"
	"errors"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/plat"
)

// TestCompareAndSwap: the stub swaps a word of app memory only when it holds
// the expected value, reports what it found, and answers EFAULT (staying
// alive) for memory that is not mapped writable.
func TestCompareAndSwap(t *testing.T) {
	p := newPlatform(t)
	as := newSpace(t, p)
	var _ plat.AtomicMemory = as
	addr, err := as.Map(0, 4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS, -1, 0)
	if err != nil {
		t.Fatal(err)
	}
	word := addr + 8
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], 7)
	if err := as.CopyOut(word, b[:]); err != nil {
		t.Fatal(err)
	}
	if got, err := as.CompareAndSwapUint32(word, 5, 9); err != nil || got != 7 {
		t.Fatalf("CAS(5->9) on 7 = %d, %v; want 7 and no swap", got, err)
	}
	if got, err := as.CompareAndSwapUint32(word, 7, 0xfffffffe); err != nil || got != 7 {
		t.Fatalf("CAS(7->0xfffffffe) = %d, %v; want 7", got, err)
	}
	if err := as.CopyIn(word, b[:]); err != nil || binary.LittleEndian.Uint32(b[:]) != 0xfffffffe {
		t.Fatalf("word after the swap: %#x, %v", binary.LittleEndian.Uint32(b[:]), err)
	}
	if err := as.Protect(addr, 4096, unix.PROT_READ); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []uint64{word, addr + 4096, StubStart + 64} {
		if _, err := as.CompareAndSwapUint32(bad, 0xfffffffe, 1); !errors.Is(err, unix.EFAULT) {
			t.Errorf("CAS at %#x: %v, want EFAULT", bad, err)
		}
	}
	// The stub survived the faults.
	if err := as.Protect(addr, 4096, unix.PROT_READ|unix.PROT_WRITE); err != nil {
		t.Fatal(err)
	}
	if got, err := as.CompareAndSwapUint32(word, 1, 2); err != nil || got != 0xfffffffe {
		t.Fatalf("CAS after the faults = %#x, %v", got, err)
	}
}
