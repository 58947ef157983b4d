package isolated

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/arch/amd64"
	"github.com/elfloader/elfloader/plat"
)

// KickSignal is the host signal that interrupts an app thread in its stub.
// The stub is a process of its own, so any real-time signal will do.
const KickSignal = unix.Signal(62)

// defaultThreads is how many app threads one address space can hold.
const defaultThreads = 128

// Platform starts stub processes and runs app threads in them.
type Platform struct {
	xstate    *amd64.XState
	xfeatures plat.HostXFeatures
	slotSize  int // bytes of one thread's shared slot
	nslots    int
	stubExe   int    // sealed memfd holding the stub program
	stubID    fileID // the memfd's device and inode (/proc/PID/exe of a stub)

	mu        sync.Mutex
	permitted uint64                // features granted with PermitXFeature
	live      map[int]*AddressSpace // stub pids
	spare     *spareStub            // started ahead of the next exec (spare.go)
	noSpares  bool                  // DropSpares was called
}

// New checks that the host can run stub processes and prepares the stub
// program. The error names what is missing.
func New() (*Platform, error) {
	xs, err := amd64.ReadXState()
	if err != nil {
		return nil, fmt.Errorf("isolated: %w", err)
	}
	if err := checkHost(); err != nil {
		return nil, err
	}
	slotSize := (slotXsave + xs.MaxSize + 4095) &^ 4095
	if slotSize > stubMaxSlotSize {
		return nil, fmt.Errorf("isolated: the CPU's XSAVE area (%d bytes) does not fit a stub slot", xs.MaxSize)
	}
	exe, err := newStubExecutable()
	if err != nil {
		return nil, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(exe, &st); err != nil {
		unix.Close(exe)
		return nil, fmt.Errorf("isolated: stat of the stub memfd: %w", err)
	}
	return &Platform{
		xstate:    xs,
		xfeatures: plat.ReadHostXFeatures(xs),
		slotSize:  slotSize,
		nslots:    defaultThreads,
		stubExe:   exe,
		stubID:    fileID{st.Dev, st.Ino},
		live:      make(map[int]*AddressSpace),
	}, nil
}

// Close frees the platform's stub program; address spaces already started
// keep running.
func (p *Platform) Close() error {
	return unix.Close(p.stubExe)
}

// checkHost makes sure of the host features the platform relies on.
func checkHost() error {
	if _, err := unix.PrctlRetInt(unix.PR_GET_SECCOMP, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("isolated: the host kernel has no seccomp: %w", err)
	}
	var probe [8]byte
	local := []unix.Iovec{{Base: &probe[0], Len: 8}}
	remote := []unix.RemoteIovec{{Base: uintptr(unsafe.Pointer(&probe[0])), Len: 8}}
	if _, err := unix.ProcessVMReadv(unix.Getpid(), local, remote, 0); err != nil {
		return fmt.Errorf("isolated: process_vm_readv does not work here: %w", err)
	}
	fd, err := unix.PidfdOpen(unix.Getpid(), 0)
	if err != nil {
		return fmt.Errorf("isolated: the host kernel has no pidfd_open (Linux 5.3): %w", err)
	}
	unix.Close(fd)
	return nil
}

// Name implements plat.Platform.
func (*Platform) Name() string { return "isolated" }

// NewContext implements plat.Platform: a new thread of as, an address
// space of this platform. With as nil it is a thread in a fresh address
// space that the context owns (Release ends the stub).
func (p *Platform) NewContext(as plat.AddressSpace) (plat.Context, error) {
	if as != nil {
		sas, ok := as.(*AddressSpace)
		if !ok || sas.p != p {
			return nil, errors.New("isolated: NewContext: not an address space of this platform")
		}
		return sas.newContext()
	}
	sas, err := p.NewStubAddressSpace()
	if err != nil {
		return nil, err
	}
	ctx, err := sas.newContext()
	if err != nil {
		sas.Release()
		return nil, err
	}
	ctx.ownsAS = true
	return ctx, nil
}

// Kick implements plat.Platform.
func (p *Platform) Kick(c plat.Context) error {
	ctx, ok := c.(*Context)
	if !ok {
		return errors.New("isolated: foreign context")
	}
	return ctx.kick()
}

// XState implements plat.Platform.
func (p *Platform) XState() *amd64.XState { return p.xstate }

// XFeatures implements plat.Platform.
func (p *Platform) XFeatures() (supported, permitted uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.xfeatures.Supported, p.xfeatures.Permitted | p.permitted
}

// PermitXFeature implements plat.Platform. The host decides (asked for
// elfloader itself, which gives the errno); every stub, running or started
// later, then asks for the same permission.
func (p *Platform) PermitXFeature(idx int) error {
	if idx < 0 || idx > 63 {
		return unix.EINVAL
	}
	if err := plat.RequestHostXFeature(idx); err != nil {
		return err
	}
	p.mu.Lock()
	p.permitted |= 1 << idx
	spaces := make([]*AddressSpace, 0, len(p.live))
	for _, as := range p.live {
		spaces = append(spaces, as)
	}
	p.mu.Unlock()
	for _, as := range spaces {
		if r, err := as.command(cmdXcomp, [6]uint64{uint64(idx)}, nil); err == nil && r < 0 {
			return unix.Errno(-r)
		}
	}
	return nil
}

func (p *Platform) register(as *AddressSpace) {
	p.mu.Lock()
	p.live[as.pid] = as
	p.mu.Unlock()
}

func (p *Platform) unregister(as *AddressSpace) {
	p.mu.Lock()
	if p.live[as.pid] == as {
		delete(p.live, as.pid)
	}
	p.mu.Unlock()
}

func (p *Platform) isStub(pid int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.live[pid] != nil
}

func (p *Platform) permittedFeatures() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.permitted
}
