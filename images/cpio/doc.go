// Package cpio reads and writes cpio archives in the "newc" format (magic
// "070701", the format of Linux initramfs images).
//
// The package owns the byte format only: headers, name and data padding,
// the "TRAILER!!!" record and the hard-link convention. It knows nothing about
// images, OCI or host files, and depends only on the standard library.
//
// Hard links follow the newc convention: every name of a hard-linked file is
// written as its own record carrying the same inode number and an nlink
// count of at least 2. The Writer leaves data placement to its caller; the
// images package writes the data with the first name and size 0 for the
// others, which both the Linux initramfs unpacker and GNU cpio accept. The
// Reader reports records as they are and leaves the grouping to its caller
// (see Header.Ino and Header.Nlink).
//
// The Reader rejects malformed archives: a bad magic, non-hex header fields,
// names that are absolute or contain ".." after cleaning, names without their
// terminating NUL, and data that runs past the end of the archive.
package cpio
