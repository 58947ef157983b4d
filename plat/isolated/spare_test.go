package isolated

import (
	"testing"

	"golang.org/x/sys/unix"
)

// An exec in a stub takes the spare the exec before it started, runs in
// it like in any fresh stub, and DropSpares ends the spare left over.
func TestExecTakesSpareStub(t *testing.T) {
	p := newPlatform(t)
	first := newSpace(t, p)

	next, err := first.NewAddressSpace() // no spare yet: started now
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(next.(*AddressSpace).Release)
	p.mu.Lock()
	spare := p.spare
	p.mu.Unlock()
	if spare == nil {
		t.Fatal("the first exec started no spare stub")
	}
	<-spare.ready
	if spare.err != nil {
		t.Fatal(spare.err)
	}

	third, err := next.(*AddressSpace).NewAddressSpace()
	if err != nil {
		t.Fatal(err)
	}
	tas := third.(*AddressSpace)
	t.Cleanup(tas.Release)
	if tas != spare.as {
		t.Fatalf("the exec got stub %d, not the spare %d", tas.pid, spare.as.pid)
	}
	// The spare is an ordinary stub: a program runs in it.
	ctx, err := tas.newContext()
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Release()
	l := load(t, tas)
	ctx.Regs().Rip = l.syms["hello"]
	ctx.Regs().Rsp = testStackTop - 64
	if out, code, _ := serve(t, ctx, tas); code != 7 || out == "" {
		t.Fatalf("in the spare stub: %q exit %d", out, code)
	}

	p.mu.Lock()
	left := p.spare
	p.mu.Unlock()
	if left == nil {
		t.Fatal("taking the spare started no next one")
	}
	<-left.ready
	if left.err != nil {
		t.Fatal(left.err)
	}
	p.DropSpares()
	if !left.as.dead.Load() {
		t.Error("DropSpares left the spare stub running")
	}
	if err := unix.Waitid(unix.P_PIDFD, left.as.pidfd, nil, unix.WEXITED|unix.WNOHANG, nil); err == nil {
		t.Error("the dropped spare was not reaped")
	}
	last, err := tas.NewAddressSpace()
	if err != nil {
		t.Fatal(err)
	}
	last.(*AddressSpace).Release()
	p.mu.Lock()
	after := p.spare
	p.mu.Unlock()
	if after != nil {
		t.Error("a spare was started after DropSpares")
	}
}
