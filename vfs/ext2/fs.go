package ext2

import (
	"encoding/binary"
	"fmt"
	"io"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/vfs"
)

// Superblock and feature constants of the on-disk format.
const (
	superOffset       = 1024
	superMagic        = 0xef53
	rootIno           = 2
	incompatFiletype  = 0x2
	goodOldInodeSize  = 128
	groupDescSize     = 32
	directBlocks      = 12
	indirectBlock     = 12
	doubleIndirect    = 13
	tripleIndirect    = 14
	maxSupportedShift = 6 // 64 KiB blocks
)

// FS is a mounted ext2 image.
type FS struct {
	dev        io.ReaderAt
	devNum     uint64
	blockSize  int64
	inodeSize  int64
	perGroup   uint32 // inodes per group
	inodes     uint32
	blocks     uint32
	freeBlocks uint32
	freeInodes uint32
	tables     []uint32 // each group's inode table block
	release    func()
}

// OnRelease sets what Release does (drop the block device).
func (fs *FS) OnRelease(f func()) { fs.release = f }

// Release implements vfs.Releaser: the last mount is gone.
func (fs *FS) Release() {
	if fs.release != nil {
		fs.release()
	}
}

func le16(b []byte, off int) uint32 { return uint32(binary.LittleEndian.Uint16(b[off:])) }
func le32(b []byte, off int) uint32 { return binary.LittleEndian.Uint32(b[off:]) }

// New reads the superblock and group descriptors of the image on dev;
// devNum is reported as st_dev.
func New(dev io.ReaderAt, devNum uint64) (*FS, error) {
	sb := make([]byte, 1024)
	if _, err := dev.ReadAt(sb, superOffset); err != nil {
		return nil, fmt.Errorf("ext2: reading the superblock: %w", unix.EINVAL)
	}
	if le16(sb, 56) != superMagic {
		return nil, fmt.Errorf("ext2: no ext2 magic: %w", unix.EINVAL)
	}
	shift := le32(sb, 24)
	if shift > maxSupportedShift {
		return nil, fmt.Errorf("ext2: block size 1024<<%d: %w", shift, unix.EINVAL)
	}
	fs := &FS{dev: dev, devNum: devNum, blockSize: 1024 << shift, inodeSize: goodOldInodeSize,
		inodes: le32(sb, 0), blocks: le32(sb, 4), freeBlocks: le32(sb, 12), freeInodes: le32(sb, 16),
		perGroup: le32(sb, 40)}
	if le32(sb, 76) >= 1 {
		fs.inodeSize = int64(le16(sb, 88))
		if incompat := le32(sb, 96); incompat&^incompatFiletype != 0 {
			return nil, fmt.Errorf("ext2: unsupported incompatible features %#x: %w", incompat, unix.EINVAL)
		}
	}
	perBlocks := le32(sb, 32)
	if fs.perGroup == 0 || perBlocks == 0 || fs.inodeSize < goodOldInodeSize {
		return nil, fmt.Errorf("ext2: bad geometry: %w", unix.EINVAL)
	}
	firstData := le32(sb, 20)
	if fs.blocks <= firstData+1 {
		return nil, fmt.Errorf("ext2: %d blocks: %w", fs.blocks, unix.EINVAL)
	}
	groups := (fs.blocks - firstData + perBlocks - 1) / perBlocks
	if int64(groups)*int64(fs.perGroup) < int64(fs.inodes) || int64(groups)*groupDescSize > int64(fs.blocks)*fs.blockSize {
		return nil, fmt.Errorf("ext2: %d groups for %d inodes: %w", groups, fs.inodes, unix.EINVAL)
	}
	gdt := make([]byte, int64(groups)*groupDescSize)
	if _, err := dev.ReadAt(gdt, int64(firstData+1)*fs.blockSize); err != nil {
		return nil, fmt.Errorf("ext2: reading the group descriptors: %w", unix.EINVAL)
	}
	for g := range groups {
		fs.tables = append(fs.tables, le32(gdt, int(g)*groupDescSize+8))
	}
	return fs, nil
}

// Root implements vfs.FileSystem.
func (fs *FS) Root() (vfs.Inode, error) { return fs.inode(rootIno) }

// ReadOnly implements vfs.FileSystem: this reader never writes.
func (fs *FS) ReadOnly() bool { return true }

// PathCacheable implements vfs.PathCacheable: the image never changes.
func (fs *FS) PathCacheable() bool { return true }

// Statfs implements vfs.FileSystem with EXT2_SUPER_MAGIC.
func (fs *FS) Statfs() (vfs.Statfs, error) {
	return vfs.Statfs{
		Type: superMagic, Bsize: fs.blockSize, Frsize: fs.blockSize, Namelen: vfs.NameMax,
		Blocks: uint64(fs.blocks), Bfree: uint64(fs.freeBlocks), Bavail: uint64(fs.freeBlocks),
		Files: uint64(fs.inodes), Ffree: uint64(fs.freeInodes),
	}, nil
}

// inode reads inode number ino.
func (fs *FS) inode(ino uint32) (*Inode, error) {
	if ino == 0 || ino > fs.inodes {
		return nil, fmt.Errorf("ext2: inode %d out of range: %w", ino, unix.EIO)
	}
	group, index := (ino-1)/fs.perGroup, (ino-1)%fs.perGroup
	if int(group) >= len(fs.tables) {
		return nil, fmt.Errorf("ext2: inode %d: no group %d: %w", ino, group, unix.EIO)
	}
	raw := make([]byte, goodOldInodeSize)
	off := int64(fs.tables[group])*fs.blockSize + int64(index)*fs.inodeSize
	if _, err := fs.dev.ReadAt(raw, off); err != nil {
		return nil, fmt.Errorf("ext2: reading inode %d: %w", ino, unix.EIO)
	}
	n := &Inode{fs: fs, ino: ino, mode: le16(raw, 0), uid: le16(raw, 2) | le16(raw, 120)<<16,
		gid: le16(raw, 24) | le16(raw, 122)<<16, size: int64(le32(raw, 4)), links: le16(raw, 26),
		sectors: le32(raw, 28), fileACL: le32(raw, 104),
		atime: le32(raw, 8), ctime: le32(raw, 12), mtime: le32(raw, 16)}
	if n.mode&unix.S_IFMT == unix.S_IFREG {
		n.size |= int64(le32(raw, 108)) << 32
	}
	copy(n.blockMap[:], raw[40:100])
	return n, nil
}

// readBlock reads physical block b (zeros for a hole, b == 0).
func (fs *FS) readBlock(b uint32, p []byte) error {
	if b == 0 {
		clear(p)
		return nil
	}
	if b >= fs.blocks {
		return fmt.Errorf("ext2: block %d beyond the filesystem: %w", b, unix.EIO)
	}
	if _, err := fs.dev.ReadAt(p, int64(b)*fs.blockSize); err != nil {
		return fmt.Errorf("ext2: reading block %d: %w", b, unix.EIO)
	}
	return nil
}

// pointer reads entry i of the indirect block b.
func (fs *FS) pointer(b uint32, i int64) (uint32, error) {
	if b == 0 {
		return 0, nil
	}
	var e [4]byte
	if _, err := fs.dev.ReadAt(e[:], int64(b)*fs.blockSize+i*4); err != nil {
		return 0, fmt.Errorf("ext2: reading indirect block %d: %w", b, unix.EIO)
	}
	return binary.LittleEndian.Uint32(e[:]), nil
}
