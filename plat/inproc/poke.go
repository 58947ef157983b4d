package inproc

/*
#include "membarrier.h"
*/
import "C"

import (
	"sync"

	"golang.org/x/sys/unix"
)

// membarrier(2) commands (include/uapi/linux/membarrier.h).
const (
	membarrierPrivateExpeditedSyncCore         = 1 << 5
	membarrierRegisterPrivateExpeditedSyncCore = 1 << 6
)

// syncCoreReady reports whether elfloader is registered for membarrier's
// SYNC_CORE command; without it, sites that need the breakpoint protocol
// are refused. A C constructor registers while the process has one thread
// (membarrier.c: later, Linux waits for an RCU grace period); should it
// have failed, one more try is made here.
var syncCoreReady = sync.OnceValue(func() bool {
	if C.ep_sync_core_registered != 0 {
		return true
	}
	_, _, e := unix.Syscall(unix.SYS_MEMBARRIER, membarrierRegisterPrivateExpeditedSyncCore, 0, 0)
	return e == 0
})

// syncCore makes every CPU that runs one of elfloader's threads (and so
// the app's) serialise its instruction stream before it returns.
func syncCore() {
	unix.Syscall(unix.SYS_MEMBARRIER, membarrierPrivateExpeditedSyncCore, 0, 0)
}

// pokeWithBreakpoint replaces old with new at addr (one instruction) by
// the int3 protocol; the caller made the page writable and holds r.mu.
func (r *Rewriter) pokeWithBreakpoint(addr uint64, old, new []byte) bool {
	cur := appBytes(addr, len(old))
	if string(cur) != string(old) {
		return false
	}
	r.pokeMu.Lock()
	r.poking[addr] = true
	r.pokeMu.Unlock()
	cur[0] = 0xcc
	syncCore()
	copy(cur[1:], new[1:])
	syncCore()
	cur[0] = new[0]
	syncCore()
	// The address stays known: a thread that met the int3 may report it
	// only now.
	return true
}

// Breakpoint implements plat.Rewriter: an int3 at addr is the rewriter's
// own (a site it patched or is patching), so the thread that met it
// retries the instruction at addr.
func (r *Rewriter) Breakpoint(addr uint64) bool {
	r.pokeMu.Lock()
	defer r.pokeMu.Unlock()
	return r.poking[addr]
}
