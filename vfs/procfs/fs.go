package procfs

import (
	"crypto/rand"
	"fmt"
	"time"

	"github.com/elfloader/elfloader/vfs"
)

// procSuperMagic is PROC_SUPER_MAGIC, statfs's f_type for /proc.
const procSuperMagic = 0x9fa0

// FS is a procfs instance. It is a vfs.FileSystem.
type FS struct {
	prov Provider
	dev  uint64
	// hostProc is the host directory the pass-through files come from.
	hostProc string
	// bootID is /proc/sys/kernel/random/boot_id: fixed for the instance.
	bootID string
	root   *dirNode
	// config is /proc/config.gz, compressed on first read (config.go).
	config configGz
}

// New returns a procfs showing the processes and machine state that p
// provides; dev is reported as st_dev.
func New(p Provider, dev uint64) vfs.FileSystem {
	return newFS(p, dev, "/proc")
}

func newFS(p Provider, dev uint64, hostProc string) *FS {
	fs := &FS{prov: p, dev: dev, hostProc: hostProc, bootID: newUUID()}
	fs.root = fs.buildRoot()
	return fs
}

// Root implements vfs.FileSystem.
func (fs *FS) Root() (vfs.Inode, error) { return fs.root, nil }

// ReadOnly implements vfs.FileSystem: procfs is mounted read-write, as on
// Linux; its directories refuse changes and only the files that take
// writes (oom_score_adj) open for writing.
func (fs *FS) ReadOnly() bool { return false }

// Statfs implements vfs.FileSystem (f_flags come from the mount).
func (fs *FS) Statfs() (vfs.Statfs, error) {
	return vfs.Statfs{
		Type: procSuperMagic, Bsize: 4096, Frsize: 4096, Namelen: vfs.NameMax,
	}, nil
}

// Inode numbers. The fixed part of the tree (everything outside the
// process directories) is numbered from 1 in construction order. Process
// directories pack what they show into the number so that it is stable
// across lookups and unique:
//
//	bits 56..63 kind, 34..55 pid, 12..33 tid or fd, 0..11 entry index
const (
	kindPID    = 1 // /proc/PID and its entries
	kindTask   = 2 // /proc/PID/task/TID and its entries
	kindFD     = 3 // /proc/PID/fd/N
	kindFDInfo = 4 // /proc/PID/fdinfo/N
	kindSub    = 5 // fixed subdirectories of /proc/PID (fd, fdinfo, task)

	idBits    = 22
	idMask    = 1<<idBits - 1
	indexBits = 12
)

func dynIno(kind, pid, sub, index int) uint64 {
	return uint64(kind)<<56 | uint64(pid&idMask)<<34 | uint64(sub&idMask)<<indexBits | uint64(index&(1<<indexBits-1))
}

// newUUID returns a random (version 4) UUID in its text form.
func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on Linux; keep a well-formed value.
		clear(b[:])
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// bootTime is the provider's boot time (the timestamp of fixed inodes).
func (fs *FS) bootTime() time.Time { return fs.prov.BootTime() }

// NoExport says procfs files have no handles (name_to_handle_at), as on
// Linux.
func (fs *FS) NoExport() {}
