package main

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/kernel"
)

// The app changes the mode of the user's terminal for real (an editor or a
// REPL switches it to raw mode). The shell restores it after a program it
// ran natively stops only in some cases, so elfloader does it itself: the
// mode of every terminal among its standard descriptors and its controlling
// terminal is saved before the run and put back however the run ends (the
// program exits or is killed, a crash report, an internal error).

// savedTerminal is the mode of one host terminal before the run.
type savedTerminal struct {
	fd    int
	owned bool // fd was opened for this (the controlling terminal)
	mode  unix.Termios
}

// saveTerminals records the mode of the distinct terminals among stdin,
// stdout, stderr and /dev/tty, and reports whether elfloader has a
// controlling terminal.
func saveTerminals() (saved []savedTerminal, controlling bool) {
	seen := map[uint64]bool{}
	add := func(fd int, owned bool) bool {
		var st unix.Stat_t
		tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
		if err != nil || unix.Fstat(fd, &st) != nil || seen[st.Rdev] {
			return false
		}
		seen[st.Rdev] = true
		saved = append(saved, savedTerminal{fd: fd, owned: owned, mode: *tio})
		return true
	}
	for _, f := range []*os.File{os.Stdin, os.Stdout, os.Stderr} {
		add(int(f.Fd()), false)
	}
	fd, err := unix.Open("/dev/tty", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return saved, false
	}
	if !add(fd, true) {
		unix.Close(fd)
	}
	return saved, true
}

// restoreTerminals puts back the saved modes. A terminal whose mode did not
// change is left alone, so that a run in the background of a shell does not
// touch it (which would stop elfloader with SIGTTOU).
func restoreTerminals(saved []savedTerminal) {
	for _, s := range saved {
		if cur, err := unix.IoctlGetTermios(s.fd, unix.TCGETS); err != nil || *cur != s.mode {
			unix.IoctlSetTermios(s.fd, unix.TCSETS, &s.mode)
		}
		if s.owned {
			unix.Close(s.fd)
		}
	}
}

// forwardSignal passes a signal elfloader received on to the app. The ones
// a terminal sends to its foreground process group go to the app's
// foreground group: SIGWINCH, and the keyboard's SIGINT, SIGQUIT and
// SIGTSTP when elfloader has a controlling terminal (otherwise they can
// only come from kill). SIGCONT goes to the first process's group (a
// shell continuing the job). The others go to the first process, the one
// the user started.
func forwardSignal(k *kernel.Kernel, sig syscall.Signal, controllingTerminal bool) {
	switch sig {
	case syscall.SIGWINCH:
		k.SignalForegroundGroup(int(sig))
	case syscall.SIGCONT:
		// The user's shell continues a stopped job: the program's group,
		// which elfloader stands for on the host.
		k.SignalFirstGroup(int(sig))
	case syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTSTP:
		if controllingTerminal {
			k.SignalForegroundGroup(int(sig))
			return
		}
		k.SignalFirstProcess(int(sig))
	default:
		k.SignalFirstProcess(int(sig))
	}
}

// stopWithFirstProcess stops elfloader itself when the program the user
// started stops (Ctrl-Z, kill -STOP), so that the user's shell sees the
// job stopped as it would the program run natively; the SIGCONT that
// resumes elfloader is forwarded to the program and resumes it.
func stopWithFirstProcess(stopped bool) {
	if stopped {
		unix.Kill(os.Getpid(), unix.SIGSTOP)
	}
}
