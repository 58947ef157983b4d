// Package hostfs exposes a host directory as a vfs filesystem, read-only
// by default.
//
// It is escape-proof by construction: every host path operation uses a
// single path component relative to an O_PATH descriptor of a directory
// inside the mount, opened with openat2(RESOLVE_BENEATH |
// RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS) and O_NOFOLLOW. The host
// never follows a symlink: symlinks are returned to the vfs as symlinks
// and the vfs path walk resolves them against the application's root.
// Inodes keep their O_PATH descriptor, so a name swapped on the host after
// lookup cannot redirect an operation; files are reopened through
// /proc/self/fd/N of that descriptor, which names exactly that inode.
// Ownership changes (chown) are recorded in memory and never applied to
// the host.
//
// It depends on package vfs and golang.org/x/sys/unix.
package hostfs
