// Package ext2 reads an ext2 filesystem image (revision 0 or 1, the
// "filetype" feature, any block size) from an io.ReaderAt: a loop
// device's backing file. It is read-only: the vfs answers EROFS to every
// change. Images with incompatible features it does not know (extents,
// 64-bit, a journal to replay, meta_bg, compression) are refused with
// EINVAL, as Linux's ext2 driver refuses them.
//
// Dependencies: vfs and golang.org/x/sys/unix.
package ext2
