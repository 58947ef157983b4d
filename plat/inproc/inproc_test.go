package inproc

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/plat"
)

// code: getpid; exit(result); ud2
var testCode = []byte{
	0xb8, 0x27, 0x00, 0x00, 0x00, // mov $39,%eax
	0x0f, 0x05, // syscall
	0x48, 0x89, 0xc7, // mov %rax,%rdi
	0xb8, 0x3c, 0x00, 0x00, 0x00, // mov $60,%eax
	0x0f, 0x05, // syscall
	0x0f, 0x0b, // ud2
	0x48, 0x8b, 0x04, 0x25, 0x10, 0x00, 0x00, 0x00, // mov 0x10,%rax
}

func mapCode(t *testing.T) (code, stack []byte) {
	t.Helper()
	code, err := unix.Mmap(-1, 0, 4096, unix.PROT_READ|unix.PROT_WRITE|unix.PROT_EXEC, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	copy(code, testCode)
	stack, err = unix.Mmap(-1, 0, 65536, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(code); unix.Munmap(stack) })
	return code, stack
}

func TestSwitchSyscallAndFault(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p, err := New()
	if err != nil {
		t.Skip(err)
	}
	code, stack := mapCode(t)
	ctx, err := p.NewContext(nil)
	if err != nil {
		t.Skip(err)
	}
	defer ctx.Release()
	base := uint64(uintptr(unsafe.Pointer(&code[0])))
	r := ctx.Regs()
	r.Rip = base
	r.Rsp = uint64(uintptr(unsafe.Pointer(&stack[len(stack)-64])))
	if ev := ctx.Switch(); ev != plat.EventSyscall || r.OrigRax != 39 {
		t.Fatalf("first event %v nr %d, want syscall 39", ev, r.OrigRax)
	}
	if r.Rip != base+7 {
		t.Fatalf("rip %#x want %#x", r.Rip, base+7)
	}
	r.SetSyscallReturn(1234)
	if ev := ctx.Switch(); ev != plat.EventSyscall || r.OrigRax != 60 || r.Rdi != 1234 {
		t.Fatalf("second event %v nr %d rdi %d", ev, r.OrigRax, r.Rdi)
	}
	if ev := ctx.Switch(); ev != plat.EventFault || ctx.Fault().Signo != int(unix.SIGILL) {
		t.Fatalf("third event %v fault %+v", ev, ctx.Fault())
	}
	r.Rip = base + 19
	if ev := ctx.Switch(); ev != plat.EventFault || ctx.Fault().Signo != int(unix.SIGSEGV) || ctx.Fault().Addr != 0x10 {
		t.Fatalf("fourth event %v fault %+v", ev, ctx.Fault())
	}
	// Go still works on this thread, including its own nil checks.
	func() {
		defer func() { recover() }()
		var p *int
		_ = *p
	}()
}

func BenchmarkTrapRoundTrip(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p, err := New()
	if err != nil {
		b.Skip(err)
	}
	code, _ := unix.Mmap(-1, 0, 4096, unix.PROT_READ|unix.PROT_WRITE|unix.PROT_EXEC, unix.MAP_PRIVATE|unix.MAP_ANON)
	// loop: mov $39,%eax; syscall; jmp loop
	copy(code, []byte{0xb8, 0x27, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf7})
	ctx, _ := p.NewContext(nil)
	defer ctx.Release()
	r := ctx.Regs()
	r.Rip = uint64(uintptr(unsafe.Pointer(&code[0])))
	for i := 0; i < b.N; i++ {
		ctx.Switch()
		r.SetSyscallReturn(1)
	}
}

// fakeCode is app memory for the rewriter: everything in one RWX page,
// one function starting at its first byte.
type fakeCode struct{ base uint64 }

func (f fakeCode) Prot(addr uint64) (int, bool) {
	if addr >= f.base && addr < f.base+4096 {
		return unix.PROT_READ | unix.PROT_EXEC, true
	}
	return 0, false
}

