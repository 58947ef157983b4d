package main

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/elfloader/elfloader/kernel"
)

// signalForwarder passes the signals elfloader receives to the kernel of
// the current boot (forwardSignal), and notices the ones that mean the
// user stopped the app. With Ctrl-Alt-Del enabled by the app
// (reboot(LINUX_REBOOT_CMD_CAD_ON)), a SIGINT restarts the unikernel
// instead, as Linux restarts on Ctrl-Alt-Del.
type signalForwarder struct {
	controllingTerminal bool
	ready               chan struct{} // closed once the signals come here

	mu      sync.Mutex
	k       *kernel.Kernel // nil between boots
	stopped bool           // SIGINT, SIGTERM or SIGQUIT went to the app
	// idleStop is a terminating signal that came while no app ran (before
	// the first boot, between two): no boot follows.
	idleStop syscall.Signal
}

// startSignalForwarding forwards elfloader's signals until ctx ends. It
// returns at once: the forwarding is in place once ready is closed (see
// waitReady), which the run waits for before the app starts. The first
// signal.Notify of a process starts the Go runtime's signal-mask thread
// and waits for it, 0.6-1.4 ms on a PVM guest, which the rest of the
// start-up overlaps.
func startSignalForwarding(ctx context.Context, controllingTerminal bool) *signalForwarder {
	f := &signalForwarder{controllingTerminal: controllingTerminal, ready: make(chan struct{})}
	go func() {
		sigs := make(chan os.Signal, 8)
		signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT,
			syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH, syscall.SIGALRM, syscall.SIGCONT, syscall.SIGTSTP)
		close(f.ready)
		defer signal.Stop(sigs)
		for {
			select {
			case s := <-sigs:
				f.forward(s.(syscall.Signal))
			case <-ctx.Done():
				return
			}
		}
	}()
	return f
}

// waitReady returns once elfloader's signals are forwarded.
func (f *signalForwarder) waitReady() { <-f.ready }

// attach makes k the kernel that receives signals.
func (f *signalForwarder) attach(k *kernel.Kernel) {
	f.mu.Lock()
	f.k, f.stopped = k, false
	f.mu.Unlock()
}

// detach ends forwarding to the current kernel; it reports whether the
// user stopped the app meanwhile.
func (f *signalForwarder) detach() (stopped bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.k = nil
	return f.stopped
}

// stoppedWhileIdle returns the terminating signal that came while no app
// ran, or 0.
func (f *signalForwarder) stoppedWhileIdle() syscall.Signal {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.idleStop
}

// forward passes one signal on. With no app running, a terminating signal
// (SIGINT, SIGTERM, SIGQUIT, SIGHUP) is kept so that no boot follows;
// others are dropped.
func (f *signalForwarder) forward(sig syscall.Signal) {
	f.mu.Lock()
	k := f.k
	if k == nil {
		switch sig {
		case syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT, syscall.SIGHUP:
			f.idleStop = sig
		}
	}
	f.mu.Unlock()
	if k == nil {
		return
	}
	defer k.RecoverInternal("signal forwarding")
	if sig == syscall.SIGINT && k.CtrlAltDel() {
		k.Shutdown(kernel.PowerEvent{Action: kernel.PowerRestart, Reason: "Ctrl-Alt-Del (SIGINT to elfloader)"}, nil)
		return
	}
	switch sig {
	case syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT:
		f.mu.Lock()
		if f.k == k {
			f.stopped = true
		}
		f.mu.Unlock()
	}
	forwardSignal(k, sig, f.controllingTerminal)
}
