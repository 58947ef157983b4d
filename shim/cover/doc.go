// Package cover connects the syscall shim to package coverage: an Observer
// that records every served call into a coverage.Recorder (with the
// sub-operation of multiplexing syscalls decoded from the arguments and the
// first call site of each syscall resolved to symbol, object and offset
// through the ELF symbol tables of the loaded objects), a Filter that
// enforces a coverage.Profile, and the Overrides that answer chosen calls
// with ENOSYS ("stub") or a fake success ("fake") for the explore command.
//
// It may depend on shim, kernel, elfloader (its checked ELF opener),
// abi/linux, coverage, golang.org/x/sys/unix and the standard library
// (debug/elf). Nothing in the kernel or the handler
// libraries depends on it; cmd/elfloader wires it in.
package cover
