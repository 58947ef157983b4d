package vfs

import "sync/atomic"

// HostStatInode is an inode whose Stat is the host's fstat of the host
// descriptor of any of its open files (HostFDer) with st_dev replaced by
// dev (0: the host's), for as long as the word gate points to reads 0: the
// filesystem sets it, for good, once Stat may differ from the host's in
// more than st_dev (an ownership recorded in memory). gate lives outside
// the Go heap, so that the platform's pass-through may read it
// (kernel/passthrough.go).
type HostStatInode interface {
	HostStatDev() (dev uint64, gate *atomic.Uint64, ok bool)
}

// HostStat reports whether the host can answer fstat of f and how: the
// host descriptor to fstat, the st_dev to report and the gate word
// (HostStatInode).
func (f *File) HostStat() (fd int, dev uint64, gate *atomic.Uint64, ok bool) {
	if _, over := f.impl.(StatOverrider); over || !f.loc.Valid() {
		return -1, 0, nil, false
	}
	hs, isHost := f.loc.Dentry.inode.(HostStatInode)
	if !isHost {
		return -1, 0, nil, false
	}
	fd, ok = f.MapFD()
	if !ok {
		return -1, 0, nil, false
	}
	dev, gate, ok = hs.HostStatDev()
	return fd, dev, gate, ok
}

// OnRelease sets fn to run when the last reference to f is dropped, before
// f's implementation releases its host descriptor. A file has one; set it
// while the caller holds f alone.
func (f *File) OnRelease(fn func()) { f.onRelease = fn }
