package ramfs

import "golang.org/x/sys/unix"

// File seals (fcntl F_ADD_SEALS/F_GET_SEALS, memfd_create(2)): ramfs is
// elfloader's tmpfs, and Linux keeps seals on every tmpfs inode. A file
// starts sealed against new seals (F_SEAL_SEAL) unless its filesystem is
// a memfd one made with Options.AllowSealing.

const knownSeals = unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW |
	unix.F_SEAL_WRITE | unix.F_SEAL_FUTURE_WRITE | unix.F_SEAL_EXEC

// initialSeals is what a new regular file of fs starts with.
func (fs *FS) initialSeals() uint32 {
	var s uint32
	if !fs.opts.AllowSealing {
		s |= unix.F_SEAL_SEAL
	}
	if fs.opts.NoExecSeal {
		s |= unix.F_SEAL_EXEC
	}
	return s
}

// Seals implements vfs.Sealer.
func (f *regularFile) Seals() (uint32, error) {
	f.n.mu.Lock()
	defer f.n.mu.Unlock()
	return f.n.seals, nil
}

// AddSeals implements vfs.Sealer.
func (f *regularFile) AddSeals(s uint32) error {
	if s&^knownSeals != 0 {
		return unix.EINVAL
	}
	n := f.n
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.seals&unix.F_SEAL_SEAL != 0 {
		return unix.EPERM
	}
	n.seals |= s
	return nil
}

// checkWriteSealsLocked refuses a write of [off, end) that the seals forbid.
func (n *Inode) checkWriteSealsLocked(off, end int64) error {
	if n.seals&(unix.F_SEAL_WRITE|unix.F_SEAL_FUTURE_WRITE) != 0 {
		return unix.EPERM
	}
	if end > n.size && n.seals&unix.F_SEAL_GROW != 0 {
		return unix.EPERM
	}
	return nil
}

// checkSizeSealsLocked refuses a size change that the seals forbid.
func (n *Inode) checkSizeSealsLocked(size int64) error {
	if size < n.size && n.seals&unix.F_SEAL_SHRINK != 0 ||
		size > n.size && n.seals&unix.F_SEAL_GROW != 0 {
		return unix.EPERM
	}
	return nil
}

// checkModeSealsLocked refuses a change of the execute bits under
// F_SEAL_EXEC.
func (n *Inode) checkModeSealsLocked(mode uint32) error {
	if n.seals&unix.F_SEAL_EXEC != 0 && (mode^n.mode)&0o111 != 0 {
		return unix.EPERM
	}
	return nil
}
