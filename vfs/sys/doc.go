// Package sys is the vfs syscall layer: thin handlers that decode a file
// syscall's arguments, call package vfs on the process's filesystem
// context, and encode the result (open family, stat family, directories,
// links, attributes, positional and vectored I/O, sendfile and friends).
//
// It depends on kernel, shim and vfs; it registers on the shim like the
// posix libraries do.
package sys
