// Package gdbstub serves the GDB Remote Serial Protocol for the app that
// elfloader's kernel runs: gdb (or anything speaking the protocol) connects
// over TCP and sees every thread of the first app process, its registers
// (general, FS/GS base, x87, SSE and AVX state, described by a target.xml in
// the shape of gdb's own i386 feature files), its memory, software
// breakpoints, single steps and the shared libraries the dynamic linker
// loaded.
//
// The stub implements kernel.Debugger: the kernel's task loop calls it on
// the task's own goroutine when a task starts, before each return to app
// code and on faults, and the stub holds tasks there while gdb looks
// (all-stop mode: when one thread stops, the others are stopped through
// kernel.Task.RequestDebugStop). Register and extended-state accesses run
// on the stopped task's goroutine; memory goes through the process's MM.
//
// It may import kernel, plat, arch/amd64, abi/linux and golang.org/x/sys/unix;
// never posix/*, vfs or shim.
package gdbstub
