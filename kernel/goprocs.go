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
// processors: idle ones invite spinning threads), or one processor when
// the caller lowered the count for elfloader's start-up
// (Config.GoProcs): each processor has its own cache of memory spans, and
// every span the start-up's allocations open on a second processor is
// pages touched for the first time (a static hello world: ~80 fewer page
// faults, 19.3 -> 16.4 ms on a PVM guest where a fault costs 11 us;
// restoring the count when the first thread starts kept only half of
// that). A second task raises it as above. With the one processor held
// by a thread in app code, a timer or a signal's forwarding waits until
// the runtime's monitor takes it back (its first look comes within 20 us
// to 10 ms); nginx (one thread) served as many requests either way.
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
// lowered is Config.GoProcs.
func (g *goProcs) taskStarted(lowered int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.started {
		g.started = true
		g.managed = os.Getenv("GOMAXPROCS") == ""
		g.base = runtime.GOMAXPROCS(0)
		if lowered > 0 {
			g.base = lowered
		}
		g.set = runtime.GOMAXPROCS(0)
	}
	g.live++
	if !g.managed {
		return
	}
	want := g.base + min(g.live-1, 3*g.base)
	if g.live == 1 && g.set < g.base {
		want = g.set // the first thread alone keeps the start-up's count
	}
	if want > g.set {
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
