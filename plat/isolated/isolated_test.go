package isolated

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/plat"
)

const (
	testStackTop  = 0x7fe000000000
	testStackSize = 1 << 20
	testDataAddr  = 0x10000000
	fakePid       = 4242
	enosys        = ^uint64(unix.ENOSYS) + 1
	eventTimeout  = 20 * time.Second
)

var (
	progOnce sync.Once
	progPath string
	progErr  error
)

// testProgram compiles testdata/prog.c once (static, no libc).
func testProgram(t testing.TB) string {
	t.Helper()
	progOnce.Do(func() {
		if _, err := exec.LookPath("gcc"); err != nil {
			progErr = err
			return
		}
		dir, err := os.MkdirTemp("", "isolated-test")
		if err != nil {
			progErr = err
			return
		}
		progPath = filepath.Join(dir, "prog")
		out, err := exec.Command("gcc", "-O1", "-static", "-nostdlib", "-fno-pie", "-no-pie",
			"-fno-stack-protector", "-Wl,-e,hello", "-o", progPath, "testdata/prog.c").CombinedOutput()
		if err != nil {
			progErr = os.ErrInvalid
			t.Logf("gcc: %s", out)
		}
	})
	if progErr != nil {
		t.Skipf("cannot build the test program (gcc needed): %v", progErr)
	}
	return progPath
}

