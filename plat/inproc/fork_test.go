package inproc

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/plat"
	"github.com/elfloader/elfloader/plat/isolated"
)

// TestForkAdoptsAppMemory forks the in-process address space: the child is
// a stub process holding a copy-on-write copy of the app's ranges, with
// rewritten syscall sites restored, and runs app code there.
func TestForkAdoptsAppMemory(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p, err := New()
	if err != nil {
		t.Skip(err)
	}
	if _, err := p.Isolated(); err != nil {
		t.Skip(err)
	}
	code, err := unix.Mmap(-1, 0, 4096, unix.PROT_READ|unix.PROT_WRITE|unix.PROT_EXEC, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	data, err := unix.Mmap(-1, 0, 4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(code); unix.Munmap(data) })
	copy(code, getppidLoopCode)
	base := uint64(uintptr(unsafe.Pointer(&code[0])))
	dataAddr := uint64(uintptr(unsafe.Pointer(&data[0])))
	binary.LittleEndian.PutUint64(data, 11)

	// Rewrite the site first: the child must get the original bytes back.
	ctx, err := p.NewContext(nil)
	if err != nil {
		t.Skip(err)
	}
	defer ctx.Release()
	rw := p.NewRewriter(RewriteLazy)
	rw.patchAfter = 1 // rewrite at the first trap
	ctx.Regs().Rip = base
	if ev := ctx.Switch(); ev != plat.EventSyscall {
		t.Fatalf("event %v", ev)
	}
	rw.AfterTrap(ctx, fakeCode{base})
	if code[0] != jmpRel32 {
		t.Fatalf("site not rewritten: % x", code[:7])
	}

	as, _ := p.NewAddressSpace()
	forked, err := as.Fork([]plat.Range{
		{Start: base, End: base + 4096, Prot: unix.PROT_READ | unix.PROT_WRITE | unix.PROT_EXEC},
		{Start: dataAddr, End: dataAddr + 4096, Prot: unix.PROT_READ | unix.PROT_WRITE},
	})
	if err != nil {
		t.Fatal(err)
	}
	child := forked.(*isolated.AddressSpace)
	defer child.Release()

	var site [7]byte
	if err := child.CopyIn(base, site[:]); err != nil {
		t.Fatal(err)
	}
	if string(site[:]) != string(getppidLoopCode[:7]) {
		t.Errorf("child's site % x, want the original % x", site, getppidLoopCode[:7])
	}
	if code[0] != jmpRel32 {
		t.Errorf("the parent's site lost its rewrite: % x", code[:7])
	}
	binary.LittleEndian.PutUint64(data, 22)
	var word [8]byte
	if err := child.CopyIn(dataAddr, word[:]); err != nil || binary.LittleEndian.Uint64(word[:]) != 11 {
		t.Errorf("child reads %d (%v), want 11", binary.LittleEndian.Uint64(word[:]), err)
	}
	binary.LittleEndian.PutUint64(word[:], 33)
	if err := child.CopyOut(dataAddr, word[:]); err != nil {
		t.Fatal(err)
	}
	if v := binary.LittleEndian.Uint64(data); v != 22 {
		t.Errorf("parent reads %d after the child's write, want 22", v)
	}
	// Nothing of elfloader is left in the child: its heap is gone.
	probe := []byte{1}
	if err := child.CopyIn(uint64(uintptr(unsafe.Pointer(&probe[0]))), probe); err == nil {
		t.Error("the child still maps elfloader's heap")
	}

	cctx, err := p.NewContext(child)
	if err != nil {
		t.Fatal(err)
	}
	defer cctx.Release()
	r := cctx.Regs()
	r.Rip = base
	for i := 0; i < 2; i++ {
		if ev := cctx.Switch(); ev != plat.EventSyscall || r.OrigRax != unix.SYS_GETPPID || r.Rip != base+7 {
			t.Fatalf("child call %d: %v nr %d rip %#x", i, ev, r.OrigRax, r.Rip)
		}
		r.SetSyscallReturn(1)
	}
}

// TestNotAppMappings picks the mappings a fork child does not need:
// unnamed ones that hold no app memory and are not the stub region.
func TestNotAppMappings(t *testing.T) {
	stub := uint64(isolated.StubStart)
	maps := []byte(fmt.Sprintf("30000000-30400000 r-xp 00000000 08:01 7 /usr/bin/elfloader\n"+
		"30400000-30500000 rw-p 00000000 00:00 0\n"+ // Go runtime memory
		"c000000000-c000400000 rw-p 00000000 00:00 0\n"+ // the Go heap
		"7f0000000000-7f0000010000 rw-p 00000000 00:00 0\n"+ // app memory
		"7f0000010000-7f0000030000 rw-p 00000000 00:00 0\n"+ // app memory merged with a thread stack
		"7f0000100000-7f0000900000 rw-p 00000000 00:00 0\n"+ // a thread stack
		"%x-%x ---p 00000000 00:00 0\n"+ // the stub region's reservation
		"7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]\n"+
		"7ffd00100000-7ffd00102000 r-xp 00000000 00:00 0 [vdso]\n", stub, stub+0x10000))
	app := []plat.Range{{Start: 0x7f0000000000, End: 0x7f0000010000}, {Start: 0x7f0000020000, End: 0x7f0000030000}}
	var got [][2]uint64
	for _, m := range notAppMappings(maps, app) {
		got = append(got, [2]uint64{m.Start, m.End})
	}
	want := [][2]uint64{{0x30400000, 0x30500000}, {0xc000000000, 0xc000400000}, {0x7f0000100000, 0x7f0000900000}}
	if !slices.Equal(got, want) {
		t.Errorf("notAppMappings = %x, want %x", got, want)
	}
}
