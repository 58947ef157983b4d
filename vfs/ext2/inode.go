package ext2

import (
	"context"
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/vfs"
)

// Inode is one inode of the image, read when looked up.
type Inode struct {
	fs                  *FS
	ino                 uint32
	mode                uint32
	uid, gid            uint32
	size                int64
	links               uint32
	sectors             uint32 // i_blocks: 512-byte units
	fileACL             uint32
	atime, ctime, mtime uint32
	blockMap            [60]byte // i_block: 15 block pointers, or a fast symlink's target
}

var _ vfs.Inode = (*Inode)(nil)

// Identity implements vfs.Identifier.
func (n *Inode) Identity() (uint64, uint32) { return uint64(n.ino), n.mode & unix.S_IFMT }

// Stat implements vfs.Inode.
func (n *Inode) Stat() (vfs.Stat, error) {
	return vfs.Stat{
		Dev: n.fs.devNum, Ino: uint64(n.ino), Mode: n.mode, Nlink: uint64(n.links),
		UID: n.uid, GID: n.gid, Size: n.size, Blksize: n.fs.blockSize, Blocks: int64(n.sectors),
		Atime: unix.Timespec{Sec: int64(n.atime)}, Mtime: unix.Timespec{Sec: int64(n.mtime)},
		Ctime: unix.Timespec{Sec: int64(n.ctime)},
	}, nil
}

func (n *Inode) isDir() bool { return n.mode&unix.S_IFMT == unix.S_IFDIR }

// physical maps logical block l of the inode to a block of the image
// (0 for a hole), through the direct, indirect, double and triple
// indirect pointers.
func (n *Inode) physical(l int64) (uint32, error) {
	ptrs := n.fs.blockSize / 4
	slot := func(i int) uint32 { return binary.LittleEndian.Uint32(n.blockMap[i*4:]) }
	if l < directBlocks {
		return slot(int(l)), nil
	}
	l -= directBlocks
	start, depth := slot(indirectBlock), 1
	for span := ptrs; l >= span; span *= ptrs {
		l -= span
		depth++
		if depth > 3 {
			return 0, fmt.Errorf("ext2: inode %d: block beyond triple indirection: %w", n.ino, unix.EFBIG)
		}
		start = slot(indirectBlock + depth - 1)
	}
	b := start
	for level := depth - 1; level >= 0; level-- {
		div := int64(1)
		for range level {
			div *= ptrs
		}
		var err error
		if b, err = n.fs.pointer(b, l/div); err != nil {
			return 0, err
		}
		l %= div
	}
	return b, nil
}

// ReadAt reads the inode's data at off.
func (n *Inode) ReadAt(p []byte, off int64) (int, error) {
	if off >= n.size {
		return 0, nil
	}
	p = p[:min(int64(len(p)), n.size-off)]
	block := make([]byte, n.fs.blockSize)
	done := 0
	for done < len(p) {
		pos := off + int64(done)
		b, err := n.physical(pos / n.fs.blockSize)
		if err == nil {
			err = n.fs.readBlock(b, block)
		}
		if err != nil {
			return done, err
		}
		done += copy(p[done:], block[pos%n.fs.blockSize:])
	}
	return done, nil
}

// entries walks the directory's entries from byte offset from; yield gets
// each entry and the offset of the next one.
func (n *Inode) entries(from int64, yield func(name string, ino uint32, ftype uint8, next int64) bool) error {
	if !n.isDir() {
		return unix.ENOTDIR
	}
	block := make([]byte, n.fs.blockSize)
	for base := from - from%n.fs.blockSize; base < n.size; base += n.fs.blockSize {
		if _, err := n.ReadAt(block, base); err != nil {
			return err
		}
		for off := int64(0); off+8 <= n.fs.blockSize; {
			recLen := int64(binary.LittleEndian.Uint16(block[off+4:]))
			nameLen := int64(block[off+6])
			if recLen < 8 || off+recLen > n.fs.blockSize || 8+nameLen > recLen {
				return fmt.Errorf("ext2: directory %d: bad entry at %d: %w", n.ino, base+off, unix.EIO)
			}
			ino := binary.LittleEndian.Uint32(block[off:])
			if ino != 0 && base+off >= from {
				name := string(block[off+8 : off+8+nameLen])
				if !yield(name, ino, block[off+7], base+off+recLen) {
					return nil
				}
			}
			off += recLen
		}
	}
	return nil
}

