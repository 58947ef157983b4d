package kernel

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/elfloader/elfloader/abi/linux"
	"github.com/elfloader/elfloader/plat"
	"github.com/elfloader/elfloader/vfs"
	"github.com/elfloader/elfloader/vfs/procfs"
	"golang.org/x/sys/unix"
)

// Dispatcher serves one system call of a task: it reads the number and
// arguments from the task's registers and stores the result. The shim
// implements it.
type Dispatcher interface {
	Dispatch(t *Task)
}

// Config is what a Kernel is built from.
type Config struct {
	Platform plat.Platform
	Syscalls Dispatcher
	// Stdin, Stdout, Stderr become the app's fds 0, 1 and 2.
	Stdin, Stdout, Stderr *os.File
	// Report receives elfloader's own diagnostics (crash reports, ENOSYS
	// notices); usually os.Stderr.
	Report   io.Writer
	Log      *slog.Logger
	Hostname string
	// VFS is the app's filesystem tree; nil runs programs from host paths
	// with no file syscalls beyond the console.
	VFS *vfs.VFS
	// Net is the network mode.
	Net NetMode
	// Sandbox is the app's own network (its TCP/IP stack, a
	// *netstack.Network) when Net is NetSandbox; the caller closes it
	// after the run.
	Sandbox SandboxNetwork
	// Mounts describes the mount table for /proc/mounts.
	Mounts func() []procfs.Mount
	// Rewriter, when set, rewrites syscall sites into the platform's fast
	// path (lazily after traps, eagerly on new code, as it was built).
	Rewriter plat.Rewriter
	// PassThrough lets a platform that can (plat.PassThroughContext)
	// serve reads, writes and a few socket calls on host-backed
	// descriptors without the kernel (passthrough.go). The caller leaves
	// it off when every call must reach the dispatcher (tracing,
	// coverage, a syscall profile).
	PassThrough bool
	// ThreadSetup, when set, runs on every OS thread that will run app
	// code itself (an in-process address space), before any app code runs
	// there (the host-side confinement: package sandbox). Threads that drive
	// stub processes skip it: Landlock would forbid them to reach a stub
	// confined in another domain. A failure ends the run.
	ThreadSetup func() error
	// Debugger, when set, sees every task's start, faults and returns to
	// app code (the gdb stub; see debug.go).
	Debugger Debugger
	// Tracer, when set, sees delivered signals and task ends (strace's
	// "--- SIG ---" and "+++ exited +++" lines).
	Tracer Tracer
	// ShutdownGrace is the time between the SIGTERM and the SIGKILL of a
	// shutdown (reboot(2)); 0 means DefaultShutdownGrace, a negative value
	// none (SIGKILL at once).
	ShutdownGrace time.Duration
	// FirstProcessStop, when set, is told when the first process (which
	// has no parent in the app) stops (true) or continues (false), so
	// that elfloader can stop itself for the user's shell as the program
	// run natively would.
	FirstProcessStop func(stopped bool)
	// IgnoredSignals are the signals (bit N-1 for signal N) the first
	// process starts with ignored: those elfloader's own parent ignored,
	// which a program it exec'd would inherit (signal(7)).
	IgnoredSignals uint64
}

// Kernel is the root of the state an app sees.
type Kernel struct {
	cfg       Config
	funcs     funcTableCache // the objects' function tables, for every process
	futexHost hostFutexState // whether host futex waits work (futex_host.go)
	goProcs   goProcs        // the Go runtime's processors for the tasks (goprocs.go)
	bootTime  time.Time
	mu        sync.Mutex
	nextPID   int
	processes map[int]*Process
	tasks     map[int]*Task
	init      *Process // the first process, the app's init (guarded by mu)
	// hostParent is the group and session of elfloader's host parent,
	// the first process's parent for orphaned-group checks.
	hostParent groupIDs
	// hostParentPID is elfloader's parent on the host, the first
	// process's parent: outside the app's process table (guarded by mu).
	hostParentPID int
	futexes       *FutexTable
	reported      map[string]bool
	libState      map[any]any
	id            string
	power         powerState

	asyncOnce sync.Once
	asyncIO   *asyncIO // the O_ASYNC watcher (async.go)

	pass *passThrough // host descriptor pass-through (passthrough.go), nil when off

	// internal is closed when a kernel goroutine panicked (internalErr).
	internal     chan struct{}
	internalOnce sync.Once
	internalErr  *InternalError
}

// reportOnce writes msg to the report stream the first time key is seen.
func (k *Kernel) reportOnce(key, msg string) {
	k.mu.Lock()
	seen := k.reported[key]
	k.reported[key] = true
	k.mu.Unlock()
	if !seen {
		io.WriteString(k.cfg.Report, msg)
	}
}

