// Package ramfs is a tmpfs: an in-memory filesystem with files,
// directories, symlinks, hard links, FIFOs, device nodes (opened through a
// caller-supplied DeviceOpener) and extended attributes. Regular file
// contents live in a host memfd per file, so that the kernel can mmap them
// MAP_SHARED; reads copy from a read-only shared view of the memfd in
// elfloader's memory (view.go; files over 256 MiB use pread). The memfd is
// created when the file is first mapped or grows past SmallFileMax, smaller
// files keep their bytes in Go memory and cost no host fd. A file can also
// take its bytes from a range of a host file it does not own (extent.go:
// an image's stored file), read and mapped privately from there until
// something changes it. Unlinked files stay alive while open.
//
// It depends on package vfs, vfs/pipe (FIFOs) and golang.org/x/sys/unix.
package ramfs
