// Package enter calls the in-process platform's app-entry routine
// (plat/inproc's ep_enter) from a goroutine without cgo's call machinery.
//
// ep_enter is an assembly routine that keeps the host's state in the
// thread's context and "returns" on the host stack it was called on: it
// needs no C stack, no cgo bookkeeping and no switch to the system stack,
// only the goroutine marked as in a system call for as long as the app
// runs, so that the scheduler and the garbage collector do not wait for it
// (entersyscall/exitsyscall, as the syscall package brackets its host
// calls). The cgo call cost ~30 ns of every crossing (asmcgocall, the cgo
// wrappers, the stack switch): a tenth of a 4 KiB pread.
//
// The package holds Go assembly, which a cgo package cannot. It imports
// only the runtime (two linknamed functions that the runtime exports for
// this use).
package enter
