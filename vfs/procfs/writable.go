package procfs

import (
	"context"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/elfloader/elfloader/vfs"
)

// writableNode is a procfs file that also takes writes: each write(2) is
// one complete value handed to store, as Linux's proc write handlers
// parse each call's buffer on its own.
type writableNode struct {
	fileNode
	store func(p []byte) (int, error)
}

// Open implements vfs.Inode: readers get a snapshot, writers the store.
func (n *writableNode) Open(flags int) (vfs.FileImpl, error) {
	if flags&unix.O_ACCMODE == unix.O_RDONLY {
		return n.fileNode.Open(flags)
	}
	data, err := n.generate()
	if err != nil {
		return nil, err
	}
	return &storeFile{snapshotFile: snapshotFile{data: data}, store: n.store}, nil
}

// SetAttr implements vfs.Inode: truncation (O_TRUNC, as the shell's ">"
// opens) is ignored like Linux's proc_setattr does; other changes EPERM.
func (n *writableNode) SetAttr(sa vfs.SetAttr) error {
	if sa.Mask == vfs.AttrSize {
		return nil
	}
	return unix.EPERM
}

// storeFile is an open writable procfs file.
type storeFile struct {
	snapshotFile
	store func(p []byte) (int, error)
}

// Write implements vfs.FileImpl.
func (f *storeFile) Write(_ context.Context, p []byte, _ int64, _ bool) (int, error) {
	return f.store(p)
}

// procNumBuf is Linux's PROC_NUMBUF: a number written to a proc file is
// read from at most PROC_NUMBUF-1 bytes of the buffer.
const procNumBuf = 13

// parseProcInt parses a number as the kernel's kstrtoint(strstrip(buf),
// 0) does: surrounding white space, an optional sign, 0x for hex and a
// leading 0 for octal; anything else is EINVAL.
func parseProcInt(p []byte) (int, error) {
	s := strings.TrimSpace(string(p))
	digits := strings.TrimLeft(s, "+-")
	if len(s)-len(digits) > 1 || strings.ContainsRune(digits, '_') ||
		len(digits) > 1 && digits[0] == '0' && strings.ContainsRune("oObB", rune(digits[1])) {
		return 0, unix.EINVAL
	}
	n, err := strconv.ParseInt(s, 0, 32)
	if err != nil {
		return 0, unix.EINVAL
	}
	return int(n), nil
}

// oomScoreAdj is /proc/PID/oom_score_adj: the process's value, -1000 to
// 1000 (OOM_SCORE_ADJ_MIN..MAX), EINVAL otherwise.
func (fs *FS) oomScoreAdj(t thread, a attrs) vfs.Inode {
	a.mode = unix.S_IFREG | 0o644
	adjuster := func() (OOMAdjuster, error) {
		p, err := fs.process(t.pid)
		if err != nil {
			return nil, err
		}
		adj, ok := p.(OOMAdjuster)
		if !ok {
			return nil, unix.EACCES
		}
		return adj, nil
	}
	n := &writableNode{fileNode: fileNode{attrs: a, generate: func() ([]byte, error) {
		p, err := fs.process(t.pid)
		if err != nil {
			return nil, err
		}
		v := 0
		if adj, ok := p.(OOMAdjuster); ok {
			v = adj.OOMScoreAdj()
		}
		return []byte(strconv.Itoa(v) + "\n"), nil
	}}}
	n.store = func(p []byte) (int, error) {
		adj, err := adjuster()
		if err != nil {
			return 0, err
		}
		count := min(len(p), procNumBuf-1)
		v, err := parseProcInt(p[:count])
		if err != nil {
			return 0, err
		}
		if v < -1000 || v > 1000 {
			return 0, unix.EINVAL
		}
		if err := adj.SetOOMScoreAdj(v); err != nil {
			return 0, err
		}
		return count, nil
	}
	return n
}

// leaseBreakTime is /proc/sys/fs/lease-break-time (0644): the seconds an
// open waits for a lease holder before the kernel breaks the lease.
func (fs *FS) leaseBreakTime(b *builder) entry {
	lt, ok := fs.prov.(LeaseTimer)
	if !ok {
		return b.constant("lease-break-time", "45\n")
	}
	n := &writableNode{fileNode: fileNode{attrs: b.attrs(unix.S_IFREG | 0o644), generate: func() ([]byte, error) {
		return []byte(strconv.Itoa(lt.LeaseBreakTime()) + "\n"), nil
	}}}
	n.store = func(p []byte) (int, error) {
		v, err := parseProcInt(p)
		if err != nil {
			return 0, err
		}
		lt.SetLeaseBreakTime(v)
		return len(p), nil
	}
	return entry{name: "lease-break-time", node: n}
}