func (f fakeCode) FuncStart(addr uint64) (uint64, bool) {
	_, ok := f.Prot(addr)
	return f.base, ok
}

func (f fakeCode) FuncExtent(addr uint64) (uint64, uint64, bool) {
	_, ok := f.Prot(addr)
	return f.base, 4096, ok
}

// getppidLoopCode: loop: mov $110,%eax; syscall; jmp loop
var getppidLoopCode = []byte{0xb8, 0x6e, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf7}

// loopContext maps getppidLoopCode and returns a context about to run it
// and a lazy rewriter; the caller has locked its OS thread.
func loopContext(tb testing.TB) (ctx plat.Context, rw *Rewriter, code []byte, base uint64) {
	p, err := New()
	if err != nil {
		tb.Skip(err)
	}
	code, err = unix.Mmap(-1, 0, 4096, unix.PROT_READ|unix.PROT_WRITE|unix.PROT_EXEC, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { unix.Munmap(code) })
	copy(code, getppidLoopCode)
	base = uint64(uintptr(unsafe.Pointer(&code[0])))
	if ctx, err = p.NewContext(nil); err != nil {
		tb.Skip(err)
	}
	tb.Cleanup(ctx.Release)
	ctx.Regs().Rip = base
	rw = p.NewRewriter(RewriteLazy)
	rw.patchAfter = 1 // rewrite at the first trap
	return ctx, rw, code, base
}

func TestRewriteSiteAndFastEntry(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ctx, rw, code, base := loopContext(t)
	mem := fakeCode{base}
	r := ctx.Regs()
	if ev := ctx.Switch(); ev != plat.EventSyscall || ctx.(*Context).Fast() {
		t.Fatalf("first call: %v fast=%v, want a trap", ev, ctx.(*Context).Fast())
	}
	rw.AfterTrap(ctx, mem)
	if st := rw.Stats(); st.Sites != 1 {
		t.Fatalf("stats %+v, want one rewritten site", st)
	}
	if code[0] != 0xe9 || code[5] != 0x0f || code[6] != 0x05 {
		t.Fatalf("site bytes % x, want jmp rel32 then the syscall kept", code[:7])
	}
	for i := 0; i < 3; i++ {
		r.SetSyscallReturn(uint64(1000 + i))
		if ev := ctx.Switch(); ev != plat.EventSyscall || !ctx.(*Context).Fast() {
			t.Fatalf("call %d: %v fast=%v, want the fast path", i, ev, ctx.(*Context).Fast())
		}
		if r.OrigRax != 110 || r.Rip != base+7 || r.Rax != 110 {
			t.Fatalf("fast call regs: nr %d rip %#x (want %#x) rax %d", r.OrigRax, r.Rip, base+7, r.Rax)
		}
	}
	// The app makes its code writable again: the patch is undone (the
	// rewriter restored the protection it was told, read+exec).
	if err := unix.Mprotect(code, unix.PROT_READ|unix.PROT_WRITE|unix.PROT_EXEC); err != nil {
		t.Fatal(err)
	}
	rw.Invalidate(base, base+4096, true)
	if code[0] != 0xb8 {
		t.Fatalf("after invalidation: % x, want the original mov", code[:7])
	}
}

func BenchmarkFastRoundTrip(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ctx, rw, _, base := loopContext(b)
	r := ctx.Regs()
	ctx.Switch()
	rw.AfterTrap(ctx, fakeCode{base})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.SetSyscallReturn(1)
		ctx.Switch()
	}
}

func BenchmarkCgoCall(b *testing.B) {
	for i := 0; i < b.N; i++ {
		benchEmptyCgo()
	}
}

func BenchmarkXsavecXrstor(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p, err := New()
	if err != nil {
		b.Skip(err)
	}
	ctx, _ := p.NewContext(nil)
	defer ctx.Release()
	b.ResetTimer()
	benchXsave(ctx.(*Context), b.N)
}