// New returns a kernel ready to run programs.
func New(cfg Config) (*Kernel, error) {
	if cfg.Platform == nil || cfg.Syscalls == nil {
		return nil, errors.New("kernel: a platform and a syscall dispatcher are required")
	}
	if cfg.Report == nil {
		cfg.Report = os.Stderr
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Hostname == "" {
		cfg.Hostname = "elfloader"
	}
	// The first process takes elfloader's own host PID and parent, so the
	// app looks like the program the user started (and is not an "init"
	// with init's special signal rules).
	k := &Kernel{cfg: cfg, bootTime: time.Now(), nextPID: os.Getpid(), processes: map[int]*Process{},
		tasks: map[int]*Task{}, futexes: newFutexTable(), reported: map[string]bool{},
		id: newKernelID(), internal: make(chan struct{}), power: powerState{done: make(chan struct{})}}
	if cfg.PassThrough {
		pt, err := newPassThrough(k.kickAppThreads, k.nextPID)
		if err != nil {
			return nil, err
		}
		k.pass = pt
	}
	return k, nil
}

// Hostname is the node name the app sees.
func (k *Kernel) Hostname() string { return k.hostname() }

// BootTime is when the kernel started (for uptime and CLOCK_BOOTTIME).
func (k *Kernel) BootTime() time.Time { return k.bootTime }

// Report is where elfloader's diagnostics go.
func (k *Kernel) Report() io.Writer { return k.cfg.Report }

// Log is the kernel's logger.
func (k *Kernel) Log() *slog.Logger { return k.cfg.Log }

// Platform is the execution backend.
func (k *Kernel) Platform() plat.Platform { return k.cfg.Platform }

func (k *Kernel) allocPID() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	pid := k.nextPID
	k.nextPID++
	return pid
}

// Run loads spec.Path as a new process, runs it to completion and returns
// its wait status as a shell reports it: the exit code, or 128+signal.
// A panic in any kernel goroutine ends the run at once with an
// *InternalError and InternalErrorStatus. A shutdown (reboot(2), see
// PowerEvent) ends it with status 0 once every process has ended.
func (k *Kernel) Run(ctx context.Context, spec ExecSpec) (int, error) {
	p, err := k.newProcess(spec)
	if err != nil {
		return 0, err
	}
	for sig := 1; sig <= 64; sig++ {
		if k.cfg.IgnoredSignals&(1<<(sig-1)) != 0 && sig != int(unix.SIGKILL) && sig != int(unix.SIGSTOP) {
			p.sigacts[sig] = SigAction{Handler: linux.SIG_IGN}
		}
	}
	k.mu.Lock()
	k.init = p
	k.hostParent = hostParentGroups()
	k.hostParentPID = p.PPID()
	k.mu.Unlock()
	t := p.leader
	go t.run()
	firstDone := p.done
	for {
		select {
		case <-firstDone:
			if !k.shuttingDown() {
				k.endAll(p)
				return p.status, nil
			}
			firstDone = nil // the shutdown's end decides
		case <-k.power.done:
			return 0, nil
		case <-k.internal:
			return InternalErrorStatus, k.internalErr
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

func randomBytes() [16]byte {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("kernel: crypto/rand failed: %v", err))
	}
	return b
}

// SignalFirstProcess sends a signal from outside (the user, through
// elfloader) to the first process the kernel started.
func (k *Kernel) SignalFirstProcess(sig int) {
	k.mu.Lock()
	var first *Process
	for _, p := range k.processes {
		if first == nil || p.PID < first.PID {
			first = p
		}
	}
	k.mu.Unlock()
	if first != nil {
		si := NewSigInfo(sig, linux.SI_USER)
		first.SendSignal(si)
	}
}

// VFS is the app's filesystem tree (nil without one).
func (k *Kernel) VFS() *vfs.VFS { return k.cfg.VFS }

// LibraryState returns per-kernel state owned by a handler library,
// creating it with init on first use. key is a type of the library's own.
func (k *Kernel) LibraryState(key any, init func() any) any {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.libState == nil {
		k.libState = map[any]any{}
	}
	v, ok := k.libState[key]
	if !ok {
		v = init()
		k.libState[key] = v
	}
	return v
}

// NetMode is how the app reaches the network.
type NetMode int

const (
	// NetHost: sockets are the host's (the default).
	NetHost NetMode = iota
	// NetNone: only loopback addresses and unix sockets.
	NetNone
	// NetSandbox: the app's AF_INET and AF_INET6 sockets are served by a
	// user-space TCP/IP stack of its own (package netstack).
	NetSandbox
)

// Net is the kernel's network mode.
func (k *Kernel) Net() NetMode { return k.cfg.Net }

// Sandbox is the app's own network with NetSandbox, else nil.
func (k *Kernel) Sandbox() SandboxNetwork { return k.cfg.Sandbox }

// SandboxNetwork is what the kernel itself asks of the app's own network
// (package netstack): its /proc/net files. The socket handlers that serve
// it (posix/socket) know its concrete type. An interface, so that the
// kernel does not link a TCP/IP stack into builds without one (the lean
// runner, docs/binaries.md).
type SandboxNetwork interface {
	// ProcNet is the content of /proc/net/NAME, if the network has it.
	ProcNet(name string) ([]byte, bool)
}

// ID is a short identifier unique to this kernel on the host (names of
// host objects it creates for the app, such as abstract unix sockets).
func (k *Kernel) ID() string { return k.id }

func newKernelID() string {
	r := randomBytes()
	return fmt.Sprintf("%d-%x", os.Getpid(), r[:4])
}

// Rewriter is the fast-path site rewriter, or nil.
func (k *Kernel) Rewriter() plat.Rewriter { return k.cfg.Rewriter }
