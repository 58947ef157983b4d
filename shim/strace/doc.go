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
// The package holds no state: every function is safe for concurrent use.
//
// Dependencies: the standard library, golang.org/x/sys/unix and abi/linux.
// It must not import the kernel or any handler package; the shim calls it.
package strace
