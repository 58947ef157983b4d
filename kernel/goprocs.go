package kernel

import (
	"os"
	"runtime"
	"sync"
)

// goProcs sizes the Go runtime's processors (GOMAXPROCS) to the app's
// threads. Every task holds a processor while its thread runs app code
// or waits in a host call for the app (the goroutine is "in a system
// call"), as a Go program's thread holds one in a blocking call. With
// only as many processors as CPUs, a few app threads waiting in futex or
// epoll calls take them all: the runtime's monitor then takes processors
// back from threads after 20 us (and wakes every 20 us to look), hands
// them to a new spinning thread, and a thread coming back from the app
// waits for one; a Go HTTP server under elfloader made 2.4 times the
// context switches it makes natively, a third of them the monitor's. One
// more processor per app thread beyond the first (at most three times the
// CPUs) keeps one idle: go-http 84k -> 89-90k requests/s (native 104k).
// A single-threaded app keeps the default (nginx lost 3% with more
// processors: idle ones invite spinning threads).
//
// The count only grows (each change stops the world), and is left alone
// when the user set GOMAXPROCS (elfloader passes its environment to the
// app, and a user who sets it means both).
type goProcs struct {
	mu      sync.Mutex
	started bool
	managed bool
	base    int // the runtime's own choice: the CPUs elfloader may use
	set     int // what it is now
	live    int // tasks running
}

// taskStarted counts a task whose thread is about to run app code.
func (g *goProcs) taskStarted() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.started {
		g.started = true
		g.managed = os.Getenv("GOMAXPROCS") == ""
		g.base = runtime.GOMAXPROCS(0)
		g.set = g.base
	}
	g.live++
	if !g.managed {
		return
	}
	if want := g.base + min(g.live-1, 3*g.base); want > g.set {
		g.set = want
		runtime.GOMAXPROCS(want)
	}
}

// taskEnded counts a task whose thread ran its last app code.
func (g *goProcs) taskEnded() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.live--
}
