package isolated

import (
	"bytes"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/arch/amd64"
	"github.com/elfloader/elfloader/plat"
)

const fxsaveXMM0 = 160 // XMM0 in the legacy (FXSAVE) area

func TestExtendedState(t *testing.T) {
	p := newPlatform(t)
	as := newSpace(t, p)
	l := load(t, as)
	ctx := l.thread(t, "xmm_test", 0)
	avx := p.XState().Enabled&(1<<amd64.XFeatureYMM) != 0
	if avx {
		ctx.Regs().Rdi = 1
	}
	if ev := ctx.Switch(); ev != plat.EventSyscall || ctx.Regs().OrigRax != unix.SYS_GETPID {
		t.Fatalf("event %v nr %d", ev, ctx.Regs().OrigRax)
	}
	img := ctx.ExtendedStateStd()
	if len(img) != p.XState().StdSize {
		t.Fatalf("image of %d bytes, want %d", len(img), p.XState().StdSize)
	}
	want := make([]byte, 32)
	for i := range want {
		want[i] = byte(i + 1)
	}
	if got := img[fxsaveXMM0 : fxsaveXMM0+16]; !bytes.Equal(got, want[:16]) {
		t.Fatalf("xmm0 in the image: % x", got)
	}
	if avx {
		off := p.XState().Components[amd64.XFeatureYMM].Offset
		if got := img[off : off+16]; !bytes.Equal(got, want[16:]) {
			t.Fatalf("upper ymm0 in the image at %d: % x", off, got)
		}
	}
	// The kernel changes xmm1; the app sees it after the syscall.
	newXMM1 := []byte("kernel-set-xmm1!")
	copy(img[fxsaveXMM0+16:], newXMM1)
	ctx.SetExtendedStateStd(img)
	ctx.Regs().SetSyscallReturn(fakePid)
	out, code, _ := serve(t, ctx, as)
	if out != string(newXMM1) || code != 0 {
		t.Fatalf("app saw xmm1 %q (exit %d)", out, code)
	}
}

func TestThreadSlotsAreReused(t *testing.T) {
	p := newPlatform(t)
	as := newSpace(t, p)
	l := load(t, as)
	for round := 0; round < 3; round++ {
		var ctxs []*Context
		for i := 0; i < 4; i++ {
			c, err := as.NewContext()
			if err != nil {
				t.Fatalf("round %d thread %d: %v", round, i, err)
			}
			ctxs = append(ctxs, c.(*Context))
		}
		for _, c := range ctxs {
			c.Release()
		}
	}
	as.mu.Lock()
	used := 0
	for _, u := range as.used {
		if u {
			used++
		}
	}
	as.mu.Unlock()
	if used != 0 {
		t.Fatalf("%d slots still held after every thread exited", used)
	}
	ctx := l.thread(t, "hello", 0)
	if _, code, _ := serve(t, ctx, as); code != 7 {
		t.Fatalf("exit %d", code)
	}
}

// TestReleaseEndsSwitch: a Switch running app code returns (SIGKILL) when
// the address space goes; it never hangs.
func TestReleaseEndsSwitch(t *testing.T) {
	p := newPlatform(t)
	as, err := p.NewStubAddressSpace()
	if err != nil {
		t.Fatal(err)
	}
	l := load(t, as)
	ctx := l.thread(t, "spin", 0)
	events := make(chan plat.Event, 1)
	go func() { events <- ctx.Switch() }()
	time.Sleep(20 * time.Millisecond)
	as.Release()
	select {
	case ev := <-events:
		if ev != plat.EventFault || ctx.Fault().Signo != int(unix.SIGKILL) || ctx.Err() == nil {
			t.Fatalf("event %v fault %+v err %v", ev, ctx.Fault(), ctx.Err())
		}
	case <-time.After(eventTimeout):
		t.Fatal("Switch did not return after the stub was killed")
	}
	if _, err := as.NewContext(); err == nil {
		t.Fatal("NewContext on a released address space succeeded")
	}
}

// TestPlatformNewContext: the plat.Platform entry point gives a thread in a
// fresh address space of its own.
func TestPlatformNewContext(t *testing.T) {
	p := newPlatform(t)
	var _ plat.Platform = p
	c, err := p.NewContext(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	ctx := c.(*Context)
	l := load(t, ctx.as)
	ctx.Regs().Rip = l.syms["hello"]
	ctx.Regs().Rsp = testStackTop - 64
	if out, code, _ := serve(t, ctx, ctx.as); code != 7 || out == "" {
		t.Fatalf("%q exit %d", out, code)
	}
}

func BenchmarkGetpidRoundTrip(b *testing.B) {
	b.Run("isolated", func(b *testing.B) {
		p := newPlatform(b)
		as := newSpace(b, p)
		l := load(b, as)
		ctx := l.thread(b, "getpid_loop", 0)
		r := ctx.Regs()
		if ev := ctx.Switch(); ev != plat.EventSyscall {
			b.Fatalf("event %v", ev)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			r.SetSyscallReturn(fakePid)
			if ev := ctx.Switch(); ev != plat.EventSyscall || r.OrigRax != unix.SYS_GETPID {
				b.Fatalf("event %v nr %d", ev, r.OrigRax)
			}
		}
	})
	b.Run("native", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			unix.RawSyscall(unix.SYS_GETPID, 0, 0, 0)
		}
	})
}

func TestFSBase(t *testing.T) {
	p := newPlatform(t)
	as := newSpace(t, p)
	l := load(t, as)
	base := testDataAddrFor(t, as)
	if err := as.CopyOut(base+8, []byte{55, 0, 0, 0, 0, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	ctx := l.thread(t, "fs_word", 0)
	ctx.Regs().FsBase = base
	ev := ctx.Switch()
	r := ctx.Regs()
	if ev != plat.EventSyscall || r.OrigRax != unix.SYS_EXIT_GROUP || r.Rdi != 55 {
		t.Fatalf("event %v nr %d rdi %d", ev, r.OrigRax, r.Rdi)
	}
	if r.FsBase != base {
		t.Fatalf("FS base after the trap %#x, want %#x", r.FsBase, base)
	}
}
