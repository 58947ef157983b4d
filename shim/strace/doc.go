// Package strace formats one traced system call as a line in strace's
// style, for example
//
//	openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3
//
// It decodes arguments with the signatures and tables of
// github.com/elfloader/elfloader/abi/linux and reads strings, buffers and
// structures from the application through the small Memory interface, so
// it works the same on every platform and in tests with a fake memory.
// Memory that cannot be read is printed as the pointer value, as strace
// does.
//
// Output arguments (stat buffers, rlimits, wait statuses, directory
// entries, socket addresses, ...) are decoded after the call, and Parts
// splits a line into the inputs known at entry and the rest, for a tracer
// that prints "<unfinished ...>" and "<... NAME resumed>" lines as strace
// -f does. SignalLine and ExitLine print strace's "--- SIGCHLD {...} ---"
// and "+++ exited with 0 +++" lines; Summary is strace -c's table.
//
// Apart from Summary, which locks, the package holds no state: every
// function is safe for concurrent use. The Tracer of package shim puts
// these pieces together.
//
// Dependencies: the standard library, golang.org/x/sys/unix and abi/linux.
// It must not import the kernel or any handler package; the shim calls it.
package strace
