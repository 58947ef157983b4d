// Package overlay layers a writable ramfs upper over a read-only lower
// filesystem (any vfs.FileSystem, typically hostfs or an initrd ramfs),
// like Linux's overlayfs: lookups and reads fall through to the lower
// layer, the first modification copies a file up (contents and
// attributes, parents first), unlink/rmdir/rename of lower entries leave
// whiteouts (0/0 character devices in the upper), a directory created
// over a whiteout is opaque (xattr trusted.overlay.opaque), and readdir
// merges both layers (a directory with no upper part yet lists its lower
// directory directly, as Linux's "pure" lower directories). The lower layer is never modified. Renaming a
// directory that exists in the lower layer gives EXDEV (no redirect_dir),
// which callers such as mv handle by copying.
//
// It depends on package vfs, vfs/ramfs and golang.org/x/sys/unix.
package overlay
