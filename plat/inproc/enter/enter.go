package enter

import _ "unsafe" // go:linkname

//go:linkname entersyscall runtime.entersyscall
func entersyscall()

//go:linkname exitsyscall runtime.exitsyscall
func exitsyscall()

// call calls fn with c as its System V argument and returns its result.
// fn must use at most 96 bytes of stack below the caller's frame (ep_enter
// and the paths that leave it use 80).
//
//go:noescape
func call(fn, c uintptr) uint64

// App calls fn (ep_enter) with the thread context c, the goroutine in a
// system call while it runs, and returns the event it returned.
//
//go:nosplit
func App(fn, c uintptr) uint64 {
	entersyscall()
	ev := call(fn, c)
	exitsyscall()
	return ev
}
