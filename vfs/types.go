package vfs

import (
	"time"

	"golang.org/x/sys/unix"
)

// Linux limits enforced by path resolution.
const (
	// NameMax is the longest permitted path component (NAME_MAX).
	NameMax = 255
	// PathMax is the size of the longest path including its NUL (PATH_MAX).
	PathMax = 4096
	// MaxSymlinks is the number of symlinks one resolution may follow.
	MaxSymlinks = 40
)

// Cred identifies the process for permission checks and new file ownership.
// UID 0 bypasses permission checks (like CAP_DAC_OVERRIDE).
type Cred struct {
	UID    uint32
	GID    uint32
	Groups []uint32
	// Caps is the caller's effective capability set (capabilities(7)),
	// which privileged operations check, when CapsSet says the kernel
	// gave one; a Cred without it (elfloader's own set-up, tests) has
	// every capability exactly when its uid is 0.
	Caps    uint64
	CapsSet bool
}

// Capable reports whether cred holds capability c (unix.CAP_*).
func (c Cred) Capable(capability int) bool {
	if !c.CapsSet {
		return c.UID == 0
	}
	return c.Caps&(1<<uint(capability)) != 0
}

// inGroup reports whether gid is the primary or a supplementary group.
func (c Cred) inGroup(gid uint32) bool {
	if c.GID == gid {
		return true
	}
	for _, g := range c.Groups {
		if g == gid {
			return true
		}
	}
	return false
}

// Stat is the filesystem-independent view of an inode (struct stat).
// Mode holds both the file type (S_IFMT bits) and the permission bits.
type Stat struct {
	Dev     uint64
	Ino     uint64
	Mode    uint32
	Nlink   uint64
	UID     uint32
	GID     uint32
	Rdev    uint64
	Size    int64
	Blksize int64
	Blocks  int64
	Atime   unix.Timespec
	Mtime   unix.Timespec
	Ctime   unix.Timespec
}

// Type returns the S_IFMT bits of the mode.
func (s *Stat) Type() uint32 { return s.Mode & unix.S_IFMT }

// IsDir reports whether the inode is a directory.
func (s *Stat) IsDir() bool { return s.Type() == unix.S_IFDIR }

// Unix converts the Stat into the host's struct stat layout (which is the
// x86-64 Linux layout the syscall layer copies out).
func (s *Stat) Unix() unix.Stat_t {
	return unix.Stat_t{
		Dev:     s.Dev,
		Ino:     s.Ino,
		Nlink:   s.Nlink,
		Mode:    s.Mode,
		Uid:     s.UID,
		Gid:     s.GID,
		Rdev:    s.Rdev,
		Size:    s.Size,
		Blksize: s.Blksize,
		Blocks:  s.Blocks,
		Atim:    s.Atime,
		Mtim:    s.Mtime,
		Ctim:    s.Ctime,
	}
}

// StatFromUnix converts a host struct stat.
func StatFromUnix(st *unix.Stat_t) Stat {
	return Stat{
		Dev: st.Dev, Ino: st.Ino, Mode: st.Mode, Nlink: st.Nlink,
		UID: st.Uid, GID: st.Gid, Rdev: st.Rdev, Size: st.Size,
		Blksize: st.Blksize, Blocks: st.Blocks,
		Atime: st.Atim, Mtime: st.Mtim, Ctime: st.Ctim,
	}
}

// Attribute mask bits for SetAttr.Mask.
const (
	AttrMode uint32 = 1 << iota
	AttrUID
	AttrGID
	AttrSize
	AttrAtime
	AttrMtime
)

// SetAttr describes an attribute change. Times are absolute: the vfs
// resolves UTIME_NOW before calling the filesystem and clears the mask bit
// for UTIME_OMIT. Mode carries permission bits only (07777).
type SetAttr struct {
	Mask  uint32
	Mode  uint32
	UID   uint32
	GID   uint32
	Size  int64
	Atime unix.Timespec
	Mtime unix.Timespec
}

// Statfs is the filesystem-independent struct statfs.
type Statfs struct {
	Type    int64
	Bsize   int64
	Blocks  uint64
	Bfree   uint64
	Bavail  uint64
	Files   uint64
	Ffree   uint64
	Namelen int64
	Frsize  int64
	Flags   int64
}

// Unix converts the Statfs into the host's struct statfs layout.
func (s *Statfs) Unix() unix.Statfs_t {
	return unix.Statfs_t{
		Type: s.Type, Bsize: s.Bsize, Blocks: s.Blocks, Bfree: s.Bfree,
		Bavail: s.Bavail, Files: s.Files, Ffree: s.Ffree,
		Namelen: s.Namelen, Frsize: s.Frsize, Flags: s.Flags,
	}
}

// DirEntry is one directory entry produced by a DirReader. Next is the
// cookie that resumes reading after this entry (the linux_dirent64 d_off).
type DirEntry struct {
	Name string
	Ino  uint64
	Type uint8 // DT_* value
	Next int64
}

// DirentType converts S_IFMT bits into a DT_* value.
func DirentType(mode uint32) uint8 {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		return unix.DT_REG
	case unix.S_IFDIR:
		return unix.DT_DIR
	case unix.S_IFLNK:
		return unix.DT_LNK
	case unix.S_IFCHR:
		return unix.DT_CHR
	case unix.S_IFBLK:
		return unix.DT_BLK
	case unix.S_IFIFO:
		return unix.DT_FIFO
	case unix.S_IFSOCK:
		return unix.DT_SOCK
	}
	return unix.DT_UNKNOWN
}

// Now returns the current time as a Timespec (for filesystems' timestamps).
func Now() unix.Timespec {
	return unix.NsecToTimespec(time.Now().UnixNano())
}
