package isolated

import (
	"bytes"
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/arch/amd64"
	"github.com/elfloader/elfloader/plat"
)

type regsT = amd64.Regs

// stubSyscallSites returns every place in the stub's code where the bytes of
// a syscall or int $0x80 instruction start (aligned or not: app code can jump
// anywhere), and the allowed number of each named site.
func stubSyscallSites(t *testing.T) (sites map[uint64]string, own map[uint64]uint64) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(stubProgram))
	if err != nil {
		t.Fatal(err)
	}
	text := f.Section(".text")
	code, err := text.Data()
	if err != nil {
		t.Fatal(err)
	}
	sites = make(map[uint64]string)
	for i := 0; i+1 < len(code); i++ {
		switch {
		case code[i] == 0x0f && code[i+1] == 0x05:
			sites[text.Addr+uint64(i)] = "syscall"
		case code[i] == 0xcd && code[i+1] == 0x80:
			sites[text.Addr+uint64(i)] = "int80"
		case code[i] == 0x0f && code[i+1] == 0x34:
			sites[text.Addr+uint64(i)] = "sysenter"
		}
	}
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	nrs := map[string]uint64{
		"site_sigaltstack": unix.SYS_SIGALTSTACK, "site_seccomp": unix.SYS_SECCOMP,
		"site_recvmsg": unix.SYS_RECVMSG, "site_sendmsg": unix.SYS_SENDMSG, "site_mmap": unix.SYS_MMAP,
		"site_munmap": unix.SYS_MUNMAP, "site_mprotect": unix.SYS_MPROTECT, "site_close": unix.SYS_CLOSE,
		"site_clone": unix.SYS_CLONE, "site_init": unix.SYS_OPENAT,
	}
	own = make(map[uint64]uint64)
	for _, s := range syms {
		name, ok := strings.CutSuffix(s.Name, "_end")
		if nr, known := nrs[name]; ok && known {
			own[s.Value-2] = nr
		}
	}
	if len(own) < 9 {
		t.Fatalf("found only %d named sites in the stub", len(own))
	}
	return sites, own
}

// TestStubSitesRefuseApp jumps app threads to every syscall instruction of
// the stub with host-damaging requests: each must come back as an event for
// the kernel (or end the stub cleanly), and nothing may reach the host.
func TestStubSitesRefuseApp(t *testing.T) {
	p := newPlatform(t)
	sites, own := stubSyscallSites(t)
	target := filepath.Join(t.TempDir(), "created-through-stub")
	path := append([]byte(target), 0)

	var as *AddressSpace
	fresh := func() {
		if as != nil {
			as.Release()
		}
		as = newSpace(t, p)
		load(t, as)
		if err := as.CopyOut(testDataAddrFor(t, as), path); err != nil {
			t.Fatal(err)
		}
	}
	fresh()
	tried := 0
	type attempt struct {
		name string
		nr   uint64
		set  func(r *regsT)
	}
	for addr, kind := range sites {
		attempts := []attempt{
			{"openat", unix.SYS_OPENAT, func(r *regsT) {
				r.Rdi, r.Rsi, r.Rdx, r.R10 = uint64(^uint64(99)), testDataAddr, unix.O_CREAT|unix.O_WRONLY, 0o644
			}},
			{"creat", unix.SYS_CREAT, func(r *regsT) { r.Rdi, r.Rsi = testDataAddr, 0o644 }},
		}
		if kind == "int80" {
			attempts = []attempt{{"i386 creat", 8, func(r *regsT) { r.Rbx, r.Rcx = testDataAddr, 0o644 }}}
		}
		if nr, ok := own[addr]; ok && nr != unix.SYS_OPENAT {
			attempts = append(attempts, attempt{"own number", nr, func(r *regsT) {
				r.Rdi, r.Rsi, r.Rdx = threadCloneFlags, testStackTop-4096, 0
			}})
		}
		for _, a := range attempts {
			tried++
			ev, ctx := jumpTo(t, as, addr, a.nr, a.set)
			switch {
			case ev == plat.EventSyscall && kind == "syscall" && ctx.Regs().OrigRax == a.nr:
				if ctx.Regs().Rip != addr+2 {
					t.Errorf("%s at %#x: trapped with rip %#x", a.name, addr, ctx.Regs().Rip)
				}
			case ev == plat.EventSyscall32 && kind == "int80" && ctx.Regs().OrigRax == a.nr:
			case ev == plat.EventFault && ctx.Fault().Signo == int(unix.SIGKILL):
				t.Logf("%s at %#x (%s): the stub ended (%v)", a.name, addr, kind, ctx.Err())
				ctx.Release()
				fresh()
				continue
			case ev == plat.EventFault:
				t.Logf("%s at %#x (%s): fault %+v", a.name, addr, kind, ctx.Fault())
			default:
				t.Errorf("%s at %#x (%s): event %v nr %d", a.name, addr, kind, ev, ctx.Regs().OrigRax)
			}
			ctx.Release()
			if _, err := os.Stat(target); !os.IsNotExist(err) {
				t.Fatalf("%s through the stub's instruction at %#x reached the host", a.name, addr)
			}
		}
	}
	t.Logf("%d syscall instruction sites tried, %d attempts", len(sites), tried)
	as.Release()
}

// jumpTo runs a fresh thread from addr with rax = nr; a watchdog kicks it so
// that the test never hangs.
func jumpTo(t *testing.T, as *AddressSpace, addr, nr uint64, set func(r *regsT)) (plat.Event, *Context) {
	t.Helper()
	c, err := as.NewContext()
	if err != nil {
		t.Fatal(err)
	}
	ctx := c.(*Context)
	r := ctx.Regs()
	r.Rip, r.Rax, r.Rsp = addr, nr, testStackTop-128
	set(r)
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			ctx.kick()
		}
	}()
	ev := ctx.Switch()
	close(done)
	return ev, ctx
}