func BenchmarkFSBaseSwitch(b *testing.B) {
	benchFSBase(b.N)
}

// TestRewriteRegisterNumberSite rewrites a site whose number is not an
// immediate of a "mov $nr, %eax" (here "mov $110, %rax", 7 bytes, as Go's
// and glibc's wrappers load it) at an address an atomic 16-byte window
// covers and at one that needs the breakpoint protocol.
func TestRewriteRegisterNumberSite(t *testing.T) {
	// loop: mov $110,%rax; syscall; jmp loop
	site := []byte{0x48, 0xc7, 0xc0, 0x6e, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf5}
	for _, off := range []int{0, 13} {
		t.Run(fmt.Sprintf("offset%d", off), func(t *testing.T) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			ctx, rw, code, base := loopContext(t)
			if off == 13 && !syncCoreReady() {
				t.Skip("membarrier SYNC_CORE is not available: such sites stay on the trap path")
			}
			for i := range code[:off] {
				code[i] = 0x90 // nop: the function starts at base
			}
			copy(code[off:], site)
			mem := fakeCode{base}
			r := ctx.Regs()
			r.Rip = base
			if ev := ctx.Switch(); ev != plat.EventSyscall || ctx.(*Context).Fast() {
				t.Fatalf("first call: %v, want a trap", ev)
			}
			rw.AfterTrap(ctx, mem)
			if st := rw.Stats(); st.Sites != 1 {
				t.Fatalf("stats %+v, want one rewritten site", st)
			}
			s := code[off:]
			if s[0] != 0xe9 || s[5] != 0xcc || s[6] != 0xcc || s[7] != 0x0f || s[8] != 0x05 {
				t.Fatalf("site bytes % x, want jmp rel32, int3 padding, the syscall kept", s[:9])
			}
			for i := 0; i < 3; i++ {
				r.SetSyscallReturn(uint64(1000 + i))
				if ev := ctx.Switch(); ev != plat.EventSyscall || !ctx.(*Context).Fast() {
					t.Fatalf("call %d: %v fast=%v, want the fast path", i, ev, ctx.(*Context).Fast())
				}
				want := base + uint64(off) + 9
				if r.OrigRax != 110 || r.Rip != want {
					t.Fatalf("fast call regs: nr %d rip %#x, want 110 and %#x", r.OrigRax, r.Rip, want)
				}
			}
			// A restarted call (rip-2) runs the syscall kept in place: a trap.
			r.Rip -= 2
			r.Rax = 110
			if ev := ctx.Switch(); ev != plat.EventSyscall || ctx.(*Context).Fast() {
				t.Fatalf("restart: %v fast=%v, want a trap", ev, ctx.(*Context).Fast())
			}
		})
	}
}

func TestHolesNear(t *testing.T) {
	maps := []byte("00400000-00401000 r-xp 00000000 08:01 1 /bin/x\n" +
		"7f0000000000-7f0000100000 rw-p 00000000 00:00 0\n" +
		"7f0000101000-7f0000200000 r-xp 00000000 08:01 2 /lib/libc.so.6\n" +
		"7f0000200000-7f0000300000 rw-p 00000000 00:00 0 [stack]\n")
	ranges := plat.ParseMaps(maps)
	if len(ranges) != 4 || ranges[2].Start != 0x7f0000101000 || ranges[2].End != 0x7f0000200000 {
		t.Fatalf("ParseMaps: %x", ranges)
	}
	got := holesNear(0x7f0000150000, ranges)
	// The one-page hole below libc is nearest; then the top of the big
	// hole below the anonymous mapping; then the space above the stack;
	// then the top of the hole below the program.
	want := []uint64{0x7f0000100000, 0x7efffffff000, 0x7f0000300000, 0x3ff000}
	if !slices.Equal(got, want) {
		t.Errorf("holesNear = %x, want %x", got, want)
	}
}
