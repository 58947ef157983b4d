// Package loop is the loop block devices of the app's devfs:
// /dev/loop-control (LOOP_CTL_GET_FREE, LOOP_CTL_ADD, LOOP_CTL_REMOVE) and
// /dev/loopN (LOOP_SET_FD, LOOP_CONFIGURE, LOOP_CLR_FD, LOOP_GET_STATUS64,
// LOOP_SET_STATUS64, LOOP_SET_CAPACITY, LOOP_SET_DIRECT_IO,
// LOOP_SET_BLOCK_SIZE and the block requests BLKGETSIZE64, BLKGETSIZE,
// BLKSSZGET, BLKROGET, BLKFLSBUF), each backed by a file of the vfs (an
// in-memory file or a volume's host file) that the app names by its
// descriptor. A device is a vfs.BlockDevice, so mount(2) can read a
// filesystem image from it (vfs/ext2). The host's loop devices are never
// used.
//
// Dependencies: kernel (the caller's descriptors and memory), vfs,
// vfs/devfs, golang.org/x/sys/unix.
package loop