// Lookup implements vfs.Inode.
func (n *Inode) Lookup(name string) (vfs.Inode, error) {
	var found uint32
	err := n.entries(0, func(entry string, ino uint32, _ uint8, _ int64) bool {
		if entry == name {
			found = ino
			return false
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	if found == 0 {
		return nil, unix.ENOENT
	}
	return n.fs.inode(found)
}

// Readlink implements vfs.Inode: a fast symlink keeps its target in the
// block pointers.
func (n *Inode) Readlink() (string, error) {
	if n.mode&unix.S_IFMT != unix.S_IFLNK {
		return "", unix.EINVAL
	}
	eaSectors := uint32(0)
	if n.fileACL != 0 {
		eaSectors = uint32(n.fs.blockSize / 512)
	}
	if n.sectors == eaSectors && n.size < int64(len(n.blockMap)) {
		return string(n.blockMap[:n.size]), nil
	}
	if n.size >= n.fs.blockSize || n.size >= vfs.PathMax {
		return "", fmt.Errorf("ext2: symlink %d of %d bytes: %w", n.ino, n.size, unix.EIO)
	}
	buf := make([]byte, n.size)
	if _, err := n.ReadAt(buf, 0); err != nil {
		return "", err
	}
	return string(buf), nil
}

// Open implements vfs.Inode.
func (n *Inode) Open(flags int) (vfs.FileImpl, error) {
	switch n.mode & unix.S_IFMT {
	case unix.S_IFREG, unix.S_IFDIR:
		return &file{n: n}, nil
	}
	return nil, unix.ENXIO // device nodes, FIFOs and sockets of an image are not served
}

// The image is read-only: the vfs answers EROFS before these are called.

func (n *Inode) SetAttr(vfs.SetAttr) error                                  { return unix.EROFS }
func (n *Inode) Create(string, uint32, uint64, vfs.Cred) (vfs.Inode, error) { return nil, unix.EROFS }
func (n *Inode) Mkdir(string, uint32, vfs.Cred) (vfs.Inode, error)          { return nil, unix.EROFS }
func (n *Inode) Symlink(string, string, vfs.Cred) (vfs.Inode, error)        { return nil, unix.EROFS }
func (n *Inode) Link(string, vfs.Inode) error                               { return unix.EROFS }
func (n *Inode) Unlink(string) error                                        { return unix.EROFS }
func (n *Inode) Rmdir(string) error                                         { return unix.EROFS }
func (n *Inode) Rename(string, vfs.Inode, string, uint32) error             { return unix.EROFS }

// file is an open regular file or directory of the image.
type file struct{ n *Inode }

func (f *file) Read(_ context.Context, p []byte, off int64, _ bool) (int, error) {
	if f.n.isDir() {
		return 0, unix.EISDIR
	}
	return f.n.ReadAt(p, off)
}

func (f *file) Write(context.Context, []byte, int64, bool) (int, error) { return 0, unix.EBADF }

func (f *file) Release() {}

// Size implements vfs.Seekable.
func (f *file) Size() (int64, error) { return f.n.size, nil }

// ReadDir implements vfs.DirReader: entries in on-disk order, cookies
// are byte offsets as Linux's ext2 uses.
func (f *file) ReadDir(cookie int64, yield func(vfs.DirEntry) bool) error {
	return f.n.entries(cookie, func(name string, ino uint32, ftype uint8, next int64) bool {
		return yield(vfs.DirEntry{Name: name, Ino: uint64(ino), Type: direntType(ftype), Next: next})
	})
}

// direntType maps ext2's file type byte to DT_*.
func direntType(ftype uint8) uint8 {
	types := [...]uint8{unix.DT_UNKNOWN, unix.DT_REG, unix.DT_DIR, unix.DT_CHR, unix.DT_BLK, unix.DT_FIFO, unix.DT_SOCK, unix.DT_LNK}
	if int(ftype) < len(types) {
		return types[ftype]
	}
	return unix.DT_UNKNOWN
}
