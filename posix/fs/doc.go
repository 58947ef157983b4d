// Package fs serves the file syscalls: thin handlers that decode a
// syscall's arguments, call the process's descriptor table or package vfs
// on the process's filesystem context, and encode the result.
//
// It depends on kernel, shim and vfs; it registers on the shim like the
// other posix libraries. vfs knows nothing of it.
package fs
