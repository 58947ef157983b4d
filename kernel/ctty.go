package kernel

import (
	"context"
	"sync"

	"github.com/elfloader/elfloader/vfs"
)

// Controlling terminals of the app's own: a pseudo-terminal's slave
// (posix/pty) becomes the controlling terminal of the session whose
// leader opens it without O_NOCTTY or asks with TIOCSCTTY. The console
// (terminal.go) keeps its own record; a session has at most one of the
// two. The terminal keeps its session and foreground group itself: this
// table only answers "which terminal does session sid have" (for
// /dev/tty and the "already has one" rule).

// SessionTerminal is a terminal of the app's that can control a session.
type SessionTerminal interface {
	// OpenTTY opens the terminal for an open of /dev/tty.
	OpenTTY(ctx context.Context, flags int) (vfs.FileImpl, error)
}

type cttyKey struct{}

type cttyTable struct {
	mu        sync.Mutex
	bySession map[int]SessionTerminal
}

func (k *Kernel) cttys() *cttyTable {
	return k.LibraryState(cttyKey{}, func() any {
		return &cttyTable{bySession: map[int]SessionTerminal{}}
	}).(*cttyTable)
}

// SessionTerminal returns the app terminal controlling session sid (nil
// for none, or when it is the console).
func (k *Kernel) SessionTerminal(sid int) SessionTerminal {
	c := k.cttys()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bySession[sid]
}

// SessionHasTerminal reports whether session sid has a controlling
// terminal: the console or one of the app's.
func (k *Kernel) SessionHasTerminal(sid int) bool {
	if session, _ := k.terminal().state(); session == sid {
		return true
	}
	return k.SessionTerminal(sid) != nil
}

// SetSessionTerminal records term as session sid's controlling terminal;
// a nil term drops the record if it is still old (TIOCNOTTY, hang-up,
// a steal by another session).
func (k *Kernel) SetSessionTerminal(sid int, term, old SessionTerminal) {
	c := k.cttys()
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case term != nil:
		c.bySession[sid] = term
	case c.bySession[sid] == old:
		delete(c.bySession, sid)
	}
}

// SessionOfGroup is the session of process group pgrp (or of the process
// with that PID, as Linux's TIOCSPGRP accepts it); false for neither.
func (k *Kernel) SessionOfGroup(pgrp int) (int, bool) { return k.sessionOfGroup(pgrp) }

// SignalGroup sends sig from the kernel (SI_KERNEL) to every live member
// of group pgid: a terminal's keyboard signals, SIGWINCH and SIGHUP.
func (k *Kernel) SignalGroup(pgid, sig int) { k.signalGroup(pgid, sig) }

// Context is the task's context for vfs calls (TaskFromContext finds the
// task in it).
func (t *Task) Context() context.Context { return t.taskContext() }

// CheckTerminalAccess is checkTerminalAccess for a terminal of the app's
// whose session and foreground group are given: a background process of
// its session that reads (SIGTTIN) or changes it (SIGTTOU) is stopped,
// refused or let through as Linux's __tty_check_change says.
func (t *Task) CheckTerminalAccess(session, fg, sig int) error {
	return t.terminalAccess(session, fg, sig)
}