func newPlatform(t testing.TB) *Platform {
	t.Helper()
	p, err := New()
	if err != nil {
		t.Skip(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func newSpace(t testing.TB, p *Platform) *AddressSpace {
	t.Helper()
	as, err := p.NewStubAddressSpace()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(as.Release)
	return as
}

// loaded is a test program in an address space.
type loaded struct {
	as   *AddressSpace
	syms map[string]uint64
}

// load maps the program's PT_LOAD segments (written with CopyOut, then
// protected) and a stack.
func load(t testing.TB, as *AddressSpace) *loaded {
	t.Helper()
	path := testProgram(t)
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, ph := range f.Progs {
		if ph.Type != elf.PT_LOAD {
			continue
		}
		start := ph.Vaddr &^ 4095
		end := (ph.Vaddr + ph.Memsz + 4095) &^ 4095
		if _, err := as.Map(start, end-start, unix.PROT_READ|unix.PROT_WRITE,
			unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED, -1, 0); err != nil {
			t.Fatalf("mapping segment at %#x: %v", start, err)
		}
		data := make([]byte, ph.Filesz)
		if n, err := ph.ReadAt(data, 0); n != len(data) {
			t.Fatal(err)
		}
		if err := as.CopyOut(ph.Vaddr, data); err != nil {
			t.Fatalf("copying segment to %#x: %v", ph.Vaddr, err)
		}
		if err := as.Protect(start, end-start, elfProt(ph.Flags)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := as.Map(testStackTop-testStackSize, testStackSize, unix.PROT_READ|unix.PROT_WRITE,
		unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED, -1, 0); err != nil {
		t.Fatal(err)
	}
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	l := &loaded{as: as, syms: make(map[string]uint64)}
	for _, s := range syms {
		l.syms[s.Name] = s.Value
	}
	return l
}

func elfProt(f elf.ProgFlag) int {
	prot := 0
	if f&elf.PF_R != 0 {
		prot |= unix.PROT_READ
	}
	if f&elf.PF_W != 0 {
		prot |= unix.PROT_WRITE
	}
	if f&elf.PF_X != 0 {
		prot |= unix.PROT_EXEC
	}
	return prot
}

// thread starts a context at the program's function name with its own part
// of the stack (argc 0 at the top, as a process entry sees it).
func (l *loaded) thread(t testing.TB, name string, index int) *Context {
	t.Helper()
	c, err := l.as.NewContext()
	if err != nil {
		t.Fatal(err)
	}
	ctx := c.(*Context)
	t.Cleanup(ctx.Release)
	entry, ok := l.syms[name]
	if !ok {
		t.Fatalf("no symbol %s", name)
	}
	r := ctx.Regs()
	r.Rip = entry
	r.Rsp = testStackTop - uint64(index)*65536 - 64
	return ctx
}

// serve runs ctx, serving write, getpid and exit_group, until it exits; it
// returns the output, the exit code and the syscall numbers it refused.
func serve(t testing.TB, ctx *Context, as *AddressSpace) (string, int, []uint64) {
	t.Helper()
	var out bytes.Buffer
	var refused []uint64
	for i := 0; i < 1000; i++ {
		ev := ctx.Switch()
		r := ctx.Regs()
		switch ev {
		case plat.EventSyscall:
			switch r.OrigRax {
			case unix.SYS_WRITE:
				buf := make([]byte, min(r.Rdx, 4096))
				if err := as.CopyIn(r.Rsi, buf); err != nil {
					t.Fatalf("write: %v", err)
				}
				out.Write(buf)
				r.SetSyscallReturn(uint64(len(buf)))
			case unix.SYS_GETPID:
				r.SetSyscallReturn(fakePid)
			case unix.SYS_EXIT_GROUP:
				return out.String(), int(r.Rdi), refused
			default:
				refused = append(refused, r.OrigRax)
				r.SetSyscallReturn(enosys)
			}
		case plat.EventSyscall32:
			refused = append(refused, 1000+r.OrigRax)
			r.Rax = enosys
		default:
			t.Fatalf("event %v (fault %+v, err %v) at %#x", ev, ctx.Fault(), ctx.Err(), r.Rip)
		}
	}
	t.Fatal("too many events")
	return "", 0, nil
}

func TestHello(t *testing.T) {
	p := newPlatform(t)
	as := newSpace(t, p)
	l := load(t, as)
	ctx := l.thread(t, "hello", 0)
	out, code, _ := serve(t, ctx, as)
	if out != "hello from the stub\npid 4242\n" || code != 7 {
		t.Fatalf("output %q, exit code %d", out, code)
	}
}

func TestNullStoreFaults(t *testing.T) {
	p := newPlatform(t)
	as := newSpace(t, p)
	l := load(t, as)
	ctx := l.thread(t, "null_store", 0)
	if ev := ctx.Switch(); ev != plat.EventFault {
		t.Fatalf("event %v, want fault", ev)
	}
	f := ctx.Fault()
	if f.Signo != int(unix.SIGSEGV) || f.Addr != 0 || f.Trapno != 14 {
		t.Fatalf("fault %+v, want SIGSEGV at 0 (trap 14)", f)
	}
	if f.Err&2 == 0 {
		t.Errorf("page-fault error %#x lacks the write bit", f.Err)
	}
	if ctx.Regs().Rip != l.syms["null_store"] {
		t.Errorf("fault rip %#x, want %#x", ctx.Regs().Rip, l.syms["null_store"])
	}
}

func TestCopyInUnmappedIsEFAULT(t *testing.T) {
	p := newPlatform(t)
	as := newSpace(t, p)
	buf := make([]byte, 16)
	if err := as.CopyIn(0x1000, buf); err != unix.EFAULT {
		t.Fatalf("CopyIn of unmapped memory: %v, want EFAULT", err)
	}
	if err := as.CopyIn(StubStart+0x1000, buf); err != unix.EFAULT {
		t.Fatalf("CopyIn of the stub's code: %v, want EFAULT", err)
	}
	if _, err := as.Map(StubStart, 4096, unix.PROT_READ, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED, -1, 0); err == nil {
		t.Fatal("mapping over the stub region succeeded")
	}
	// Half mapped: EFAULT, not a short copy.
	if _, err := as.Map(testDataAddr, 4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED, -1, 0); err != nil {
		t.Fatal(err)
	}
	if err := as.CopyOut(testDataAddr+4090, buf); err != unix.EFAULT {
		t.Fatalf("CopyOut across the end of a mapping: %v, want EFAULT", err)
	}
}

func TestMapFile(t *testing.T) {
	p := newPlatform(t)
	as := newSpace(t, p)
	f, err := os.CreateTemp(t.TempDir(), "map")
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.Repeat([]byte("file contents "), 400)
	f.Write(want)
	addr, err := as.Map(testDataAddr, 8192, unix.PROT_READ, unix.MAP_PRIVATE|unix.MAP_FIXED, int(f.Fd()), 0)
	f.Close()
	if err != nil || addr != testDataAddr {
		t.Fatalf("Map = %#x, %v", addr, err)
	}
	got := make([]byte, len(want))
	if err := as.CopyIn(addr, got); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("CopyIn = %v, contents match %v", err, bytes.Equal(got, want))
	}
	if err := as.Unmap(addr, 8192); err != nil {
		t.Fatal(err)
	}
	if err := as.CopyIn(addr, got[:8]); err != unix.EFAULT {
		t.Fatalf("CopyIn after Unmap: %v", err)
	}
}

func TestForkIsCopyOnWrite(t *testing.T) {
	p := newPlatform(t)
	parent := newSpace(t, p)
	l := load(t, parent)
	if _, err := parent.Map(testDataAddr, 4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED, -1, 0); err != nil {
		t.Fatal(err)
	}
	put := func(as *AddressSpace, v uint64) {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], v)
		if err := as.CopyOut(testDataAddr, b[:]); err != nil {
			t.Fatal(err)
		}
	}
	put(parent, 11)
	child, err := parent.ForkStub()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(child.Release)
	if child.Pid() == parent.Pid() {
		t.Fatal("child has the parent's pid")
	}
	put(child, 22)
	// Each side's own thread reads the word (the code is inherited too).
	run := func(as *AddressSpace) int {
		cl := &loaded{as: as, syms: l.syms}
		ctx := cl.thread(t, "read_word", 0)
		ctx.Regs().Rdi = testDataAddr
		_, code, _ := serve(t, ctx, as)
		return code
	}
	if got := run(parent); got != 11 {
		t.Errorf("parent reads %d, want 11", got)
	}
	if got := run(child); got != 22 {
		t.Errorf("child reads %d, want 22", got)
	}
	// The child is a full address space: it can fork again and run a program.
	grandchild, err := child.ForkStub()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(grandchild.Release)
	gctx := (&loaded{as: grandchild, syms: l.syms}).thread(t, "hello", 0)
	if out, code, _ := serve(t, gctx, grandchild); code != 7 || out != "hello from the stub\npid 4242\n" {
		t.Errorf("grandchild: %q exit %d", out, code)
	}
}

func TestThreadsRunConcurrently(t *testing.T) {
	p := newPlatform(t)
	as := newSpace(t, p)
	l := load(t, as)
	waiter := l.thread(t, "wait_flag", 0)
	setter := l.thread(t, "set_flag", 1)
	done := make(chan int, 1)
	go func() { // no t.Fatal off the test goroutine
		r := waiter.Regs()
		for {
			if ev := waiter.Switch(); ev != plat.EventSyscall {
				done <- -1
				return
			}
			if r.OrigRax == unix.SYS_EXIT_GROUP {
				done <- int(r.Rdi)
				return
			}
			r.SetSyscallReturn(enosys)
		}
	}()
	// Let the waiter spin first, then the setter runs beside it.
	time.Sleep(20 * time.Millisecond)
	if _, code, _ := serve(t, setter, as); code != 2 {
		t.Fatalf("setter exit %d", code)
	}
	select {
	case code := <-done:
		if code != 1 {
			t.Fatalf("waiter exit %d", code)
		}
	case <-time.After(eventTimeout):
		p.Kick(waiter)
		t.Fatal("the waiter never saw the flag")
	}
}

func TestKick(t *testing.T) {
	p := newPlatform(t)
	as := newSpace(t, p)
	l := load(t, as)
	ctx := l.thread(t, "spin", 0)
	events := make(chan plat.Event, 1)
	go func() { events <- ctx.Switch() }()
	deadline := time.After(eventTimeout)
	for {
		select {
		case ev := <-events:
			if ev != plat.EventKick {
				t.Fatalf("event %v, want kick", ev)
			}
			if rip := ctx.Regs().Rip; rip != l.syms["spin"] && rip != l.syms["spin"]+2 {
				t.Logf("kicked at %#x (spin at %#x)", rip, l.syms["spin"])
			}
			return
		case <-deadline:
			t.Fatal("the kick did not arrive")
		case <-time.After(10 * time.Millisecond):
			if err := p.Kick(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestProgramCannotReachHost: the program's own syscalls and int $0x80 are
// events, never host calls.
func TestProgramCannotReachHost(t *testing.T) {
	p := newPlatform(t)
	as := newSpace(t, p)
	l := load(t, as)
	target := filepath.Join(t.TempDir(), "created-by-app")
	path := append([]byte(target), 0)
	if err := as.CopyOut(testDataAddrFor(t, as), path); err != nil {
		t.Fatal(err)
	}
	ctx := l.thread(t, "escape", 0)
	ctx.Regs().Rdi = testDataAddr
	out, code, refused := serve(t, ctx, as)
	if out != "refused\n" || code != 0 {
		t.Fatalf("output %q exit %d", out, code)
	}
	want := []uint64{unix.SYS_OPENAT, unix.SYS_CREAT, 1000 + 8}
	if len(refused) != 3 || refused[0] != want[0] || refused[1] != want[1] || refused[2] != want[2] {
		t.Fatalf("the kernel saw %v, want %v", refused, want)
	}
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Fatalf("the app created %s on the host (stat: %v)", target, err)
	}
}

func testDataAddrFor(t testing.TB, as *AddressSpace) uint64 {
	t.Helper()
	if _, err := as.Map(testDataAddr, 4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED, -1, 0); err != nil {
		t.Fatal(err)
	}
	return testDataAddr
}
