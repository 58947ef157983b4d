// Package mm serves the memory-management syscalls: brk, mmap, munmap,
// mprotect, madvise, mremap and friends, on the process's kernel.MM (which
// never lets the app replace host memory).
//
// It depends on kernel and shim only. File-backed mappings reach files
// through the FileMapper interface a file may implement.
package mm
