package kernel

import (
	"fmt"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/abi/linux"
)

// PowerAction is what ended the unikernel on reboot(2)'s request (or the
// host's Ctrl-Alt-Del): the app asked to power off or to restart.
type PowerAction int

const (
	// PowerOff: reboot(POWER_OFF) or reboot(HALT); the run ends, status 0.
	PowerOff PowerAction = iota + 1
	// PowerRestart: reboot(RESTART), reboot(RESTART2) or a host SIGINT
	// with Ctrl-Alt-Del enabled; the app is to start again from a fresh
	// state.
	PowerRestart
)

func (a PowerAction) String() string {
	switch a {
	case PowerOff:
		return "power off"
	case PowerRestart:
		return "restart"
	}
	return fmt.Sprintf("PowerAction(%d)", int(a))
}

// PowerEvent is the request that ended a run.
type PowerEvent struct {
	Action PowerAction
	// Reason says who asked: "reboot(LINUX_REBOOT_CMD_HALT) by pid 7",
	// "Ctrl-Alt-Del (host SIGINT)".
	Reason string
	// Arg is RESTART2's command string ("" otherwise).
	Arg string
}

// DefaultShutdownGrace is how long processes have between the SIGTERM of a
// shutdown and the SIGKILL (docker stop's default).
const DefaultShutdownGrace = 10 * time.Second

// shutdownReapBound bounds the wait for processes to end after SIGKILL; a
// process still alive then is reported and left behind.
const shutdownReapBound = 10 * time.Second

// powerState is the kernel's reboot(2) state.
type powerState struct {
	mu    sync.Mutex
	event *PowerEvent   // the first request; later ones are ignored
	done  chan struct{} // closed when every process has ended after it
	cad   bool          // Ctrl-Alt-Del restarts (LINUX_REBOOT_CMD_CAD_ON)
}

// SetCtrlAltDel turns Ctrl-Alt-Del handling on (a host SIGINT restarts the
// unikernel) or off (SIGINT goes to the first process), as
// LINUX_REBOOT_CMD_CAD_ON and CAD_OFF do.
func (k *Kernel) SetCtrlAltDel(on bool) {
	k.power.mu.Lock()
	k.power.cad = on
	k.power.mu.Unlock()
}

// CtrlAltDel reports whether a host SIGINT restarts the unikernel.
func (k *Kernel) CtrlAltDel() bool {
	k.power.mu.Lock()
	defer k.power.mu.Unlock()
	return k.power.cad
}

// Shutdown ends every process in Linux's shutdown order — SIGTERM to all
// but the caller, the grace period (cut short when they have all ended),
// then SIGKILL to whatever is left — and then ends Run with ev. caller may
// be nil (a request from the host). Only the first request counts.
// ShutdownDone is closed once every process has ended.
func (k *Kernel) Shutdown(ev PowerEvent, caller *Process) {
	k.power.mu.Lock()
	if k.power.event != nil {
		k.power.mu.Unlock()
		return
	}
	k.power.event = &ev
	k.power.mu.Unlock()
	k.cfg.Log.Debug("shutdown", "action", ev.Action.String(), "reason", ev.Reason)
	go func() {
		defer k.RecoverInternal("shutdown")
		k.terminateAll(caller)
		close(k.power.done)
	}()
}

// ShutdownDone is closed when a shutdown has ended every process.
func (k *Kernel) ShutdownDone() <-chan struct{} { return k.power.done }

// PowerEvent returns the request that ended the run, if one did.
func (k *Kernel) PowerEvent() (PowerEvent, bool) {
	k.power.mu.Lock()
	defer k.power.mu.Unlock()
	if k.power.event == nil {
		return PowerEvent{}, false
	}
	return *k.power.event, true
}

// shuttingDown reports whether a shutdown has begun.
func (k *Kernel) shuttingDown() bool {
	k.power.mu.Lock()
	defer k.power.mu.Unlock()
	return k.power.event != nil
}

// terminateAll sends SIGTERM to every live process but caller, waits for
// them up to the grace period, then sends SIGKILL to every live process
// (caller included) and waits for them to end.
func (k *Kernel) terminateAll(caller *Process) {
	for _, p := range k.liveProcesses() {
		if p != caller {
			p.SendSignal(NewSigInfo(int(unix.SIGTERM), linux.SI_KERNEL))
		}
	}
	grace := k.cfg.ShutdownGrace
	if grace == 0 {
		grace = DefaultShutdownGrace
	}
	k.waitProcesses(caller, max(grace, 0))
	k.KillAll()
}

// KillAll sends SIGKILL to every live process, also to those forked
// meanwhile, and waits until they have all ended (bounded: processes that
// do not end in time are reported).
func (k *Kernel) KillAll() {
	deadline := time.NewTimer(shutdownReapBound)
	defer deadline.Stop()
	for {
		live := k.liveProcesses()
		if len(live) == 0 {
			return
		}
		for _, p := range live {
			p.SendSignal(NewSigInfo(SIGKILL, linux.SI_KERNEL))
		}
		select {
		case <-live[0].done:
		case <-deadline.C:
			k.reportOnce("shutdown-left", fmt.Sprintf("elfloader: %d app processes did not end after SIGKILL\n", len(live)))
			return
		}
	}
}

// waitProcesses waits until every live process but except has ended, at
// most d.
func (k *Kernel) waitProcesses(except *Process, d time.Duration) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		var next *Process
		for _, p := range k.liveProcesses() {
			if p != except {
				next = p
			}
		}
		if next == nil {
			return
		}
		select {
		case <-next.done:
		case <-deadline.C:
			return
		}
	}
}

// liveProcesses is every process that has not ended yet.
func (k *Kernel) liveProcesses() []*Process {
	k.mu.Lock()
	defer k.mu.Unlock()
	var live []*Process
	for _, p := range k.processes {
		select {
		case <-p.done:
		default:
			live = append(live, p)
		}
	}
	return live
}
